"""Large generated fleets, built directly as frozen ``Host`` values (no TOML, no loader).

For benchmarks and tests of fleet-wide queries (``ldmspec evacuate``): the loader's
validation and placement would dominate at 1,000 hosts, so this builds what the loader
would produce, with every strand and memory block already placed.

    from ldmspec.testing.generated import generated_fleet
    fleet = generated_fleet(domains=128, hosts=1000, seed=0)   # evacuate host "h0000"

The fleet is *planted*: every guest of ``h0000`` has a planted target with room for it
(and at least one 2G page of memory slack), the other hosts carry random load, and about
20% of the (guest, host) pairs are incompatible by a requirement: a missing volume
(VIO-1), a missing virtual switch (VIO-2), or a SPARC T5 for a guest whose cpu-arch is
native (CPU-4). Memory sizes are multiples of the 2G largest page. Deterministic for a
seed.
"""

from __future__ import annotations

import random
from dataclasses import replace

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
from ldmspec.inventory.processors import PROCESSORS, CpuArch
from ldmspec.inventory.units import GIB
from ldmspec.inventory.versions import LdmVersion, SolarisRelease

__all__ = ["SOURCE", "generated_fleet"]

SOURCE = "h0000"
PAGE = 2 * GIB
RA_BASE = 0x10000000
VCPUS = (1, 2, 4, 8, 16)
MEMORY_GB = (4, 8, 16, 32, 64)
TPC = 8


def _host(name: str, cpu: str, cores: int, memory: int, domains: list[Domain],
          volumes: list[str], vsw: bool = True, ports: int = 101) -> Host:  # fmt: skip
    return Host(
        name=name,
        cpu=PROCESSORS[cpu],
        clock_mhz=2848,
        stick_frequency=0x05F5E100,
        ldm_version=LdmVersion.parse("3.6"),
        os=SolarisRelease(11, 4),
        cores=cores,
        threads_per_core=TPC,
        memory=(MemoryRange(0, memory),),
        largest_page=PAGE,
        vds=(Vds("primary-vds0", tuple(Volume(v, f"/dev/dsk/{v}") for v in volumes)),),
        vsw=(Vsw("primary-vsw0", "net0"),) if vsw else (),
        vcc=(Vcc("primary-vcc0", 5000, 5000 + ports - 1),),
        domains=tuple(domains),
    )


def _holder(name: str, vcpus: int, first_strand: int, pa: int, size: int,
            port: int | None = None) -> Domain:  # fmt: skip
    return Domain(
        name=name,
        state=DomainState.ACTIVE,
        vcpus=vcpus,
        memory_size=size,
        memory=(MemoryBlock(RA_BASE, pa, size),),
        strands=tuple(range(first_strand, first_strand + vcpus)),
        console=Console("primary-vcc0", port, name) if port is not None else None,
    )


def generated_fleet(domains: int, hosts: int, seed: int = 0) -> Fleet:
    """A planted-feasible fleet: host ``h0000`` holds ``domains`` guests to evacuate."""
    rnd = random.Random(seed)
    guests = []
    for k in range(domains):
        vcpus, gb = rnd.choice(VCPUS), rnd.choice(MEMORY_GB)
        arch = CpuArch.GENERIC if rnd.random() < 0.5 else CpuArch.NATIVE
        guests.append((f"g{k:03d}", vcpus, gb * GIB, arch))
    # The source: strands and memory laid out one guest after the other.
    cores = -(-(8 + sum(g[1] for g in guests)) // TPC) + 1
    src_domains = [_holder("primary", 8, 0, RA_BASE, 16 * GIB)]
    strand, pa = 8, 16 * GIB + RA_BASE
    for k, (name, vcpus, size, arch) in enumerate(guests):
        d = _holder(name, vcpus, strand, pa, size, port=5000 + k)
        d = replace(
            d,
            cpu_arch=arch,
            vdisks=(VDisk("vdisk0", f"vol-{name}", "primary-vds0"),),
            vnets=(VNet("vnet0", "primary-vsw0"),),
        )
        src_domains.append(d)
        strand += vcpus
        pa += size
    source = _host(SOURCE, "SPARC-T4", cores, pa + PAGE, src_domains,
                   [f"vol-{g[0]}" for g in guests], ports=max(101, domains))  # fmt: skip
    # Planted targets: each guest gets one, with room left for what is planted on it.
    names = [f"h{k:04d}" for k in range(1, hosts)]
    planted: dict[str, list[tuple[str, int, int, CpuArch]]] = {}
    for g in guests:
        planted.setdefault(rnd.choice(names[: max(1, len(names) // 3)]), []).append(g)
    out = [source]
    for name in names:
        mine = planted.get(name, [])
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
        doms = [_holder("primary", 8, 0, RA_BASE, 16 * GIB)]
        if load_v and load_m:
            doms.append(_holder("load", load_v, 8, 16 * GIB + RA_BASE, load_m))
        mine_names = {g[0] for g in mine}
        # About 20% of the volumes are missing (VIO-1), never a planted one.
        volumes = [f"vol-{g[0]}" for g in guests if g[0] in mine_names or rnd.random() >= 0.2]
        vsw = bool(mine) or rnd.random() >= 0.05  # a few hosts lack the switch (VIO-2)
        out.append(_host(name, cpu, 32, total_m, doms, volumes, vsw))
    return Fleet(hosts=tuple(out))
