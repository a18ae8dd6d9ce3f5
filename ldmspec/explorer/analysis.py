"""Analyses of an explored state graph: safety, reachability, deadlock, liveness, coverage.

Every verdict is ``holds``, ``violated`` (with a counterexample trace) or ``unknown``
(the search was bounded and a missing state could change the answer). Counterexamples
are shortest where breadth-first order makes that cheap to guarantee:

* ``always``, ``step``, ``sometimes`` and deadlock: the first offending state or edge in
  breadth-first order, so no shorter path to a violation exists.
* liveness: a lasso whose stem is shortest: a shortest path to a trigger state, then a
  shortest way (avoiding the goal) into a place a fair behaviour can stay forever (a
  fair cycle, or a state where no fair action is enabled), then a cycle there that is
  itself weakly fair (:mod:`ldmspec.explorer.liveness` says what that means).

Liveness and symmetry. Safety, reachability, deadlock and "a terminal state stays
reachable" are decided soundly on a symmetry-reduced graph. Liveness under weak
fairness is too only when every fairness class is invariant under the renamings
(:attr:`Model.symmetric_fairness`): a class that names a domain is not, because
the reduction renames domains. Otherwise :func:`check_properties` explores the model
again without reduction and decides liveness there, and each such verdict says so in
its ``basis``. A verdict is never ``holds`` on a basis that could hide a cycle.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from ldmspec.explorer.exploration import Exploration
from ldmspec.explorer.labels import label_key
from ldmspec.explorer.liveness import FairGraph, find_lasso
from ldmspec.explorer.model import Model, Property, Trace, TraceStep
from ldmspec.explorer.search import explore

__all__ = [
    "Coverage",
    "ModelVerdict",
    "Status",
    "check_properties",
    "coverage",
    "liveness_exploration",
    "states_on_cycles",
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
    witness a ``sometimes`` property found. ``basis`` says on which graph a liveness
    verdict was decided when that is not simply the explored one.
    """

    id: str
    kind: str
    status: Status
    description: str
    counterexample: Trace[S, A] | None = None
    example: Trace[S, A] | None = None
    basis: str = ""

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
    unreduced_limit: int | None = None,
    unreduced_memory: int | None = None,
) -> list[ModelVerdict[S, A]]:
    """Check ``properties`` (default: the model's) plus the built-in checks.

    Built-ins: ``deadlock-free`` (no non-terminal state without successors) and, when
    the model defines terminal states (``termination``), ``terminal-reachable`` (every
    reachable state can reach a terminal state) and ``fair-cycle-free`` (no cycle of
    non-terminal states a weakly fair scheduler can stay in; only for a model that
    :attr:`~Model.terminates`).

    On a symmetry-reduced exploration of a model whose fairness classes are not
    symmetric, liveness is decided on an unreduced exploration (at most
    ``unreduced_limit`` states and ``unreduced_memory`` bytes resident, as
    :func:`explore`'s ``max_memory``; beyond that it is ``unknown``), see the module
    doc.
    """
    model = exploration.model
    if properties is None:
        properties = model.properties()
    if termination is None:
        termination = type(model).is_terminal is not Model.is_terminal
    graph = FairGraph(exploration)
    live: LivenessBasis[S, A] | None = None
    if termination or any(p.kind == "eventually" for p in properties):
        live = _liveness_basis(exploration, unreduced_limit, unreduced_memory)
    verdicts: list[ModelVerdict[S, A]] = []
    for prop in properties:
        if prop.kind == "always":
            verdicts.append(_always(graph, prop))
        elif prop.kind == "step":
            verdicts.append(_step(graph, prop))
        elif prop.kind == "sometimes":
            verdicts.append(_sometimes(graph, prop))
        else:
            assert live is not None
            verdicts.append(_eventually(live, prop))
    if deadlock:
        verdicts.append(_deadlock(graph))
    if termination:
        assert live is not None
        verdicts.append(_terminal_reachable(graph))
        if model.terminates:
            verdicts.append(_fair_cycle_free(live))
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


def states_on_cycles(exploration: Exploration[S, A]) -> int:
    """How many states lie on a cycle (a non-trivial strongly connected component, or
    an orbit edge under symmetry): where liveness is decided on cycles at all."""
    return int(FairGraph(exploration).cyclic.sum())


