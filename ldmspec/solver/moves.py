"""The pieces of an evacuation plan that are not the placement solver itself.

* :func:`may_accept`, the *prefilter*: cheap necessary conditions the z3 model implies,
  so that z3 runs only on the pairs a placement uses. For every requirement but MEM-2
  the condition is the requirement itself, evaluated in Python on the same facts and
  encodings as :mod:`ldmspec.models.preconditions` (``cpu_code``, ``ldm_code``,
  ``os_code``, ``LdmVersion.adjacent``...). MEM-2 is reduced to a necessary condition:
  every block has, by itself, a free range that holds it at a congruent address. So
  ``may_accept`` is False only when z3 would find the pair infeasible (a test checks
  this against z3); an "impossible" built on it is still a proof.
* :func:`layout_memory`: physical addresses for the blocks of every domain planned for
  one target. First-fit at the lowest congruent address (the way the loader and the
  Logical Domains Manager bind memory); when that fails, z3 solves MEM-2 for all of
  them *jointly* (every block of every domain congruent, inside the target's free
  ranges, pairwise disjoint), which either gives the addresses or an unsat core: a
  set of domains that provably cannot share the target (a *cut* for CP-SAT).
* :func:`schedule_waves`: the migrations in waves (at most ``max_parallel`` from the
  source at a time, a target in at most one migration per wave).
* :func:`move_domain`: the fleet after one migration, as new frozen values.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import z3

from ldmspec.inventory.facts import (
    Console,
    Domain,
    Fleet,
    Host,
    MemoryBlock,
    MemoryRange,
    subtract_ranges,
)
from ldmspec.inventory.placement import congruent_pa, place_strands
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.versions import LdmVersion
from ldmspec.models.memory_fit import Block, usable_ranges
from ldmspec.models.preconditions import (
    SOLARIS_10_9_10,
    SOLARIS_11,
    T2_PLUS,
    T4,
    DomainSide,
    cpu_code,
    ldm_code,
    os_code,
    requirement_applies,
    split_allowed,
)
from ldmspec.requirements import CATALOG

__all__ = [
    "CAPACITY_IDS",
    "DomainFacts",
    "HostFacts",
    "JointLayout",
    "host_facts",
    "host_kind",
    "layout_memory",
    "may_accept",
    "move_domain",
    "schedule_waves",
]

# Requirements about what the target has left: the rest depend only on the pair.
CAPACITY_IDS = frozenset({"CPU-1", "CPU-8", "MEM-1", "MEM-2", "VIO-4"})


# --------------------------------------------------------------------------------------
# Prefilter
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HostFacts:
    """What the prefilter needs of a candidate target, computed once per host."""

    name: str
    cpu: int
    generation: int
    fujitsu: bool
    cpu_name: str
    stick: int
    ldm: int
    ldm_version: LdmVersion
    os: int
    free_vcpus: int
    free_core_strands: int
    free_memory: int
    free_ranges: tuple[MemoryRange, ...]
    largest_free: int
    largest_page: int
    has_vcc: bool
    free_ports: int
    volumes: frozenset[tuple[str, str]]
    switches: frozenset[str]
    domain_names: frozenset[str]


def host_facts(host: Host) -> HostFacts:
    return HostFacts(
        name=host.name,
        cpu=cpu_code(host.cpu),
        generation=host.cpu.generation,
        fujitsu=host.cpu.fujitsu,
        cpu_name=host.cpu.name,
        stick=host.stick_frequency,
        ldm=ldm_code(host.ldm_version),
        ldm_version=host.ldm_version,
        os=os_code(host.os),
        free_vcpus=host.free_vcpus,
        free_core_strands=len(host.free_cores) * host.threads_per_core,
        free_memory=host.free_memory_size,
        free_ranges=host.free_memory,
        largest_free=max((r.size for r in host.free_memory), default=0),
        largest_page=host.largest_page,
        has_vcc=bool(host.vcc),
        free_ports=len(host.free_console_ports()),
        volumes=frozenset((s.name, v.name) for s in host.vds for v in s.volumes),
        switches=frozenset(s.name for s in host.vsw),
        domain_names=frozenset(d.name for d in host.domains),
    )


class DomainFacts:
    """A domain's side of the prefilter: the ids that apply and its encoded facts."""

    def __init__(self, d: DomainSide) -> None:
        self.side = d
        self.applies = ok = frozenset(r.id for r in CATALOG if requirement_applies(r.id, d))
        self.s_cpu = cpu_code(d.s_cpu)
        self.s_ldm = ldm_code(d.s_ldm)
        self.s_os = os_code(d.s_os)
        self.d_os = os_code(d.guest)
        no: frozenset[str] = frozenset()
        self.volumes = frozenset((v.service, v.volume) for v in d.vdisks) if "VIO-1" in ok else no
        self.switches = frozenset(n.service for n in d.vnets) if "VIO-2" in ok else no
        self.name_check = "ST-3" in ok
        self.vcpus = d.vcpus if "CPU-1" in ok else 0
        self.core_strands = d.vcpus if "CPU-8" in ok else 0
        self.memory = d.memory if "MEM-1" in ok else 0
        self.port = "VIO-4" in ok
        self.blocks = d.blocks if "MEM-2" in ok else ()
        # Results of the kind-only requirements, per kind of host (see `host_kind`).
        self.cache: dict[int, bool] = {}


