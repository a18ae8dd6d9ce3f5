"""``ldm list`` output: human (``ldm list``, ``-l``), parseable (``-p``) and ``-o FORMAT``.

Formats follow the dossier §4.1-§4.2, §10.4-§10.5 and §13.1/§13.4 and the seed's own
listing: six FLAGS columns (five before 2.0), the header ``NAME STATE FLAGS CONS VCPU
MEMORY UTIL UPTIME`` with ``NORM`` before ``UPTIME`` only on 3.x Managers, an empty CONS for
a suspended source, ``VERSION 1.x`` then ``DOMAIN|name=...`` lines. ``-o memory`` prints the
published ``NAME`` / ``MEMORY`` (``RA PA SIZE``) layout; ``-o console``, ``disk`` and
``network`` print the sections of the long listing. Where ldmspec had to invent a layout it
says so: the ``-o status`` table is the recollected shape of dossier §10.4 ([R]); the
parseable ``-o status`` form (``STATUS|op=...``) and the spelled-out column-6 words
(``source``, ``target``, ``error`` in ``-l -p``) are ldmspec's own. Utilisation is not
simulated: it prints ``0.0%``. Uptime counts one tick as a second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ldmspec.inventory.facts import Host
from ldmspec.inventory.units import format_size
from ldmspec.inventory.versions import parseable_version
from ldmspec.system.domain import ACTIVE, SUSPENDED, DomainRecord


class Manager(Protocol):
    """What the long listing reads of a Manager (the Manager imports this module)."""

    facts: Host
    vds: dict[str, dict[str, str]]
    vsw: dict[str, str]
    vcc: dict[str, tuple[int, int]]


__all__ = [
    "FORMATS",
    "parseable_version",
    "render_formats",
    "render_list",
    "render_long",
    "render_parseable",
]

Version = tuple[int, ...]
HEADER = ("NAME", "STATE", "FLAGS", "CONS", "VCPU", "MEMORY", "UTIL", "NORM", "UPTIME")
NORM = HEADER.index("NORM")
# Spelled-out FLAGS for `-l -p`; only normal, control and vio-service are confirmed [V].
# Column 6's words are ldmspec's own (no listing with them was published).
_SPELLED = {
    1: {"n": "normal"},
    3: {"c": "control"},
    4: {"v": "vio-service"},
    5: {"s": "source", "t": "target", "e": "error"},
}

StatusOf = Callable[[str], "tuple[str, int, str, str] | None"]


def _shows_usage(record: DomainRecord) -> bool:
    return record.state in (ACTIVE, SUSPENDED)


def _shows_norm(version: Version) -> bool:
    """NORM (normalised utilisation) appears with 3.x; the seed's 2.1 listing has none."""
    return version >= (3, 0)


def _cons(record: DomainRecord, version: Version) -> str:
    if record.is_control:
        return "UART" if version >= (3, 0) else "SP"
    if record.state == SUSPENDED:  # the seed's suspended source shows an empty CONS
        return ""
    return str(record.port) if record.port is not None else ""


