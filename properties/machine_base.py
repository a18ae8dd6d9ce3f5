"""The stateful machine's plumbing: its state, the failure path, the checks after each
event.

:class:`MachineBase` holds what every rule module shares
(:mod:`ldmspec.properties.rules_migrations`,
:mod:`ldmspec.properties.rules_environment`): the driver, the last observation, the
migrations a run disturbed, the counting of what runs reached (``event()``), and the
path every failure takes: a :class:`~ldmspec.testing.records.RunRecord` raised as a
:class:`~ldmspec.testing.records.PropertyViolation`. After every single event it runs
every state invariant and the model-conformance check of the step.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import ClassVar

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine
from ldmspec.properties import host_invariants as hosts_inv
from ldmspec.properties import invariants as inv
from ldmspec.properties.memory_witness import MemoryWitness

from ldmspec.conformance.abstraction import why_not_modelled
from ldmspec.conformance.steps import Mismatch, StepChecker
from ldmspec.inventory.facts import CONTROL_DOMAIN, Fleet
from ldmspec.system.config import SystemConfig
from ldmspec.system.observation import MigrationView, Observation
from ldmspec.testing.adapter import AdapterFactory, Driver, LdmResult, reference_factory
from ldmspec.testing.fleet_cases import FleetCase, default_fleet_cases
from ldmspec.testing.records import FailureLog, InvariantViolation, PropertyViolation, RunRecord

__all__ = ["MachineBase"]


PAGE = 8192
RUN_LIMIT = 20_000
"""Events one ``.run`` or ``.until`` may take (the largest generated domains need about
2,000 to migrate)."""
WRITE_FRACTIONS = (0.001, 0.01, 0.1, 0.5, 1.0)
RATES = (0, 2_000, 20_000, 30_000)  # 30,000 pages a tick: just below the link's bandwidth
SCATTERED_LIMIT = 4_096
PATTERNS = ("sequential", "random", "hot")
BOOT_ACTIONS = (
    "cancel", "write", "kill", "nothing", "cancel", "cancel-on-target", "lose-ack", "drop",
    "write",
)  # fmt: skip
START_MODES = ("live", "live", "live", "live", "dry-run", "rename", "wrong-password")
RECONFIGURATIONS = (
    "rm-volume", "add-volume", "rm-vsw", "rm-vcc", "add-vcc", "bind", "unbind", "start",
    "stop", "grow", "cpu-arch", "ldm-version",
)  # fmt: skip
LDM_VERSIONS = ("3.6", "3.5", "3.4", "2.1")


class MachineBase(RuleBasedStateMachine):
    factory: ClassVar[AdapterFactory] = reference_factory()
    variant: ClassVar[str | None] = None
    fleet_cases: ClassVar[st.SearchStrategy[FleetCase]] = st.deferred(default_fleet_cases)
    #: How the harness configured the implementation (bandwidth, round limit, the cap on
    #: migrations per host): the limits the liveness and lock checks hold it to.
    system_config: ClassVar[SystemConfig] = SystemConfig()
    #: Every program is bounded: running out of scheduler events or of (wall-clock)
    #: seconds is a LIVE-TERMINATES failure with the program so far, never a hang.
    program_events: ClassVar[int] = 30_000
    program_seconds: ClassVar[float] = 60.0
    clock: ClassVar[Callable[[], float]] = staticmethod(time.monotonic)
    round_limit: ClassVar[int] = SystemConfig().round_limit
    #: Counts of what runs reached (phases, cancels by phase, outcomes), when set.
    stats: ClassVar[Counter[str] | None] = None
    #: Check every event against the model (fleets whose guest names are unique only:
    #: the abstraction follows domains by name).
    conformance: ClassVar[bool] = True

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
        self.hosts: list[str] = []
        self._event_obs: Observation | None = None
        self._conformance = False
        self._mismatch: Mismatch | None = None
        self._witness: MemoryWitness | None = None
        self.wrong_auth: set[int] = set()
        #: Cancels (command or KILL) the source accepted before the hand-off, by migration.
        self.cancels: dict[int, str] = {}
        #: Guest names the fleet holds on several hosts from the start.
        self.repeated: frozenset[str] = frozenset()
        #: Steady dirty rates the harness set, per (host, domain): (pages a tick, pattern).
        self.rates: dict[tuple[str, str], tuple[int, str]] = {}
        #: Migrations whose guest the harness drove at or above the link's bandwidth.
        self.fast: set[int] = set()
        self._moved: set[int] = set()
        self._events = 0
        self._started = type(self).clock()

    # --- plumbing -------------------------------------------------------------------------
    @property
    def d(self) -> Driver:
        assert self.driver is not None
        return self.driver

    @property
    def witness(self) -> MemoryWitness:
        if self._witness is None:
            self._witness = MemoryWitness(self.d.system)
        return self._witness

    @property
    def now(self) -> Observation:
        assert self.obs is not None
        return self.obs

    def _count(self, key: str) -> None:
        if currently_in_test_context():  # the machine also runs by hand (tests, examples)
            event(key)
        if type(self).stats is not None:
            type(self).stats[key] += 1  # type: ignore[index]

    def _fail(self, violations: Sequence[InvariantViolation]) -> None:
        self.failed = True
        record = RunRecord.of(
            violations, self.d, self.case, variant=type(self).variant, seed=self.seed
        )
        FailureLog.note(record)
        raise PropertyViolation.of(record)

    def _check(self, violations: Sequence[InvariantViolation]) -> None:
        if violations:
            self._fail(violations)

    def _unsettled(self) -> list[MigrationView]:
        return [m for m in self.now.migrations if not inv.settled(m)]

    def _running(self) -> list[MigrationView]:
        return [m for m in self.now.migrations if not m.ended]

    def _note_reach(self) -> None:
        """Remember the phases and the concurrency this run reached (for ``target()``)."""
        for m in self.now.migrations:
            if not m.ended:
                self.phases_reached.add(m.phase)
        self.most_concurrent = max(self.most_concurrent, len(self._unsettled()))

    def _disturb_domain(self, host: str, domain: str) -> None:
        for m in self._unsettled():
            if (m.source, m.domain) == (host, domain) or (m.target, m.target_name) == (
                host,
                domain,
            ):
                self.disturbed.add(m.id)

    def _disturb(self, hosts: Sequence[str]) -> None:
        for m in self._unsettled():
            if m.source in hosts or m.target in hosts:
                self.disturbed.add(m.id)

    # --- helpers the rules share -----------------------------------------------------------
    def _running_guests(self) -> list[tuple[str, str, int]]:
        migrating = {(m.source, m.domain) for m in self._running()}
        found = [
            (h.name, d.name, d.memory)
            for h in self.now.hosts
            for d in h.domains
            if d.running and d.name != CONTROL_DOMAIN
        ]
        return sorted(found, key=lambda g: (g[:2] not in migrating, g))

    def _phase_of(self, host: str, domain: str) -> int:
        for m in self._running():
            if (m.source, m.domain) == (host, domain):
                return m.phase
        return 0

    def _dirty_before_suspension(self, m: MigrationView) -> None:
        """Phase 4 sends what is still dirty: without a write there is nothing to send and
        the source goes straight on to the hand-off, so phase 4 is never seen."""
        if m.phase < 3:
            self.d.until_phase(3)  # the dirty log starts with pre-copy
        pages = max(1, m.source_domain_before.memory // PAGE // 100)
        self._write(m.source, m.domain, pages, "sequential")

    def _bounded(self, obs: Observation) -> None:
        self._events += 1
        spent = type(self).clock() - self._started
        if self._events > type(self).program_events or spent > type(self).program_seconds:
            running = [m for m in obs.migrations if not inv.settled(m)]
            self._fail([InvariantViolation(
                "LIVE-TERMINATES",
                f"the program ran {self._events} events in {spent:.0f} s (bounds "
                f"{type(self).program_events} events, {type(self).program_seconds:.0f} s) and "
                f"{len(running)} migrations still had not ended: "
                + ", ".join(f"#{m.id} {m.domain} {m.source} -> {m.target} {m.status}"
                            for m in running),
            )])  # fmt: skip

    def _follow_rates(self, obs: Observation) -> None:
        """The harness's dirty rates follow a domain that moved; a migration whose guest
        is driven at or above the link's bandwidth is not held to LIVE-CONVERGES."""
        config = type(self).system_config
        for m in obs.migrations:
            if m.outcome is None and self._rate_pages(m, obs) >= config.pages_per_tick:
                self.fast.add(m.id)
            if m.target_outcome == "completed" and m.id not in self._moved:
                self._moved.add(m.id)
                rate = self.rates.pop((m.source, m.domain), None)
                if rate is not None:
                    self.rates[(m.target, m.target_name)] = rate

    def _rate_pages(self, m: MigrationView, obs: Observation) -> float:
        """Pages a tick the guest of ``m`` dirties, as the harness drives it."""
        pages, pattern = self.rates.get((m.source, m.domain), (0, "sequential"))
        if pattern == "sequential" or not pages:
            return pages
        group = type(self).system_config.group_pages
        memory = m.source_domain_before.memory // PAGE
        span = memory if pattern == "random" else max(1, memory // 100)
        return min(pages * group, span + group)

    def _ldm(self, host: str, command: str, *, password: str | None = None) -> LdmResult:
        """``ldm COMMAND`` on ``host`` (answering ``Target Password:`` with ``password``),
        held to INV-LOCK as judged from the observation before it."""
        before = self.d.system.observe()
        if password is None:
            result = self.d.ldm(host, command)
        else:
            result = self.d.migrate(host, command, password)
        cap = type(self).system_config.max_migrations_per_host
        self._check(hosts_inv.lock_command(before, host, command, result.status, cap))
        return result

    def _rate(self, host: str, domain: str, pages: int, pattern: str) -> None:
        """``.rate``, remembered: the harness knows the dirty rate it drove."""
        self.rates[(host, domain)] = (pages, pattern)
        if not pages:
            del self.rates[(host, domain)]
        self.d.rate(host, domain, pages, pattern)

    def _write(self, host: str, domain: str, pages: int, pattern: str) -> int:
        """``.write``, with the harness's reads around it (:mod:`memory_witness`); a
        write burst disturbs the migration of its domain (LIVE-CONVERGES)."""
        self._disturb_domain(host, domain)
        before = self.witness.read((host, domain))
        written = self.d.write(host, domain, pages, pattern)
        self._check(self.witness.written((host, domain), before, written))
        return written

    def _targets(self) -> list[MigrationView]:
        """Unsettled migrations whose target copy's name is not that of a domain the
        target host is itself migrating away or holds in error state (a cancel there
        would be the documented source-side cancel or recovery of that other one)."""
        sources = {(m.source, m.domain) for m in self._running() + self._in_error()}
        return [m for m in self._unsettled() if (m.target, m.target_name) not in sources]

    def _fault(self, hosts: Sequence[str], what: str) -> None:
        phases = [m.phase for m in self._running() if {m.source, m.target} & set(hosts)]
        self._count(f"fault in phase {max(phases)}" if phases else "fault, no migration")
        self._disturb(hosts)

    def _in_error(self) -> list[MigrationView]:
        return [m for m in self.now.migrations if m.outcome == "error" and m.resolution is None]

    def _recover(self, m: MigrationView) -> None:
        """The documented recovery; it must settle the migration (INV-SINGLE-ACTIVE)."""
        copy = self.d.system.observe().host(m.target).domain(m.target_name)
        target_runs = copy is not None and copy.running
        if target_runs:
            self._count("recovery: destroy the source copy")
            result = self._ldm(m.source, f"remove-domain {m.domain}")
        else:
            self._count("recovery: resume the source copy")
            result = self._ldm(m.source, f"cancel-operation migration {m.domain}")
        after = self.d.system.observe()
        self._check(inv.recovery_settled(after, m.id, result.status, target_runs=target_runs))

    # --- conformance with the state-graph model --------------------------------------------
    def _after_event(self, label: str) -> None:
        """After every single change (a command, a fault, one scheduler event): every
        state invariant, then conformance: the step is a model edge or a stutter."""
        before, after = self._event_obs, self.d.system.observe()
        self._event_obs = after
        self._bounded(after)
        self._follow_rates(after)
        self._check(inv.check_step(before, after, disturbed=lambda m: m.id in self.disturbed))
        self._check(hosts_inv.two_copies(after, self.repeated))
        if before is not None:
            self._check(self.witness.after_event(before, after))
        cap = type(self).system_config.max_migrations_per_host
        self._check(hosts_inv.lock_cap(after, cap))
        if before is not None:
            self._check(hosts_inv.auth(before, after, self.wrong_auth))
        self._check(inv.cancels_obeyed(after, self.cancels))
        self._check(hosts_inv.devices(self.d.system.to_fleet()))
        if self._conformance and self._mismatch is None and before is not None:
            # Reported at the end of the step unless an invariant of DESIGN.md breaks
            # first: a wrong step often leaves the model a few events before it breaks
            # the invariant that says what went wrong.
            for view in {d.name for h in after.hosts for d in h.domains} - {CONTROL_DOMAIN}:
                why = why_not_modelled(after, view)
                if why is not None:
                    self._count(f"conformance: skipped a domain, {why}")
            mismatch = _step_checker().check_step(before, label, after)
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
            self._fail([InvariantViolation("CONFORMANCE", str(self._mismatch))])


@functools.cache
def _step_checker() -> StepChecker:
    return StepChecker()


def _cancelled_in_handoff(obs: Observation, domain: str) -> bool:
    return any(
        m.domain == domain and m.cancelled_by is not None and m.phase == 5 and not m.ended
        for m in obs.migrations
    )


def repeated_names(fleet: Fleet) -> frozenset[str]:
    names = Counter(d.name for h in fleet.hosts for d in h.domains if not d.is_control)
    return frozenset(name for name, count in names.items() if count > 1)


def names_unique(fleet: Fleet) -> bool:
    names = [d.name for h in fleet.hosts for d in h.domains if not d.is_control]
    return len(names) == len(set(names))
