"""INV-NO-LOST-WRITES and INV-CLEANUP's scrub half, judged from what the harness read back.

Nothing here reads a digest, counter or flag the implementation computes about itself:
the harness reads guest memory through the adapter (``read_memory``) at moments it
chooses and compares with what it saw before.

The guest program the suites assume stores, in every page group a write touches, the
number of that write (the guest's write counter): while a copy's memory is intact, no
page group's value ever goes down. So the harness keeps, per domain copy, a *floor*:
the memory as it last read it there. Every later read of that copy, and the target copy
a migration resumes, must hold at least the floor in every page group.

* after each write the harness issued (``.write``): a write the adapter acknowledged
  (it returned a page count) changed the copy's memory and lowered no page group; a
  refused write (0) changed nothing;
* when the harness first sees a live migration's source copy suspended, it reads it
  (the suspension read: it holds the floor);
* a guest that stops (``ldm stop``: active to bound) and boots again starts its write
  counter over, so its memory keeps values from the earlier boot that new writes may
  lower: the harness reads the copy when it boots again, and from then on holds to the floor
  (and to "a write lowers nothing") only the page groups that changed since;
* when it first sees the target copy run, it reads it (the resume read): it equals the
  suspension read and holds the source copy's floor, which the target copy inherits;
* a completed live migration had both reads (the harness looks after every event);
* a copy whose memory first appears (bound, started, created by a migration) reads
  zero: whatever freed memory it reuses was scrubbed before another domain held it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ldmspec.inventory.facts import MemoryRange, subtract_ranges
from ldmspec.system.observation import MigrationView, Observation
from ldmspec.testing.adapter import MigrationSystemAdapter
from ldmspec.testing.records import InvariantViolation

__all__ = ["MemoryWitness"]

Copy = tuple[str, str]
"""A domain copy: (host, domain name)."""


def _name(m: MigrationView) -> str:
    target = m.target if m.target_name == m.domain else f"{m.target}:{m.target_name}"
    return f"migration #{m.id} ({m.domain} {m.source} -> {target})"


def _first_lower(memory: Sequence[int], floor: Sequence[int]) -> int | None:
    """The first page group where ``memory`` holds less than ``floor`` (None: none)."""
    if len(memory) != len(floor):
        return None  # resized (set-memory): nothing to compare
    for group, (value, least) in enumerate(zip(memory, floor, strict=True)):
        if value < least:
            return group
    return None


def _first_difference(a: Sequence[int], b: Sequence[int]) -> int | None:
    if len(a) != len(b):
        return min(len(a), len(b))
    return next((g for g, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), None)


@dataclass
class MemoryWitness:
    """The harness's own record of guest memory: floors per copy, reads per migration."""

    system: MigrationSystemAdapter
    floors: dict[Copy, tuple[int, ...]] = field(default_factory=dict)
    #: Per copy whose guest stopped: its memory as the harness read it then. A page group
    #: that still holds that value holds it from an earlier boot (no floor).
    stopped_with: dict[Copy, tuple[int, ...]] = field(default_factory=dict)
    stopping: set[Copy] = field(default_factory=set)
    suspended: dict[int, tuple[int, ...]] = field(default_factory=dict)
    resumed: set[int] = field(default_factory=set)

    def read(self, copy: Copy) -> tuple[int, ...] | None:
        return self.system.read_memory(*copy)

    # --- the harness's own writes ---------------------------------------------------------
    def written(
        self, copy: Copy, before: tuple[int, ...] | None, pages: int
    ) -> list[InvariantViolation]:
        """After ``.write`` to ``copy``: ``before`` was read just before, ``pages`` is what
        the adapter acknowledged."""
        after = self.read(copy)
        host, domain = copy
        if pages <= 0:
            if after != before:
                return [InvariantViolation(
                    "INV-NO-LOST-WRITES",
                    f"a write to {domain} on {host} was refused (0 pages) but its memory changed",
                )]  # fmt: skip
            return []
        # A guest that booted again may write the very values an earlier boot left.
        same = after == before and copy not in self.stopped_with
        if after is None or before is None or same:
            return [InvariantViolation(
                "INV-NO-LOST-WRITES",
                f"a write of {pages} pages to {domain} on {host} was acknowledged but its "
                "memory reads the same as before",
            )]  # fmt: skip
        found = self._holds_floor(copy, after, "after a write")
        lower = _first_lower(after, self._this_boot(copy, before))
        if lower is not None:
            found.append(InvariantViolation(
                "INV-NO-LOST-WRITES",
                f"a write to {domain} on {host} lowered page group {lower} "
                f"({before[lower]} -> {after[lower]})",
            ))  # fmt: skip
        self.floors[copy] = self._this_boot(copy, after)
        return found

    def _this_boot(self, copy: Copy, memory: tuple[int, ...]) -> tuple[int, ...]:
        """``memory`` with the page groups that still hold what they held when the guest
        last stopped read as 0 (no floor): the guest counts its writes from 1 again."""
        old = self.stopped_with.get(copy)
        if old is None:
            return memory
        if len(old) != len(memory):
            # Resized since (set-memory): which groups this boot wrote is lost with the
            # old grouping; from now on, only the groups that change from what they hold.
            self.stopped_with[copy] = memory
            return tuple(0 for _ in memory)
        return tuple(0 if value == was else value for value, was in zip(memory, old, strict=True))

    def _holds_floor(
        self, copy: Copy, memory: tuple[int, ...], when: str, floor: Copy | None = None
    ) -> list[InvariantViolation]:
        least = self.floors.get(floor or copy)
        group = None if least is None else _first_lower(memory, least)
        if group is None or least is None:
            return []
        host, domain = copy
        return [InvariantViolation(
            "INV-NO-LOST-WRITES",
            f"{domain} on {host} {when} reads {memory[group]} in page group {group}, where "
            f"the harness read {least[group]} before: an acknowledged write was lost",
        )]  # fmt: skip

    # --- after every event ----------------------------------------------------------------
    def after_event(self, before: Observation, after: Observation) -> list[InvariantViolation]:
        """Reads at the moments that matter, and the checks they allow."""
        found = self._fresh_copies(before, after) + self._freed(before, after)
        self._stops(before, after)
        self._resized(before, after)
        for m in after.migrations:
            if not m.live:
                continue
            found += self._suspension(after, m)
            found += self._resume(after, m)
            if (
                m.outcome == "completed"
                and m.target_phase is not None
                and (m.id not in self.suspended or m.id not in self.resumed)
            ):
                missing = "suspended" if m.id not in self.suspended else "resumed"
                found.append(InvariantViolation(
                    "INV-NO-LOST-WRITES",
                    f"{_name(m)} completed live but the harness never saw its domain "
                    f"{missing} (it looks after every event)",
                ))  # fmt: skip
                self.resumed.add(m.id)
                self.suspended.setdefault(m.id, ())
        present = {(h.name, d.name) for h in after.hosts for d in h.domains}
        for copy in [c for c in self.floors if c not in present]:
            del self.floors[copy]
        for copy in [c for c in self.stopped_with if c not in present]:
            del self.stopped_with[copy]
        self.stopping &= present
        return found

    def _resized(self, before: Observation, after: Observation) -> None:
        """A copy whose size changed (set-memory) may group its pages anew, even into as
        many groups as before: what the harness read before compares with nothing."""
        for host in after.hosts:
            old_host = before.host(host.name)
            for view in host.domains:
                was = old_host.domain(view.name)
                copy = (host.name, view.name)
                if was is None or was.memory == view.memory:
                    continue
                self.floors.pop(copy, None)
                if copy in self.stopped_with:  # which groups this boot wrote is lost
                    self.stopped_with[copy] = self.read(copy) or ()

    def _stops(self, before: Observation, after: Observation) -> None:
        """A guest that stopped: what its memory holds when it boots again (the harness
        reads it then: a bound copy has no guest to read it) is from an earlier boot."""
        for host in after.hosts:
            old_host = before.host(host.name)
            for view in host.domains:
                copy = (host.name, view.name)
                was = old_host.domain(view.name)
                if was is not None and was.running and not view.running and view.state == "bound":
                    self.stopping.add(copy)
                    self.floors.pop(copy, None)
                elif copy in self.stopping and view.running:
                    self.stopping.discard(copy)
                    self.stopped_with[copy] = self.read(copy) or ()

    def _suspension(self, obs: Observation, m: MigrationView) -> list[InvariantViolation]:
        if m.id in self.suspended or m.ended:
            return []
        source = obs.host(m.source).domain(m.domain)
        if source is None or source.state != "suspended":
            return []
        memory = self.read((m.source, m.domain))
        self.suspended[m.id] = memory or ()
        if memory is None:
            return [InvariantViolation(
                "INV-NO-LOST-WRITES",
                f"{m.domain} is suspended on {m.source} ({_name(m)}) but its memory cannot "
                "be read",
            )]  # fmt: skip
        return self._holds_floor((m.source, m.domain), memory, "at suspension")

    def _resume(self, obs: Observation, m: MigrationView) -> list[InvariantViolation]:
        if m.id in self.resumed or m.target_outcome != "completed" or _later_to(obs, m):
            return []
        copy = (m.target, m.target_name)
        target = obs.host(m.target).domain(m.target_name)
        if target is None or not target.running:
            return []
        self.resumed.add(m.id)
        memory = self.read(copy) or ()
        if (m.source, m.domain) in self.stopped_with:  # the guest's boot goes on here
            self.stopped_with[copy] = self.stopped_with[(m.source, m.domain)]
        at_suspension = self.suspended.get(m.id)
        found: list[InvariantViolation] = []
        if at_suspension is None:
            found.append(InvariantViolation(
                "INV-NO-LOST-WRITES",
                f"{m.target} resumed {m.target_name} before the harness saw {m.source} "
                f"suspend it ({_name(m)})",
            ))  # fmt: skip
        elif memory != at_suspension:
            group = _first_difference(memory, at_suspension)
            found.append(InvariantViolation(
                "INV-NO-LOST-WRITES",
                f"{m.target} resumed {m.target_name} with memory that differs from what "
                f"{m.source} held at suspension ({_name(m)}): page group {group} reads "
                f"{_at(memory, group)} on {m.target}, {_at(at_suspension, group)} on "
                f"{m.source}",
            ))  # fmt: skip
        found += self._holds_floor(copy, memory, "at resume", floor=(m.source, m.domain))
        self.floors[copy] = self._this_boot(copy, memory)
        return found

    def _freed(self, before: Observation, after: Observation) -> list[InvariantViolation]:
        """Memory that became free in this step reads zero (INV-CLEANUP's scrub half)."""
        found: list[InvariantViolation] = []
        for host in after.hosts:
            old = before.host(host.name)
            if host.memory_free <= old.memory_free:
                continue
            for freed in _new_ranges(host.free_ranges, old.free_ranges):
                extents = self.system.read_physical(host.name, freed.pa, freed.size)
                if extents:
                    left = sum(e.size for e in extents)
                    found.append(InvariantViolation(
                        "INV-CLEANUP",
                        f"{left} bytes of memory freed on {host.name} at {extents[0].pa:#x} "
                        f"still hold a guest's data (value {extents[0].value}): not scrubbed "
                        "before another domain can hold it",
                    ))  # fmt: skip
        return found

    def _fresh_copies(self, before: Observation, after: Observation) -> list[InvariantViolation]:
        """A copy whose memory first appears reads zero (INV-CLEANUP's scrub half)."""
        found: list[InvariantViolation] = []
        for host in after.hosts:
            old_host = before.host(host.name)
            for view in host.domains:
                was = old_host.domain(view.name)
                if not view.blocks or (was is not None and was.blocks):
                    continue
                self.floors.pop((host.name, view.name), None)  # a new copy: nothing read yet
                self.stopped_with.pop((host.name, view.name), None)
                memory = self.read((host.name, view.name))
                if memory is None or not any(memory):
                    continue
                group = next(g for g, value in enumerate(memory) if value)
                found.append(InvariantViolation(
                    "INV-CLEANUP",
                    f"{view.name} on {host.name} got memory that was not scrubbed: page "
                    f"group {group} reads {memory[group]} before the guest wrote anything",
                ))  # fmt: skip
        return found


def _new_ranges(now: Sequence[MemoryRange], was: Sequence[MemoryRange]) -> list[MemoryRange]:
    """The parts of ``now`` not in ``was`` (free memory that was not free before)."""
    return list(subtract_ranges(tuple(now), tuple(was)))


def _later_to(obs: Observation, m: MigrationView) -> bool:
    """A later migration brought a copy of the same name to m's target."""
    return any(
        o.id > m.id and (o.target, o.target_name) == (m.target, m.target_name)
        for o in obs.migrations
    )


def _at(memory: Sequence[int], group: int | None) -> str:
    if group is None or group >= len(memory):
        return "nothing"
    return str(memory[group])
