"""The target's phase-1 pre-check: its own implementation of every catalog requirement.

This is what the target's Logical Domains Manager runs on the description of a domain
it is asked to receive. :data:`CHECKS` holds one small function per catalog id (the
z3 side, :mod:`ldmspec.models.preconditions`, has one formula per id): each reads a
:class:`Migration` and yields the message of every violation it finds, nothing when
the requirement holds or does not apply. It is plain Python over inventory values and
deliberately uses neither z3 nor :mod:`ldmspec.models`: the agreement property
(INV-PRECHECK-AGREES) compares its verdict with the z3 model's, so the two must be
independent.

Applicability follows :mod:`ldmspec.requirements`: "live" is an active domain, "cold" a
bound or inactive one. Readings where DESIGN.md is terse:

* SW-3 applies when at least one Manager runs 3.0 or later: then the two versions must
  be equal or adjacent releases (``LdmVersion.adjacent``).
* VIO-4 is reported only when T has a vcc at all (no vcc is VIO-3's problem).
* CPU-8 counts the cores T must give completely free: ``ceil(vcpus / threads-per-core)``.
* MEM-2 is a real placement search (:mod:`ldmspec.system.congruence`), alignment
  preserved (PA′ ≡ PA on S modulo T's largest page); a guest at Solaris 11.3 or later
  on Managers 3.6 or later whose blocks share one alignment may have them split
  (``fits_split``); blocks of different alignments are placed whole (as the z3 side does,
  which then calls its verdict conservative).
* MEM-2's search has a budget (``congruence.SEARCH_LIMIT`` nodes): when it runs out the
  check yields an :class:`Undecided` message, the :class:`Problem` is ``undecided`` and
  :func:`verdict_of` says ``unknown``, never "cannot place". The target's hypervisor
  binds what the check accepted with the same search (split pieces included).
* CPU-9's families: UltraSPARC T2 / T2+ / SPARC T3 against SPARC T5 and every later
  Oracle processor (M5, M6, M7, T7, S7, M8, T8); Fujitsu SPARC64 parts are in neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ldmspec.inventory.facts import (
    Domain,
    DomainState,
    Host,
    IoKind,
    MemoryBlock,
    MigrationFlag,
)
from ldmspec.inventory.processors import PROCESSORS, CpuArch, Processor
from ldmspec.inventory.units import format_size
from ldmspec.inventory.versions import SOLARIS_10_1_13, SOLARIS_10_9_10, SolarisRelease
from ldmspec.system.congruence import (
    SEARCH_LIMIT,
    find_congruent_placement,
    fits_split,
    search_congruent_placement,
)

SOLARIS_11_3 = SolarisRelease(11, 3)

__all__ = [
    "CHECKS",
    "Migration",
    "Problem",
    "Undecided",
    "cores_needed",
    "find_congruent_placement",
    "may_split",
    "needs_whole_cores",
    "precheck",
    "verdict_of",
]


@dataclass(frozen=True)
class Problem:
    """One violated requirement: its catalog ``id`` and the message ldm prints for it.

    ``undecided``: the check ran out of its budget (MEM-2's placement search), so the
    requirement is neither shown to hold nor shown violated: the verdict is unknown.
    """

    id: str
    message: str
    undecided: bool = False

    def __str__(self) -> str:
        return f"{self.id}: {self.message}"


class Undecided(str):
    """A message a check yields when it could not decide (see :attr:`Problem.undecided`)."""

    __slots__ = ()


def verdict_of(problems: tuple[Problem, ...]) -> str:
    """``feasible`` (no problem), ``infeasible`` (a violation shown) or ``unknown`` (only
    undecided checks): the pre-check's answer is three-valued, like the z3 side's."""
    if any(not p.undecided for p in problems):
        return "infeasible"
    return "unknown" if problems else "feasible"


def may_split(domain: Domain, source: Host, target: Host) -> bool:
    """MEM-2's block splitting: a guest at Solaris 11.3 or later with both Managers at 3.6
    or later, whose blocks share one alignment modulo T's largest page."""
    page = target.largest_page
    return (
        domain.os >= SOLARIS_11_3
        and source.ldm_version.at_least(3, 6)
        and target.ldm_version.at_least(3, 6)
        and len({b.pa % page for b in domain.memory}) <= 1
    )


@dataclass(frozen=True)
class Migration:
    """A proposed migration as the target's pre-check reads it."""

    source: Host
    target: Host
    domain: Domain
    new_name: str | None = None

    @property
    def live(self) -> bool:
        return self.domain.state is DomainState.ACTIVE

    @property
    def holding(self) -> bool:
        """Live or bound: the domain holds vCPUs, memory and devices T must give it."""
        return self.domain.state in (DomainState.ACTIVE, DomainState.BOUND)

    @property
    def cross(self) -> bool:
        """The processor types differ."""
        return self.source.cpu != self.target.cpu

    @property
    def name(self) -> str:
        """The domain's name on the target."""
        return self.new_name or self.domain.name

    @property
    def versions(self) -> str:
        s, t = self.source, self.target
        return f"{s.name} {s.ldm_version}, {t.name} {t.ldm_version}"


def cores_needed(domain: Domain, target: Host) -> int:
    """Completely free cores ``target`` must give ``domain`` (whole-core or old Solaris 10)."""
    return -(-domain.vcpus // target.threads_per_core)


def needs_whole_cores(domain: Domain) -> bool:
    return domain.whole_core or domain.os < SOLARIS_10_1_13


# --- one check per catalog id ------------------------------------------------------------
def _st1(m: Migration) -> Iterator[str]:
    # A domain missing on S is found by precheck() itself, before any check runs.
    d = m.domain
    if d.migration is not MigrationFlag.NONE:
        yield (
            f"Domain {d.name} is in a migration or in error (FLAGS column 6 is "
            f"{d.migration.flag}): cancel the migration or remove the error copy first"
        )


def _st2(m: Migration) -> Iterator[str]:
    d = m.domain
    if d.is_control:
        yield f"Domain {d.name} is the control domain and cannot be migrated"


def _st3(m: Migration) -> Iterator[str]:
    if m.target.name == m.source.name:
        yield f"Target {m.target.name} is the source machine"
    elif m.target.domain(m.name) is not None:
        yield f"A domain named {m.name} already exists on target {m.target.name}"


def _sw1(m: Migration) -> Iterator[str]:
    if m.live and not (m.source.ldm_version.at_least(2, 1) and m.target.ldm_version.at_least(2, 1)):
        yield f"Live migration needs Logical Domains Manager 2.1 or later ({m.versions})"


def _sw2(m: Migration) -> Iterator[str]:
    both = m.source.ldm_version.at_least(2, 2) and m.target.ldm_version.at_least(2, 2)
    if m.live and m.cross and not both:
        yield f"Cross-CPU migration needs Logical Domains Manager 2.2 or later ({m.versions})"


def _sw3(m: Migration) -> Iterator[str]:
    sv, tv = m.source.ldm_version, m.target.ldm_version
    if m.live and (sv.at_least(3, 0) or tv.at_least(3, 0)) and not sv.adjacent(tv):
        yield f"Logical Domains Manager versions are not compatible ({m.versions})"


def _sw4(m: Migration) -> Iterator[str]:
    d = m.domain
    if m.live and d.os < SOLARIS_10_9_10:
        yield f"Domain {d.name} runs Solaris {d.os}; live migration needs Solaris 10 9/10 or later"


def _cpu1(m: Migration) -> Iterator[str]:
    d, t = m.domain, m.target
    if m.holding and t.free_vcpus < d.vcpus:
        yield f"Target {t.name} has {t.free_vcpus} free vCPUs, domain {d.name} needs {d.vcpus}"


def _cpu2(m: Migration) -> Iterator[str]:
    d, s, t = m.domain, m.source, m.target
    if m.live and d.os.is_solaris10 and m.cross:
        yield (
            f"Domain {d.name} runs Solaris 10: processor types differ ({s.cpu} on {s.name}, "
            f"{t.cpu} on {t.name})"
        )


def _cpu3(m: Migration) -> Iterator[str]:
    d, s, t = m.domain, m.source, m.target
    if m.live and d.os.is_solaris10 and s.stick_frequency != t.stick_frequency:
        yield (
            f"Domain {d.name} runs Solaris 10: stick-frequency differs "
            f"({s.stick_frequency:#x} on {s.name}, {t.stick_frequency:#x} on {t.name})"
        )


def _cpu4(m: Migration) -> Iterator[str]:
    if m.live and m.cross and m.domain.cpu_arch is CpuArch.NATIVE:
        yield (
            f"Domain {m.domain.name} has cpu-arch native and the processor types differ "
            f"({m.source.cpu}, {m.target.cpu})"
        )


def _cpu5(m: Migration) -> Iterator[str]:
    s, t = m.source.cpu, m.target.cpu
    if m.live and m.cross and not (s.t2_plus_or_later and t.t2_plus_or_later):
        yield f"Cross-CPU migration needs UltraSPARC T2+ or later ({s}, {t})"


def _cpu6(m: Migration) -> Iterator[str]:
    d, s, t = m.domain, m.source, m.target
    if m.live and m.cross and not (d.os.major >= 11 and s.os.major >= 11 and t.os.major >= 11):
        yield (
            "Cross-CPU migration needs Solaris 11 in the guest and both control domains "
            f"(guest {d.os}, {s.name} {s.os}, {t.name} {t.os})"
        )


def _cpu7(m: Migration) -> Iterator[str]:
    arch, s, t = m.domain.cpu_arch, m.source.cpu, m.target.cpu
    if not m.live:
        return
    if arch is CpuArch.MIGRATION_CLASS1 and not (s.class1_capable and t.class1_capable):
        yield f"cpu-arch migration-class1 needs SPARC T4 or later on both machines ({s}, {t})"
    if arch is CpuArch.SPARC64_CLASS1 and not (
        s.sparc64_class1_capable and t.sparc64_class1_capable
    ):
        yield f"cpu-arch sparc64-class1 needs SPARC64 X or later on both machines ({s}, {t})"


def _cpu8(m: Migration) -> Iterator[str]:
    d, t = m.domain, m.target
    needed = cores_needed(d, t)
    if m.holding and needs_whole_cores(d) and len(t.free_cores) < needed:
        yield (
            f"Target {t.name} has {len(t.free_cores)} completely free cores, domain {d.name} "
            f"needs {needed}"
        )


def _cpu9(m: Migration) -> Iterator[str]:
    s, t = m.source.cpu, m.target.cpu
    if m.live and m.cross and {_family(s), _family(t)} == {"T2/T3", "T5+"}:
        yield (
            "Live migration between an UltraSPARC T2, T2+ or SPARC T3 and a SPARC T5 or later "
            f"is not supported ({s}, {t})"
        )


def _family(cpu: Processor) -> str:
    """UltraSPARC T2 / T2+ / SPARC T3, SPARC T5, M5, M6 or later (Oracle), or other."""
    names = list(PROCESSORS)
    if cpu.fujitsu or cpu.name not in names:
        return "other"
    rank = names.index(cpu.name)
    if names.index("UltraSPARC-T2") <= rank <= names.index("SPARC-T3"):
        return "T2/T3"
    return "T5+" if rank >= names.index("SPARC-T5") else "other"


def _mem1(m: Migration) -> Iterator[str]:
    d, t = m.domain, m.target
    size = sum(b.size for b in d.memory) or d.memory_size
    if m.holding and t.free_memory_size < size:
        yield (
            f"Target {t.name} has {format_size(t.free_memory_size)} free memory, domain {d.name} "
            f"needs {format_size(size)}"
        )


def _mem2(m: Migration) -> Iterator[str]:
    if not m.holding:
        return
    d, t = m.domain, m.target
    page = t.largest_page
    if may_split(d, m.source, t):
        if not fits_split(d.memory, t.free_memory, page):
            yield (
                "Free memory layout and congruency requirements prevent binding the memory of "
                f"domain {d.name}, even split at {format_size(page)} boundaries"
            )
        return
    search = search_congruent_placement(d.memory, t.free_memory, page)
    if search.exhausted:
        yield Undecided(
            f"Could not decide within {SEARCH_LIMIT} steps whether the memory blocks of "
            f"domain {d.name} fit the free memory layout of {t.name}"
        )
        return
    blocked = _largest(d.memory) if search.blocks is None else None
    if blocked is not None:
        yield (
            "Free memory layout and congruency requirements prevent binding the memory block "
            f"with PA {blocked.pa:#x}, RA {blocked.ra:#x}, and size {format_size(blocked.size)}"
        )


def _io1(m: Migration) -> Iterator[str]:
    # Every kind blocks a live or bound domain; an inactive one only buses and SR-IOV
    # functions (an endpoint is bound to a domain only while it holds resources).
    blocking = [dev for dev in m.domain.io if m.holding or dev.kind is not IoKind.ENDPOINT]
    if blocking:
        yield f"Domain {m.domain.name} has direct I/O devices: {', '.join(map(str, blocking))}"


def _vio1(m: Migration) -> Iterator[str]:
    if not m.holding:
        return
    for disk in m.domain.vdisks:
        vds = m.target.vds_named(disk.service)
        if vds is None or vds.volume(disk.volume) is None:
            yield (
                f"Volume {disk.volume} of service {disk.service} is not available on target "
                f"{m.target.name}"
            )


def _vio2(m: Migration) -> Iterator[str]:
    if not m.holding:
        return
    for net in m.domain.vnets:
        if m.target.vsw_named(net.service) is None:
            yield (
                f"Virtual switch {net.service} of {net.name} is not available on target "
                f"{m.target.name}"
            )


def _vio3(m: Migration) -> Iterator[str]:
    d, t = m.domain, m.target
    if m.live and d.console is not None and not t.vcc:
        yield (
            f"Domain {d.name} is in console group {d.console.group}: target {t.name} has no "
            "virtual console concentrator"
        )


def _vio4(m: Migration) -> Iterator[str]:
    t = m.target
    if m.live and m.domain.console is not None and t.vcc and not t.free_console_ports():
        yield f"No free console port on target {t.name}"


RequirementCheck = Callable[[Migration], Iterator[str]]

# One check per catalog id, in catalog order (the order ldm prints the problems in).
CHECKS: dict[str, RequirementCheck] = {
    "ST-1": _st1, "ST-2": _st2, "ST-3": _st3,
    "SW-1": _sw1, "SW-2": _sw2, "SW-3": _sw3, "SW-4": _sw4,
    "CPU-1": _cpu1, "CPU-2": _cpu2, "CPU-3": _cpu3, "CPU-4": _cpu4, "CPU-5": _cpu5,
    "CPU-6": _cpu6, "CPU-7": _cpu7, "CPU-8": _cpu8, "CPU-9": _cpu9,
    "MEM-1": _mem1, "MEM-2": _mem2,
    "IO-1": _io1,
    "VIO-1": _vio1, "VIO-2": _vio2, "VIO-3": _vio3, "VIO-4": _vio4,
}  # fmt: skip


def precheck(
    source: Host, target: Host, domain: str, new_name: str | None = None
) -> tuple[Problem, ...]:
    """Every requirement ``domain`` of ``source`` violates for ``target``, in catalog order.

    An empty result means the target would accept the domain. ``new_name`` is the name
    the domain takes on the target (``user@target:new-name``).
    """
    d = source.domain(domain)
    if d is None:
        return (Problem("ST-1", f"Domain {domain} not found on {source.name}"),)
    migration = Migration(source, target, d, new_name)
    return tuple(
        Problem(rid, message, isinstance(message, Undecided))
        for rid, check in CHECKS.items()
        for message in check(migration)
    )


def _largest(blocks: tuple[MemoryBlock, ...]) -> MemoryBlock | None:
    """The block to name when no placement exists: the largest, which is the one a
    fragmented layout blocks in practice."""
    return max(blocks, key=lambda b: (b.size, -b.ra)) if blocks else None
