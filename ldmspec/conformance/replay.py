"""Replay: drive the implementation along the model's paths (``ldmspec explore --replay``).

:func:`replay` runs the reference implementation along the model's shortest path to
each kind of ending, each ``sometimes`` target and each action kind, checking every
event with :class:`~ldmspec.conformance.steps.StepChecker` and that it arrives where
the model says; :func:`replay_document` is what ``ldmspec explore`` prints.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ldmspec.conformance.abstraction import CONTROL_DOMAIN, ModelView, abstract_domain, project
from ldmspec.conformance.steps import StepChecker
from ldmspec.errors import CommandError
from ldmspec.explorer.analysis import ModelVerdict
from ldmspec.explorer.model import Trace, TraceStep
from ldmspec.explorer.search import Exploration
from ldmspec.inventory.facts import Fleet
from ldmspec.inventory.loader import load_fleet
from ldmspec.models.protocol import Protocol
from ldmspec.models.protocol_actions import (
    BIND_OTHER,
    BURST,
    CANCEL_S,
    CANCEL_T,
    DESTROY_SOURCE,
    DROP,
    HANDOFF_FAIL,
    HEAL,
    LOSE_ACK,
    PARTITION,
    RECOVER_CANCEL,
    START,
)
from ldmspec.models.protocol_config import ProtocolConfig
from ldmspec.models.protocol_domain import (
    CANCELLED,
    COMPLETED,
    FAILED,
    IDLE,
    OUTCOME_NAMES,
    RECOVERED_ON_SOURCE,
    RECOVERED_ON_TARGET,
    TARGET_FULL,
    ModelDomain,
)
from ldmspec.system.config import SystemConfig
from ldmspec.system.datacenter import Datacenter
from ldmspec.system.precheck import precheck
from ldmspec.system.variants import VARIANTS as SYSTEM_VARIANTS

__all__ = [
    "SYSTEM_VARIANTS",
    "Binding",
    "ReplayResult",
    "find_binding",
    "replay",
    "replay_document",
]


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

    @property
    def status(self) -> str:
        """``ok`` (arrived, every step a model step), ``mismatch`` (a step no model edge
        allows), ``skipped`` (the driver could not do a step: the goal is unknown) or
        ``diverged`` (the implementation took another path the model allows: unknown)."""
        if self.mismatch is not None:
            return "mismatch"
        if self.skipped is not None:
            return "skipped"
        return "diverged" if self.diverged is not None else "ok"


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
        config = SystemConfig(max_migrations_per_host=model.config.per_host)
        self.dc = Datacenter.from_fleet(fleet, variant=variant, seed=0, config=config)
        self.heal_after: tuple[str, str] | None = None
        self.issued = ""  # the last ldm command, as an operator would type it

    def ldm(self, host: str, command: str) -> None:
        """Run ``ldm command`` on ``host``, remembering it for the step check."""
        self.issued = f"{host}# ldm {command}"
        self.dc.run_ldm(host, command)

    def view(self) -> tuple[ModelView | None, ...]:
        observation = self.dc.observe()
        return tuple(abstract_domain(observation, name) for name in self.binding.domains)

    def expected(self, state: tuple[int, ...]) -> tuple[ModelView, ...]:
        return tuple(
            project(self.model, state, d, self.binding.hosts)
            for d in range(len(self.binding.domains))
        )

    def perform(self, action: int, before: tuple[int, ...]) -> str | None:
        """Do what the environment does for ``action``; None, or why it cannot."""
        kind, d, argument = action >> 8, (action >> 4) & 15, action & 15
        if kind == BIND_OTHER:
            return self.bind_other(self.binding.hosts[argument])
        dom: ModelDomain = self.model.decode(before)[3][d]
        name = self.binding.domains[d]
        home = self.binding.hosts[dom.home]
        target = self.binding.hosts[dom.target] if dom.phase != IDLE else ""
        dc = self.dc
        if kind == START:
            self.ldm(home, f"migrate-domain {name} root@{self.binding.hosts[argument]}")
        elif kind in (CANCEL_S, RECOVER_CANCEL):
            self.ldm(home, f"cancel-operation migration {name}")
        elif kind == CANCEL_T:
            self.ldm(target, f"cancel-operation migration {name}")
        elif kind == DESTROY_SOURCE:
            self.ldm(home, f"remove-domain {name}")
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
                self.issued = f"{host}# ldm bind {view.name}"
                result = self.dc.run_ldm(host, f"bind {view.name}")
                if result.status != 0:
                    return f"ldm bind {view.name} on {host} was refused: {result.output}"
                return None
        return f"needs bind_other, and {host} has no inactive domain to bind"

    def reach(
        self, wanted: tuple[ModelView, ...], label: str, ahead: list[tuple[ModelView, ...]]
    ) -> tuple[int, str | None, bool]:
        """Run events until the implementation shows ``wanted`` or one of the states
        ``ahead`` (it may take several protocol steps in one event).

        Returns (how many of ``ahead`` were skipped, what went wrong, whether it was a
        mismatch): a step that is no model step is a mismatch; running out of events
        without getting there is a divergence (the implementation took another path
        the model allows).
        """
        targets: list[tuple[ModelView | None, ...]] = [wanted, *ahead]
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
            mismatch = self.checker.check_step(before, label, self.dc.observe())
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


def _show(view: Iterable[ModelView | None]) -> str:
    return "; ".join(str(v) for v in view)


def replay(
    fleet: Fleet,
    model: Protocol,
    exploration: Exploration,
    verdicts: Sequence[ModelVerdict] = (),
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
    model: Protocol, exploration: Exploration, verdicts: Sequence[ModelVerdict]
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
                    TraceStep(a, nxt)
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
        label = model.describe_action(action)
        before, driver.issued = driver.dc.observe(), ""
        refused = driver.perform(action, path[k - 1].state)
        if refused is not None:
            return ReplayResult(goal, actions, steps, True, skipped=f"{label}: {refused}")
        # the driver's own command (or fault) is a step too: what it changed at once
        # must be a model step, before any event runs
        wrong = checker.check_step(before, driver.issued or label, driver.dc.observe())
        if wrong is not None:
            return ReplayResult(goal, actions, steps, False, mismatch=str(wrong))
        # states the implementation may jump to in the same event: the next states of
        # the path while they are protocol steps, then the protocol steps after it
        ahead: list[tuple[ModelView, ...]] = []
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
    verdicts: Sequence[ModelVerdict] = (),
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
                "status": r.status,
                "conforms": r.conforms,
                **({"skipped": r.skipped} if r.skipped else {}),
                **({"mismatch": r.mismatch} if r.mismatch else {}),
                **({"diverged": r.diverged} if r.diverged else {}),
            }
            for r in results
        ],
    }
