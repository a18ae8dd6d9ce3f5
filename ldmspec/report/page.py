"""``report.html``: one self-contained page (inline CSS and SVG; no script, no network).

From top to bottom: what was violated and what was observed; how to reproduce it; the
run's facts; the sequence diagram of the messages between the hosts; every step with its
output, its messages and the ``ldm list`` of each host with the changed cells
highlighted; the model's shortest path; the final observation; the versions.

Every text from a run or an inventory goes through :func:`html.escape` (quotes included),
so a domain called ``<script>`` is shown, never run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

from ldmspec.report.catalog import LISTING_LEGEND, MESSAGES
from ldmspec.report.listing_diff import ListingDiff, diff_listing
from ldmspec.report.markdown import plural, state_changes
from ldmspec.report.replay import (
    MODEL_ONLY,
    copied_from,
    fleet_file_name,
    pytest_command,
    reproduce_hint,
    shell_command,
)
from ldmspec.report.sequence import collapse_messages, render_sequence_svg
from ldmspec.report.values import SCHEMA_ID, Counterexample, ReportStep, thaw

__all__ = ["STYLE", "render_html"]

STYLE = """
:root { --ink: #1d232b; --muted: #5b6673; --line: #d5dbe2; --bad: #b3261e;
  --badbg: #fdecea; --chg: #fff2b3; --add: #e3f6e5; --code: #f4f6f8; --accent: #2b5fad; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 19px; margin: 36px 0 10px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 13px; }
pre { background: var(--code); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 10px; overflow-x: auto; margin: 6px 0; white-space: pre; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 9px; font-size: 12px;
  font-weight: 600; vertical-align: middle; background: #e6ecf5; color: var(--accent); }
.badge.safety, .badge.liveness, .badge.agreement { background: var(--badbg);
  color: var(--bad); }
blockquote { margin: 8px 0 14px; padding: 4px 14px; border-left: 4px solid var(--line);
  color: var(--muted); }
.violation { border: 1px solid #f1b8b3; background: var(--badbg); border-radius: 8px;
  padding: 10px 14px; }
.violation strong { color: var(--bad); }
.violation pre { white-space: pre-wrap; }
.repro { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
  margin-top: 18px; }
.repro h2 { margin-top: 4px; }
.repro pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.repro p { margin: 4px 0; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left;
  vertical-align: top; }
th { background: #f0f3f6; font-weight: 600; font-size: 13px; }
table.facts th { width: 9em; }
table.listing td { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px;
  white-space: pre; }
td.chg { background: var(--chg); font-weight: 600; }
tr.added td { background: var(--add); }
tr.removed td { text-decoration: line-through; color: var(--muted); }
.step { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
  margin: 12px 0; }
.step.last { border-color: #f1b8b3; }
.step .host { color: var(--accent); font-weight: 600; }
.step .note { color: var(--muted); margin: 2px 0 6px; }
.listings { display: flex; flex-wrap: wrap; gap: 4px 22px; }
.listings h4 { margin: 6px 0 0; font-size: 13px; font-weight: 600; }
ul.messages { margin: 4px 0; padding-left: 20px; }
.lostmsg { color: var(--bad); font-weight: 600; }
figure { margin: 8px 0; overflow-x: auto; border: 1px solid var(--line);
  border-radius: 8px; padding: 8px; }
figcaption { color: var(--muted); font-size: 13px; }
svg.sequence .lifeline { stroke: #9aa5b1; stroke-dasharray: 4 4; }
svg.sequence .host { fill: #e6ecf5; stroke: var(--accent); }
svg.sequence .hostname { font: 600 13px system-ui, sans-serif; fill: var(--ink); }
svg.sequence .command { fill: #fff; stroke: var(--accent); }
svg.sequence .event { fill: #fff8e1; stroke: #c9a227; stroke-dasharray: 5 3; }
svg.sequence .cmd { font: 11px ui-monospace, Menlo, Consolas, monospace; fill: var(--ink); }
svg.sequence .stepno { font: 600 12px system-ui, sans-serif; fill: var(--muted); }
svg.sequence .msg { stroke: #333; stroke-width: 1.3; }
svg.sequence .msg.lost { stroke: var(--bad); stroke-dasharray: 5 3; }
svg.sequence .cross { stroke: var(--bad); stroke-width: 2.2; fill: none; }
svg.sequence .arrowhead { fill: #333; }
svg.sequence .msglabel { font: 11px system-ui, sans-serif; fill: #333; }
svg.sequence .violation { fill: var(--badbg); stroke: var(--bad); }
svg.sequence .violationlabel { font: 600 12px system-ui, sans-serif; fill: var(--bad); }
ol.model li { margin-bottom: 4px; }
ol.model ul { margin: 2px 0; padding-left: 18px; color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
nav.toc { margin: 10px 0 0; font-size: 14px; }
a { color: var(--accent); }
"""


def e(value: object) -> str:
    """Escaped text, quotes included."""
    return escape(str(value), quote=True)


def _pre(text: str) -> str:
    return f"<pre>{e(text.rstrip())}</pre>"


def _reproduce(cx: Counterexample) -> list[str]:
    fleet = fleet_file_name(cx)
    if fleet:
        source = copied_from(cx)
        origin = f" (a copy of <code>{e(source)}</code>)" if source else ""
        where = f"The fleet is beside it as <code>{e(fleet)}</code>{origin}."
    elif cx.fleet_path:
        where = f"The run used the fleet <code>{e(cx.fleet_path)}</code>."
    else:
        where = "The fleet was not recorded."
    parts = ['<section class="repro" id="reproduce"><h2>Reproduce</h2>']
    if cx.steps:
        parts += [
            "<p>Replay the steps in the reference implementation, from this report's folder. "
            f"{where}</p>",
            _pre(shell_command(cx)),
        ]
    else:
        parts.append(f"<p>{e(MODEL_ONLY)}</p>")
    node = pytest_command(cx)
    if node:
        parts += ["<p>Re-run the failing property:</p>", _pre(node)]
    hint = reproduce_hint(cx)
    if hint:
        parts += [f"<p>{e(hint[0])}</p>", _pre(hint[1])]
    parts.append("</section>")
    return parts


def _facts(cx: Counterexample) -> list[str]:
    model = (
        f"shortest path of {plural(len(cx.model_path) - 1, 'action')} (below)"
        if cx.model_path
        else "no model path"
    )
    rows = [
        ("property", f"<code>{e(cx.property_id)}</code> ({e(cx.kind)})"),
        ("fleet", f"<code>{e(cx.fleet_path)}</code>" if cx.fleet_path else "not recorded"),
        ("variant", f"<code>{e(cx.variant)}</code>" if cx.variant else "correct implementation"),
        ("seed", f"<code>{e(cx.seed)}</code>" if cx.seed is not None else "not recorded"),
        ("steps", e(len(cx.steps))),
        ("hosts", ", ".join(f"<code>{e(h)}</code>" for h in cx.hosts) or "none"),
        ("model", e(model)),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return [f'<table class="facts">{body}</table>']


def _listing(host: str, diff: ListingDiff) -> str:
    title = f"<h4><code>ldm list</code> on <code>{e(host)}</code></h4>"
    if not diff.tabular:
        lines = "".join(
            f'<tr><td class="{"chg" if r.changed[0] else ""}">{e(r.cells[0])}</td></tr>'
            for r in diff.rows
        )
        return f'<div>{title}<table class="listing">{lines}</table></div>'
    head = "".join(f"<th>{e(h)}</th>" for h in diff.header)
    rows = []
    for row in diff.rows:
        cells = "".join(
            f'<td class="chg">{e(value)}</td>'
            if changed and row.status == "changed"
            else f"<td>{e(value)}</td>"
            for value, changed in zip(row.cells, row.changed, strict=True)
        )
        rows.append(f'<tr class="{row.status}">{cells}</tr>')
    return (
        f'<div>{title}<table class="listing"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _step(number: int, step: ReportStep, last: bool, previous: dict[str, str]) -> list[str]:
    where = "simulator event" if step.is_event else f'on <span class="host">{e(step.host)}</span>'
    parts = [
        f'<section class="step{" last" if last else ""}" id="step-{number}">',
        f"<h3>{number}. <code>{e(step.command)}</code> <small>{where}</small></h3>",
    ]
    if step.note:
        parts.append(f'<p class="note">{e(step.note)}</p>')
    if step.password is not None:
        answer = f"<code>{e(step.password)}</code>" if step.password else "an empty line"
        parts.append(f'<p class="note">Answered <code>Target Password:</code> with {answer}.</p>')
    if step.output.strip():
        parts.append(_pre(step.output))
    if step.messages:
        items = []
        for m, count in collapse_messages(step.messages):
            detail = f" ({e(m.detail)})" if m.detail else ""
            times = f" ×{count}" if count > 1 else ""
            fate = "" if m.delivered else ' <span class="lostmsg">lost</span>'
            items.append(
                f"<li><code>{e(m.src)}</code> → <code>{e(m.dst)}</code>: "
                f"<code>{e(m.kind)}</code>{detail}{times}{fate}</li>"
            )
        parts.append(f'<ul class="messages">{"".join(items)}</ul>')
    if step.listing:
        tables, unchanged = [], []
        for host, listing in step.listing.items():
            diff = diff_listing(previous.get(host), listing)
            if last or host not in previous or diff.changed:
                tables.append(_listing(host, diff))
            else:
                unchanged.append(f"<code>{e(host)}</code>")
            previous[host] = listing
        if tables:
            parts += ['<div class="listings">', *tables, "</div>"]
        if unchanged:
            parts.append(
                f'<p class="note"><code>ldm list</code> unchanged on {", ".join(unchanged)}.</p>'
            )
    parts.append("</section>")
    return parts


def _model(cx: Counterexample) -> list[str]:
    if not cx.model_path:
        return []
    items = []
    before: Mapping[str, Any] | None = None
    for step in cx.model_path:
        changes = "".join(
            f"<li><code>{e(c)}</code></li>" for c in state_changes(before, step.state)
        )
        items.append(f"<li><code>{e(step.action)}</code><ul>{changes}</ul></li>")
        before = step.state
    return [
        '<section id="model"><h2>The model\'s shortest path to the same violation</h2>',
        "<p>The state-graph model reaches the same violation in "
        f"{plural(len(cx.model_path) - 1, 'action')}; "
        "each action lists the state fields it changed.</p>",
        f'<ol class="model" start="0">{"".join(items)}</ol></section>',
    ]


def _observation(cx: Counterexample) -> list[str]:
    if not cx.steps or not cx.steps[-1].observation:
        return []
    parts = ['<section id="observation"><h2>Observation after the last step</h2>']
    for host, snapshot in cx.steps[-1].observation.items():
        text = json.dumps(thaw(snapshot), indent=2, ensure_ascii=False)
        parts.append(f"<details><summary><code>{e(host)}</code></summary>{_pre(text)}</details>")
    parts.append("</section>")
    return parts


def _glossary(cx: Counterexample) -> list[str]:
    kinds = list(dict.fromkeys(m.kind for s in cx.steps for m in s.messages if m.kind in MESSAGES))
    if not kinds:
        return []
    rows = "".join(f"<tr><th><code>{e(k)}</code></th><td>{e(MESSAGES[k])}</td></tr>" for k in kinds)
    return [
        f'<details class="glossary"><summary>The messages</summary><table>{rows}</table></details>'
    ]


def _diagram_and_steps(cx: Counterexample, steps: list[str]) -> list[str]:
    if not cx.steps:
        return [
            '<section id="steps"><h2>Steps</h2>',
            "<p>No implementation steps: see the model's path below.</p></section>",
        ]
    return [
        '<section id="diagram"><h2>Sequence diagram</h2>',
        "<figure>",
        render_sequence_svg(cx),
        "<figcaption>Commands (boxes) on the host they ran on, simulator events (dashed "
        "bands), protocol messages (arrows; ×N: repeated N times; a red cross marks a lost "
        "message).</figcaption>",
        "</figure>",
        *_glossary(cx),
        "</section>",
        '<section id="steps"><h2>Steps</h2>',
        "<p>After each step, the <code>ldm list</code> of each involved host that changed "
        "(all of them after the last step): changed cells are highlighted, new rows green, "
        "vanished rows struck through; UTIL, NORM and UPTIME change with time alone and are "
        f"not highlighted. {e(LISTING_LEGEND)}</p>",
        *steps,
        "</section>",
    ]


def _nav(cx: Counterexample) -> str:
    links = [("reproduce", "Reproduce"), ("facts", "The run")]
    if cx.steps:
        links += [("diagram", "Sequence diagram"), ("steps", f"{len(cx.steps)} steps")]
    if cx.model_path:
        links.append(("model", "Model path"))
    if cx.steps and cx.steps[-1].observation:
        links.append(("observation", "Final observation"))
    anchors = " · ".join(f'<a href="#{anchor}">{title}</a>' for anchor, title in links)
    return f'<nav class="toc">{anchors}</nav>'


def render_html(cx: Counterexample) -> str:
    """The text of ``report.html``."""
    previous: dict[str, str] = dict(cx.initial_listing)
    steps: list[str] = []
    for number, step in enumerate(cx.steps, 1):
        steps += _step(number, step, number == len(cx.steps), previous)
    versions = ", ".join(f"{e(k)} {e(v)}" for k, v in cx.versions.items())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(cx.property_id)} violated — ldmspec counterexample</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f'<h1>{e(cx.property_id)} violated <span class="badge {e(cx.kind)}">{e(cx.kind)}'
        "</span></h1>",
        f"<blockquote>{e(cx.words)}</blockquote>",
        '<div class="violation"><strong>Observed after the last step:</strong>'
        f"{_pre(cx.violation)}</div>",
        _nav(cx),
        "</header>",
        *_reproduce(cx),
        '<section id="facts"><h2>The run</h2>',
        *_facts(cx),
        "</section>",
        *_diagram_and_steps(cx, steps),
        *_model(cx),
        *_observation(cx),
        f"<footer>Versions: {versions or 'not recorded'}. Machine-readable: "
        f'<a href="counterexample.json">counterexample.json</a> (schema {e(SCHEMA_ID)}), '
        '<a href="replay.ldm">replay.ldm</a>, <a href="path.dot">path.dot</a>, '
        '<a href="report.md">report.md</a>.</footer>',
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
