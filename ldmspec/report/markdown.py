"""``report.md``: the counterexample as a narrative a reviewer reads in a pull request.

Everything that comes from an inventory or a run (host and domain names, outputs) goes
into code spans or fenced blocks, or is escaped, so a name like ``<b>&"`` shows as itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ldmspec.report.catalog import LISTING_LEGEND, MESSAGES
from ldmspec.report.listing_diff import ListingDiff, diff_listing
from ldmspec.report.replay import (
    MODEL_ONLY,
    copied_from,
    fleet_file_name,
    pytest_command,
    reproduce_hint,
    shell_command,
)
from ldmspec.report.sequence import collapse_messages
from ldmspec.report.values import Counterexample, ModelStep, thaw

__all__ = ["render_markdown", "state_changes"]

_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def plural(count: int, noun: str) -> str:
    """``1 action``, ``3 actions``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def text(value: str) -> str:
    """Plain text safe in Markdown: HTML characters as entities, markup escaped."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _SPECIAL.sub(r"\\\1", value)
    # A # starts a heading only at the start of a line.
    return re.sub(r"(?m)^(\s*)#", r"\1\\#", value)


def code(value: str) -> str:
    """An inline code span holding ``value`` exactly, whatever backticks it contains."""
    longest = max((len(m) for m in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def cell(value: str) -> str:
    """A table cell: code span with ``|`` escaped (GitHub tables split on it first)."""
    return code(value).replace("|", "\\|") if value else ""


def block(value: str, info: str = "text") -> list[str]:
    """A fenced code block holding ``value`` exactly."""
    longest = max((len(m) for m in re.findall(r"`{3,}", value)), default=2)
    fence = "`" * (longest + 1)
    return [f"{fence}{info}", *value.rstrip("\n").splitlines(), fence]


def compact(value: Any) -> str:
    """A frozen JSON value on one line."""
    return json.dumps(thaw(value), ensure_ascii=False, separators=(", ", ": "))


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaves of nested maps and tuples by dotted path: ``domains[0].phase``."""
    if isinstance(value, Mapping) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, tuple | list) and value:
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{path}[{index}]"))
        return out
    return {path: value}


def state_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """``path: old → new`` for every leaf that differs (every leaf ``= value`` at first).

    Nested states are compared leaf by leaf (``domains[0].phase: "idle" → "checks"``),
    so a change deep inside shows as one short line.
    """
    new = flatten(after)
    if before is None:
        return [f"{key} = {compact(value)}" for key, value in new.items()]
    old = flatten(before)
    changes = [
        f"{key}: {compact(old[key])} → {compact(value)}"
        if key in old
        else f"{key}: new, {compact(value)}"
        for key, value in new.items()
        if old.get(key, _MISSING) != value
    ]
    changes += [f"{key}: removed" for key in old if key not in new]
    return changes


_MISSING = object()


def _listing_table(diff: ListingDiff) -> list[str]:
    if not diff.tabular:
        return block("\n".join(r.cells[0] for r in diff.rows))
    lines = [
        "| " + " | ".join(diff.header) + " |",
        "|" + "---|" * len(diff.header),
    ]
    for row in diff.rows:
        cells = []
        for value, changed in zip(row.cells, row.changed, strict=True):
            shown = cell(value)
            if row.status == "removed":
                shown = f"~~{shown}~~" if shown else ""
            elif changed and shown:
                shown = f"**{shown}**"
            elif changed and row.status == "changed":
                shown = "**(empty)**"  # the cell was emptied
            cells.append(shown)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _reproduce(cx: Counterexample) -> list[str]:
    lines = ["## Reproduce", ""]
    fleet = fleet_file_name(cx)
    where = (
        f"with the fleet copied beside it as {code(fleet)}"
        + (f" (from {code(source)})" if (source := copied_from(cx)) else "")
        if fleet
        else f"with the fleet {code(cx.fleet_path)}"
        if cx.fleet_path
        else "(the fleet was not recorded)"
    )
    if cx.steps:
        lines += [
            f"Replay in the reference implementation, from this report's folder, {where}:",
            "",
            *block(shell_command(cx), "sh"),
        ]
    else:
        lines.append(text(MODEL_ONLY))
    node = pytest_command(cx)
    if node:
        lines += ["", "Re-run the failing property:", ""]
        lines += block(node, "sh")
    hint = reproduce_hint(cx)
    if hint:
        lines += ["", hint[0], ""]
        lines += block(hint[1], "python" if hint[1].startswith("@") else "sh")
    return lines


