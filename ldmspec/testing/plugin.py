"""The ldmspec pytest plugin (registered through the ``pytest11`` entry point).

Options:

* ``--ldmspec-reports DIR``: every failing property writes a counterexample report
  into DIR (:func:`ldmspec.report.write_report`; the minimal JSON form if the report
  cannot be built), the terminal summary says ``ldmspec: report written to ...`` and
  ``DIR/last-run.json`` lists the reports of this run (``{"reports": [...]}``).
* ``--ldmspec-variant NAME``: run the stateful machines against that fault variant of
  the reference implementation (expected outcome: a failure and a report). An unknown
  name is a usage error listing the variants.
* ``--ldmspec-fleet FILE`` (repeatable): also run the machines on that fleet (a fleet
  file or a folder of capture bundles), besides the example and generated fleets.
* ``--ldmspec-observability``: Hypothesis observability (one JSON line per test case
  in ``.hypothesis/observed/``); also ``LDMSPEC_OBSERVABILITY=1``.

It also registers the Hypothesis profiles ``ci`` and ``deep``
(:mod:`ldmspec.testing.profiles`), loads ``$LDMSPEC_PROFILE`` when
``--hypothesis-profile`` is not given, and under ``ci`` caps shrinking at
:data:`CI_SHRINK_SECONDS` (Hypothesis's own limit is five minutes). Test modules
read the options with :func:`current_options`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ldmspec.errors import LdmspecError
from ldmspec.testing.profiles import PROFILES, active_profile, register_profiles

if TYPE_CHECKING:
    from ldmspec.testing.fleet_cases import FleetCase
    from ldmspec.testing.records import RunRecord

__all__ = [
    "Options",
    "current_options",
    "pytest_addoption",
    "pytest_configure",
    "records_of",
    "write_run_report",
]

register_profiles()  # before Hypothesis's own plugin loads --hypothesis-profile

_USER_PROPERTY = "ldmspec_report"
CI_SHRINK_SECONDS = 30
"""Under the ``ci`` profile a failing property stops shrinking after this long."""


@dataclass
class Options:
    """What the plugin's options asked for (the defaults without the plugin)."""

    variant: str | None = None
    fleet_paths: tuple[str, ...] = ()
    reports: Path | None = None
    written: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    _cases: tuple[FleetCase, ...] | None = None

    @property
    def fleet_cases(self) -> tuple[FleetCase, ...]:
        """The ``--ldmspec-fleet`` fleets, loaded once."""
        if self._cases is None:
            self._cases = ()
            if self.fleet_paths:
                from ldmspec.testing.fleet_cases import FleetCase

                self._cases = tuple(FleetCase.from_path(p) for p in self.fleet_paths)
        return self._cases


_OPTIONS = Options(variant=os.environ.get("LDMSPEC_VARIANT") or None)


