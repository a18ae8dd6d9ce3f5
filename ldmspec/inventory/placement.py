"""Deterministic placement of what a fleet file gives only as a count or a size.

A fleet may say ``vcpus = 8`` and ``memory = "16G"`` without naming strands or physical
addresses. The Logical Domains Manager would choose them at bind time; ldmspec chooses
them the same way every time so that a fleet file always means one thing:

* strands: the control domain first, then domains in file order; whole-core domains take
  the lowest completely free cores, others the lowest free strands;
* memory: real addresses start at ``RA_BASE``; each block goes to the lowest physical
  address in the free ranges that is congruent to its real address modulo the host's
  largest page (the congruency MEM-2 asks of a migration target too), splitting on
  ``GRANULE`` boundaries only when one range cannot hold the rest.
"""

from __future__ import annotations

from dataclasses import replace

from ldmspec.inventory.facts import Domain, Host, MemoryBlock, MemoryRange, subtract_ranges
from ldmspec.inventory.units import MIB

__all__ = ["GRANULE", "RA_BASE", "congruent_pa", "place_domain_memory", "place_strands"]

RA_BASE = 0x10000000  # 256M, where ldm starts guest real addresses
GRANULE = 256 * MIB


def congruent_pa(start: int, ra: int, modulus: int) -> int:
    """The smallest PA >= ``start`` with ``PA ≡ ra (mod modulus)``."""
    return start + ((ra - start) % modulus)


def place_domain_memory(
    size: int, free: tuple[MemoryRange, ...], largest_page: int, ra_base: int = RA_BASE
) -> tuple[MemoryBlock, ...] | None:
    """Blocks for ``size`` bytes in ``free``, or None when they do not fit."""
    blocks: list[MemoryBlock] = []
    ra, remaining = ra_base, size
    for rng in sorted(free):
        if remaining == 0:
            break
        pa = congruent_pa(rng.pa, ra, largest_page)
        room = rng.end - pa
        if room <= 0:
            continue
        take = min(remaining, room)
        if take < remaining:
            take -= take % GRANULE
            if take == 0:
                continue
        blocks.append(MemoryBlock(ra, pa, take))
        ra, remaining = ra + take, remaining - take
    return tuple(blocks) if remaining == 0 else None


def place_strands(host: Host, domain: Domain, used: set[int]) -> tuple[int, ...] | None:
    """Strand ids for ``domain`` on ``host`` given the ``used`` ones, or None."""
    tpc = host.threads_per_core
    if domain.whole_core:
        needed = -(-domain.vcpus // tpc)
        cores = [
            c
            for c in range(host.cores)
            if not any(s in used for s in range(c * tpc, (c + 1) * tpc))
        ]
        if len(cores) < needed:
            return None
        return tuple(s for c in cores[:needed] for s in range(c * tpc, (c + 1) * tpc))
    free = [s for s in range(host.strands) if s not in used]
    if len(free) < domain.vcpus:
        return None
    return tuple(free[: domain.vcpus])


def place_host(host: Host) -> tuple[Host, list[tuple[str, str]]]:
    """``host`` with strands and memory chosen for every holding domain that lacks them.

    Returns the placed host and the problems met, as ``(domain, what)`` pairs:
    ``"vcpus"`` or ``"memory"`` when the host has not enough left.
    """
    problems: list[tuple[str, str]] = []
    order = sorted(host.domains, key=lambda d: (not d.is_control, bool(not d.strands)))
    used: set[int] = {s for d in host.domains if d.holds_resources for s in d.strands}
    taken = tuple(b.physical for d in host.domains if d.holds_resources for b in d.memory)
    placed: dict[str, Domain] = {}
    for domain in order:
        new = domain
        if domain.holds_resources and not domain.strands and domain.vcpus:
            strands = place_strands(host, domain, used)
            if strands is None:
                problems.append((domain.name, "vcpus"))
            else:
                used.update(strands)
                new = replace(new, strands=strands)
        if domain.holds_resources and not domain.memory and domain.memory_size:
            free = subtract_ranges(host.memory, taken)
            blocks = place_domain_memory(domain.memory_size, free, host.largest_page)
            if blocks is None:
                problems.append((domain.name, "memory"))
            else:
                taken += tuple(b.physical for b in blocks)
                new = replace(new, memory=blocks)
        placed[domain.name] = new
    return replace(host, domains=tuple(placed[d.name] for d in host.domains)), problems
