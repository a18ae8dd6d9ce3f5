"""Exports (DOT, JSON traces) and the progress line."""

from __future__ import annotations

import io

from explorer_toys import Counter, Spinning

from ldmspec.explorer import ProgressLine, check, explore, graph_json, to_dot, trace_json


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_dot_marks_initial_terminal_and_counterexample_states():
    exploration = explore(Counter())
    below_two = next(v for v in check(exploration) if v.id == "below two")
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
    lasso = next(v for v in check(explore(model)) if v.id == "ends").counterexample
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


def test_the_progress_line_is_written_on_a_terminal_and_erased():
    stream = Terminal()
    line = ProgressLine(stream, label="exploring")
    line(10, 20, 30, 4)
    assert stream.getvalue().startswith("\rexploring: 20 states, 30 edges, depth 4, 10 queued, ")
    line.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_the_progress_line_is_silent_when_not_a_terminal():
    stream = io.StringIO()
    line = ProgressLine(stream)
    line(10, 20, 30, 4)
    line.close()
    assert stream.getvalue() == ""
