"""The inventory's value types: hosts, their processors, memory, services and domains.

Every type here is a frozen, hashable dataclass. A change makes a new value
(``dataclasses.replace``); nothing is ever mutated, so a fleet can be a model state, a
dictionary key or a Hypothesis example.

Free resources are *derived* from what the domains hold: active and bound domains hold
their strands, memory blocks and console port; inactive domains hold nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from ldmspec.errors import InputError
from ldmspec.inventory.processors import CpuArch, Processor
from ldmspec.inventory.units import format_size
from ldmspec.inventory.versions import LdmVersion, SolarisRelease

__all__ = [
    "CONTROL_DOMAIN",
    "Console",
    "Domain",
    "DomainState",
    "Fleet",
    "Host",
    "IoDevice",
    "IoKind",
    "MemoryBlock",
    "MemoryRange",
    "MigrationFlag",
    "Plan",
    "VDisk",
    "VNet",
    "Vcc",
    "Vds",
    "Volume",
    "Vsw",
]

CONTROL_DOMAIN = "primary"


class DomainState(Enum):
    """The stable domain states ``ldm list`` prints."""

    ACTIVE = "active"
    BOUND = "bound"
    INACTIVE = "inactive"

    @property
    def holds_resources(self) -> bool:
        return self is not DomainState.INACTIVE


class MigrationFlag(Enum):
    """FLAGS column 6 of ``ldm list`` (the fleet key ``migration``): is D in a migration?

    ``source`` and ``target`` mark the two copies of a migration under way, ``error`` a copy
    a failed migration left behind. Anything but ``none`` violates ST-1.
    """

    NONE = "none"
    SOURCE = "source"
    TARGET = "target"
    ERROR = "error"

    @property
    def flag(self) -> str:
        """The letter ``ldm list`` prints in FLAGS column 6: ``-``, ``s``, ``t`` or ``e``."""
        return _MIGRATION_LETTERS[self]

    @classmethod
    def parse(cls, text: object) -> MigrationFlag:
        """The flag written as the fleet key ``migration`` spells it."""
        if text == "none":  # the default, read once per domain
            return MigrationFlag.NONE
        for flag in cls:
            if flag.value == text:
                return flag
        raise InputError("one of none, source, target, error", got=text)

    @classmethod
    def from_flag(cls, letter: str) -> MigrationFlag:
        """The flag FLAGS column 6 shows as ``letter`` (``-``, ``s``, ``t``, ``e``)."""
        for flag, shown in _MIGRATION_LETTERS.items():
            if shown == letter:
                return flag
        raise InputError("a FLAGS column 6 of -, s, t or e", got=letter)


_MIGRATION_LETTERS = {
    MigrationFlag.NONE: "-",
    MigrationFlag.SOURCE: "s",
    MigrationFlag.TARGET: "t",
    MigrationFlag.ERROR: "e",
}


class IoKind(Enum):
    """What a domain's direct I/O device is: a whole PCIe bus (a root domain), a PCIe
    endpoint, or an SR-IOV virtual or physical function."""

    BUS = "bus"
    ENDPOINT = "endpoint"
    VF = "vf"
    PF = "pf"


IO_FORM = (
    'direct I/O like "bus:pci@400", "endpoint:/SYS/MB/PCIE1", '
    '"vf:/SYS/MB/NET0/IOVNET.PF0.VF0" or "pf:/SYS/MB/NET0/IOVNET.PF0" (a bare entry is a bus)'
)


@dataclass(frozen=True, order=True)
class IoDevice:
    """One direct I/O device of a domain; ``str(dev)`` is the fleet spelling ``kind:path``."""

    kind: IoKind
    path: str

    @property
    def blocks_cold(self) -> bool:
        """Buses and SR-IOV functions block even an inactive domain's migration (IO-1);
        an endpoint blocks only an active or bound one."""
        return self.kind is not IoKind.ENDPOINT

    @classmethod
    def parse(cls, text: object) -> IoDevice:
        """``"bus:pci@400"``, ``"endpoint:/SYS/MB/PCIE1"``, ``"vf:..."``, ``"pf:..."``, or
        a bare path (a bus)."""
        if not isinstance(text, str) or not text.strip() or text != text.strip():
            raise InputError(IO_FORM, got=text)
        prefix, sep, rest = text.partition(":")
        if not sep:
            return cls(IoKind.BUS, text)
        kind = next((k for k in IoKind if k.value == prefix), None)
        if kind is None or not rest.strip() or rest != rest.strip():
            raise InputError(IO_FORM, got=text)
        return cls(kind, rest)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.path}"


@dataclass(frozen=True, order=True)
class MemoryRange:
    """A range of physical memory ``[pa, pa + size)``."""

    pa: int
    size: int

    @property
    def end(self) -> int:
        return self.pa + self.size

    def overlaps(self, other: MemoryRange) -> bool:
        return self.pa < other.end and other.pa < self.end

    def __str__(self) -> str:
        return f"PA {self.pa:#x} size {format_size(self.size)}"


@dataclass(frozen=True, order=True)
class MemoryBlock:
    """A domain's memory block: real address ``ra`` mapped to physical address ``pa``."""

    ra: int
    pa: int
    size: int

    @property
    def end_pa(self) -> int:
        return self.pa + self.size

    @property
    def physical(self) -> MemoryRange:
        return MemoryRange(self.pa, self.size)

    def __str__(self) -> str:
        return f"RA {self.ra:#x} PA {self.pa:#x} size {format_size(self.size)}"


