"""The ldmspec pytest plugin (registered through the ``pytest11`` entry point).

It is loaded into every pytest session of the environment ldmspec is installed in, so
it changes nothing there unless asked: importing it imports no Hypothesis, registers
and loads no profile and touches no Hypothesis internals. ldmspec's suites take their
settings from :mod:`ldmspec.testing.profiles`; a plain Hypothesis test of another
project keeps exactly Hypothesis's own settings.

Options (all optional):

* ``--ldmspec-reports DIR``: every failing property writes a counterexample report into
  DIR (:func:`ldmspec.testing.outcomes.write_run_report`), the terminal summary says
  ``ldmspec: INV-... report written to ...``, and ``DIR/last-run.json``
  (:class:`ldmspec.testing.outcomes.LastRun`) records which tests passed and failed and
  which property each failure violated.
* ``--ldmspec-variant NAME``: run the stateful machines against that fault variant of
  the reference implementation. An unknown name is a usage error listing the variants.
* ``--ldmspec-fleet FILE`` (repeatable): also run the machines on that fleet (a fleet
  file or a folder of capture bundles), besides the example and generated fleets.
* ``--ldmspec-db URL`` (or ``LDMSPEC_DB``): share failures through the example database
  URL names (``redis://HOST:PORT/N`` or a directory) besides the local one;
  ``--ldmspec-db-read-only`` (or ``LDMSPEC_DB_READ_ONLY=1``) reads it without writing
  (CI replaying what a fuzzing farm found). See :mod:`ldmspec.testing.databases`.
* ``--ldmspec-shrink`` (or ``LDMSPEC_SHRINK=1``): replay the failures saved in the
  example database and shrink them, generating nothing new. The ``ldmspec-ci`` profile
  detects without shrinking; this is the separate run that shortens what it found.
* ``--ldmspec-observability``: Hypothesis observability (one JSON line per test case in
  ``.hypothesis/observed/``), through Hypothesis's documented switch
  ``HYPOTHESIS_EXPERIMENTAL_OBSERVABILITY``; a usage error when Hypothesis was imported
  before the plugin could set it.

``--hypothesis-profile ldmspec-ci`` (or ``ldmspec-deep``) registers ldmspec's profiles
with Hypothesis before Hypothesis's own plugin loads the one named. Test modules read
the options with :func:`current_options`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ldmspec.errors import LdmspecError
from ldmspec.testing.outcomes import Failure, LastRun, records_of, write_run_report
from ldmspec.testing.session import PROFILES, Session, configure_session

if TYPE_CHECKING:
    from ldmspec.testing.fleet_cases import FleetCase

__all__ = ["OBSERVABILITY_SWITCH", "Options", "current_options"]

OBSERVABILITY_SWITCH = "HYPOTHESIS_EXPERIMENTAL_OBSERVABILITY"
_FAILURE = "ldmspec_failure"
_TEST = "ldmspec_test"


@dataclass
class Options:
    """What the plugin's options asked for (the defaults without the plugin), and what
    the session saw happen."""

    variant: str | None = None
    fleet_paths: tuple[str, ...] = ()
    reports: Path | None = None
    session: Session = field(default_factory=Session)
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
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
    group.addoption("--ldmspec-reports", metavar="DIR", default=None,
                    help="write a counterexample report for every failing ldmspec property, "
                    "and last-run.json, into DIR")  # fmt: skip
    group.addoption("--ldmspec-variant", metavar="NAME", default=None,
                    help="run the stateful machines against this fault variant of the "
                    "reference implementation (see ldmspec.system.VARIANTS)")  # fmt: skip
    group.addoption("--ldmspec-fleet", metavar="FILE", action="append", default=[],
                    help="also run the stateful machines on this fleet file or capture "
                    "folder")  # fmt: skip
    group.addoption("--ldmspec-db", metavar="URL", default=None,
                    help="share failures of ldmspec's suites through this example database "
                    "(redis://HOST:PORT/N or a directory) besides the local one; "
                    "default $LDMSPEC_DB")  # fmt: skip
    group.addoption("--ldmspec-db-read-only", action="store_true", default=False,
                    help="read the --ldmspec-db database, never write to it (CI replaying "
                    "a farm's failures)")  # fmt: skip
    group.addoption("--ldmspec-shrink", action="store_true", default=False,
                    help="replay the failures saved in the example database and shrink "
                    "them; generate nothing new")  # fmt: skip
    group.addoption("--ldmspec-observability", action="store_true", default=False,
                    help="write Hypothesis observability data (.hypothesis/observed/) "
                    f"through {OBSERVABILITY_SWITCH}")  # fmt: skip


@pytest.hookimpl(tryfirst=True)  # before Hypothesis's plugin loads --hypothesis-profile
def pytest_configure(config: pytest.Config) -> None:
    global _OPTIONS
    # The suites run from the installed package too (--pyargs), outside this repository's
    # pytest configuration: declare the marker they use.
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    if config.getoption("ldmspec_observability", False) or os.environ.get("LDMSPEC_OBSERVABILITY"):
        _enable_observability()
    variant = config.getoption("ldmspec_variant", None) or os.environ.get("LDMSPEC_VARIANT")
    _check_variant(variant)
    reports = config.getoption("ldmspec_reports", None)
    _OPTIONS = Options(
        variant=None if variant in (None, "correct") else variant,
        fleet_paths=tuple(config.getoption("ldmspec_fleet", None) or ()),
        reports=Path(reports) if reports else None,
        session=_session(config),
    )
    configure_session(_OPTIONS.session)
    try:
        _OPTIONS.fleet_cases  # noqa: B018 - load now: a bad fleet is a usage error
    except LdmspecError as exc:
        raise pytest.UsageError(f"--ldmspec-fleet: {exc}") from None
    if config.getoption("hypothesis_profile", None) in PROFILES:
        from ldmspec.testing.profiles import register_profiles

        register_profiles(_OPTIONS.session)


def _session(config: pytest.Config) -> Session:
    try:
        environment = Session.from_environment()
    except LdmspecError as exc:
        raise pytest.UsageError(str(exc)) from None
    url = config.getoption("ldmspec_db", None) or environment.database_url
    session = Session(
        database_url=url,
        read_only=config.getoption("ldmspec_db_read_only", False) or environment.read_only,
        shrink=config.getoption("ldmspec_shrink", False) or environment.shrink,
        profile=environment.profile,
    )
    if url is not None:
        from ldmspec.testing.databases import shared_database

        try:
            shared_database(url)  # a bad URL is a usage error now, not a failing test later
        except LdmspecError as exc:
            raise pytest.UsageError(str(exc)) from None
    return session


def _check_variant(variant: str | None) -> None:
    if variant is None or variant == "correct":
        return
    from ldmspec.system.variants import VARIANTS

    if variant not in VARIANTS:
        raise pytest.UsageError(
            f"--ldmspec-variant: expected one of correct, {', '.join(VARIANTS)}; got {variant!r}"
        )


def _enable_observability() -> None:
    """Hypothesis reads its observability switch once, when it is imported."""
    if os.environ.get(OBSERVABILITY_SWITCH):
        return
    if "hypothesis" in sys.modules:
        raise pytest.UsageError(
            "--ldmspec-observability: Hypothesis was imported before the plugin could "
            f"switch observability on; set {OBSERVABILITY_SWITCH}=1 in the environment instead"
        )
    os.environ[OBSERVABILITY_SWITCH] = "1"


# --- results and reports --------------------------------------------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed:
        return
    # pytest's node ids are relative to the run's root directory, and empty of a path for
    # a test outside it (--pyargs from elsewhere): last-run.json names the file in full.
    _, _, name = item.nodeid.partition("::")
    report.user_properties.append((_TEST, f"{item.path}::{name}"))
    if call.when != "call" or call.excinfo is None:
        return
    for record in records_of(call.excinfo.value):
        folder = None
        if _OPTIONS.reports is not None:
            folder = str(write_run_report(record, _OPTIONS.reports, node=item.nodeid))
        report.user_properties.append((_FAILURE, json.dumps([record.property_id, folder])))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    node = report.nodeid
    if report.failed and node not in _OPTIONS.failed:
        _OPTIONS.failed.append(node)
        test = next((str(v) for k, v in report.user_properties if k == _TEST), node)
        found = [json.loads(str(v)) for k, v in report.user_properties if k == _FAILURE]
        _OPTIONS.failures.extend(Failure(test, pid, folder) for pid, folder in found)
        if not found:
            _OPTIONS.failures.append(Failure(test))
    elif report.skipped and node not in _OPTIONS.skipped:
        _OPTIONS.skipped.append(node)
    elif report.passed and report.when == "call":
        _OPTIONS.passed.append(node)


def _last_run(rootdir: Path) -> LastRun:
    failed = set(_OPTIONS.failed)
    return LastRun(
        passed=tuple(n for n in _OPTIONS.passed if n not in failed),
        failed=tuple(_OPTIONS.failed),
        skipped=tuple(_OPTIONS.skipped),
        failures=tuple(_OPTIONS.failures),
        variant=_OPTIONS.variant,
        profile=_profile(),
        shrink=_OPTIONS.session.shrink,
        rootdir=str(rootdir),
    )


def _profile() -> str:
    """The profile ldmspec's suites ran under (no Hypothesis import for a session without
    them)."""
    if "hypothesis" not in sys.modules:
        return _OPTIONS.session.profile or PROFILES[0]
    from ldmspec.testing.profiles import selected_profile

    return selected_profile()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for failure in _OPTIONS.failures:
        if failure.report:
            terminalreporter.write_line(
                f"ldmspec: {failure.property_id} report written to {failure.report}"
            )
    violated = [f.test for f in _OPTIONS.failures if f.property_id]
    if violated and not _OPTIONS.session.shrink and _profile() == "ldmspec-ci":
        nodes = " ".join(dict.fromkeys(violated))
        terminalreporter.write_line(
            f"ldmspec: ldmspec-ci does not shrink; to shrink what failed: pytest {nodes} "
            "--ldmspec-shrink"
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _OPTIONS.reports is None or hasattr(session.config, "workerinput"):
        return  # xdist workers hand their results to the controller
    try:
        _last_run(session.config.rootpath).write(_OPTIONS.reports)
    except OSError as exc:
        session.config.get_terminal_writer().line(f"ldmspec: cannot write last-run.json: {exc}")
