"""What a failing property run leaves behind: the violation, its record, its exception.

An invariant checker returns :class:`InvariantViolation` values; a failing run becomes a
:class:`RunRecord` (built in one place, :meth:`RunRecord.of`) carried by a
:class:`PropertyViolation` (one subclass per invariant, :func:`violation_class`, so
Hypothesis tells the bugs apart); the pytest plugin turns the record into a
counterexample report whose ``replay.ldm`` reproduces the run.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ldmspec.testing.adapter import Driver
from ldmspec.testing.fleet_cases import FleetCase

__all__ = [
    "FailureLog",
    "InvariantViolation",
    "PropertyViolation",
    "RunRecord",
    "violation_class",
]


@dataclass(frozen=True)
class InvariantViolation:
    """One broken invariant: its stable id and what was observed, in one line."""

    id: str
    message: str

    def __str__(self) -> str:
        return f"{self.id}: {self.message}"


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

    @classmethod
    def of(
        cls,
        violations: Sequence[InvariantViolation],
        driver: Driver,
        case: FleetCase | None,
        *,
        variant: str | None,
        seed: int,
    ) -> RunRecord:
        """The record of a run that broke ``violations`` (the first names the failure)."""
        first = violations[0]
        return cls(
            property_id=first.id,
            violation=first.message,
            lines=tuple(driver.lines),
            fleet_label=case.label if case else "?",
            fleet_toml=case.toml if case else "",
            variant=variant,
            seed=seed,
            fired=tuple(str(v) for v in violations),
            steps=driver.steps,
        )

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

    @classmethod
    def of(cls, record: RunRecord) -> PropertyViolation:
        """The exception of ``record``'s invariant carrying ``record``."""
        return violation_class(record.property_id)(record)


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


class FailureLog:
    """The failures of this process's property runs, for the plugin and the teeth.

    ``last`` is the last failing run's record (the plugin's fallback when Hypothesis
    loses the exception); ``first_at`` the ``time.perf_counter()`` of the first failure
    since :meth:`reset`.
    """

    last: RunRecord | None = None
    first_at: float | None = None

    @classmethod
    def note(cls, record: RunRecord) -> None:
        cls.last = record
        if cls.first_at is None:
            cls.first_at = time.perf_counter()

    @classmethod
    def reset(cls) -> None:
        cls.first_at = None
