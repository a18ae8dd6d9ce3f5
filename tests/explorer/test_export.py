"""Exports (DOT, JSON traces) and the progress line."""

from __future__ import annotations

import io

from explorer_toys import Counter, Spinning

from ldmspec.explorer import ProgressLine, check_properties, explore, graph_json, to_dot, trace_json
from ldmspec.explorer.progress import resident_bytes


def test_dot_marks_initial_terminal_and_counterexample_states():
    exploration = explore(Counter())
    below_two = next(v for v in check_properties(exploration) if v.id == "below two")
    dot = to_dot(exploration, below_two.counterexample)
    assert dot.splitlines() == [
        "digraph states {",
        "  node [fontname=monospace fontsize=9];",
        '  s0 [label="0" shape=box style=filled fillcolor=salmon];',
        '  s1 [label="1" style=filled fillcolor=salmon];',
        '  s2 [label="2" style=filled fillcolor=salmon];',
        '  s3 [label="3" shape=doublecircle];',
        '  s0 -> s1 [label="inc"];',
        '  s0 -> s0 [label="double"];',
        '  s1 -> s2 [label="inc"];',
        '  s2 -> s3 [label="inc"];',
        "}",
    ]


def test_graph_json_lists_states_and_labelled_edges():
    data = graph_json(explore(Counter()))
    assert [s["state"] for s in data["states"]] == ["0", "1", "2", "3"]
    assert data["states"][3] == {
        "id": 3, "depth": 3, "initial": False, "terminal": True, "state": "3",
    }  # fmt: skip
    assert {"source": 1, "target": 2, "action": "inc"} in data["edges"]


def test_a_lasso_in_json_has_its_cycle():
    model = Spinning()
    lasso = next(v for v in check_properties(explore(model)) if v.id == "ends").counterexample
    assert trace_json(model, lasso) == {
        "length": 2,
        "steps": [
            {"action": None, "state": "'init'"},
            {"action": "go", "state": "'a'"},
            {"action": "go", "state": "'b'"},
        ],
        "cycle": [{"action": "spin", "state": "'c'"}, {"action": "spin", "state": "'b'"}],
        "stutters": False,
    }


def test_the_progress_line_reports_every_few_seconds_on_any_stream():
    stream = io.StringIO()  # not a terminal: a log still shows how a long run went
    now = [100.0]
    line = ProgressLine(stream, every=5.0, clock=lambda: now[0], memory=lambda: 640 * 1024**2)
    line(10, 20, 30, 4)  # 0 s in: too early
    now[0] = 104.9
    line(10, 20, 30, 4)
    assert stream.getvalue() == ""
    now[0] = 110.0
    line(1_000, 41_210, 90_000, 7)
    assert stream.getvalue() == (
        "explore: 41,210 states (4,121 states/s), 40,210 on queue, depth 7, "
        "90,000 edges, 640 MiB, 10 s\n"
    )
    now[0] = 112.0  # the next report is due 5 s after the last one
    line(2_000, 50_000, 100_000, 8)
    assert stream.getvalue().count("\n") == 1
    now[0] = 115.0
    line(2_000, 50_000, 100_000, 8)
    assert stream.getvalue().splitlines()[1].startswith("explore: 50,000 states (3,333 states/s)")


def test_the_resident_set_is_measured_in_bytes():
    assert resident_bytes() > 1024**2
