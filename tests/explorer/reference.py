"""A brute-force reference for the explorer's graph analyses, and random graph models.

The reference shares no code with :mod:`ldmspec.explorer`: it reads a plain labelled
graph, finds the reachable states with networkx, and decides liveness by enumerating
*every* subset of states, keeping the strongly connected ones (networkx) and applying
the definition of weak fairness to each. Exponential, so only for graphs of a few
states; that is how model-checker authors test their SCC code. Any faster analysis
(the explorer's, or array-based ones) is tested against :func:`reference_verdicts`.

A :class:`LabelledGraph` is also a :class:`~ldmspec.explorer.model.Model`, optionally
with a symmetry given by a permutation of its states (and of the tags its actions
carry), so the same graph can be explored with and without reduction.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from ldmspec.explorer.model import Model, Property

Action = tuple[str, int, int]  # (kind, tag, target): one action per edge
Edge = tuple[int, Action, int]

FAIR_KINDS = ("a", "b")  # "c" is the environment's
GOAL = "eventually goal"


@dataclass(frozen=True)
class LabelledGraph(Model[int, Action]):
    """States ``0..n-1``; ``edges`` are ``(source, (kind, tag, target), target)``.

    Fairness classes are ``(kind, tag)`` (one per "process"), or the kind alone when
    ``per_kind``. ``state_perm``/``tag_perm``, when given, is an automorphism: the edge
    set, the initial, terminal, goal and trigger sets are closed under it.
    """

    n: int
    edges: tuple[Edge, ...]
    initial: frozenset[int]
    terminal: frozenset[int]
    goal: frozenset[int]
    trigger: frozenset[int]
    per_kind: bool = False
    state_perm: tuple[int, ...] | None = None
    tag_perm: tuple[int, ...] = (0, 1)
    _out: dict[int, list[tuple[Action, int]]] = field(default_factory=dict, compare=False)

    @property
    def symmetric_fairness(self) -> bool:  # type: ignore[override]
        return self.per_kind

    def init_states(self) -> Sequence[int]:
        return sorted(self.initial)

    def successors(self, state: int) -> Iterable[tuple[Action, int]]:
        if not self._out:
            for u, action, v in sorted(self.edges):
                self._out.setdefault(u, []).append((action, v))
        return self._out.get(state, [])

    def actions(self, state: int) -> Iterable[Action]:
        return [a for a, _ in self.successors(state)]

    def next_state(self, state: int, action: Action) -> int | None:
        return dict(self.successors(state)).get(action)

    def is_terminal(self, state: int) -> bool:
        return state in self.terminal

    def is_fair(self, action: Action) -> bool:
        return action[0] in FAIR_KINDS

    def fairness_class(self, action: Action) -> Hashable:
        return action[0] if self.per_kind else action[:2]

    def representative(self, state: int) -> int:
        if self.state_perm is None:
            return state
        return min(_orbit(self.state_perm, state))

    def properties(self) -> Sequence[Property]:
        return [
            Property.eventually(GOAL, self.goal.__contains__, trigger=self.trigger.__contains__)
        ]


def _orbit(perm: tuple[int, ...], state: int) -> list[int]:
    seen = [state]
    while perm[seen[-1]] != state:
        seen.append(perm[seen[-1]])
    return seen


def close_under(
    edges: Iterable[Edge], state_perm: tuple[int, ...], tag_perm: tuple[int, ...]
) -> tuple[Edge, ...]:
    """The smallest edge set containing ``edges`` and closed under the permutations."""
    found: set[Edge] = set()
    todo = list(edges)
    while todo:
        u, (kind, tag, _), v = edge = todo.pop()
        if edge in found:
            continue
        found.add(edge)
        image = (state_perm[u], (kind, tag_perm[tag], state_perm[v]), state_perm[v])
        todo.append(image)
    return tuple(sorted(found))


def close_set(states: Iterable[int], state_perm: tuple[int, ...]) -> frozenset[int]:
    return frozenset(s for x in states for s in _orbit(state_perm, x))


# --- the reference ------------------------------------------------------------------------


def reference_verdicts(model: LabelledGraph) -> dict[str, str]:
    """``holds`` or ``violated`` for the goal's ``eventually``, ``fair-cycle-free``,
    ``deadlock-free`` and ``terminal-reachable``, by brute force on the unreduced graph."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(model.n))
    for u, action, v in model.edges:
        graph.add_edge(u, v, action=action)
    reachable = set(model.initial)
    for s in model.initial:
        reachable |= nx.descendants(graph, s)
    moves = nx.DiGraph()  # real moves between reachable states (self-loops are stutters)
    moves.add_nodes_from(reachable)
    moves.add_edges_from((u, v) for u, v in graph.edges() if u in reachable and u != v)
    fair_sets = _fair_strongly_connected_sets(model, moves)
    deadlocked = any(graph.out_degree(s) == 0 and s not in model.terminal for s in reachable)
    ends = set(model.terminal) | {a for t in model.terminal for a in nx.ancestors(graph, t)}
    verdicts = {
        "deadlock-free": "violated" if deadlocked else "holds",
        "terminal-reachable": "holds" if reachable <= ends else "violated",
        "fair-cycle-free": "holds",
        GOAL: "holds",
    }
    if any(not (s & model.terminal) for s in fair_sets):
        verdicts["fair-cycle-free"] = "violated"
    pending = {s for s in reachable if s not in model.goal}
    rests = {s for s in pending if not _enabled(model, s)}
    traps = rests | {x for s in fair_sets if s <= pending for x in s}
    inside = moves.subgraph(pending)
    for start in pending & model.trigger:
        if traps & ({start} | nx.descendants(inside, start)):
            verdicts[GOAL] = "violated"
    return verdicts


def _fair_strongly_connected_sets(model: LabelledGraph, moves: nx.DiGraph) -> list[frozenset[int]]:
    """Every set of two or more reachable states, strongly connected by real moves among
    themselves, through which a weakly fair behaviour can cycle forever."""
    found = []
    nodes = sorted(moves.nodes)
    for size in range(2, len(nodes) + 1):
        for subset in itertools.combinations(nodes, size):
            if nx.is_strongly_connected(moves.subgraph(subset)) and _weakly_fair(model, subset):
                found.append(frozenset(subset))
    return found


def _weakly_fair(model: LabelledGraph, subset: Sequence[int]) -> bool:
    inside = set(subset)
    always = set.intersection(*(_enabled(model, s) for s in subset))
    taken = {
        model.fairness_class(action)
        for u, action, v in model.edges
        if u in inside and v in inside and u != v and model.is_fair(action)
    }
    return not always - taken


def _enabled(model: LabelledGraph, state: int) -> set[Hashable]:
    return {
        model.fairness_class(action)
        for u, action, v in model.edges
        if u == state and v != state and model.is_fair(action)
    }
