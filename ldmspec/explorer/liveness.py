"""Liveness under weak fairness on an explored state graph: fair cycles and lassos.

Weak fairness is judged over *fairness classes* (:meth:`Model.fairness_class`): a
behaviour is weakly fair to a class when it does not keep the class enabled from some
moment on without taking it. A class is *enabled* in a state when one of its fair
actions leads to a different state (TLA+ ``ENABLED <A>_vars``: a step back to the same
state is a stutter); it is *taken* by a step of one of its fair actions that changes the
state. An infinite behaviour that ends in a cycle through a strongly connected set of
states ``C`` is weakly fair exactly when no class is enabled in every state of ``C`` and
taken on no edge inside ``C``; so one check per strongly connected component decides
whether a fair behaviour can stay in it (the tour through every state and edge of the
component is fair when any cycle in it is).

Under symmetry reduction a step to another member of the same class (an *orbit edge*,
stored as a self-loop of the class) is a real step: it is taken and enabled like any
other, and a class with such an edge lies on a cycle. Component by component, the
reduced graph decides fairness exactly when every fairness class is invariant under
the renamings (:attr:`Model.symmetric_fairness`); otherwise
:func:`~ldmspec.explorer.analysis.check_properties` decides liveness on the unreduced
graph.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from ldmspec.explorer.exploration import Exploration
from ldmspec.explorer.kernels import CSR, cyclic_components, distances_to, forward, reverse
from ldmspec.explorer.model import Trace, TraceStep

__all__ = ["FairGraph", "find_lasso", "strongly_connected_components"]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)

Edge = tuple[Any, int]  # (action, target state number)


class FairGraph(Generic[S, A]):
    """An exploration's graph with what liveness needs: reverse edges, the states on
    cycles, and each state's fair classes (computed on demand, then kept)."""

    def __init__(self, exploration: Exploration[S, A]) -> None:
        self.x = exploration
        self.model = exploration.model
        self.n = len(exploration.states)
        self.complete = exploration.stats.complete
        self._arrays: tuple[CSR, CSR] | None = None
        self._cyclic: npt.NDArray[np.bool_] | None = None
        self._fair: list[tuple[tuple[int, int], ...] | None] = [None] * self.n
        self._class_ids: dict[Hashable, int] = {}
        self.classes: list[Hashable] = []

    # -- structure (numpy arrays, :mod:`ldmspec.explorer.kernels`) -----------------------

    def successors(self, i: int) -> array:
        return self.x.out_edges(i)

    @property
    def arrays(self) -> tuple[CSR, CSR]:
        """The out-edges and the in-edges as numpy arrays."""
        if self._arrays is None:
            out = forward(self.n, self.x.offsets, self.x.targets)
            self._arrays = (out, reverse(out))
        return self._arrays

    @property
    def orbit(self) -> npt.NDArray[np.bool_]:
        """Whether each state has an orbit edge (a real step back into its class)."""
        marks = np.zeros(self.n, np.bool_)
        flags = np.frombuffer(bytes(self.x.orbit), np.uint8).astype(np.bool_)
        marks[: flags.size] = flags
        return marks

    @property
    def cyclic(self) -> npt.NDArray[np.bool_]:
        """Whether each state lies on a cycle: in a strongly connected component of two
        states or more, or with an orbit edge (a real step back into its own class)."""
        if self._cyclic is None:
            marks = self.orbit
            for component in self.components(np.ones(self.n, np.bool_)):
                marks[component] = True
            self._cyclic = marks
        return self._cyclic

    def components(self, within: npt.NDArray[np.bool_]) -> list[list[int]]:
        """The strongly connected components of two states or more among ``within``."""
        return cyclic_components(*self.arrays, within)

    def distances_to(
        self, seeds: npt.NDArray[np.bool_], within: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.int32]:
        """For every state, the length of a shortest path to a ``seeds`` state through
        ``within`` states (-1 when none can be reached that way)."""
        return distances_to(self.arrays[1], np.flatnonzero(seeds), within)

    def fair_moves(self, i: int) -> tuple[tuple[int, int], ...]:
        """``(class id, target)`` for every fair action of state ``i`` that moves."""
        known = self._fair[i]
        if known is None:
            model = self.model
            ids = self._class_ids
            moves = []
            for action, target, moved in self.x.transitions(i):
                if moved and model.is_fair(action):
                    key = model.fairness_class(action)
                    number = ids.get(key)
                    if number is None:
                        number = ids[key] = len(self.classes)
                        self.classes.append(key)
                    moves.append((number, target))
            known = self._fair[i] = tuple(moves)
        return known

    def real_moves(self, i: int) -> list[Edge]:
        """``(action, target)`` for every action of state ``i`` that moves."""
        return [(a, t) for a, t, moved in self.x.transitions(i) if moved]

    # -- paths -------------------------------------------------------------------------

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

    def labelled_path_within(
        self, start: int, goal: Callable[[int, Any, int], bool], members: set[int]
    ) -> list[Edge]:
        """A shortest sequence of real moves from ``start`` inside ``members`` whose
        last move ``(u, action, v)`` satisfies ``goal`` (breadth first over moves)."""
        parent: dict[int, tuple[int, Edge] | None] = {start: None}
        queue = deque([start])
        while queue:
            u = queue.popleft()
            for action, v in self.real_moves(u):
                if v not in members:
                    continue
                if goal(u, action, v):
                    return [*_unwind(parent, u), (action, v)]
                if v not in parent:
                    parent[v] = (u, (action, v))
                    queue.append(v)
        raise AssertionError("no such move inside a strongly connected component")


