"""The requirement catalog as z3 constraints: one named, tracked formula per requirement id.

A migration ``D: S -> T[:NEW]`` is described by *facts*: what the domain and its source
host are (:class:`DomainSide`, fixed for a domain) and what a candidate target is
relative to them (:class:`TargetSide`). Every fact is a z3 constant with a readable name
(``t_free_vcpus``, ``d_arch``, ``s_ldm``...). Every requirement of
:data:`ldmspec.requirements.CATALOG` is a formula over those constants, asserted as
``(=> ID formula)`` where ``ID`` is a Boolean literal named by the requirement id; a check
passes the literals as assumptions, so an unsat core names requirement ids directly.

The formulas are built once per domain; a candidate target only adds its facts as
equalities (SMT-LIB text, cheap to parse) plus its MEM-2 placement constraint
(:mod:`ldmspec.models.memory_fit`). Which requirements apply is decided here too:
live/bound/inactive, Solaris 10/11 guest, whole-core or old guest are properties of the
domain (a requirement that does not apply is not asserted at all); "processor types
differ" depends on the target and is part of the formulas (``Implies(cross, ...)``).

Encodings of non-numeric facts:

* Logical Domains Manager release ``major.minor`` as ``100 * major + minor`` (3.6 -> 306);
  release adjacency (:meth:`LdmVersion.adjacent`) is a pair fact ``t_adjacent``.
* Solaris release as an ordinal: ``1_000_000 * major`` plus ``100 * year + month`` for
  Solaris 10 updates or the minor number for Solaris 11 (10 9/10 -> 10_201_009).
* Processor type as an id, its generation and a Fujitsu flag (``processors.py``), and
  its CPU-9 family: 1 for UltraSPARC T2 / T2+ / SPARC T3, 2 for SPARC T5, M5, M6 and
  later Oracle parts, 0 for the others (T1, T4, the Fujitsu SPARC64 parts).
* ``cpu-arch`` as 0 native, 1 generic, 2 migration-class1, 3 sparc64-class1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import z3
from ldmspec.models import memory_fit
from ldmspec.models.memory_fit import Block, single_alignment

from ldmspec.inventory.facts import (
    Console,
    Domain,
    Host,
    IoDevice,
    MemoryRange,
    MigrationFlag,
    VDisk,
    VNet,
)
from ldmspec.inventory.processors import PROCESSORS, CpuArch, Processor
from ldmspec.inventory.versions import LdmVersion, SolarisRelease
from ldmspec.requirements import CATALOG

__all__ = [
    "ARCH_CODE",
    "DomainSide",
    "TargetSide",
    "build_requirements",
    "conservative_mem2",
    "cpu_code",
    "cpu_family",
    "cross_cpu",
    "declarations_smt2",
    "domain_facts_smt2",
    "domain_side",
    "ldm_code",
    "os_code",
    "requirement_applies",
    "split_allowed",
    "splits_memory",
    "target_facts_smt2",
    "target_side",
]

SOLARIS_10_9_10 = SolarisRelease(10, 0, 2010, 9)
SOLARIS_10_1_13 = SolarisRelease(10, 0, 2013, 1)
SOLARIS_11 = SolarisRelease(11, 0)
SOLARIS_11_3 = SolarisRelease(11, 3)
T2 = PROCESSORS["UltraSPARC-T2"].generation
T2_PLUS = PROCESSORS["UltraSPARC-T2+"].generation
T3 = PROCESSORS["SPARC-T3"].generation
T4 = PROCESSORS["SPARC-T4"].generation
T5 = PROCESSORS["SPARC-T5"].generation

ARCH_CODE = {
    CpuArch.NATIVE: 0,
    CpuArch.GENERIC: 1,
    CpuArch.MIGRATION_CLASS1: 2,
    CpuArch.SPARC64_CLASS1: 3,
}


def os_code(release: SolarisRelease) -> int:
    """A Solaris release as an ordered integer (see the module docstring)."""
    if release.major == 10:
        return 1_000_000 * 10 + 100 * release.year + release.month
    return 1_000_000 * release.major + release.minor


def ldm_code(version: LdmVersion) -> int:
    major, minor = version.release
    return 100 * major + minor


def cpu_family(proc: Processor) -> int:
    """CPU-9's family: 1 T2 / T2+ / T3, 2 SPARC T5, M5, M6 or later, 0 any other."""
    if proc.fujitsu:
        return 0
    if T2 <= proc.generation <= T3:
        return 1
    return 2 if proc.generation >= T5 else 0