@dataclass(frozen=True, order=True)
class Volume:
    """A virtual disk server volume: ``ldm add-vdsdev DEVICE NAME@VDS``."""

    name: str
    device: str


@dataclass(frozen=True)
class Vds:
    """A virtual disk service and its volumes."""

    name: str
    volumes: tuple[Volume, ...] = ()

    def volume(self, name: str) -> Volume | None:
        return next((v for v in self.volumes if v.name == name), None)


@dataclass(frozen=True)
class Vsw:
    """A virtual switch."""

    name: str
    net_dev: str = ""


@dataclass(frozen=True)
class Vcc:
    """A virtual console concentrator serving ports ``port_lo`` to ``port_hi`` inclusive."""

    name: str
    port_lo: int
    port_hi: int

    @property
    def ports(self) -> range:
        return range(self.port_lo, self.port_hi + 1)

    @property
    def port_range(self) -> str:
        return f"{self.port_lo}-{self.port_hi}"


@dataclass(frozen=True, order=True)
class VDisk:
    """A domain's virtual disk backed by ``volume@service``."""

    name: str
    volume: str
    service: str


@dataclass(frozen=True, order=True)
class VNet:
    """A domain's virtual network device on virtual switch ``service``."""

    name: str
    service: str


@dataclass(frozen=True)
class Console:
    """A domain's console: a port of a vcc, in a console group (default: the domain's name)."""

    vcc: str
    port: int
    group: str


@dataclass(frozen=True)
class Domain:
    """A logical domain as its host's Logical Domains Manager knows it.

    ``memory`` is the domain's blocks (placed at load when only a size was given); an
    inactive domain given only a size has ``memory == ()`` and ``memory_size`` set.
    ``strands`` are the physical strand ids (``pid``) the domain's vCPUs are bound to,
    empty for an inactive domain.
    """

    name: str
    state: DomainState = DomainState.ACTIVE
    vcpus: int = 1
    whole_core: bool = False
    memory_size: int = 0
    memory: tuple[MemoryBlock, ...] = ()
    strands: tuple[int, ...] = ()
    cpu_arch: CpuArch = CpuArch.NATIVE
    os: SolarisRelease = field(default_factory=lambda: SolarisRelease(11, 4))
    vdisks: tuple[VDisk, ...] = ()
    vnets: tuple[VNet, ...] = ()
    console: Console | None = None
    io: tuple[IoDevice, ...] = ()
    migration: MigrationFlag = MigrationFlag.NONE

    @property
    def is_control(self) -> bool:
        return self.name == CONTROL_DOMAIN

    @property
    def holds_resources(self) -> bool:
        return self.state.holds_resources

    @property
    def live(self) -> bool:
        """An active domain migrates live; bound and inactive ones migrate cold."""
        return self.state is DomainState.ACTIVE


