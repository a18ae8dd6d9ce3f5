"""`ldmspec verify --part preconditions`: every plan proven and compared with its expectation."""

from __future__ import annotations

import json
from pathlib import Path

from ldmspec.cli import main

EXAMPLE = "examples/fleet.toml"


def test_example_plans_all_as_expected(capsys):
    status = main(["verify", EXAMPLE, "--part", "preconditions"])
    out = capsys.readouterr().out
    assert status == 0
    assert (
        "== preconditions: holds — 9 plans: 3 feasible, 6 infeasible, 0 unknown; all as expected"
        in out
    )
    assert "  ldom01  t4-a    t5-a:ldom01-t5  infeasible  CPU-4" in out
    assert out.rstrip().endswith("ldmspec verify: everything holds")


def test_json_document_lists_every_plan(capsys):
    assert main(["verify", EXAMPLE, "--part", "preconditions", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["variant"] is None
    (part,) = doc["parts"]
    assert part["part"] == "preconditions"
    plans = part["detail"]["plans"]
    assert len(plans) == 9
    assert plans[2] == {
        "domain": "ldom01", "source": "t4-a", "target": "t5-a", "new_name": "ldom01-t5",
        "expect": ["CPU-4"], "verdict": "infeasible", "violations": ["CPU-4"],
        "as_expected": True,
    }  # fmt: skip


def test_a_plan_not_as_expected_fails_the_run(tmp_path: Path, capsys):
    text = Path(EXAMPLE).read_text()
    text = text.replace('expect = ["CPU-4"]', 'expect = "feasible"', 1)
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(text)
    assert main(["verify", str(fleet), "--part", "preconditions"]) == 1
    out = capsys.readouterr().out
    assert "1 not as expected" in out
    assert "feasible  <-- not as expected" in out
    assert out.rstrip().endswith("ldmspec verify: something does not hold")


def test_without_plans_every_domain_goes_to_every_other_host(tmp_path: Path, capsys):
    text = Path(EXAMPLE).read_text()
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(text[: text.index("[[plans]]")])
    assert main(["verify", str(fleet), "--part", "preconditions"]) == 0
    out = capsys.readouterr().out
    assert "55 domain-host pairs: 10 feasible, 45 infeasible, 0 unknown" in out
    header = next(line for line in out.splitlines() if "DOMAIN@SOURCE" in line)
    assert header.split() == ["DOMAIN@SOURCE", "t4-b", "t4-c", "t5-a", "m10-a", "t2-old", "t4-a"]
    row = next(line for line in out.splitlines() if line.strip().startswith("app02@t5-a"))
    assert row.split() == ["app02@t5-a", "ok", "ok", "-", "ok", "ok", "ok"]


def test_bad_input_is_one_line_and_status_2(tmp_path: Path, capsys):
    assert main(["verify", str(tmp_path / "none.toml"), "--part", "preconditions"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "none.toml: expected an existing fleet file" in err
    assert main(["verify", EXAMPLE, "--timeout", "0"]) == 2
    assert (
        capsys.readouterr().err == "--timeout: expected a positive number of milliseconds, got 0\n"
    )


def test_model_part_reports_every_property(monkeypatch, capsys):
    # The standard configuration takes tens of seconds; the part's logic is the same on
    # a small one.
    monkeypatch.setattr(
        "ldmspec.pipeline.STANDARD_MODEL", {"hosts": 2, "domains": 1, "concurrent": 1}
    )
    assert main(["verify", EXAMPLE, "--part", "model", "--json"]) == 0
    (part,) = json.loads(capsys.readouterr().out)["parts"]
    exploration = part["detail"]["exploration"]
    ids = [p["id"] for p in exploration["properties"]]
    assert {"INV-SINGLE-ACTIVE", "INV-CLEANUP", "LIVE-TERMINATES", "deadlock-free"} <= set(ids)
    assert part["ok"] is True
    assert part["summary"] == (
        f"{len(ids)} properties hold over {exploration['states']:,} states, "
        f"{exploration['edges']:,} edges, depth {exploration['depth']}"
    )
