"""MEM-2 as a constraint problem: where each memory block of a domain lands on the target.

A block is ``(ra, pa, size)``: its real address, its physical address on the source and
its size. With ``P`` the target's hardware largest page (DESIGN.md MEM-2, dossier
§4.1-§4.4):

* **Without splitting**, block ``i`` keeps its real address and size and needs a
  physical address ``pa'_i`` on the target with ``pa'_i ≡ pa_i (mod P)`` (alignment
  preserved), written linearly as ``pa'_i = (pa_i mod P) + P * k_i`` with an integer
  ``k_i``; ``[pa'_i, pa'_i + size_i)`` lies inside one free range of the target (bounds
  on ``k_i`` per range: :func:`page_bounds`); no two blocks overlap.
* **With splitting** (a guest at Solaris 11.3 or later on Managers 3.6 or later), a
  block may be cut at offsets that are multiples of ``P``; each piece is placed under
  the same rule. When every block has the same alignment ``c = pa mod P`` this is a
  counting problem, solved exactly: congruent pieces start at the *cells*
  ``c + P*k``, two pieces in one cell overlap and pieces in different cells do not, so
  every full piece (``P`` bytes) needs a whole cell inside a free range, and a block's
  last, shorter piece (``size mod P`` bytes) a whole cell or the partial cell at the end
  of a range with room for it (at most one per range). Variables count the pieces per
  range; :func:`split_pieces` turns a model into addresses. When the blocks' alignments
  differ, splitting is not modelled: the rule without splitting is used (a placement
  found is still valid; an infeasible answer is *conservative*, and ``check`` says so).

A block or piece lies inside one free range as the target lists them (``ldm
list-devices memory``). The constraints depend on the target, so they are emitted per
candidate as SMT-LIB text (:func:`placement_smt2`), the cheapest way to give z3 per-host
facts (``reference/precheck-anchors.md`` §1.8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import z3

from ldmspec.inventory.facts import MemoryRange

__all__ = [
    "Block",
    "declarations_smt2",
    "find_placement",
    "first_fit",
    "k_name",
    "model_placement",
    "pa_name",
    "page_bounds",
    "placement_smt2",
    "single_alignment",
    "split_pieces",
    "usable_ranges",
]

Block = tuple[int, int, int]  # (ra, pa on the source, size)
Piece = tuple[int, int, int]  # (ra, pa on the target, size)


def pa_name(index: int) -> str:
    return f"pa_{index}"


def k_name(index: int) -> str:
    return f"k_{index}"


def _full(tag: str, r: int) -> str:
    return f"{tag}cells_{r}"


def _tail_cell(tag: str, i: int, r: int) -> str:
    return f"{tag}tail_{i}_cell_{r}"


def _tail_end(tag: str, i: int, r: int) -> str:
    return f"{tag}tail_{i}_end_{r}"


def declarations_smt2(count: int) -> str:
    """Declarations of the block variables ``pa_i`` and ``k_i`` (the rule without splitting)."""
    return "".join(
        f"(declare-const {pa_name(i)} Int)(declare-const {k_name(i)} Int)" for i in range(count)
    )


def page_bounds(base: int, size: int, rng: MemoryRange, page: int) -> tuple[int, int] | None:
    """The ``k`` range with ``PA = (base mod page) + page * k`` inside ``rng``, or None.

    ``rng.pa <= PA`` and ``PA + size <= rng.end`` are bounds on the integer ``k``; giving
    z3 those bounds (exact integer division) instead of the byte addresses keeps the
    numbers small, so it never has to branch on a 2^31 coefficient.
    """
    base = base % page
    low = -((base - rng.pa) // page)  # ceil((rng.pa - base) / page)
    high = (rng.end - size - base) // page
    return (low, high) if low <= high else None


def usable_ranges(
    base: int, size: int, free: Sequence[MemoryRange], page: int
) -> list[MemoryRange]:
    """The free ranges that could hold ``size`` bytes at a PA ≡ ``base`` (mod ``page``)."""
    return [rng for rng in free if page_bounds(base, size, rng, page) is not None]


def single_alignment(blocks: Sequence[Block], page: int) -> bool:
    """Every block has the same alignment modulo ``page`` (splitting is modelled exactly)."""
    return len({pa % page for _, pa, _ in blocks}) <= 1


def _cells(rng: MemoryRange, align: int, page: int) -> tuple[int, int, int]:
    """``(first cell, whole cells, room in the partial cell at the end)`` of ``rng``."""
    first = rng.pa + (align - rng.pa) % page
    if first >= rng.end:
        return first, 0, 0
    whole = (rng.end - first) // page
    return first, whole, rng.end - first - whole * page


def _int(value: int) -> str:
    return str(value) if value >= 0 else f"(- {-value})"


def _sum(terms: Sequence[str]) -> str:
    """SMT-LIB ``+`` takes two or more arguments (cvc5 insists)."""
    if not terms:
        return "0"
    return terms[0] if len(terms) == 1 else f"(+ {' '.join(terms)})"


def _and(parts: Sequence[str]) -> str:
    if not parts:
        return "true"
    return parts[0] if len(parts) == 1 else f"(and {' '.join(parts)})"


def _unsplit_smt2(blocks: Sequence[Block], free: Sequence[MemoryRange], page: int) -> str:
    parts = []
    for i, (_, pa, size) in enumerate(blocks):
        k = k_name(i)
        congruent = f"(= {pa_name(i)} (+ {pa % page} (* {page} {k})))"
        inside = [
            f"(and (<= {_int(b[0])} {k}) (<= {k} {_int(b[1])}))"
            for b in (page_bounds(pa, size, rng, page) for rng in free)
            if b is not None
        ]
        if not inside:
            parts.append("false")
            continue
        where = inside[0] if len(inside) == 1 else f"(or {' '.join(inside)})"
        parts += [congruent, where]
    for i in range(len(blocks)):
        for j in range(i + 1, len(blocks)):
            a, b = pa_name(i), pa_name(j)
            parts.append(f"(or (<= (+ {a} {blocks[i][2]}) {b}) (<= (+ {b} {blocks[j][2]}) {a}))")
    return _and(parts)


def _split_smt2(
    literal: str, blocks: Sequence[Block], free: Sequence[MemoryRange], page: int, tag: str
) -> str:
    align = blocks[0][1] % page if blocks else 0
    cells = [_cells(rng, align, page) for rng in free]
    decls, parts = [], []
    for r in range(len(free)):
        decls.append(f"(declare-const {_full(tag, r)} Int)")
        parts.append(f"(<= 0 {_full(tag, r)})")
    wanted = sum(size // page for _, _, size in blocks)
    total = _sum([_full(tag, r) for r in range(len(free))])
    parts.append(f"(= {total} {wanted})")
    in_cells: list[list[str]] = [[] for _ in free]
    at_end: list[list[str]] = [[] for _ in free]
    for i, (_, _, size) in enumerate(blocks):
        tail = size % page
        if not tail:
            continue
        choices = []
        for r, (_, _, room) in enumerate(cells):
            for name, ok, where in (
                (_tail_cell(tag, i, r), True, in_cells[r]),
                (_tail_end(tag, i, r), room >= tail, at_end[r]),
            ):
                if not ok:
                    continue
                decls.append(f"(declare-const {name} Int)")
                parts.append(f"(<= 0 {name} 1)")
                choices.append(name)
                where.append(name)
        parts.append(f"(= {_sum(choices)} 1)")
    for r, (_, whole, _) in enumerate(cells):
        parts.append(f"(<= {_sum([_full(tag, r), *in_cells[r]])} {whole})")
        if at_end[r]:
            parts.append(f"(<= {_sum(at_end[r])} 1)")
    return "".join(decls) + f"(assert (=> {literal} {_and(parts)}))"


def placement_smt2(
    literal: str,
    blocks: Sequence[Block],
    free: Sequence[MemoryRange],
    page: int,
    *,
    split: bool = False,
    tag: str = "",
) -> str:
    """``(assert (=> MEM-2 ...))`` for one target; ``split`` when splitting is allowed.

    Splitting is modelled only when the blocks share one alignment
    (:func:`single_alignment`); otherwise the rule without splitting is emitted. The
    counting variables of splitting are declared here, their names prefixed by ``tag``
    (a solver keeps a name declared once, even after ``pop``: each target its own tag).
    """
    if split and single_alignment(blocks, page):
        return _split_smt2(literal, blocks, free, page, tag)
    return f"(assert (=> {literal} {_unsplit_smt2(blocks, free, page)}))"


def split_pieces(
    blocks: Sequence[Block],
    free: Sequence[MemoryRange],
    page: int,
    value: Callable[[str], int],
    tag: str = "",
) -> tuple[Piece, ...]:
    """The pieces of a split placement, from a model's counts (``value(name)``).

    Full pieces fill each range's cells in block order, then the short last pieces that
    take a whole cell; a last piece in a range's partial cell goes there. Consecutive
    pieces of one block that stay contiguous are merged back into one.
    """
    align = blocks[0][1] % page if blocks else 0
    cells = [_cells(rng, align, page) for rng in free]
    full_units = [(i, ra + u * page) for i, (ra, _, size) in enumerate(blocks)
                  for u in range(size // page)]  # fmt: skip
    pieces: list[tuple[int, Piece]] = []  # (block index, piece)
    for r, (first, count, room) in enumerate(cells):
        used = value(_full(tag, r))
        for k in range(used):
            i, ra = full_units.pop(0)
            pieces.append((i, (ra, first + k * page, page)))
        for i, (ra, _, size) in enumerate(blocks):
            tail = size % page
            if not tail:
                continue
            if value(_tail_cell(tag, i, r)) == 1:
                pieces.append((i, (ra + size - tail, first + used * page, tail)))
                used += 1
            elif room >= tail and value(_tail_end(tag, i, r)) == 1:
                pieces.append((i, (ra + size - tail, first + count * page, tail)))
    return _merged(sorted(pieces))


def _merged(pieces: list[tuple[int, Piece]]) -> tuple[Piece, ...]:
    """Consecutive pieces of one block that stay contiguous, as one piece."""
    out: list[tuple[int, Piece]] = []
    for i, (ra, pa, size) in pieces:
        if out and out[-1][0] == i:
            _, (ra0, pa0, size0) = out[-1]
            if ra0 + size0 == ra and pa0 + size0 == pa:
                out[-1] = (i, (ra0, pa0, size0 + size))
                continue
        out.append((i, (ra, pa, size)))
    return tuple(piece for _, piece in out)


def first_fit(
    blocks: Sequence[Block], free: Sequence[MemoryRange], page: int
) -> tuple[Piece, ...] | None:
    """Whole blocks at the lowest congruent free address, in order, or None (a quick
    witness when it works; no answer about feasibility when it does not)."""
    holes = sorted((r.pa, r.end) for r in free)
    placed: list[Piece] = []
    for ra, pa, size in blocks:
        for k, (start, end) in enumerate(holes):
            at = start + (pa - start) % page
            if at + size <= end:
                placed.append((ra, at, size))
                holes[k : k + 1] = [h for h in ((start, at), (at + size, end)) if h[0] < h[1]]
                break
        else:
            return None
    return tuple(placed)


def find_placement(
    blocks: Sequence[Block],
    free: Sequence[MemoryRange],
    page: int,
    *,
    split: bool = False,
    timeout_ms: int = 5000,
) -> tuple[Piece, ...] | None:
    """Where the blocks land (MEM-2 alone), or None when they cannot.

    Raises ``TimeoutError`` when z3 cannot decide within ``timeout_ms``.
    """
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.from_string(declarations_smt2(len(blocks)) + "(declare-const MEM-2 Bool)")
    solver.from_string(placement_smt2("MEM-2", blocks, free, page, split=split))
    result = solver.check(z3.Bool("MEM-2"))
    if result == z3.unknown:
        raise TimeoutError(solver.reason_unknown())
    if result == z3.unsat:
        return None
    return model_placement(solver.model(), blocks, free, page, split=split)


def model_placement(
    model: z3.ModelRef,
    blocks: Sequence[Block],
    free: Sequence[MemoryRange],
    page: int,
    *,
    split: bool,
    tag: str = "",
) -> tuple[Piece, ...]:
    """The placement a model of :func:`placement_smt2` (same ``tag``) describes."""

    def value(name: str) -> int:
        return model.eval(z3.Int(name), model_completion=True).as_long()

    if split and single_alignment(blocks, page):
        return split_pieces(blocks, free, page, value, tag)
    return tuple((ra, value(pa_name(i)), size) for i, (ra, _, size) in enumerate(blocks))
