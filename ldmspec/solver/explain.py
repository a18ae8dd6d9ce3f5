"""The words of a verdict: what was observed for each requirement, and the fix to suggest.

The prover decides; this module only says it in the administrator's terms, with the
values that decided it ("t4-c free memory 16G, ldom02 needs 32G") rather than a bare
"incompatible" (``reference/precheck-anchors.md`` §3), and the fix with the names filled in.
"""

from __future__ import annotations

from collections.abc import Callable

from ldmspec.inventory.facts import MigrationFlag
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.units import format_size
from ldmspec.models.preconditions import (
    DomainSide,
    TargetSide,
    cpu_family,
    cross_cpu,
    splits_memory,
)
from ldmspec.requirements import requirement

__all__ = ["observed", "suggested_fix"]


def _cpus(d: DomainSide, t: TargetSide) -> str:
    return f"{d.source} {d.s_cpu}, {t.name} {t.cpu}"


def _managers(d: DomainSide, t: TargetSide) -> str:
    return f"Managers {d.source} {d.s_ldm}, {t.name} {t.ldm}"


def _st1(d: DomainSide, t: TargetSide) -> str:
    state = "active" if d.live else "bound" if d.bound else "inactive"
    if d.in_migration:
        meaning = {
            MigrationFlag.SOURCE: "the source of a migration under way",
            MigrationFlag.TARGET: "the target copy of a migration under way",
            MigrationFlag.ERROR: "a copy a failed migration left in error",
        }[d.migration]
        return (
            f"{d.domain} on {d.source} is {state} with FLAGS column 6 {d.migration.flag} "
            f"({d.migration.value}): {meaning}"
        )
    return f"{d.domain} is {state}, FLAGS column 6 -: no migration under way"


def _st2(d: DomainSide, t: TargetSide) -> str:
    if d.is_control:
        return f"{d.domain} is the control domain of {d.source}"
    return f"{d.domain} is a guest domain"


def _st3(d: DomainSide, t: TargetSide) -> str:
    if t.same_host:
        return f"target {t.name} is the source"
    if t.name_taken:
        return f"{t.name} already has a domain named {t.target_name}"
    return f"{t.name} is another host and has no domain named {t.target_name}"


def _sw3(d: DomainSide, t: TargetSide) -> str:
    if t.adjacent and d.s_ldm == t.ldm:
        return _managers(d, t) + ": the same release"
    return _managers(d, t) + (": adjacent releases" if t.adjacent else ": not adjacent")


def _cpu1(d: DomainSide, t: TargetSide) -> str:
    return f"{t.name} has {t.free_vcpus} free vCPUs, {d.domain} needs {d.vcpus}"


def _cpu3(d: DomainSide, t: TargetSide) -> str:
    return f"stick-frequency {d.source} {d.s_stick:#x}, {t.name} {t.stick:#x}"


def _cpu4(d: DomainSide, t: TargetSide) -> str:
    return f"{_cpus(d, t)}; cpu-arch {d.arch.value}"


def _cpu6(d: DomainSide, t: TargetSide) -> str:
    return f"guest Solaris {d.guest}; control domains {d.source} {d.s_os}, {t.name} {t.os}" + (
        "" if cross_cpu(d, t) else "; same processor type"
    )


def _cpu7(d: DomainSide, t: TargetSide) -> str:
    return f"cpu-arch {d.arch.value}; {_cpus(d, t)}"


