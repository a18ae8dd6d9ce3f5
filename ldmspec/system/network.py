"""The network between the control domains: delays, drops, partitions, heals.

Every message between two Logical Domains Managers goes through :meth:`Network.send`,
which schedules its delivery as a scheduler event ``latency`` ticks later (plus any extra
delay set on the link). A message is lost when its link is down at sending *or* at
delivery time, or when a one-shot loss was armed for its kind (``lose_next``). Links are
undirected: ``drop("t4-a", "t4-b")`` cuts both directions.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ldmspec.system.scheduler import Scheduler

__all__ = ["Network"]


def _link(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


@dataclass
class _InFlight:
    message: object
    deliver: Callable[[object], None]
    up_at_send: bool


@dataclass
class _ArmedLoss:
    kind: str
    source: str | None
    target: str | None


class Network:
    """Links between hosts; every delivery is an event of ``scheduler``."""

    def __init__(self, scheduler: Scheduler, *, latency: int = 1) -> None:
        self.scheduler = scheduler
        self.latency = latency
        self._down: set[frozenset[str]] = set()
        self._extra: dict[frozenset[str], int] = {}
        self._armed: list[_ArmedLoss] = []
        self._in_flight: dict[tuple[str, str], deque[_InFlight]] = {}
        self.sent = 0
        self.lost = 0

    # --- faults -------------------------------------------------------------------
    def drop(self, a: str, b: str) -> None:
        """Cut the link between ``a`` and ``b`` (both directions)."""
        self._down.add(_link(a, b))

    def heal(self, a: str, b: str) -> None:
        """Restore the link between ``a`` and ``b``."""
        self._down.discard(_link(a, b))

    def partition(self, side: Iterable[str], other: Iterable[str]) -> None:
        """Cut every link between a host of ``side`` and a host of ``other``."""
        others = tuple(other)
        for a in side:
            for b in others:
                if a != b:
                    self.drop(a, b)

    def heal_all(self) -> None:
        self._down.clear()

    def delay(self, a: str, b: str, ticks: int) -> None:
        """Add ``ticks`` of latency to the link (0 removes the extra delay)."""
        if ticks:
            self._extra[_link(a, b)] = ticks
        else:
            self._extra.pop(_link(a, b), None)

    def lose_next(self, kind: str, *, source: str | None = None, target: str | None = None) -> None:
        """Lose the next message of ``kind`` (its class name) from ``source`` to ``target``."""
        self._armed.append(_ArmedLoss(kind, source, target))

    def is_up(self, a: str, b: str) -> bool:
        return _link(a, b) not in self._down

    @property
    def down_links(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(tuple(sorted(link)) for link in self._down))  # type: ignore[misc]

    # --- delivery -----------------------------------------------------------------
    def send(
        self, source: str, target: str, message: object, deliver: Callable[[object], None]
    ) -> None:
        """Send ``message``; ``deliver(message)`` runs on arrival unless it is lost.

        Each direction of a link is FIFO, like the TCP connection between two ldmd:
        an arrival event delivers the oldest message in flight on its direction, so
        the seeded choice among simultaneous events never reorders one connection.
        """
        self.sent += 1
        queue = self._in_flight.setdefault((source, target), deque())
        queue.append(_InFlight(message, deliver, self.is_up(source, target)))
        delay = self.latency + self._extra.get(_link(source, target), 0)
        self.scheduler.after(
            delay, f"deliver {source}->{target} {message}", lambda: self._arrive(source, target)
        )

    def _arrive(self, source: str, target: str) -> None:
        flight = self._in_flight[(source, target)].popleft()
        kind = type(flight.message).__name__
        if (
            not flight.up_at_send
            or not self.is_up(source, target)
            or self._disarm(kind, source, target)
        ):
            self.lost += 1
            self.scheduler.trace.append(f"t={self.scheduler.now} lost {source}->{target} {kind}")
            return
        flight.deliver(flight.message)

    def _disarm(self, kind: str, source: str, target: str) -> bool:
        for armed in self._armed:
            if (
                armed.kind == kind
                and armed.source in (None, source)
                and armed.target in (None, target)
            ):
                self._armed.remove(armed)
                return True
        return False
