"""The stateful machine that throws everything at a migration implementation.

:class:`MigrationMachine` is a Hypothesis ``RuleBasedStateMachine``. It boots a system
from a fleet (the example fleet, a generated one, or ``--ldmspec-fleet``) and a seed,
then applies rules an administrator, a guest or the network could: start migrations
(feasible and infeasible pairs, ``-n``, ``target:new-name``, a wrong password), advance
the scheduler one or many events or up to a phase, guest write bursts and steady dirty
rates, cancel on the source by command and by KILL, cancel on the target, drop,
partition and heal links, lose the hand-off acknowledgement and recover as documented,
change a host's configuration under a migration (remove a volume or virtual switch,
bind a domain that takes memory, vCPUs and a console port, grow a domain, change a
cpu-arch), and run to quiescence. After every step every invariant of
:mod:`ldmspec.properties.invariants` is checked; at teardown the links are healed, the
system runs to quiescence and LIVE-TERMINATES and LIVE-CONVERGES are checked.

Every step is recorded as an ``ldmspec shell`` line (:class:`~ldmspec.testing.adapter.
Driver`), so a failure carries its replay: the :class:`PropertyViolation` it raises
names the invariant, what was observed and the transcript, and the pytest plugin turns
it into a counterexample report whose ``replay.ldm`` reproduces it with
``ldmspec shell FLEET --variant V --seed N``.

Build a machine for any implementation with :func:`machine_for`.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import event, target
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from ldmspec.properties import invariants as inv

from ldmspec.inventory.facts import CONTROL_DOMAIN, Fleet
from ldmspec.inventory.units import MIB
from ldmspec.system import MigrationView, Observation, SystemConfig
from ldmspec.system.precheck import precheck
from ldmspec.testing.adapter import AdapterFactory, Driver, reference_factory

__all__ = [
    "FleetCase",
    "MigrationMachine",
    "PropertyViolation",
    "RunRecord",
    "default_fleet_cases",
    "machine_for",
    "violation_class",
]

PAGE = 8192
WRITE_FRACTIONS = (0.001, 0.01, 0.1, 0.5, 1.0)
RATES = (0, 2_000, 20_000)
SCATTERED_LIMIT = 4_096
PATTERNS = ("sequential", "random", "hot")
BOOT_ACTIONS = (
    "cancel", "write", "kill", "nothing", "cancel", "cancel-on-target", "lose-ack", "drop",
    "write",
)  # fmt: skip
START_MODES = ("live", "live", "live", "live", "dry-run", "rename", "wrong-password")
RECONFIGURATIONS = ("rm-volume", "rm-vsw", "bind", "grow", "cpu-arch", "ldm-version")
LDM_VERSIONS = ("3.6", "3.5", "3.4", "2.1")


# --- the fleet a run uses -------------------------------------------------------------------
@dataclass(frozen=True)
class FleetCase:
    """A fleet with a short name for the failing program and its TOML for the report."""

    label: str
    fleet: Fleet = field(repr=False, compare=False)
    toml: str = field(repr=False, compare=False)

    def __repr__(self) -> str:
        return f"FleetCase({self.label!r})"

    @classmethod
    def from_fleet(cls, fleet: Fleet, label: str | None = None) -> FleetCase:
        from ldmspec.inventory.writer import fleet_to_toml

        if label is None:
            parts = []
            for host in fleet.hosts:
                guests = [d.name for d in host.domains if not d.is_control]
                parts.append(f"{host.name} {host.cpu.name} [{' '.join(guests)}]")
            label = "generated: " + ", ".join(parts)
        return cls(label, fleet, fleet_to_toml(fleet))

    @classmethod
    def from_path(cls, path: str | Path) -> FleetCase:
        from ldmspec.inventory.loader import load_fleet

        return cls.from_fleet(load_fleet(path), str(path))


def _example_fleet_path() -> Path | None:
    import ldmspec

    path = Path(ldmspec.__file__).resolve().parents[1] / "examples" / "fleet.toml"
    return path if path.is_file() else None


@functools.cache
def _example_case() -> FleetCase | None:
    path = _example_fleet_path()
    return FleetCase.from_path(path) if path is not None else None


@st.composite
def twin_fleets(draw: st.DrawFn) -> Fleet:
    """Two or three hosts built alike, guests on the first: most migrations are feasible,
    so runs get past the checks into pre-copy, suspension and hand-off."""
    import copy
    import tomllib

    from ldmspec.inventory.loader import fleet_from_document
    from ldmspec.inventory.positions import Positions
    from ldmspec.inventory.writer import fleet_to_toml
    from ldmspec.testing.strategies import hosts

    first = draw(hosts("h0", min_domains=1, max_domains=3))
    document = tomllib.loads(fleet_to_toml(Fleet((first,))))["hosts"]["h0"]
    twin = copy.deepcopy(document)
    for name, dom in document.get("domains", {}).items():
        if name != CONTROL_DOMAIN:  # migratable by construction: no direct I/O, native
            dom.pop("io", None)
            dom["cpu-arch"] = "native"
            if str(dom.get("os", "11.4")).startswith("10") and dom["os"] != "10 1/13":
                dom["os"] = "10 1/13"  # at least 10 9/10 (SW-4); Solaris 10 stays in play
    twin["domains"] = {
        name: dom for name, dom in twin.get("domains", {}).items() if name == CONTROL_DOMAIN
    }
    documents = {"h0": document, "h1": twin}
    if draw(st.booleans()):
        documents["h2"] = copy.deepcopy(twin)
    return fleet_from_document({"hosts": documents}, "<twins>", Positions({}))


def default_fleet_cases(extra: Sequence[FleetCase] = ()) -> st.SearchStrategy[FleetCase]:
    """The example fleet and the ``extra`` fleets, twin hosts, boundary pairs, and any
    generated fleet of 2-4 hosts (``ldmspec.testing.strategies``)."""
    from ldmspec.testing.strategies import fleets, host_pairs

    fixed = [case for case in (_example_case(), *extra) if case is not None]
    generated = st.one_of(
        twin_fleets(),
        twin_fleets(),
        host_pairs().map(lambda pair: pair[0]),
        fleets(min_hosts=2, max_hosts=4, min_domains=1, max_domains=4),
    ).map(FleetCase.from_fleet)
    return st.one_of(st.sampled_from(fixed), generated) if fixed else generated


# --- failures --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunRecord:
    """Everything a report needs to show and replay a failing run."""

    property_id: str
    violation: str
    lines: tuple[str, ...]
    fleet_label: str
    fleet_toml: str
    variant: str | None
    seed: int
    fired: tuple[str, ...]
    steps: int

    @property
    def shell_command(self) -> str:
        variant = f" --variant {self.variant}" if self.variant else ""
        return f"ldmspec shell FLEET{variant} --seed {self.seed} < replay.ldm"


class PropertyViolation(AssertionError):
    """An invariant of DESIGN.md failed; ``record`` replays the run that broke it."""

    property_id = "INV-?"

    def __init__(self, record: RunRecord) -> None:
        self.record = record
        super().__init__(_explain(record))


@functools.cache
def violation_class(property_id: str) -> type[PropertyViolation]:
    """One exception class per invariant, so Hypothesis tells the bugs apart."""
    name = "".join(part.title() for part in property_id.split("-")) + "Violation"
    return type(name, (PropertyViolation,), {"property_id": property_id})


def _explain(record: RunRecord) -> str:
    shown = [
        "    (the password answering Target Password:)" if _is_password(record.lines, i) else
        f"    {line}"
        for i, line in enumerate(record.lines)
    ]  # fmt: skip
    return "\n".join([
        f"{record.property_id} violated: {record.violation}",
        *(f"  also {other}" for other in record.fired[1:]),
        f"fleet {record.fleet_label}; replay with {record.shell_command}:",
        *shown,
    ])  # fmt: skip


def _is_password(lines: Sequence[str], index: int) -> bool:
    return (
        index > 0
        and "# ldm migrate" in lines[index - 1]
        and not lines[index].startswith((".", "#"))
    )


# --- the machine -----------------------------------------------------------------------------
class MigrationMachine(RuleBasedStateMachine):
    """Rules over a migration implementation; every invariant after every step."""

    factory: ClassVar[AdapterFactory] = reference_factory()
    variant: ClassVar[str | None] = None
    fleet_cases: ClassVar[st.SearchStrategy[FleetCase]] = st.deferred(default_fleet_cases)
    round_limit: ClassVar[int] = SystemConfig().round_limit
    #: Counts of what runs reached (phases, cancels by phase, outcomes), when set.
    stats: ClassVar[Counter[str] | None] = None
    #: The last failing run's record (the plugin's fallback when the exception is lost).
    last_failure: ClassVar[RunRecord | None] = None
    #: Check every event against the model (fleets whose guest names are unique only:
    #: the abstraction follows domains by name).
    conformance: ClassVar[bool] = True
    #: ``time.perf_counter()`` of the first violation since it was last reset to None.
    found_at: ClassVar[float | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.driver: Driver | None = None
        self.case: FleetCase | None = None
        self.seed = 0
        self.obs: Observation | None = None
        self.passwords: dict[str, str] = {}
        self.disturbed: set[int] = set()
        self.armed_acks: set[str] = set()
        self.most_concurrent = 0
        self.phases_reached: set[int] = set()
        self.failed = False
        self.settled = False

    # --- plumbing -------------------------------------------------------------------------
    @property
    def d(self) -> Driver:
        assert self.driver is not None
        return self.driver

    @property
    def now(self) -> Observation:
        assert self.obs is not None
        return self.obs

    def _count(self, key: str) -> None:
        if currently_in_test_context():  # the machine also runs by hand (tests, examples)
            event(key)
        if type(self).stats is not None:
            type(self).stats[key] += 1  # type: ignore[index]

    def _fail(self, violations: Sequence[inv.Violation]) -> None:
        self.failed = True
        first = violations[0]
        record = RunRecord(
            property_id=first.id,
            violation=first.message,
            lines=tuple(self.d.lines),
            fleet_label=self.case.label if self.case else "?",
            fleet_toml=self.case.toml if self.case else "",
            variant=type(self).variant,
            seed=self.seed,
            fired=tuple(str(v) for v in violations),
            steps=self.d.steps,
        )
        type(self).last_failure = record
        if MigrationMachine.found_at is None:
            MigrationMachine.found_at = time.perf_counter()
        raise violation_class(first.id)(record)

    def _check(self, violations: Sequence[inv.Violation]) -> None:
        if violations:
            self._fail(violations)

    def _unsettled(self) -> list[MigrationView]:
        return [m for m in self.now.migrations if not inv._settled(m)]

    def _running(self) -> list[MigrationView]:
        return [m for m in self.now.migrations if not m.ended]

    def _disturb(self, hosts: Sequence[str]) -> None:
        for m in self._unsettled():
            if m.source in hosts or m.target in hosts:
                self.disturbed.add(m.id)

    # --- boot -----------------------------------------------------------------------------
    @initialize(
        case=st.runner().flatmap(lambda machine: type(machine).fleet_cases),
        seed=st.integers(0, 2**16 - 1),
        pick=st.integers(0, 63),
        to=st.integers(0, 7),
        mode=st.sampled_from(START_MODES),
        feasible=st.sampled_from((True, True, True, False)),
        rate=st.sampled_from((2_000, 20_000, 2_000, 0)),
        advance=st.sampled_from((3, 4, 3, 4, 5, 2)),
        then=st.sampled_from(BOOT_ACTIONS),
    )
    def boot(
        self,
        case: FleetCase,
        seed: int,
        pick: int,
        to: int,
        mode: str,
        feasible: bool,
        rate: int,
        advance: int,
        then: str,
    ) -> None:
        """Build the system, start a first migration (every interesting step needs one),
        let its guest dirty ``rate`` pages a tick, run it up to phase ``advance``, then
        do ``then`` to it: so even the shortest programs cancel, kill, fault and write
        in every phase, and shrinking has a short path to any bug that needs one."""
        self.case, self.seed = case, seed
        self.driver = Driver(type(self).factory(case.fleet, seed))
        self.hosts = [h.name for h in case.fleet.hosts]
        self.obs = self.d.system.observe()
        self._event_obs = self.obs
        self._conformance = type(self).conformance and _names_unique(case.fleet)
        self._mismatch: Any = None
        self.d.after_each = self._after_event
        self.start_migration(pick, to, mode, feasible)
        running = self.d.system.observe().migrations
        if rate and running and running[-1].live:
            self.d.rate(running[-1].source, running[-1].domain, rate, "sequential")
        if advance == 4 and running and running[-1].live and not rate:
            self._dirty_before_suspension(running[-1])
        if advance and running:
            self.d.until_phase(advance)
        self.obs = self.d.system.observe()
        if then != "nothing" and self._running():
            self._boot_action(then)

    def _boot_action(self, then: str) -> None:
        if then in ("cancel", "kill"):
            self.cancel_on_source(0, "command" if then == "cancel" else then)
        elif then == "cancel-on-target" and self._targets():
            self.cancel_on_target(0)
        elif then == "lose-ack":
            self.lose_ack(0)
        elif then == "drop":
            self.drop_link(0)
        elif then == "write" and self._running_guests():
            self.guest_write(0, 0.5, "sequential")

    # --- migrations -----------------------------------------------------------------------
    @rule(
        pick=st.integers(0, 63),
        to=st.integers(0, 7),
        mode=st.sampled_from(START_MODES),
        feasible=st.sampled_from((True, True, True, False)),
    )
    def start_migration(self, pick: int, to: int, mode: str, feasible: bool) -> None:
        self.settled = False
        pair = self._pick_pair(pick, to, feasible)
        if pair is None:
            self._count("start: no guest domain")
            return
        source, domain, target = pair
        name = f"{domain}-mv" if mode == "rename" else None
        where = f"root@{target}" + (f":{name}" if name else "")
        command = f"migrate-domain {'-n ' if mode == 'dry-run' else ''}{domain} {where}"
        if mode == "wrong-password" and target not in self.passwords:
            self.passwords[target] = f"pw-{target}"
            self.d.password(target, self.passwords[target])
        answer = "wrong-pw" if mode == "wrong-password" else self.passwords.get(target, "pw")
        before = self.d.system.observe()
        result = self.d.migrate(source, command, answer)
        self._count(f"start {mode}: {'accepted' if result.status == 0 else 'refused'}")
        if mode == "dry-run":
            self._check(inv.dry_run(before, self.d.system.observe(), f"{source}# ldm {command}"))
        else:
            self._disturb([source, target])  # a new migration shares these hosts

    def _pick_pair(self, pick: int, to: int, feasible: bool) -> tuple[str, str, str] | None:
        # The documented recovery comes first: a domain whose copy is in error state
        # (on any host) is not migrated again until the operator resolved it.
        in_error = {m.domain for m in self._in_error()} | {m.target_name for m in self._in_error()}
        guests = [
            (h.name, d.name)
            for h in self.now.hosts
            for d in h.domains
            if d.name != CONTROL_DOMAIN and d.migration_flag == "-" and d.name not in in_error
        ]
        if not guests:
            return None
        pairs = [
            (source, domain, target)
            for source, domain in guests[pick % len(guests) :] + guests[: pick % len(guests)]
            for target in _rotate([h for h in self.hosts if h != source], to)
        ]
        if feasible:
            fleet = self.d.system.to_fleet()
            hosts = {h.name: h for h in fleet.hosts}
            for source, domain, target in pairs:
                if not precheck(hosts[source], hosts[target], domain):
                    return source, domain, target
        return pairs[0]

    # --- time -----------------------------------------------------------------------------
    @rule(n=st.sampled_from((1, 1, 2, 3, 5, 8, 20)))
    def tick(self, n: int) -> None:
        self.settled = False
        self.d.tick(n)

    @precondition(lambda self: self.obs is not None and bool(self._running()))
    @rule(phase=st.integers(2, 5))
    def until_phase(self, phase: int) -> None:
        self.settled = False
        self.d.until_phase(phase)

    @precondition(lambda self: self.obs is not None and bool(self._running()))
    @rule()
    def until_next_phase(self) -> None:
        """Run the migrations on to the next phase: where cancels and faults hurt most."""
        self.settled = False
        self.d.until_phase(min(5, min(m.phase for m in self._running()) + 1))

    @rule()
    def run_to_quiescence(self) -> None:
        self.settled = False
        if self.d.run() is None:
            self._check([inv.Violation(
                "LIVE-TERMINATES", f"still events pending after {self.d.run_limit} events"
            )])  # fmt: skip

    # --- guests ---------------------------------------------------------------------------
    def _running_guests(self) -> list[tuple[str, str, int]]:
        migrating = {(m.source, m.domain) for m in self._running()}
        found = [
            (h.name, d.name, d.memory)
            for h in self.now.hosts
            for d in h.domains
            if d.running and d.name != CONTROL_DOMAIN
        ]
        return sorted(found, key=lambda g: (g[:2] not in migrating, g))

    @precondition(lambda self: self.obs is not None and bool(self._running_guests()))
    @rule(
        pick=st.integers(0, 15),
        fraction=st.sampled_from(WRITE_FRACTIONS),
        pattern=st.sampled_from(PATTERNS),
    )
    def guest_write(self, pick: int, fraction: float, pattern: str) -> None:
        self.settled = False
        guests = self._running_guests()
        host, domain, memory = guests[pick % len(guests)]
        pages = max(1, int(memory // PAGE * fraction))
        if pattern != "sequential":
            pages = min(pages, SCATTERED_LIMIT)  # each scattered page costs a random draw
        self.d.write(host, domain, pages, pattern)
        phase = self._phase_of(host, domain)
        self._count(f"write burst in phase {phase}" if phase else "write burst, no migration")

    @precondition(lambda self: self.obs is not None and bool(self._running_guests()))
    @rule(pick=st.integers(0, 15), pages=st.sampled_from(RATES), pattern=st.sampled_from(PATTERNS))
    def dirty_rate(self, pick: int, pages: int, pattern: str) -> None:
        self.settled = False
        guests = self._running_guests()
        host, domain, _ = guests[pick % len(guests)]
        if pattern != "sequential":
            pages = min(pages, SCATTERED_LIMIT // 4)
        self.d.rate(host, domain, pages, pattern)

    def _phase_of(self, host: str, domain: str) -> int:
        for m in self._running():
            if (m.source, m.domain) == (host, domain):
                return m.phase
        return 0

    # --- cancels --------------------------------------------------------------------------
    @precondition(lambda self: self.obs is not None and bool(self._running()))
    @rule(pick=st.integers(0, 7), how=st.sampled_from(("command", "command", "kill")))
    def cancel_on_source(self, pick: int, how: str) -> None:
        self.settled = False
        running = self._running()
        m = running[pick % len(running)]
        self._count(f"{'cancel' if how == 'command' else 'KILL'} in phase {m.phase}")
        self.disturbed.add(m.id)
        if how == "command":
            self.d.ldm(m.source, f"cancel-operation migration {m.domain}")
        else:
            self.d.kill(m.source)

    @precondition(lambda self: self.obs is not None and bool(self._running()))
    @rule(
        phase=st.integers(1, 5),
        how=st.sampled_from(("command", "kill")),
        fault=st.sampled_from(("none", "none", "lose-ack", "drop")),
    )
    def cancel_in_phase(self, phase: int, how: str, fault: str) -> None:
        """Run on to ``phase`` (``.until phase N``), maybe inject a fault, then cancel on
        the source: lands cancellations in every phase, the point of this machine."""
        self.settled = False
        first = self._running()[0]
        if phase == 4 and first.live and first.phase <= 3:
            self._dirty_before_suspension(first)
        if min(m.phase for m in self._running()) < phase:
            self.d.until_phase(phase)
            self.obs = self.d.system.observe()
        running = self._running()
        if not running:
            self._count("cancel in phase: the migration ended first")
            return
        m = running[0]
        if fault == "lose-ack":
            self._fault([m.source], f"hand-off acknowledgement to {m.source} will be lost")
            self.armed_acks.add(m.source)
            self.d.lose_ack(m.source)
        elif fault == "drop":
            self._fault([m.source, m.target], f"link {m.source}-{m.target} dropped")
            self.d.drop(m.source, m.target)
        self.cancel_on_source(0, how)

    def _dirty_before_suspension(self, m: MigrationView) -> None:
        """Phase 4 sends what is still dirty: without a write there is nothing to send and
        the source goes straight on to the hand-off, so phase 4 is never seen."""
        if m.phase < 3:
            self.d.until_phase(3)  # the dirty log starts with pre-copy
        pages = max(1, m.source_domain_before.memory // PAGE // 100)
        self.d.write(m.source, m.domain, pages, "sequential")

    def _targets(self) -> list[MigrationView]:
        """Unsettled migrations whose target copy's name is not that of a domain the
        target host is itself migrating away or holds in error state (a cancel there
        would be the documented source-side cancel or recovery of that other one)."""
        sources = {(m.source, m.domain) for m in self._running() + self._in_error()}
        return [m for m in self._unsettled() if (m.target, m.target_name) not in sources]

    @precondition(lambda self: self.obs is not None and bool(self._targets()))
    @rule(pick=st.integers(0, 7))
    def cancel_on_target(self, pick: int) -> None:
        self.settled = False
        unsettled = self._targets()
        m = unsettled[pick % len(unsettled)]
        self._count(f"cancel on the target in phase {m.target_phase or 0}")
        command = f"cancel-operation migration {m.target_name}"
        before = self.d.system.observe()
        result = self.d.ldm(m.target, command)
        after = self.d.system.observe()
        self._check(inv.source_control(before, after, result.status, f"{m.target}# ldm {command}"))

    # --- the network ----------------------------------------------------------------------
    def _links(self) -> list[tuple[str, str]]:
        busy = [(m.source, m.target) for m in self._unsettled()]
        rest = [(a, b) for i, a in enumerate(self.hosts) for b in self.hosts[i + 1 :]]
        return busy + [link for link in rest if link not in busy]

    @precondition(lambda self: self.obs is not None and bool(self._unsettled()))
    @rule(pick=st.integers(0, 7))
    def drop_link(self, pick: int) -> None:
        self.settled = False
        links = self._links()
        a, b = links[pick % len(links)]
        self._fault([a, b], f"link {a}-{b} dropped")
        self.d.drop(a, b)

    @precondition(
        lambda self: self.obs is not None and len(self.hosts) > 2 and bool(self._unsettled())
    )
    @rule(pick=st.integers(0, 7))
    def partition(self, pick: int) -> None:
        self.settled = False
        side = self.hosts[pick % len(self.hosts)]
        self._fault(self.hosts, f"partition {side} | rest")
        for other in self.hosts:
            if other != side:
                self.d.drop(side, other)

    @precondition(lambda self: self.obs is not None and bool(self.now.down_links))
    @rule(pick=st.integers(0, 7), everything=st.booleans())
    def heal(self, pick: int, everything: bool) -> None:
        self.settled = False
        down = list(self.now.down_links)
        for a, b in down if everything else [down[pick % len(down)]]:
            self.d.heal(a, b)

    @precondition(lambda self: self.obs is not None and bool(self._unsettled()))
    @rule(pick=st.integers(0, 7))
    def lose_ack(self, pick: int) -> None:
        self.settled = False
        sources = [m.source for m in self._running()] or self.hosts
        source = sources[pick % len(sources)]
        self.armed_acks.add(source)
        self._fault([source], f"hand-off acknowledgement to {source} will be lost")
        self.d.lose_ack(source)

    def _fault(self, hosts: Sequence[str], what: str) -> None:
        phases = [m.phase for m in self._running() if {m.source, m.target} & set(hosts)]
        self._count(f"fault in phase {max(phases)}" if phases else "fault, no migration")
        self._disturb(hosts)

    @precondition(lambda self: self.obs is not None and bool(self._in_error()))
    @rule(pick=st.integers(0, 7))
    def recover_from_error(self, pick: int) -> None:
        """The documented recovery: destroy S's copy if T runs D, otherwise cancel."""
        self.settled = False
        errors = self._in_error()
        m = errors[pick % len(errors)]
        self._recover(m)

    def _in_error(self) -> list[MigrationView]:
        return [m for m in self.now.migrations if m.outcome == "error" and m.resolution is None]

    def _recover(self, m: MigrationView) -> None:
        copy = self.now.host(m.target).domain(m.target_name)
        if copy is not None and copy.running:
            self._count("recovery: destroy the source copy")
            self.d.ldm(m.source, f"remove-domain {m.domain}")
        else:
            self._count("recovery: resume the source copy")
            self.d.ldm(m.source, f"cancel-operation migration {m.domain}")

    # --- configuration changes ------------------------------------------------------------
    @precondition(lambda self: self.obs is not None)
    @rule(pick=st.integers(0, 7), kind=st.sampled_from(RECONFIGURATIONS))
    def reconfigure(self, pick: int, kind: str) -> None:
        """Change a host's configuration, preferably the target of a running migration."""
        self.settled = False
        targets = [m.target for m in self._unsettled()]
        hosts = targets + [h for h in self.hosts if h not in targets]
        host = hosts[pick % len(hosts)]
        phases = [m.phase for m in self._unsettled() if host in (m.source, m.target)]
        when = f"in phase {max(phases)}" if phases else "between migrations"
        if kind == "ldm-version":
            fact = self.d.system.to_fleet().host(host)
            assert fact is not None
            others = [v for v in LDM_VERSIONS if v != str(fact.ldm_version)]
            self.d.ldm_version(host, others[pick % len(others)])
            self._count(f"reconfigure {kind} {when}: done")
            return
        command = self._reconfiguration(host, kind)
        if command is None:
            self._count(f"reconfigure {kind}: nothing to change")
            return
        result = self.d.ldm(host, command)
        self._count(f"reconfigure {kind} {when}: {'done' if result.status == 0 else 'refused'}")
        if result.status == 0:
            self._disturb([host])

    def _reconfiguration(self, host: str, kind: str) -> str | None:
        fact = self.d.system.to_fleet().host(host)
        assert fact is not None
        if kind == "rm-volume":
            volumes = [f"{v.name}@{s.name}" for s in fact.vds for v in s.volumes]
            return f"remove-vdsdev {volumes[0]}" if volumes else None
        if kind == "rm-vsw":
            return f"remove-vsw {fact.vsw[0].name}" if fact.vsw else None
        guests = [d for d in fact.domains if not d.is_control]
        if kind == "bind":
            idle = [d for d in guests if d.state.value == "inactive"]
            return f"bind-domain {idle[0].name}" if idle else None
        if kind == "grow":
            bound = [d for d in guests if d.state.value != "inactive"]
            if not bound:
                return None
            grown = bound[0]
            return f"set-memory {grown.memory_size // MIB + 1024}M {grown.name}"
        stopped = [d for d in guests if d.state.value != "active"]
        return f"set-domain cpu-arch=generic {stopped[0].name}" if stopped else None

    # --- conformance with the state-graph model --------------------------------------------
    def _after_event(self, label: str) -> None:
        """After every single change (a command, a fault, one scheduler event): every
        state invariant, then conformance: the step is a model edge or a stutter."""
        before, after = self._event_obs, self.d.system.observe()
        self._event_obs = after
        self._check(inv.check_step(before, after, disturbed=lambda m: m.id in self.disturbed))
        if self._conformance and self._mismatch is None:
            # Reported at the end of the step unless an invariant of DESIGN.md breaks
            # first: a wrong step often leaves the model a few events before it breaks
            # the invariant that says what went wrong.
            mismatch = _step_checker().check(before, label, after)
            if mismatch is not None and (
                _cancelled_in_handoff(before, mismatch.domain)
                or _cancelled_in_handoff(after, mismatch.domain)
            ):
                # The abstraction shows a cancel in flight as the state before it, so a
                # cancel during the hand-off that ends in the error state (its
                # acknowledgements lost) jumps two model steps: not a finding.
                self._count("conformance: skipped a cancel during the hand-off")
                mismatch = None
            self._mismatch = mismatch

    def _check_conformance(self) -> None:
        if self._mismatch is not None:
            self._fail([inv.Violation("CONFORMANCE", str(self._mismatch))])

    # --- after every step -----------------------------------------------------------------
    @invariant()
    def every_invariant(self) -> None:
        if self.driver is None:
            return
        before, self.obs = self.obs, self.d.system.observe()
        for m in self.now.migrations:
            if not m.ended:
                self.phases_reached.add(m.phase)
        self.most_concurrent = max(self.most_concurrent, len(self._unsettled()))
        self._check(inv.check_step(before, self.now, disturbed=lambda m: m.id in self.disturbed))
        self._check_conformance()
        self.settled = True

    def teardown(self) -> None:
        if self.driver is None or self.failed or not self.settled:
            return  # a step failed: its exception is the report
        self._count(f"deepest phase reached: {max(self.phases_reached, default=0)}")
        for m in self.now.migrations:
            self._count(f"migration {m.outcome or 'running'} in phase {m.phase}")
        if currently_in_test_context():
            rounds = max((m.rounds for m in self.now.migrations), default=0)
            dirtied = max((m.pages_dirtied_while_suspended for m in self.now.migrations), default=0)
            target(float(rounds), label="rounds")
            target(float(dirtied), label="pages dirtied while suspended")
            target(float(self.most_concurrent), label="concurrent migrations")
        self._finish()

    def _finish(self) -> None:
        """Heal, run to quiescence, check LIVE-*; recover errors; check everything again."""
        self.d.comment("teardown: heal every link and run to quiescence")
        for a, b in self.now.down_links:
            self.d.heal(a, b)
        quiescent = self.d.run() is not None
        before, self.obs = self.obs, self.d.system.observe()
        self._check(inv.terminates(self.now, quiescent=quiescent))
        self._check(inv.check_step(before, self.now, disturbed=lambda m: m.id in self.disturbed))
        calm = [m.id for m in self.now.migrations if m.id not in self.disturbed]
        if self.armed_acks:
            calm = []  # an armed loss may hit any later hand-off
        self._check(inv.converges(self.now, type(self).round_limit, undisturbed=calm))
        self._check_conformance()
        errors = self._in_error()
        if errors:
            for m in errors:
                self._recover(m)
            self.d.run()
            before, self.obs = self.obs, self.d.system.observe()
            self._check(
                inv.check_step(before, self.now, disturbed=lambda m: m.id in self.disturbed)
            )


