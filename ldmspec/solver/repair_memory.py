"""MEM-2 inside the repair: where the domain's memory lands once guests of the target
are unbound or shrunk, with blocks whole or, when the chosen Manager releases allow it,
split.

The check's MEM-2 (:mod:`ldmspec.models.memory_fit`) reads the target's free ranges as
fixed facts. In the repair they move: unbinding a guest frees all its blocks, shrinking
one (``ldm remove-memory``) frees the end of its last block. So the placement is written
over the target's memory ranges and its held blocks, each held block an obstacle unless
the change that frees it is made.

* **Whole blocks** (:func:`whole_placement`): each block at a PA congruent to its PA on
  the source modulo the target's largest page ``P``, inside one memory range, off every
  block that stays held, no two overlapping.
* **Split** (:func:`split_placement`): the check's splitting rule, pieces cut at
  multiples of ``P`` and placed under the same congruence, modelled exactly when every
  block shares one alignment ``c`` (as the check does). A piece then starts at a *cell*
  ``c + P*k``; two pieces in one cell overlap, pieces in different cells do not. A cell
  can take a piece of ``s`` bytes when its first ``s`` bytes lie in one memory range and
  off what stays held. The pieces are the full ``P``-byte units and each block's shorter
  last piece; a piece fits every cell a larger one fits, so the pieces can be given
  distinct cells exactly when, for each piece size ``s``, the cells that can take ``s``
  bytes are at least as many as the pieces of ``s`` bytes or more (Hall's condition for
  nested neighbourhoods).

:func:`mem2_constraint` chooses between them on the *chosen* Manager releases: a guest at
Solaris 11.3 or later whose Managers the repair upgrades to 3.6 may split, so an upgrade
can be a cheaper correction of MEM-2 than freeing memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import z3

from ldmspec.inventory.facts import Domain, Host, MemoryBlock
from ldmspec.models.memory_fit import Block, k_name, pa_name, single_alignment
from ldmspec.models.preconditions import SOLARIS_11_3, DomainSide, Symbols

__all__ = ["mem2_constraint", "split_on", "split_placement", "whole_placement"]

# The Manager release from which the guest's blocks may split, as the model encodes it.
SPLIT_LDM = 306
Freed = Callable[[str], z3.BoolRef]
Cuts = dict[str, z3.ArithRef]


def split_on(v: Symbols, d: DomainSide) -> z3.BoolRef:
    """Splitting is allowed at the releases the model chooses (the check's rule)."""
    if d.guest < SOLARIS_11_3:
        return z3.BoolVal(False)
    return z3.And(v.s_ldm >= SPLIT_LDM, v.t_ldm >= SPLIT_LDM)


def mem2_constraint(
    v: Symbols, d: DomainSide, t: Host, freed: Freed, cut: Cuts
) -> list[z3.BoolRef]:
    """``MEM-2 => placement``, split when :func:`split_on` holds and is modelled."""
    whole = whole_placement(d.blocks, t, freed, cut)
    if d.guest < SOLARIS_11_3 or not single_alignment(d.blocks, t.largest_page):
        return [z3.Implies(z3.Bool("MEM-2"), whole)]
    split = split_placement(d.blocks, t, freed, cut)
    return [z3.Implies(z3.Bool("MEM-2"), z3.If(split_on(v, d), split, whole))]


def whole_placement(blocks: Sequence[Block], t: Host, freed: Freed, cut: Cuts) -> z3.BoolRef:
    """Each block whole inside one of T's memory ranges at a PA congruent to its PA on
    the source, off what stays held, disjoint."""
    page = t.largest_page
    pas = [z3.Int(pa_name(i)) for i in range(len(blocks))]
    parts: list[z3.BoolRef] = []
    for i, (_, source_pa, size) in enumerate(blocks):
        pa, k = pas[i], z3.Int(k_name(i))
        inside = [z3.And(r.pa <= pa, pa + size <= r.end) for r in t.memory]
        off = [
            z3.Or(pa + size <= b.pa, b.pa + b.size - _cut(x, b, cut) <= pa, freed(x.name))
            for x in t.holders()
            for b in x.memory
        ]
        parts += [pa == source_pa % page + page * k, z3.Or(*inside), *off]
        parts += [z3.Or(pa + size <= pas[j], pas[j] + blocks[j][2] <= pa) for j in range(i)]
    return z3.And(*parts)


def split_placement(blocks: Sequence[Block], t: Host, freed: Freed, cut: Cuts) -> z3.BoolRef:
    """The pieces of every block get distinct cells able to hold them (blocks of one
    alignment; see the module docstring)."""
    page = t.largest_page
    align = blocks[0][1] % page if blocks else 0
    pieces = [page] * sum(size // page for _, _, size in blocks)
    pieces += [size % page for _, _, size in blocks if size % page]
    parts: list[z3.BoolRef] = []
    for need in sorted(set(pieces)):
        wanted = sum(1 for p in pieces if p >= need)
        sure, maybe = 0, []
        for start in _cells(t, align, page, need):
            able = _cell_free(start, need, t, freed, cut)
            if z3.is_true(able):
                sure += 1
            elif not z3.is_false(able):
                maybe.append(z3.If(able, 1, 0))
        if sure >= wanted:
            continue
        parts.append(z3.Sum(maybe) >= wanted - sure if maybe else z3.BoolVal(False))
    return z3.And(*parts) if parts else z3.BoolVal(True)


def _cells(t: Host, align: int, page: int, need: int) -> Iterator[int]:
    """Every cell start whose first ``need`` bytes lie in one of T's memory ranges."""
    for rng in t.memory:
        start = rng.pa + (align - rng.pa) % page
        while start + need <= rng.end:
            yield start
            start += page


def _cell_free(start: int, need: int, t: Host, freed: Freed, cut: Cuts) -> z3.BoolRef:
    """``[start, start + need)`` off every block that stays held."""
    end = start + need
    terms: list[z3.BoolRef] = []
    for x in t.holders():
        for b in x.memory:
            if end <= b.pa or b.pa + b.size <= start:
                continue
            can_free = [freed(x.name)]
            if x.name in cut and b == max(x.memory):
                can_free.append(b.pa + b.size - cut[x.name] <= start)
            terms.append(z3.simplify(z3.Or(*can_free)))
    if any(z3.is_false(term) for term in terms):
        return z3.BoolVal(False)
    return z3.And(*terms) if terms else z3.BoolVal(True)


def _cut(x: Domain, block: MemoryBlock, cut: Cuts) -> z3.ArithRef | int:
    """How much of ``block``'s end a shrink of ``x`` frees (only its last block)."""
    if x.name in cut and block == max(x.memory):
        return cut[x.name]
    return 0
