"""Conformance: the reference implementation, seen through the abstract protocol model.

This is the only module that knows both :mod:`ldmspec.system` (the implementation) and
:mod:`ldmspec.models` (the model). It provides:

* the **abstraction function** :func:`abstract_domain`: an implementation
  :class:`~ldmspec.system.Observation` to the model's view of one domain;
* :class:`StepChecker`: every implementation step must be a model edge or a stutter
  (the property suites call it after each step)::

      checker = StepChecker()
      before = dc.observe()
      dc.tick()
      mismatch = checker.check(before, "tick", dc.observe())
      assert mismatch is None, str(mismatch)

* :func:`replay`: drive the implementation along the model's shortest path to each
  kind of ending and each ``sometimes`` target, checking that it arrives where the
  model says (``ldmspec explore --replay FLEET``).

What the abstraction keeps
--------------------------
Per live-migrating (or active) domain: the host holding the source copy, the phase,
the target host, the source copy (running, suspended, none) and its FLAGS column 6,
the target copy (none, bound, running) and its ``t``, and how the last migration
ended (``failed`` and ``target-full`` are one class: the implementation names the
reason only in words). It drops what the model abstracts differently: dirty-set
buckets and round counts (the implementation has pages and its own stop rule),
budgets, links and resource slots. Hosts are compared by name, and a step is checked
one domain at a time: the model's domains interact only through capacity, budgets
and the concurrency limit, which enable or disable a domain's steps without changing
them, so a one-domain model gives every step a domain can take.

Two asynchronous clean-ups of the implementation are invisible until they finish, as
the model treats them as atomic: a cancel in flight (the source waits for the
target's ``Aborted``) shows the state before the cancel; a target copy left behind by a
migration the source already ended shows nothing until the target gives up on its
own timer. A copy still there after the target ended is a remnant and does not map
to any model state. Cold migrations (bound or inactive domains) are not modelled and
not checked.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ldmspec.errors import CommandError
from ldmspec.explorer import Exploration, Step, Trace, Verdict, check, explore
from ldmspec.inventory import load_fleet
from ldmspec.inventory.facts import Fleet
from ldmspec.models.protocol import (
    BIND_OTHER,
    BOUND,
    BURST,
    CANCEL_S,
    CANCEL_T,
    CANCELLED,
    CHECKS,
    COMPLETED,
    DESTROY_SOURCE,
    DROP,
    ERROR,
    FAILED,
    FLAG_ERROR,
    FLAG_NONE,
    FLAG_SOURCE,
    HANDOFF,
    HANDOFF_FAIL,
    HEAL,
    IDLE,
    LOSE_ACK,
    NO_OUTCOME,
    NONE,
    OUTCOME_NAMES,
    PARTITION,
    PHASE_NAMES,
    PRECOPY,
    PREPARE,
    RECOVER_CANCEL,
    RECOVERED_ON_SOURCE,
    RECOVERED_ON_TARGET,
    RUNNING,
    START,
    SUSPENDED,
    SUSPENDED_COPY,
    TARGET_FULL,
    TARGET_RUNNING,
    Domain,
    Protocol,
    ProtocolConfig,
)
from ldmspec.models.protocol_variants import protocol_model
from ldmspec.system import Datacenter, Observation, SystemConfig, precheck
from ldmspec.system.observation import DomainView, MigrationView
from ldmspec.system.variants import VARIANTS as SYSTEM_VARIANTS

__all__ = [
    "MODEL_VARIANT_FOR",
    "SYSTEM_VARIANTS",
    "Binding",
    "DomainState",
    "Mismatch",
    "ReplayResult",
    "StepChecker",
    "abstract_domain",
    "find_binding",
    "model_shortest",
    "replay",
    "replay_document",
]

CONTROL_DOMAIN = "primary"
_FLAGS = {"-": FLAG_NONE, "s": FLAG_SOURCE, "e": FLAG_ERROR}
_OUTCOMES = {
    "completed": COMPLETED,
    "cancelled": CANCELLED,
    "failed": FAILED,
}


class DomainState(NamedTuple):
    """The model's view of one domain, with hosts by name."""

    home: str
    phase: int
    target: str | None
    source_copy: int
    source_flag: int
    target_copy: int
    target_flag: int
    outcome: int

    def __str__(self) -> str:
        text = f"{PHASE_NAMES[self.phase]} on {self.home}"
        if self.phase != IDLE:
            source = ("none", "running", "suspended")[self.source_copy]
            target = ("none", "bound", "running")[self.target_copy]
            text += (
                f" -> {self.target} (source {source} {'-se'[self.source_flag]}, "
                f"target {target}{' t' if self.target_flag else ''})"
            )
        else:
            if self.outcome != NO_OUTCOME:
                text += f" ({OUTCOME_NAMES[self.outcome]})"
            if self.source_copy != RUNNING:
                text += f", source {('none', 'running', 'suspended')[self.source_copy]}"
            if self.source_flag != FLAG_NONE:
                text += f", FLAGS {'-se'[self.source_flag]}"
            if self.target_copy != NONE:
                text += f", a {('none', 'bound', 'running')[self.target_copy]} copy left on target"
        return text