def _summary(cx: Counterexample) -> list[str]:
    rows = [
        ("property", f"{cell(cx.property_id)} ({cx.kind})"),
        ("fleet", cell(cx.fleet_path) if cx.fleet_path else "not recorded"),
        ("variant", cell(cx.variant) if cx.variant else "correct implementation"),
        ("seed", cell(str(cx.seed)) if cx.seed is not None else "not recorded"),
        ("steps", str(len(cx.steps))),
        (
            "model",
            f"shortest path of {plural(len(cx.model_path) - 1, 'action')}"
            if cx.model_path
            else "no model path",
        ),
    ]
    return ["| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in rows]]


def _steps(cx: Counterexample) -> list[str]:
    lines = ["## Steps", ""]
    if not cx.steps:
        return [*lines, "No implementation steps: see the model's path below."]
    lines.append(
        "After each step, the `ldm list` of each involved host that changed (all of them "
        "after the last step): changed cells are **bold**, vanished rows ~~struck~~; UTIL, "
        "NORM and UPTIME change with time alone and are not marked. " + LISTING_LEGEND
    )
    previous: dict[str, str] = dict(cx.initial_listing)
    for number, step in enumerate(cx.steps, 1):
        kind = "event" if step.is_event else f"on {code(step.host)}"
        lines += ["", f"### {number}. {code(step.command)} {kind}"]
        if step.note:
            lines += ["", text(step.note)]
        if step.password is not None:
            answer = code(step.password) if step.password else "an empty line"
            lines += ["", f"Answered `Target Password:` with {answer}."]
        if step.output.strip():
            lines += ["", *block(step.output)]
        if step.messages:
            lines += ["", "Messages:", ""]
            for m, count in collapse_messages(step.messages):
                fate = "" if m.delivered else " — **lost**"
                detail = f" ({text(m.detail)})" if m.detail else ""
                times = f" ×{count}" if count > 1 else ""
                lines.append(
                    f"- {code(m.src)} → {code(m.dst)}: {code(m.kind)}{detail}{times}{fate}"
                )
        unchanged = []
        for host, listing in step.listing.items():
            diff = diff_listing(previous.get(host), listing)
            if number == len(cx.steps) or host not in previous or diff.changed:
                lines += ["", f"`ldm list` on {code(host)}:", ""]
                lines += _listing_table(diff)
            else:
                unchanged.append(code(host))
            previous[host] = listing
        if unchanged:
            lines += ["", f"`ldm list` unchanged on {', '.join(unchanged)}."]
    return lines


def _model(path: tuple[ModelStep, ...]) -> list[str]:
    lines = ["## The model's shortest path to the same violation", ""]
    before: Mapping[str, Any] | None = None
    for number, step in enumerate(path):
        lines.append(f"{number}. {code(step.action)}")
        for change in state_changes(before, step.state):
            lines.append(f"   - {cell(change)}")
        before = step.state
    return lines


def render_markdown(cx: Counterexample) -> str:
    """The text of ``report.md``."""
    lines = [f"# {text(cx.property_id)} violated ({cx.kind})", ""]
    lines += [f"> {text(line)}" for line in cx.words.splitlines() or [""]]
    lines += ["", "**Observed after the last step:**", ""]
    lines += block(cx.violation)
    lines += ["", *_reproduce(cx), "", *_summary(cx), "", *_steps(cx)]
    if cx.model_path:
        lines += ["", *_model(cx.model_path)]
    kinds = list(dict.fromkeys(m.kind for s in cx.steps for m in s.messages if m.kind in MESSAGES))
    if kinds:
        lines += ["", "## The messages", ""]
        lines += [f"- {code(kind)}: {MESSAGES[kind]}" for kind in kinds]
    lines += ["", "## Versions", ""]
    lines += [f"- {text(name)}: {code(version)}" for name, version in cx.versions.items()]
    lines += ["", "Machine-readable: `counterexample.json` (schema `ldmspec-counterexample/1`)."]
    return "\n".join(lines).rstrip() + "\n"
