"""Run the ldmspec property suite against another migration implementation.

The stateful machine drives any object with the methods of
``ldmspec.testing.adapter.MigrationSystemAdapter`` (run an ldm command, tick,
guest writes, faults, observe). Supply a factory ``(fleet, seed) -> adapter``; here
the "other implementation" is the reference one behind a thin wrapper that counts
the ldm commands it was sent, to show where your own code would go.

    python examples/adapter_example.py            # runs 20 programs, prints a summary

In a test suite, expose the machine's TestCase instead::

    TestMySystem = machine_for(my_factory, name="MySystem").TestCase
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test
from ldmspec.properties.machine import machine_for

from ldmspec.inventory.facts import Fleet
from ldmspec.system import Datacenter, Observation
from ldmspec.system.physical import Extent
from ldmspec.testing.adapter import LdmResult, MigrationSystemAdapter

COMMANDS_SEEN = 0


class CountingSystem:
    """An adapter: every method forwards to a Datacenter (put your implementation here)."""

    def __init__(self, fleet: Fleet, seed: int) -> None:
        self.inner = Datacenter.from_fleet(fleet, seed=seed)

    def run_ldm(self, host: str, command_line: str, *, password: str | None = None) -> LdmResult:
        global COMMANDS_SEEN
        COMMANDS_SEEN += 1
        return self.inner.run_ldm(host, command_line, password=password)

    def observe(self) -> Observation:
        return self.inner.observe()

    def read_memory(self, host: str, domain: str) -> tuple[int, ...] | None:
        # What the guest reads back, one value per page group: the suites judge
        # INV-NO-LOST-WRITES from these reads and their own writes, not from digests.
        return self.inner.read_memory(host, domain)

    def read_physical(self, host: str, pa: int, size: int) -> tuple[Extent, ...]:
        # Freed memory must read as nothing: INV-CLEANUP's scrub half reads it back.
        return self.inner.read_physical(host, pa, size)

    def __getattr__(self, name: str):  # tick, pending, guest_write, drop, heal, ...
        return getattr(self.inner, name)


def my_factory(fleet: Fleet, seed: int) -> MigrationSystemAdapter:
    return CountingSystem(fleet, seed)  # type: ignore[return-value]


if __name__ == "__main__":
    machine = machine_for(my_factory, name="CountingSystemMachine")
    run_state_machine_as_test(machine, settings=settings(max_examples=20, deadline=None))
    print(f"20 programs passed every invariant; {COMMANDS_SEEN} ldm commands were sent")
