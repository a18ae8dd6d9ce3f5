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
from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine
from ldmspec.properties import invariants as inv

from ldmspec.conformance.steps import Mismatch, StepChecker
from ldmspec.inventory.facts import CONTROL_DOMAIN, Fleet
from ldmspec.system.config import SystemConfig
from ldmspec.system.observation import MigrationView, Observation
from ldmspec.testing.adapter import AdapterFactory, Driver, reference_factory
from ldmspec.testing.fleet_cases import FleetCase, default_fleet_cases
from ldmspec.testing.records import FailureLog, InvariantViolation, PropertyViolation, RunRecord

__all__ = ["MachineBase"]


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


class MachineBase(RuleBasedStateMachine):
    factory: ClassVar[AdapterFactory] = reference_factory()
    variant: ClassVar[str | None] = None
    fleet_cases: ClassVar[st.SearchStrategy[FleetCase]] = st.deferred(default_fleet_cases)
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
        self.d.write(m.source, m.domain, pages, "sequential")

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
        copy = self.now.host(m.target).domain(m.target_name)
        if copy is not None and copy.running:
            self._count("recovery: destroy the source copy")
            self.d.ldm(m.source, f"remove-domain {m.domain}")
        else:
            self._count("recovery: resume the source copy")
            self.d.ldm(m.source, f"cancel-operation migration {m.domain}")

    # --- conformance with the state-graph model --------------------------------------------
    def _after_event(self, label: str) -> None:
        """After every single change (a command, a fault, one scheduler event): every
        state invariant, then conformance: the step is a model edge or a stutter."""
        before, after = self._event_obs, self.d.system.observe()
        self._event_obs = after
        self._check(inv.check_step(before, after, disturbed=lambda m: m.id in self.disturbed))
        if self._conformance and self._mismatch is None and before is not None:
            # Reported at the end of the step unless an invariant of DESIGN.md breaks
            # first: a wrong step often leaves the model a few events before it breaks
            # the invariant that says what went wrong.
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


def names_unique(fleet: Fleet) -> bool:
    names = [d.name for h in fleet.hosts for d in h.domains if not d.is_control]
    return len(names) == len(set(names))
