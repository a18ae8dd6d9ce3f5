"""A one-line progress display for long searches, on standard error, only on a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressLine"]


class ProgressLine:
    """Rewrites one line on ``stream`` as a search goes; silent unless it is a terminal.

    Use it as the ``progress`` callback of :func:`~ldmspec.explorer.explore`, then
    call :meth:`close` to clear the line before printing results.
    """

    def __init__(self, stream: TextIO | None = None, *, label: str = "exploring") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.perf_counter()
        self._shown = False

    def __call__(self, expanded: int, states: int, edges: int, depth: int) -> None:
        if not self.enabled:
            return
        seconds = max(time.perf_counter() - self.started, 1e-9)
        queue = states - expanded
        text = (
            f"{self.label}: {states:,} states, {edges:,} edges, depth {depth}, "
            f"{queue:,} queued, {states / seconds:,.0f} states/s"
        )
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """Erase the line (if anything was shown)."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