def cpu_code(proc: Processor) -> int:
    names = list(PROCESSORS)
    if proc.name in names:
        return names.index(proc.name)
    # A processor outside the table (hand-built Host values): a stable id from its name.
    return 1000 + sum(ord(c) * 31**i for i, c in enumerate(proc.name)) % 1_000_000


# --------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DomainSide:
    """What a migration's domain and its source host are: fixed for every candidate."""

    domain: str
    source: str
    live: bool
    bound: bool
    migration: MigrationFlag
    is_control: bool
    io: tuple[IoDevice, ...]
    vcpus: int
    whole_core: bool
    memory: int
    blocks: tuple[Block, ...]  # (ra, pa, size); none for a domain that holds none
    arch: CpuArch
    guest: SolarisRelease
    vdisks: tuple[VDisk, ...]
    vnets: tuple[VNet, ...]
    console: Console | None
    s_cpu: Processor
    s_stick: int
    s_ldm: LdmVersion
    s_os: SolarisRelease
    s_volumes: tuple[str, ...]  # source device of each vdisk ("" when unknown)
    s_net_devs: tuple[str, ...]  # net-dev of each vnet's switch on the source

    @property
    def in_migration(self) -> bool:
        """ST-1: FLAGS column 6 is not ``-`` (a migration under way or in error)."""
        return self.migration is not MigrationFlag.NONE

    @property
    def blocking_io(self) -> tuple[IoDevice, ...]:
        """IO-1: every direct I/O device blocks a live or bound domain; an inactive one
        is blocked only by buses and SR-IOV functions, not by endpoints."""
        if self.live or self.bound:
            return self.io
        return tuple(dev for dev in self.io if dev.blocks_cold)

    @property
    def needs_whole_cores(self) -> bool:
        """CPU-8's condition: whole-core, or a guest older than Solaris 10 1/13."""
        return self.whole_core or self.guest < SOLARIS_10_1_13


def domain_side(source: Host, domain: Domain) -> DomainSide:
    """The facts of ``domain`` on ``source``."""
    blocks = tuple((b.ra, b.pa, b.size) for b in sorted(domain.memory))
    memory = sum(size for _, _, size in blocks) or domain.memory_size
    volumes = []
    for disk in domain.vdisks:
        vds = source.vds_named(disk.service)
        vol = vds.volume(disk.volume) if vds else None
        volumes.append(vol.device if vol else "")
    net_devs = []
    for net in domain.vnets:
        vsw = source.vsw_named(net.service)
        net_devs.append(vsw.net_dev if vsw else "")
    return DomainSide(
        domain=domain.name,
        source=source.name,
        live=domain.live,
        bound=domain.state.value == "bound",
        migration=domain.migration,
        is_control=domain.is_control,
        io=domain.io,
        vcpus=domain.vcpus,
        whole_core=domain.whole_core,
        memory=memory,
        blocks=blocks,
        arch=domain.cpu_arch,
        guest=domain.os,
        vdisks=domain.vdisks,
        vnets=domain.vnets,
        console=domain.console,
        s_cpu=source.cpu,
        s_stick=source.stick_frequency,
        s_ldm=source.ldm_version,
        s_os=source.os,
        s_volumes=tuple(volumes),
        s_net_devs=tuple(net_devs),
    )


@dataclass(frozen=True)
class TargetSide:
    """What a candidate target is, relative to one domain and its source."""

    name: str
    target_name: str
    same_host: bool
    name_taken: bool
    cpu: Processor
    stick: int
    ldm: LdmVersion
    adjacent: bool
    os: SolarisRelease
    free_vcpus: int
    threads_per_core: int
    free_cores: int  # how many cores have no strand held
    free_memory: int
    free_ranges: tuple[MemoryRange, ...]
    largest_page: int
    volumes: tuple[bool, ...]  # per vdisk of the domain: volume@vds exists on T
    switches: tuple[bool, ...]  # per vnet: the vsw exists on T
    vcc: str | None  # name of T's first vcc
    free_ports: int

    @property
    def free_core_strands(self) -> int:
        return self.free_cores * self.threads_per_core


