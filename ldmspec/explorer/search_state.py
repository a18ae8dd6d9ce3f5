"""The arrays a search fills, shared by the sequential and the parallel search.

:class:`SearchState` holds what :func:`~ldmspec.explorer.search.explore` builds while
it runs (the states and their index, parents, level boundaries, edges, the per-action
records, the bounds) and turns it into an :class:`Exploration` at the end.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from ldmspec.explorer.exploration import Exploration, Statistics, StepViolation, depth_array
from ldmspec.explorer.labels import Labeller
from ldmspec.explorer.model import Model

__all__ = ["MEMBER_CACHE", "PROGRESS_EVERY", "ProgressCallback", "SearchState"]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)

# How often (in expanded states) the progress callback is told about the search and
# the memory limit is checked.
PROGRESS_EVERY = 8192
# How many non-canonical states a search remembers the class of: canonicalising
# costs more than a look-up and the same member comes back often, but remembering
# every member would cost more memory than the states themselves.
MEMBER_CACHE = 1 << 20

ProgressCallback = Callable[[int, int, int, int], None]
"""Called as ``progress(expanded, states, edges, depth)`` while the search runs."""


class SearchState(Generic[S, A]):
    """The arrays a search fills; the sequential and the parallel search share them."""

    def __init__(
        self,
        model: Model[S, A],
        symmetry: bool,
        max_states: int | None,
        max_depth: int | None,
        max_memory: int | None,
        memory: Callable[[], int],
    ) -> None:
        self.started = time.perf_counter()
        self.model = model
        self.symmetry = symmetry
        self.canon = model.representative if symmetry else None
        self.limit = max_states if max_states is not None else -1
        self.max_depth = max_depth
        self.max_memory = max_memory
        self.memory = memory
        self.raw_initial = list(model.init_states())
        self.states: list[S] = []
        self.index: dict[S, int] = {}
        self.parent = array("i")
        for state in self.raw_initial:
            key = self.canon(state) if self.canon is not None else state
            if key not in self.index:
                self.index[key] = len(self.states)
                self.states.append(key)
                self.parent.append(-1)
        self.level_starts = array("q", [0])
        self.offsets = array("q")
        self.targets = array("i")
        self.fair_exit = bytearray()
        self.labeller = Labeller(model)
        self.labels = self.labeller.new_array()  # filled as states are expanded
        self.orbit = bytearray()
        # one record per distinct action: [transitions, is fair, step checks]
        self.records: dict[A, list[Any]] = {}
        self.step_checks = [(p.id, p.holds, p.concerns) for p in model.properties()
                            if p.kind == "step"]  # fmt: skip
        self.step_violations: dict[str, StepViolation[S, A]] = {}
        self.expanded = 0
        self.max_out = 0
        self.stopped: str | None = None
        self.boundary = len(self.states)  # the first state of the level after the last

    def record(self, action: A) -> list[Any]:
        """The record of an action met for the first time."""
        checks = tuple(
            (name, holds) for name, holds, concerns in self.step_checks
            if concerns is None or concerns(action)
        )  # fmt: skip
        record = self.records[action] = [0, self.model.is_fair(action), checks]
        return record

    def over_memory(self) -> bool:
        """Whether the memory limit is reached (it then stops the search)."""
        if self.max_memory is not None and self.memory() > self.max_memory:
            self.stopped = "max-memory"
            return True
        return False

    def finish(self, workers: int = 1) -> Exploration[S, A]:
        model = self.model
        self.offsets.append(len(self.targets))
        states, expanded = self.states, self.expanded
        if self.level_starts[-1] < self.boundary < len(states):  # stopped mid-level
            self.level_starts.append(self.boundary)
        depth = depth_array(self.level_starts, len(states))
        if self.labeller:  # the states found but never expanded
            label = self.labeller.label
            self.labels.extend(label(state) for state in states[len(self.labels) :])
        complete = self.stopped is None and expanded == len(states)
        stats = Statistics(
            states=len(states),
            edges=len(self.targets),
            transitions=sum(record[0] for record in self.records.values()),
            depth=depth[-1] if depth else 0,
            seconds=time.perf_counter() - self.started,
            initial=sum(1 for p in self.parent if p < 0),
            terminal=sum(1 for s in states if model.is_terminal(s)),
            max_out_degree=self.max_out,
            mean_out_degree=len(self.targets) / expanded if expanded else 0.0,
            complete=complete,
            symmetry=self.symmetry,
            stopped=self.stopped,
            workers=workers,
        )
        return Exploration(
            model,
            symmetry=self.symmetry,
            raw_initial=self.raw_initial,
            states=states,
            index=self.index,
            parent=self.parent,
            depth=depth,
            offsets=self.offsets,
            targets=self.targets,
            expanded=expanded,
            fired={action: record[0] for action, record in self.records.items()},
            fair_exit=self.fair_exit,
            orbit=self.orbit,
            labels=self.labels if self.labeller else None,
            label_bits=self.labeller.bits,
            step_violations=self.step_violations,
            stats=stats,
        )
