"""A second opinion on every verdict: cvc5 and z3 re-check the exported query, and an
independent witness check validates every feasible answer before it is printed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from broken_solver import OverEagerModel, weakened_cpu1
from hypothesis import given
from ldmspec.models import preconditions
from solver_pairs import GUEST, filler, guest, host

import ldmspec.solver.confirm as confirm_module
import ldmspec.solver.engine as engine
import ldmspec.solver.migration as migration
from ldmspec import cli
from ldmspec.inventory import Fleet, load_fleet
from ldmspec.solver import check_migration, domain_model
from ldmspec.solver.confirm import confirm_verdict, confirmed_check, cvc5_answers
from ldmspec.solver.verdict import PlacedBlock
from ldmspec.solver.witness_check import witness_problems
from ldmspec.testing.sizing import examples
from ldmspec.testing.strategies import CATALOG_BOUNDARIES, host_pairs

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")
PAIR = ("--domain", "ldom01", "--source", "t4-a", "--target", "t4-b")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(["check", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_confirm_prints_the_verdict_and_confirmed_by_z3_and_cvc5(capsys):
    status, out, err = run(capsys, EXAMPLE, *PAIR, "--confirm")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "ldom01: t4-a -> t4-b: feasible"
    assert lines[-1] == "confirmed by z3 and cvc5 (1 claim re-checked)"
    status, out, _ = run(capsys, EXAMPLE, *PAIR, "--confirm", "--json")
    doc = json.loads(out)
    assert doc["confirmations"] == [
        {"claim": "feasible with the witness", "expected": "sat", "z3": "sat", "cvc5": "sat"}
    ]


def test_each_violated_requirement_is_confirmed_unsat_by_both(capsys):
    argv = (EXAMPLE, "--domain", "ldom02", "--source", "t4-a", "--target", "t4-c")
    status, out, _ = run(capsys, *argv, "--confirm", "--json", "--no-repair")
    assert status == 1
    doc = json.loads(out)
    assert [(c["claim"], c["z3"], c["cvc5"]) for c in doc["confirmations"]] == [
        ("MEM-1 violated", "unsat", "unsat"),
        ("MEM-2 violated", "unsat", "unsat"),
        ("VIO-4 violated", "unsat", "unsat"),
    ]


def test_without_confirm_there_are_no_confirmations(capsys):
    status, out, _ = run(capsys, EXAMPLE, *PAIR, "--json")
    assert status == 0 and json.loads(out)["confirmations"] == []


def test_a_corrupted_witness_makes_check_answer_unknown_and_say_which_check(capsys, monkeypatch):
    real = engine.DomainModel._witness

    def corrupted(self, target, t, model, tag):
        w = real(self, target, t, model, tag)
        first = w.blocks[0]
        return replace(w, blocks=(PlacedBlock(first.ra, first.pa + (1 << 30), first.size),))

    monkeypatch.setattr(engine.DomainModel, "_witness", corrupted)
    engine._CACHE.clear()
    try:
        status, out, _ = run(capsys, EXAMPLE, *PAIR)
    finally:
        engine._CACHE.clear()
    assert status == 3
    lines = out.splitlines()
    assert lines[0] == "ldom01: t4-a -> t4-b: unknown"
    assert lines[1].startswith(
        "  internal error: z3 says feasible but the independent witness check finds: "
        "piece RA 0x10000000 at PA 0x"
    )
    assert "does not keep its alignment" in lines[1]
    assert lines[1].endswith("; nothing is proven either way")
    assert "Witness" not in out


def test_a_corrupted_encoding_is_refuted_by_the_witness_check(monkeypatch):
    # One vCPU short is "enough" for the corrupted CPU-1: z3 proves feasible, the plain
    # check of the witness finds no strands for it (the Manager would bind none).
    monkeypatch.setitem(preconditions.FORMULAS, "CPU-1", weakened_cpu1)
    engine._CACHE.clear()
    source = host("s", guest(vcpus=8))
    target = host("t", filler("big", vcpus=49))  # 64 strands - 8 (primary) - 49 = 7 free
    try:
        verdict = check_migration(Fleet((source, target)), GUEST, "s", "t")
    finally:
        engine._CACHE.clear()
    assert verdict.status == "unknown"
    assert verdict.reason == (
        "internal error: z3 says feasible but the independent witness check finds: "
        "the witness gives 0 distinct strands, g1 needs 8"
    )


def test_a_front_end_that_misreads_its_solver_is_caught_by_both_solvers(
    capsys, monkeypatch, tmp_path
):
    def over_eager(source, domain):
        return OverEagerModel(source, source.domain(domain))

    monkeypatch.setattr(migration, "domain_model", over_eager)
    monkeypatch.setattr("ldmspec.commands.check.domain_model", over_eager)
    query = tmp_path / "query.smt2"
    status, out, _ = run(capsys, EXAMPLE, *PAIR, "--confirm", "--no-repair", "--smt2", str(query))
    assert status == 3
    lines = out.splitlines()
    assert lines[0] == "ldom01: t4-a -> t4-b: unknown"
    assert lines[1] == (
        "  the solvers disagree: VIO-4 violated: expected unsat, z3 answered sat, cvc5 answered "
        f"sat (SMT-LIB query: {query}); nothing is proven either way"
    )
    assert query.read_text().startswith("; ldmspec check: ldom01 t4-a -> t4-b:ldom01")


def test_the_exported_query_is_answered_the_same_by_cvc5_and_z3(tmp_path):
    fleet = load_fleet(EXAMPLE)
    model = domain_model(fleet.host("t4-a"), "ldom02")
    query = model.smt2(fleet.host("t4-c"))
    answers = [a for a in cvc5_answers(query) if a in ("sat", "unsat")]
    checks = [line for line in query.splitlines() if line.startswith("(check-sat-assuming (")]
    ids = [line.split("(")[2].rstrip(")") for line in checks[1:]]
    assert answers[0] == "unsat"  # all together: infeasible
    violated = [rid for rid, answer in zip(ids, answers[1:], strict=True) if answer == "unsat"]
    assert violated == ["MEM-1", "MEM-2", "VIO-4"]


def test_the_example_fleets_plans_are_confirmed():
    fleet = load_fleet(EXAMPLE)
    for plan in fleet.plans:
        verdict = confirmed_check(fleet, plan.domain, plan.source, plan.target, plan.new_name)
        assert verdict.status != "unknown", (plan, verdict.reason)
        assert verdict.confirmations and all(c.agrees for c in verdict.confirmations), plan
        assert verdict.violated_ids == plan.expect, plan


@examples(40)
@given(host_pairs(CATALOG_BOUNDARIES))
def test_z3_cvc5_and_the_witness_check_agree_on_generated_pairs(pair):
    fleet, domain, source, target = pair
    verdict = check_migration(fleet, domain.name, source.name, target.name)
    assert verdict.status != "unknown", verdict.reason  # the witness check passed
    model = domain_model(source, domain.name)
    confirmed = confirm_verdict(model, target, None, verdict)
    assert all(c.agrees for c in confirmed.confirmations), confirmed.confirmations
    assert confirmed.status == verdict.status
    if verdict.feasible:
        w = verdict.witness
        assert w is not None
        pieces = tuple((b.ra, b.pa, b.size) for b in w.blocks)
        assert witness_problems(source, target, domain, None, pieces, w.strands, w.cores) == []


def test_the_confirm_module_reads_only_the_exported_text():
    # The solvers re-check the query text, not z3 objects of the engine.
    assert not hasattr(confirm_module, "build_requirements")
