"""The target's phase-1 pre-check: its own implementation of every catalog requirement.

This is what the target's Logical Domains Manager runs on the description of a domain
it is asked to receive. It is a pure function over inventory values and deliberately
does not use z3 or :mod:`ldmspec.models`: the agreement property (INV-PRECHECK-AGREES)
compares its verdict with the z3 model's, so the two must be independent.

Applicability follows :mod:`ldmspec.requirements`: "live" is an active domain, "cold" a
bound or inactive one. Readings where DESIGN.md is terse:

* SW-3 applies when at least one Manager runs 3.0 or later: then the two versions must
  be equal or adjacent releases (``LdmVersion.adjacent``).
* VIO-4 is reported only when T has a vcc at all (no vcc is VIO-3's problem).
* CPU-8 counts the cores T must give completely free: ``ceil(vcpus / threads-per-core)``.
* MEM-2 is a real placement search: every block keeps its real address and size and
  needs a free range of T at a PA congruent to its RA modulo T's largest page, with no
  two blocks overlapping (no splitting).
"""

from __future__ import annotations

from dataclasses import dataclass

from ldmspec.inventory.facts import Domain, DomainState, Host, MemoryBlock, MemoryRange
from ldmspec.inventory.placement import congruent_pa
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.units import format_size
from ldmspec.inventory.versions import SolarisRelease

__all__ = ["Problem", "cores_needed", "find_congruent_placement", "precheck"]

SOLARIS_10_9_10 = SolarisRelease(10, 0, 2010, 9)
SOLARIS_10_1_13 = SolarisRelease(10, 0, 2013, 1)

# A bound on the placement search so a pathological layout cannot hang a check.
_SEARCH_LIMIT = 20_000


@dataclass(frozen=True)
class Problem:
    """One violated requirement: its catalog ``id`` and the message ldm prints for it."""

    id: str
    message: str

    def __str__(self) -> str:
        return f"{self.id}: {self.message}"