@functools.cache
def _step_checker() -> Any:
    from ldmspec.conformance import StepChecker

    return StepChecker()


def _cancelled_in_handoff(obs: Observation, domain: str) -> bool:
    return any(
        m.domain == domain and m.cancelled_by is not None and m.phase == 5 and not m.ended
        for m in obs.migrations
    )


def _names_unique(fleet: Fleet) -> bool:
    names = [d.name for h in fleet.hosts for d in h.domains if not d.is_control]
    return len(names) == len(set(names))


def _rotate(items: list[str], by: int) -> list[str]:
    if not items:
        return items
    k = by % len(items)
    return items[k:] + items[:k]


def machine_for(
    factory: AdapterFactory,
    *,
    name: str = "MigrationMachine",
    variant: str | None = None,
    fleet_cases: st.SearchStrategy[FleetCase] | None = None,
    stats: Counter[str] | None = None,
    round_limit: int | None = None,
) -> type[MigrationMachine]:
    """A :class:`MigrationMachine` driving the systems ``factory`` builds.

    ``variant`` only labels reports (the factory decides what runs); ``fleet_cases``
    replaces the fleets; ``stats`` collects the machine's events across runs.
    """
    attributes: dict[str, Any] = {
        "factory": staticmethod(factory),
        "variant": variant,
        "stats": stats,
        "__doc__": MigrationMachine.__doc__,
    }
    if fleet_cases is not None:
        attributes["fleet_cases"] = fleet_cases
    if round_limit is not None:
        attributes["round_limit"] = round_limit
    return type(name, (MigrationMachine,), attributes)