@dataclass(frozen=True)
class Mismatch:
    """An implementation step the model does not allow."""

    domain: str
    action: str
    before: DomainState | None
    after: DomainState | None
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.domain}: after {self.action}: {self.reason}: "
            f"from [{self.before}] to [{self.after}]"
        )


# --- the abstraction function -----------------------------------------------------------------


def _outcome_class(outcome: int) -> int:
    return FAILED if outcome == TARGET_FULL else outcome


def _copy_of(view: DomainView | None) -> int:
    if view is None:
        return NONE
    if view.running:
        return RUNNING
    return SUSPENDED_COPY if view.state in ("suspended", "active") else NONE


def abstract_domain(observation: Observation, name: str) -> DomainState | None:
    """The model's view of domain ``name`` in ``observation`` (None when not modelled:
    no live migration and no running copy, e.g. a bound or inactive domain)."""
    migrations = [m for m in observation.migrations if m.domain == name]
    latest = migrations[-1] if migrations else None
    if latest is None or not latest.live:
        if latest is not None and latest.outcome is None:
            return None  # a cold migration
        home, view = _running_copy(observation, name)
        if view is None:
            return None
        outcome = NO_OUTCOME if latest is None else _ended(latest)
        return DomainState(home, IDLE, None, _copy_of(view), _flag(view), NONE, 0, outcome)
    return _migrating(observation, latest)


def _running_copy(observation: Observation, name: str) -> tuple[str, DomainView | None]:
    for host in observation.hosts:
        view = host.domain(name)
        if view is not None and view.state in ("active", "suspended"):
            return host.name, view
    return "", None


def _flag(view: DomainView | None) -> int:
    return _FLAGS.get(view.migration_flag, FLAG_NONE) if view is not None else FLAG_NONE


def _ended(m: MigrationView) -> int:
    if m.outcome == "error":
        return RECOVERED_ON_SOURCE if m.resolution == "resumed" else RECOVERED_ON_TARGET
    return _OUTCOMES.get(m.outcome or "", FAILED)


