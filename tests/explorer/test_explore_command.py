"""``ldmspec explore``: statistics, verdicts, exit statuses, exports, bad parameters."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from ldmspec.cli import main

SMALL = ["explore", "--hosts", "2", "--domains", "1", "--concurrent", "1"]


def run(capsys, *args):
    status = main([*SMALL, *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_correct_model_holds_and_exits_zero(capsys):
    status, out, err = run(capsys)
    assert status == 0
    assert err == ""
    assert "  states       296  (symmetry reduced)" in out
    assert (
        "  on cycles    584 states of the unreduced graph (588 states), where liveness is "
        "decided"
    ) in out
    assert "  holds     INV-SINGLE-ACTIVE" in out
    assert "violated" not in out
    assert "coverage: " in out


def test_json_has_the_documented_keys(capsys):
    status, out, _ = run(capsys, "--json")
    data = json.loads(out)
    assert status == 0
    assert {"states", "edges", "depth", "seconds", "properties"} <= set(data)
    assert (data["states"], data["edges"], data["depth"]) == (296, 1154, 16)
    assert data["cycles"] == {"states": 584, "graph": "unreduced", "graph_states": 588}
    ids = [p["id"] for p in data["properties"]]
    assert ids[:10] == [
        "INV-SINGLE-ACTIVE",
        "INV-CLEANUP",
        "INV-FLAGS",
        "INV-CONSERVATION",
        "INV-NO-LOST-WRITES",
        "INV-PROGRESS",
        "INV-LOCK",
        "INV-SOURCE-CONTROL",
        "LIVE-TERMINATES",
        "LIVE-CONVERGES",
    ]
    assert all({"id", "kind", "status"} <= set(p) for p in data["properties"])
    kinds = {p["id"]: p["kind"] for p in data["properties"]}
    assert kinds["INV-PROGRESS"] == "step" and kinds["LIVE-TERMINATES"] == "eventually"
    assert kinds["a completed migration"] == "sometimes"


def test_a_variant_exits_one_with_its_counterexample_as_actions_and_states(capsys):
    status, out, _ = run(capsys, "--variant", "target-accepts-cancel", "--json")
    assert status == 1
    data = json.loads(out)
    (violated,) = [p for p in data["properties"] if p["status"] == "violated"]
    assert violated["id"] == "INV-SOURCE-CONTROL"
    steps = violated["counterexample"]
    assert [s["action"] for s in steps] == [
        None,
        "start_migration(d0 -> h1)",
        "cancel_on_target(d0)",
    ]
    assert steps[-1]["state"]["domains"][0]["outcome"] == "cancelled"


def test_a_violation_is_printed_as_numbered_steps(capsys):
    status, out, _ = run(capsys, "--variant", "target-accepts-cancel")
    assert status == 1
    assert "  violated  INV-SOURCE-CONTROL" in out
    assert "INV-SOURCE-CONTROL violated: shortest counterexample, 2 steps" in out
    assert "    2  cancel_on_target(d0)" in out


def test_a_liveness_violation_in_json_has_its_cycle(capsys):
    status, out, _ = run(capsys, "--variant", "no-round-limit", "--json")
    (converges,) = [p for p in json.loads(out)["properties"] if p["id"] == "LIVE-CONVERGES"]
    assert status == 1
    assert [s["action"] for s in converges["cycle"]] == ["precopy_round(d0)", "dirty_burst(d0)"]
    assert converges["stutters"] is False
    assert len(converges["counterexample"]) == 8


def test_a_zero_state_bound_is_a_bad_parameter(capsys):
    status, out, err = run(capsys, "--max-states", "0")
    assert (status, out) == (2, "")
    assert err == "argument --max-states: expected --max-states of at least 1, got 0\n"


def test_a_liveness_violation_is_printed_as_a_lasso(capsys):
    status, out, _ = run(capsys, "--variant", "no-round-limit")
    assert status == 1
    assert "LIVE-CONVERGES violated: lasso, 7 steps then a cycle of 2" in out
    assert "       then repeats forever (the cycle ends in the state of step 7):" in out
    assert "  liveness: decided on the unreduced graph (564 states): symmetry renames" in out


def test_a_bounded_search_exits_three_with_unknown_answers(capsys):
    status, out, _ = run(capsys, "--max-states", "100", "--json")
    data = json.loads(out)
    assert status == 3
    assert data["complete"] is False and data["states"] == 100
    statuses = {p["id"]: p["status"] for p in data["properties"]}
    assert statuses["LIVE-TERMINATES"] == "unknown"
    assert statuses["INV-SINGLE-ACTIVE"] == "unknown"
    assert statuses["deadlock-free"] == "unknown"
    assert "violated" not in statuses.values()


def test_reduction_compares_with_the_unreduced_search(capsys):
    status, out, _ = run(capsys, "--reduction", "--json")
    assert status == 0
    assert json.loads(out)["reduction"] == {
        "states_reduced": 296,
        "states_full": 588,
        "ratio": 1.99,
        "complete": True,
        "verdicts_agree": True,
        "disagree": [],
    }


def test_exports_dot_graphml_and_json(capsys, tmp_path):
    dot, graphml, graph = tmp_path / "g.dot", tmp_path / "g.graphml", tmp_path / "g.json"
    status, _, _ = run(
        capsys,
        "--faults", "0", "--migrations", "1",
        "--dot", str(dot), "--graphml", str(graphml), "--graph-json", str(graph),
    )  # fmt: skip
    assert status == 0
    data = json.loads(graph.read_text())
    assert len(data["states"]) == sum(
        1 for line in dot.read_text().splitlines() if "[label=" in line and "->" not in line
    )
    assert dot.read_text().startswith("digraph states {")
    root = ET.parse(graphml).getroot()
    namespace = "{http://graphml.graphdrawing.org/xmlns}"
    assert len(root.findall(f".//{namespace}node")) == len(data["states"])
    assert len(root.findall(f".//{namespace}edge")) == len(data["edges"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hosts", "9"], "argument --hosts: expected --hosts between 2 and 6, got 9"),
        (
            ["--variant", "nope"],
            "argument --variant: expected a variant among correct, early-resume, "
            "cancel-leaves-suspended, target-accepts-cancel, skip-final-copy, leak-on-failure, "
            "flag-left-on-cancel, late-target-lock, no-round-limit, ack-wait-forever, "
            'precopy-yields-to-handoff, checks-yield-to-precopy, got "nope"',
        ),
        (["--per-host", "0"], "argument --per-host: expected --per-host of at least 1, got 0"),
        (
            ["--per-host", "3"],
            "argument --per-host: expected --per-host between 1 and 2, got 3",
        ),
        (
            ["--fault-kinds", "drop,meteor"],
            "argument --fault-kinds: expected fault kinds among drop, partition, lost-ack, "
            'handoff-failure, foreign-bind, got "meteor"',
        ),
    ],
)
def test_bad_parameters_exit_two_with_one_line(capsys, args, message):
    status = main(["explore", *args])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err == message + "\n"


def test_a_graph_file_in_a_missing_folder_is_refused_before_exploring(capsys, tmp_path):
    status, out, err = run(capsys, "--dot", str(tmp_path / "missing" / "g.dot"))
    assert status == 2
    assert out == ""
    assert err.startswith(f"{tmp_path / 'missing' / 'g.dot'}: no such directory")


def test_a_replay_that_leaves_goals_unreached_exits_three_and_says_so(capsys):
    status, out, _ = run(capsys, "--replay", "examples/fleet.toml", "--quiet")
    assert status == 3
    assert (
        "replay on examples/fleet.toml (h0=t4-a, h1=t4-b, d0=ldom01): the correct "
        "implementation conforms on the paths it followed; unknown: some goals were not "
        "reached"
    ) in out
    assert "  diverged  fires cancel_on_source@suspended  (8 steps)" in out
    assert "  skipped   fires bind_other  (1 steps)" in out


def test_replay_status_and_exit_status_are_three_valued():
    from ldmspec.commands.explore import exit_status, replay_status

    ok = {"goal": "g", "steps": 1, "status": "ok", "conforms": True}
    skipped = {**ok, "status": "skipped", "skipped": "why"}
    diverged = {**ok, "status": "diverged", "diverged": "how"}
    mismatch = {**ok, "status": "mismatch", "conforms": False, "mismatch": "what"}
    assert replay_status({"conforms": True, "paths": [ok]}) == "conforms"
    assert replay_status({"conforms": True, "paths": [ok, skipped]}) == "unknown"
    assert replay_status({"conforms": True, "paths": [diverged]}) == "unknown"
    assert replay_status({"conforms": False, "paths": [skipped, mismatch]}) == (
        "does not conform"
    )
    holds = {"properties": [{"status": "holds"}]}
    assert exit_status(holds) == 0
    assert exit_status({**holds, "replay": {"status": "unknown"}}) == 3
    assert exit_status({**holds, "replay": {"status": "does not conform"}}) == 1
    assert exit_status({**holds, "reduction": {"disagree": ["LIVE-TERMINATES"]}}) == 1
    assert exit_status({"properties": [{"status": "unknown"}]}) == 3


def test_a_liveness_counterexample_is_replayed_before_it_is_shown(capsys):
    status = main(["explore", "--hosts", "2", "--domains", "1", "--variant", "no-round-limit"])
    out, _ = capsys.readouterr()
    assert status == 1
    assert (
        "LIVE-CONVERGES violated: lasso, 7 steps then a cycle of 2 (validated: it replays, "
        "closes, is weakly fair and never reaches the goal)"
    ) in out


def test_a_lasso_that_does_not_close_makes_the_verdict_unknown():
    import dataclasses

    from ldmspec.models.protocol_config import ProtocolConfig
    from ldmspec.models.protocol_variants import protocol_model

    from ldmspec.commands.explore import _verdict_json
    from ldmspec.explorer import check_properties, explore
    from ldmspec.explorer.model import Trace

    model = protocol_model(ProtocolConfig(2, 1, 1), "no-round-limit")
    verdict = next(v for v in check_properties(explore(model)) if v.status == "violated")
    lasso = verdict.counterexample
    assert _verdict_json(model, verdict)["lasso_check"] == "validated"
    cut = dataclasses.replace(verdict, counterexample=Trace(lasso.steps, lasso.cycle[:1]))
    shown = _verdict_json(model, cut)
    assert (shown["status"], shown["lasso_check"]) == (
        "unknown",
        ["the cycle does not close on the state it starts from"],
    )