# --- which graph liveness is decided on ------------------------------------------------------

_UNREDUCED: weakref.WeakKeyDictionary[Exploration, Exploration] = weakref.WeakKeyDictionary()


def liveness_exploration(
    exploration: Exploration[S, A],
    unreduced_limit: int | None = None,
    unreduced_memory: int | None = None,
) -> Exploration[S, A]:
    """The exploration liveness is decided on: ``exploration`` itself, unless it is
    symmetry-reduced and the model's fairness classes are not symmetric; then an
    unreduced exploration of the same model with the same number of workers (made
    once, then kept with it)."""
    if not exploration.symmetry or exploration.model.symmetric_fairness:
        return exploration
    known = _UNREDUCED.get(exploration)
    if known is None:
        # with as many workers as the reduced search had: a parallel run stays parallel
        known = explore(
            exploration.model,
            symmetry=False,
            max_states=unreduced_limit,
            max_memory=unreduced_memory,
            workers=exploration.stats.workers,
        )
        _UNREDUCED[exploration] = known
    return known


@dataclass
class LivenessBasis(Generic[S, A]):
    """The graph liveness is decided on, and what a verdict says about it."""

    graph: FairGraph[S, A] | None  # None: not decided (a bounded search)
    basis: str


def _liveness_basis(
    exploration: Exploration[S, A], unreduced_limit: int | None, unreduced_memory: int | None
) -> LivenessBasis[S, A]:
    if not exploration.stats.complete:
        return LivenessBasis(None, "")
    if not exploration.symmetry:
        return LivenessBasis(FairGraph(exploration), "")
    if exploration.model.symmetric_fairness:
        return LivenessBasis(
            FairGraph(exploration),
            "decided on the symmetry-reduced graph: every fairness class is symmetric",
        )
    full = liveness_exploration(exploration, unreduced_limit, unreduced_memory)
    if not full.stats.complete:
        why = (
            f"the unreduced search passed the memory limit after {full.stats.states:,} states"
            if full.stats.stopped == "max-memory"
            else f"the unreduced graph has more than {full.stats.states:,} states"
        )
        return LivenessBasis(
            None,
            f"not decided: {why} and symmetry cannot decide liveness for fairness classes "
            "it renames",
        )
    return LivenessBasis(
        FairGraph(full),
        f"decided on the unreduced graph ({full.stats.states:,} states): "
        "symmetry renames the fairness classes",
    )


# --- safety and reachability ------------------------------------------------------------


def state_mask(
    graph: FairGraph[S, A], key: tuple[str, str | None], predicate: Callable[[Any], bool]
) -> npt.NDArray[np.bool_]:
    """``predicate`` of every state, as a boolean array: read from the labels the
    search computed (:mod:`ldmspec.explorer.labels`), or evaluated now."""
    x = graph.x
    bit = x.label_bits.get(key)
    if x.labels is not None and bit is not None:
        values = np.frombuffer(x.labels, dtype=x.labels.typecode)
        return (values & values.dtype.type(1 << bit)) != 0
    return np.fromiter(map(predicate, x.states), np.bool_, graph.n)


def _always(graph: FairGraph[S, A], prop: Property) -> ModelVerdict[S, A]:
    broken = np.flatnonzero(~state_mask(graph, label_key("holds", prop.id), prop.holds))
    for i in broken[:1].tolist():
        trace = graph.x.trace_to(i)
        return ModelVerdict(prop.id, prop.kind, "violated", prop.description, trace)
    return ModelVerdict(prop.id, prop.kind, _complete(graph), prop.description)


def _step(graph: FairGraph[S, A], prop: Property) -> ModelVerdict[S, A]:
    found = graph.x.step_violations.get(prop.id)
    if found is None:
        return ModelVerdict(prop.id, prop.kind, _complete(graph), prop.description)
    prefix = graph.x.trace_to(found.source)
    last = prefix.steps[-1].state
    step = TraceStep(found.action, found.after)
    if last != graph.x.states[found.source]:
        # under symmetry the prefix ends in a renaming of the state the search found
        # the bad edge in, and the edge's action names that state's hosts and domains:
        # take the edge that breaks the property from the state the trace is in
        step = _renamed_violation(graph.x.model, prop, last, found.after) or step
    trace = Trace((*prefix.steps, step))
    return ModelVerdict(prop.id, prop.kind, "violated", prop.description, trace)


