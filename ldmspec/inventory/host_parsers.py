"""Plain-text host outputs: ``ldm -V``, ``psrinfo -pv``, ``prtconf -pv``, the largest page
of ``ldm list -o domain primary`` and ``/etc/release`` (dossier §13.3, §13.7, §13.8)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ldmspec.errors import InputError
from ldmspec.inventory.processors import Processor, processor
from ldmspec.inventory.records import Located, as_size, first_line
from ldmspec.inventory.versions import LdmVersion, SolarisRelease

__all__ = [
    "PsrInfo",
    "parse_ldm_version",
    "parse_max_pagesize",
    "parse_prtconf",
    "parse_psrinfo",
    "parse_release",
]


@dataclass(frozen=True)
class PsrInfo:
    """``psrinfo -pv``: the processor type and clock, and how many virtual processors."""

    processor: Processor
    clock_mhz: int
    line: int
    vcpus: int | None


# --------------------------------------------------------------------------- ldm -V
_LDM_V = re.compile(r"^\s*Logical\s+Domains?\s+Manager\s*\(v\.?\s*([0-9][0-9.]*)", re.IGNORECASE)


def parse_ldm_version(text: str, source: str) -> Located:
    """``ldm -V``: the Logical Domains Manager version (a :class:`LdmVersion`)."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LDM_V.match(line)
        if match:
            try:
                version = LdmVersion.parse(match.group(1).rstrip("."))
            except InputError as exc:
                raise InputError(
                    exc.expected, got=line.strip(), source=source, line=number
                ) from None
            return Located(version, source, number)
    raise InputError(
        'a line like "Logical Domains Manager (v 3.6.0.0.24)"',
        got=first_line(text),
        source=source,
        line=1,
    )


# --------------------------------------------------------------------------- psrinfo
_PSR_HEAD = re.compile(
    r"^\s*The physical processor has (?:(\d{1,9}) cores? and )?(\d{1,9}) virtual processors?\b"
)
_PSR_CORE = re.compile(r"^\s*The core has \d{1,9} virtual processors?\b")
# `chipid` on chip-multithreaded parts; `cpuid` where the kernel has no chip id (UltraSPARC
# T1 systems print "UltraSPARC-T1 (cpuid 0 clock 1000 MHz)"; the kernel's own format
# string has a comma after the id).
_PSR_IMPL = re.compile(
    r"^\s*(\S+)\s+\((?:chipid|cpuid)\s+(\d{1,9}),?\s*clock\s+(\d{1,9})\s*MHz\)\s*$"
)
_PSR_FORM = (
    'a line like "SPARC-T4 (chipid 0, clock 2848 MHz)" or "UltraSPARC-T1 (cpuid 0 clock 1000 MHz)"'
)


def parse_psrinfo(text: str, source: str) -> PsrInfo:
    """``psrinfo -pv``: processor type, clock and the number of virtual processors."""
    found: PsrInfo | None = None
    vcpus = heads = 0
    unmatched: tuple[int, str] | None = None  # the first line no pattern took
    for number, line in enumerate(text.splitlines(), start=1):
        head = _PSR_HEAD.match(line)
        if head:
            vcpus += int(head.group(2))
            heads += 1
            continue
        impl = _PSR_IMPL.match(line)
        if not impl:
            if line.strip() and not _PSR_CORE.match(line) and unmatched is None:
                unmatched = (number, line.strip())
            continue
        proc, clock = _implementation(impl, line, source, number, found)
        found = found or PsrInfo(proc, clock, number, None)
    if found is None:
        number, line = unmatched or (1, first_line(text))
        raise InputError(_PSR_FORM, got=line, source=source, line=number)
    return PsrInfo(found.processor, found.clock_mhz, found.line, vcpus if heads else None)


def _implementation(
    impl: re.Match[str], line: str, source: str, number: int, before: PsrInfo | None
) -> tuple[Processor, int]:
    try:
        proc = processor(impl.group(1))
    except InputError as exc:
        raise InputError(exc.expected, got=impl.group(1), source=source, line=number) from None
    clock = int(impl.group(3))
    if before is not None and (before.processor, before.clock_mhz) != (proc, clock):
        raise InputError(
            f"every processor alike, as at line {before.line}"
            f" ({before.processor} at {before.clock_mhz} MHz)",
            got=line.strip(),
            source=source,
            line=number,
        )
    return proc, clock


# --------------------------------------------------------------------------- prtconf
_STICK = re.compile(r"^\s*stick-frequency:\s+(?:0x)?([0-9a-fA-F]+)\s*$")


def parse_prtconf(text: str, source: str) -> Located:
    """``prtconf -pv``: the ``stick-frequency`` (an int, Hz)."""
    found: Located | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _STICK.match(line)
        if not match:
            continue
        value = int(match.group(1), 16)
        if found is not None and found.value != value:
            raise InputError(
                f"one stick-frequency, as at line {found.line} ({found.value:#x})",
                got=line.strip(),
                source=source,
                line=number,
            )
        found = found or Located(value, source, number)
    if found is None or found.value == 0:
        raise InputError(
            'a line like "stick-frequency:  05f5e100"',
            got=first_line(text) if found is None else "stick-frequency: 0",
            source=source,
            line=1 if found is None else found.line,
        )
    return found


# --------------------------------------------------------------------------- page size
_PAGESIZE = re.compile(r"hardware-max-pagesize\s*[=:]?\s*(\d{1,20}\s*[KMGT]?)\b", re.IGNORECASE)


def parse_max_pagesize(text: str, source: str) -> Located | None:
    """``ldm list -o domain primary`` (3.6 and later): ``hardware-max-pagesize``, in bytes.

    The exact layout of that listing was not captured (dossier §4.3), so the property is
    looked for anywhere, as ``hardware-max-pagesize=2G`` or ``hardware-max-pagesize: 2G``;
    None when the listing does not show it (older Managers).
    """
    for number, line in enumerate(text.splitlines(), start=1):
        match = _PAGESIZE.search(line)
        if match:
            return Located(as_size(match.group(1).replace(" ", ""), source, number), source, number)
    return None


# --------------------------------------------------------------------------- /etc/release
_RELEASE = re.compile(r"Solaris\s+(10\s+\d{1,2}/\d{2}|1[1-9](?:\.\d+)?)(?![\d.])")


def parse_release(text: str, source: str) -> Located:
    """``cat /etc/release``: the control domain's Solaris release."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _RELEASE.search(line)
        if match:
            try:
                release = SolarisRelease.parse(" ".join(match.group(1).split()))
            except InputError as exc:
                raise InputError(
                    exc.expected, got=line.strip(), source=source, line=number
                ) from None
            return Located(release, source, number)
    raise InputError(
        'a line like "Oracle Solaris 11.4 SPARC" or "Oracle Solaris 10 9/10 ..."',
        got=first_line(text),
        source=source,
        line=1,
    )
