"""Benchmark ``ldmspec evacuate``: 32 domains over 100 hosts, 128 domains over 1,000.

The fleets are generated directly as frozen ``Host`` values (no TOML), planted so that
a plan exists: every domain has a *planted* target with room for it, the other hosts
have random load, and about 20% of the (domain, host) pairs are incompatible by a
requirement (missing volume: VIO-1; missing virtual switch: VIO-2; another processor
with a native cpu-arch: CPU-4). Memory sizes are multiples of the 2G largest page.

Figure: wall-clock seconds of :func:`ldmspec.solver.evacuate.evacuate` with
``jobs=2`` from the loaded fleet to the verified plan (prefilter, CP-SAT, MEM-2 layout,
z3 verification of every step), median of repeated runs. Goal (issue 4): 128 x 1,000
within 10 s with the plan verified by the z3 model.

    python bench/run.py evacuate
    python bench/bench_evacuate.py          # prints the figures and the phase times
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

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
from ldmspec.solver.engine import _CACHE
from ldmspec.solver.evacuate import evacuate

PAGE = 2 * GIB
RA_BASE = 0x10000000
VCPUS = (1, 2, 4, 8, 16)
MEMORY_GB = (4, 8, 16, 32, 64)
TPC = 8


def _host(name: str, cpu: str, cores: int, memory: int, domains: list[Domain],
          volumes: list[str], vsw: bool = True) -> Host:  # fmt: skip
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
        vcc=(Vcc("primary-vcc0", 5000, 5100),),
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
    src_domains = [_holder("primary", 8, 0, RA_BASE + 0 * PAGE, 16 * GIB)]
    strand, pa = 8, 16 * GIB + RA_BASE
    for k, (name, vcpus, size, arch) in enumerate(guests):
        d = _holder(name, vcpus, strand, pa, size, port=5000 + k % 100)
        d = Domain(**{**d.__dict__, "cpu_arch": arch,
                      "vdisks": (VDisk("vdisk0", f"vol-{name}", "primary-vds0"),),
                      "vnets": (VNet("vnet0", "primary-vsw0"),)})  # fmt: skip
        src_domains.append(d)
        strand += vcpus
        pa += size
    source = _host("h0000", "SPARC-T4", cores, pa + PAGE, src_domains,
                   [f"vol-{g[0]}" for g in guests])  # fmt: skip
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


def _time(fleet: Fleet, runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        _CACHE.clear()
        start = time.perf_counter()
        result = evacuate(fleet, "h0000", jobs=2, timeout_s=120)
        times.append(time.perf_counter() - start)
    return times, result


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for domains, hosts, runs, goal in ((32, 100, 5, None), (128, 1000, 3, 10.0)):
        fleet = generated_fleet(domains, hosts)
        times, result = _time(fleet, runs)
        ok = result.verdict == "plan" and result.verified
        median = statistics.median(times)
        stats = dict(result.stats)
        figures[f"evacuate_{domains}x{hosts}"] = {
            "value": round(median, 2),
            "unit": "s",
            "goal": f"<= {goal:g} s, plan verified by z3" if goal else None,
            "met": (median <= goal and ok) if goal else None,
            "note": (
                f"median of {runs} runs, jobs=2; verdict {result.verdict}, verified "
                f"{result.verified}, {len(result.moves)} moves; last run: prefilter "
                f"{stats.get('prefilter_s')} s ({stats.get('candidate_pairs')} of "
                f"{stats.get('pairs')} pairs kept), CP-SAT {stats.get('cpsat_s')} s, z3 "
                f"verification {stats.get('verify_s')} s, {stats.get('rounds')} round(s)"
            ),
        }
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
