"""`ldmspec verify`'s properties part reads the plugin's last-run.json, never the terminal.

pytest is replaced by small scripts that write the record a run would leave, so these
tests check what verify concludes from it: a variant is caught only by the invariant it
documents, the shrink run's reports replace the detection run's, and a run that
records nothing is reported as such.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ldmspec import pipeline
from ldmspec.testing.outcomes import Failure, LastRun

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")
NODE = "properties/test_migration_machine.py::TestMigrationMachine::runTest"


def _writes(record: LastRun | None, status: int = 1):
    """A stand-in for pytest that writes ``record`` as last-run.json and exits ``status``."""

    def command(options, reports, *tests):
        script = "import pathlib, sys\n"
        if record is not None:
            text = record.to_json()
            script += (
                f"import json; pathlib.Path({str(reports / 'last-run.json')!r})"
                f".write_text(json.dumps({text!r}))\n"
            )
        return [sys.executable, "-c", script + f"sys.exit({status})"]

    return command


def _run(monkeypatch, tmp_path, variant, detection, shrunk=None):
    monkeypatch.setattr(pipeline, "properties_command", _writes(detection))
    monkeypatch.setattr(pipeline, "shrink_command", _writes(shrunk))
    options = pipeline.VerifyOptions(fleet_path=EXAMPLE, variant=variant, reports=str(tmp_path))
    return pipeline.run_properties(options, pipeline.Progress())


def test_a_variant_is_caught_by_the_invariant_it_documents(monkeypatch, tmp_path):
    run = LastRun(failed=(NODE,), failures=(Failure(NODE, "INV-CLEANUP", "r/long"),),
                  rootdir=str(tmp_path))  # fmt: skip
    shrunk = LastRun(failed=(NODE,), failures=(Failure(NODE, "INV-CLEANUP", "r/short"),),
                     rootdir=str(tmp_path), shrink=True)  # fmt: skip
    result = _run(monkeypatch, tmp_path, "no-scrub", run, shrunk)
    assert result.summary == "variant no-scrub caught by INV-CLEANUP"
    assert not result.ok  # something failed: verify exits 1
    assert result.reports == "r/short"  # the shrink run's report replaces the long one
    written = LastRun.read(tmp_path / "last-run.json")
    assert written.failures == (Failure(NODE, "INV-CLEANUP", "r/short"),)


def test_a_variant_failing_another_invariant_is_not_caught(monkeypatch, tmp_path):
    run = LastRun(failed=(NODE,), failures=(Failure(NODE, "INV-SINGLE-ACTIVE", "r/x"),))
    result = _run(monkeypatch, tmp_path, "no-scrub", run)
    assert result.summary == (
        "variant no-scrub NOT caught by INV-CLEANUP (0 passed; failed: INV-SINGLE-ACTIVE)"
    )
    assert result.reports == "r/x"  # no shrunk report: the detection run's stays


def test_an_unrelated_failing_test_does_not_catch_a_variant(monkeypatch, tmp_path):
    run = LastRun(passed=("a", "b"), failed=("properties/test_other.py::test_x",),
                  failures=(Failure("properties/test_other.py::test_x"),))  # fmt: skip
    result = _run(monkeypatch, tmp_path, "no-scrub", run)
    assert result.summary == (
        "variant no-scrub NOT caught by INV-CLEANUP (2 passed; failed: 1 failing tests)"
    )
    assert result.detail["caught"] == []


def test_a_run_that_records_nothing_says_so(monkeypatch, tmp_path):
    (tmp_path / "last-run.json").write_text('{"stale": "from an earlier run"}')
    result = _run(monkeypatch, tmp_path, None, None)
    assert result.summary == "pytest ended with status 1 before recording a run"
    assert not result.ok


def test_a_green_run_holds(monkeypatch, tmp_path):
    result = _run(monkeypatch, tmp_path, None, LastRun(passed=("a", "b", "c")), None)
    assert result.summary == "3 passed, 0 failed, but pytest ended with status 1"
    monkeypatch.setattr(pipeline, "properties_command", _writes(LastRun(passed=("a",)), 0))
    options = pipeline.VerifyOptions(fleet_path=EXAMPLE, reports=str(tmp_path))
    result = pipeline.run_properties(options, pipeline.Progress())
    assert (result.ok, result.summary) == (True, "1 passed, 0 failed")
