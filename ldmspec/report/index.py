"""``reports/index.html``: every report of a folder, newest first.

Report folders are named ``<UTC time>-<property>-<short hash>``, so newest first is the
reverse order of their names. A folder whose ``counterexample.json`` cannot be read is
still listed, with the reason, so one broken report never hides the others (``ldmspec
report`` refuses such a folder outright). The index reads only a few fields of each
``counterexample.json``, so it stays cheap to rebuild after every new report.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from ldmspec.report.files import COUNTEREXAMPLE_FILE, replace_file
from ldmspec.report.page import STYLE, e
from ldmspec.report.values import SCHEMA_ID

__all__ = ["INDEX_FILE", "IndexEntry", "list_reports", "rebuild_index", "render_index"]

INDEX_FILE = "index.html"


@dataclass(frozen=True)
class IndexEntry:
    """One report folder as the index lists it, or why it could not be read.

    The index reads only these few fields (quickly: no full validation), so rebuilding
    it after each new report stays cheap however many reports accumulate; ``ldmspec
    report`` validates every file in full.
    """

    name: str
    property_id: str = ""
    kind: str = ""
    variant: str | None = None
    steps: int = 0
    violation: str = ""
    problem: str | None = None

    @property
    def created(self) -> str:
        """The UTC time of the folder name as ``2026-11-27 06:53:00 UTC``; ``-`` if none."""
        try:
            when = datetime.strptime(self.name[:16], "%Y%m%dT%H%M%SZ")
        except ValueError:
            return "-"  # a folder named by hand, like reports/example
        return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def _entry(folder: Path) -> IndexEntry:
    path = folder / COUNTEREXAMPLE_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        prop = document["property"]
        entry = IndexEntry(
            name=folder.name,
            property_id=str(prop["id"]),
            kind=str(prop["kind"]),
            variant=document["reproduce"].get("variant"),
            steps=len(document["steps"]),
            violation=str(document["violation"]),
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return IndexEntry(folder.name, problem=f"{path}: not a counterexample document")
    if document.get("schema") != SCHEMA_ID:
        return IndexEntry(folder.name, problem=f"{path}: schema is not {SCHEMA_ID}")
    return entry


def report_folders(reports_dir: str | os.PathLike[str]) -> list[Path]:
    """The report folders of ``reports_dir`` (those holding a counterexample.json), newest first."""
    root = Path(reports_dir)
    if not root.is_dir():
        return []
    folders = [
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / COUNTEREXAMPLE_FILE).is_file()
    ]
    return sorted(folders, key=lambda p: p.name, reverse=True)


def list_reports(reports_dir: str | os.PathLike[str]) -> list[IndexEntry]:
    """Every report folder, newest first, summarised for the index."""
    return [_entry(folder) for folder in report_folders(reports_dir)]


def _short(text: str, limit: int = 140) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def render_index(entries: list[IndexEntry]) -> str:
    """The text of ``index.html`` for ``entries`` (already newest first)."""
    rows = []
    for entry in entries:
        href = e(quote(entry.name) + "/report.html")
        if entry.problem is not None:
            rows.append(
                f'<tr class="removed"><td>{e(entry.created)}</td>'
                f'<td colspan="5">unreadable: {e(entry.problem)}</td>'
                f"<td><code>{e(entry.name)}</code></td></tr>"
            )
            continue
        rows.append(
            "<tr>"
            f"<td>{e(entry.created)}</td>"
            f'<td><a href="{href}"><code>{e(entry.property_id)}</code></a></td>'
            f"<td>{e(entry.kind)}</td>"
            f"<td><code>{e(entry.variant or 'correct')}</code></td>"
            f"<td>{e(entry.steps)}</td>"
            f"<td>{e(_short(entry.violation))}</td>"
            f'<td><a href="{href}"><code>{e(entry.name)}</code></a></td>'
            "</tr>"
        )
    table = (
        "<table><thead><tr><th>created</th><th>property</th><th>kind</th><th>variant</th>"
        "<th>steps</th><th>observed</th><th>report</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>No reports yet.</p>"
    )
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                "<head>",
                '<meta charset="utf-8">',
                "<title>ldmspec counterexample reports</title>",
                f"<style>{STYLE}</style>",
                "</head>",
                "<body>",
                f'<h1>Counterexample reports <span class="badge">{len(entries)}</span></h1>',
                "<p>Newest first. Each report says what was violated, how to replay it with "
                "<code>ldmspec shell</code>, and shows every step.</p>",
                table,
                "</body>",
                "</html>",
            ]
        )
        + "\n"
    )


def rebuild_index(reports_dir: str | os.PathLike[str]) -> Path:
    """Write ``reports_dir/index.html`` listing every report, newest first; return its path."""
    root = Path(reports_dir)
    path = root / INDEX_FILE
    replace_file(path, render_index(list_reports(root)))
    return path
