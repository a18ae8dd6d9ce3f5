"""The stateful machine that throws everything at a migration implementation.

:class:`MigrationMachine` is a Hypothesis ``RuleBasedStateMachine``. It boots a system
from a fleet (the example fleet, a generated one, or ``--ldmspec-fleet``) and a seed,
then applies rules an administrator, a guest or the network could: start migrations
(feasible and infeasible pairs, ``-n``, ``target:new-name``, a wrong password), advance
the scheduler one or many events or up to a phase, guest write bursts and steady dirty
rates, cancel on the source by command and by KILL, cancel on the target, drop,
partition and heal links, lose the hand-off acknowledgement and recover as documented,
change a host's configuration under a migration (remove a volume or virtual switch, bind
a domain that takes memory, vCPUs and a console port, grow a domain, change a cpu-arch),
and run to quiescence. After every step every invariant of
:mod:`ldmspec.properties.invariants` is checked; at teardown the links are healed, the
system runs to quiescence and LIVE-TERMINATES and LIVE-CONVERGES are checked.

Every step is recorded as an ``ldmspec shell`` line (:class:`~ldmspec.testing.adapter.
Driver`), so a failure carries its replay: the
:class:`~ldmspec.testing.records.PropertyViolation` it raises names the invariant, what
was observed and the transcript, and the pytest plugin turns it into a counterexample
report whose ``replay.ldm`` reproduces it with ``ldmspec shell FLEET --variant V --seed
N``.

Build a machine for any implementation with :func:`machine_for`. The rules live in
:mod:`ldmspec.properties.rules_migrations` and
:mod:`ldmspec.properties.rules_environment`; the plumbing and the checks after every
event in :mod:`ldmspec.properties.machine_base`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import strategies as st
from hypothesis import target
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import initialize, invariant
from ldmspec.properties import invariants as inv
from ldmspec.properties.machine_base import (
    BOOT_ACTIONS,
    RUN_LIMIT,
    START_MODES,
    names_unique,
    repeated_names,
)
from ldmspec.properties.rules_environment import EnvironmentRules
from ldmspec.properties.rules_migrations import MigrationRules, OnwardRules
from ldmspec.properties.rules_operator import OperatorRules

from ldmspec.testing.adapter import AdapterFactory, Driver
from ldmspec.testing.fleet_cases import FleetCase

__all__ = ["MigrationMachine", "machine_for"]


class MigrationMachine(MigrationRules, OnwardRules, EnvironmentRules, OperatorRules):
    """Rules over a migration implementation; every invariant after every step."""

    # --- boot -----------------------------------------------------------------------------
    @initialize(
        case=st.runner().flatmap(lambda machine: type(machine).fleet_cases),
        seed=st.integers(0, 2**16 - 1),
        pick=st.integers(0, 63),
        to=st.integers(0, 7),
        mode=st.sampled_from(START_MODES),
        feasible=st.sampled_from((True, True, True, False)),
        rate=st.sampled_from((2_000, 20_000, 2_000, 0)),
        advance=st.sampled_from((3, 2, 4, 1, 5, 3, 4, 2)),
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
        self.driver = Driver(type(self).factory(case.fleet, seed), run_limit=RUN_LIMIT)
        self.hosts = [h.name for h in case.fleet.hosts]
        self.obs = self.d.system.observe()
        self._event_obs = self.obs
        self._conformance = type(self).conformance and names_unique(case.fleet)
        self.repeated = repeated_names(case.fleet)
        if not names_unique(case.fleet):
            self._count("conformance: off, the fleet repeats a guest name")
        self.d.after_each = self._after_event
        self.start_migration(pick, to, mode, feasible)
        running = self.d.system.observe().migrations
        if rate and running and running[-1].live:
            self._rate(running[-1].source, running[-1].domain, rate, "sequential")
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

    # --- after every step -----------------------------------------------------------------
    @invariant()
    def every_invariant(self) -> None:
        if self.driver is None:
            return
        before, self.obs = self.obs, self.d.system.observe()
        self._note_reach()
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
        calm = [m.id for m in self.now.migrations if m.id not in self.disturbed | self.fast]
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
