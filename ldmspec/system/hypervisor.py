"""The hypervisor of one host: strands, physical memory and its contents, the guests.

The hypervisor owns the physical resources and keeps its own free lists (free strands,
free physical ranges) so that conservation (INV-CONSERVATION) compares two independent
books: what the hypervisor says is free and what the Logical Domains Manager says its
domains hold.

Physical memory has contents. A running guest keeps its memory as *page groups* (see
:class:`GuestMemory`): a 16 GB domain is 2,097,152 pages of 8 KB but only 32,768 groups
of 64 pages, so copying, dirty tracking and digests stay cheap while every write is
still visible at group granularity. Each guest knows the physical blocks its memory
lives in; when the guest goes away (destroyed, stopped) its contents go back to
:class:`~ldmspec.system.physical.PhysicalContents` at those addresses, a new guest
starts with what its addresses hold, and only a scrub zeroes them.
:meth:`Hypervisor.read_physical` reads any physical range, held or free.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from ldmspec.inventory.facts import MemoryBlock, MemoryRange, subtract_ranges
from ldmspec.inventory.placement import place_domain_memory
from ldmspec.inventory.units import KIB
from ldmspec.system.congruence import find_congruent_placement, place_split
from ldmspec.system.physical import Extent, PhysicalContents

__all__ = ["PAGE_SIZE", "Guest", "GuestMemory", "Hypervisor"]

PAGE_SIZE = 8 * KIB  # the sun4v base page


class GuestMemory:
    """A domain's memory contents as groups of ``group_pages`` consecutive pages.

    Each group holds one *stamp*: the number of the last guest write that touched any
    of its pages (0 for never written or scrubbed). A write to any page stamps its whole
    group, the migration dirty logs record groups, and a copy sends whole groups, so the
    model is a dirty bitmap at group granularity: coarse, like real pre-copy at
    large-page granularity, but exact about which contents the target holds.
    """

    def __init__(self, size: int, group_pages: int, max_groups: int = 1 << 16) -> None:
        self.pages = max(1, size // PAGE_SIZE)
        self._group_pages, self._max_groups = group_pages, max_groups
        # Huge domains get bigger groups so no domain has more than ``max_groups``.
        self.group_pages = max(group_pages, -(-self.pages // max_groups))
        self.stamps = array("Q", bytes(8 * self.groups_for(self.pages)))
        self.writes = 0  # the guest's write counter; part of the CPU state on hand-off
        self.dirty_logs: list[set[int]] = []  # one per migration tracking this guest
        self._digest: str | None = None  # cached; every change of ``stamps`` clears it

    def groups_for(self, pages: int) -> int:
        return -(-pages // self.group_pages)

    @property
    def groups(self) -> int:
        return len(self.stamps)

    @property
    def group_bytes(self) -> int:
        return self.group_pages * PAGE_SIZE

    def pages_to_groups(self, first: int, count: int) -> tuple[range, int]:
        """The groups of ``count`` pages from page ``first`` (clipped), and the pages."""
        first = max(0, min(first, self.pages - 1))
        count = max(0, min(count, self.pages - first))
        if not count:
            return range(0), 0
        return range(first // self.group_pages, (first + count - 1) // self.group_pages + 1), count

    def write_groups(self, groups: Iterable[int]) -> int:
        """One guest write touching every group of ``groups``; returns the value it wrote
        (the guest's write counter, so every write of a domain has its own value)."""
        self.writes += 1
        self._digest = None
        touched = set(groups)
        for g in touched:
            self.stamps[g] = self.writes
        for log in self.dirty_logs:
            log |= touched
        return self.writes

    def read(self, groups: Iterable[int] | None = None) -> tuple[int, ...]:
        """The value each group holds (all groups when ``groups`` is None)."""
        if groups is None:
            return tuple(self.stamps)
        return tuple(self.stamps[g] for g in groups)

    def start_dirty_log(self) -> set[int]:
        log: set[int] = set()
        self.dirty_logs.append(log)
        return log

    def stop_dirty_log(self, log: set[int]) -> None:
        self.dirty_logs = [other for other in self.dirty_logs if other is not log]

    def install(self, groups: Iterable[int], stamps: Iterable[int]) -> None:
        """Overwrite ``groups`` with ``stamps`` (received pages)."""
        self._digest = None
        for g, s in zip(groups, stamps, strict=True):
            self.stamps[g] = s

    def invalidate(self) -> None:
        self._digest = None

    def resize(self, size: int) -> None:
        """Grow or shrink to ``size`` bytes (pages beyond it are gone, new ones read 0).

        The group size stays the one a new guest of ``size`` gets, as the target of a
        migration creates one from the size alone and receives groups by index: where
        it changes, each new group holds the highest stamp of the old groups it overlaps.
        """
        self._digest = None
        pages = max(1, size // PAGE_SIZE)
        group_pages = max(self._group_pages, -(-pages // self._max_groups))
        if group_pages != self.group_pages:
            self._regroup(group_pages, -(-pages // group_pages))
        groups = self.groups_for(pages)
        if groups < len(self.stamps):
            del self.stamps[groups:]
        else:
            self.stamps.extend([0] * (groups - len(self.stamps)))
        self.pages = pages

    def _regroup(self, group_pages: int, groups: int) -> None:
        old = self.group_pages

        def new_groups(g: int) -> range:
            return range(
                g * old // group_pages, min(groups, ((g + 1) * old - 1) // group_pages + 1)
            )

        stamps = array("Q", bytes(8 * groups))
        for g, value in enumerate(self.stamps):
            for j in new_groups(g) if value else ():
                stamps[j] = max(stamps[j], value)
        for log in self.dirty_logs:  # the same set objects: their migrations hold them
            dirty = {j for g in log for j in new_groups(g)}
            log.clear()
            log.update(dirty)
        self.stamps, self.group_pages = stamps, group_pages

    def digest(self) -> str:
        """A stable digest of the contents (same contents, same digest, in every process)."""
        if self._digest is None:
            self._digest = hashlib.blake2b(self.stamps.tobytes(), digest_size=8).hexdigest()
        return self._digest


@dataclass
class Guest:
    """A guest's runtime: its memory, the physical blocks it lives in, whether it runs."""

    memory: GuestMemory
    running: bool = False
    blocks: tuple[MemoryBlock, ...] = ()

    def pieces(self) -> Iterable[tuple[int, MemoryBlock]]:
        """Each block with the offset of its first byte in the guest's memory (RA order)."""
        offset = 0
        for block in sorted(self.blocks, key=lambda b: b.ra):
            yield offset, block
            offset += block.size

    def extents(self, pa: int | None = None, size: int | None = None) -> list[Extent]:
        """The guest's nonzero contents at their physical addresses (within a range)."""
        memory, out = self.memory, list[Extent]()
        group = memory.group_bytes
        lo_pa = pa if pa is not None else 0
        hi_pa = lo_pa + size if size is not None else 1 << 64
        for offset, block in self.pieces():
            lo, hi = max(block.pa, lo_pa), min(block.end_pa, hi_pa)
            first, last = (lo - block.pa + offset) // group, (hi - 1 - block.pa + offset) // group
            for g in range(first, min(last + 1, memory.groups)) if lo < hi else ():
                value = memory.stamps[g]
                if not value:
                    continue
                start = max(lo, block.pa + g * group - offset)
                end = min(hi, block.pa + (g + 1) * group - offset)
                if out and out[-1].end == start and out[-1].value == value:
                    out[-1] = Extent(out[-1].pa, end - out[-1].pa, value)
                else:
                    out.append(Extent(start, end - start, value))
        return out

    def load(self, physical: PhysicalContents) -> None:
        """Start from what the guest's physical addresses hold; they are the guest's now."""
        memory, group = self.memory, self.memory.group_bytes
        for offset, block in self.pieces():
            for extent in physical.read(block.pa, block.size):
                start = extent.pa - block.pa + offset
                for g in range(start // group, min((start + extent.size - 1) // group + 1,
                                                   memory.groups)):  # fmt: skip
                    memory.stamps[g] = max(memory.stamps[g], extent.value)
                memory.invalidate()
            physical.replace(block.pa, block.size)


class Hypervisor:
    """Physical strands and memory of one host, and the guests' memory contents."""

    def __init__(
        self,
        *,
        cores: int,
        threads_per_core: int,
        memory: tuple[MemoryRange, ...],
        largest_page: int,
        group_pages: int,
        max_groups: int = 1 << 16,
        scrub_on_release: bool = True,
        admit_unscrubbed: bool = True,
    ) -> None:
        self.cores = cores
        self.threads_per_core = threads_per_core
        self.memory = tuple(sorted(memory))
        self.largest_page = largest_page
        self.group_pages = group_pages
        self.max_groups = max_groups
        self.scrub_on_release = scrub_on_release
        self.admit_unscrubbed = admit_unscrubbed
        self.physical = PhysicalContents()  # contents of memory no running guest holds
        self.free_strands: set[int] = set(range(cores * threads_per_core))
        self.free_memory: list[MemoryRange] = list(self.memory)
        # Bytes returned to the free pool without being scrubbed (must stay 0).
        self.unscrubbed = 0
        # Memory of destroyed guests still being scrubbed: neither held nor free.
        self.scrubbing: list[MemoryBlock] = []
        self.guests: dict[str, Guest] = {}

    # --- totals ---------------------------------------------------------------------
    @property
    def total_strands(self) -> int:
        return self.cores * self.threads_per_core

    @property
    def total_memory(self) -> int:
        return sum(r.size for r in self.memory)

    @property
    def free_memory_size(self) -> int:
        return sum(r.size for r in self.free_memory)

    def free_core_ids(self) -> list[int]:
        tpc = self.threads_per_core
        return [
            c
            for c in range(self.cores)
            if all(s in self.free_strands for s in range(c * tpc, (c + 1) * tpc))
        ]

    # --- strands --------------------------------------------------------------------
    def allocate_strands(self, vcpus: int, *, whole_core: bool) -> tuple[int, ...] | None:
        """The lowest free strands (or whole cores) for ``vcpus``; None when short."""
        if whole_core:
            cores = self.free_core_ids()
            needed = -(-vcpus // self.threads_per_core)
            if len(cores) < needed:
                return None
            tpc = self.threads_per_core
            strands = tuple(s for c in cores[:needed] for s in range(c * tpc, (c + 1) * tpc))
        else:
            if len(self.free_strands) < vcpus:
                return None
            strands = tuple(sorted(self.free_strands)[:vcpus])
        self.take_strands(strands)
        return strands

    def take_strands(self, strands: Iterable[int]) -> None:
        for s in strands:
            self.free_strands.discard(s)

    def release_strands(self, strands: Iterable[int]) -> None:
        self.free_strands.update(strands)

    # --- memory ---------------------------------------------------------------------
    def allocate_memory(
        self, size: int, *, ra_base: int | None = None
    ) -> tuple[MemoryBlock, ...] | None:
        """Fresh blocks for ``size`` bytes (RA from ``ra_base``), placed like ``ldm bind``."""
        args = {} if ra_base is None else {"ra_base": ra_base}
        blocks = place_domain_memory(size, tuple(self.free_memory), self.largest_page, **args)
        if blocks is not None:
            self.take_memory(blocks)
        return blocks

    def allocate_congruent(
        self, blocks: tuple[MemoryBlock, ...], *, may_split: bool = False
    ) -> tuple[MemoryBlock, ...] | None:
        """Blocks with the same RAs and sizes at congruent free PAs (a migration target);
        when ``may_split`` and they do not fit whole, pieces cut at largest-page
        boundaries (MEM-2's block splitting)."""
        free = tuple(self.free_memory)
        placed = find_congruent_placement(blocks, free, self.largest_page)
        if placed is None and may_split:
            placed = place_split(blocks, free, self.largest_page)
        if placed is not None:
            self.take_memory(placed)
        return placed

    def take_memory(self, blocks: Iterable[MemoryBlock]) -> None:
        self.free_memory = list(
            subtract_ranges(tuple(self.free_memory), tuple(b.physical for b in blocks))
        )

    def release_memory(self, blocks: Iterable[MemoryBlock]) -> None:
        """Return ``blocks`` to the free pool, scrubbed first (zero contents)."""
        blocks = tuple(blocks)
        dirty = [b for b in blocks if self.physical.read(b.pa, b.size)]
        if self.scrub_on_release:
            for block in dirty:
                self.physical.replace(block.pa, block.size)
        elif self.admit_unscrubbed:
            self.unscrubbed += sum(b.size for b in dirty)
        ranges = sorted([*self.free_memory, *(b.physical for b in blocks)])
        merged: list[MemoryRange] = []
        for r in ranges:
            if merged and merged[-1].end == r.pa:
                merged[-1] = MemoryRange(merged[-1].pa, merged[-1].size + r.size)
            else:
                merged.append(r)
        self.free_memory = merged

    @property
    def scrubbing_memory(self) -> int:
        return sum(b.size for b in self.scrubbing)

    def begin_scrub(self, blocks: tuple[MemoryBlock, ...]) -> None:
        """``blocks`` leave their domain but stay unusable until :meth:`end_scrub`."""
        self.scrubbing.extend(blocks)

    def end_scrub(self, blocks: tuple[MemoryBlock, ...]) -> None:
        for block in blocks:
            self.scrubbing.remove(block)
        self.release_memory(blocks)

    # --- guests ---------------------------------------------------------------------
    def create_guest(self, name: str, size: int, blocks: Iterable[MemoryBlock] = ()) -> Guest:
        """A guest of ``size`` bytes living in ``blocks``: it starts with what they hold."""
        guest = Guest(GuestMemory(size, self.group_pages, self.max_groups), blocks=tuple(blocks))
        guest.load(self.physical)
        self.guests[name] = guest
        return guest

    def destroy_guest(self, name: str) -> None:
        """Remove a guest's runtime; its contents stay in its physical memory."""
        guest = self.guests.pop(name, None)
        if guest is None:
            return
        guest.running = False
        for block in guest.blocks:
            self.physical.replace(block.pa, block.size, guest.extents(block.pa, block.size))

    def move_guest(self, name: str, blocks: Iterable[MemoryBlock]) -> None:
        """The guest ``name`` now lives in ``blocks`` (it grew or shrank)."""
        guest = self.guests[name]
        guest.blocks = tuple(blocks)
        guest.load(self.physical)

    def read_physical(self, pa: int, size: int) -> tuple[Extent, ...]:
        """The nonzero contents of ``[pa, pa + size)``, held by a guest or not."""
        found = list(self.physical.read(pa, size))
        for guest in self.guests.values():
            found += guest.extents(pa, size)
        return tuple(sorted(found))

    def rename_guest(self, old: str, new: str) -> None:
        if old in self.guests:
            self.guests[new] = self.guests.pop(old)
