"""Versions that migration rules compare: Solaris releases and Logical Domains Managers.

Solaris 10 releases are named by update date (``10 9/10`` is Solaris 10 update 9 of
September 2010), Solaris 11 by minor number (``11.4``). Every Solaris 10 release orders
before every Solaris 11 release, and Solaris 10 releases order by date::

    10 9/10 < 10 8/11 < 10 1/13 < 11 < 11.1 < 11.2 < 11.3 < 11.4

Logical Domains Manager versions order numerically (``2.1 < 2.2 < 3.0 < 3.6``); two
versions are *adjacent* when their releases are equal or one directly follows the other
in the published release sequence (the 3.x compatibility rule, dossier §2.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ldmspec.errors import InputError

__all__ = ["LDM_RELEASES", "LdmVersion", "SolarisRelease", "parseable_version"]

SOLARIS_FORM = 'a Solaris release like "10 9/10", "10 1/13", "11.1" or "11.4"'
LDM_FORM = 'a Logical Domains Manager version like "2.1", "3.6" or "3.6.1.0.8"'

_S10 = re.compile(r"^\s*(?:solaris\s+)?10\s+(\d{1,2})/(\d{2})\s*$", re.IGNORECASE)
_S11 = re.compile(r"^\s*(?:solaris\s+)?(1[1-9])(?:\.(\d{1,2}))?(?:\.\d+)*\s*$", re.IGNORECASE)

# The published releases, in order (Oracle VM Server for SPARC release history).
LDM_RELEASES: tuple[tuple[int, int], ...] = (
    (1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (2, 2),
    (3, 0), (3, 1), (3, 2), (3, 3), (3, 4), (3, 5), (3, 6),
)  # fmt: skip


@dataclass(frozen=True, order=True)
class SolarisRelease:
    """A Solaris release. Ordered; ``str()`` gives back the canonical spelling."""

    major: int
    minor: int = 0
    year: int = 0
    month: int = 0

    @classmethod
    def parse(cls, text: object) -> SolarisRelease:
        """``"10 9/10"``, ``"11.4"``, ``"11"`` (= 11.0); anything else is an InputError."""
        if not isinstance(text, str):
            raise InputError(SOLARIS_FORM, got=text)
        match = _S10.match(text)
        if match:
            month, year = int(match.group(1)), int(match.group(2))
            if not 1 <= month <= 12:
                raise InputError(SOLARIS_FORM, got=text)
            return cls(10, 0, 2000 + year, month)
        match = _S11.match(text)
        if match:
            return cls(int(match.group(1)), int(match.group(2) or 0))
        raise InputError(SOLARIS_FORM, got=text)

    @property
    def is_solaris10(self) -> bool:
        return self.major == 10

    def __str__(self) -> str:
        if self.major == 10:
            return f"10 {self.month}/{self.year % 100:02d}"
        return f"{self.major}.{self.minor}" if self.minor else f"{self.major}"


SOLARIS_10_9_10 = SolarisRelease(10, 0, 2010, 9)
SOLARIS_10_1_13 = SolarisRelease(10, 0, 2013, 1)
SOLARIS_11 = SolarisRelease(11, 0)


@dataclass(frozen=True, order=True)
class LdmVersion:
    """A Logical Domains Manager version such as ``3.6`` or ``3.6.1.0.8``."""

    parts: tuple[int, ...]

    @classmethod
    def parse(cls, text: object) -> LdmVersion:
        if isinstance(text, float) and not isinstance(text, bool):
            text = repr(text)  # tolerate ldm-version = 3.6 written without quotes
        if not isinstance(text, str):
            raise InputError(LDM_FORM, got=text)
        cleaned = text.strip().lstrip("vV").strip()
        if not re.fullmatch(r"\d{1,9}(\.\d{1,9})+", cleaned):
            raise InputError(LDM_FORM, got=text)
        parts = tuple(int(p) for p in cleaned.split("."))
        if parts[0] == 0:
            raise InputError(LDM_FORM, got=text)
        return cls(parts)

    @property
    def release(self) -> tuple[int, int]:
        """``(major, minor)``: the release this version belongs to."""
        return self.parts[0], self.parts[1]

    def at_least(self, major: int, minor: int) -> bool:
        return self.release >= (major, minor)

    def adjacent(self, other: LdmVersion) -> bool:
        """Equal releases, or one directly follows the other (either direction).

        Releases outside the published sequence are adjacent to the minor directly
        before or after them in the same major line.
        """
        a, b = self.release, other.release
        if a == b:
            return True
        if a in LDM_RELEASES and b in LDM_RELEASES:
            return abs(LDM_RELEASES.index(a) - LDM_RELEASES.index(b)) == 1
        return a[0] == b[0] and abs(a[1] - b[1]) == 1

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)


def parseable_version(manager: tuple[int, ...]) -> str:
    """The ``VERSION`` line of ``-p`` output that ldmspec prints for a Manager version.

    Published listings show ``VERSION 1.0`` (LDoms 1.2), ``1.4`` (1.3), ``1.6`` (several
    3.x releases) and ``1.11`` (one 3.x-era capture whose release is not known; dossier
    §13.4). Which release moved past 1.6 is not known, so ldmspec prints 1.0 before 1.3,
    1.4 from 1.3 and 1.6 from 3.0 on. Readers accept any ``1.x``.
    """
    if manager >= (3, 0):
        return "VERSION 1.6"
    return "VERSION 1.4" if manager >= (1, 3) else "VERSION 1.0"
