"""``ldmspec check``: the contract of DESIGN.md (exit status, JSON keys, table, bad input)."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ldmspec import cli
from ldmspec.commands import check as check_command
from ldmspec.inventory import load_fleet
from ldmspec.solver import check_migration, domain_model

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")


def ldmspec(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(["check", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def plan_comments() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Each [[plans]] entry of the example fleet with the ids its comment promises."""
    text = Path(EXAMPLE).read_text()
    plans = []
    for block in text.split("[[plans]]")[1:]:
        comment = block.split("\n", 1)[0]
        fields = dict(re.findall(r'^(\w+) = "([^"]+)"', block, re.M))
        ids = () if "feasible" in comment else tuple(re.findall(r"[A-Z]+-\d", comment))
        plans.append((fields["domain"], fields["source"], fields["target"], ids))
    return plans


@pytest.mark.parametrize("domain,source,target,ids", plan_comments())
def test_the_example_plans_give_the_verdicts_their_comments_promise(domain, source, target, ids):
    host, _, new = target.partition(":")
    verdict = check_migration(load_fleet(EXAMPLE), domain, source, host, new or None)
    assert verdict.violated_ids == ids
    assert verdict.status == ("infeasible" if ids else "feasible")


def test_the_example_plans_give_the_verdicts_they_expect():
    fleet = load_fleet(EXAMPLE)
    assert len(fleet.plans) == 9
    for plan in fleet.plans:
        verdict = check_migration(fleet, plan.domain, plan.source, plan.target, plan.new_name)
        assert verdict.violated_ids == plan.expect, plan


def test_feasible_exits_0_and_prints_the_table_and_witness(capsys):
    status, out, err = ldmspec(
        capsys, EXAMPLE, "--domain", "ldom01", "--source", "t4-a", "--target", "t4-b"
    )
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "ldom01: t4-a -> t4-b: feasible"
    assert lines[2] == "ID     STATUS  OBSERVED"
    assert "CPU-1  holds   t4-b has 100 free vCPUs, ldom01 needs 8" in lines
    assert "SW-2   n/a     t4-a SPARC-T4, t4-b SPARC-T4; Managers t4-a 3.6, t4-b 3.5" in lines
    assert "Witness (where the domain would land):" in lines
    assert any(line.startswith("  memory RA 0x10000000 -> PA 0x") for line in lines)


def test_infeasible_exits_1_with_every_violation_its_fix_and_the_repair(capsys):
    argv = (EXAMPLE, "--domain", "ldom01", "--source", "t4-a", "--target", "t5-a:ldom01-t5")
    status, out, _ = ldmspec(capsys, *argv)
    assert status == 1
    lines = out.splitlines()
    assert lines[0] == "ldom01: t4-a -> t5-a as ldom01-t5: infeasible"
    assert lines[1] == "  1 of 19 applicable requirements violated"
    index = lines.index("CPU-4  violated  t4-a SPARC-T4, t5-a SPARC-T5; cpu-arch native")
    assert lines[index + 1].strip() == (
        "fix: ldm set-domain cpu-arch=generic ldom01 on t4-a (while it is stopped)"
    )
    assert lines[-5:] == [
        "Repair (cost 3, the cheapest admissible set of changes):",
        "  on t4-a: set cpu-arch=generic on ldom01",
        "    ldm stop-domain ldom01",
        "    ldm set-domain cpu-arch=generic ldom01",
        "    ldm start-domain ldom01",
    ]


def test_json_has_the_contract_keys(capsys):
    argv = (EXAMPLE, "--domain", "ldom02", "--source", "t4-a", "--target", "t4-c", "--json")
    status, out, _ = ldmspec(capsys, *argv)
    assert status == 1
    doc = json.loads(out)
    assert {"verdict", "violations", "repair", "witness"} <= set(doc)
    assert doc["verdict"] == "infeasible" and doc["witness"] is None
    assert [v["id"] for v in doc["violations"]] == ["MEM-1", "MEM-2", "VIO-4"]
    assert set(doc["violations"][0]) == {"id", "requirement", "observed", "fix"}
    assert doc["violations"][0]["observed"] == "t4-c free memory 16G, ldom02 needs 32G"
    rows = {r["id"]: r["status"] for r in doc["requirements"]}
    assert len(rows) == 23 and rows["CPU-1"] == "holds" and rows["CPU-4"] == "n/a"
    assert doc["repair"]["status"] == "found"
    # Widen the vcc (1) and take the least memory from db01 that leaves a congruent 32G
    # range: 18G ends db01 at 30.25G, and 30.25G + 32G fits below 64G; 17.75G would not.
    assert [c["commands"] for c in doc["repair"]["changes"]] == [
        ["ldm set-vcc port-range=5000-5001 primary-vcc0"],
        ["ldm remove-memory 18G db01"],
    ]
    assert doc["repair"]["cost"] == 5


