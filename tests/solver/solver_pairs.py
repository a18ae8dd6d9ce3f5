"""Small host pairs built directly as values: a feasible base and one change per requirement."""

from __future__ import annotations

from dataclasses import replace

from ldmspec.inventory import (
    Console,
    CpuArch,
    Domain,
    DomainState,
    Fleet,
    Host,
    LdmVersion,
    MemoryRange,
    SolarisRelease,
    Vcc,
    VDisk,
    Vds,
    VNet,
    Volume,
    Vsw,
    processor,
)
from ldmspec.inventory.placement import place_host
from ldmspec.inventory.units import GIB

GUEST = "g1"


def guest(**changes) -> Domain:
    base = Domain(
        name=GUEST,
        state=DomainState.ACTIVE,
        vcpus=8,
        memory_size=8 * GIB,
        os=SolarisRelease(11, 4),
        vdisks=(VDisk("vdisk0", "vol1", "primary-vds0"),),
        vnets=(VNet("vnet0", "primary-vsw0"),),
        console=Console("primary-vcc0", 5000, GUEST),
    )
    return replace(base, **changes)


def host(name: str, *domains: Domain, **changes) -> Host:
    """A SPARC T4 with 8 cores x 8 strands, 64G, Manager 3.6, every service the guest uses."""
    primary = Domain("primary", vcpus=8, memory_size=4 * GIB)
    base = Host(
        name=name,
        cpu=processor("SPARC-T4"),
        clock_mhz=2848,
        stick_frequency=0x05F5E100,
        ldm_version=LdmVersion.parse("3.6"),
        os=SolarisRelease(11, 4),
        cores=8,
        threads_per_core=8,
        memory=(MemoryRange(0, 64 * GIB),),
        largest_page=2 * GIB,
        vds=(Vds("primary-vds0", (Volume("vol1", "/dev/dsk/c1t1d0s2"),)),),
        vsw=(Vsw("primary-vsw0", "net0"),),
        vcc=(Vcc("primary-vcc0", 5000, 5100),),
        domains=(primary, *domains),
    )
    placed, problems = place_host(replace(base, **changes))
    assert not problems, problems
    return placed


def fleet(source: Host, target: Host) -> Fleet:
    return Fleet((source, target))


def pair(domain: Domain | None = None, *, source: dict | None = None, target: dict | None = None):
    """``(fleet, new_name)`` for ``domain`` on host ``s`` migrating to host ``t``."""
    src = host("s", domain or guest(), **(source or {}))
    dst = host("t", **(target or {}))
    return fleet(src, dst)


def filler(name: str, **changes) -> Domain:
    """A guest of the target that holds resources (no disks, networks or console)."""
    return replace(Domain(name=name, vcpus=1, memory_size=GIB), **changes)


def t_version(text: str) -> dict:
    return {"ldm_version": LdmVersion.parse(text)}


def cpu(name: str) -> dict:
    return {"cpu": processor(name)}


S10 = SolarisRelease.parse("10 1/13")
GENERIC = CpuArch.GENERIC
