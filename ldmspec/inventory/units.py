"""Sizes as ldm writes them: ``512M``, ``8G``, ``1T`` or a number of bytes."""

from __future__ import annotations

import re

from ldmspec.errors import InputError

__all__ = ["GIB", "KIB", "MIB", "TIB", "format_size", "parse_int", "parse_size"]

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
TIB = 1 << 40

_UNITS = {"": 1, "B": 1, "K": KIB, "M": MIB, "G": GIB, "T": TIB}
# At most 30 digits: far beyond any memory, and below Python's int-conversion limit.
_SIZE = re.compile(r"^\s*(\d{1,30})\s*([KMGT]?)B?\s*$", re.IGNORECASE)
SIZE_FORM = "a size like 8G (K, M, G, T suffix, or bytes)"


def parse_size(value: object) -> int:
    """Bytes from ``"8G"``, ``"512M"``, ``"1T"``, ``"1073741824"`` or an integer.

    Sizes must be positive: a zero or negative size is an :class:`InputError`.
    """
    if isinstance(value, bool):
        raise InputError(SIZE_FORM, got=value)
    if isinstance(value, int):
        size = value
    elif isinstance(value, str):
        match = _SIZE.match(value)
        if not match:
            raise InputError(SIZE_FORM, got=value)
        size = int(match.group(1)) * _UNITS[match.group(2).upper()]
    else:
        raise InputError(SIZE_FORM, got=value)
    if size <= 0:
        raise InputError("a positive size like 8G", got=value)
    return size


def parse_int(value: object, *, form: str = "an integer") -> int:
    """An integer from an int or a decimal/hex string (``0x05f5e100``)."""
    if isinstance(value, bool):
        raise InputError(form, got=value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            return int(text, 16) if text.startswith("0x") else int(text, 10)
        except ValueError:
            pass
    raise InputError(form, got=value)


def format_size(size: int) -> str:
    """The shortest exact ldm spelling: ``16G``, ``512M``, ``1536M``, or bytes."""
    for suffix, unit in (("T", TIB), ("G", GIB), ("M", MIB), ("K", KIB)):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)