@dataclass(frozen=True)
class Host:
    """One machine: its processor, memory, services and the domains of its manager.

    The control domain ``primary`` is always among ``domains`` (the loader adds it with
    no resources when a fleet does not list it).
    """

    name: str
    cpu: Processor
    clock_mhz: int
    stick_frequency: int
    ldm_version: LdmVersion
    os: SolarisRelease
    cores: int
    threads_per_core: int
    memory: tuple[MemoryRange, ...]
    largest_page: int
    vds: tuple[Vds, ...] = ()
    vsw: tuple[Vsw, ...] = ()
    vcc: tuple[Vcc, ...] = ()
    domains: tuple[Domain, ...] = ()

    # --- totals -------------------------------------------------------------------
    @property
    def strands(self) -> int:
        return self.cores * self.threads_per_core

    @property
    def total_memory(self) -> int:
        return sum(r.size for r in self.memory)

    # --- look-ups -----------------------------------------------------------------
    def domain(self, name: str) -> Domain | None:
        return self._domains_by_name.get(name)

    def vds_named(self, name: str) -> Vds | None:
        return next((s for s in self.vds if s.name == name), None)

    def vsw_named(self, name: str) -> Vsw | None:
        return next((s for s in self.vsw if s.name == name), None)

    def vcc_named(self, name: str) -> Vcc | None:
        return next((s for s in self.vcc if s.name == name), None)

    @cached_property
    def _domains_by_name(self) -> dict[str, Domain]:
        return {d.name: d for d in self.domains}

    # --- what the domains hold -------------------------------------------------------
    def holders(self) -> Iterator[Domain]:
        """Domains that hold resources (active and bound)."""
        return (d for d in self.domains if d.holds_resources)

    @cached_property
    def used_strands(self) -> frozenset[int]:
        return frozenset(s for d in self.holders() for s in d.strands)

    @property
    def free_vcpus(self) -> int:
        return self.strands - len(self.used_strands)

    @cached_property
    def free_cores(self) -> tuple[int, ...]:
        """Ids of cores none of whose strands is held."""
        used = self.used_strands
        tpc = self.threads_per_core
        return tuple(
            c
            for c in range(self.cores)
            if not any(s in used for s in range(c * tpc, (c + 1) * tpc))
        )

    @cached_property
    def used_memory(self) -> tuple[MemoryRange, ...]:
        return tuple(sorted(b.physical for d in self.holders() for b in d.memory))

    @cached_property
    def free_memory(self) -> tuple[MemoryRange, ...]:
        """Physical ranges no held block covers, in address order."""
        return subtract_ranges(self.memory, self.used_memory)

    @property
    def free_memory_size(self) -> int:
        return sum(r.size for r in self.free_memory)

    def used_ports(self, vcc: str) -> frozenset[int]:
        return frozenset(
            d.console.port for d in self.holders() if d.console is not None and d.console.vcc == vcc
        )

    def free_console_ports(self, vcc: str | None = None) -> tuple[int, ...]:
        """Free ports of vcc ``vcc`` (default: every vcc), in order."""
        ports: list[int] = []
        for service in self.vcc:
            if vcc is None or service.name == vcc:
                used = self.used_ports(service.name)
                ports.extend(p for p in service.ports if p not in used)
        return tuple(ports)


@dataclass(frozen=True)
class Plan:
    """A planned migration: ``ldm migrate-domain DOMAIN SOURCE -> TARGET[:NEW-NAME]``.

    ``expect`` is what the fleet's author expects of it: ``None`` when not stated (the
    migration should be feasible), ``()`` for "feasible", or the requirement ids it must
    violate, exactly. ``ldmspec verify`` counts a plan as holding when the proof agrees.
    """

    domain: str
    source: str
    target: str
    new_name: str | None = None
    expect: tuple[str, ...] | None = None

    @property
    def target_name(self) -> str:
        return self.new_name or self.domain


@dataclass(frozen=True)
class Fleet:
    """Every host of an inventory, in file order, and the planned migrations."""

    hosts: tuple[Host, ...]
    plans: tuple[Plan, ...] = ()
    # Where the fleet was read from is not part of what it is.
    source: str = field(default="", compare=False)

    def host(self, name: str) -> Host | None:
        return self._hosts_by_name.get(name)

    @property
    def host_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hosts)

    @cached_property
    def _hosts_by_name(self) -> dict[str, Host]:
        return {h.name: h for h in self.hosts}


def subtract_ranges(
    ranges: tuple[MemoryRange, ...], taken: tuple[MemoryRange, ...]
) -> tuple[MemoryRange, ...]:
    """The parts of ``ranges`` that no range of ``taken`` covers, in address order."""
    free: list[MemoryRange] = []
    cuts = sorted(taken)
    for whole in sorted(ranges):
        start = whole.pa
        for cut in cuts:
            if cut.end <= start or cut.pa >= whole.end:
                continue
            if cut.pa > start:
                free.append(MemoryRange(start, cut.pa - start))
            start = max(start, cut.end)
        if start < whole.end:
            free.append(MemoryRange(start, whole.end - start))
    return tuple(free)
