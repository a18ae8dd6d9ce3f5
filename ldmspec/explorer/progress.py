"""A TLC-style progress line for long searches, on standard error, every few seconds.

One line per report, terminal or not (a log of a long run shows how it went; wrapped
here)::

    explore: 1,204,736 states (41,210 states/s), 310,552 on queue, depth 23,
    9,104,211 edges, 640 MiB, 29 s

The clock and the memory probe are injected, so a test can drive the line without
sleeping.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["ProgressLine", "resident_bytes"]


def resident_bytes() -> int:
    """The resident set size now of this process and its children (the workers of a
    parallel search); this process's peak where /proc is missing."""
    try:
        pages = 0
        for pid in ["self", *(child.pid for child in multiprocessing.active_children())]:
            with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
                pages += int(statm.read().split()[1])
        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        # ru_maxrss is in KiB on Linux (bytes on macOS, where /proc is missing anyway)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


class ProgressLine:
    """Writes a progress line to ``stream`` at most every ``every`` seconds.

    Use it as the ``progress`` callback of :func:`~ldmspec.explorer.explore`. The
    first report comes ``every`` seconds after the line was made, so a short search
    prints nothing. ``memory`` returns the bytes in use (default: the resident set of
    this process and its workers).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        label: str = "explore",
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        memory: Callable[[], int] = resident_bytes,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.every = every
        self.clock = clock
        self.memory = memory
        self.started = clock()
        self._due = self.started + every

    def __call__(self, expanded: int, states: int, edges: int, depth: int) -> None:
        now = self.clock()
        if now < self._due:
            return
        self._due = now + self.every
        self.stream.write(self.text(expanded, states, edges, depth, now - self.started) + "\n")
        self.stream.flush()

    def text(self, expanded: int, states: int, edges: int, depth: int, seconds: float) -> str:
        """The line for these figures, ``seconds`` into the search."""
        rate = states / seconds if seconds > 0 else 0.0
        mib = self.memory() / 1024**2
        return (
            f"{self.label}: {states:,} states ({rate:,.0f} states/s), "
            f"{states - expanded:,} on queue, depth {depth}, {edges:,} edges, "
            f"{mib:,.0f} MiB, {seconds:,.0f} s"
        )

    def close(self) -> None:
        """Nothing to erase: every report is a whole line (kept for callers)."""
        self.stream.flush()
