"""The pytest plugin: option errors, reports of failing properties, last-run.json."""

from __future__ import annotations

import json
import os
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
    assert written["failed"] == ["test_failing.py::test_machine_property"]
    assert written["passed"] == ["test_failing.py::test_passes"]
    folder = Path(written["reports"][0])
    assert written["failures"] == [
        {"test": f"{tmp_path}/test_failing.py::test_machine_property", "property": "INV-CLEANUP",
         "report": str(folder)},
    ]  # fmt: skip
    assert f"ldmspec: INV-CLEANUP report written to {folder}" in done.stdout
    document = json.loads((folder / "counterexample.json").read_text())
    assert document["property"]["id"] == "INV-CLEANUP"
    assert document["reproduce"]["variant"] == "keep-target-on-cancel"
    replay = (folder / "replay.ldm").read_text()
    assert "t4-a# ldm cancel-operation migration ldom01" in replay
    assert "\npw\n" not in replay  # the password line is a placeholder


def test_a_failure_that_is_no_property_is_recorded_without_one(tmp_path):
    (tmp_path / "test_plain.py").write_text("def test_x():\n    assert 1 + 1 == 3\n")
    reports = tmp_path / "reports"
    done = _pytest("--ldmspec-reports", str(reports), "test_plain.py", cwd=tmp_path)
    assert done.returncode == 1
    written = json.loads((reports / "last-run.json").read_text())
    assert written["failures"] == [{"test": f"{tmp_path}/test_plain.py::test_x",
                                    "property": None, "report": None}]  # fmt: skip
    assert written["properties"] == [] and written["reports"] == []


def test_a_passing_run_lists_no_reports(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_x():\n    assert 1 + 1 == 2\n")
    reports = tmp_path / "reports"
    done = _pytest("--ldmspec-reports", str(reports), "test_nothing.py", cwd=tmp_path)
    assert done.returncode == 0
    written = json.loads((reports / "last-run.json").read_text())
    assert written == {
        "variant": None, "profile": "ldmspec-ci", "shrink": False, "rootdir": str(tmp_path),
        "passed": ["test_nothing.py::test_x"], "failed": [], "skipped": [], "failures": [],
        "properties": [], "reports": [],
    }  # fmt: skip


def test_a_bad_database_url_is_one_usage_error(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_x():\n    assert 1 + 1 == 2\n")
    done = _pytest("--ldmspec-db", "ftp://somewhere", "test_nothing.py", cwd=tmp_path)
    assert done.returncode == 4
    assert done.stderr.strip() == (
        'ERROR: --ldmspec-db: expected redis://HOST:PORT/N or a directory, got "ftp://somewhere"'
    )


def test_an_unknown_ldmspec_profile_is_one_usage_error(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_x():\n    assert 1 + 1 == 2\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_nothing.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={**os.environ, "LDMSPEC_PROFILE": "ci"},
    )  # fmt: skip
    assert done.returncode == 4
    assert done.stderr.strip() == (
        'ERROR: LDMSPEC_PROFILE: expected a profile: ldmspec-ci, ldmspec-deep, got "ci"'
    )


def test_observability_goes_through_hypothesis_documented_switch(tmp_path):
    (tmp_path / "test_switch.py").write_text(
        "import os\n"
        "from hypothesis import given, strategies as st\n"
        "@given(st.integers())\n"
        "def test_x(n):\n"
        "    assert os.environ['HYPOTHESIS_EXPERIMENTAL_OBSERVABILITY'] == '1'\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPOTHESIS_EXPERIMENTAL")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
         "--ldmspec-observability", "test_switch.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    observed = list((tmp_path / ".hypothesis" / "observed").glob("*_testcases.jsonl"))
    assert observed, "Hypothesis wrote no observations"
    lines = [json.loads(line) for path in observed for line in path.read_text().splitlines()]
    assert {line["property"] for line in lines if line["type"] == "test_case"} == {
        "test_switch.py::test_x"
    }


def test_observability_asked_for_too_late_is_an_error_not_a_no_op(tmp_path):
    (tmp_path / "conftest.py").write_text("import hypothesis  # imported before the plugin\n")
    (tmp_path / "test_nothing.py").write_text("def test_x():\n    assert 1 + 1 == 2\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPOTHESIS_EXPERIMENTAL")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
         "--ldmspec-observability", "test_nothing.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 4
    assert done.stderr.strip() == (
        "ERROR: --ldmspec-observability: Hypothesis was imported before the plugin could "
        "switch observability on; set HYPOTHESIS_EXPERIMENTAL_OBSERVABILITY=1 in the "
        "environment instead"
    )
