"""Breadth-first exploration of a model's state graph.

The search keeps the graph in compact arrays (:mod:`ldmspec.explorer.exploration`):
each state is stored once, as the canonical member of its symmetry class, with its
number in a dict; parents, depths and edges are arrays of machine ints. Building a
networkx graph while exploring would cost more than the exploration itself, so
:attr:`Exploration.graph` builds it on first use, for exports and users.

Fingerprints are the states themselves: Python hashes them and the index compares them
on collision, so two distinct states are never merged (unlike TLC's 64-bit
fingerprints, no collision estimate is needed).

Breadth-first order gives shortest paths: a state's parent pointer leads back to an
initial state along a path of minimal length, and the states are numbered in order of
depth, so the first state found to violate a property has a shortest counterexample.

With ``workers`` > 1 other processes generate and canonicalise successors while this
one numbers them in the same order (:mod:`ldmspec.explorer.parallel`): the result is
the very graph the sequential search builds.
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from ldmspec.explorer.exploration import Exploration, Statistics, StepViolation
from ldmspec.explorer.model import Model
from ldmspec.explorer.parallel import expand_in_parallel
from ldmspec.explorer.progress import resident_bytes
from ldmspec.explorer.search_state import (
    MEMBER_CACHE,
    PROGRESS_EVERY,
    ProgressCallback,
    SearchState,
)

__all__ = ["Exploration", "Statistics", "explore"]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)


def explore(
    model: Model[S, A],
    *,
    symmetry: bool = True,
    max_states: int | None = None,
    max_depth: int | None = None,
    max_memory: int | None = None,
    progress: ProgressCallback | None = None,
    workers: int = 1,
    memory: Callable[[], int] = resident_bytes,
) -> Exploration[S, A]:
    """Explore every state reachable from ``model``'s initial states, breadth first.

    ``symmetry`` canonicalises each state with :meth:`Model.representative` before it
    is looked up. ``max_states``, ``max_depth`` and ``max_memory`` (bytes, as
    ``memory()`` measures them: this process's resident set by default) bound the
    search; a bounded search reports ``complete=False`` and names the bound in
    :attr:`Statistics.stopped`, and the analyses then answer "unknown" where a missing
    state could change the answer. ``workers`` > 1 generates successors in that many
    processes (:mod:`ldmspec.explorer.parallel`); the graph is the same.
    """
    search = SearchState(model, symmetry, max_states, max_depth, max_memory, memory)
    enabled = gc.isenabled()
    gc.disable()  # the states are long-lived: collecting them again and again is waste
    try:
        if workers > 1:
            expand_in_parallel(search, workers, progress)
        else:
            _expand(search, progress)
    finally:
        if enabled:
            gc.enable()
    exploration = search.finish(workers)
    if progress is not None:
        stats = exploration.stats
        progress(exploration.expanded, stats.states, stats.edges, stats.depth)
    return exploration


def _expand(search: SearchState[S, A], progress: ProgressCallback | None) -> None:
    """The sequential hot loop: expand every state, breadth first.

    Local names only, and everything that depends on the action alone (its count,
    its fairness, the step properties that concern it) sits in one record per
    distinct action, found with one dict lookup per transition. It is longer than
    the project's 80 lines for a function because splitting it would cost a call per
    transition.
    """
    model = search.model
    canon = search.canon
    successors = model.successors
    states, index, parent = search.states, search.index, search.parent
    offsets, targets = search.offsets, search.targets
    fair_exit, orbit = search.fair_exit, search.orbit
    label = search.labeller.label if search.labeller else None
    add_label = search.labels.append
    level_starts = search.level_starts
    step_violations = search.step_violations
    index_get = index.get
    members: dict[S, int] = {}  # non-canonical states met, and their class's number
    members_get = members.get
    records_get = search.records.get
    new_record = search.record
    add_target = targets.append
    limit, max_depth = search.limit, search.max_depth
    # linked[v] is the last state an edge to v was recorded from (edges are distinct)
    linked = array("i", [-1]) * len(states)
    u = search.expanded
    boundary = len(states)  # the first state of the next level
    depth_u = 0
    max_out = 0
    truncated = False
    while u < len(states):
        if u == boundary:
            depth_u += 1
            boundary = len(states)
            level_starts.append(u)
        if max_depth is not None and depth_u >= max_depth:
            search.stopped = "max-depth"
            break
        state = states[u]
        if label is not None:
            add_label(label(state))
        first_edge = len(targets)
        offsets.append(first_edge)
        fair_here = orbit_here = 0
        for action, after in successors(state):
            record = records_get(action)
            if record is None:
                record = new_record(action)
            record[0] += 1
            if record[2]:
                for name, holds in record[2]:
                    if name not in step_violations and not holds(state, action, after):
                        slot = _slot_of(successors(state), action, after)
                        step_violations[name] = StepViolation(u, slot, action, after)
            if after is state:  # a step that changes nothing: a stutter
                v = u
            else:
                found = index_get(after)
                if found is None:
                    found = members_get(after)  # a member of a class seen before
                    if found is None:
                        key = canon(after) if canon is not None else after
                        found = index_get(key) if key is not after else None
                        if found is None:
                            if len(states) == limit:
                                search.stopped = "max-states"
                                truncated = True
                                break
                            found = len(states)
                            index[key] = found
                            states.append(key)
                            parent.append(u)
                            linked.append(-1)
                        if key is not after and key != after:
                            if len(members) >= MEMBER_CACHE:
                                members.clear()
                            members[after] = found
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
        if len(targets) - first_edge > max_out:
            max_out = len(targets) - first_edge
        u += 1
        if not u % PROGRESS_EVERY:
            if search.over_memory():
                break
            if progress is not None:
                progress(u, len(states), len(targets), depth_u)
    search.expanded = u
    search.boundary = boundary
    search.max_out = max(search.max_out, max_out)


def _slot_of(successors: Iterable[tuple[A, S]], action: A, after: S) -> int:
    """The position of the first transition ``(action, after)`` among ``successors``."""
    return next(i for i, (a, s) in enumerate(successors) if a == action and s == after)
