"""Physical memory contents: what each physical address of a host holds.

The hypervisor keeps the contents of physical memory as a map of *extents*: disjoint
``[pa, end)`` stretches holding one nonzero value (the number of the guest write that
last touched them); everything else reads zero. A running guest keeps its own contents
in its :class:`~ldmspec.system.hypervisor.GuestMemory` for speed; when the guest goes
away its contents are written back here, at the physical addresses of its blocks, and
they stay until the hypervisor scrubs them, so a destroyed copy's memory can be read
back and a new guest placed on unscrubbed memory starts with its predecessor's data.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Extent", "PhysicalContents"]


@dataclass(frozen=True, order=True)
class Extent:
    """``size`` bytes from physical address ``pa`` holding ``value`` (never 0)."""

    pa: int
    size: int
    value: int

    @property
    def end(self) -> int:
        return self.pa + self.size


class PhysicalContents:
    """The nonzero contents of a host's physical memory, as sorted disjoint extents."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._extents: list[Extent] = []

    def __len__(self) -> int:
        return len(self._extents)

    def read(self, pa: int, size: int) -> tuple[Extent, ...]:
        """The nonzero extents within ``[pa, pa + size)``, clipped to it."""
        end = pa + size
        first = max(0, bisect_right(self._starts, pa) - 1)
        last = bisect_left(self._starts, end)
        out: list[Extent] = []
        for extent in self._extents[first:last]:
            lo, hi = max(extent.pa, pa), min(extent.end, end)
            if lo < hi:
                out.append(Extent(lo, hi - lo, extent.value))
        return tuple(out)

    def replace(self, pa: int, size: int, extents: Iterable[Extent] = ()) -> None:
        """``[pa, pa + size)`` now holds ``extents`` (sorted, disjoint, inside it) and
        zero elsewhere: ``replace(pa, size)`` alone zeroes the range (a scrub)."""
        end = pa + size
        first = max(0, bisect_right(self._starts, pa) - 1)
        last = bisect_left(self._starts, end)
        keep: list[Extent] = []
        for extent in self._extents[first:last]:
            if extent.end <= pa or extent.pa >= end:
                keep.append(extent)
                continue
            if extent.pa < pa:
                keep.append(Extent(extent.pa, pa - extent.pa, extent.value))
            if extent.end > end:
                keep.append(Extent(end, extent.end - end, extent.value))
        new = sorted([*keep, *(e for e in extents if e.value)])
        self._extents[first:last] = new
        self._starts[first:last] = [e.pa for e in new]