def _uptime(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m")) if v]
    return " ".join(parts) if parts else f"{secs}s"


def _header(version: Version) -> tuple[str, ...]:
    return HEADER if _shows_norm(version) else HEADER[:NORM] + HEADER[NORM + 1 :]


def _row(record: DomainRecord, now: int, version: Version) -> tuple[str, ...]:
    used = _shows_usage(record)
    row = (
        record.name,
        record.state,
        record.flags if version >= (2, 0) else record.flags[:5],
        _cons(record, version),
        str(record.vcpus),
        format_size(record.memory_size),
        "0.0%" if used else "",
        "0.0%" if used else "",
        _uptime(now - record.started_at) if used else "",
    )
    return row if _shows_norm(version) else row[:NORM] + row[NORM + 1 :]


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    widths[0] = max(widths[0], 15)
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def render_list(records: Sequence[DomainRecord], now: int, version: Version) -> str:
    """``ldm list``: one line per domain under the header of Manager ``version``."""
    return "\n".join(_table([_header(version), *(_row(r, now, version) for r in records)]))


def _spelled_flags(flags: str) -> str:
    words = [_SPELLED.get(i, {}).get(c, "") for i, c in enumerate(flags)]
    return ",".join(w for w in words if w)


def render_parseable(
    records: Sequence[DomainRecord], now: int, version: Version, *, long: bool = False
) -> str:
    """``ldm list -p`` (and ``-l -p``): ``VERSION`` then ``DOMAIN|key=value|...`` lines.

    Bound and inactive domains print empty ``util``, ``uptime`` and ``norm_util``, and an
    inactive one empty ``ncpu`` and ``mem``, as the capture renderer and parsers of
    :mod:`ldmspec.inventory` do.
    """
    lines = [parseable_version(version)]
    for r in records:
        flags = r.flags if version >= (2, 0) else r.flags[:5]
        flags = _spelled_flags(flags) if long else flags
        sizes = ["ncpu=", "mem="] if r.state == "inactive" else [
            f"ncpu={r.vcpus}", f"mem={r.memory_size}"
        ]  # fmt: skip
        fields = [
            f"name={r.name}", f"state={r.state}", f"flags={flags}", f"cons={_cons(r, version)}",
            *sizes,
        ]  # fmt: skip
        if _shows_usage(r):
            fields += ["util=0.0", f"uptime={now - r.started_at}"]
        else:
            fields += ["util=", "uptime="]
        if _shows_norm(version):
            fields.append("norm_util=0.0" if _shows_usage(r) else "norm_util=")
        lines.append("DOMAIN|" + "|".join(fields))
        if long:
            lines.append("VCPU")
            lines += [f"|vid={i}|pid={p}|util=0.0|strand=100" for i, p in enumerate(r.strands)]
            lines += _parseable_sections(r, ("memory", "disk", "network"))
    return "\n".join(lines)


def _parseable_sections(r: DomainRecord, formats: Sequence[str]) -> list[str]:
    """The ``-l -p`` records of the sections ``formats`` asks for."""
    lines: list[str] = []
    for fmt in formats:
        if fmt == "memory":
            lines.append("MEMORY")
            lines += [f"|ra={b.ra:#x}|pa={b.pa:#x}|size={b.size}" for b in r.blocks]
        elif fmt == "disk":
            lines += [f"VDISK|name={d.name}|vol={d.volume}@{d.service}" for d in r.vdisks]
        elif fmt == "network":
            lines += [f"VNET|name={n.name}|service={n.service}" for n in r.vnets]
        elif fmt == "console" and r.console is not None and r.port is not None:
            lines.append(f"VCONS|group={r.console.group}|service={r.console.vcc}|port={r.port}")
    return lines


# --- the sections of `ldm list -l` and `ldm list -o FORMAT` ------------------------------
def _memory_section(r: DomainRecord) -> list[str]:
    """``MEMORY`` with ``RA PA SIZE`` columns (dossier §4.1, §4.2)."""
    if not r.blocks:
        return []
    lines = ["", "MEMORY", f"    {'RA':<16} {'PA':<16} SIZE"]
    return lines + [f"    {b.ra:<#16x} {b.pa:<#16x} {format_size(b.size)}" for b in r.blocks]


def _network_section(r: DomainRecord) -> list[str]:
    if not r.vnets:
        return []
    return ["", "NETWORK", f"    {'NAME':<12} SERVICE", *(
        f"    {n.name:<12} {n.service}" for n in r.vnets
    )]  # fmt: skip


def _disk_section(r: DomainRecord) -> list[str]:
    if not r.vdisks:
        return []
    return ["", "DISK", f"    {'NAME':<12} VOLUME", *(
        f"    {d.name:<12} {d.volume}@{d.service}" for d in r.vdisks
    )]  # fmt: skip


def _console_section(r: DomainRecord) -> list[str]:
    if r.console is None or r.port is None:
        return []
    return [
        "", "VCONS", f"    {'NAME':<12} {'SERVICE':<16} PORT",
        f"    {r.console.group:<12} {r.console.vcc:<16} {r.port}",
    ]  # fmt: skip


def render_long(records: Sequence[DomainRecord], now: int, manager: Manager) -> str:
    """``ldm list -l``: the domain line, then its CPU, memory, disk, network, console."""
    version = manager.facts.ldm_version.release
    out: list[str] = []
    for r in records:
        if out:
            out += ["", "-" * 78]
        out += _table([_header(version), _row(r, now, version)])
        if r.strands:
            out += ["", "VCPU", "    VID    PID    CID    UTIL NORM STRAND"]
            tpc = manager.facts.threads_per_core
            out += [
                f"    {i:<6} {p:<6} {p // tpc:<6} 0.0% 0.0%   100%" for i, p in enumerate(r.strands)
            ]
        out += _memory_section(r) + _network_section(r) + _disk_section(r) + _console_section(r)
        if r.is_control:
            out += _services(manager)
    return "\n".join(out)


def _services(manager: Manager) -> list[str]:
    out: list[str] = []
    if manager.vcc:
        out += ["", "VCC", f"    {'NAME':<16} PORT-RANGE"]
        out += [f"    {n:<16} {lo}-{hi}" for n, (lo, hi) in manager.vcc.items()]
    if manager.vsw:
        out += ["", "VSW", f"    {'NAME':<16} NET-DEV"]
        out += [f"    {n:<16} {dev}" for n, dev in manager.vsw.items()]
    if manager.vds:
        out += ["", "VDS", f"    {'NAME':<16} {'VOLUME':<12} DEVICE"]
        for name, volumes in manager.vds.items():
            out += [f"    {name:<16} {v:<12} {d}" for v, d in volumes.items()]
    return out


def _status_section(status: tuple[str, int, str, str] | None) -> list[str]:
    """``STATUS`` only while a migration runs (the [R] shape of dossier §10.4)."""
    if status is None:
        return []
    op, progress, role, peer = status
    return [
        "", "STATUS", f"    {'OPERATION':<12} {'PROGRESS':<11} {role}",
        f"    {op:<12} {f'{progress}%':<11} {peer}",
    ]  # fmt: skip


_SECTIONS: dict[str, Callable[[DomainRecord], list[str]]] = {
    "memory": _memory_section,
    "console": _console_section,
    "disk": _disk_section,
    "network": _network_section,
}
# The `-o` formats ldmspec prints; ldm_command refuses the others (core, domain, ...)
# with the usage line.
FORMATS = ("status", *_SECTIONS)


def render_formats(
    records: Sequence[DomainRecord],
    formats: Sequence[str],
    status_of: StatusOf,
    version: Version,
    *,
    parseable: bool,
) -> str:
    """``ldm list -o FORMAT[,FORMAT...]``: per domain ``NAME`` and the chosen sections.

    The parseable form (``-p``) prints ``DOMAIN|name=...`` and the records of ``-l -p``;
    for ``status`` it prints ``STATUS|op=...|progress=...|target=...``, ldmspec's own.
    """
    out: list[str] = [parseable_version(version)] if parseable else []
    for r in records:
        status = status_of(r.name) if "status" in formats else None
        if parseable:
            out.append(f"DOMAIN|name={r.name}|")
            if status is not None:
                op, progress, role, peer = status
                out.append(f"STATUS|op={op}|progress={progress}|{role.lower()}={peer}")
            out += _parseable_sections(r, formats)
            continue
        if out:
            out += ["", "-" * 78]
        out += ["NAME", r.name]
        for fmt in formats:
            out += _status_section(status) if fmt == "status" else _SECTIONS[fmt](r)
    return "\n".join(out)
