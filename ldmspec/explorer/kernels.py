"""Graph algorithms over an exploration's compact arrays, at C speed (numpy).

The analyses of :mod:`ldmspec.explorer.analysis` ask three things of the whole graph:
its reverse adjacency, breadth-first distances to a set of states through the states
of a mask, and the states on cycles (strongly connected components of two states or
more) within a mask. Each is a handful of whole-array numpy operations per
breadth-first level, never a Python step per state or per edge:

* :func:`reverse` sorts the edges by target (a stable sort keeps each state's
  predecessors in increasing order, as a walk over the edges would);
* :func:`distances_to` expands a frontier level by level through the reverse arrays;
* :func:`cyclic_components` first *trims* the graph (peels off, level by level, the
  states with no predecessor or no successor left among the mask: they lie on no
  cycle; a step from a state to itself is a stutter, not a cycle), then runs an
  iterative Tarjan over what is left, in Python, which is only the states that may
  lie on cycles. A graph without cycles (the protocol model's, with budgets) is
  peeled to nothing without a single Python step per state.

Edges are ``targets[offsets[u]:offsets[u + 1]]`` for ``u < len(offsets) - 1``; states
beyond that were never expanded and have no out-edges.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

__all__ = ["CSR", "cyclic_components", "distances_to", "forward", "reverse"]

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

# Edges handled at once where a whole-graph temporary would cost 4 bytes per edge.
_BLOCK = 1 << 20


class CSR:
    """A compressed adjacency over states ``0..n-1``: ``offsets`` (n + 1) and ``nodes``."""

    __slots__ = ("n", "nodes", "offsets")

    def __init__(self, n: int, offsets: Ints, nodes: npt.NDArray[np.int32]) -> None:
        self.n = n
        self.offsets = offsets
        self.nodes = nodes

    def blocks(self) -> Iterator[tuple[Ints, npt.NDArray[np.int32]]]:
        """The edges by blocks of about ``_BLOCK``: (owner of each edge, its node)."""
        bounds = np.searchsorted(self.offsets, np.arange(0, len(self.nodes), _BLOCK), "right") - 1
        starts = [*np.unique(bounds).tolist(), self.n]
        for a, b in itertools.pairwise(starts):
            lengths = np.diff(self.offsets[a : b + 1])
            owners = np.repeat(np.arange(a, b, dtype=np.int64), lengths)
            yield owners, self.nodes[self.offsets[a] : self.offsets[b]]

    def gather(self, states: npt.NDArray[np.integer]) -> tuple[Ints, npt.NDArray[np.int32]]:
        """The neighbours of ``states``, with the position in ``states`` each came from."""
        starts = self.offsets[states]
        lengths = self.offsets[states + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, np.int64), np.empty(0, np.int32)
        owner = np.repeat(np.arange(len(states), dtype=np.int64), lengths)
        positions = np.arange(total, dtype=np.int64) - np.repeat(
            np.cumsum(lengths) - lengths, lengths
        )
        return owner, self.nodes[starts[owner] + positions]


def forward(n: int, offsets: array, targets: array) -> CSR:
    """The out-edges as numpy arrays (the targets shared, not copied)."""
    expanded = len(offsets) - 1
    full = np.empty(n + 1, np.int64)
    full[: expanded + 1] = np.frombuffer(offsets, dtype=np.int64) if len(offsets) else 0
    full[expanded + 1 :] = full[expanded] if expanded >= 0 else 0
    return CSR(
        n, full, np.frombuffer(targets, dtype=np.int32) if len(targets) else np.empty(0, np.int32)
    )


def reverse(graph: CSR) -> CSR:
    """The in-edges: for each state, its predecessors in increasing order.

    A counting sort by blocks of source states: each block's edges are sorted by
    (target, source) as packed 64-bit keys and dealt to their targets' slots, so
    nothing but the result is as large as the whole edge array.
    """
    n = graph.n
    counts = np.bincount(graph.nodes, minlength=n)
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    fill = offsets[:-1].copy()
    sources = np.empty(len(graph.nodes), np.int32)
    for owners, nodes in graph.blocks():
        keys = (nodes.astype(np.int64) << 32) | owners
        keys.sort()
        targets = keys >> 32
        first = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]])
        sizes = np.diff(np.r_[first, len(keys)])
        rank = np.arange(len(keys)) - np.repeat(first, sizes)
        sources[fill[targets] + rank] = keys & 0xFFFFFFFF
        fill[targets[first]] += sizes
    return CSR(n, offsets, sources)


def distances_to(
    backward: CSR, seeds: npt.NDArray[np.integer], within: Mask
) -> npt.NDArray[np.int32]:
    """For every state, the length of a shortest path to a seed through states of
    ``within`` (the seeds themselves need not be in it); -1 where none leads there."""
    distance = np.full(backward.n, -1, np.int32)
    frontier = np.unique(np.asarray(seeds, dtype=np.int64))
    distance[frontier] = 0
    level = 0
    while frontier.size:
        level += 1
        _, found = backward.gather(frontier)
        found = found[(distance[found] < 0) & within[found]]
        frontier = np.unique(found)
        distance[frontier] = level
    return distance


def cyclic_components(graph: CSR, backward: CSR, within: Mask) -> list[list[int]]:
    """The strongly connected components of two states or more among ``within``
    (a step from a state to itself is a stutter: it makes no cycle)."""
    left = np.flatnonzero(_trim(graph, backward, within))
    if not left.size:
        return []
    local = np.full(graph.n, -1, np.int64)
    local[left] = np.arange(len(left))
    owner, found = graph.gather(left)
    keep = (local[found] >= 0) & (found != left[owner])
    counts = np.bincount(owner[keep], minlength=len(left))
    offsets = [0, *np.cumsum(counts).tolist()]
    targets = local[found[keep]].tolist()
    names = left.tolist()
    return [
        [names[i] for i in component]
        for component in _tarjan(len(names), offsets, targets)
        if len(component) > 1
    ]


def _trim(graph: CSR, backward: CSR, alive: Mask) -> Mask:
    """Peel off the states of ``alive`` with no predecessor or no successor among
    ``alive`` (stutters not counted), until none is left; what remains holds every
    cycle of two states or more within ``alive``."""
    alive = alive.copy()
    indegree = _degrees(backward, alive)
    outdegree = _degrees(graph, alive)
    doomed = np.flatnonzero(alive & ((indegree == 0) | (outdegree == 0)))
    while doomed.size:
        alive[doomed] = False
        found_next = []
        for csr, degree in ((graph, indegree), (backward, outdegree)):
            owner, found = csr.gather(doomed)
            found = found[(found != doomed[owner]) & alive[found]]
            touched, times = np.unique(found, return_counts=True)
            degree[touched] -= times
            found_next.append(touched[degree[touched] == 0])
        doomed = np.unique(np.concatenate(found_next))
    return alive


def _degrees(csr: CSR, alive: Mask) -> Ints:
    """For every state of ``alive``, its neighbours in ``csr`` among ``alive``, itself
    not counted (by blocks of edges: no temporary of a whole edge array)."""
    degree = np.zeros(csr.n, np.int64)
    for owners, nodes in csr.blocks():
        keep = alive[nodes] & alive[owners] & (nodes != owners)
        degree += np.bincount(owners[keep], minlength=csr.n)
    return degree


def _tarjan(n: int, offsets: list[int], targets: list[int]) -> list[list[int]]:
    """Tarjan's algorithm, iteratively, over a small graph of Python lists."""
    number = [-1] * n
    low = [0] * n
    on_stack = bytearray(n)
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in range(n):
        if number[root] >= 0:
            continue
        number[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        work = [(root, offsets[root])]
        while work:
            v, edge = work[-1]
            if edge < offsets[v + 1]:
                work[-1] = (v, edge + 1)
                w = targets[edge]
                if number[w] < 0:
                    number[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, offsets[w]))
                elif on_stack[w] and number[w] < low[v]:
                    low[v] = number[w]
                continue
            work.pop()
            if work and low[v] < low[work[-1][0]]:
                low[work[-1][0]] = low[v]
            if low[v] == number[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack[w] = 0
                    component.append(w)
                    if w == v:
                        break
                components.append(component)
    return components
