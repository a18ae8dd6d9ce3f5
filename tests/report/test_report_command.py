"""`ldmspec report [DIR] [--json]`: re-render every report and the index."""

from __future__ import annotations

import json

from report_samples import fixed_clock, make_counterexample

from ldmspec.cli import main
from ldmspec.report import write_report


def test_report_rerenders_every_report_and_the_index(tmp_path, capsys) -> None:
    folder = write_report(make_counterexample(), tmp_path, clock=fixed_clock)
    (folder / "report.html").write_text("stale")
    (tmp_path / "index.html").unlink()
    assert main(["report", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out == (
        "re-rendered 1 report, newest first:\n"
        f"  INV-CLEANUP  leak-target           {folder / 'report.html'}\n"
        f"index: {tmp_path / 'index.html'}\n"
    )
    assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert folder.name in (tmp_path / "index.html").read_text()


def test_report_json_lists_the_reports(tmp_path, capsys) -> None:
    folder = write_report(make_counterexample(), tmp_path, clock=fixed_clock)
    assert main(["report", str(tmp_path), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "directory": str(tmp_path),
        "index": str(tmp_path / "index.html"),
        "reports": [
            {
                "folder": str(folder),
                "property": "INV-CLEANUP",
                "kind": "safety",
                "variant": "leak-target",
                "seed": 7,
                "steps": 4,
                "violation": "ldom01 is still bound on t4-b after the cancel",
            }
        ],
    }


def test_a_malformed_counterexample_is_one_line_exit_2_and_nothing_rewritten(
    tmp_path, capsys
) -> None:
    good = write_report(make_counterexample(), tmp_path, clock=fixed_clock)
    bad = write_report(make_counterexample(domain="ldom02"), tmp_path, clock=fixed_clock)
    (bad / "counterexample.json").write_text('{"schema": "ldmspec-counterexample/1"')
    (good / "report.html").write_text("stale")
    assert main(["report", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"{bad / 'counterexample.json'}:1: expected a JSON counterexample document, "
        "got \"Expecting ',' delimiter\"\n"
    )
    assert (good / "report.html").read_text() == "stale"


def test_a_missing_folder_is_bad_input(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", "nowhere"]) == 2
    assert capsys.readouterr().err == (
        'argument DIR: expected an existing reports folder, got "nowhere"\n'
    )


def test_an_empty_folder_gets_an_empty_index(tmp_path, capsys) -> None:
    assert main(["report", str(tmp_path)]) == 0
    assert capsys.readouterr().out == (
        f"no reports in {tmp_path}; wrote an empty index {tmp_path / 'index.html'}\n"
    )
    assert "No reports yet." in (tmp_path / "index.html").read_text()


def test_check_replays_every_report_and_names_the_first_difference(tmp_path, capsys) -> None:
    from pathlib import Path

    from ldmspec.report import counterexample_from_transcript

    fleet = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"
    lines = [".password t4-b pw-1234", "t4-a# ldm migrate ldom01 root@t4-b", "pw-1234", ".run"]
    cx = counterexample_from_transcript(
        fleet, lines, property_id="INV-CLEANUP", violation="none", seed=5
    )
    folder = write_report(cx, tmp_path, clock=fixed_clock)
    assert main(["report", str(tmp_path), "--check"]) == 0
    assert "    replay: reproduces every step\n" in capsys.readouterr().out
    document = json.loads((folder / "counterexample.json").read_text())
    document["steps"][1]["output"] = "Target Password: (edited)"
    (folder / "counterexample.json").write_text(json.dumps(document))
    assert main(["report", str(tmp_path), "--check", "--json"]) == 1
    (summary,) = json.loads(capsys.readouterr().out)["reports"]
    assert summary["replays"] is False
    assert summary["replay_difference"] == (
        "step 2 (t4-a# ldm migrate ldom01 root@t4-b) prints something else"
    )
