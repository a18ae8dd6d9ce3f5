"""An independent check of a feasible verdict: every requirement read off the fleet directly.

Plain Python over the inventory's values only: it shares no code with the z3 encoding
(:mod:`ldmspec.models`) or with the implementation's pre-check (:mod:`ldmspec.system`),
so a bug in either shows up as a disagreement here. Given the fleet, the migration and
the witness (where each memory block or piece lands, which strands and cores the
domain takes), :func:`witness_problems` lists what is wrong; an empty list means the
verdict "feasible" stands. ``check``, ``targets`` and ``evacuate`` print a feasible
verdict only after it passes; a failure is an internal error reported as ``unknown``.
"""

from __future__ import annotations

import itertools

from ldmspec.inventory.facts import Domain, DomainState, Host, IoKind, MigrationFlag
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.versions import SolarisRelease

__all__ = ["witness_problems"]

_OLD_FAMILY = ("UltraSPARC-T2", "UltraSPARC-T2+", "SPARC-T3")
_NEW_FAMILY = ("SPARC-T5", "SPARC-M5", "SPARC-M6", "SPARC-M7", "SPARC-T7", "SPARC-S7",
               "SPARC-M8", "SPARC-T8")  # fmt: skip
_BEFORE_T2_PLUS = ("UltraSPARC-T1", "UltraSPARC-T2")
_T4_OR_LATER = ("SPARC-T4", *_NEW_FAMILY)
_SPARC64 = ("SPARC64-X", "SPARC64-X+", "SPARC64-XII")
_RELEASES = ("2.2", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6")


def witness_problems(
    source: Host,
    target: Host,
    domain: Domain,
    new_name: str | None,
    blocks: tuple[tuple[int, int, int], ...],
    strands: tuple[int, ...],
    cores: tuple[int, ...],
) -> list[str]:
    """What is wrong with "``domain`` can go from ``source`` to ``target``, landing so"."""
    live = domain.state is DomainState.ACTIVE
    holds = domain.state in (DomainState.ACTIVE, DomainState.BOUND)
    problems: list[str] = []
    problems += _state(source, target, domain, new_name, live, holds)
    if live:
        problems += _versions_and_cpus(source, target, domain)
    if holds:
        problems += _cpu_witness(target, domain, strands, cores)
        problems += _memory_witness(source, target, domain, blocks)
        problems += _devices(target, domain)
    if live and domain.console is not None:
        if not target.vcc:
            problems.append(f"{target.name} has no vcc for the console")
        elif not target.free_console_ports():
            problems.append(f"{target.name} has no free console port")
    return problems


def _state(source: Host, target: Host, d: Domain, new_name: str | None, live: bool,
           holds: bool) -> list[str]:  # fmt: skip
    out = []
    if d.migration is not MigrationFlag.NONE:
        out.append(f"{d.name} has a migration under way or in error ({d.migration.value})")
    if d.name == "primary":
        out.append("the control domain does not migrate")
    if target.name == source.name:
        out.append("the target is the source")
    if any(x.name == (new_name or d.name) for x in target.domains):
        out.append(f"{target.name} already has a domain {new_name or d.name}")
    for device in d.io:
        if holds or device.kind is not IoKind.ENDPOINT:
            out.append(f"{d.name} has direct I/O {device}")
    return out


def _release(version: tuple[int, ...]) -> str:
    return f"{version[0]}.{version[1]}"


def _versions_and_cpus(source: Host, target: Host, d: Domain) -> list[str]:
    out = []
    s, t = source.ldm_version.parts, target.ldm_version.parts
    if s[:2] < (2, 1) or t[:2] < (2, 1):
        out.append("live migration needs both Managers at 2.1 or later")
    cross = source.cpu.name != target.cpu.name
    if cross and (s[:2] < (2, 2) or t[:2] < (2, 2)):
        out.append("cross-CPU migration needs both Managers at 2.2 or later")
    if s[:2] >= (3, 0) or t[:2] >= (3, 0):
        a, b = _release(s), _release(t)
        if a != b:
            if a in _RELEASES and b in _RELEASES:
                apart = abs(_RELEASES.index(a) - _RELEASES.index(b))
            else:
                apart = abs(s[1] - t[1]) if s[0] == t[0] else 99
            if apart != 1:
                out.append(f"Managers {a} and {b} are not adjacent releases")
    guest = d.os
    if guest < SolarisRelease(10, 0, 2010, 9):
        out.append(f"guest Solaris {guest} is older than 10 9/10")
    if guest.major == 10:
        if cross:
            out.append("a Solaris 10 guest needs the same processor type")
        if source.stick_frequency != target.stick_frequency:
            out.append("a Solaris 10 guest needs the same stick-frequency")
    if cross:
        if d.cpu_arch is CpuArch.NATIVE:
            out.append("cpu-arch native across processor types")
        if source.cpu.name in _BEFORE_T2_PLUS or target.cpu.name in _BEFORE_T2_PLUS:
            out.append("cross-CPU migration needs UltraSPARC T2+ or later")
        if guest.major < 11 or source.os.major < 11 or target.os.major < 11:
            out.append("cross-CPU migration needs Solaris 11 in the guest and control domains")
        names = {source.cpu.name, target.cpu.name}
        if names & set(_OLD_FAMILY) and names & set(_NEW_FAMILY):
            out.append("no live migration between T2/T2+/T3 and T5 or later")
    if d.cpu_arch is CpuArch.MIGRATION_CLASS1 and not (
        source.cpu.name in _T4_OR_LATER and target.cpu.name in _T4_OR_LATER
    ):
        out.append("migration-class1 needs SPARC T4 or later on both hosts")
    if d.cpu_arch is CpuArch.SPARC64_CLASS1 and not (
        source.cpu.name in _SPARC64 and target.cpu.name in _SPARC64
    ):
        out.append("sparc64-class1 needs SPARC64 X or later on both hosts")
    return out


def _cpu_witness(target: Host, d: Domain, strands: tuple[int, ...],
                 cores: tuple[int, ...]) -> list[str]:  # fmt: skip
    out = []
    held = {s for x in target.domains if x.state is not DomainState.INACTIVE for s in x.strands}
    total = target.cores * target.threads_per_core
    if len(set(strands)) < d.vcpus or len(set(strands)) != len(strands):
        out.append(
            f"the witness gives {len(set(strands))} distinct strands, {d.name} needs {d.vcpus}"
        )
    if any(s in held or not 0 <= s < total for s in strands):
        out.append("the witness takes a strand that is held or does not exist")
    whole = d.whole_core or d.os < SolarisRelease(10, 0, 2013, 1)
    if whole:
        tpc = target.threads_per_core
        if len(cores) * tpc < d.vcpus:
            out.append(f"the witness gives {len(cores)} whole cores, {d.name} needs more")
        for core in cores:
            if any(s // tpc == core for s in held):
                out.append(f"core {core} of {target.name} is not completely free")
    return out


def _memory_witness(source: Host, target: Host, d: Domain,
                    pieces: tuple[tuple[int, int, int], ...]) -> list[str]:  # fmt: skip
    out: list[str] = []
    page = target.largest_page
    blocks = sorted((b.ra, b.pa, b.size) for b in d.memory)
    if sum(b[2] for b in blocks) > sum(r.size for r in target.free_memory):
        out.append(f"{target.name}'s free memory is less than {d.name}'s")
    may_split = (
        d.os >= SolarisRelease(11, 3)
        and source.ldm_version.parts[:2] >= (3, 6)
        and target.ldm_version.parts[:2] >= (3, 6)
    )
    covered: dict[int, list[tuple[int, int]]] = {}
    for ra, pa, size in pieces:
        home = next((b for b in blocks if b[0] <= ra and ra + size <= b[0] + b[2]), None)
        if home is None:
            out.append(f"piece RA {ra:#x} size {size:#x} is not inside a block of {d.name}")
            continue
        offset = ra - home[0]
        if (pa - home[1] - offset) % page:
            out.append(f"piece RA {ra:#x} at PA {pa:#x} does not keep its alignment")
        whole = offset == 0 and size == home[2]
        if not whole and (not may_split or offset % page):
            out.append(f"block RA {home[0]:#x} is split where splitting is not allowed")
        if not any(r.pa <= pa and pa + size <= r.pa + r.size for r in target.free_memory):
            out.append(f"piece at PA {pa:#x} size {size:#x} is not inside free memory")
        covered.setdefault(home[0], []).append((offset, size))
    for ra, _, size in blocks:
        parts = sorted(covered.get(ra, []))
        at = 0
        for offset, length in parts:
            if offset != at:
                break
            at += length
        if at != size or sum(length for _, length in parts) != size:
            out.append(f"block RA {ra:#x} is not covered exactly once by the witness")
    placed = sorted((pa, size) for _, pa, size in pieces)
    for (a, s), (b, _) in itertools.pairwise(placed):
        if a + s > b:
            out.append(f"pieces at PA {a:#x} and {b:#x} overlap")
    return out


def _devices(target: Host, d: Domain) -> list[str]:
    out = []
    for disk in d.vdisks:
        vds = next((s for s in target.vds if s.name == disk.service), None)
        if vds is None or not any(v.name == disk.volume for v in vds.volumes):
            out.append(f"{target.name} has no volume {disk.volume}@{disk.service}")
    for net in d.vnets:
        if not any(s.name == net.service for s in target.vsw):
            out.append(f"{target.name} has no virtual switch {net.service}")
    return out
