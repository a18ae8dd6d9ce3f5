"""Read the ``ldm list`` table back into cells, and find what changed between two steps.

``ldm list`` prints a fixed-width table (``NAME STATE FLAGS CONS VCPU MEMORY UTIL NORM
UPTIME``) where bound and inactive domains leave cells empty and numbers may be right
aligned. A word belongs to the column whose header span it overlaps most, which copes
with both. Output that is not such a table is compared line by line instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["VOLATILE", "ListingDiff", "Row", "Table", "diff_listing", "parse_listing"]

#: Columns that change with time alone; their changes are not highlighted.
VOLATILE = frozenset({"UTIL", "NORM", "UPTIME"})

RowStatus = Literal["same", "changed", "added", "removed"]


@dataclass(frozen=True)
class Table:
    """A parsed ``ldm list`` table: the header words and one tuple of cells per domain."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Row:
    """One row of a compared table: its cells, which changed, and how the row changed."""

    cells: tuple[str, ...]
    changed: tuple[bool, ...]
    status: RowStatus


@dataclass(frozen=True)
class ListingDiff:
    """A listing compared with the one before it: a table, or plain lines when not tabular."""

    header: tuple[str, ...]
    rows: tuple[Row, ...]
    tabular: bool

    @property
    def changed(self) -> bool:
        """Whether any row or cell changed (time-only columns aside)."""
        return any(r.status != "same" or any(r.changed) for r in self.rows)


_WORD = re.compile(r"\S+")


def parse_listing(text: str) -> Table | None:
    """The table of ``ldm list`` output, or None when ``text`` is not such a table."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    header_line = lines[0]
    heads = list(_WORD.finditer(header_line))
    if not heads or heads[0].group() != "NAME" or any(not h.group().isupper() for h in heads):
        return None
    starts = [h.start() for h in heads]
    rows: list[tuple[str, ...]] = []
    for line in lines[1:]:
        if not line.strip():
            break  # the table ends at the first blank line (-o sections follow)
        rows.append(_cells(line, starts))
    return Table(header=tuple(h.group() for h in heads), rows=tuple(rows))


def _cells(line: str, starts: list[int]) -> tuple[str, ...]:
    bounds = [*starts[1:], max(len(line), starts[-1]) + 1]
    cells: list[list[str]] = [[] for _ in starts]
    for word in _WORD.finditer(line):
        overlaps = [
            min(word.end(), end) - max(word.start(), start)
            for start, end in zip(starts, bounds, strict=True)
        ]
        best = max(range(len(starts)), key=lambda i: (overlaps[i], -i))
        if overlaps[best] <= 0:  # in a gap between columns: the nearest column to the left
            best = (
                max(i for i, start in enumerate(starts) if start <= word.start())
                if (word.start() >= starts[0])
                else 0
            )
        cells[best].append(word.group())
    return tuple(" ".join(words) for words in cells)


def diff_listing(before: str | None, after: str) -> ListingDiff:
    """``after`` with every cell that differs from ``before`` marked.

    Rows are matched by their first cell (the domain name). Without ``before`` nothing is
    marked. Rows that vanished are kept, marked ``removed``, after the others. Changes
    of the columns in :data:`VOLATILE` (utilisation, uptime) are not marked.
    """
    table = parse_listing(after)
    old = parse_listing(before) if before is not None else None
    if table is None:
        return _diff_lines(before, after)
    if before is None:
        rows = tuple(Row(r, (False,) * len(r), "same") for r in table.rows)
        return ListingDiff(table.header, rows, tabular=True)
    previous = (
        {r[0]: dict(zip(old.header, r, strict=True)) for r in old.rows} if old is not None else {}
    )
    result: list[Row] = []
    for cells in table.rows:
        prior = previous.pop(cells[0], None)
        if prior is None:
            result.append(Row(cells, (True,) * len(cells), "added"))
            continue
        changed = tuple(
            h not in VOLATILE and prior.get(h) != c
            for h, c in zip(table.header, cells, strict=True)
        )
        result.append(Row(cells, changed, "changed" if any(changed) else "same"))
    for prior in previous.values():
        cells = tuple(prior.get(h, "") for h in table.header)
        result.append(Row(cells, (True,) * len(cells), "removed"))
    return ListingDiff(table.header, tuple(result), tabular=True)


def _diff_lines(before: str | None, after: str) -> ListingDiff:
    old = set((before or "").splitlines())
    rows = tuple(
        Row((line,), (before is not None and line not in old,), "same")
        for line in after.splitlines()
    )
    return ListingDiff((), rows, tabular=False)