def cores_needed(domain: Domain, target: Host) -> int:
    """Completely free cores ``target`` must give ``domain`` (whole-core or old Solaris 10)."""
    return -(-domain.vcpus // target.threads_per_core)


def needs_whole_cores(domain: Domain) -> bool:
    return domain.whole_core or domain.os < SOLARIS_10_1_13


def precheck(
    source: Host, target: Host, domain: str, new_name: str | None = None
) -> tuple[Problem, ...]:
    """Every requirement ``domain`` of ``source`` violates for ``target``, in catalog order.

    An empty result means the target would accept the domain. ``new_name`` is the name
    the domain takes on the target (``user@target:new-name``).
    """
    d = source.domain(domain)
    if d is None:
        return (Problem("ST-1", f"Domain {domain} not found on {source.name}"),)
    live = d.state is DomainState.ACTIVE
    bound = d.state is DomainState.BOUND
    holding = live or bound
    problems: list[Problem] = []

    def add(rid: str, message: str) -> None:
        problems.append(Problem(rid, message))

    name = new_name or d.name
    cross = source.cpu != target.cpu
    # --- all migrations --------------------------------------------------------------
    if d.is_control:
        add("ST-2", f"Domain {d.name} is the control domain and cannot be migrated")
    elif d.io:
        add("ST-2", f"Domain {d.name} is an I/O domain and cannot be migrated")
    if target.name == source.name:
        add("ST-3", f"Target {target.name} is the source machine")
    elif target.domain(name) is not None:
        add("ST-3", f"A domain named {name} already exists on target {target.name}")
    # --- software --------------------------------------------------------------------
    sv, tv = source.ldm_version, target.ldm_version
    if live:
        if not (sv.at_least(2, 1) and tv.at_least(2, 1)):
            add(
                "SW-1",
                "Live migration needs Logical Domains Manager 2.1 or later "
                f"({_pair(source, target)})",
            )
        if cross and not (sv.at_least(2, 2) and tv.at_least(2, 2)):
            add(
                "SW-2",
                "Cross-CPU migration needs Logical Domains Manager 2.2 or later "
                f"({_pair(source, target)})",
            )
        if (sv.at_least(3, 0) or tv.at_least(3, 0)) and not sv.adjacent(tv):
            add(
                "SW-3",
                f"Logical Domains Manager versions are not compatible ({_pair(source, target)})",
            )
        if d.os < SOLARIS_10_9_10:
            add(
                "SW-4",
                f"Domain {d.name} runs Solaris {d.os}; live migration needs Solaris 10 9/10 or "
                "later",
            )
    # --- CPU -------------------------------------------------------------------------
    if holding and target.free_vcpus < d.vcpus:
        add(
            "CPU-1",
            f"Target {target.name} has {target.free_vcpus} free vCPUs, domain {d.name} needs "
            f"{d.vcpus}",
        )
    if live and d.os.is_solaris10:
        if cross:
            add(
                "CPU-2",
                f"Domain {d.name} runs Solaris 10: processor types differ ({source.cpu} on "
                f"{source.name}, {target.cpu} on {target.name})",
            )
        if source.stick_frequency != target.stick_frequency:
            add(
                "CPU-3",
                f"Domain {d.name} runs Solaris 10: stick-frequency differs "
                f"({source.stick_frequency:#x} on {source.name}, "
                f"{target.stick_frequency:#x} on {target.name})",
            )
    if live and cross:
        if d.cpu_arch is CpuArch.NATIVE:
            add(
                "CPU-4",
                f"Domain {d.name} has cpu-arch native and the processor types differ "
                f"({source.cpu}, {target.cpu})",
            )
        if not (source.cpu.t2_plus_or_later and target.cpu.t2_plus_or_later):
            add(
                "CPU-5",
                f"Cross-CPU migration needs UltraSPARC T2+ or later ({source.cpu}, {target.cpu})",
            )
        eleven = (d.os.major >= 11, source.os.major >= 11, target.os.major >= 11)
        if not all(eleven):
            add(
                "CPU-6",
                "Cross-CPU migration needs Solaris 11 in the guest and both control domains "
                f"(guest {d.os}, {source.name} {source.os}, {target.name} {target.os})",
            )
    if (
        live
        and d.cpu_arch is CpuArch.MIGRATION_CLASS1
        and not (source.cpu.class1_capable and target.cpu.class1_capable)
    ):
        add(
            "CPU-7",
            f"cpu-arch migration-class1 needs SPARC T4 or later on both machines ({source.cpu}, "
            f"{target.cpu})",
        )
    if (
        live
        and d.cpu_arch is CpuArch.SPARC64_CLASS1
        and not (source.cpu.sparc64_class1_capable and target.cpu.sparc64_class1_capable)
    ):
        add(
            "CPU-7",
            f"cpu-arch sparc64-class1 needs SPARC64 X or later on both machines ({source.cpu}, "
            f"{target.cpu})",
        )
    if holding and needs_whole_cores(d) and len(target.free_cores) < cores_needed(d, target):
        add(
            "CPU-8",
            f"Target {target.name} has {len(target.free_cores)} completely free cores, domain "
            f"{d.name} needs {cores_needed(d, target)}",
        )
    # --- memory ----------------------------------------------------------------------
    if holding:
        size = sum(b.size for b in d.memory) or d.memory_size
        if target.free_memory_size < size:
            add(
                "MEM-1",
                f"Target {target.name} has {format_size(target.free_memory_size)} free memory, "
                f"domain {d.name} needs {format_size(size)}",
            )
        blocked = _first_unplaceable(d.memory, target.free_memory, target.largest_page)
        if blocked is not None:
            add(
                "MEM-2",
                "Free memory layout and congruency requirements prevent binding the memory "
                f"block with PA {blocked.pa:#x}, RA {blocked.ra:#x}, "
                f"and size {format_size(blocked.size)}",
            )
    # --- I/O -------------------------------------------------------------------------
    if d.io:
        add("IO-1", f"Domain {d.name} has direct I/O devices: {', '.join(d.io)}")
    if holding:
        for disk in d.vdisks:
            vds = target.vds_named(disk.service)
            if vds is None or vds.volume(disk.volume) is None:
                add(
                    "VIO-1",
                    f"Volume {disk.volume} of service {disk.service} is not available on target "
                    f"{target.name}",
                )
        for net in d.vnets:
            if target.vsw_named(net.service) is None:
                add(
                    "VIO-2",
                    f"Virtual switch {net.service} of {net.name} is not available on target "
                    f"{target.name}",
                )
    if live and d.console is not None:
        if not target.vcc:
            add(
                "VIO-3",
                f"Domain {d.name} is in console group {d.console.group}: target {target.name} has "
                "no virtual console concentrator",
            )
        elif not target.free_console_ports():
            add("VIO-4", f"No free console port on target {target.name}")
    return tuple(problems)


def _pair(source: Host, target: Host) -> str:
    return f"{source.name} {source.ldm_version}, {target.name} {target.ldm_version}"


def _first_unplaceable(
    blocks: tuple[MemoryBlock, ...], free: tuple[MemoryRange, ...], largest_page: int
) -> MemoryBlock | None:
    """None when every block can be placed; else the block the search could not place."""
    if find_congruent_placement(blocks, free, largest_page) is not None:
        return None
    # Name the largest block: that is the one a fragmented layout blocks in practice.
    return max(blocks, key=lambda b: (b.size, -b.ra)) if blocks else None


def find_congruent_placement(
    blocks: tuple[MemoryBlock, ...], free: tuple[MemoryRange, ...], largest_page: int
) -> tuple[MemoryBlock, ...] | None:
    """New blocks (same RA and size, PA ≡ RA mod ``largest_page``) in ``free``, or None.

    A depth-first search that places, at each step, any remaining block at the lowest
    congruent address of any free fragment left so far. That is complete: in any
    placement, shifting every block left by whole pages, from the lowest address up,
    until it meets its range's start or the block before it gives a placement of
    exactly that shape. States already explored are not explored again. The result is
    in the order of ``blocks``.
    """
    placed: dict[int, MemoryBlock] = {}
    seen: set[tuple[frozenset[int], tuple[MemoryRange, ...]]] = set()
    budget = [_SEARCH_LIMIT]
    # Largest blocks first: they have the fewest places, so failures show early.
    order = sorted(range(len(blocks)), key=lambda i: (-blocks[i].size, blocks[i].ra))

    def search(remaining: frozenset[int], fragments: tuple[MemoryRange, ...]) -> bool:
        if not remaining:
            return True
        if (remaining, fragments) in seen or budget[0] <= 0:
            return False
        seen.add((remaining, fragments))
        budget[0] -= 1
        if sum(blocks[i].size for i in remaining) > sum(f.size for f in fragments):
            return False
        for i in order:
            if i not in remaining:
                continue
            block = blocks[i]
            for frag in fragments:
                pa = congruent_pa(frag.pa, block.ra, largest_page)
                if pa + block.size > frag.end:
                    continue
                placed[i] = MemoryBlock(block.ra, pa, block.size)
                if search(remaining - {i}, _cut(fragments, MemoryRange(pa, block.size))):
                    return True
                del placed[i]
        return False

    if not search(frozenset(range(len(blocks))), tuple(sorted(free))):
        return None
    return tuple(placed[i] for i in range(len(blocks)))


def _cut(fragments: tuple[MemoryRange, ...], taken: MemoryRange) -> tuple[MemoryRange, ...]:
    out: list[MemoryRange] = []
    for frag in fragments:
        if not frag.overlaps(taken):
            out.append(frag)
            continue
        if taken.pa > frag.pa:
            out.append(MemoryRange(frag.pa, taken.pa - frag.pa))
        if taken.end < frag.end:
            out.append(MemoryRange(taken.end, frag.end - taken.end))
    return tuple(out)
