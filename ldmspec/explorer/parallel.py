"""The parallel search: worker processes expand states, this process numbers them.

The costly part of a search is the model's: generating successors, canonicalising
them (:meth:`Model.representative`) and checking step properties on every transition.
Worker processes do that for chunks of the frontier, in breadth-first order; this
process takes their answers back *in the order it sent them* and does the cheap part
(a dict look-up per transition, numbering new states, recording edges) exactly as the
sequential search does. So the states, their numbers, parents, depths, edges and the
first violation of each step property are those of the sequential search, whatever
the number of workers and however the operating system schedules them: shortest
counterexamples are the same ones, not merely as short.

Distributed TLC and PReach partition the state space by hash among workers that
each own their part of the index and exchange states in batches. On one machine with
a few cores, the index is not what limits the search (a look-up is a fraction of a
microsecond; the model's successor and canonicalisation code takes several), so one
process keeps the index and the workers keep only a bounded cache of the classes
they have seen: the result stays byte-identical to the sequential search.

Workers are forked where the platform can (the model need not be picklable); the
states and answers they exchange must be picklable.
"""

from __future__ import annotations

import multiprocessing
from array import array
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from ldmspec.explorer.exploration import StepViolation
from ldmspec.explorer.labels import Labeller
from ldmspec.explorer.model import Model
from ldmspec.explorer.search_state import (
    MEMBER_CACHE,
    PROGRESS_EVERY,
    ProgressCallback,
    SearchState,
)

__all__ = ["expand_in_parallel"]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)

CHUNK = 2048  # states per task: large enough that sending it costs little
WINDOW = 4  # tasks in flight per worker, so no worker waits for the next one

# what a worker answers for a chunk: successors per state, their actions, their
# canonical keys (None for a step back to the very same state), the step violations,
# the labels of the states (:mod:`ldmspec.explorer.labels`)
Expanded = tuple[array, list[Any], list[Any], list[tuple[str, int, int, Any, Any]], array]


class _Expander(Generic[S, A]):
    """A worker's side: successors, canonical keys and step checks for a chunk."""

    def __init__(self, model: Model[S, A], symmetry: bool) -> None:
        self.successors = model.successors
        self.canon = model.representative if symmetry else None
        self.step_checks = [(p.id, p.holds, p.concerns) for p in model.properties()
                            if p.kind == "step"]  # fmt: skip
        self.checks: dict[A, tuple[tuple[str, Callable[..., bool]], ...]] = {}
        self.violated: set[str] = set()
        self.keys: dict[S, S] = {}  # a bounded cache: state -> its class's canonical state
        self.labeller = Labeller(model)

    def checks_for(self, action: A) -> tuple[tuple[str, Callable[..., bool]], ...]:
        checks = tuple(
            (name, holds) for name, holds, concerns in self.step_checks
            if concerns is None or concerns(action)
        )  # fmt: skip
        self.checks[action] = checks
        return checks

    def expand(self, first: int, chunk: list[S]) -> Expanded:
        """Expand states ``first``, ``first + 1``... (the hot loop of a worker)."""
        successors, canon = self.successors, self.canon
        checks_get, keys_get, keys = self.checks.get, self.keys.get, self.keys
        violated = self.violated
        counts = array("i")
        actions: list[A] = []
        found: list[S | None] = []
        violations: list[tuple[str, int, int, A, S]] = []
        labels = self.labeller.new_array()
        label = self.labeller.label if self.labeller else None
        for u, state in enumerate(chunk, first):
            if label is not None:
                labels.append(label(state))
            slot = -1
            for slot, (action, after) in enumerate(successors(state)):
                checks = checks_get(action)
                if checks is None:
                    checks = self.checks_for(action)
                for name, holds in checks:
                    if name not in violated and not holds(state, action, after):
                        violated.add(name)  # this worker's later ones come later in BFS
                        violations.append((name, u, slot, action, after))
                actions.append(action)
                if after is state or after == state:  # a stutter
                    found.append(None)
                elif canon is None:
                    found.append(after)
                else:
                    key = keys_get(after)
                    if key is None:
                        if len(keys) >= MEMBER_CACHE:
                            keys.clear()
                        key = keys[after] = canon(after)
                    found.append(key)
            counts.append(slot + 1)
        return counts, actions, found, violations, labels


_WORKER: _Expander[Any, Any] | None = None