def _migrating(observation: Observation, m: MigrationView) -> DomainState:
    source = observation.host(m.source).domain(m.domain)
    target_host = observation.host(m.target)
    target = target_host.domain(m.target_name)
    if m.outcome == "error" and m.resolution is None:
        tcopy = NONE if target is None else TARGET_RUNNING if target.running else BOUND
        tflag = int(target is not None and target.migration_flag == "t")
        return DomainState(
            m.source, ERROR, m.target, _copy_of(source), _flag(source), tcopy, tflag, NO_OUTCOME
        )
    if m.outcome is not None:
        outcome = _ended(m)
        home = m.target if outcome in (COMPLETED, RECOVERED_ON_TARGET) else m.source
        view = observation.host(home).domain(m.domain if home == m.source else m.target_name)
        leftover = NONE
        if home == m.source and target is not None and m.target_outcome is not None:
            leftover = BOUND if not target.running else TARGET_RUNNING  # a remnant
        return DomainState(home, IDLE, None, _copy_of(view), _flag(view), leftover, 0, outcome)
    # under way
    if target is None or (m.target_phase or 0) < 2:
        # The target creates this migration's copy in its phase 2. A copy there before
        # that is the remnant of an earlier migration whose end the target has not heard
        # of yet (a partition during the hand-off): not this migration's.
        tcopy, tflag = NONE, 0
    else:
        tcopy = TARGET_RUNNING if target.running else BOUND
        tflag = int(target.migration_flag == "t")
    if m.cancelled_by is not None and m.target_outcome is not None:
        # the target cleaned up; the source has not heard yet: show what it had
        tcopy, tflag = (BOUND, 1) if (m.target_phase or 0) >= 2 else (NONE, 0)
    phase = {1: CHECKS, 2: PREPARE, 3: PRECOPY, 4: SUSPENDED}.get(m.phase, HANDOFF)
    return DomainState(m.source, phase, m.target, _copy_of(source), _flag(source), tcopy, tflag, 0)


def project(model: Protocol, state: tuple[int, ...], d: int, hosts: Sequence[str]) -> DomainState:
    """The same view of domain ``d`` in a model state, naming hosts by ``hosts``."""
    dom = model.decode(state)[3][d]
    return DomainState(
        hosts[dom.home],
        dom.phase,
        hosts[dom.target] if dom.phase != IDLE else None,
        dom.source_copy,
        dom.source_flag,
        dom.target_copy,
        dom.target_flag,
        _outcome_class(dom.outcome) if dom.phase == IDLE else NO_OUTCOME,
    )


# --- every step is a model edge or a stutter ------------------------------------------------


def _normal(before: DomainState, after: DomainState) -> tuple[Any, ...]:
    """The pair with hosts renamed in order of appearance (hosts are interchangeable)."""
    names: dict[Any, int] = {}
    out: list[Any] = []
    for state in (before, after):
        for position, value in enumerate(state):
            if position in (0, 2) and value is not None:  # home and target
                value = names.setdefault(value, len(names))
            out.append(value)
    return tuple(out)


@functools.lru_cache(maxsize=8)
def _steps(round_limit: int) -> frozenset[tuple[Any, ...]]:
    """Every visible step one domain can take in the model, hosts normalised."""
    config = ProtocolConfig(
        hosts=3, domains=1, concurrent=1, round_limit=round_limit, capacity=1,
        migrations=3, faults=2,
    )  # fmt: skip
    model = Protocol(config)
    exploration = explore(model, symmetry=False)
    hosts = ("h0", "h1", "h2")
    steps = set()
    for state in exploration.states:
        before = project(model, state, 0, hosts)
        for _, middle_state in model.successors(state):
            middle = project(model, middle_state, 0, hosts)
            if middle != before:
                steps.add(_normal(before, middle))
            # an implementation event may take two protocol steps at once (suspend and
            # hand-off when nothing is left to copy)
            for action, after_state in model.successors(middle_state):
                after = project(model, after_state, 0, hosts)
                if model.is_fair(action) and after not in (before, middle):
                    steps.add(_normal(before, after))
    return frozenset(steps)


@functools.lru_cache(maxsize=8)
def _states(round_limit: int) -> frozenset[tuple[Any, ...]]:
    """Every view of one domain the model reaches, hosts normalised."""
    config = ProtocolConfig(
        hosts=3, domains=1, concurrent=1, round_limit=round_limit, capacity=1,
        migrations=3, faults=2,
    )  # fmt: skip
    model = Protocol(config)
    hosts = ("h0", "h1", "h2")
    found = set()
    for state in explore(model, symmetry=False).states:
        view = project(model, state, 0, hosts)
        found.add(_normal(view, view)[:8])
    return frozenset(found)


