"""LIVE-CONVERGES's round count, from what the harness sees arrive on the target.

The implementation's own count of its pre-copy rounds is its word about itself. The
harness reads the target copy's memory after every event of a live migration in
pre-copy instead (``read_memory``: the copy exists from phase 2, bound, its guest not
running, so only the migration changes it). A pre-copy round sends the page groups the
previous round left dirty (round 1: all of them) in ascending order, each with a value
the target does not hold yet (the guest wrote it since the last send); so the groups
whose value changes in one event are a run of one round, and a round that starts again
shows as a change at or below the highest group the last change reached. The count is
a lower bound of the rounds run (a round whose groups all lie above the previous
round's, or a first round of untouched memory, goes unseen), so more rounds than the
configured limit is always a real excess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ldmspec.system.observation import MigrationView, Observation
from ldmspec.testing.adapter import MigrationSystemAdapter
from ldmspec.testing.records import InvariantViolation

__all__ = ["PrecopyWitness"]


@dataclass
class PrecopyWitness:
    """Per live migration: the target copy as last read, and the rounds seen arrive."""

    system: MigrationSystemAdapter
    round_limit: int
    seen: dict[int, tuple[int, ...]] = field(default_factory=dict)
    highest: dict[int, int] = field(default_factory=dict)
    rounds: dict[int, int] = field(default_factory=dict)

    def after_event(self, obs: Observation) -> list[InvariantViolation]:
        """Read the target copy of every live migration in phases 2-3; LIVE-CONVERGES
        fails the moment one was seen to run more rounds than the limit."""
        found: list[InvariantViolation] = []
        for m in obs.migrations:
            if not m.live or m.ended or m.phase not in (2, 3):
                self.seen.pop(m.id, None)
                continue
            memory = self.system.read_memory(m.target, m.target_name)
            was, self.seen[m.id] = self.seen.get(m.id), memory or ()
            if m.phase != 3 or not memory or was is None or memory == was:
                continue
            changed = [g for g, (a, b) in enumerate(zip(memory, was, strict=False)) if a != b]
            if not changed or len(memory) != len(was):
                continue
            if m.id not in self.rounds or changed[0] <= self.highest[m.id]:
                self.rounds[m.id] = self.rounds.get(m.id, 0) + 1
                if self.rounds[m.id] == self.round_limit + 1:
                    found.append(_excess(m, self.round_limit))
            self.highest[m.id] = changed[-1]
        return found


def _excess(m: MigrationView, limit: int) -> InvariantViolation:
    target = m.target if m.target_name == m.domain else f"{m.target}:{m.target_name}"
    return InvariantViolation(
        "LIVE-CONVERGES",
        f"migration #{m.id} ({m.domain} {m.source} -> {target}) ran at least {limit + 1} "
        f"pre-copy rounds, as the harness saw its pages arrive on {m.target} (limit {limit})",
    )
