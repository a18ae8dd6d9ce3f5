"""Where a key stands in a TOML or JSON document, so errors can name ``FILE:LINE``.

``tomllib`` and ``json`` give values without positions. These small scanners read the
text again and record, for every key path, the line that defines it. They are
forgiving: when a path is not found the nearest enclosing path's line is used.

The scan runs only when a line is first asked for, that is when an error is being
reported: a fleet that loads cleanly never pays for it (issue 17: 1.6 s of a 10,000-host
load went to lines no message printed).
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["KeyPath", "Positions", "json_positions", "toml_positions"]

KeyPath = tuple[str | int, ...]

_BARE = r"[A-Za-z0-9_\-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=\s*(.*)$")
# Only where a key can start (after "{" or ","): unanchored, a long run of key characters
# would make the search quadratic.
_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")


class Positions:
    """Line numbers (1-based) of key paths in one document.

    ``sources`` optionally names, per key path, the file that defined it, for documents
    assembled from several files (a capture bundle); :meth:`source_of` answers with the
    nearest enclosing path's file, or None when the document is one file.
    """

    def __init__(
        self,
        lines: dict[KeyPath, int] | Callable[[], Positions],
        sources: dict[KeyPath, str] | None = None,
    ) -> None:
        # `lines` is the table, or a scan that computes it when a line is first asked for.
        self._scan = None if isinstance(lines, dict) else lines
        self._table = lines if isinstance(lines, dict) else None
        self._sources = sources or {}
        # Key paths defined a second time, with the line of the repetition (JSON only:
        # TOML's parser refuses them itself).
        self._duplicates: list[tuple[KeyPath, int]] = []

    @property
    def _lines(self) -> dict[KeyPath, int]:
        if self._table is None:
            assert self._scan is not None
            scanned = self._scan()
            self._table, self._duplicates = scanned._lines, scanned.duplicates
        return self._table

    @property
    def duplicates(self) -> list[tuple[KeyPath, int]]:
        _ = self._lines  # scans when still lazy
        return self._duplicates

    @duplicates.setter
    def duplicates(self, found: list[tuple[KeyPath, int]]) -> None:
        self._duplicates = found

    def source_of(self, path: KeyPath) -> str | None:
        """The file that defined ``path`` (or its nearest enclosing path), if recorded."""
        for end in range(len(path), -1, -1):
            source = self._sources.get(tuple(path[:end]))
            if source is not None:
                return source
        return None

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest enclosing path that has one."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(_KEY, text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def toml_positions(text: str) -> Positions:
    """The line of every table header, key and first-level inline-table key (scanned when
    first asked for)."""
    return Positions(lambda: _toml_scan(text))


def json_positions(text: str) -> Positions:
    """The line of every object key (scanned when first asked for)."""
    return Positions(lambda: _json_scan(text))


def _toml_scan(text: str) -> Positions:
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    array_counts: dict[KeyPath, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            path: KeyPath = tuple(_split_dotted(header.group(2)))
            if header.group(1) == "[[":
                index = array_counts.get(path, 0)
                array_counts[path] = index + 1
                path = (*path, index)
            table = path
            lines.setdefault(table, number)
            continue
        assign = _ASSIGN.match(line)
        if not assign:
            continue
        key_path = (*table, *_split_dotted(assign.group(1)))
        lines.setdefault(key_path, number)
        value = assign.group(2).strip()
        if value.startswith("{"):
            for inner in _INLINE_KEY.findall(value):
                lines.setdefault((*key_path, *_split_dotted(inner)), number)
    return Positions(lines)


def _json_scan(text: str) -> Positions:
    """Every object key's line, following nesting with a small scanner."""
    lines: dict[KeyPath, int] = {}
    duplicates: list[tuple[KeyPath, int]] = []
    stack: list[list[object]] = []  # [kind, path, pending key or index]
    path: KeyPath = ()
    line = 1
    i, n = 0, len(text)
    expecting_key = False
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            token = text[i + 1 : j]
            if stack and stack[-1][0] == "obj" and expecting_key:
                stack[-1][2] = token
                if (*path, token) in lines:
                    duplicates.append(((*path, token), line))
                lines.setdefault((*path, token), line)
                expecting_key = False
            i = j
        elif ch in "{[":
            child: KeyPath = path
            if stack:
                child = (*path, stack[-1][2])  # type: ignore[arg-type]
            stack.append(["obj" if ch == "{" else "arr", path, 0 if ch == "[" else None])
            path = child if len(stack) > 1 else ()
            expecting_key = ch == "{"
        elif ch in "}]":
            if stack:
                path = stack.pop()[1]  # type: ignore[assignment]
        elif ch == ",":
            if stack and stack[-1][0] == "arr":
                stack[-1][2] = int(stack[-1][2]) + 1  # type: ignore[call-overload]
            expecting_key = bool(stack) and stack[-1][0] == "obj"
        i += 1
    positions = Positions(lines)
    positions.duplicates = duplicates
    return positions
