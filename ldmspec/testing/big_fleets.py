"""Big generated fleets for benchmarks and scale tests, built directly as frozen values.

The loader's validation and placement would dominate at thousands of hosts, so these
build what the loader would produce (every strand and memory block already placed) as
:class:`~ldmspec.inventory.facts.Host` values. A seed reproduces a fleet exactly.

* :func:`mixed_fleet` -- for fleet-wide queries (``ldmspec targets``): host ``h00000``
  carries ``ldom01``, the others vary processor, Manager version, services and load so
  that targets are feasible, infeasible for one reason, or for several::

      fleet = mixed_fleet(10_000, seed=0)

* :func:`evacuation_fleet` -- *planted* for ``ldmspec evacuate``: every guest of host
  ``h0000`` (:data:`SOURCE`) has a planted target with room for it (and at least one 2G
  page of memory slack), the other hosts carry random load, and about 20% of the
  (guest, host) pairs are incompatible by a requirement: a missing volume (VIO-1), a
  missing virtual switch (VIO-2), or a SPARC T5 for a guest whose cpu-arch is native
  (CPU-4). Memory sizes are multiples of the 2G largest page::

      fleet = evacuation_fleet(domains=128, hosts=1000, seed=0)
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace

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

__all__ = ["SOURCE", "evacuation_fleet", "mixed_fleet"]

#: The host :func:`evacuation_fleet` plants its guests on.
SOURCE = "h0000"
PAGE = 2 * GIB
TPC = 8
STICK = 0x05F5E100

_CPUS = ("SPARC-T4", "SPARC-T4", "SPARC-T5", "SPARC-M7", "SPARC64-X")
_VERSIONS = ("3.6", "3.6", "3.5", "3.4")
_VOLUMES = ("vol01", "vol02", "vol03", "vol04")
_VCPUS = (1, 2, 4, 8, 16)
_MEMORY_GB = (4, 8, 16, 32, 64)


def _host(name: str, cpu: str, cores: int, memory: int, domains: list[Domain],
          volumes: tuple[Volume, ...], *, vsw: bool = True, ports: int = 101,
          clock: int = 2848, stick: int = STICK, version: str = "3.6") -> Host:  # fmt: skip
    """One generated host: a single memory range, one vds, vsw and vcc each."""
    return Host(
        name=name,
        cpu=PROCESSORS[cpu],
        clock_mhz=clock,
        stick_frequency=stick,
        ldm_version=LdmVersion.parse(version),
        os=SolarisRelease(11, 4),
        cores=cores,
        threads_per_core=TPC,
        memory=(MemoryRange(0, memory),),
        largest_page=PAGE,
        vds=(Vds("primary-vds0", volumes),),
        vsw=(Vsw("primary-vsw0", "net0"),) if vsw else (),
        vcc=(Vcc("primary-vcc0", 5000, 5000 + ports - 1),),
        domains=tuple(domains),
    )


def _holder(name: str, vcpus: int, strands: range, pa: int, size: int,
            port: int | None = None) -> Domain:  # fmt: skip
    """An active domain holding ``strands`` and one block at RA_BASE, PA ``pa``."""
    return Domain(
        name=name,
        state=DomainState.ACTIVE,
        vcpus=vcpus,
        memory_size=size,
        memory=(MemoryBlock(RA_BASE, pa, size),),
        strands=tuple(strands),
        console=Console("primary-vcc0", port, name) if port is not None else None,
    )


# --- mixed fleets (targets) ------------------------------------------------------------
def mixed_fleet(hosts: int, *, seed: int = 0, guests_per_host: int = 4) -> Fleet:
    """A fleet of ``hosts`` hosts (at least 2); ``ldom01`` lives on ``h00000``."""
    rng = random.Random(seed)
    built = [_mixed_host(rng, k, guests_per_host) for k in range(max(2, hosts))]
    return Fleet(tuple(built), source=f"<generated {hosts} hosts, seed {seed}>")


def _mixed_host(rng: random.Random, index: int, guests: int) -> Host:
    cores = rng.choice((8, 16, 32))
    total = rng.choice((128, 256, 512)) * GIB
    cpu = _CPUS[0] if index == 0 else rng.choice(_CPUS)
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
    # The order of these draws is part of what a seed reproduces.
    stick = STICK if rng.random() < 0.9 else 0x3B9ACA00
    version = "3.6" if index == 0 else rng.choice(_VERSIONS)
    vsw = index == 0 or rng.random() < 0.95
    ports = rng.choice((2, 8, 100)) + 1
    # A guest's devices name only services this host has: the loader refuses anything else.
    layout = _Layout(cores, total, ports, tuple(v.name for v in volumes), vsw)
    domains = _mixed_domains(rng, specs, layout)
    return _host(f"h{index:05d}", cpu, cores, total, domains, volumes, vsw=vsw, ports=ports,
                 clock=3600, stick=stick, version=version)  # fmt: skip


@dataclass(frozen=True)
class _Layout:
    """What a generated host offers its domains."""

    cores: int
    memory: int
    ports: int
    volumes: tuple[str, ...]
    vsw: bool


def _mixed_domains(rng: random.Random, specs: list[tuple[str, int, int, bool]],
                   layout: _Layout) -> list[Domain]:  # fmt: skip
    """The domains of ``specs`` laid out one after the other, while they fit.

    A whole-core domain starts on a core boundary; guests stop when the strands, the
    memory or the console ports run out.
    """
    domains: list[Domain] = []
    strand, pa, port = 0, 0, 5000
    for dname, vcpus, memory, whole in specs:
        control = dname == "primary"
        first = -(-strand // TPC) * TPC if whole else strand
        need = -(-vcpus // TPC) * TPC if whole else vcpus
        start = pa + ((RA_BASE - pa) % PAGE)
        if (first + need > layout.cores * TPC or start + memory > layout.memory
                or (not control and port >= 5000 + layout.ports)):  # fmt: skip
            break
        domain = _holder(dname, vcpus, range(first, first + need), start, memory,
                         None if control else port)  # fmt: skip
        volume = rng.choice(_VOLUMES)
        domains.append(
            replace(
                domain,
                whole_core=whole,
                cpu_arch=CpuArch.NATIVE,
                vdisks=(VDisk("vdisk0", volume, "primary-vds0"),)
                if not control and volume in layout.volumes
                else (),
                vnets=(VNet("vnet0", "primary-vsw0"),) if not control and layout.vsw else (),
            )
        )
        strand = first + need
        pa = start + memory
        port += 0 if control else 1
    return domains


# --- planted fleets (evacuate) ---------------------------------------------------------
def evacuation_fleet(domains: int, hosts: int, seed: int = 0) -> Fleet:
    """A planted-feasible fleet: host ``h0000`` holds ``domains`` guests to evacuate."""
    rnd = random.Random(seed)
    guests = []
    for k in range(domains):
        vcpus, gb = rnd.choice(_VCPUS), rnd.choice(_MEMORY_GB)
        arch = CpuArch.GENERIC if rnd.random() < 0.5 else CpuArch.NATIVE
        guests.append((f"g{k:03d}", vcpus, gb * GIB, arch))
    out = [_evacuation_source(guests)]
    # Planted targets: each guest gets one, with room left for what is planted on it.
    names = [f"h{k:04d}" for k in range(1, hosts)]
    planted: dict[str, list[tuple[str, int, int, CpuArch]]] = {}
    for g in guests:
        planted.setdefault(rnd.choice(names[: max(1, len(names) // 3)]), []).append(g)
    for name in names:
        out.append(_evacuation_target(rnd, name, planted.get(name, []), guests))
    return Fleet(hosts=tuple(out))


def _evacuation_source(guests: list[tuple[str, int, int, CpuArch]]) -> Host:
    """The source: strands and memory laid out one guest after the other."""
    cores = -(-(8 + sum(g[1] for g in guests)) // TPC) + 1
    held = [_holder("primary", 8, range(0, 8), RA_BASE, 16 * GIB)]
    strand, pa = 8, 16 * GIB + RA_BASE
    for k, (name, vcpus, size, arch) in enumerate(guests):
        d = _holder(name, vcpus, range(strand, strand + vcpus), pa, size, port=5000 + k)
        held.append(replace(
            d,
            cpu_arch=arch,
            vdisks=(VDisk("vdisk0", f"vol-{name}", "primary-vds0"),),
            vnets=(VNet("vnet0", "primary-vsw0"),),
        ))  # fmt: skip
        strand += vcpus
        pa += size
    volumes = _volumes(f"vol-{g[0]}" for g in guests)
    return _host(SOURCE, "SPARC-T4", cores, pa + PAGE, held, volumes, ports=max(101, len(guests)))


def _evacuation_target(rnd: random.Random, name: str, mine: list[tuple[str, int, int, CpuArch]],
                       guests: list[tuple[str, int, int, CpuArch]]) -> Host:  # fmt: skip
    # 20% of the hosts are T5s: guests with native cpu-arch cannot go there (CPU-4).
    cpu = "SPARC-T5" if not mine and rnd.random() < 0.2 else "SPARC-T4"
    need_v = sum(g[1] for g in mine)
    need_m = sum(g[2] for g in mine)
    slack_v, slack_m = rnd.choice((0, 2, 4, 8)), rnd.choice((2, 4, 6)) * GIB
    total_v, total_m = 32 * TPC, 512 * GIB
    load_v = max(0, total_v - 8 - need_v - slack_v) if mine else rnd.randrange(60, 240)
    load_m = (
        max(0, total_m - 16 * GIB - need_m - slack_m) if mine
        else rnd.randrange(100, 480) * GIB // PAGE * PAGE
    )  # fmt: skip
    load_m -= load_m % PAGE
    held = [_holder("primary", 8, range(0, 8), RA_BASE, 16 * GIB)]
    if load_v and load_m:
        held.append(_holder("load", load_v, range(8, 8 + load_v), 16 * GIB + RA_BASE, load_m))
    mine_names = {g[0] for g in mine}
    # About 20% of the volumes are missing (VIO-1), never a planted one.
    volumes = _volumes(f"vol-{g[0]}" for g in guests if g[0] in mine_names or rnd.random() >= 0.2)
    vsw = bool(mine) or rnd.random() >= 0.05  # a few hosts lack the switch (VIO-2)
    return _host(name, cpu, 32, total_m, held, volumes, vsw=vsw)


def _volumes(names: Iterable[str]) -> tuple[Volume, ...]:
    return tuple(Volume(v, f"/dev/dsk/{v}") for v in names)
