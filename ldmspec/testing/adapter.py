"""The adapter interface: how the property suites drive a migration implementation.

The stateful machines of ``ldmspec.properties`` never touch the reference implementation
directly. They drive a :class:`MigrationSystemAdapter`: run an ``ldm`` command on a host,
advance the scheduler, make a guest write, inject a fault, observe. The reference
implementation (:class:`ldmspec.system.Datacenter`) satisfies the protocol as it is; any
other implementation runs the same suites by supplying an :data:`AdapterFactory`, a
function ``(fleet, seed) -> adapter``, and observing itself as an
:class:`ldmspec.system.Observation` (the value every invariant checker reads)::

    from ldmspec.properties.machine import machine_for
    from ldmspec.testing.adapter import reference_factory
    from hypothesis.stateful import run_state_machine_as_test

    def my_factory(fleet, seed):          # build your system from the fleet
        return reference_factory()(fleet, seed)   # ... here, the reference one

    Machine = machine_for(my_factory, name="mine")
    run_state_machine_as_test(Machine)   # or: TestMine = Machine.TestCase

``examples/adapter_example.py`` is a runnable version that wraps the reference
implementation in a thin adapter of its own.

The :class:`Driver` wraps an adapter and records every call as an ``ldmspec shell``
line (``h0# ldm migrate-domain ldg1 root@h1``, ``.tick 3``, ``.write ldg1@h0 512 hot``,
``.drop h0 h1``, ``.kill h0``), so a failing run can be replayed exactly with
``ldmspec shell FLEET --variant V --seed N`` on the reference implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ldmspec.errors import LdmspecError
from ldmspec.inventory.facts import Fleet
from ldmspec.system.config import SystemConfig
from ldmspec.system.datacenter import Datacenter
from ldmspec.system.observation import Observation
from ldmspec.system.physical import Extent

__all__ = [
    "AdapterFactory",
    "Driver",
    "LdmResult",
    "MigrationSystemAdapter",
    "reference_factory",
]


@runtime_checkable
class LdmResult(Protocol):
    """What an ``ldm`` command printed and its exit status."""

    @property
    def output(self) -> str: ...

    @property
    def status(self) -> int: ...


@runtime_checkable
class MigrationSystemAdapter(Protocol):
    """A migration implementation as the property suites drive it.

    Every method is synchronous and deterministic for a given fleet, seed and sequence
    of calls. ``ldm migrate-domain`` returns at once; its work happens in the events
    :meth:`tick` runs. Faults apply at once.
    """

    def run_ldm(self, host: str, command_line: str, *, password: str | None = None) -> LdmResult:
        """``ldm COMMAND_LINE`` on ``host``; ``password`` answers ``Target Password:``."""
        ...

    def tick(self, n: int = 1) -> int:
        """Run ``n`` scheduler events; returns how many ran."""
        ...

    def pending(self) -> int:
        """Foreground events still to run (a guest's steady writes do not count)."""
        ...

    def run_until_quiescent(self, limit: int = 1_000_000) -> int:
        """Run events until none is pending; raise an LdmspecError after ``limit``."""
        ...

    def guest_write(self, host: str, domain: str, n_pages: int, pattern: str = "sequential") -> int:
        """The guest of ``domain`` on ``host`` writes ``n_pages`` pages."""
        ...

    def set_dirty_rate(
        self, host: str, domain: str, pages_per_tick: int, pattern: str = "sequential"
    ) -> None:
        """The guest keeps writing ``pages_per_tick`` pages every tick (0 stops it)."""
        ...

    def read_memory(self, host: str, domain: str) -> tuple[int, ...] | None:
        """What the guest of ``domain`` on ``host`` reads from its memory, one value per
        page group (None when it has no memory there). The guest program the suites
        assume stores, in every page it writes, the number of that write (its write
        counter), so a page group's value never goes down while the guest runs; a real
        implementation can answer from inside the guest."""
        ...

    def read_physical(self, host: str, pa: int, size: int) -> tuple[Extent, ...]:
        """The nonzero contents of ``host``'s physical memory in ``[pa, pa + size)``
        (held by a domain or free): scrubbed memory reads as nothing."""
        ...

    def drop(self, a: str, b: str) -> None:
        """Cut the link between ``a`` and ``b``."""
        ...

    def heal(self, a: str, b: str) -> None:
        """Restore the link between ``a`` and ``b``."""
        ...

    def lose_next_ack(self, source: str | None = None) -> None:
        """Lose the next hand-off acknowledgement sent to ``source``."""
        ...

    def kill(self, host: str) -> bool:
        """KILL to the ``ldm migrate-domain`` running on ``host``; False when none runs."""
        ...

    def set_password(self, host: str, secret: str | None) -> None:
        """What ``host`` accepts as the target password (None: anything)."""
        ...

    def set_ldm_version(self, host: str, version: str) -> None:
        """Upgrade or downgrade ``host``'s Logical Domains Manager (e.g. ``3.5``)."""
        ...

    def observe(self) -> Observation:
        """A frozen snapshot of every host and every migration."""
        ...

    def to_fleet(self) -> Fleet:
        """The hosts as inventory facts now (what a pre-check would see)."""
        ...


AdapterFactory = Callable[[Fleet, int], MigrationSystemAdapter]
"""Builds a fresh system from a fleet and a seed."""


def reference_factory(
    variant: str | None = None, config: SystemConfig | None = None
) -> AdapterFactory:
    """The reference implementation, correct or with the fault ``variant``.

    An unknown variant raises :class:`~ldmspec.errors.InputError` listing the variants.
    """
    from ldmspec.system.variants import behaviour_for

    behaviour_for(variant)  # validate now, not at the first example

    def build(fleet: Fleet, seed: int) -> MigrationSystemAdapter:
        return Datacenter.from_fleet(fleet, variant=variant, seed=seed, config=config)

    build.variant = variant  # type: ignore[attr-defined]
    return build


@dataclass
class Driver:
    """An adapter plus the ``ldmspec shell`` transcript of everything done to it.

    Each method performs one action on ``system`` and appends the line that replays it
    to ``lines``. ``.run`` and ``.until`` follow the shell's semantics exactly.
    """

    system: MigrationSystemAdapter
    lines: list[str] = field(default_factory=list)
    run_limit: int = 20_000
    #: Called with the current line after every single change (a command, a fault, one
    #: scheduler event): with it set, ``.tick N`` and ``.run`` advance event by event.
    after_each: Callable[[str], None] | None = None

    def _changed(self, label: str | None = None) -> None:
        if self.after_each is not None:
            self.after_each(label or self.lines[-1])

    def _events(self, limit: int, *, while_pending: bool = False) -> int:
        """Run up to ``limit`` events one at a time (``.tick``), or only while foreground
        work is pending (``.run``)."""
        ran = 0
        while ran < limit and (not while_pending or self.system.pending()):
            if not self.system.tick(1):
                break
            ran += 1
            self._changed()
        return ran

    def comment(self, text: str) -> None:
        self.lines.append(f"# {text}")

    def ldm(self, host: str, command: str, *, password: str | None = None) -> LdmResult:
        self.lines.append(f"{host}# ldm {command}")
        if password is not None:
            self.lines.append(password)
        result = self.system.run_ldm(host, command, password=password)
        self._changed(f"{host}# ldm {command}")
        return result

    def migrate(self, host: str, command: str, password: str) -> LdmResult:
        """``ldm migrate-domain`` answering ``Target Password:`` with ``password``."""
        if not password or password[0] in ".#" or "#" in password:
            raise ValueError("a password line must not look like a shell line")
        return self.ldm(host, command, password=password)

    def tick(self, n: int) -> int:
        last = self.lines[-1] if self.lines else ""
        if last.startswith(".tick ") and last[6:].isdigit():
            # Ticks with nothing between them replay as one (.tick 1 .tick 1 = .tick 2).
            self.lines[-1] = f".tick {int(last[6:]) + n}"
        else:
            self.lines.append(f".tick {n}")
        if self.after_each is not None:
            return self._events(n)
        return self.system.tick(n)

    def until_phase(self, phase: int) -> int:
        """Run events until a running migration reaches ``phase`` (``.until phase N``)."""
        self.lines.append(f".until phase {phase}")
        ran = 0
        for _ in range(self.run_limit):
            running = [m for m in self.system.observe().migrations if not m.ended]
            if not running or any(m.phase >= phase for m in running):
                break
            if not self.system.pending() or not self.system.tick():
                break
            ran += 1
            self._changed()
        return ran

    def run(self) -> int | None:
        """``.run``: events until nothing is pending; None when ``run_limit`` did not do."""
        self.lines.append(".run")
        if self.after_each is not None:
            ran = self._events(self.run_limit, while_pending=True)
            if not self.system.pending():
                return ran
            self.lines[-1] = f".tick {self.run_limit}"
            return None
        try:
            return self.system.run_until_quiescent(self.run_limit)
        except LdmspecError:
            # Replays exactly what ran: the shell's .run would go on much longer.
            self.lines[-1] = f".tick {self.run_limit}"
            return None

    def write(self, host: str, domain: str, pages: int, pattern: str) -> int:
        self.lines.append(f".write {domain}@{host} {pages} {pattern}")
        written = self.system.guest_write(host, domain, pages, pattern)
        self._changed()
        return written

    def rate(self, host: str, domain: str, pages: int, pattern: str) -> None:
        self.lines.append(f".rate {domain}@{host} {pages} {pattern}")
        self.system.set_dirty_rate(host, domain, pages, pattern)

    def drop(self, a: str, b: str) -> None:
        self.lines.append(f".drop {a} {b}")
        self.system.drop(a, b)
        self._changed()

    def heal(self, a: str, b: str) -> None:
        self.lines.append(f".heal {a} {b}")
        self.system.heal(a, b)
        self._changed()

    def lose_ack(self, source: str) -> None:
        self.lines.append(f".lose-ack {source}")
        self.system.lose_next_ack(source)
        self._changed()

    def kill(self, host: str) -> bool:
        self.lines.append(f".kill {host}")
        killed = self.system.kill(host)
        self._changed()
        return killed

    def ldm_version(self, host: str, version: str) -> None:
        self.lines.append(f".ldm-version {host} {version}")
        self.system.set_ldm_version(host, version)
        self._changed()

    def password(self, host: str, secret: str) -> None:
        self.lines.append(f".password {host} {secret}")
        self.system.set_password(host, secret)

    @property
    def steps(self) -> int:
        """Commands and directives recorded (comments and password answers excluded)."""
        return sum(1 for line in self.lines if line.startswith(".") or "# ldm " in line)