def _unwind(parent: dict[int, tuple[int, Edge] | None], u: int) -> list[Edge]:
    path: list[Edge] = []
    link = parent[u]
    while link is not None:
        before, edge = link
        path.append(edge)
        link = parent[before]
    path.reverse()
    return path


def strongly_connected_components(  # the reference Tarjan (kernels has the fast one)
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


# --- fair components and lassos ----------------------------------------------------------


def unfair_classes(graph: FairGraph[S, A], members: Sequence[int]) -> set[int]:
    """The classes enabled in every state of ``members`` and taken on no edge inside:
    empty exactly when a weakly fair behaviour can cycle through ``members`` forever."""
    inside = set(members)
    always: set[int] | None = None
    taken: set[int] = set()
    for i in members:
        moves = graph.fair_moves(i)
        enabled = {key for key, _ in moves}
        always = enabled if always is None else always & enabled
        taken.update(key for key, target in moves if target in inside)
    return (always or set()) - taken


def find_lasso(
    graph: FairGraph[S, A],
    inside: Callable[[int], bool],
    starts: list[int] | None,
    *,
    stutter: bool,
) -> Trace[S, A] | None:
    """A behaviour that starts in ``starts`` (default: anywhere ``inside``) and stays
    ``inside`` forever under weak fairness, as a lasso; None when there is none.

    It can stay by cycling through a strongly connected component that no fairness
    class forces it out of, or (when ``stutter``) by resting in a state where no fair
    action is enabled. The stem is shortest: a shortest path to a start, then a
    shortest way inside to such a place; the cycle visits what fairness demands.
    """
    within = np.fromiter(map(inside, range(graph.n)), np.bool_, graph.n)
    traps = np.zeros(graph.n, np.int8)  # 1: in a fair component; 2: a fair behaviour rests
    component_of: dict[int, list[int]] = {}
    candidates = graph.cyclic & within  # the components of a subgraph refine the graph's
    components = graph.components(candidates)
    alone = candidates & graph.orbit  # a state alone is a cycle only through an orbit edge
    for component in components:
        alone[component] = False
    components += [[int(i)] for i in np.flatnonzero(alone)]
    for component in components:
        if not unfair_classes(graph, component):
            traps[component] = 1
            for i in component:
                component_of[i] = component
    if stutter:
        expanded = graph.x.expanded
        resting = np.frombuffer(bytes(graph.x.fair_exit), np.uint8)[:expanded] == 0
        resting &= (traps[:expanded] == 0) & within[:expanded]
        traps[:expanded][resting] = 2
    if not traps.any():
        return None
    # the shortest stem: a start minimising (distance from an initial state) +
    # (distance to a trap without leaving ``inside``), the lowest number on a tie
    doomed = graph.distances_to(traps > 0, within)
    starting = np.arange(graph.n) if starts is None else np.asarray(starts, np.int64)
    starting = starting[doomed[starting] >= 0]
    if not starting.size:
        return None
    depth = np.asarray([graph.x.depth[i] for i in starting.tolist()], np.int64)
    stems = depth + doomed[starting]
    start = int(starting[np.flatnonzero(stems == stems.min())].min())
    leg = graph.shortest_path_within(start, lambda i: bool(traps[i]), inside)
    assert leg is not None  # start is doomed, so a trap is reachable inside
    entry = leg[-1] if leg else start
    if traps[entry] == 2:
        return graph.x.trace_to(start, leg, stutters=True)
    cycle = fair_cycle(graph, entry, component_of[entry])
    stem = graph.x.trace_to(start, leg)
    return close_lasso(graph.x, stem, cycle)


def fair_cycle(graph: FairGraph[S, A], entry: int, members: list[int]) -> list[Edge]:
    """A weakly fair cycle from ``entry`` back to it inside the fair component
    ``members``: a shortest cycle, extended by detours from ``entry`` while some class
    is enabled in every state of it and never taken (a detour visits a state where
    the class is disabled, or takes it). Detours only add states and steps, so a class
    once satisfied stays satisfied."""
    inside = set(members)
    enabled_at = {i: {key for key, _ in graph.fair_moves(i)} for i in members}
    everywhere = set.intersection(*enabled_at.values())

    def back(u: int, a: Any, v: int) -> bool:
        return v == entry

    cycle = graph.labelled_path_within(entry, back, inside)
    while True:
        starved = _starved(graph, entry, cycle, enabled_at)
        if not starved:
            return cycle
        key = min(starved)
        detour = graph.labelled_path_within(
            entry, _satisfies(graph, key, everywhere, enabled_at), inside
        )
        if detour[-1][1] != entry:
            detour += graph.labelled_path_within(detour[-1][1], back, inside)
        cycle = detour + cycle


def _satisfies(
    graph: FairGraph[S, A], key: int, everywhere: set[int], enabled_at: dict[int, set[int]]
) -> Callable[[int, Any, int], bool]:
    """What a detour must end with to satisfy class ``key``: a step taking it when it is
    enabled everywhere in the component, else a step into a state where it is not."""
    if key in everywhere:
        return lambda u, a, v: key in _classes_of(graph, a)
    return lambda u, a, v: key not in enabled_at[v]


def _starved(
    graph: FairGraph[S, A], entry: int, cycle: list[Edge], enabled_at: dict[int, set[int]]
) -> set[int]:
    """The classes enabled in every state of ``cycle`` and taken on none of its steps."""
    always = set(enabled_at[entry])
    taken: set[int] = set()
    for action, target in cycle:
        always &= enabled_at[target]
        taken.update(_classes_of(graph, action))
    return always - taken


def _classes_of(graph: FairGraph[S, A], action: Any) -> tuple[int, ...]:
    model = graph.model
    if not model.is_fair(action):
        return ()
    number = graph._class_ids.get(model.fairness_class(action))
    return () if number is None else (number,)


def close_lasso(
    exploration: Exploration[S, A], stem: Trace[S, A], cycle: list[Edge]
) -> Trace[S, A]:
    """The lasso of ``stem`` and the graph cycle ``cycle``, concretised so that the
    cycle closes on the very same concrete state.

    On an unreduced graph the cycle's actions are taken as they are. Under symmetry a
    cycle of classes may end on another member of the class it started from; it is
    then repeated, each time with the actions of the same fairness classes, until a
    concrete state comes back, and the repetitions before that join the stem.
    """
    model = exploration.model
    symmetry = exploration.symmetry
    canon = model.representative if symmetry else None
    states = exploration.states
    current = stem.steps[-1].state
    starts: dict[Any, int] = {}
    walked: list[TraceStep[S, A]] = []
    while current not in starts:
        starts[current] = len(walked)
        for action, target in cycle:
            chosen, current = _follow(model, canon, current, action, states[target])
            walked.append(TraceStep(chosen, current))
    first = starts[current]
    return Trace((*stem.steps, *walked[:first]), tuple(walked[first:]))


def _follow(model: Any, canon: Any, current: Any, action: Any, wanted: Any) -> Any:
    """The concrete step from ``current`` that the graph edge (``action`` to the class
    of ``wanted``) stands for: the action itself, or under symmetry the first action of
    the same fairness class (and fairness) leading into that class."""
    for candidate, after in model.successors(current):
        if canon is None:
            if candidate == action and after == wanted:
                return candidate, after
        elif (
            canon(after) == wanted
            and after != current
            and model.is_fair(candidate) == model.is_fair(action)
            and (not model.is_fair(action)
                 or model.fairness_class(candidate) == model.fairness_class(action))
        ):  # fmt: skip
            return candidate, after
    raise RuntimeError(  # pragma: no cover - only an asymmetric or nondeterministic model
        "cannot replay the cycle: the model is not symmetric under Model.representative, "
        "or Model.successors answered differently for the same state"
    )


def _anything(_: int) -> bool:
    return True
