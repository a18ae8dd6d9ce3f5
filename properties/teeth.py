"""Teeth: does the property suite catch every fault variant, by the invariant it breaks?

:func:`hunt` runs the stateful machine (or, for INV-PRECHECK-AGREES, the dry-run
agreement property) against one fault variant of the reference implementation with the
``ldmspec-ci`` budget, seeded (:data:`SEED`) so a run is reproducible, and returns a
:class:`Detection`: which invariants fired, how long until the first failure, and how
many steps the failing program has. Detection runs without Hypothesis's shrink phase
(its time is not ours to bound); with ``shrink=True``, or when detection did not show
the documented invariant (another one, a conformance mismatch say, fired first), a
second run replays the failure from the example database the first one saved it to and
shrinks it, so the shrunk length is measured without any time limit of ours.
:func:`model_shortest` gives, for the same invariant, the length of the state-graph
model's shortest counterexample (a wrong-on-purpose model variant that breaks it), so
the two can be compared (goal: shrunk <= 1.5 x shortest).

``properties/test_teeth.py`` asserts every variant is caught and writes
``test-artifacts/teeth.json``; ``bench/bench_teeth.py`` records the same figures with
the shrunk lengths.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from hypothesis import given, seed
from hypothesis.database import ExampleDatabase
from ldmspec.properties.agreement import dry_run_agrees
from ldmspec.properties.machine import machine_for

from ldmspec.system import VARIANTS
from ldmspec.testing.adapter import reference_factory
from ldmspec.testing.fleet_cases import FleetCase
from ldmspec.testing.outcomes import records_of
from ldmspec.testing.profiles import MACHINE_EXAMPLES, MACHINE_STEPS
from ldmspec.testing.records import FailureLog, PropertyViolation, RunRecord
from ldmspec.testing.seeded import SEED, detect_then_shrink, hunt_settings, machine_test
from ldmspec.testing.strategies import host_pairs
from ldmspec.testing.twins import MODEL_VARIANT_FOR, model_shortest

__all__ = ["MODEL_VARIANT_FOR", "Detection", "hunt", "model_shortest"]


@dataclass(frozen=True)
class Detection:
    """How the suite fared against one variant."""

    variant: str
    expected: str
    caught: bool
    fired: tuple[str, ...]
    seconds_to_detect: float | None
    seconds_total: float
    detected_steps: int | None
    shrunk_steps: int | None
    transcript: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def hunt(
    variant: str,
    *,
    examples: int = MACHINE_EXAMPLES["ldmspec-ci"],
    steps: int = MACHINE_STEPS["ldmspec-ci"],
    shrink: bool = False,
) -> Detection:
    """Run the suite against ``variant``; what fired, when, and (``shrink``) how short it
    shrank."""
    expected = VARIANTS[variant].violates
    FailureLog.reset()
    started = time.perf_counter()
    if expected == "INV-PRECHECK-AGREES":
        build = _agreement_test(variant, examples)
    else:
        machine = machine_for(reference_factory(variant), variant=variant)
        # Without the model-conformance check, which often notices a wrong step a few
        # events before the invariant that says what went wrong: the documented
        # invariant must catch the variant on its own.
        alone = type(machine.__name__, (machine,), {"conformance": expected == "CONFORMANCE"})
        build = machine_test(alone, examples, steps)
    # Shrinking may bring out the documented invariant behind another that fired first
    # (a conformance mismatch, say): when detection did not show it, shrink too.
    detected, shrunk = detect_then_shrink(
        build, shrink=shrink or (lambda failure: not _records_for(expected, records_of(failure)))
    )
    total = time.perf_counter() - started
    return _detection(variant, expected, detected, shrunk, started, total)


def _detection(
    variant: str,
    expected: str,
    detected: BaseException | None,
    shrunk: BaseException | None,
    started: float,
    total: float,
) -> Detection:
    found, short = records_of(detected), records_of(shrunk)
    records = found + short
    fired = tuple(dict.fromkeys(r.property_id for r in records))
    also = {f.partition(":")[0] for r in records for f in r.fired}
    mine = _records_for(expected, found) or found
    shrunk_mine = _records_for(expected, short)
    found_at = FailureLog.first_at
    return Detection(
        variant=variant,
        expected=expected,
        caught=expected in fired or expected in also,
        fired=fired + tuple(sorted(also - set(fired))),
        seconds_to_detect=None if found_at is None else round(found_at - started, 3),
        seconds_total=round(total, 3),
        detected_steps=mine[0].steps if mine else None,
        shrunk_steps=shrunk_mine[0].steps if shrunk_mine else None,
        transcript=(shrunk_mine or mine)[0].lines if shrunk_mine or mine else (),
    )


def _records_for(expected: str, records: list[Any]) -> list[Any]:
    """The records that violated ``expected`` first, else those that violated it too."""
    return [r for r in records if r.property_id == expected] or [
        r for r in records if expected in {f.partition(":")[0] for f in r.fired}
    ]


def _agreement_test(
    variant: str, examples: int
) -> Callable[[ExampleDatabase | None, bool], Callable[[], None]]:
    factory = reference_factory(variant)

    def agreement(pair: tuple[Any, Any, Any, Any]) -> None:
        fleet, domain, source, target = pair
        agreement = dry_run_agrees(fleet, domain.name, source.name, target.name, factory)
        if agreement.violation is not None:
            case = FleetCase.from_fleet(fleet)
            record = RunRecord.of(
                [agreement.violation], agreement.driver, case, variant=variant, seed=0
            )
            FailureLog.note(record)
            raise PropertyViolation.of(record)

    def build(database: ExampleDatabase | None, shrink: bool) -> Callable[[], None]:
        options = hunt_settings(examples, 1, database, shrink=shrink)
        # The settings go on last: @seed alone would also drop the example database.
        return options(seed(SEED)(given(host_pairs())(agreement)))

    return build
