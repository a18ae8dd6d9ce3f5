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


def quote(value: str) -> str:
    """A DOT double-quoted string holding ``value`` (newlines become line breaks)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\l") + '"'


def _short(value: str) -> str:
    return value if len(value) <= _LABEL_WIDTH else value[: _LABEL_WIDTH - 1] + "…"


def render_dot(cx: Counterexample) -> str:
    """The text of ``path.dot``."""
    run_label = f"run: variant {cx.variant or 'correct'}, seed {cx.seed}"
    lines = [
        "digraph counterexample {",
        f"  label={quote(f'{cx.property_id} ({cx.kind}): {_short(cx.violation)}')};",
        "  labelloc=t; rankdir=TB; fontname=Helvetica;",
        "  node [shape=box, style=rounded, fontname=Helvetica, fontsize=10];",
        "  edge [fontname=Courier, fontsize=9];",
        "  subgraph cluster_run {",
        f"    label={quote(run_label)};",
        '    run0 [label="start"];',
    ]
    last = len(cx.steps)
    for number, step in enumerate(cx.steps, 1):
        if number == last:
            node = f'label="violated after step {number}", color=red, fontcolor=red'
        else:
            node = f'label="after step {number}"'
        lines.append(f"    run{number} [{node}];")
        lines.append(
            f"    run{number - 1} -> run{number} [label={quote(_short(step.transcript_line))}];"
        )
    lines.append("  }")
    if cx.model_path:
        lines.append("  subgraph cluster_model {")
        model_label = "model: shortest path, " + plural(len(cx.model_path) - 1, "action")
        lines.append(f"    label={quote(model_label)};")
        for index, model_step in enumerate(cx.model_path):
            fields = [
                _short(f"{k}={json.dumps(thaw(v), ensure_ascii=False)}")
                for k, v in model_step.state.items()
            ]
            red = ", color=red, fontcolor=red" if index == len(cx.model_path) - 1 else ""
            lines.append(f"    model{index} [label={quote(chr(10).join(fields) + chr(10))}{red}];")
            if index:
                action = quote(_short(model_step.action))
                lines.append(f"    model{index - 1} -> model{index} [label={action}];")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"
