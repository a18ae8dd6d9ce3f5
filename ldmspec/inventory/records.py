"""Parseable ``ldm`` output (``-p``): a ``VERSION`` line, then records.

A record is a line ``TYPE|key=value|...`` followed by item lines ``|key=value|...``
(dossier §13.4). Published output shows ``VERSION 1.0`` (LDoms 1.2), ``1.4`` (1.3
``list-devices``), ``1.6`` and ``1.11`` (3.x); any ``1.x`` is accepted. A value may hold a
raw line break (an OpenBoot ``nvramrc=`` variable, for example): a line that is neither a
record nor an item continues the value of the line before it.

The helpers here turn a field into a number or size, raising one
:class:`~ldmspec.errors.InputError` that names the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ldmspec.errors import InputError
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.units import parse_int, parse_size

__all__ = [
    "Located",
    "Record",
    "as_arch",
    "as_number",
    "as_size",
    "first_line",
    "need",
    "parse_records",
]

_RECORD_TYPE = re.compile(r"^[A-Z][A-Z0-9_-]*$")
_VERSION = re.compile(r"^1\.\d{1,4}$")


@dataclass(frozen=True)
class Located:
    """A value read from ``source`` at ``line``."""

    value: object
    source: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class Record:
    """One ``TYPE|key=value|...`` line and the ``|key=value`` item lines under it."""

    kind: str
    fields: Mapping[str, str]
    line: int
    items: tuple[tuple[int, Mapping[str, str]], ...] = ()


# --------------------------------------------------------------------------- records
def fields_of(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in text.split("|"):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            fields.setdefault(key.strip(), value.strip())
    return fields


def parse_records(text: str, source: str) -> tuple[str | None, tuple[Record, ...]]:
    """The ``VERSION`` of parseable ``ldm`` output (``"1.0"`` ... ``"1.11"``) and its records."""
    version: str | None = None
    records: list[Record] = []
    kind: str | None = None
    head: dict[str, str] = {}
    head_line = 0
    items: list[tuple[int, Mapping[str, str]]] = []

    def close() -> None:
        if kind is not None:
            records.append(Record(kind, head, head_line, tuple(items)))

    for number, line in _logical_lines(text, source):
        if line.startswith("VERSION") and (line == "VERSION" or line[7] in " \t"):
            version = _version(line[7:].strip(), source, number)
            continue
        if line.startswith("|"):
            if kind is None:
                raise InputError(
                    'a record line like "DOMAIN|name=ldg1" before "|key=value" lines',
                    got=line,
                    source=source,
                    line=number,
                )
            items.append((number, fields_of(line[1:])))
            continue
        close()
        record_type, _, rest = line.partition("|")
        kind, head, head_line, items = record_type, fields_of(rest), number, []
    close()
    return version, tuple(records)


def _version(text: str, source: str, line: int) -> str:
    if not _VERSION.match(text):
        raise InputError(
            'a line "VERSION 1.N" (1.0 through 1.x: the parseable output format)',
            got=f"VERSION {text}".strip(),
            source=source,
            line=line,
        )
    return text


def _logical_lines(text: str, source: str) -> list[tuple[int, str]]:
    """Non-blank lines, each a VERSION, record or item line with its first line number.

    A line that starts none of them continues the value of the line before it (a raw line
    break inside a value, as an ``nvramrc=`` variable has), joined with a newline.
    """
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("|", "VERSION")) or _RECORD_TYPE.match(line.partition("|")[0]):
            lines.append((number, line))
        elif lines and not lines[-1][1].startswith("VERSION"):
            first, before = lines[-1]
            lines[-1] = (first, f"{before}\n{raw.rstrip()}")
        else:
            raise InputError(
                'a record line like "DOMAIN|name=ldg1|..." or "|key=value"',
                got=line,
                source=source,
                line=number,
            )
    return lines


def need(fields: Mapping[str, str], key: str, kind: str, source: str, line: int) -> str:
    value = fields.get(key)
    if value is None or value == "":
        raise InputError(f"a {key}= field in this {kind} record", source=source, line=line)
    return value


def as_number(value: str, what: str, source: str, line: int, *, hexadecimal: bool = False) -> int:
    try:
        number = parse_int(value)
    except InputError:
        form = "a number like 0x10000000" if hexadecimal else "a whole number"
        raise InputError(f"{what} as {form}", got=value, source=source, line=line) from None
    if number < 0:
        raise InputError(f"{what} of at least 0", got=value, source=source, line=line)
    return number


def as_size(value: str, source: str, line: int) -> int:
    try:
        return parse_size(value)
    except InputError as exc:
        raise InputError(exc.expected, got=value, source=source, line=line) from None


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def as_arch(value: str, source: str, line: int) -> CpuArch:
    try:
        return CpuArch.parse(value)
    except InputError as exc:
        raise InputError(exc.expected, got=value, source=source, line=line) from None
