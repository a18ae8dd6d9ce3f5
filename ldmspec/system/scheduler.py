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

import heapq
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
    done: bool = False
    scheduler: Scheduler | None = field(default=None, repr=False)

    def cancel(self) -> None:
        if not self.cancelled and not self.done and self.scheduler is not None:
            self.scheduler._forget(self)
        self.cancelled = True

    def __lt__(self, other: EventHandle) -> bool:
        return (self.due, self.seq) < (other.due, other.seq)


class Scheduler:
    """Runs events in due-time order, breaking ties with a seeded random choice.

    ``now`` is the simulated clock in ticks; ``executed`` counts the events run;
    ``trace`` keeps the label of every foreground event run (``"t=12 deliver t4-a->t4-b
    Pages round 1"``) so a run can be explained and compared byte for byte. Events wait
    in a heap ordered by (due, sequence number); cancelled ones are skipped lazily.
    """

    def __init__(self, seed: int = 0, *, keep_trace: bool = True) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = 0
        self.executed = 0
        self.trace: list[str] = []
        self._keep_trace = keep_trace
        self._heap: list[EventHandle] = []
        # The events due at the earliest time, in sequence order: the seeded choice
        # picks among them; events scheduled for that same time join them.
        self._ready: list[EventHandle] = []
        self._seq = 0
        self._foreground = 0
        self._background = 0

    # --- scheduling -----------------------------------------------------------------
    def after(
        self, delay: int, label: str, action: Callable[[], None], *, background: bool = False
    ) -> EventHandle:
        """Schedule ``action`` ``delay`` ticks from now (0 = as soon as possible)."""
        if delay < 0:
            raise ValueError(f"delay must be >= 0, got {delay}")
        self._seq += 1
        handle = EventHandle(self.now + delay, self._seq, label, action, background, scheduler=self)
        if self._ready and self._ready[0].due == handle.due:
            self._ready.append(handle)
        else:
            heapq.heappush(self._heap, handle)
        if background:
            self._background += 1
        else:
            self._foreground += 1
        return handle

    def _forget(self, handle: EventHandle) -> None:
        if handle.background:
            self._background -= 1
        else:
            self._foreground -= 1

    def pending(self, *, include_background: bool = False) -> int:
        """How many events wait to run (by default only foreground work)."""
        return self._foreground + (self._background if include_background else 0)

    def pending_labels(self) -> tuple[str, ...]:
        return tuple(e.label for e in sorted(self._heap + self._ready) if not e.cancelled)

    # --- running --------------------------------------------------------------------
    def step(self) -> bool:
        """Run one event; False when nothing is scheduled at all."""
        ready = self._ready
        if any(e.cancelled for e in ready):
            ready[:] = [e for e in ready if not e.cancelled]
        if not ready:
            heap = self._heap
            while heap and heap[0].cancelled:
                heapq.heappop(heap)
            if not heap:
                return False
            first = heap[0].due
            while heap and heap[0].due == first:
                event = heapq.heappop(heap)
                if not event.cancelled:
                    ready.append(event)
        # The seeded choice among simultaneous events is what makes seeds matter.
        index = 0 if len(ready) == 1 else self.rng.randrange(len(ready))
        chosen = ready.pop(index)
        chosen.done = True
        self._forget(chosen)
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
