"""MEM-2 as a constraint problem: a physical address for every memory block of a domain.

The domain keeps its real addresses and block sizes. On the target, block ``i``
``(ra_i, size_i)`` needs a physical address ``pa_i`` such that

* ``pa_i ≡ ra_i (mod P)`` with ``P`` the target's hardware largest page, written
  linearly as ``pa_i = (ra_i mod P) + P * k_i`` with an integer ``k_i``;
* ``[pa_i, pa_i + size_i)`` lies inside one free range of the target: bounds on ``k_i``
  per range (:func:`page_bounds`);
* no two blocks overlap.

The pairwise non-overlap is about the domain alone, so it is built once per domain
(:func:`disjoint_blocks`); the range and congruence part depends on the target and is
emitted per candidate as SMT-LIB text (:func:`placement_smt2`), the cheapest way to give
z3 per-host facts (``reference/precheck-anchors.md`` §1.8). Blocks are never split (the
Solaris 11.3 splitting rule of dossier §4.3 is not modelled: a conservative choice).
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from ldmspec.inventory.facts import MemoryRange

__all__ = [
    "disjoint_blocks",
    "find_placement",
    "pa_name",
    "page_bounds",
    "placement_smt2",
    "usable_ranges",
]


def pa_name(index: int) -> str:
    return f"pa_{index}"


def k_name(index: int) -> str:
    return f"k_{index}"


def declarations_smt2(count: int) -> str:
    """Declarations of the block variables ``pa_i`` and ``k_i``."""
    return "".join(
        f"(declare-const {pa_name(i)} Int)(declare-const {k_name(i)} Int)" for i in range(count)
    )


def disjoint_blocks(sizes: Sequence[int]) -> z3.BoolRef:
    """No two blocks of the domain overlap on the target."""
    pas = [z3.Int(pa_name(i)) for i in range(len(sizes))]
    pairs = [
        z3.Or(pas[i] + sizes[i] <= pas[j], pas[j] + sizes[j] <= pas[i])
        for i in range(len(sizes))
        for j in range(i + 1, len(sizes))
    ]
    return z3.And(*pairs) if pairs else z3.BoolVal(True)


def page_bounds(ra: int, size: int, rng: MemoryRange, page: int) -> tuple[int, int] | None:
    """The ``k`` range with ``PA = (ra mod page) + page * k`` inside ``rng``, or None.

    ``rng.pa <= PA`` and ``PA + size <= rng.end`` are bounds on the integer ``k``; giving
    z3 those bounds (exact integer division) instead of the byte addresses keeps the
    numbers small, so it never has to branch on a 2^31 coefficient.
    """
    base = ra % page
    low = -((base - rng.pa) // page)  # ceil((rng.pa - base) / page)
    high = (rng.end - size - base) // page
    return (low, high) if low <= high else None


def usable_ranges(ra: int, size: int, free: Sequence[MemoryRange], page: int) -> list[MemoryRange]:
    """The free ranges that could hold a block ``(ra, size)`` at a congruent PA."""
    return [rng for rng in free if page_bounds(ra, size, rng, page) is not None]


def placement_smt2(
    literal: str, blocks: Sequence[tuple[int, int]], free: Sequence[MemoryRange], page: int
) -> str:
    """``(assert (=> MEM-2 ...))``: every block congruent and inside one free range."""
    parts = []
    for i, (ra, size) in enumerate(blocks):
        k = k_name(i)
        congruent = f"(= {pa_name(i)} (+ {ra % page} (* {page} {k})))"
        inside = [
            f"(and (<= {_int(b[0])} {k}) (<= {k} {_int(b[1])}))"
            for b in (page_bounds(ra, size, rng, page) for rng in free)
            if b is not None
        ]
        if not inside:
            parts.append("false")
            continue
        where = inside[0] if len(inside) == 1 else f"(or {' '.join(inside)})"
        parts.append(f"{congruent} {where}")
    body = f"(and {' '.join(parts)})" if parts else "true"
    return f"(assert (=> {literal} {body}))"


def _int(value: int) -> str:
    return str(value) if value >= 0 else f"(- {-value})"


def find_placement(
    blocks: Sequence[tuple[int, int]],
    free: Sequence[MemoryRange],
    page: int,
    *,
    timeout_ms: int = 5000,
) -> tuple[int, ...] | None:
    """A PA for every ``(ra, size)`` block (MEM-2 alone), or None when none exists.

    Raises ``TimeoutError`` when z3 cannot decide within ``timeout_ms``.
    """
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.from_string(declarations_smt2(len(blocks)) + "(declare-const MEM-2 Bool)")
    solver.add(z3.Bool("MEM-2"), disjoint_blocks([size for _, size in blocks]))
    solver.from_string(placement_smt2("MEM-2", blocks, free, page))
    result = solver.check()
    if result == z3.unknown:
        raise TimeoutError(solver.reason_unknown())
    if result == z3.unsat:
        return None
    model = solver.model()
    return tuple(
        model.eval(z3.Int(pa_name(i)), model_completion=True).as_long() for i in range(len(blocks))
    )
