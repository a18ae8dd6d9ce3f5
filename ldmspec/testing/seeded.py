"""Seeded runs of a Hypothesis test: detect a failure, then shrink it from the database.

A hunt for a bug wants many different programs, reproducibly: :func:`machine_test` and
:func:`hunt_settings` seed a run (:data:`SEED`) without derandomizing it, and leave out
the targeting phase. :func:`detect_then_shrink` runs a test once without the shrink phase
(its time is not ours to bound) and, when asked, a second time that replays the failure
from the example database the first run saved it to and shrinks it, so the shrunk length
is measured without any time limit of ours.

The teeth suite (``ldmspec.properties.teeth``) hunts every fault variant this way; the
machine's own search tests use :func:`run_seeded`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import Phase, seed, settings
from hypothesis.database import ExampleDatabase, InMemoryExampleDatabase
from hypothesis.stateful import get_state_machine_test

from ldmspec.testing.databases import ShrinkReplayDatabase
from ldmspec.testing.profiles import SHRINK_PHASES, SUPPRESSED_HEALTH_CHECKS

__all__ = ["SEED", "detect_then_shrink", "hunt_settings", "machine_test", "run_seeded"]


SEED = 20261127
"""The Hypothesis seed of every hunt: a run is reproducible, not derandomized (whose
generation starts from the simplest programs and stays near them)."""

#: Without the targeting phase: it spends the budget climbing the machine's target()
#: measures around one program, where teeth want many different programs.
HUNT_PHASES = (Phase.explicit, Phase.reuse, Phase.generate)


def hunt_settings(
    examples: int, steps: int, database: ExampleDatabase | None = None, *, shrink: bool = False
) -> settings:
    return settings(
        phases=SHRINK_PHASES if shrink else HUNT_PHASES,
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=False,
        database=database,
        print_blob=False,
        suppress_health_check=SUPPRESSED_HEALTH_CHECKS,
    )


def machine_test(
    machine: type[Any], examples: int, steps: int, **overrides: Any
) -> Callable[[ExampleDatabase | None, bool], Callable[[], None]]:
    """A builder of seeded runs of ``machine`` (see :func:`detect_then_shrink`)."""
    # @seed on the machine class seeds the run and, unlike @seed on a test function,
    # keeps the example database the shrink run replays from.
    seeded = seed(SEED)(type(machine.__name__, (machine,), {"__doc__": machine.__doc__}))

    def build(database: ExampleDatabase | None, shrink: bool) -> Callable[[], None]:
        options = settings(hunt_settings(examples, steps, database, shrink=shrink), **overrides)
        return get_state_machine_test(seeded, settings=options)

    return build


def run_seeded(machine: type[Any], examples: int, steps: int) -> None:
    """Run a state machine with the ``ldmspec-ci`` shape of search, reproducibly (:data:`SEED`)."""
    machine_test(machine, examples, steps)(None, False)()


def detect_then_shrink(
    build: Callable[[ExampleDatabase | None, bool], Callable[[], None]],
    *,
    shrink: bool | Callable[[BaseException], bool],
) -> tuple[BaseException | None, BaseException | None]:
    """The failure of a detection run (no shrink phase) of the test ``build`` makes, and,
    when ``shrink`` (or ``shrink(failure)``), the failure of a second run that replays it
    from the example database and shrinks it (``None``: the run passed or did not run)."""
    found = InMemoryExampleDatabase()
    detected = _failure_of(build(found, False))
    if detected is None or not (shrink(detected) if callable(shrink) else shrink):
        return detected, None
    return detected, _failure_of(build(ShrinkReplayDatabase(found), True))


def _failure_of(test: Callable[[], None]) -> BaseException | None:
    try:
        test()
    except BaseException as exc:  # a failure is the expected outcome
        if isinstance(exc, KeyboardInterrupt):
            raise
        return exc
    return None
