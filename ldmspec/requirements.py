"""The requirement catalog: every migration precondition, with a stable id.

Ids never change and are never reused; they appear in every output (``ldm`` error
messages of the reference implementation, ``ldmspec check`` tables, reports). Each
requirement carries its words, where it comes from, when it applies and the fix to
suggest when it is violated. This module is plain data: the z3 encoding lives in
:mod:`ldmspec.models.preconditions`, the reference implementation's own pre-check in
:mod:`ldmspec.system`; neither is derived from the other, so they can disagree, and
the agreement property (INV-PRECHECK-AGREES) checks that they do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["CATALOG", "Applies", "Requirement", "requirement"]


class Applies(Enum):
    """When a requirement applies: to every migration, live only, or live and bound."""

    ALL = "all"
    LIVE = "live"
    LIVE_BOUND = "live, bound"

    def covers(self, *, live: bool, bound: bool) -> bool:
        """Whether the requirement applies to a domain that is live / bound / inactive."""
        if self is Applies.ALL:
            return True
        if self is Applies.LIVE:
            return live
        return live or bound


@dataclass(frozen=True)
class Requirement:
    """One precondition of a migration. ``fix`` is advice for the administrator."""

    id: str
    text: str
    applies: Applies
    condition: str
    source: str
    fix: str


_S = "seed"
_D = "dossier"

CATALOG: tuple[Requirement, ...] = (
    Requirement(
        "ST-1",
        "D is active, bound or inactive, and no migration is under way or in error for it "
        "(FLAGS column 6 is -)",
        Applies.ALL, "", f"{_D} ST-1, ST-6",
        "ldm cancel-operation migration D on the source, or remove the error copy "
        "(ldm remove-domain D on the host whose copy is in error)",
    ),
    Requirement(
        "ST-2", "D is not the control domain (primary)",
        Applies.ALL, "", f"{_S}; {_D} §7.5",
        "the control domain cannot be migrated",
    ),
    Requirement(
        "ST-3", "T is not S, and T has no domain with D's (new) name",
        Applies.ALL, "", f"{_D} U13",
        "choose another target, or rename on migration (user@T:new-name)",
    ),
    Requirement(
        "SW-1", "both Logical Domains Managers are at least 2.1",
        Applies.LIVE, "", _S, "upgrade Oracle VM Server for SPARC to 2.1 or later on both hosts",
    ),
    Requirement(
        "SW-2", "cross-CPU migration: both Logical Domains Managers are at least 2.2",
        Applies.LIVE, "CPU types differ", _S,
        "upgrade Oracle VM Server for SPARC to 2.2 or later on both hosts",
    ),
    Requirement(
        "SW-3",
        "if either Manager is 3.0 or later, both run the same release or adjacent releases "
        "of 2.2, 3.0, 3.1, 3.2, 3.3, 3.4, 3.5, 3.6",
        Applies.LIVE, "either Manager is 3.0 or later", f"{_D} §2.2",
        "upgrade the older Logical Domains Manager to the other's release or the one before it",
    ),
    Requirement(
        "SW-4", "the guest runs Solaris 10 9/10 or later",
        Applies.LIVE, "", f"{_D} SW-2",
        "upgrade the guest to Solaris 10 9/10 or later, or migrate it cold (stop and unbind)",
    ),
    Requirement(
        "CPU-1", "T has at least D's vCPUs free",
        Applies.LIVE_BOUND, "", _S, "free vCPUs on the target (ldm set-vcpu on another domain)",
    ),
    Requirement(
        "CPU-2", "Solaris 10 guest: S and T have the same processor type",
        Applies.LIVE, "guest is Solaris 10", _S,
        "choose a target with the source's processor type, or upgrade the guest to Solaris 11",
    ),
    Requirement(
        "CPU-3", "Solaris 10 guest: S and T have the same stick-frequency",
        Applies.LIVE, "guest is Solaris 10", _S,
        "choose a target with the same stick-frequency, or upgrade the guest to Solaris 11",
    ),
    Requirement(
        "CPU-4", "processor types differ: D's cpu-arch is not native",
        Applies.LIVE, "CPU types differ", _S,
        "ldm set-domain cpu-arch=generic D (while D is stopped)",
    ),
    Requirement(
        "CPU-5", "processor types differ: both are UltraSPARC T2+ or later",
        Applies.LIVE, "CPU types differ", _S, "choose a target with an UltraSPARC T2+ or later",
    ),
    Requirement(
        "CPU-6", "processor types differ: the guest and both control domains run Solaris 11",
        Applies.LIVE, "CPU types differ", _S,
        "upgrade the guest and both control domains to Solaris 11",
    ),
    Requirement(
        "CPU-7",
        "cpu-arch migration-class1 needs SPARC T4 or later on both hosts; "
        "sparc64-class1 needs SPARC64 X/X+/XII on both",
        Applies.LIVE, "cpu-arch is a class", f"{_D} CPU-3",
        "ldm set-domain cpu-arch=generic D (while D is stopped)",
    ),
    Requirement(
        "CPU-8",
        "whole-core D, or guest older than Solaris 10 1/13: T has enough completely free cores",
        Applies.LIVE_BOUND, "whole-core or guest older than Solaris 10 1/13", f"{_D} CPU-4",
        "free whole cores on the target",
    ),
    Requirement(
        "CPU-9",
        "no live migration between UltraSPARC T2 / T2+ / SPARC T3 and SPARC T5, M5, M6 or later",
        Applies.LIVE, "CPU types differ", f"{_D} SW-6 (3.2, 3.4)",
        "migrate D cold (stop it first), or choose a target of the same processor family",
    ),
    Requirement(
        "MEM-1", "T's free memory is at least D's memory",
        Applies.LIVE_BOUND, "", _S, "free memory on the target (ldm set-memory on another domain)",
    ),
    Requirement(
        "MEM-2",
        "each of D's blocks keeps its real address and size and fits T's free memory, no two "
        "overlapping, at a PA congruent to its PA on S modulo T's largest page; a guest at "
        "Solaris 11.3 or later on Managers 3.6 or later may have a block split into pieces at "
        "multiples of T's largest page, each piece placed under the same rule",
        Applies.LIVE_BOUND, "", f"{_S}; {_D} §4.1-§4.4",
        "free a congruent memory range on the target",
    ),
    Requirement(
        "IO-1",
        "D has no direct I/O: a PCIe bus (root domain), endpoint, SR-IOV virtual or physical "
        "function; for an inactive domain only buses and SR-IOV functions block",
        Applies.ALL, "endpoints: live, bound", f"{_S}; {_D} §5.1-§5.3",
        "remove the direct I/O devices from D (ldm rm-io)",
    ),
    Requirement(
        "VIO-1", "every vdisk's volume exists on T under a vds of the same name",
        Applies.LIVE_BOUND, "", f"{_S}; {_D} VIO-1",
        "ldm add-vdsdev DEVICE VOLUME@VDS on the target",
    ),
    Requirement(
        "VIO-2", "every vnet's virtual switch exists on T with the same name",
        Applies.LIVE_BOUND, "", f"{_S}; {_D} VIO-3",
        "ldm add-vsw net-dev=NET VSW primary on the target",
    ),
    Requirement(
        "VIO-3", "D in a console group: T has a vcc",
        Applies.LIVE, "D has a console", _S,
        "ldm add-vcc port-range=5000-5100 primary-vcc0 primary on the target",
    ),
    Requirement(
        "VIO-4", "T's vcc has at least one free port",
        Applies.LIVE, "D has a console", _S, "free a console port on the target's vcc",
    ),
)  # fmt: skip

_BY_ID = {r.id: r for r in CATALOG}


def requirement(rid: str) -> Requirement:
    """The requirement with id ``rid``; a KeyError names the known ids."""
    try:
        return _BY_ID[rid]
    except KeyError:
        raise KeyError(f"no requirement {rid!r}; known: {', '.join(_BY_ID)}") from None
