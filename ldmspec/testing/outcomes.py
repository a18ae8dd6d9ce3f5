"""What a run of the property suites leaves behind: counterexample reports and ``last-run.json``.

The pytest plugin (:mod:`ldmspec.testing.plugin`) writes, for every failing property,
a counterexample report (:func:`write_run_report`) and, at the end of the session,
``last-run.json`` (:class:`LastRun`): which tests ran, passed and failed, and for each
failure the property id it violated and its report. ``ldmspec verify`` reads that
file instead of the terminal output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ldmspec.errors import InputError, LdmspecError

if TYPE_CHECKING:
    from ldmspec.testing.records import RunRecord

__all__ = ["LAST_RUN", "Failure", "LastRun", "records_of", "write_run_report"]

LAST_RUN = "last-run.json"


@dataclass(frozen=True)
class Failure:
    """One failing test (its node id, the file as an absolute path) and the property it
    violated (``None``: not a property failure)."""

    test: str
    property_id: str | None = None
    report: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"test": self.test, "property": self.property_id, "report": self.report}


@dataclass(frozen=True)
class LastRun:
    """What one pytest session of the suites did, as ``last-run.json`` records it."""

    passed: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    variant: str | None = None
    profile: str | None = None
    shrink: bool = False
    rootdir: str | None = None

    @property
    def properties(self) -> tuple[str, ...]:
        """The property ids violated, in the order they failed, each once."""
        return tuple(dict.fromkeys(f.property_id for f in self.failures if f.property_id))

    @property
    def reports(self) -> tuple[str, ...]:
        return tuple(f.report for f in self.failures if f.report)

    def absolute(self, test: str) -> str:
        """The node id ``test`` with its file as an absolute path (pytest's node ids are
        relative to the run's root directory)."""
        path, sep, rest = test.partition("::")
        if self.rootdir is None or Path(path).is_absolute():
            return test
        return str((Path(self.rootdir) / path).resolve()) + sep + rest

    def to_json(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "profile": self.profile,
            "shrink": self.shrink,
            "rootdir": self.rootdir,
            "passed": list(self.passed),
            "failed": list(self.failed),
            "skipped": list(self.skipped),
            "failures": [f.to_json() for f in self.failures],
            "properties": list(self.properties),
            "reports": list(self.reports),
        }

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LAST_RUN
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> LastRun:
        """The run ``path`` records; :class:`~ldmspec.errors.InputError` when it is not one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                passed=tuple(data["passed"]),
                failed=tuple(data["failed"]),
                skipped=tuple(data.get("skipped", ())),
                failures=tuple(
                    Failure(f["test"], f.get("property"), f.get("report")) for f in data["failures"]
                ),
                variant=data.get("variant"),
                profile=data.get("profile"),
                shrink=bool(data.get("shrink", False)),
                rootdir=data.get("rootdir"),
            )
        except OSError as exc:
            raise InputError(f"a {LAST_RUN} the plugin wrote ({exc.strerror})",
                             got=str(path), source=str(path)) from None  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"{LAST_RUN} with passed, failed and failures ({type(exc).__name__}: {exc})",
                got=str(path), source=str(path),
            ) from None  # fmt: skip


# --- counterexample reports -------------------------------------------------------------------
def records_of(error: BaseException | None) -> list[RunRecord]:
    """The run records carried by ``error`` (a violation, or a group of them)."""
    from ldmspec.testing.records import PropertyViolation

    if error is None:
        return []
    if isinstance(error, PropertyViolation):
        return [error.record]
    if isinstance(error, BaseExceptionGroup):
        return [r for sub in error.exceptions for r in records_of(sub)]
    return records_of(error.__cause__) if error.__cause__ is not None else []


def write_run_report(record: RunRecord, reports: Path, *, node: str | None = None) -> Path:
    """The counterexample report of ``record`` under ``reports`` (the folder written).

    Falls back to the minimal JSON form (property id, violation, steps, seed) when the
    full report cannot be built.
    """
    try:
        from ldmspec.report import write_report
        from ldmspec.report.from_system import counterexample_from_transcript

        name = record.fleet_label if record.fleet_label.endswith(".toml") else "fleet.toml"
        cx = counterexample_from_transcript(
            Path(name).name,
            record.lines,
            property_id=record.property_id,
            violation=record.violation,
            variant=record.variant,
            seed=record.seed,
            fleet_text=record.fleet_toml,
            pytest_node=node,
            reproduce=_reproduce(record, node),
        )
        return write_report(cx, reports)
    except (LdmspecError, ValueError, ImportError, OSError) as exc:
        return _write_minimal(record, reports, node, f"{type(exc).__name__}: {exc}")


def _reproduce(record: RunRecord, node: str | None) -> str:
    variant = f" --ldmspec-variant={record.variant}" if record.variant else ""
    return f"pytest {node or 'properties/'}{variant}  # replays from .hypothesis/ first"


def _write_minimal(record: RunRecord, reports: Path, node: str | None, why: str) -> Path:
    reports.mkdir(parents=True, exist_ok=True)
    stem = f"{record.property_id}-{record.seed}"
    path = reports / f"{stem}.json"
    number = 1
    while path.exists():
        number += 1
        path = reports / f"{stem}-{number}.json"
    document = {
        "property": record.property_id,
        "violation": record.violation,
        "steps": [line for line in record.lines if not _secret(line)],
        "seed": record.seed,
        "variant": record.variant,
        "pytest_node": node,
        "fleet_toml": record.fleet_toml,
        "why_minimal": why,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def _secret(line: str) -> bool:
    """A ``.password`` directive or the line answering ``Target Password:``."""
    return line.startswith(".password ") or not (line.startswith((".", "#")) or "# ldm " in line)
