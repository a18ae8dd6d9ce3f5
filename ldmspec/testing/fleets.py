"""Big generated fleets for benchmarks and scale tests, built directly as values.

:func:`generated_fleet` makes thousands of hosts in well under a second per thousand:
it constructs :class:`~ldmspec.inventory.facts.Host` values directly (strands and memory
laid out the way :mod:`ldmspec.inventory.placement` would, without its search) instead
of writing and loading a fleet file. A seed reproduces the fleet exactly. Host ``h00000``
carries the domain ``ldom01`` that benchmarks check against the others; the rest vary
processor, Manager version, services and load so that targets are feasible, infeasible
for one reason, or for several.
"""

from __future__ import annotations

import random

from ldmspec.inventory.facts import (
    Console,
    Domain,
    DomainState,
    Fleet,
    Host,
    MemoryBlock,
    MemoryRange,
    Vcc,
    VDisk,
    Vds,
    VNet,
    Volume,
    Vsw,
)
from ldmspec.inventory.placement import RA_BASE
from ldmspec.inventory.processors import PROCESSORS, CpuArch
from ldmspec.inventory.units import GIB
from ldmspec.inventory.versions import LdmVersion, SolarisRelease

__all__ = ["generated_fleet"]

_CPUS = ("SPARC-T4", "SPARC-T4", "SPARC-T5", "SPARC-M7", "SPARC64-X")
_VERSIONS = ("3.6", "3.6", "3.5", "3.4")
_VOLUMES = ("vol01", "vol02", "vol03", "vol04")


def generated_fleet(hosts: int, *, seed: int = 0, guests_per_host: int = 4) -> Fleet:
    """A fleet of ``hosts`` hosts (at least 2); ``ldom01`` lives on ``h00000``."""
    rng = random.Random(seed)
    built = [_host(rng, k, guests_per_host) for k in range(max(2, hosts))]
    return Fleet(tuple(built), source=f"<generated {hosts} hosts, seed {seed}>")


def _host(rng: random.Random, index: int, guests: int) -> Host:
    name = f"h{index:05d}"
    cores = rng.choice((8, 16, 32))
    tpc = 8
    page = 2 * GIB
    total = rng.choice((128, 256, 512)) * GIB
    cpu = PROCESSORS[_CPUS[0] if index == 0 else rng.choice(_CPUS)]
    volumes = tuple(
        Volume(v, f"/dev/dsk/c{index % 9}t{k}d0s2")
        for k, v in enumerate(_VOLUMES)
        if index == 0 or rng.random() < 0.9
    )
    specs: list[tuple[str, int, int, bool]] = [("primary", 8, 16 * GIB, False)]
    if index == 0:
        specs.append(("ldom01", 8, 16 * GIB, False))
    for g in range(rng.randint(0, guests)):
        specs.append(
            (
                f"g{index}x{g}",
                rng.choice((4, 8, 16)),
                rng.choice((8, 16, 32)) * GIB,
                rng.random() < 0.2,
            )
        )
    domains: list[Domain] = []
    strand, pa, port = 0, 0, 5000
    for dname, vcpus, memory, whole in specs:
        need = -(-vcpus // tpc) * tpc if whole else vcpus
        if strand + need > cores * tpc:
            break
        start = pa + ((RA_BASE - pa) % page)
        if start + memory > total:
            break
        control = dname == "primary"
        domains.append(
            Domain(
                name=dname,
                state=DomainState.ACTIVE,
                vcpus=vcpus,
                whole_core=whole,
                memory_size=memory,
                memory=(MemoryBlock(RA_BASE, start, memory),),
                strands=tuple(range(strand, strand + need)),
                cpu_arch=CpuArch.NATIVE,
                os=SolarisRelease(11, 4),
                vdisks=() if control else (VDisk("vdisk0", rng.choice(_VOLUMES), "primary-vds0"),),
                vnets=() if control else (VNet("vnet0", "primary-vsw0"),),
                console=None if control else Console("primary-vcc0", port, dname),
            )
        )
        strand += need
        pa = start + memory
        port += 0 if control else 1
    return Host(
        name=name,
        cpu=cpu,
        clock_mhz=3600,
        stick_frequency=0x05F5E100 if rng.random() < 0.9 else 0x3B9ACA00,
        ldm_version=LdmVersion.parse("3.6" if index == 0 else rng.choice(_VERSIONS)),
        os=SolarisRelease(11, 4),
        cores=cores,
        threads_per_core=tpc,
        memory=(MemoryRange(0, total),),
        largest_page=page,
        vds=(Vds("primary-vds0", volumes),),
        vsw=(Vsw("primary-vsw0", "net0"),) if index == 0 or rng.random() < 0.95 else (),
        vcc=(Vcc("primary-vcc0", 5000, 5000 + rng.choice((2, 8, 100))),),
        domains=tuple(domains),
    )
