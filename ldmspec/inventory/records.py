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
    """The ``VERSION`` of parseable ``ldm`` output and its records, in order."""
    version: str | None = None
    records: list[Record] = []
    kind: str | None = None
    head: dict[str, str] = {}
    head_line = 0
    items: list[tuple[int, Mapping[str, str]]] = []

    def close() -> None:
        if kind is not None:
            records.append(Record(kind, head, head_line, tuple(items)))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("VERSION") and (line == "VERSION" or line[7] in " \t"):
            version = line[7:].strip()
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
        record_type, _, rest = line.partition("|")
        if not _RECORD_TYPE.match(record_type):
            raise InputError(
                'a record line like "DOMAIN|name=ldg1|..." or "|key=value"',
                got=line,
                source=source,
                line=number,
            )
        close()
        kind, head, head_line, items = record_type, fields_of(rest), number, []
    close()
    return version, tuple(records)


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
