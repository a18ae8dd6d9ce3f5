"""What a search leaves: the reachable state graph in compact arrays.

States are numbered in breadth-first order and stored once: ``states[i]`` is the
value, ``index`` maps each stored (canonical) state to its number. Everything else is
an array of machine ints: ``parent`` (32-bit), ``depth`` (one byte per state while the
graph is shallower than 256), and the out-edges as a compressed adjacency
(``offsets``, 64-bit; ``targets``, 32-bit). About 170 bytes per state in all, most of
it the state value and its index entry; the networkx ``DiGraph`` is built only when
asked for (:attr:`Exploration.graph`), for exports and for users.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, TypeVar

import networkx as nx

from ldmspec.explorer.model import Model, Trace, TraceStep

__all__ = ["Exploration", "Statistics", "StepViolation", "depth_array"]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)


@dataclass(frozen=True)
class Statistics:
    """What a search saw; ``complete`` is False when a bound stopped it early.

    ``stopped`` names the bound that did (``max-states``, ``max-depth``,
    ``max-memory``); ``workers`` is the number of processes that generated
    successors (1: the sequential search).
    """

    states: int
    edges: int
    transitions: int
    depth: int
    seconds: float
    initial: int
    terminal: int
    max_out_degree: int
    mean_out_degree: float
    complete: bool
    symmetry: bool
    stopped: str | None = None
    workers: int = 1

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class StepViolation(Generic[S, A]):
    """The first edge (in breadth-first order) that broke a step property."""

    source: int
    slot: int
    action: A
    after: S


def depth_array(level_starts: array, states: int) -> array:
    """Each state's depth from the first state number of every level: one byte per
    state while there are fewer than 256 levels, two or four bytes beyond."""
    levels = len(level_starts)
    code = "B" if levels <= 256 else "H" if levels <= 65536 else "i"
    depth = array(code)
    bounds = [*level_starts, states]
    for level in range(levels):
        depth.extend(array(code, [level]) * (bounds[level + 1] - bounds[level]))
    return depth


class Exploration(Generic[S, A]):
    """The reachable state graph of a model, as a search left it.

    ``states[i]`` is state number ``i`` (numbered in breadth-first order),
    ``index[state]`` its number (for the stored, canonical states), ``depth[i]`` its
    distance from an initial state and ``parent[i]`` the state it was first reached
    from (-1 for an initial state). The out-edges of state ``i`` are
    ``targets[offsets[i]:offsets[i + 1]]``, one per distinct target, in
    :meth:`Model.successors` order. Only the first ``expanded`` states had their
    successors generated (all of them when :attr:`Statistics.complete`).
    ``fair_exit[i]`` is 1 when a fair action leads from state ``i`` to another state
    (in TLA+ terms, a fair action is enabled there: a step back to the same state is
    a stutter). Under symmetry reduction "another state" is another *concrete* state:
    a step to another member of ``i``'s own class (an *orbit edge*, stored as the
    edge ``i -> i``) is a real step, not a stutter, and ``orbit[i]`` is 1 when state
    ``i`` has one; repeating it is a real cycle. ``labels[i]`` holds the answers of
    the model's state predicates for state ``i``, bit ``label_bits[key]`` each
    (:mod:`ldmspec.explorer.labels`; None when they were not precomputed).
    """

    def __init__(
        self,
        model: Model[S, A],
        *,
        symmetry: bool,
        raw_initial: list[S],
        states: list[S],
        index: dict[S, int],
        parent: array,
        depth: array,
        offsets: array,
        targets: array,
        expanded: int,
        fired: dict[A, int],
        fair_exit: bytearray,
        orbit: bytearray,
        step_violations: dict[str, StepViolation[S, A]],
        stats: Statistics,
        labels: array | None = None,
        label_bits: dict[tuple[str, str | None], int] | None = None,
    ) -> None:
        self.model = model
        self.symmetry = symmetry
        self.raw_initial = raw_initial
        self.states = states
        self.index = index
        self.parent = parent
        self.depth = depth
        self.offsets = offsets
        self.targets = targets
        self.expanded = expanded
        self.fired = fired
        self.fair_exit = fair_exit
        self.orbit = orbit
        self.step_violations = step_violations
        self.stats = stats
        self.labels = labels
        self.label_bits = label_bits or {}

    def __len__(self) -> int:
        return len(self.states)

    def out_edges(self, i: int) -> array:
        """The numbers of the states state ``i`` leads to (distinct, in action order)."""
        if i >= self.expanded:
            return array("i")
        return self.targets[self.offsets[i] : self.offsets[i + 1]]

    def labelled_successors(self, i: int) -> Iterator[tuple[A, int]]:
        """Every transition out of state ``i`` (duplicates included), with its target."""
        canon = self.model.representative if self.symmetry else None
        for action, after in self.model.successors(self.states[i]):
            if canon is not None:
                after = canon(after)
            target = self.index.get(after)
            if target is not None:
                yield action, target

    def transitions(self, i: int) -> Iterator[tuple[A, int, bool]]:
        """Every transition out of state ``i``: ``(action, target, moved)``.

        ``moved`` is False for a stutter (the action leads back to the very same
        state). Under symmetry reduction a step to another member of ``i``'s class has
        target ``i`` and ``moved`` True: an orbit edge, a real step.
        """
        canon = self.model.representative if self.symmetry else None
        state = self.states[i]
        for action, after in self.model.successors(state):
            moved = after != state
            if canon is not None:
                after = canon(after)
            target = self.index.get(after)
            if target is not None:
                yield action, target, moved

    def path_to(self, i: int) -> list[tuple[A | None, int]]:
        """The shortest path to state ``i``: (action, state number) from an initial state.

        Each step is the first action, in :meth:`Model.successors` order, that leads
        from the parent to the state: the transition the search first reached it by.
        """
        chain: list[int] = []
        while i >= 0:
            chain.append(i)
            i = self.parent[i]
        chain.reverse()
        canon = self.model.representative if self.symmetry else (lambda s: s)
        path: list[tuple[A | None, int]] = [(None, chain[0])]
        for after in chain[1:]:
            wanted = self.states[after]
            for action, successor in self.model.successors(self.states[self.parent[after]]):
                if canon(successor) == wanted:
                    path.append((action, after))
                    break
        return path

    def trace_to(
        self,
        i: int,
        then: list[int] | None = None,
        cycle: list[int] | None = None,
        stutters: bool = False,
    ) -> Trace[S, A]:
        """A concrete trace along the shortest path to ``i``, continued through the
        state numbers ``then`` and closed by the cycle ``cycle`` (which must return to
        its first state's predecessor on the path).

        Under symmetry reduction the stored states are class representatives, and an
        action label refers to the identities in the state it is taken from; the trace
        re-plays the path from a real initial state so that every action label and
        every state shown agree with each other.
        """
        numbers = [n for _, n in self.path_to(i)] + list(then or [])
        loop = list(cycle or [])
        concrete = self._concretize(numbers + loop)
        steps = tuple(concrete[: len(numbers)])
        return Trace(steps, tuple(concrete[len(numbers) :]), stutters)

    def _concretize(self, numbers: list[int]) -> list[TraceStep[S, A]]:
        model = self.model
        canon = model.representative if self.symmetry else (lambda s: s)
        first = self.states[numbers[0]]
        current = next((s for s in self.raw_initial if canon(s) == first), first)
        steps: list[TraceStep[S, A]] = [TraceStep(None, current)]
        for target in numbers[1:]:
            wanted = self.states[target]
            for action, after in model.successors(current):
                if canon(after) == wanted:
                    steps.append(TraceStep(action, after))
                    current = after
                    break
            else:  # pragma: no cover - only a nondeterministic model gets here
                raise RuntimeError(
                    "cannot replay the path: Model.successors or representative gave "
                    "different answers for the same state (iterating over a set?)"
                )
        return steps

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The state graph as a networkx ``DiGraph`` (built on first use: analyses
        work on the arrays; this is for exports and users).

        Nodes are state numbers with attributes ``state`` (the value), ``depth``,
        ``initial`` and ``terminal``; edges carry ``action`` (the first action, in
        order, that leads there) and ``label`` (its description).
        """
        model = self.model
        graph = nx.DiGraph()
        for i, state in enumerate(self.states):
            graph.add_node(
                i,
                state=state,
                depth=self.depth[i],
                initial=self.parent[i] < 0,
                terminal=model.is_terminal(state),
            )
        for i in range(self.expanded):
            wanted = set(self.out_edges(i))
            for action, target in self.labelled_successors(i):
                if target in wanted:
                    wanted.discard(target)
                    graph.add_edge(i, target, action=action, label=model.describe_action(action))
        return graph
