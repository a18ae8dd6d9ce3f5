"""MEM-2's placement search: a domain's memory blocks on a target's free memory.

Every block keeps its real address and size and lands on a free range of the target at
a physical address congruent to its physical address on the source modulo the target's
largest page, no two blocks overlapping. A guest that may have its blocks split (MEM-2:
Solaris 11.3 or later, Managers 3.6 or later) is placed by :func:`fits_split` when its
blocks share one alignment. The target's pre-check asks whether such a placement exists;
the target's hypervisor uses the same search to bind the arriving domain, so what the
pre-check accepts the target can bind.
"""

from __future__ import annotations

from dataclasses import dataclass

from ldmspec.inventory.facts import MemoryBlock, MemoryRange
from ldmspec.inventory.placement import congruent_pa

__all__ = [
    "SEARCH_LIMIT",
    "PlacementSearch",
    "find_congruent_placement",
    "fits_split",
    "place_split",
    "search_congruent_placement",
]

# A bound on the placement search so a pathological layout cannot hang a check.
SEARCH_LIMIT = 20_000


@dataclass(frozen=True)
class PlacementSearch:
    """What the search found: new ``blocks``, or None with ``exhausted`` saying whether it
    ran out of its budget (undecided) rather than proving there is no placement."""

    blocks: tuple[MemoryBlock, ...] | None
    exhausted: bool = False


def find_congruent_placement(
    blocks: tuple[MemoryBlock, ...], free: tuple[MemoryRange, ...], largest_page: int
) -> tuple[MemoryBlock, ...] | None:
    """New blocks in ``free`` (see :func:`search_congruent_placement`), or None when the
    search found none (none exists, or it ran out of its budget)."""
    return search_congruent_placement(blocks, free, largest_page).blocks


def search_congruent_placement(
    blocks: tuple[MemoryBlock, ...],
    free: tuple[MemoryRange, ...],
    largest_page: int,
    budget: int = SEARCH_LIMIT,
) -> PlacementSearch:
    """New blocks (same RA and size, PA ≡ its PA on the source mod ``largest_page``:
    alignment preserved) in ``free``, or None.

    A depth-first search that places, at each step, any remaining block at the lowest
    congruent address of any free fragment left so far. That is complete: in any
    placement, shifting every block left by whole pages, from the lowest address up,
    until it meets its range's start or the block before it gives a placement of
    exactly that shape. States already explored are not explored again. The result is
    in the order of ``blocks``.
    """
    placed: dict[int, MemoryBlock] = {}
    seen: set[tuple[frozenset[int], tuple[MemoryRange, ...]]] = set()
    left = [budget]
    # Largest blocks first: they have the fewest places, so failures show early.
    order = sorted(range(len(blocks)), key=lambda i: (-blocks[i].size, blocks[i].ra))

    def search(remaining: frozenset[int], fragments: tuple[MemoryRange, ...]) -> bool:
        if not remaining:
            return True
        if (remaining, fragments) in seen or left[0] <= 0:
            return False
        seen.add((remaining, fragments))
        left[0] -= 1
        if sum(blocks[i].size for i in remaining) > sum(f.size for f in fragments):
            return False
        for i in order:
            if i not in remaining:
                continue
            block = blocks[i]
            for frag in fragments:
                pa = congruent_pa(frag.pa, block.pa, largest_page)
                if pa + block.size > frag.end:
                    continue
                placed[i] = MemoryBlock(block.ra, pa, block.size)
                if search(remaining - {i}, cut(fragments, MemoryRange(pa, block.size))):
                    return True
                del placed[i]
        return False

    if not search(frozenset(range(len(blocks))), tuple(sorted(free))):
        return PlacementSearch(None, exhausted=left[0] <= 0)
    return PlacementSearch(tuple(placed[i] for i in range(len(blocks))))


def cut(fragments: tuple[MemoryRange, ...], taken: MemoryRange) -> tuple[MemoryRange, ...]:
    """``fragments`` without ``taken``."""
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


def fits_split(blocks: tuple[MemoryBlock, ...], free: tuple[MemoryRange, ...], page: int) -> bool:
    """Whether blocks of one alignment ``c`` fit ``free`` when cut every ``page`` bytes.

    Every piece starts at a PA ``≡ c (mod page)``, so the pieces occupy the slots
    ``[c + k*page, c + (k+1)*page)``; a whole piece needs a slot inside a free range, a
    block's shorter last piece a slot or the shorter room a range has left after its last
    slot. Greedy: the smallest last pieces take the smallest such rooms that hold them;
    what is left needs whole slots.
    """
    align = blocks[0].pa % page if blocks else 0
    slots, rooms = 0, []
    for rng in free:
        start = rng.pa + (align - rng.pa) % page
        if start >= rng.end:
            continue
        whole = (rng.end - start) // page
        slots += whole
        if rng.end - start - whole * page:
            rooms.append(rng.end - start - whole * page)
    needed = sum(b.size // page for b in blocks)
    tails = sorted(b.size % page for b in blocks if b.size % page)
    unplaced = 0
    rooms.sort()
    for tail in tails:
        room = next((k for k, r in enumerate(rooms) if r >= tail), None)
        if room is None:
            unplaced += 1
        else:
            rooms.pop(room)
    return needed + unplaced <= slots


def place_split(
    blocks: tuple[MemoryBlock, ...], free: tuple[MemoryRange, ...], page: int
) -> tuple[MemoryBlock, ...] | None:
    """Pieces of ``blocks`` (one alignment) placed in ``free``, or None: the placement
    :func:`fits_split` counts, as the target's hypervisor binds it.

    Each block is cut every ``page`` bytes of its real addresses; a piece keeps its real
    address and lands at a PA congruent to its PA on the source (the pieces' common
    alignment), whole pieces in whole slots, the shorter last pieces, smallest first, in
    the smallest room left after a range's last slot that holds them, else in a slot.
    """
    align = blocks[0].pa % page if blocks else 0
    slots: list[int] = []
    rooms: list[tuple[int, int]] = []  # (size, pa)
    for rng in sorted(free):
        start = rng.pa + (align - rng.pa) % page
        if start >= rng.end:
            continue
        whole = (rng.end - start) // page
        slots += [start + k * page for k in range(whole)]
        if rng.end - start - whole * page:
            rooms.append((rng.end - start - whole * page, start + whole * page))
    rooms.sort()
    pieces: list[MemoryBlock] = []
    tails = sorted((b.size % page, b.ra + b.size - b.size % page) for b in blocks if b.size % page)
    for size, ra in tails:
        room = next((k for k, (length, _) in enumerate(rooms) if length >= size), None)
        if room is not None:
            pieces.append(MemoryBlock(ra, rooms.pop(room)[1], size))
        elif slots:
            pieces.append(MemoryBlock(ra, slots.pop(0), size))
        else:
            return None
    for block in blocks:
        for k in range(block.size // page):
            if not slots:
                return None
            pieces.append(MemoryBlock(block.ra + k * page, slots.pop(0), page))
    return tuple(sorted(pieces, key=lambda b: b.ra))