def current_options() -> Options:
    """The options of this pytest run (environment defaults without the plugin)."""
    return _OPTIONS


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ldmspec")
    group.addoption(
        "--ldmspec-reports",
        metavar="DIR",
        default=None,
        help="write a counterexample report for every failing ldmspec property into DIR",
    )
    group.addoption(
        "--ldmspec-variant",
        metavar="NAME",
        default=None,
        help="run the stateful machines against this fault variant of the reference "
        "implementation (see ldmspec.system.VARIANTS)",
    )
    group.addoption(
        "--ldmspec-fleet",
        metavar="FILE",
        action="append",
        default=[],
        help="also run the stateful machines on this fleet file or capture folder",
    )
    group.addoption(
        "--ldmspec-observability",
        action="store_true",
        default=False,
        help="write Hypothesis observability data (.hypothesis/observed/)",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _OPTIONS
    # The suites run from the installed package too (--pyargs), outside this repository's
    # pytest configuration: declare the marker they use.
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    variant = config.getoption("ldmspec_variant", None) or os.environ.get("LDMSPEC_VARIANT")
    _check_variant(variant)
    fleets = tuple(config.getoption("ldmspec_fleet", None) or ())
    reports = config.getoption("ldmspec_reports", None)
    _OPTIONS = Options(
        variant=None if variant in (None, "correct") else variant,
        fleet_paths=fleets,
        reports=Path(reports) if reports else None,
    )
    try:
        _OPTIONS.fleet_cases  # noqa: B018 - load now: a bad fleet is a usage error
    except LdmspecError as exc:
        raise pytest.UsageError(f"--ldmspec-fleet: {exc}") from None
    _load_profile(config)
    if active_profile() == "ci":
        _cap_shrinking(CI_SHRINK_SECONDS)
    if config.getoption("ldmspec_observability", False) or os.environ.get("LDMSPEC_OBSERVABILITY"):
        _enable_observability()


def _check_variant(variant: str | None) -> None:
    from ldmspec.system import VARIANTS

    if variant is not None and variant != "correct" and variant not in VARIANTS:
        raise pytest.UsageError(
            f"--ldmspec-variant: expected one of correct, {', '.join(VARIANTS)}; got {variant!r}"
        )


def _load_profile(config: pytest.Config) -> None:
    from hypothesis import settings

    wanted = os.environ.get("LDMSPEC_PROFILE")
    if wanted is None or config.getoption("hypothesis_profile", None):
        return
    if wanted not in PROFILES:
        raise pytest.UsageError(
            f"LDMSPEC_PROFILE: expected one of {', '.join(PROFILES)}; got {wanted!r}"
        )
    settings.load_profile(wanted)


def _cap_shrinking(seconds: int) -> None:
    """Hypothesis shrinks for up to five minutes; a ci run reports sooner."""
    from hypothesis.internal.conjecture import engine

    engine.MAX_SHRINKING_SECONDS = min(engine.MAX_SHRINKING_SECONDS, seconds)


def _enable_observability() -> None:
    from hypothesis.internal import observability

    deliver = getattr(observability, "_deliver_to_file", None)
    if deliver is not None and not observability.observability_enabled():
        observability.add_observability_callback(deliver, all_threads=True)


# --- reports ---------------------------------------------------------------------------------
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if call.when != "call" or not report.failed or _OPTIONS.reports is None:
        return
    error = call.excinfo.value if call.excinfo is not None else None
    records = records_of(error)
    if not records:
        from ldmspec.testing.records import FailureLog

        last = FailureLog.last
        records = [last] if last is not None and "machine" in item.nodeid.lower() else []
    for record in records:
        folder = write_run_report(record, _OPTIONS.reports, node=item.nodeid)
        report.user_properties.append((_USER_PROPERTY, f"{record.property_id} {folder}"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties:
        if key == _USER_PROPERTY and str(value) not in _OPTIONS.written:
            _OPTIONS.written.append(str(value))
    if report.failed and report.when == "call" and report.nodeid not in _OPTIONS.failed:
        _OPTIONS.failed.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for entry in _OPTIONS.written:
        property_id, _, folder = entry.partition(" ")
        terminalreporter.write_line(f"ldmspec: {property_id} report written to {folder}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _OPTIONS.reports is None or hasattr(session.config, "workerinput"):
        return  # xdist workers hand their reports to the controller
    folders = [entry.partition(" ")[2] for entry in _OPTIONS.written]
    document = {
        "reports": folders,
        "properties": [entry.partition(" ")[0] for entry in _OPTIONS.written],
        "failed_tests": _OPTIONS.failed,
        "variant": _OPTIONS.variant,
    }
    try:
        _OPTIONS.reports.mkdir(parents=True, exist_ok=True)
        (_OPTIONS.reports / "last-run.json").write_text(
            json.dumps(document, indent=2) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        session.config.get_terminal_writer().line(f"ldmspec: cannot write last-run.json: {exc}")