class StepChecker:
    """Checks that each implementation step maps to a model edge or a stutter.

    ``check(before, action, after)`` compares two observations around one step (an
    ``ldm`` command, a scheduler event, a fault) and returns a :class:`Mismatch` or
    None. ``action`` only labels the message. Domains are tracked by name; a domain
    the abstraction does not model (cold migration, not running) is skipped.
    """

    def __init__(self, config: ProtocolConfig | None = None) -> None:
        round_limit = config.round_limit if config is not None else 2
        self._steps = _steps(round_limit)
        self._states = _states(round_limit)

    def check_state(self, observation: Observation, name: str) -> Mismatch | None:
        """Whether the view of domain ``name`` is one the model can be in."""
        view = abstract_domain(observation, name)
        if view is None or _normal(view, view)[:8] in self._states:
            return None
        return Mismatch(name, "observe", view, view, "no model state looks like this")

    def check(self, before: Observation, action: str, after: Observation) -> Mismatch | None:
        """The first domain whose change is not a model step, or None."""
        for name in _domain_names(before, after):
            old = abstract_domain(before, name)
            new = abstract_domain(after, name)
            if old is None or new is None or old == new:
                continue
            if _normal(new, new)[:8] not in self._states:
                return Mismatch(name, action, old, new, "no model state looks like the result")
            if _normal(old, new) not in self._steps:
                return Mismatch(name, action, old, new, "the model has no such step")
        return None

    def require(self, before: Observation, action: str, after: Observation) -> None:
        """Like :meth:`check`, raising AssertionError with the mismatch."""
        mismatch = self.check(before, action, after)
        if mismatch is not None:
            raise AssertionError(f"conformance: {mismatch}")


def _domain_names(*observations: Observation) -> list[str]:
    names: dict[str, None] = {}
    for observation in observations:
        for host in observation.hosts:
            for view in host.domains:
                if view.name != CONTROL_DOMAIN:
                    names.setdefault(view.name)
    return list(names)


# --- replay: drive the implementation along the model's paths -------------------------------


@dataclass(frozen=True)
class Binding:
    """Which fleet host plays each model host, and which domain each model domain."""

    hosts: tuple[str, ...]
    domains: tuple[str, ...]


def find_binding(fleet: Fleet, config: ProtocolConfig) -> Binding:
    """Hosts and active domains of ``fleet`` placed as the model places them (domain
    ``d`` on host ``d mod N``), every domain able to migrate to every other bound host."""
    hosts = {h.name: h for h in fleet.hosts}
    movable = {
        h.name: [
            d.name
            for d in h.domains
            if d.name != CONTROL_DOMAIN and d.state.value == "active" and not d.io
        ]
        for h in fleet.hosts
    }
    wanted = [
        sum(1 for d in range(config.domains) if d % config.hosts == h) for h in range(config.hosts)
    ]
    for chosen in itertools.permutations(hosts, config.hosts):
        if any(len(movable[name]) < count for name, count in zip(chosen, wanted, strict=True)):
            continue
        domains = []
        taken = {name: 0 for name in chosen}
        for d in range(config.domains):
            home = chosen[d % config.hosts]
            domains.append(movable[home][taken[home]])
            taken[home] += 1
        if all(
            not precheck(hosts[chosen[d % config.hosts]], hosts[other], name)
            for d, name in enumerate(domains)
            for other in chosen
            if other != chosen[d % config.hosts]
        ):
            return Binding(tuple(chosen), tuple(domains))
    raise CommandError(
        f"no {config.hosts} hosts of the fleet hold {config.domains} active domains placed as "
        "the model places them (domain d on host d mod N) and able to migrate between them",
        fix="try fewer --hosts or --domains",
    )


@dataclass(frozen=True)
class ReplayResult:
    """One path driven through the implementation."""

    goal: str
    actions: tuple[str, ...]
    steps: int
    conforms: bool
    skipped: str | None = None
    mismatch: str | None = None
    diverged: str | None = None


_TICK_LIMIT = 20_000