def _kind_only(f: DomainFacts, h: HostFacts) -> bool:
    """The requirements that depend only on the host's kind (processor, clock, versions,
    a vcc): not on its capacity, services or domain names."""
    d, ok = f.side, f.applies
    cross = f.s_cpu != h.cpu
    if "ST-2" in ok and d.is_control:
        return False
    if "ST-1" in ok and d.in_migration:
        return False
    if "IO-1" in ok and d.blocking_io:
        return False
    if "SW-1" in ok and not (f.s_ldm >= 201 and h.ldm >= 201):
        return False
    if "SW-2" in ok and cross and not (f.s_ldm >= 202 and h.ldm >= 202):
        return False
    newer = f.s_ldm >= 300 or h.ldm >= 300
    if "SW-3" in ok and newer and not d.s_ldm.adjacent(h.ldm_version):
        return False
    if "SW-4" in ok and f.d_os < os_code(SOLARIS_10_9_10):
        return False
    if "CPU-2" in ok and cross:
        return False
    if "CPU-3" in ok and d.s_stick != h.stick:
        return False
    if "CPU-4" in ok and cross and d.arch is CpuArch.NATIVE:
        return False
    if "CPU-5" in ok and cross and not (d.s_cpu.generation >= T2_PLUS and h.generation >= T2_PLUS):
        return False
    if "CPU-6" in ok and cross:
        eleven = os_code(SOLARIS_11)
        if not (f.d_os >= eleven and f.s_os >= eleven and h.os >= eleven):
            return False
    if "CPU-7" in ok and not _cpu7(d, h):
        return False
    return not ("VIO-3" in ok and not h.has_vcc)


def _cpu7(d: DomainSide, h: HostFacts) -> bool:
    if d.arch is CpuArch.MIGRATION_CLASS1:
        source = not d.s_cpu.fujitsu and d.s_cpu.generation >= T4
        return source and not h.fujitsu and h.generation >= T4
    if d.arch is CpuArch.SPARC64_CLASS1:
        return d.s_cpu.fujitsu and h.fujitsu
    return True


_KINDS: dict[tuple[object, ...], int] = {}


def host_kind(h: HostFacts) -> int:
    """An id shared by hosts that agree on everything :func:`_kind_only` reads."""
    key = (h.cpu, h.generation, h.fujitsu, h.stick, h.ldm, h.ldm_version, h.os, h.has_vcc)
    return _KINDS.setdefault(key, len(_KINDS))


def may_accept(f: DomainFacts, h: HostFacts, kind: int | None = None) -> bool:
    """False only if z3 would find ``f``'s domain unable to go to ``h`` (module docstring).

    ``kind`` is :func:`host_kind` of ``h`` (computed once per host).
    """
    d = f.side
    if f.name_check and (h.name == d.source or d.domain in h.domain_names):
        return False
    if h.free_vcpus < f.vcpus or h.free_core_strands < f.core_strands:
        return False
    if h.free_memory < f.memory or (f.port and h.has_vcc and h.free_ports < 1):
        return False
    if f.volumes and not f.volumes <= h.volumes:
        return False
    if f.switches and not f.switches <= h.switches:
        return False
    if not split_allowed(d, h.ldm_version):  # a split block needs no range of its size
        for _, pa, size in f.blocks:
            # A free range of size + page holds the block at some congruent address.
            if size + h.largest_page > h.largest_free and not usable_ranges(
                pa, size, h.free_ranges, h.largest_page
            ):
                return False
    key = kind if kind is not None else host_kind(h)
    known = f.cache.get(key)
    if known is None:
        known = f.cache[key] = _kind_only(f, h)
    return known


