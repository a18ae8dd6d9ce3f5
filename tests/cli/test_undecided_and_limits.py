"""Unknown is never a verdict, and numeric options that cannot work are one line, exit 2."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ldmspec.cli import main
from ldmspec.commands import targets as targets_command
from ldmspec.solver import check_migration, check_targets

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")


def _undecided_except(feasible_kept: bool):
    """check_targets where every verdict but (optionally) the feasible ones is unknown."""

    def fake(*args, **kwargs):
        ranked = check_targets(*args, **kwargs)
        return tuple(
            r
            if feasible_kept and r.verdict.feasible
            else dataclasses.replace(
                r,
                verdict=dataclasses.replace(
                    r.verdict, status="unknown", violations=(), reason="timeout"
                ),
            )
            for r in ranked
        )

    return fake


def test_targets_with_every_host_undecided_exits_3_not_1(capsys, monkeypatch):
    monkeypatch.setenv("LDMSPEC_NO_PROGRESS", "1")
    monkeypatch.setattr(targets_command, "check_targets", _undecided_except(False))
    status = main(["targets", EXAMPLE, "--domain", "ldom01"])
    out = capsys.readouterr().out
    assert status == 3
    assert out.splitlines()[0] == (
        "ldom01 on t4-a: 0 of 5 other hosts can take it, 5 undecided (the solver ran out of time)"
    )
    assert "t4-b    unknown" in out


def test_targets_json_counts_the_undecided(capsys, monkeypatch):
    monkeypatch.setattr(targets_command, "check_targets", _undecided_except(False))
    status = main(["targets", EXAMPLE, "--domain", "ldom01", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert status == 3
    assert (doc["feasible"], doc["unknown"]) == (0, 5)


def test_targets_with_one_feasible_host_exits_0_whatever_else_is_undecided(capsys, monkeypatch):
    monkeypatch.setattr(targets_command, "check_targets", _undecided_except(True))
    status = main(["targets", EXAMPLE, "--domain", "ldom01"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.splitlines()[0] == (
        "ldom01 on t4-a: 1 of 5 other hosts can take it, 4 undecided (the solver ran out of time)"
    )


def test_targets_with_every_host_decided_infeasible_still_exits_1(capsys):
    status = main(["targets", EXAMPLE, "--domain", "web01"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.splitlines()[0] == "web01 on t4-b: 0 of 5 other hosts can take it"


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0", "-1"])
def test_evacuate_refuses_a_timeout_that_is_not_a_positive_finite_number(capsys, value):
    status = main(["evacuate", EXAMPLE, "--host", "t4-a", f"--timeout={value}"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == f"--timeout: expected a positive number of seconds, got {float(value)!r}\n"


def test_verify_with_only_unknown_proofs_says_undecided_not_fails(capsys, monkeypatch):
    from ldmspec import pipeline as verify_module

    def undecided(fleet, domain, source, target, new_name=None, **kwargs):
        verdict = check_migration(fleet, domain, source, target, new_name, **kwargs)
        if domain == "ldom03":
            return dataclasses.replace(verdict, status="unknown", violations=(), reason="timeout")
        return verdict

    monkeypatch.setattr(verify_module, "confirmed_check", undecided)
    status = main(["verify", EXAMPLE, "--part", "preconditions"])
    out = capsys.readouterr().out
    assert status == 3
    assert "== preconditions: unknown — 9 plans: 3 feasible, 5 infeasible, 1 unknown" in out
    assert "  preconditions  unknown  " in out
    assert out.rstrip().endswith(
        "ldmspec verify: undecided (a proof was unknown; nothing else failed)"
    )


def test_a_properties_run_that_passes_but_exits_nonzero_says_so(monkeypatch, tmp_path):
    import sys

    from ldmspec import pipeline as verify_module
    from ldmspec.testing.outcomes import LastRun

    def command(options, reports):
        record = LastRun(passed=("a", "b", "c")).to_json()
        script = f"import json, pathlib; pathlib.Path({str(reports / 'last-run.json')!r})"
        script += f".write_text(json.dumps({record!r})); raise SystemExit(1)"
        return [sys.executable, "-c", script]

    monkeypatch.setattr(verify_module, "properties_command", command)
    options = verify_module.VerifyOptions(fleet_path=EXAMPLE, reports=str(tmp_path))
    result = verify_module.run_properties(options, verify_module.Progress())
    assert not result.ok
    assert result.summary == "3 passed, 0 failed, but pytest ended with status 1"