class _Driver:
    """Drives one Datacenter along one model trace."""

    def __init__(
        self,
        fleet: Fleet,
        model: Protocol,
        binding: Binding,
        checker: StepChecker,
        variant: str | None,
    ) -> None:
        self.model = model
        self.binding = binding
        self.checker = checker
        config = SystemConfig(max_migrations_per_host=max(1, model.config.concurrent))
        self.dc = Datacenter.from_fleet(fleet, variant=variant, seed=0, config=config)
        self.heal_after: tuple[str, str] | None = None

    def view(self) -> tuple[DomainState | None, ...]:
        observation = self.dc.observe()
        return tuple(abstract_domain(observation, name) for name in self.binding.domains)

    def expected(self, state: tuple[int, ...]) -> tuple[DomainState, ...]:
        return tuple(
            project(self.model, state, d, self.binding.hosts)
            for d in range(len(self.binding.domains))
        )

    def perform(self, action: int, before: tuple[int, ...]) -> str | None:
        """Do what the environment does for ``action``; None, or why it cannot."""
        kind, d, argument = action >> 8, (action >> 4) & 15, action & 15
        if kind == BIND_OTHER:
            return self.bind_other(self.binding.hosts[argument])
        dom: Domain = self.model.decode(before)[3][d]
        name = self.binding.domains[d]
        home = self.binding.hosts[dom.home]
        target = self.binding.hosts[dom.target] if dom.phase != IDLE else ""
        dc = self.dc
        if kind == START:
            dc.run_ldm(home, f"migrate-domain {name} root@{self.binding.hosts[argument]}")
        elif kind in (CANCEL_S, RECOVER_CANCEL):
            dc.run_ldm(home, f"cancel-operation migration {name}")
        elif kind == CANCEL_T:
            dc.run_ldm(target, f"cancel-operation migration {name}")
        elif kind == DESTROY_SOURCE:
            dc.run_ldm(home, f"remove-domain {name}")
        elif kind == BURST:
            dc.guest_write(home, name, 50_000, "random")
        elif kind == PARTITION:
            dc.drop(home, target)
        elif kind == HEAL:
            dc.heal(home, target)
        elif kind == DROP:
            dc.drop(home, target)
            self.heal_after = (home, target)
        elif kind == LOSE_ACK:
            dc.lose_next_ack(home)
        elif kind == HANDOFF_FAIL:
            # the hand-off never reaches the target: it keeps its bound copy until its
            # timer destroys it, while the source times out into the error state
            dc.network.lose_next("HandOff", source=home, target=target)
        return None

    def bind_other(self, host: str) -> str | None:
        """Bind an inactive domain of ``host`` that the binding does not use."""
        for view in self.dc.observe().host(host).domains:
            if view.state == "inactive" and view.name not in self.binding.domains:
                result = self.dc.run_ldm(host, f"bind {view.name}")
                if result.status != 0:
                    return f"ldm bind {view.name} on {host} was refused: {result.output}"
                return None
        return f"needs bind_other, and {host} has no inactive domain to bind"

    def reach(
        self, wanted: tuple[DomainState, ...], label: str, ahead: list[tuple[DomainState, ...]]
    ) -> tuple[int, str | None, bool]:
        """Run events until the implementation shows ``wanted`` or one of the states
        ``ahead`` (it may take several protocol steps in one event).

        Returns (how many of ``ahead`` were skipped, what went wrong, whether it was a
        mismatch): a step that is no model step is a mismatch; running out of events
        without getting there is a divergence (the implementation took another path
        the model allows).
        """
        targets: list[tuple[DomainState | None, ...]] = [wanted, *ahead]
        for _ in range(_TICK_LIMIT):
            current = self.view()
            if current in targets:
                if self.heal_after is not None:
                    self.dc.heal(*self.heal_after)
                    self.heal_after = None
                return targets.index(current), None, False
            before = self.dc.observe()
            if not self.dc.tick():
                break
            mismatch = self.checker.check(before, label, self.dc.observe())
            if mismatch is not None:
                return 0, str(mismatch), True
        return (
            0,
            (
                f"after {label}: expected [{_show(wanted)}]; the implementation took another "
                f"path the model allows and rests at [{_show(self.view())}]"
            ),
            False,
        )


def _show(view: Iterable[DomainState | None]) -> str:
    return "; ".join(str(v) for v in view)