def _renamed_violation(
    model: Model[S, A], prop: Property, state: S, after: S
) -> TraceStep[S, A] | None:
    """An edge from ``state`` that breaks step property ``prop``, preferring one that
    leads to a renaming of ``after``."""
    canon = model.representative
    broken = [(a, s) for a, s in model.successors(state) if not prop.holds(state, a, s)]
    same = [(a, s) for a, s in broken if canon(s) == canon(after)]
    for action, nxt in same or broken:
        return TraceStep(action, nxt)
    return None


def _sometimes(graph: FairGraph[S, A], prop: Property) -> ModelVerdict[S, A]:
    found = np.flatnonzero(state_mask(graph, label_key("holds", prop.id), prop.holds))
    for i in found[:1].tolist():
        example = graph.x.trace_to(i)
        return ModelVerdict(prop.id, prop.kind, "holds", prop.description, example=example)
    status: Status = "violated" if graph.complete else "unknown"
    return ModelVerdict(prop.id, prop.kind, status, prop.description)


def _terminal(graph: FairGraph[S, A]) -> npt.NDArray[np.bool_]:
    return state_mask(graph, label_key("terminal", None), graph.model.is_terminal)


def _deadlock(graph: FairGraph[S, A]) -> ModelVerdict[S, A]:
    text = "no reachable non-terminal state is without successors"
    x = graph.x
    out_degree = np.diff(np.frombuffer(x.offsets, x.offsets.typecode))
    stuck = np.flatnonzero((out_degree[: x.expanded] == 0) & ~_terminal(graph)[: x.expanded])
    for i in stuck[:1].tolist():
        return ModelVerdict(DEADLOCK, "deadlock", "violated", text, x.trace_to(i))
    return ModelVerdict(DEADLOCK, "deadlock", _complete(graph), text)


def _complete(graph: FairGraph[S, A]) -> Status:
    return "holds" if graph.complete else "unknown"


# --- liveness ---------------------------------------------------------------------------


def _terminal_reachable(graph: FairGraph[S, A]) -> ModelVerdict[S, A]:
    text = "every reachable state can reach a terminal state"
    if not graph.complete:
        return ModelVerdict(TERMINAL_REACHABLE, "liveness", "unknown", text)
    can_end = graph.distances_to(_terminal(graph), np.ones(graph.n, np.bool_))
    for i in np.flatnonzero(can_end < 0)[:1].tolist():
        trace = graph.x.trace_to(i)
        return ModelVerdict(TERMINAL_REACHABLE, "liveness", "violated", text, trace)
    return ModelVerdict(TERMINAL_REACHABLE, "liveness", "holds", text)


def _fair_cycle_free(live: LivenessBasis[S, A]) -> ModelVerdict[S, A]:
    text = "no cycle of non-terminal states that a fair scheduler can stay in"
    graph = live.graph
    if graph is None:
        return ModelVerdict(FAIR_CYCLE_FREE, "liveness", "unknown", text, basis=live.basis)
    terminal = _terminal(graph)
    trace = find_lasso(graph, lambda i: not terminal[i], None, stutter=False)
    status: Status = "holds" if trace is None else "violated"
    return ModelVerdict(FAIR_CYCLE_FREE, "liveness", status, text, trace, basis=live.basis)


def _eventually(live: LivenessBasis[S, A], prop: Property) -> ModelVerdict[S, A]:
    graph = live.graph
    if graph is None:
        return ModelVerdict(prop.id, prop.kind, "unknown", prop.description, basis=live.basis)
    states = graph.x.states
    for goal, trigger in prop.leads_to:
        pending = [not goal(s) for s in states]
        starts = [
            i for i in range(graph.n) if pending[i] and (trigger is None or trigger(states[i]))
        ]
        trace = find_lasso(graph, pending.__getitem__, starts, stutter=True)
        if trace is not None:
            return ModelVerdict(
                prop.id, prop.kind, "violated", prop.description, trace, basis=live.basis
            )
    return ModelVerdict(prop.id, prop.kind, "holds", prop.description, basis=live.basis)