def target_side(d: DomainSide, target: Host, new_name: str | None = None) -> TargetSide:
    """The facts of ``target`` as a destination for the domain of ``d``."""
    name = new_name or d.domain
    volumes = []
    for disk in d.vdisks:
        vds = target.vds_named(disk.service)
        volumes.append(vds is not None and vds.volume(disk.volume) is not None)
    switches = tuple(target.vsw_named(net.service) is not None for net in d.vnets)
    return TargetSide(
        name=target.name,
        target_name=name,
        same_host=target.name == d.source,
        name_taken=target.domain(name) is not None,
        cpu=target.cpu,
        stick=target.stick_frequency,
        ldm=target.ldm_version,
        adjacent=d.s_ldm.adjacent(target.ldm_version),
        os=target.os,
        free_vcpus=target.free_vcpus,
        threads_per_core=target.threads_per_core,
        free_cores=_free_core_count(target),
        free_memory=target.free_memory_size,
        free_ranges=target.free_memory,
        largest_page=target.largest_page,
        volumes=tuple(volumes),
        switches=switches,
        vcc=target.vcc[0].name if target.vcc else None,
        free_ports=_free_port_count(target),
    )


def _free_core_count(target: Host) -> int:
    # Same as len(target.free_cores), without walking every strand of every core.
    tpc = target.threads_per_core
    busy = {s // tpc for s in target.used_strands if 0 <= s < target.strands}
    return target.cores - len(busy)


def _free_port_count(target: Host) -> int:
    # Same as len(target.free_console_ports()), without listing the ports.
    free = 0
    for vcc in target.vcc:
        used = target.used_ports(vcc.name)
        free += vcc.port_hi - vcc.port_lo + 1 - sum(vcc.port_lo <= p <= vcc.port_hi for p in used)
    return free


def cross_cpu(d: DomainSide, t: TargetSide) -> bool:
    return d.s_cpu.name != t.cpu.name


def splits_memory(d: DomainSide, t: TargetSide) -> bool:
    """MEM-2 allows splitting: a guest at Solaris 11.3 or later, both Managers 3.6 or later."""
    return split_allowed(d, t.ldm)


def split_allowed(d: DomainSide, target_ldm: LdmVersion) -> bool:
    """:func:`splits_memory` for a target whose Manager is ``target_ldm``."""
    return d.guest >= SOLARIS_11_3 and d.s_ldm.at_least(3, 6) and target_ldm.at_least(3, 6)


def conservative_mem2(d: DomainSide, t: TargetSide) -> bool:
    """Splitting is allowed but not modelled (blocks of different alignments): a MEM-2
    violation is then conservative."""
    return splits_memory(d, t) and not single_alignment(d.blocks, t.largest_page)


# --------------------------------------------------------------------------------------
# Applicability
# --------------------------------------------------------------------------------------
_CROSS = {"SW-2", "CPU-4", "CPU-5", "CPU-6", "CPU-9"}


def requirement_applies(rid: str, d: DomainSide, t: TargetSide | None = None) -> bool:
    """Whether requirement ``rid`` applies to this migration.

    With ``t`` None only the domain-side conditions are decided (what the formulas are
    built for); with a target, "processor types differ" is decided too (for the table).
    """
    if rid not in FORMULAS:
        return False  # a catalog id added after this model was written: not modelled
    applies = _APPLIES[rid]
    if not applies.covers(live=d.live, bound=d.bound):
        return False
    if rid in ("CPU-2", "CPU-3") and not d.guest.is_solaris10:
        return False
    if rid == "CPU-7" and d.arch not in (CpuArch.MIGRATION_CLASS1, CpuArch.SPARC64_CLASS1):
        return False
    if rid == "CPU-8" and not d.needs_whole_cores:
        return False
    if rid in ("VIO-3", "VIO-4") and d.console is None:
        return False
    return not (t is not None and rid in _CROSS and not cross_cpu(d, t))


_APPLIES = {r.id: r.applies for r in CATALOG}


# --------------------------------------------------------------------------------------
# Symbols and formulas
# --------------------------------------------------------------------------------------
class Symbols:
    """The fact constants of one domain's model (z3's default context)."""

    def __init__(self, d: DomainSide) -> None:
        i, b = z3.Int, z3.Bool
        self.d_state_ok, self.d_in_migration = b("d_state_ok"), b("d_in_migration")
        self.d_control, self.d_io = b("d_control"), b("d_io")
        self.d_arch, self.d_os = i("d_arch"), i("d_os")
        self.s_cpu, self.s_gen, self.s_fujitsu = i("s_cpu"), i("s_gen"), b("s_fujitsu")
        self.s_family, self.t_family = i("s_family"), i("t_family")
        self.s_stick, self.s_ldm, self.s_os = i("s_stick"), i("s_ldm"), i("s_os")
        self.t_same_host, self.t_name_taken = b("t_same_host"), b("t_name_taken")
        self.t_cpu, self.t_gen, self.t_fujitsu = i("t_cpu"), i("t_gen"), b("t_fujitsu")
        self.t_stick, self.t_ldm, self.t_os = i("t_stick"), i("t_ldm"), i("t_os")
        self.t_adjacent = b("t_adjacent")
        self.t_free_vcpus, self.t_free_core_strands = i("t_free_vcpus"), i("t_free_core_strands")
        self.t_free_memory = i("t_free_memory")
        self.t_vol = [b(f"t_vol_{k}") for k in range(len(d.vdisks))]
        self.t_vsw = [b(f"t_vsw_{k}") for k in range(len(d.vnets))]
        self.t_vcc, self.t_free_ports = b("t_vcc"), i("t_free_ports")

    @property
    def cross(self) -> z3.BoolRef:
        return self.s_cpu != self.t_cpu


_INTS = [
    "d_arch",
    "d_os",
    "s_cpu",
    "s_gen",
    "s_family",
    "s_stick",
    "s_ldm",
    "s_os",
    "t_cpu",
    "t_gen",
    "t_family",
    "t_stick",
    "t_ldm",
    "t_os",
    "t_free_vcpus",
    "t_free_core_strands",
    "t_free_memory",
    "t_free_ports",
]
_BOOLS = [
    "d_state_ok",
    "d_in_migration",
    "d_control",
    "d_io",
    "s_fujitsu",
    "t_same_host",
    "t_name_taken",
    "t_fujitsu",
    "t_adjacent",
    "t_vcc",
]


def declarations_smt2(d: DomainSide) -> str:
    """Declarations of every fact constant and requirement literal of ``d``'s model."""
    ints = [*_INTS]
    bools = [*_BOOLS, *(f"t_vol_{k}" for k in range(len(d.vdisks)))]
    bools += [f"t_vsw_{k}" for k in range(len(d.vnets))]
    bools += [r.id for r in CATALOG]
    text = "".join(f"(declare-const {n} Int)" for n in ints)
    text += "".join(f"(declare-const {n} Bool)" for n in bools)
    return text + memory_fit.declarations_smt2(len(d.blocks))


def _b(value: bool) -> str:
    return "true" if value else "false"


def _eq(name: str, value: int | bool) -> str:
    if isinstance(value, bool):
        return f"(assert (= {name} {_b(value)}))"
    return f"(assert (= {name} {value}))" if value >= 0 else f"(assert (= {name} (- {-value})))"


def domain_facts_smt2(d: DomainSide) -> str:
    """The domain and source facts, asserted once with the formulas."""
    facts: list[tuple[str, int | bool]] = [
        ("d_state_ok", True),
        ("d_in_migration", d.in_migration),
        ("d_control", d.is_control),
        ("d_io", bool(d.blocking_io)),
        ("d_arch", ARCH_CODE[d.arch]),
        ("d_os", os_code(d.guest)),
        ("s_cpu", cpu_code(d.s_cpu)),
        ("s_gen", d.s_cpu.generation),
        ("s_family", cpu_family(d.s_cpu)),
        ("s_fujitsu", d.s_cpu.fujitsu),
        ("s_stick", d.s_stick),
        ("s_ldm", ldm_code(d.s_ldm)),
        ("s_os", os_code(d.s_os)),
    ]
    return "".join(_eq(n, v) for n, v in facts)


def target_facts_smt2(d: DomainSide, t: TargetSide, tag: str = "") -> str:
    """A candidate target's facts, and its MEM-2 placement constraint (``tag``: see
    :func:`ldmspec.models.memory_fit.placement_smt2`)."""
    facts: list[tuple[str, int | bool]] = [
        ("t_same_host", t.same_host),
        ("t_name_taken", t.name_taken),
        ("t_cpu", cpu_code(t.cpu)),
        ("t_gen", t.cpu.generation),
        ("t_family", cpu_family(t.cpu)),
        ("t_fujitsu", t.cpu.fujitsu),
        ("t_stick", t.stick),
        ("t_ldm", ldm_code(t.ldm)),
        ("t_adjacent", t.adjacent),
        ("t_os", os_code(t.os)),
        ("t_free_vcpus", t.free_vcpus),
        ("t_free_core_strands", t.free_core_strands),
        ("t_free_memory", t.free_memory),
        ("t_vcc", t.vcc is not None),
        ("t_free_ports", t.free_ports),
    ]
    facts += [(f"t_vol_{k}", v) for k, v in enumerate(t.volumes)]
    facts += [(f"t_vsw_{k}", v) for k, v in enumerate(t.switches)]
    text = "".join(_eq(n, v) for n, v in facts)
    if requirement_applies("MEM-2", d):
        text += memory_fit.placement_smt2(
            "MEM-2", d.blocks, t.free_ranges, t.largest_page, split=splits_memory(d, t), tag=tag
        )
    return text


def _class1(gen: z3.ArithRef, fujitsu: z3.BoolRef) -> z3.BoolRef:
    return z3.And(z3.Not(fujitsu), gen >= T4)


Formula = Callable[[Symbols, DomainSide], z3.BoolRef]

# One formula per requirement id (MEM-2's per-target part is memory_fit.placement_smt2).
FORMULAS: dict[str, Formula] = {
    "ST-1": lambda v, d: z3.And(v.d_state_ok, z3.Not(v.d_in_migration)),
    "ST-2": lambda v, d: z3.Not(v.d_control),
    "ST-3": lambda v, d: z3.And(z3.Not(v.t_same_host), z3.Not(v.t_name_taken)),
    "SW-1": lambda v, d: z3.And(v.s_ldm >= 201, v.t_ldm >= 201),
    "SW-2": lambda v, d: z3.Implies(v.cross, z3.And(v.s_ldm >= 202, v.t_ldm >= 202)),
    # The 3.x rule: once either Manager is 3.0 or later, the releases are equal or adjacent.
    "SW-3": lambda v, d: z3.Implies(z3.Or(v.s_ldm >= 300, v.t_ldm >= 300), v.t_adjacent),
    "SW-4": lambda v, d: v.d_os >= os_code(SOLARIS_10_9_10),
    "CPU-1": lambda v, d: v.t_free_vcpus >= d.vcpus,
    "CPU-2": lambda v, d: v.s_cpu == v.t_cpu,
    "CPU-3": lambda v, d: v.s_stick == v.t_stick,
    "CPU-4": lambda v, d: z3.Implies(v.cross, v.d_arch != ARCH_CODE[CpuArch.NATIVE]),
    "CPU-5": lambda v, d: z3.Implies(v.cross, z3.And(v.s_gen >= T2_PLUS, v.t_gen >= T2_PLUS)),
    "CPU-6": lambda v, d: z3.Implies(
        v.cross,
        z3.And(
            v.d_os >= os_code(SOLARIS_11),
            v.s_os >= os_code(SOLARIS_11),
            v.t_os >= os_code(SOLARIS_11),
        ),
    ),
    "CPU-7": lambda v, d: z3.And(
        z3.Implies(
            v.d_arch == ARCH_CODE[CpuArch.MIGRATION_CLASS1],
            z3.And(_class1(v.s_gen, v.s_fujitsu), _class1(v.t_gen, v.t_fujitsu)),
        ),
        z3.Implies(v.d_arch == ARCH_CODE[CpuArch.SPARC64_CLASS1], z3.And(v.s_fujitsu, v.t_fujitsu)),
    ),
    # Enough completely free cores: free_cores * threads_per_core >= vCPUs is exactly
    # free_cores >= ceil(vCPUs / threads_per_core), kept linear by a host fact.
    "CPU-8": lambda v, d: v.t_free_core_strands >= d.vcpus,
    "CPU-9": lambda v, d: z3.Not(
        z3.Or(
            z3.And(v.s_family == 1, v.t_family == 2),
            z3.And(v.s_family == 2, v.t_family == 1),
        )
    ),
    "MEM-1": lambda v, d: v.t_free_memory >= d.memory,
    # Placement depends on the target's free ranges and on splitting: all of MEM-2 is in
    # the target's facts (memory_fit.placement_smt2), asserted under the same literal.
    "MEM-2": lambda v, d: z3.BoolVal(True),
    "IO-1": lambda v, d: z3.Not(v.d_io),
    "VIO-1": lambda v, d: z3.And(*v.t_vol) if v.t_vol else z3.BoolVal(True),
    "VIO-2": lambda v, d: z3.And(*v.t_vsw) if v.t_vsw else z3.BoolVal(True),
    "VIO-3": lambda v, d: v.t_vcc,
    # Without a vcc VIO-3 is the violation; VIO-4 is about the ports of an existing vcc.
    "VIO-4": lambda v, d: z3.Implies(v.t_vcc, v.t_free_ports >= 1),
}


def build_requirements(d: DomainSide) -> tuple[Symbols, dict[str, z3.BoolRef]]:
    """The symbols of ``d``'s model and ``(=> literal formula)`` for each applicable id."""
    v = Symbols(d)
    tracked = {
        r.id: z3.Implies(z3.Bool(r.id), FORMULAS[r.id](v, d))
        for r in CATALOG
        if requirement_applies(r.id, d)
    }
    return v, tracked