def replay(
    fleet: Fleet,
    model: Protocol,
    exploration: Exploration,
    verdicts: Sequence[Verdict] = (),
    *,
    system_variant: str | None = None,
) -> list[ReplayResult]:
    """Drive the implementation along the model's shortest path to each kind of ending
    and each ``sometimes`` target; report, per path, whether it arrived where the model
    says (every event also checked by :class:`StepChecker`). ``system_variant`` runs a
    wrong-on-purpose implementation instead of the correct one."""
    binding = find_binding(fleet, model.config)
    checker = StepChecker(model.config)
    results = []
    for goal, candidates in _goals(model, exploration, verdicts):
        # the shortest path first; the next ones only if the implementation went
        # another (allowed) way, as it may where the model leaves timing open
        best: ReplayResult | None = None
        for trace in candidates:
            result = _drive(fleet, model, binding, checker, goal, trace, system_variant)
            if result.diverged is None and result.skipped is None:
                best = result  # arrived, or a mismatch: either is the answer
                break
            if best is None or (best.skipped and not result.skipped):
                best = result
        assert best is not None
        results.append(best)
    return results


def _goals(
    model: Protocol, exploration: Exploration, verdicts: Sequence[Verdict]
) -> list[tuple[str, list[Trace]]]:
    """Each goal with its candidate paths, shortest first."""
    goals: list[tuple[str, list[Trace]]] = []
    for outcome in (
        COMPLETED, CANCELLED, FAILED, TARGET_FULL, RECOVERED_ON_TARGET, RECOVERED_ON_SOURCE,
    ):  # fmt: skip
        for i, state in enumerate(exploration.states):
            if any(d.phase == IDLE and d.outcome == outcome for d in model.decode(state)[3]):
                goals.append((f"ends {OUTCOME_NAMES[outcome]}", [exploration.trace_to(i)]))
                break
    for verdict in verdicts:
        if verdict.kind == "sometimes" and verdict.example is not None:
            goals.append((verdict.id, [verdict.example]))
    goals.extend(_each_kind(model, exploration))
    return goals


_CANDIDATES = 6


def _each_kind(model: Protocol, exploration: Exploration) -> list[tuple[str, list[Trace]]]:
    """For each action kind (a cancel in each phase...), shortest paths through an
    action of that kind: from the first states (in breadth-first order) where it fires
    on a domain in a different condition (dirty set, rounds, link...)."""
    found: dict[str, list[Trace]] = {kind: [] for kind in model.action_kinds()}
    conditions: dict[str, set[int]] = {kind: set() for kind in found}
    canon = model.representative if exploration.symmetry else (lambda state: state)
    for i in range(exploration.expanded):
        if all(len(paths) >= _CANDIDATES for paths in found.values()):
            break
        state = exploration.states[i]
        for action, after in model.successors(state):
            kind = model.action_kind(action)
            paths = found.get(kind)
            if paths is None or len(paths) >= _CANDIDATES:
                continue
            domain = (action >> 4) & 15
            condition = model.domain_fields(state)[domain] if domain < model.domains else len(paths)
            if condition in conditions[kind]:
                continue
            conditions[kind].add(condition)
            prefix = exploration.trace_to(i)
            # the prefix ends in a concrete state equivalent to states[i]: take the
            # action of that kind there that leads where this one leads
            goal = canon(after)
            step = next(
                (
                    Step(a, nxt)
                    for a, nxt in model.successors(prefix.steps[-1].state)
                    if model.action_kind(a) == kind and canon(nxt) == goal
                ),
                None,
            )
            if step is not None:
                paths.append(Trace((*prefix.steps, step)))
    return [(f"fires {kind}", paths) for kind, paths in found.items() if paths]


