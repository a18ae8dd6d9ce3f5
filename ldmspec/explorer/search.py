"""Breadth-first exploration of a model's state graph.

The search keeps the graph in flat arrays (a state list, a fingerprint index, parent
pointers and a compressed adjacency) because building a networkx graph while exploring
costs more than the exploration itself; :attr:`Exploration.graph` builds the networkx
``DiGraph`` on first use, for analyses, exports and users.

Fingerprints are the states themselves: Python hashes them and the index compares them
on collision, so two distinct states are never merged (unlike TLC's 64-bit
fingerprints, no collision estimate is needed).

Breadth-first order gives shortest paths: a state's parent pointer leads back to an
initial state along a path of minimal length, and the states are numbered in order of
depth, so the first state found to violate a property has a shortest counterexample.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, TypeVar

import networkx as nx

from ldmspec.explorer.model import Model, Trace, TraceStep

__all__ = ["Exploration", "Statistics", "explore"]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)

# How often (in expanded states) the progress callback is told about the search.
_PROGRESS_EVERY = 8192


@dataclass(frozen=True)
class Statistics:
    """What a search saw; ``complete`` is False when a bound stopped it early."""

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

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else float("inf")


ProgressCallback = Callable[[int, int, int, int], None]
"""Called as ``progress(expanded, states, edges, depth)`` while the search runs."""


@dataclass(frozen=True)
class StepViolation(Generic[S, A]):
    """The first edge (in breadth-first order) that broke a step property."""

    source: int
    slot: int
    action: A
    after: S


class Exploration(Generic[S, A]):
    """The reachable state graph of a model, as a search left it.

    ``states[i]`` is state number ``i`` (numbered in breadth-first order),
    ``index[state]`` its number (members of a symmetry class met during the search
    map to their representative's number too), ``depth[i]`` its distance from an
    initial state. The out-edges of state ``i`` are
    ``targets[offsets[i]:offsets[i + 1]]``, one per distinct target, in
    :meth:`Model.successors` order. Only the first ``expanded`` states had their
    successors generated (all of them when :attr:`Statistics.complete`).
    ``fair_exit[i]`` is 1 when a fair action leads from state ``i`` to another state
    (in TLA+ terms, a fair action is enabled there: a step back to the same state is
    a stutter). Under symmetry reduction "another state" is another *concrete* state:
    a step to another member of ``i``'s own class (an *orbit edge*, stored as the
    edge ``i -> i``) is a real step, not a stutter, and ``orbit[i]`` is 1 when state
    ``i`` has one; repeating it is a real cycle.
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
        parent_slot: array,
        depth: array,
        offsets: array,
        targets: array,
        expanded: int,
        fired: dict[A, int],
        fair_exit: bytearray,
        orbit: bytearray,
        step_violations: dict[str, StepViolation[S, A]],
        stats: Statistics,
    ) -> None:
        self.model = model
        self.symmetry = symmetry
        self.raw_initial = raw_initial
        self.states = states
        self.index = index
        self.parent = parent
        self.parent_slot = parent_slot
        self.depth = depth
        self.offsets = offsets
        self.targets = targets
        self.expanded = expanded
        self.fired = fired
        self.fair_exit = fair_exit
        self.orbit = orbit
        self.step_violations = step_violations
        self.stats = stats

    def __len__(self) -> int:
        return len(self.states)

    def out_edges(self, i: int) -> array:
        """The numbers of the states state ``i`` leads to (distinct, in action order)."""
        if i >= self.expanded:
            return array("l")
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
        """The shortest path to state ``i``: (action, state number) from an initial state."""
        chain: list[int] = []
        while i >= 0:
            chain.append(i)
            i = self.parent[i]
        chain.reverse()
        path: list[tuple[A | None, int]] = [(None, chain[0])]
        for after in chain[1:]:
            successors = self.model.successors(self.states[self.parent[after]])
            for slot, (action, _) in enumerate(successors):
                if slot == self.parent_slot[after]:
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
        """The state graph as a networkx ``DiGraph``.

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


def explore(
    model: Model[S, A],
    *,
    symmetry: bool = True,
    max_states: int | None = None,
    max_depth: int | None = None,
    progress: ProgressCallback | None = None,
) -> Exploration[S, A]:
    """Explore every state reachable from ``model``'s initial states, breadth first.

    ``symmetry`` canonicalises each state with :meth:`Model.representative` before it
    is looked up. ``max_states`` and ``max_depth`` bound the search; a bounded search
    reports ``complete=False`` and the analyses then answer "unknown" where a missing
    state could change the answer.
    """
    started = time.perf_counter()
    canon = model.representative if symmetry else None
    successors = model.successors
    step_properties = [p for p in model.properties() if p.kind == "step"]
    step_violations: dict[str, StepViolation[S, A]] = {}

    raw_initial = list(model.init_states())
    states: list[S] = []
    index: dict[S, int] = {}
    parent = array("l")
    parent_slot = array("l")
    depth = array("l")
    for state in raw_initial:
        key = canon(state) if canon is not None else state
        if key not in index:
            index[key] = len(states)
            states.append(key)
            parent.append(-1)
            parent_slot.append(-1)
            depth.append(0)

    offsets = array("l")
    targets = array("l")
    fired: dict[A, int] = {}
    transitions = 0
    limit = max_states if max_states is not None else -1
    truncated = False
    expanded = 0
    max_out = 0

    # linked[v] is the last state an edge to v was recorded from (edges are distinct)
    linked = array("l", [-1]) * len(states)
    # The hot loop: local names only. Everything that depends on the action alone
    # (its count, its fairness, the step properties that concern it) sits in one
    # record per distinct action, found with one dict lookup per transition.
    index_get = index.get
    is_fair = model.is_fair
    records: dict[A, list] = {}
    records_get = records.get
    fair_exit = bytearray()
    orbit = bytearray()
    add_target = targets.append
    step_checks = [(p.id, p.holds, p.concerns) for p in step_properties]
    while expanded < len(states):
        u = expanded
        if max_depth is not None and depth[u] >= max_depth:
            truncated = True
            break
        state = states[u]
        next_depth = depth[u] + 1
        offsets.append(len(targets))
        first_edge = len(targets)
        slot = -1
        fair_here = 0
        orbit_here = 0
        for slot, (action, after) in enumerate(successors(state)):
            record = records_get(action)
            if record is None:
                checks = tuple(
                    (name, holds) for name, holds, concerns in step_checks
                    if concerns is None or concerns(action)
                )  # fmt: skip
                record = records[action] = [0, is_fair(action), checks]
            record[0] += 1
            for name, holds in record[2]:
                if not holds(state, action, after) and name not in step_violations:
                    step_violations[name] = StepViolation(u, slot, action, after)
            if after is state:  # a step that changes nothing: a stutter
                v = u
            else:
                found = index_get(after)  # the state, or a member of its class seen before
                if found is None:
                    key = canon(after) if canon is not None else after
                    found = index_get(key)
                    if found is None:
                        if len(states) == limit:
                            truncated = True
                            break
                        found = len(states)
                        index[key] = found
                        states.append(key)
                        parent.append(u)
                        parent_slot.append(slot)
                        depth.append(next_depth)
                        linked.append(-1)
                    if key is not after and key != after:
                        # remember the class of this member: canonicalising costs more
                        # than a lookup, and the same member comes back often
                        index[after] = found
                v = found
            if linked[v] != u:  # the first transition from u to v: an edge
                linked[v] = u
                add_target(v)
            if v != u:
                if record[1]:
                    fair_here = 1
            elif after is not state and after != state:
                # an orbit edge: a real step to another member of u's class
                orbit_here = 1
                if record[1]:
                    fair_here = 1
        if truncated:
            # u lost successors to the bound: leave it unexpanded, as if never reached
            del targets[offsets[u] :]
            offsets.pop()
            break
        fair_exit.append(fair_here)
        orbit.append(orbit_here)
        transitions += slot + 1
        if len(targets) - first_edge > max_out:
            max_out = len(targets) - first_edge
        expanded += 1
        if progress is not None and expanded % _PROGRESS_EVERY == 0:
            progress(expanded, len(states), len(targets), depth[u])
    offsets.append(len(targets))
    fired = {action: record[0] for action, record in records.items()}

    seconds = time.perf_counter() - started
    if progress is not None:
        progress(expanded, len(states), len(targets), depth[-1] if depth else 0)
    complete = not truncated and expanded == len(states)
    stats = Statistics(
        states=len(states),
        edges=len(targets),
        transitions=transitions,
        depth=max(depth) if depth else 0,
        seconds=seconds,
        initial=sum(1 for p in parent if p < 0),
        terminal=sum(1 for s in states if model.is_terminal(s)),
        max_out_degree=max_out,
        mean_out_degree=len(targets) / expanded if expanded else 0.0,
        complete=complete,
        symmetry=symmetry,
    )
    return Exploration(
        model,
        symmetry=symmetry,
        raw_initial=raw_initial,
        states=states,
        index=index,
        parent=parent,
        parent_slot=parent_slot,
        depth=depth,
        offsets=offsets,
        targets=targets,
        expanded=expanded,
        fired=fired,
        fair_exit=fair_exit,
        orbit=orbit,
        step_violations=step_violations,
        stats=stats,
    )
