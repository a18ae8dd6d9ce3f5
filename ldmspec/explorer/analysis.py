"""Analyses of an explored state graph: safety, reachability, deadlock, liveness, coverage.

Every verdict is ``holds``, ``violated`` (with a counterexample trace) or ``unknown``
(the search was bounded and a missing state could change the answer). Counterexamples
are shortest where breadth-first order makes that cheap to guarantee:

* ``always``, ``step``, ``sometimes`` and deadlock: the first offending state or edge in
  breadth-first order, so no shorter path to a violation exists.
* liveness: a lasso whose stem is shortest: a shortest path to a trigger state, then a
  shortest way (avoiding the goal) into a place a fair behaviour can stay forever (a
  cycle, or a state where no fair action is enabled), then a shortest cycle there.

Fairness is weak fairness over *fairness classes* (:meth:`Model.fairness_class`): a
cycle is one a fair scheduler can stay in unless some class is enabled in every state
of the cycle's component and never taken inside it. As in TLA+, a step from a state
back to itself is a stutter: it neither makes a cycle nor counts as taking an action.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from ldmspec.explorer.kernels import CSR, cyclic_components, distances_to, forward, reverse
from ldmspec.explorer.labels import label_key
from ldmspec.explorer.model import Model, Property, Trace, TraceStep
from ldmspec.explorer.search import Exploration

__all__ = [
    "Coverage",
    "ModelVerdict",
    "Status",
    "check_properties",
    "coverage",
    "strongly_connected_components",
]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)

Status = Literal["holds", "violated", "unknown"]

DEADLOCK = "deadlock-free"
TERMINAL_REACHABLE = "terminal-reachable"
FAIR_CYCLE_FREE = "fair-cycle-free"


@dataclass(frozen=True)
class ModelVerdict(Generic[S, A]):
    """The answer for one property.

    ``counterexample`` is set when ``status`` is ``violated``; ``example`` is the
    witness a ``sometimes`` property found.
    """

    id: str
    kind: str
    status: Status
    description: str
    counterexample: Trace[S, A] | None = None
    example: Trace[S, A] | None = None

    @property
    def holds(self) -> bool:
        return self.status == "holds"


@dataclass(frozen=True)
class Coverage:
    """How often each kind of action fired, and the kinds that never did."""

    fired: dict[str, int]
    unfired: tuple[str, ...]


def check_properties(
    exploration: Exploration[S, A],
    properties: Sequence[Property] | None = None,
    *,
    deadlock: bool = True,
    termination: bool | None = None,
) -> list[ModelVerdict[S, A]]:
    """Check ``properties`` (default: the model's) plus the built-in checks.

    Built-ins: ``deadlock-free`` (no non-terminal state without successors) and, when
    the model defines terminal states (``termination``), ``terminal-reachable`` (every
    reachable state can reach a terminal state) and ``fair-cycle-free`` (no cycle of
    non-terminal states a fair scheduler can stay in).
    """
    model = exploration.model
    if properties is None:
        properties = model.properties()
    if termination is None:
        termination = type(model).is_terminal is not Model.is_terminal
    graph = _Graph(exploration)
    verdicts: list[ModelVerdict[S, A]] = []
    for prop in properties:
        if prop.kind == "always":
            verdicts.append(_always(graph, prop))
        elif prop.kind == "step":
            verdicts.append(_step(graph, prop))
        elif prop.kind == "sometimes":
            verdicts.append(_sometimes(graph, prop))
        else:
            verdicts.append(_eventually(graph, prop))
    if deadlock:
        verdicts.append(_deadlock(graph))
    if termination:
        verdicts.append(_terminal_reachable(graph))
        verdicts.append(_fair_cycle_free(graph))
    return verdicts


def coverage(exploration: Exploration[S, A]) -> Coverage:
    """Count the transitions per action kind; list the model's kinds that never fired."""
    model = exploration.model
    fired: dict[str, int] = {}
    for action, count in exploration.fired.items():
        kind = model.action_kind(action)
        fired[kind] = fired.get(kind, 0) + count
    unfired = tuple(kind for kind in model.action_kinds() if kind not in fired)
    return Coverage(dict(sorted(fired.items())), unfired)


# --- the graph, as the analyses need it ------------------------------------------------


class _Graph(Generic[S, A]):
    """Forward and (lazily) backward adjacency over an exploration's arrays."""

    def __init__(self, exploration: Exploration[S, A]) -> None:
        self.x = exploration
        self.model = exploration.model
        self.n = len(exploration.states)
        self.complete = exploration.stats.complete
        self._arrays: tuple[CSR, CSR] | None = None
        self._terminal: npt.NDArray[np.bool_] | None = None
        self._cyclic: bytearray | bool | None = False

    @property
    def cyclic(self) -> bytearray | None:
        """1 for the states on a cycle of two states or more (None: there is none).

        Computed once: every analysis that looks for cycles in part of the graph
        only needs to look among these.
        """
        if self._cyclic is False:
            marks = bytearray(self.n)
            for component in self.cyclic_components(np.ones(self.n, np.bool_)):
                for i in component:
                    marks[i] = 1
            self._cyclic = marks if any(marks) else None
        return self._cyclic  # type: ignore[return-value]

    @property
    def terminal(self) -> npt.NDArray[np.bool_]:
        if self._terminal is None:
            self._terminal = self.state_mask(label_key("terminal", None), self.model.is_terminal)
        return self._terminal

    def state_mask(
        self, key: tuple[str, str | None], predicate: Callable[[Any], bool]
    ) -> npt.NDArray[np.bool_]:
        """``predicate`` of every state, as a boolean array: read from the labels the
        search computed (:mod:`ldmspec.explorer.labels`), or evaluated now."""
        x = self.x
        bit = x.label_bits.get(key)
        if x.labels is not None and bit is not None:
            values = np.frombuffer(x.labels, dtype=x.labels.typecode)
            return (values & values.dtype.type(1 << bit)) != 0
        return np.fromiter(map(predicate, x.states), np.bool_, self.n)

    def successors(self, i: int) -> array:
        return self.x.out_edges(i)

    @property
    def arrays(self) -> tuple[CSR, CSR]:
        """The out-edges and the in-edges as numpy arrays (:mod:`kernels`)."""
        if self._arrays is None:
            out = forward(self.n, self.x.offsets, self.x.targets)
            self._arrays = (out, reverse(out))
        return self._arrays

    def predecessors(self, i: int) -> list[int]:
        backward = self.arrays[1]
        return backward.nodes[backward.offsets[i] : backward.offsets[i + 1]].tolist()

    def mask(self, predicate: Callable[[int], bool]) -> npt.NDArray[np.bool_]:
        """``predicate`` of every state number, as a boolean array."""
        if predicate is _anything:
            return np.ones(self.n, np.bool_)
        if isinstance(predicate, _Mask):
            return predicate.array
        return np.fromiter(map(predicate, range(self.n)), np.bool_, self.n)

    def cyclic_components(self, within: npt.NDArray[np.bool_]) -> list[list[int]]:
        """The strongly connected components of two states or more among ``within``
        (self-loops, stutters and orbit edges alike, are left out)."""
        return cyclic_components(*self.arrays, within)

    def distances_to(
        self, seeds: Iterable[int], within: Callable[[int], bool]
    ) -> npt.NDArray[np.int32]:
        """For every state, the length of a shortest path to a seed through states
        satisfying ``within`` (-1 when no seed can be reached that way)."""
        found = np.fromiter(seeds, np.int64)
        return distances_to(self.arrays[1], found, self.mask(within))

    def shortest_path_within(
        self, start: int, goal: Callable[[int], bool], within: Callable[[int], bool]
    ) -> list[int] | None:
        """The states after ``start`` on a shortest path to a ``goal`` state, staying
        ``within``; ``[]`` when ``start`` itself is a goal."""
        if goal(start):
            return []
        parent = {start: -1}
        queue = deque([start])
        while queue:
            u = queue.popleft()
            for v in self.successors(u):
                if v in parent or not within(v):
                    continue
                parent[v] = u
                if goal(v):
                    path = [v]
                    while parent[path[-1]] != start:
                        path.append(parent[path[-1]])
                    path.reverse()
                    return path
                queue.append(v)
        return None

    def fair_classes(self, i: int) -> tuple[set[Hashable], dict[Hashable, list[int]]]:
        """The fairness classes enabled in state ``i`` (leading elsewhere: a step back
        to the same state is a stutter), and their targets."""
        model = self.model
        enabled: set[Hashable] = set()
        targets: dict[Hashable, list[int]] = {}
        for action, target in self.x.labelled_successors(i):
            if target != i and model.is_fair(action):
                key = model.fairness_class(action)
                enabled.add(key)
                targets.setdefault(key, []).append(target)
        return enabled, targets


def strongly_connected_components(
    n: int, successors: Callable[[int], Iterable[int]], within: Callable[[int], bool]
) -> list[list[int]]:
    """Tarjan's algorithm, iteratively, over the states ``0..n-1`` satisfying ``within``."""
    index = [-1] * n
    low = [0] * n
    on_stack = bytearray(n)
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in range(n):
        if index[root] >= 0 or not within(root):
            continue
        work: list[tuple[int, Any]] = [(root, iter(successors(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        while work:
            v, children = work[-1]
            advanced = False
            for w in children:
                if not within(w):
                    continue
                if index[w] < 0:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, iter(successors(w))))
                    advanced = True
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[v] < low[parent]:
                    low[parent] = low[v]
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack[w] = 0
                    component.append(w)
                    if w == v:
                        break
                components.append(component)
    return components


# --- safety and reachability ------------------------------------------------------------


def _always(graph: _Graph[S, A], prop: Property) -> ModelVerdict[S, A]:
    broken = np.flatnonzero(~graph.state_mask(label_key("holds", prop.id), prop.holds))
    for i in broken[:1].tolist():
        return ModelVerdict(prop.id, prop.kind, "violated", prop.description, graph.x.trace_to(i))
    return ModelVerdict(prop.id, prop.kind, _complete(graph), prop.description)


def _step(graph: _Graph[S, A], prop: Property) -> ModelVerdict[S, A]:
    found = graph.x.step_violations.get(prop.id)
    if found is None:
        return ModelVerdict(prop.id, prop.kind, _complete(graph), prop.description)
    x = graph.x
    prefix = x.trace_to(found.source)
    trace = Trace((*prefix.steps, TraceStep(found.action, found.after)))
    return ModelVerdict(prop.id, prop.kind, "violated", prop.description, trace)


def _sometimes(graph: _Graph[S, A], prop: Property) -> ModelVerdict[S, A]:
    found = np.flatnonzero(graph.state_mask(label_key("holds", prop.id), prop.holds))
    for i in found[:1].tolist():
        example = graph.x.trace_to(i)
        return ModelVerdict(prop.id, prop.kind, "holds", prop.description, example=example)
    status: Status = "violated" if graph.complete else "unknown"
    return ModelVerdict(prop.id, prop.kind, status, prop.description)


def _deadlock(graph: _Graph[S, A]) -> ModelVerdict[S, A]:
    text = "no reachable non-terminal state is without successors"
    x = graph.x
    out_degree = np.diff(np.frombuffer(x.offsets, np.int64))
    stuck = np.flatnonzero((out_degree == 0) & ~graph.terminal[: x.expanded])
    for i in stuck[:1].tolist():
        return ModelVerdict(DEADLOCK, "deadlock", "violated", text, x.trace_to(i))
    return ModelVerdict(DEADLOCK, "deadlock", _complete(graph), text)


def _complete(graph: _Graph[S, A]) -> Status:
    return "holds" if graph.complete else "unknown"


# --- liveness ---------------------------------------------------------------------------


def _terminal_reachable(graph: _Graph[S, A]) -> ModelVerdict[S, A]:
    text = "every reachable state can reach a terminal state"
    if not graph.complete:
        return ModelVerdict(TERMINAL_REACHABLE, "liveness", "unknown", text)
    terminal = graph.terminal
    can_end = graph.distances_to(np.flatnonzero(terminal).tolist(), _anything)
    for i in np.flatnonzero(can_end < 0)[:1].tolist():
        return ModelVerdict(TERMINAL_REACHABLE, "liveness", "violated", text, graph.x.trace_to(i))
    return ModelVerdict(TERMINAL_REACHABLE, "liveness", "holds", text)


def _fair_cycle_free(graph: _Graph[S, A]) -> ModelVerdict[S, A]:
    text = "no cycle of non-terminal states that a fair scheduler can stay in"
    if not graph.complete:
        return ModelVerdict(FAIR_CYCLE_FREE, "liveness", "unknown", text)
    terminal = graph.terminal
    trace = _lasso(graph, _Mask(~terminal), None, stutter=False)
    if trace is None:
        return ModelVerdict(FAIR_CYCLE_FREE, "liveness", "holds", text)
    return ModelVerdict(FAIR_CYCLE_FREE, "liveness", "violated", text, trace)


def _eventually(graph: _Graph[S, A], prop: Property) -> ModelVerdict[S, A]:
    if not graph.complete:
        return ModelVerdict(prop.id, prop.kind, "unknown", prop.description)
    pending = ~graph.state_mask(label_key("goal", prop.id), prop.holds)
    starts = pending
    if prop.trigger is not None:
        starts = pending & graph.state_mask(label_key("trigger", prop.id), prop.trigger)
    trace = _lasso(graph, _Mask(pending), np.flatnonzero(starts), stutter=True)
    if trace is None:
        return ModelVerdict(prop.id, prop.kind, "holds", prop.description)
    return ModelVerdict(prop.id, prop.kind, "violated", prop.description, trace)


def _lasso(
    graph: _Graph[S, A],
    inside: Callable[[int], bool],
    starts: list[int] | npt.NDArray[np.int64] | None,
    *,
    stutter: bool,
) -> Trace[S, A] | None:
    """A behaviour that starts in ``starts`` (default: anywhere ``inside``) and stays
    ``inside`` forever under weak fairness, as a lasso; None when there is none.

    It can stay by cycling in a strongly connected component no fairness class forces
    it out of, or (when ``stutter``) by resting in a state where no fair action is
    enabled at all.
    """
    traps = np.zeros(graph.n, np.int8)
    within = graph.mask(inside)
    cyclic = graph.cyclic  # the components of a subgraph refine those of the graph
    if cyclic is not None:
        marked = np.frombuffer(cyclic, np.uint8).astype(np.bool_) & within
        for component in graph.cyclic_components(marked):
            if _fair_component(graph, component):
                traps[component] = 1
    if stutter:
        expanded = graph.x.expanded
        resting = np.frombuffer(graph.x.fair_exit, np.uint8)[:expanded] == 0
        resting &= (traps[:expanded] == 0) & within[:expanded]
        traps[:expanded][resting] = 2
    if not traps.any():
        return None
    # the shortest stem: a start minimising (distance from an initial state) +
    # (distance to a trap without leaving ``inside``), the lowest number on a tie
    doomed = distances_to(graph.arrays[1], np.flatnonzero(traps), within)
    candidates = np.arange(graph.n) if starts is None else np.asarray(starts, np.int64)
    candidates = candidates[doomed[candidates] >= 0]
    if not candidates.size:
        return None
    depth = np.frombuffer(graph.x.depth, graph.x.depth.typecode)
    stems = depth[candidates].astype(np.int64) + doomed[candidates]
    start = int(candidates[np.flatnonzero(stems == stems.min())].min())
    leg = graph.shortest_path_within(start, lambda i: traps[i] > 0, inside)
    assert leg is not None  # start is doomed, so a trap is reachable inside
    entry = leg[-1] if leg else start
    if traps[entry] == 2:
        return graph.x.trace_to(start, leg, stutters=True)
    cycle = _cycle_through(graph, entry, inside)
    return graph.x.trace_to(start, leg, cycle)


def _cycle_through(graph: _Graph[S, A], entry: int, inside: Callable[[int], bool]) -> list[int]:
    """A shortest cycle (of two states or more) from ``entry`` back to it, ``inside``."""
    best: list[int] | None = None
    for first in graph.successors(entry):
        if first == entry or not inside(first):
            continue
        rest = graph.shortest_path_within(first, lambda i: i == entry, inside)
        if rest is not None and (best is None or len(rest) + 1 < len(best)):
            best = [first, *rest]
    assert best is not None  # entry lies on a cycle of its component
    return best


def _fair_component(graph: _Graph[S, A], component: list[int]) -> bool:
    """Whether a weakly fair scheduler can stay in ``component`` forever.

    A single state is never a cycle: its self-loops are stutters, and resting in a
    state is judged by whether a fair action is enabled there.
    """
    if len(component) == 1:
        return False
    members = set(component)
    always_enabled: set[Hashable] | None = None
    taken_inside: set[Hashable] = set()
    for i in component:
        enabled, targets = graph.fair_classes(i)
        always_enabled = enabled if always_enabled is None else always_enabled & enabled
        for key, hits in targets.items():
            if any(t in members for t in hits):
                taken_inside.add(key)
    return not (always_enabled or set()) - taken_inside


class _Mask:
    """A boolean per state number that answers as a predicate too."""

    __slots__ = ("array",)

    def __init__(self, array: npt.NDArray[np.bool_]) -> None:
        self.array = array

    def __call__(self, i: int) -> bool:
        return bool(self.array[i])


def _anything(_: int) -> bool:
    return True
