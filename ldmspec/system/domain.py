"""A domain as a running Logical Domains Manager keeps it: mutable, with its FLAGS.

The inventory's :class:`~ldmspec.inventory.facts.Domain` is a frozen fact; a
:class:`DomainRecord` is the manager's live entry for it, which changes as commands
and migrations run. :meth:`DomainRecord.to_inventory` turns it back into a fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ldmspec.inventory.facts import (
    CONTROL_DOMAIN,
    Console,
    Domain,
    DomainState,
    IoDevice,
    MemoryBlock,
    MigrationFlag,
    VDisk,
    VNet,
)
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.versions import SolarisRelease

__all__ = ["ACTIVE", "BOUND", "INACTIVE", "SUSPENDED", "DomainRecord"]

ACTIVE, BOUND, INACTIVE, SUSPENDED = "active", "bound", "inactive", "suspended"


@dataclass
class DomainRecord:
    """One domain of a manager. ``migration`` is FLAGS column 6: ``s``, ``t``, ``e`` or ``-``.

    ``console`` is the configured console (vcc and group; ``port`` the one asked for);
    ``port`` is the port the domain holds while bound or active.
    """

    name: str
    state: str
    vcpus: int
    memory_size: int
    whole_core: bool = False
    cpu_arch: CpuArch = CpuArch.NATIVE
    os: SolarisRelease = field(default_factory=lambda: SolarisRelease(11, 4))
    vdisks: tuple[VDisk, ...] = ()
    vnets: tuple[VNet, ...] = ()
    console: Console | None = None
    io: tuple[IoDevice, ...] = ()
    strands: tuple[int, ...] = ()
    blocks: tuple[MemoryBlock, ...] = ()
    port: int | None = None
    migration: str = "-"
    started_at: int = 0
    provides_services: bool = False

    @property
    def is_control(self) -> bool:
        return self.name == CONTROL_DOMAIN

    @property
    def holds_resources(self) -> bool:
        return self.state != INACTIVE

    @property
    def running(self) -> bool:
        return self.state == ACTIVE

    @property
    def flags(self) -> str:
        """The six FLAGS columns of ``ldm list`` (dossier §10.5)."""
        normal = "n" if self.state in (ACTIVE, SUSPENDED) else "-"
        control = "c" if self.is_control else "-"
        service = "v" if self.provides_services else "-"
        return f"-{normal}-{control}{service}{self.migration}"

    @property
    def held_memory(self) -> int:
        return sum(b.size for b in self.blocks)

    def to_inventory(self) -> Domain:
        """The domain as an inventory fact (suspended counts as active)."""
        state = {
            ACTIVE: DomainState.ACTIVE,
            SUSPENDED: DomainState.ACTIVE,
            BOUND: DomainState.BOUND,
            INACTIVE: DomainState.INACTIVE,
        }[self.state]
        console = self.console
        if console is not None and self.port is not None:
            console = Console(console.vcc, self.port, console.group)
        return Domain(
            name=self.name,
            state=state,
            vcpus=self.vcpus,
            whole_core=self.whole_core,
            memory_size=self.memory_size,
            memory=self.blocks if self.holds_resources else (),
            strands=self.strands if self.holds_resources else (),
            cpu_arch=self.cpu_arch,
            os=self.os,
            vdisks=self.vdisks,
            vnets=self.vnets,
            console=console,
            io=self.io,
            migration=next(f for f in MigrationFlag if f.flag == self.migration),
        )

    @classmethod
    def from_inventory(cls, domain: Domain) -> DomainRecord:
        return cls(
            name=domain.name,
            state=domain.state.value,
            vcpus=domain.vcpus,
            memory_size=domain.memory_size or sum(b.size for b in domain.memory),
            whole_core=domain.whole_core,
            cpu_arch=domain.cpu_arch,
            os=domain.os,
            vdisks=domain.vdisks,
            vnets=domain.vnets,
            console=domain.console,
            io=domain.io,
            strands=domain.strands if domain.holds_resources else (),
            blocks=domain.memory if domain.holds_resources else (),
            port=domain.console.port if domain.console and domain.holds_resources else None,
            migration=domain.migration.flag,
        )