def test_unknown_exits_3_and_claims_nothing(capsys, monkeypatch):
    monkeypatch.setattr(
        check_command, "check_migration", functools.partial(check_migration, rlimit=1)
    )
    argv = (EXAMPLE, "--domain", "ldom02", "--source", "t4-a", "--target", "t4-c", "--json")
    status, out, _ = ldmspec(capsys, *argv)
    assert status == 3
    doc = json.loads(out)
    assert doc["verdict"] == "unknown" and doc["violations"] == [] and doc["repair"] is None
    status, out, _ = ldmspec(capsys, *argv[:-1])
    assert out.splitlines()[:2] == [
        "ldom02: t4-a -> t4-c: unknown",
        "  the solver could not decide (canceled); nothing is proven either way",
    ]


@pytest.mark.parametrize(
    "argv,message",
    [
        (("--domain", "ldom01", "--source", "t4-a", "--target", "nowhere"),
         "unknown target host 'nowhere' (hosts: t4-a, t4-b, t4-c, t5-a, m10-a, t2-old)"),
        (("--domain", "ldom01", "--source", "t9", "--target", "t4-b"),
         "unknown source host 't9' (hosts: t4-a, t4-b, t4-c, t5-a, m10-a, t2-old)"),
        (("--domain", "ghost", "--source", "t4-a", "--target", "t4-b"),
         "source 't4-a' has no domain 'ghost' (no host has it)"),
        (("--domain", "web01", "--source", "t4-a", "--target", "t4-c"),
         "source 't4-a' has no domain 'web01' (it is on t4-b)"),
        (("--domain", "ldom01", "--source", "t4-a", "--target", "t4-b:"),
         '--target: expected a target like HOST or HOST:NEW-NAME, got "t4-b:"'),
        (("--domain", "ldom01", "--source", "t4-a", "--target", "t4-b", "--timeout", "0"),
         "--timeout: expected a positive number of milliseconds, got 0"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    status, out, err = ldmspec(capsys, EXAMPLE, *argv)
    assert status == 2 and out == ""
    assert err == message + "\n"


def test_a_malformed_fleet_is_one_line_and_exit_2(capsys, tmp_path):
    fleet = tmp_path / "bad.toml"
    fleet.write_text('[hosts.a]\ncpu = "SPARC-T4"\nmemory = "lots"\n')
    status, out, err = ldmspec(
        capsys, str(fleet), "--domain", "d", "--source", "a", "--target", "b"
    )
    assert status == 2 and out == ""
    assert err.startswith(f"{fleet}:") and err.count("\n") == 1


def test_smt2_is_a_query_another_solver_can_recheck(capsys, tmp_path):
    query = tmp_path / "q.smt2"
    argv = (
        EXAMPLE,
        "--domain",
        "ldom02",
        "--source",
        "t4-a",
        "--target",
        "t4-c",
        "--smt2",
        str(query),
    )
    status, _, _ = ldmspec(capsys, *argv)
    assert status == 1
    text = query.read_text()
    assert text.startswith("; ldmspec check: ldom02 t4-a -> t4-c:ldom02\n")
    z3_binary = Path(sys.executable).with_name("z3")
    if not z3_binary.exists():
        pytest.skip("no z3 executable next to the interpreter")
    results = subprocess.run([str(z3_binary), str(query)], capture_output=True, text=True).stdout
    lines = results.splitlines()
    assert lines[1] == "unsat"  # all requirements together: infeasible
    unsat = [lines[k - 1].split(":")[0] for k in range(3, len(lines)) if lines[k] == "unsat"]
    assert unsat == ["MEM-1", "MEM-2", "VIO-4"]


def test_smt2_into_a_missing_folder_writes_nothing(capsys, tmp_path):
    target = tmp_path / "no" / "q.smt2"
    argv = (
        EXAMPLE,
        "--domain",
        "ldom01",
        "--source",
        "t4-a",
        "--target",
        "t4-b",
        "--smt2",
        str(target),
    )
    status, out, err = ldmspec(capsys, *argv)
    assert status == 2 and out == ""
    assert err == f"--smt2 {target}: no such directory {target.parent}\n"
    assert not (tmp_path / "no").exists()


def test_a_folder_of_capture_bundles_gives_the_same_verdicts():
    captures = load_fleet(str(Path(EXAMPLE).with_name("captures")))
    assert captures.plans
    for plan in captures.plans:
        verdict = check_migration(captures, plan.domain, plan.source, plan.target, plan.new_name)
        assert verdict.violated_ids == plan.expect, plan


def test_every_exported_query_rechecks_to_the_same_verdict(tmp_path):
    z3_binary = Path(sys.executable).with_name("z3")
    if not z3_binary.exists():
        pytest.skip("no z3 executable next to the interpreter")
    fleet = load_fleet(EXAMPLE)
    for plan in fleet.plans:
        source, target = fleet.host(plan.source), fleet.host(plan.target)
        assert source is not None and target is not None
        query = tmp_path / f"{plan.domain}-{plan.target}.smt2"
        query.write_text(domain_model(source, plan.domain).smt2(target, plan.new_name))
        run = subprocess.run([str(z3_binary), str(query)], capture_output=True, text=True)
        lines = run.stdout.splitlines()
        assert lines[1] == ("sat" if not plan.expect else "unsat")
        unsat = tuple(
            lines[k - 1].split(":")[0] for k in range(3, len(lines)) if lines[k] == "unsat"
        )
        assert unsat == plan.expect