# --------------------------------------------------------------------------------------
# Memory layout on one target
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JointLayout:
    """Where the blocks of each planned domain land on one target, or why they cannot.

    ``status`` "placed" (``blocks`` per domain), "conflict" (``core``: these domains'
    blocks cannot all fit the target's free memory: proven by z3) or "unknown".
    """

    status: str
    blocks: tuple[tuple[str, tuple[MemoryBlock, ...]], ...] = ()
    core: tuple[str, ...] = ()
    by: str = ""


def _first_fit(
    blocks: Sequence[Block], free: tuple[MemoryRange, ...], page: int
) -> tuple[tuple[MemoryBlock, ...], tuple[MemoryRange, ...]] | None:
    placed: list[MemoryBlock] = []
    for ra, source_pa, size in blocks:
        for rng in free:
            pa = congruent_pa(rng.pa, source_pa, page)
            if pa + size <= rng.end:
                placed.append(MemoryBlock(ra, pa, size))
                free = subtract_ranges(free, (MemoryRange(pa, size),))
                break
        else:
            return None
    return tuple(placed), free


def layout_memory(
    target: Host,
    domains: Sequence[tuple[str, tuple[Block, ...]]],
    *,
    timeout_ms: int,
) -> JointLayout:
    """Addresses for the ``(ra, pa, size)`` blocks of each ``(name, blocks)`` on ``target``.

    ``domains`` is in migration order; first-fit in that order, else z3 jointly.
    """
    free = target.free_memory
    out = []
    for name, blocks in domains:
        fit = _first_fit(blocks, free, target.largest_page)
        if fit is None:
            return _joint(target, domains, timeout_ms)
        placed, free = fit
        out.append((name, placed))
    return JointLayout("placed", tuple(out), by="first-fit")


def _joint(
    target: Host,
    domains: Sequence[tuple[str, tuple[Block, ...]]],
    timeout_ms: int,
) -> JointLayout:
    """MEM-2 for all ``domains`` at once on ``target``, one assumption per domain."""
    deadline = time.monotonic() + timeout_ms / 1000
    page = target.largest_page
    solver = z3.Solver()
    solver.set("unsat_core", True)
    pas: list[tuple[int, z3.ArithRef, int]] = []  # (domain index, pa, size)
    literals = []
    for k, (_, blocks) in enumerate(domains):
        lit = z3.Bool(f"place_{k}")
        literals.append(lit)
        parts = []
        for i, (_, source_pa, size) in enumerate(blocks):
            pa, mult = z3.Int(f"pa_{k}_{i}"), z3.Int(f"k_{k}_{i}")
            inside = [
                z3.And(rng.pa <= pa, pa <= rng.end - size)
                for rng in usable_ranges(source_pa, size, target.free_memory, page)
            ]
            parts += [pa == source_pa % page + page * mult, z3.Or(*inside) if inside else False]
            pas.append((k, pa, size))
        solver.add(z3.Implies(lit, z3.And(*parts)) if parts else z3.BoolVal(True))
    for a in range(len(pas)):
        for b in range(a + 1, len(pas)):
            ka, pa_a, sa = pas[a]
            kb, pa_b, sb = pas[b]
            both = z3.And(literals[ka], literals[kb])
            solver.add(z3.Implies(both, z3.Or(pa_a + sa <= pa_b, pa_b + sb <= pa_a)))

    def check(lits: list[z3.BoolRef]) -> z3.CheckSatResult:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0:
            return z3.unknown
        solver.set("timeout", left)
        return solver.check(*lits)

    result = check(literals)
    if result == z3.sat:
        model = solver.model()
        out = []
        for k, (name, blocks) in enumerate(domains):
            placed = tuple(
                MemoryBlock(ra, model.eval(z3.Int(f"pa_{k}_{i}")).as_long(), size)
                for i, (ra, _, size) in enumerate(blocks)
            )
            out.append((name, placed))
        return JointLayout("placed", tuple(out), by="z3")
    if result == z3.unknown:
        return JointLayout("unknown", by="z3")
    core = [lit for lit in literals if any(lit.eq(c) for c in solver.unsat_core())]
    # Shrink by deletion so that no proper subset of the cut is itself a conflict.
    for lit in list(core):
        trial = [c for c in core if not c.eq(lit)]
        verdict = check(trial)
        if verdict == z3.unknown:
            break
        if verdict == z3.unsat:
            core = trial
    names = tuple(domains[literals.index(c)][0] for c in core)
    return JointLayout("conflict", core=names, by="z3")