def _drive(
    fleet: Fleet,
    model: Protocol,
    binding: Binding,
    checker: StepChecker,
    goal: str,
    trace: Trace,
    system_variant: str | None,
) -> ReplayResult:
    actions = tuple(model.describe_action(a) for a in trace.actions)
    steps = len(trace.steps) - 1
    driver = _Driver(fleet, model, binding, checker, system_variant)
    first = trace.steps[0].state
    if driver.view() != driver.expected(first):
        return ReplayResult(
            goal, actions, steps, False,
            mismatch=f"the fleet starts as [{_show(driver.view())}], the model as "
            f"[{_show(driver.expected(first))}]",
        )  # fmt: skip
    path = trace.steps
    k = 1
    while k < len(path):
        action = path[k].action
        assert action is not None
        refused = driver.perform(action, path[k - 1].state)
        if refused is not None:
            label = model.describe_action(action)
            return ReplayResult(goal, actions, steps, True, skipped=f"{label}: {refused}")
        # states the implementation may jump to in the same event: the next states of
        # the path while they are protocol steps, then the protocol steps after it
        ahead: list[tuple[DomainState, ...]] = []
        j = k + 1
        while j < len(path) and model.is_fair(path[j].action or 0):
            ahead.append(driver.expected(path[j].state))
            j += 1
        if j == len(path):
            ahead.extend(
                driver.expected(after)
                for act, after in model.successors(path[-1].state)
                if model.is_fair(act)
            )
        label = model.describe_action(action)
        skipped, problem, mismatch = driver.reach(driver.expected(path[k].state), label, ahead)
        if problem is not None:
            return ReplayResult(
                goal, actions, steps, not mismatch,
                **({"mismatch": problem} if mismatch else {"diverged": problem}),
            )  # fmt: skip
        k += 1 + min(skipped, j - k - 1)
        if skipped > j - k:
            break  # past the end of the path, by protocol steps only
    return ReplayResult(goal, actions, steps, True)


def replay_document(
    fleet_path: str,
    model: Protocol,
    exploration: Exploration,
    verdicts: Sequence[Verdict] = (),
    *,
    system_variant: str | None = None,
) -> dict[str, Any]:
    """:func:`replay` on the fleet file ``fleet_path``, as ``ldmspec explore`` shows it."""
    fleet = load_fleet(Path(fleet_path))
    binding = find_binding(fleet, model.config)
    results = replay(fleet, model, exploration, verdicts, system_variant=system_variant)
    return {
        "fleet": fleet_path,
        "system_variant": system_variant or "correct",
        "binding": {
            "hosts": {f"h{i}": name for i, name in enumerate(binding.hosts)},
            "domains": {f"d{i}": name for i, name in enumerate(binding.domains)},
        },
        "conforms": all(r.conforms for r in results),
        "paths": [
            {
                "goal": r.goal,
                "steps": r.steps,
                "actions": list(r.actions),
                "conforms": r.conforms,
                **({"skipped": r.skipped} if r.skipped else {}),
                **({"mismatch": r.mismatch} if r.mismatch else {}),
                **({"diverged": r.diverged} if r.diverged else {}),
            }
            for r in results
        ],
    }


# --- fault variants and their model twins ------------------------------------------------

#: For a fault variant of the implementation, the wrong-on-purpose model variant
#: (``ldmspec.models.protocol_variants``) breaking the same invariant the same way, for
#: the model's shortest counterexample.
MODEL_VARIANT_FOR = {
    "no-resume-after-cancel": "cancel-leaves-suspended",
    "skip-last-round-dirty": "skip-final-copy",
    "early-target-resume": "early-resume",
    "target-accepts-cancel": "target-accepts-cancel",
    "source-flag-stays": "flag-left-on-cancel",
}


def model_shortest(variant: str) -> int | None:
    """Steps of the model's shortest counterexample for the invariant ``variant`` breaks.

    None when no model variant breaks it the same way (see :data:`MODEL_VARIANT_FOR`).
    """
    model_variant = MODEL_VARIANT_FOR.get(variant)
    if model_variant is None:
        return None
    expected = SYSTEM_VARIANTS[variant].violates
    model = protocol_model(ProtocolConfig(hosts=2, domains=1, concurrent=1), model_variant)
    for verdict in check(explore(model)):
        if verdict.id == expected and verdict.counterexample is not None:
            return len(verdict.counterexample.actions)
    return None
