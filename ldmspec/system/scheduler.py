"""A seeded, deterministic event scheduler and its clock.

Everything that happens in the reference implementation after a command returns is an
*event*: a message delivery, a protocol timer, a guest writing memory, an injected fault.
Events are due at a time on the simulated clock (in ticks). :meth:`Scheduler.step` runs
one event: the earliest due time wins, and among the events due at that same time the
seeded random generator picks one. So two runs with the same seed and the same inputs
execute exactly the same events in exactly the same order, while different seeds explore
different interleavings of concurrent events.

Background events (a guest's steady dirtying of memory) keep the clock moving but do not
count as *pending work*: a system with only background events is quiescent.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["EventHandle", "Scheduler"]


@dataclass(eq=False)
class EventHandle:
    """A scheduled event. ``cancel()`` stops it from running (a timer that was answered)."""

    due: int
    seq: int
    label: str
    action: Callable[[], None] = field(repr=False)
    background: bool = False
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    """Runs events in due-time order, breaking ties with a seeded random choice.

    ``now`` is the simulated clock in ticks; ``executed`` counts the events run;
    ``trace`` keeps the label of every foreground event run (``"t=12 deliver t4-a->t4-b
    Pages round 1"``) so a run can be explained and compared byte for byte.
    """

    def __init__(self, seed: int = 0, *, keep_trace: bool = True) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = 0
        self.executed = 0
        self.trace: list[str] = []
        self._keep_trace = keep_trace
        self._events: list[EventHandle] = []
        self._seq = 0

    # --- scheduling -----------------------------------------------------------------
    def after(
        self, delay: int, label: str, action: Callable[[], None], *, background: bool = False
    ) -> EventHandle:
        """Schedule ``action`` ``delay`` ticks from now (0 = as soon as possible)."""
        if delay < 0:
            raise ValueError(f"delay must be >= 0, got {delay}")
        self._seq += 1
        handle = EventHandle(self.now + delay, self._seq, label, action, background)
        self._events.append(handle)
        return handle

    def pending(self, *, include_background: bool = False) -> int:
        """How many events wait to run (by default only foreground work)."""
        self._purge()
        return sum(1 for e in self._events if include_background or not e.background)

    def pending_labels(self) -> tuple[str, ...]:
        self._purge()
        return tuple(e.label for e in sorted(self._events, key=lambda e: (e.due, e.seq)))

    # --- running --------------------------------------------------------------------
    def step(self) -> bool:
        """Run one event; False when nothing is scheduled at all."""
        self._purge()
        if not self._events:
            return False
        first = min(e.due for e in self._events)
        ready = [e for e in self._events if e.due == first]
        # The seeded choice among simultaneous events is what makes seeds matter.
        chosen = ready[0] if len(ready) == 1 else self.rng.choice(ready)
        self._events.remove(chosen)
        self.now = max(self.now, chosen.due)
        self.executed += 1
        if self._keep_trace and not chosen.background:
            self.trace.append(f"t={self.now} {chosen.label}")
        chosen.action()
        return True

    def run(self, n: int) -> int:
        """Run up to ``n`` events; returns how many ran."""
        done = 0
        while done < n and self.step():
            done += 1
        return done

    def _purge(self) -> None:
        if any(e.cancelled for e in self._events):
            self._events = [e for e in self._events if not e.cancelled]
