"""``path.dot``: the counterexample as a Graphviz path (``dot -Tsvg path.dot``).

One cluster holds the run (a node per step, edges labelled with the command), a second
one the model's shortest path (states as nodes, actions as edges) when there is one. The
state where the property is violated is drawn red.
"""

from __future__ import annotations

import json

from ldmspec.report.markdown import plural
from ldmspec.report.values import Counterexample, thaw

__all__ = ["render_dot"]

_LABEL_WIDTH = 60
_RED = "color=red, fontcolor=red"


def quote(value: str) -> str:
    """A DOT double-quoted string holding ``value`` (newlines become line breaks)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\l") + '"'


def _short(value: str) -> str:
    return value if len(value) <= _LABEL_WIDTH else value[: _LABEL_WIDTH - 1] + "…"


def _run_cluster(cx: Counterexample) -> list[str]:
    title = f"run: variant {cx.variant or 'correct'}, seed {cx.seed}"
    lines = [
        "  subgraph cluster_run {",
        f"    label={quote(title)};",
        '    run0 [label="start"];',
    ]
    for number, step in enumerate(cx.steps, 1):
        if number == len(cx.steps):
            lines.append(f'    run{number} [label="violated after step {number}", {_RED}];')
        else:
            lines.append(f'    run{number} [label="after step {number}"];')
        edge = quote(_short(step.transcript_line))
        lines.append(f"    run{number - 1} -> run{number} [label={edge}];")
    lines.append("  }")
    return lines


def _model_cluster(cx: Counterexample) -> list[str]:
    assert cx.model_path is not None
    title = "model: shortest path, " + plural(len(cx.model_path) - 1, "action")
    lines = ["  subgraph cluster_model {", f"    label={quote(title)};"]
    for index, step in enumerate(cx.model_path):
        fields = [
            _short(f"{k}={json.dumps(thaw(v), ensure_ascii=False)}") for k, v in step.state.items()
        ]
        red = f", {_RED}" if index == len(cx.model_path) - 1 else ""
        lines.append(f"    model{index} [label={quote(chr(10).join(fields) + chr(10))}{red}];")
        if index:
            action = quote(_short(step.action))
            lines.append(f"    model{index - 1} -> model{index} [label={action}];")
    lines.append("  }")
    return lines


def render_dot(cx: Counterexample) -> str:
    """The text of ``path.dot``."""
    lines = [
        "digraph counterexample {",
        f"  label={quote(f'{cx.property_id} ({cx.kind}): {_short(cx.violation)}')};",
        "  labelloc=t; rankdir=TB; fontname=Helvetica;",
        "  node [shape=box, style=rounded, fontname=Helvetica, fontsize=10];",
        "  edge [fontname=Courier, fontsize=9];",
    ]
    if cx.steps:
        lines += _run_cluster(cx)
    if cx.model_path:
        lines += _model_cluster(cx)
    lines.append("}")
    return "\n".join(lines) + "\n"
