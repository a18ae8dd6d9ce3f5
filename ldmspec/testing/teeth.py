"""Teeth: does the property suite catch every fault variant, by the invariant it breaks?

:func:`hunt` runs the stateful machine (or, for INV-PRECHECK-AGREES, the dry-run
agreement property) against one fault variant of the reference implementation with the
``ci`` budget, seeded (:data:`SEED`) so a run is reproducible, and returns a :class:`Detection`:
which invariants fired, how long until the first failure, and how many steps the shrunk
counterexample has. :func:`model_shortest` gives, for the same invariant, the length of
the state-graph model's shortest counterexample (a wrong-on-purpose model variant that
breaks it), so the two can be compared (goal: shrunk <= 1.5 x shortest).

``properties/test_teeth.py`` asserts every variant is caught and writes
``test-artifacts/teeth.json``; ``bench/bench_teeth.py`` records the same figures.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.stateful import get_state_machine_test

from ldmspec.system import VARIANTS
from ldmspec.testing.profiles import MACHINE_EXAMPLES, MACHINE_STEPS
from ldmspec.testing.records import FailureLog
from ldmspec.testing.twins import MODEL_VARIANT_FOR, model_shortest

__all__ = [
    "MODEL_VARIANT_FOR",
    "SEED",
    "Detection",
    "hunt",
    "limited_shrinking",
    "model_shortest",
    "run_seeded",
]


@dataclass(frozen=True)
class Detection:
    """How the suite fared against one variant."""

    variant: str
    expected: str
    caught: bool
    fired: tuple[str, ...]
    seconds_to_detect: float | None
    seconds_total: float
    shrunk_steps: int | None
    transcript: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@contextmanager
def limited_shrinking(seconds: float) -> Iterator[None]:
    """Cap Hypothesis's shrinking time (its own default is five minutes)."""
    from hypothesis.internal.conjecture import engine

    saved = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = seconds  # type: ignore[assignment]
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS = saved


SEED = 20261127
"""The Hypothesis seed of every hunt: a run is reproducible, not derandomized (whose
generation starts from the simplest programs and stays near them)."""


def _settings(examples: int, steps: int) -> settings:
    # Without the targeting phase: it spends the budget climbing the machine's target()
    # measures around one program, where teeth want many different programs.
    return settings(
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=False,
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


def run_seeded(machine: type[Any], examples: int, steps: int) -> None:
    """Run a state machine with the ``ci`` shape of search, reproducibly (:data:`SEED`)."""
    test = get_state_machine_test(machine, settings=_settings(examples, steps))
    seed(SEED)(test)()


def hunt(
    variant: str,
    *,
    examples: int = MACHINE_EXAMPLES["ci"],
    steps: int = MACHINE_STEPS["ci"],
    shrink_seconds: float = 15.0,
) -> Detection:
    """Run the suite against ``variant``; what fired, when, and how short it shrank."""
    expected = VARIANTS[variant].violates
    FailureLog.reset()
    started = time.perf_counter()
    error: BaseException | None = None
    with limited_shrinking(shrink_seconds):
        try:
            if expected == "INV-PRECHECK-AGREES":
                _agreement_test(variant, examples)()
            else:
                from ldmspec.properties.machine import machine_for
                from ldmspec.testing.adapter import reference_factory

                machine = machine_for(reference_factory(variant), variant=variant)
                run_seeded(machine, examples, steps)
        except BaseException as exc:  # a failure is the expected outcome
            if isinstance(exc, KeyboardInterrupt):
                raise
            error = exc
    total = time.perf_counter() - started
    return _detection(variant, expected, error, started, total)


def _detection(
    variant: str, expected: str, error: BaseException | None, started: float, total: float
) -> Detection:
    from ldmspec.testing.plugin import records_of

    records = records_of(error)
    fired = tuple(dict.fromkeys(r.property_id for r in records))
    also = {f.partition(":")[0] for r in records for f in r.fired}
    mine = [r for r in records if r.property_id == expected] or [
        r for r in records if expected in {f.partition(":")[0] for f in r.fired}
    ]
    found_at = FailureLog.first_at
    return Detection(
        variant=variant,
        expected=expected,
        caught=expected in fired or expected in also,
        fired=fired + tuple(sorted(also - set(fired))),
        seconds_to_detect=None if found_at is None else round(found_at - started, 3),
        seconds_total=round(total, 3),
        shrunk_steps=mine[0].steps if mine else None,
        transcript=mine[0].lines if mine else (),
    )


def _agreement_test(variant: str, examples: int):  # type: ignore[no-untyped-def]
    from ldmspec.properties.agreement import dry_run_agrees
    from ldmspec.testing.adapter import reference_factory
    from ldmspec.testing.fleet_cases import FleetCase
    from ldmspec.testing.records import PropertyViolation, RunRecord
    from ldmspec.testing.strategies import host_pairs

    factory = reference_factory(variant)

    @seed(SEED)
    @_settings(examples, 1)
    @given(host_pairs())
    def agreement(pair):  # type: ignore[no-untyped-def]
        fleet, domain, source, target = pair
        driver, violation = dry_run_agrees(fleet, domain.name, source.name, target.name, factory)
        if violation is not None:
            case = FleetCase.from_fleet(fleet)
            record = RunRecord.of([violation], driver, case, variant=variant, seed=0)
            FailureLog.note(record)
            raise PropertyViolation.of(record)

    return agreement