# --------------------------------------------------------------------------------------
# Waves
# --------------------------------------------------------------------------------------
def schedule_waves(
    order: Sequence[tuple[str, str]], max_parallel: int
) -> list[list[tuple[str, str]]]:
    """``(domain, target)`` moves, in ``order``, into waves.

    A wave holds at most ``max_parallel`` migrations (all from the one source) and a
    target at most once; a target's migrations keep their relative order. Each wave
    serves the targets with the most migrations left (ties: the earliest in ``order``),
    which needs the fewest waves: ``max(ceil(moves / max_parallel), most per target)``.
    With ``max_parallel == 1`` the waves follow ``order`` exactly.
    """
    if max_parallel == 1:
        return [[move] for move in order]
    queues: dict[str, list[tuple[int, str]]] = {}
    for k, (domain, target) in enumerate(order):
        queues.setdefault(target, []).append((k, domain))
    waves: list[list[tuple[str, str]]] = []
    while any(queues.values()):
        busy = sorted(
            (t for t in queues if queues[t]), key=lambda t: (-len(queues[t]), queues[t][0][0])
        )
        chosen = sorted(busy[:max_parallel], key=lambda t: queues[t][0][0])
        waves.append([(queues[t].pop(0)[1], t) for t in chosen])
    return waves


# --------------------------------------------------------------------------------------
# Applying a migration to the fleet
# --------------------------------------------------------------------------------------
def move_domain(
    fleet: Fleet,
    domain: str,
    source: str,
    target: str,
    *,
    blocks: tuple[MemoryBlock, ...],
    whole_cores: bool,
    keep_ports: int = 0,
) -> Fleet:
    """The fleet after ``domain`` migrated from ``source`` to ``target``.

    The domain leaves the source and joins the target, bound the way the Manager binds
    (and the z3 witness reports): the lowest free strands, whole free cores when
    ``whole_cores``; its memory at ``blocks``; a console on the target's vcc at its
    lowest free port (a bound domain takes one only if more than ``keep_ports`` are
    free: those are kept for live domains still to come; an inactive one holds none).
    """
    src, dst = fleet.host(source), fleet.host(target)
    if src is None or dst is None:
        raise KeyError(source if src is None else target)
    moving = src.domain(domain)
    if moving is None:
        raise KeyError(domain)
    arrived = moving
    if moving.holds_resources:
        shaped = replace(moving, whole_core=whole_cores)
        strands = place_strands(dst, shaped, set(dst.used_strands))
        if strands is None:
            raise ValueError(f"{target} has no strands left for {domain}")
        _check_blocks(dst, moving, blocks)
        arrived = replace(arrived, strands=strands, memory=blocks)
    arrived = replace(arrived, console=_console_on(dst, moving, keep_ports))
    new_src = replace(src, domains=tuple(d for d in src.domains if d.name != domain))
    new_dst = replace(dst, domains=(*dst.domains, arrived))
    hosts = tuple(
        new_src if h.name == source else new_dst if h.name == target else h for h in fleet.hosts
    )
    return replace(fleet, hosts=hosts)


def _check_blocks(target: Host, domain: Domain, blocks: tuple[MemoryBlock, ...]) -> None:
    """MEM-2 for the addresses chosen: the domain's real addresses and sizes, each PA
    congruent to its PA on the source modulo the target's largest page, inside free
    memory, disjoint. A failure is a bug of the planner, never a verdict."""
    page = target.largest_page
    wanted = sorted((b.ra, b.size) for b in domain.memory)
    if sorted((b.ra, b.size) for b in blocks) != wanted:
        raise ValueError(f"{domain.name}: blocks do not keep its real addresses and sizes")
    source_pa = {b.ra: b.pa for b in domain.memory}
    free = target.free_memory
    for b in blocks:
        aligned = (b.pa - source_pa[b.ra]) % page == 0
        if not aligned or not any(r.pa <= b.pa and b.end_pa <= r.end for r in free):
            raise ValueError(f"{domain.name}: {b} is not a valid place on {target.name}")
        free = subtract_ranges(free, (b.physical,))


def _console_on(target: Host, domain: Domain, keep_ports: int) -> Console | None:
    if domain.console is None or not target.vcc:
        return None
    group = domain.console.group
    if not domain.holds_resources:
        return Console(target.vcc[0].name, domain.console.port, group)
    for vcc in target.vcc:
        ports = target.free_console_ports(vcc.name)
        if ports:
            spare = len(target.free_console_ports())
            if not domain.live and spare <= keep_ports:
                return None
            return Console(vcc.name, ports[0], group)
    return None
