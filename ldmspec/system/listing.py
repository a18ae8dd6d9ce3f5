"""``ldm list`` output: human (``ldm list``, ``-l``), parseable (``-p``) and ``-o status``.

Formats follow the dossier §10.4-§10.5 and §13.1/§13.4: the 3.x header ``NAME STATE
FLAGS CONS VCPU MEMORY UTIL NORM UPTIME`` ([R] for the exact header), six FLAGS
columns, ``VERSION 1.x`` then ``DOMAIN|name=...`` lines. The ``-o status`` layout is
the recollected shape of dossier §10.4 ([R]); it lives in :func:`render_status` only.
Utilisation is not simulated: it prints ``0.0%``. Uptime counts one tick as a second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ldmspec.inventory.facts import Host
from ldmspec.inventory.units import format_size
from ldmspec.system.domain import ACTIVE, SUSPENDED, DomainRecord


class Manager(Protocol):
    """What the long listing reads of a Manager (the Manager imports this module)."""

    facts: Host
    vds: dict[str, dict[str, str]]
    vsw: dict[str, str]
    vcc: dict[str, tuple[int, int]]


__all__ = ["PARSEABLE_VERSION", "render_list", "render_long", "render_parseable", "render_status"]

PARSEABLE_VERSION = "VERSION 1.11"  # what 3.x prints; 1.0 before 3.0 (dossier §13.4)
HEADER = ("NAME", "STATE", "FLAGS", "CONS", "VCPU", "MEMORY", "UTIL", "NORM", "UPTIME")
# Spelled-out FLAGS for `-l -p`; only normal, control and vio-service are confirmed [V].
_SPELLED = {
    1: {"n": "normal"},
    3: {"c": "control"},
    4: {"v": "vio-service"},
    5: {"s": "source", "t": "target", "e": "error"},
}

StatusOf = Callable[[str], "tuple[str, int, str, str] | None"]


def _shows_usage(record: DomainRecord) -> bool:
    return record.state in (ACTIVE, SUSPENDED)


def _cons(record: DomainRecord) -> str:
    if record.is_control:
        return "UART"
    return str(record.port) if record.port is not None else ""


def _uptime(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m")) if v]
    return " ".join(parts) if parts else f"{secs}s"


def _row(record: DomainRecord, now: int) -> tuple[str, ...]:
    used = _shows_usage(record)
    return (
        record.name,
        record.state,
        record.flags,
        _cons(record),
        str(record.vcpus),
        format_size(record.memory_size),
        "0.0%" if used else "",
        "0.0%" if used else "",
        _uptime(now - record.started_at) if used else "",
    )


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    widths[0] = max(widths[0], 15)
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def render_list(records: Sequence[DomainRecord], now: int) -> str:
    """``ldm list``: one line per domain under the 3.x header."""
    return "\n".join(_table([HEADER, *(_row(r, now) for r in records)]))


def _spelled_flags(flags: str) -> str:
    words = [_SPELLED.get(i, {}).get(c, "") for i, c in enumerate(flags)]
    return ",".join(w for w in words if w)


def parseable_version(manager_version: tuple[int, int]) -> str:
    """The ``VERSION`` line of parseable output, as :mod:`ldmspec.inventory.render` writes it."""
    return PARSEABLE_VERSION if manager_version >= (3, 0) else "VERSION 1.0"


def render_parseable(
    records: Sequence[DomainRecord],
    now: int,
    *,
    long: bool = False,
    version: str = PARSEABLE_VERSION,
) -> str:
    """``ldm list -p`` (and ``-l -p``): ``VERSION`` then ``DOMAIN|key=value|...`` lines.

    Bound and inactive domains print empty ``util``, ``uptime`` and ``norm_util``, as the
    capture renderer and parsers of :mod:`ldmspec.inventory` do.
    """
    lines = [version]
    for r in records:
        flags = _spelled_flags(r.flags) if long else r.flags
        fields = [
            f"name={r.name}",
            f"state={r.state}",
            f"flags={flags}",
            f"cons={_cons(r)}",
            f"ncpu={r.vcpus}",
            f"mem={r.memory_size}",
        ]
        if _shows_usage(r):
            fields += ["util=0.0", f"uptime={now - r.started_at}", "norm_util=0.0"]
        else:
            fields += ["util=", "uptime=", "norm_util="]
        lines.append("DOMAIN|" + "|".join(fields))
        if long:
            lines.append("VCPU")
            lines += [f"|vid={i}|pid={p}|util=0.0|strand=100" for i, p in enumerate(r.strands)]
            lines.append("MEMORY")
            lines += [f"|ra={b.ra:#x}|pa={b.pa:#x}|size={b.size}" for b in r.blocks]
            lines += [f"VDISK|name={d.name}|vol={d.volume}@{d.service}" for d in r.vdisks]
            lines += [f"VNET|name={n.name}|service={n.service}" for n in r.vnets]
    return "\n".join(lines)


def render_long(records: Sequence[DomainRecord], now: int, manager: Manager) -> str:
    """``ldm list -l``: the domain line, then its CPU, memory, disk, network, console."""
    out: list[str] = []
    for r in records:
        if out:
            out += ["", "-" * 78]
        out += _table([HEADER, _row(r, now)])
        if r.strands:
            out += ["", "VCPU", "    VID    PID    CID    UTIL NORM STRAND"]
            tpc = manager.facts.threads_per_core
            out += [
                f"    {i:<6} {p:<6} {p // tpc:<6} 0.0% 0.0%   100%" for i, p in enumerate(r.strands)
            ]
        if r.blocks:
            out += ["", "MEMORY", f"    {'RA':<16} {'PA':<16} SIZE"]
            out += [f"    {b.ra:<#16x} {b.pa:<#16x} {format_size(b.size)}" for b in r.blocks]
        if r.vnets:
            out += ["", "NETWORK", f"    {'NAME':<12} SERVICE"]
            out += [f"    {n.name:<12} {n.service}" for n in r.vnets]
        if r.vdisks:
            out += ["", "DISK", f"    {'NAME':<12} VOLUME"]
            out += [f"    {d.name:<12} {d.volume}@{d.service}" for d in r.vdisks]
        if r.console is not None and r.port is not None:
            out += ["", "VCONS", f"    {'NAME':<12} {'SERVICE':<16} PORT"]
            out += [f"    {r.console.group:<12} {r.console.vcc:<16} {r.port}"]
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


def render_status(
    records: Sequence[DomainRecord],
    status_of: StatusOf,
    *,
    parseable: bool,
    version: str = PARSEABLE_VERSION,
) -> str:
    """``ldm list -o status``: NAME, then STATUS only while a migration runs ([R] shape)."""
    out: list[str] = []
    if parseable:
        out.append(version)
    for r in records:
        status = status_of(r.name)
        if parseable:
            out.append(f"DOMAIN|name={r.name}|")
            if status is not None:
                op, progress, role, peer = status
                out.append(f"STATUS|op={op}|progress={progress}|{role.lower()}={peer}")
            continue
        if out:
            out += ["", "-" * 78]
        out += ["NAME", r.name]
        if status is not None:
            op, progress, role, peer = status
            out += [
                "",
                "STATUS",
                f"    {'OPERATION':<12} {'PROGRESS':<11} {role}",
                f"    {op:<12} {f'{progress}%':<11} {peer}",
            ]
    return "\n".join(out)