def _cpu8(d: DomainSide, t: TargetSide) -> str:
    needed = -(-d.vcpus // t.threads_per_core)
    if not d.needs_whole_cores:  # n/a: say why, not a condition that does not hold
        return f"not whole-core and guest Solaris {d.guest} is 10 1/13 or later"
    why = "whole-core" if d.whole_core else f"guest Solaris {d.guest} is older than 10 1/13"
    return (
        f"{why}: {t.name} has {t.free_cores} completely free cores of "
        f"{t.threads_per_core} strands, {d.domain} needs {needed}"
    )


def _mem1(d: DomainSide, t: TargetSide) -> str:
    return (
        f"{t.name} free memory {format_size(t.free_memory)}, {d.domain} needs "
        f"{format_size(d.memory)}"
    )


def _mem2(d: DomainSide, t: TargetSide) -> str:
    blocks = "; ".join(
        f"RA {ra:#x} PA {pa:#x} size {format_size(size)}" for ra, pa, size in d.blocks
    )
    free = ", ".join(str(r) for r in t.free_ranges[:6]) or "none"
    more = f" and {len(t.free_ranges) - 6} more" if len(t.free_ranges) > 6 else ""
    split = "splitting allowed" if splits_memory(d, t) else "no splitting"
    return (
        f"blocks {blocks or 'none'}; {t.name} free {free}{more}; "
        f"largest page {format_size(t.largest_page)}; {split}"
    )


def _cpu9(d: DomainSide, t: TargetSide) -> str:
    families = {1: "UltraSPARC T2/T2+/SPARC T3", 2: "SPARC T5, M5, M6 or later"}
    named = [
        f"{host} {cpu} ({families[cpu_family(cpu)]})" if cpu_family(cpu) else f"{host} {cpu}"
        for host, cpu in ((d.source, d.s_cpu), (t.name, t.cpu))
    ]
    return ", ".join(named)


def _io1(d: DomainSide, t: TargetSide) -> str:
    if not d.io:
        return "no direct I/O"
    seen = f"direct I/O {', '.join(map(str, d.io))}"
    if not d.blocking_io:
        return seen + " (endpoints do not block an inactive domain)"
    return seen


def _vio1(d: DomainSide, t: TargetSide) -> str:
    missing = [
        f"{v.volume}@{v.service}" for v, ok in zip(d.vdisks, t.volumes, strict=True) if not ok
    ]
    if missing:
        return f"missing on {t.name}: {', '.join(missing)}"
    if not d.vdisks:
        return "no virtual disks"
    return f"on {t.name}: " + ", ".join(f"{v.volume}@{v.service}" for v in d.vdisks)


def _vio2(d: DomainSide, t: TargetSide) -> str:
    missing = sorted({n.service for n, ok in zip(d.vnets, t.switches, strict=True) if not ok})
    if missing:
        return f"no virtual switch {', '.join(missing)} on {t.name}"
    if not d.vnets:
        return "no virtual network devices"
    return f"on {t.name}: " + ", ".join(sorted({n.service for n in d.vnets}))


def _vio3(d: DomainSide, t: TargetSide) -> str:
    group = d.console.group if d.console else d.domain
    has = f"vcc {t.vcc}" if t.vcc else "no vcc"
    return f"console group {group}; {t.name} has {has}"


def _vio4(d: DomainSide, t: TargetSide) -> str:
    if t.vcc is None:
        return f"{t.name} has no vcc (VIO-3)"
    return f"{t.name} vcc {t.vcc}: {t.free_ports} free ports"


_OBSERVED: dict[str, Callable[[DomainSide, TargetSide], str]] = {
    "ST-1": _st1,
    "ST-2": _st2,
    "ST-3": _st3,
    "SW-1": _managers,
    "SW-2": lambda d, t: f"{_cpus(d, t)}; {_managers(d, t)}",
    "SW-3": _sw3,
    "SW-4": lambda d, t: f"guest Solaris {d.guest}",
    "CPU-1": _cpu1,
    "CPU-2": _cpus,
    "CPU-3": _cpu3,
    "CPU-4": _cpu4,
    "CPU-5": _cpus,
    "CPU-6": _cpu6,
    "CPU-7": _cpu7,
    "CPU-8": _cpu8,
    "CPU-9": _cpu9,
    "MEM-1": _mem1,
    "MEM-2": _mem2,
    "IO-1": _io1,
    "VIO-1": _vio1,
    "VIO-2": _vio2,
    "VIO-3": _vio3,
    "VIO-4": _vio4,
}


def observed(rid: str, d: DomainSide, t: TargetSide) -> str:
    """The values that decide requirement ``rid`` for this migration."""
    show = _OBSERVED.get(rid)
    return show(d, t) if show else "not in the z3 model yet"


def suggested_fix(rid: str, d: DomainSide, t: TargetSide) -> str:
    """The catalog's fix for ``rid`` with this migration's names filled in."""
    text = requirement(rid).fix
    if rid in ("CPU-4", "CPU-7"):
        generic = CpuArch.GENERIC.value
        return f"ldm set-domain cpu-arch={generic} {d.domain} on {d.source} (while it is stopped)"
    if rid == "ST-1":
        return {
            MigrationFlag.SOURCE: f"wait for the migration to end, or ldm cancel-operation "
            f"migration {d.domain} on {d.source}",
            MigrationFlag.TARGET: f"wait for the migration to end, or cancel it on its source "
            f"(ldm cancel-operation migration {d.domain} there)",
        }.get(
            d.migration,
            f"ldm cancel-operation migration {d.domain} on {d.source}, or remove the error copy "
            f"(ldm remove-domain {d.domain} on {d.source})",
        )
    if rid == "VIO-1":
        missing = [
            (v, dev) for v, dev, ok in zip(d.vdisks, d.s_volumes, t.volumes, strict=True) if not ok
        ]
        if missing:
            return "; ".join(
                f"ldm add-vdsdev {dev or 'DEVICE'} {v.volume}@{v.service} on {t.name}"
                for v, dev in missing
            )
    if rid == "VIO-2":
        switches = {
            n.service: dev for n, dev, ok in zip(d.vnets, d.s_net_devs, t.switches, strict=True)
            if not ok
        }  # fmt: skip
        if switches:
            return "; ".join(
                f"ldm add-vsw net-dev={dev or 'NET'} {name} primary on {t.name}"
                for name, dev in switches.items()
            )
    if rid == "VIO-3":
        return f"ldm add-vcc port-range=5000-5100 primary-vcc0 primary on {t.name}"
    if rid == "VIO-4" and t.vcc is not None:
        return (
            f"free a console port of {t.vcc} on {t.name}, or widen it (ldm set-vcc port-range=...)"
        )
    if rid == "ST-3" and t.name_taken and not t.same_host:
        return f"rename on migration ({t.name}:NEW-NAME), or choose another target"
    return text.replace(" D ", f" {d.domain} ").replace(" D (", f" {d.domain} (")
