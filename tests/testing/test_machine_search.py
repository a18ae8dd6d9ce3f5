"""Search quality of the stateful machine, and the failing program it shows.

A property test that never reaches the interesting phases tests nothing: with a fixed
budget and a derandomized search, runs must reach pre-copy, suspension and hand-off,
and cancellations must land in every phase. A broken implementation must produce a
short failing program that names the invariant and replays as ``ldmspec shell`` lines.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from ldmspec.properties.machine import machine_for

from ldmspec.testing.adapter import reference_factory
from ldmspec.testing.fleet_cases import FleetCase
from ldmspec.testing.records import PropertyViolation
from ldmspec.testing.seeded import detect_then_shrink, machine_test, run_seeded

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"


@pytest.mark.parametrize("phase", [1, 2, 3, 4, 5])
def test_cancel_in_phase_lands_in_that_phase(phase):
    stats: Counter[str] = Counter()
    machine = machine_for(reference_factory(), stats=stats)()
    example = FleetCase.from_path(EXAMPLE)
    machine.boot(
        case=example, seed=0, pick=0, to=0, mode="live", feasible=True, rate=0, advance=0,
        then="nothing",
    )  # fmt: skip
    machine.every_invariant()
    machine.cancel_in_phase(phase=phase, how="command", fault="none")
    machine.every_invariant()
    assert machine.d.lines[0] == "t4-a# ldm migrate-domain ldom01 root@t4-b"
    assert stats[f"cancel in phase {phase}"] == 1, sorted(stats.items())
    machine.teardown()
    outcome = "completed" if phase == 5 else "cancelled"  # too late once handed off
    assert [m.outcome for m in machine.now.migrations] == [outcome]


def test_a_seeded_ci_run_lands_cancels_in_every_phase():
    stats: Counter[str] = Counter()
    machine = machine_for(reference_factory(), stats=stats)
    run_seeded(machine, 100, 30)
    landed = {p for p in range(1, 6) if stats[f"cancel in phase {p}"] + stats[f"KILL in phase {p}"]}
    assert landed == {1, 2, 3, 4, 5}, sorted(stats.items())
    assert stats["deepest phase reached: 5"] > 0
    assert stats["migration completed in phase 5"] > 0


@pytest.mark.slow
def test_a_broken_cleanup_shows_a_short_readable_program():
    machine = machine_for(reference_factory("no-scrub"), variant="no-scrub")
    build = machine_test(machine, 100, 30, report_multiple_bugs=False)
    # Detection saves the failure unshrunk; a second run replays it from that example
    # database and shrinks it, with no time limit of ours.
    detected, shrunk = detect_then_shrink(build, shrink=True)
    assert isinstance(detected, PropertyViolation), detected
    assert isinstance(shrunk, PropertyViolation), shrunk
    record = shrunk.record
    text = str(shrunk)
    assert text.startswith("INV-CLEANUP violated: ")
    assert "not scrubbed" in text
    assert "replay with ldmspec shell FLEET --variant no-scrub --seed" in text
    assert record.property_id == "INV-CLEANUP"
    assert record.steps <= min(8, detected.record.steps), text
    assert "# ldm migrate-domain" in record.lines[0]
    assert "(the password answering Target Password:)" in text  # never the password
