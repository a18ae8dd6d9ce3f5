"""The pytest plugin: option errors, reports of failing properties, last-run.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"

FAILING_PROPERTY = """
from pathlib import Path
from ldmspec.testing.records import RunRecord, violation_class

LINES = (
    "t4-a# ldm migrate-domain ldom01 root@t4-b", "pw", ".until phase 3",
    "t4-a# ldm cancel-operation migration ldom01", ".run",
)

def test_machine_property():
    record = RunRecord(
        "INV-CLEANUP", "ldom01 is still on t4-b after the cancel", LINES,
        "examples/fleet.toml", Path({fleet!r}).read_text(), "keep-target-on-cancel", 0,
        ("INV-CLEANUP: ldom01 is still on t4-b after the cancel",), 4,
    )
    raise violation_class("INV-CLEANUP")(record)

def test_passes():
    assert True is not False
"""


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )  # fmt: skip


def test_unknown_variant_is_one_usage_error_listing_the_variants(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_x():\n    assert 1 + 1 == 2\n")
    done = _pytest("--ldmspec-variant", "no-such", "test_nothing.py", cwd=tmp_path)
    assert done.returncode == 4
    assert "--ldmspec-variant: expected one of correct, keep-target-on-cancel," in done.stderr
    assert "got 'no-such'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_bad_fleet_is_a_usage_error(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_x():\n    assert 1 + 1 == 2\n")
    (tmp_path / "bad.toml").write_text("[hosts.a]\ncpu = 3\n")
    done = _pytest("--ldmspec-fleet", "bad.toml", "test_nothing.py", cwd=tmp_path)
    assert done.returncode == 4
    assert done.stderr.startswith("ERROR: --ldmspec-fleet: bad.toml:")


def test_failing_property_writes_a_report_and_last_run(tmp_path):
    (tmp_path / "test_failing.py").write_text(FAILING_PROPERTY.format(fleet=str(EXAMPLE)))
    reports = tmp_path / "reports"
    done = _pytest("--ldmspec-reports", str(reports), "test_failing.py", cwd=tmp_path)
    assert done.returncode == 1
    written = json.loads((reports / "last-run.json").read_text())
    assert written["properties"] == ["INV-CLEANUP"]
    assert written["failed_tests"] == ["test_failing.py::test_machine_property"]
    folder = Path(written["reports"][0])
    assert f"ldmspec: INV-CLEANUP report written to {folder}" in done.stdout
    document = json.loads((folder / "counterexample.json").read_text())
    assert document["property"]["id"] == "INV-CLEANUP"
    assert document["reproduce"]["variant"] == "keep-target-on-cancel"
    replay = (folder / "replay.ldm").read_text()
    assert "t4-a# ldm cancel-operation migration ldom01" in replay
    assert "\npw\n" not in replay  # the password line is a placeholder


def test_a_passing_run_lists_no_reports(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_x():\n    assert 1 + 1 == 2\n")
    reports = tmp_path / "reports"
    done = _pytest("--ldmspec-reports", str(reports), "test_nothing.py", cwd=tmp_path)
    assert done.returncode == 0
    written = json.loads((reports / "last-run.json").read_text())
    assert written == {"reports": [], "properties": [], "failed_tests": [], "variant": None}
