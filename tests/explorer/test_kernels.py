"""The array kernels of the analyses against networkx, on random small graphs."""

from __future__ import annotations

import random
from array import array

import networkx as nx
import numpy as np
import pytest

from ldmspec.explorer.kernels import cyclic_components, distances_to, forward, reverse


def _random_graph(rng: random.Random) -> tuple[int, int, array, array, nx.DiGraph]:
    """Up to 9 states, some never expanded, self-loops allowed, edges distinct."""
    n = rng.randint(1, 9)
    expanded = rng.randint(0, n)
    density = rng.random() * 0.5
    offsets, targets = array("q"), array("i")
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    for u in range(expanded):
        offsets.append(len(targets))
        for v in rng.sample(range(n), n):
            if rng.random() < density:
                targets.append(v)
                graph.add_edge(u, v)
    offsets.append(len(targets))
    return n, expanded, offsets, targets, graph


@pytest.mark.parametrize("seed", range(20))
def test_kernels_agree_with_networkx_on_random_graphs(seed):
    rng = random.Random(seed)
    for _ in range(100):
        n, _, offsets, targets, graph = _random_graph(rng)
        out = forward(n, offsets, targets)
        back = reverse(out)
        for v in range(n):
            found = back.nodes[back.offsets[v] : back.offsets[v + 1]].tolist()
            assert found == sorted(graph.predecessors(v))  # in increasing order
        within = np.array([rng.random() < 0.7 for _ in range(n)], np.bool_)
        kept = graph.subgraph(np.flatnonzero(within).tolist()).copy()
        kept.remove_edges_from(list(nx.selfloop_edges(kept)))  # stutters make no cycle
        expected = sorted(sorted(c) for c in nx.strongly_connected_components(kept) if len(c) > 1)
        assert sorted(sorted(c) for c in cyclic_components(out, back, within)) == expected
        seeds = [s for s in range(n) if rng.random() < 0.3]
        distance = distances_to(back, np.array(seeds, np.int64), within)
        assert distance.tolist() == [_distance(graph, v, seeds, within) for v in range(n)]


def _distance(graph: nx.DiGraph, v: int, seeds: list[int], within: np.ndarray) -> int:
    """Shortest path from v to a seed through states of ``within`` (seeds exempt)."""
    if v in seeds:
        return 0
    if not within[v]:
        return -1
    allowed = graph.subgraph([s for s in graph if within[s] or s in seeds])
    lengths = nx.single_source_shortest_path_length(allowed, v)
    reached = [lengths[s] for s in seeds if s in lengths]
    return min(reached, default=-1)


def test_a_graph_without_cycles_is_peeled_to_nothing():
    n = 1000  # a long chain with stutters: no cycle of two states or more
    offsets = array("q", range(0, 2 * n, 2)) + array("q", [2 * n - 1])
    targets = array("i")
    for u in range(n):
        targets.extend([u, u + 1] if u + 1 < n else [u])
    out = forward(n, offsets, targets)
    assert cyclic_components(out, reverse(out), np.ones(n, np.bool_)) == []