def _start_worker(model: Model[Any, Any], symmetry: bool) -> None:
    global _WORKER
    _WORKER = _Expander(model, symmetry)


def _expand_chunk(first: int, chunk: list[Any]) -> Expanded:
    assert _WORKER is not None, "the pool's initializer sets it"
    return _WORKER.expand(first, chunk)


def expand_in_parallel(
    search: SearchState[S, A], workers: int, progress: ProgressCallback | None
) -> None:
    """Expand every state of ``search`` with ``workers`` processes."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    absorber = _Absorber(search)
    with context.Pool(
        workers, initializer=_start_worker, initargs=(search.model, search.symmetry)
    ) as pool:
        pending: deque[tuple[int, Any]] = deque()
        sent = search.expanded
        states = search.states
        while True:
            while len(pending) < WINDOW * workers and sent < len(states):
                size = max(16, min(CHUNK, (len(states) - sent) // workers))
                chunk = states[sent : sent + size]
                pending.append((sent, pool.apply_async(_expand_chunk, (sent, chunk))))
                sent += len(chunk)
            if not pending:
                break
            first, answer = pending.popleft()
            if not absorber.absorb(first, answer.get(), progress):
                break
        pool.terminate()
    absorber.close()


class _Absorber(Generic[S, A]):
    """This process's side: number the workers' successors as the sequential search
    would, chunk after chunk, in order."""

    def __init__(self, search: SearchState[S, A]) -> None:
        self.search = search
        self.linked = array("i", [-1]) * len(search.states)
        self.boundary = len(search.states)
        self.depth = 0

    def absorb(self, first: int, answer: Expanded, progress: ProgressCallback | None) -> bool:
        """Take a chunk's successors; False when a bound stopped the search."""
        search = self.search
        counts, actions, keys, violations, labels = answer
        add_label = search.labels.append if len(labels) else None
        states, index, parent = search.states, search.index, search.parent
        targets, fair_exit, offsets = search.targets, search.fair_exit, search.offsets
        orbit = search.orbit
        index_get, records_get = index.get, search.records.get
        linked, add_target = self.linked, targets.append
        limit, max_depth = search.limit, search.max_depth
        position = 0
        u = first
        for count in counts:
            if u == self.boundary:
                self.depth += 1
                self.boundary = len(states)
                search.level_starts.append(u)
            if max_depth is not None and self.depth >= max_depth:
                search.stopped = "max-depth"
                return self._stop(u, 0, violations)
            if add_label is not None:
                add_label(labels[u - first])
            first_edge = len(targets)
            offsets.append(first_edge)
            fair_here = orbit_here = 0
            for slot in range(count):
                action = actions[position]
                key = keys[position]
                position += 1
                record = records_get(action)
                if record is None:
                    record = search.record(action)
                record[0] += 1
                if key is None:
                    v = u
                else:
                    found = index_get(key)
                    if found is None:
                        if len(states) == limit:
                            search.stopped = "max-states"
                            del targets[first_edge:]
                            offsets.pop()
                            # its step properties were checked before the bound
                            return self._stop(u, slot + 1, violations)
                        found = index[key] = len(states)
                        states.append(key)
                        parent.append(u)
                        linked.append(-1)
                    v = found
                if linked[v] != u:
                    linked[v] = u
                    add_target(v)
                if v != u:
                    if record[1]:
                        fair_here = 1
                elif key is not None:  # an orbit edge: another member of u's class
                    orbit_here = 1
                    if record[1]:
                        fair_here = 1
            fair_exit.append(fair_here)
            orbit.append(orbit_here)
            search.max_out = max(search.max_out, len(targets) - first_edge)
            u += 1
            search.expanded = u
            if not u % PROGRESS_EVERY:
                if search.over_memory():
                    return self._stop(u, 0, violations)
                if progress is not None:
                    progress(u, len(states), len(targets), self.depth)
        self._violations(violations, (u, 0))
        return True

    def _stop(self, u: int, slot: int, violations: list[Any]) -> bool:
        self._violations(violations, (u, slot))
        return False

    def _violations(self, violations: list[Any], end: tuple[int, int]) -> None:
        """Record the first violation of each step property before ``end`` (u, slot)."""
        found = self.search.step_violations
        for name, u, slot, action, after in violations:
            if (u, slot) < end and name not in found:
                found[name] = StepViolation(u, slot, action, after)

    def close(self) -> None:
        self.search.boundary = self.boundary
