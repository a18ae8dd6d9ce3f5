"""The precondition prover: will a migration work, and if not, what must change?

One pair::

    from ldmspec.solver import check_migration
    verdict = check_migration(fleet, domain="ldom01", source="t4-a", target="t4-b",
                              new_name=None, timeout_ms=5000, repair=True)
    verdict.status        # "feasible" | "infeasible" | "unknown"
    verdict.violations    # every violated requirement: Violation(id, requirement, observed, fix)
    verdict.holds         # ids that were checked and hold
    verdict.not_applicable
    verdict.rows          # the whole table, catalog order: Row(id, status, observed, fix)
    verdict.witness       # feasible: Witness(blocks=(PlacedBlock(ra, pa, size), ...),
                          #                   strands=(...), cores=(...)); else None
    verdict.repair        # Repair(status, changes=(Change(kind, host, description,
                          #        commands, cost, fixes), ...), cost, unrepairable) or None
    verdict.to_json()     # the `ldmspec check --json` document

    from ldmspec.solver.repair import apply_repair
    repaired_fleet = apply_repair(fleet, verdict)   # the repair's changes as new values

Many targets for one domain (the formulas are built once, each target adds its facts)::

    from ldmspec.solver import check_targets
    ranked = check_targets(fleet, domain="ldom01", source="t4-a", jobs=2)
    # tuple[RankedTarget(verdict, headroom, free_vcpus_after, free_memory_after), ...]:
    # every other host once; feasible first by headroom, then by number of violations

Per pair in a loop of your own (e.g. an evacuation planner), reuse the model::

    from ldmspec.solver import domain_model
    model = domain_model(source_host, "ldom01")     # cached per (host, domain)
    model.check(target_host, new_name=None, timeout_ms=5000)   # -> Verdict

Every input is a frozen value (``Fleet``, ``Host``), so all of this runs in worker
processes; z3 objects never cross a process boundary. Bad input (unknown host or domain,
a source that does not hold the domain) raises :class:`~ldmspec.errors.CommandError`
(exit 2). A solver that runs out of budget gives ``status == "unknown"``, never a verdict.
"""

from __future__ import annotations

from ldmspec.errors import CommandError
from ldmspec.inventory.facts import Fleet, Host
from ldmspec.solver.engine import DEFAULT_TIMEOUT_MS, DomainModel, domain_model
from ldmspec.solver.fleet import RankedTarget
from ldmspec.solver.verdict import (
    Change,
    PlacedBlock,
    Repair,
    Row,
    Verdict,
    Violation,
    Witness,
)

__all__ = [
    "DEFAULT_TIMEOUT_MS",
    "Change",
    "DomainModel",
    "PlacedBlock",
    "RankedTarget",
    "Repair",
    "Row",
    "Verdict",
    "Violation",
    "Witness",
    "check_migration",
    "check_targets",
    "domain_model",
    "resolve_pair",
]


def resolve_pair(fleet: Fleet, domain: str, source: str, target: str) -> tuple[Host, Host]:
    """The source and target hosts, or a CommandError naming what is wrong."""
    known = ", ".join(fleet.host_names)
    hosts = []
    for role, name in (("source", source), ("target", target)):
        host = fleet.host(name)
        if host is None:
            raise CommandError(f"unknown {role} host {name!r}", fix=f"hosts: {known}")
        hosts.append(host)
    src, dst = hosts
    if src.domain(domain) is None:
        holders = [h.name for h in fleet.hosts if h.domain(domain) is not None]
        hint = f"it is on {', '.join(holders)}" if holders else "no host has it"
        raise CommandError(f"source {source!r} has no domain {domain!r}", fix=hint)
    return src, dst


def check_migration(
    fleet: Fleet,
    domain: str,
    source: str,
    target: str,
    new_name: str | None = None,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    repair: bool = False,
    in_migration: bool = False,
    rlimit: int | None = None,
) -> Verdict:
    """Prove ``domain: source -> target[:new_name]`` feasible, or name every violation.

    ``repair=True`` also computes the cheapest admissible repair of an infeasible
    migration (``verdict.repair``). ``in_migration`` says a migration is already under
    way or in error for the domain (ST-1; the inventory does not record it).
    ``rlimit`` is z3's deterministic resource budget (tests use it to force "unknown").
    """
    src, dst = resolve_pair(fleet, domain, source, target)
    model = domain_model(src, domain, in_migration=in_migration)
    verdict = model.check(dst, new_name, timeout_ms=timeout_ms, rlimit=rlimit)
    if repair and verdict.status == "infeasible":
        from ldmspec.solver.repair import find_repair

        verdict = find_repair(fleet, verdict, model, dst, new_name, timeout_ms=timeout_ms)
    return verdict


def check_targets(
    fleet: Fleet,
    domain: str,
    source: str,
    *,
    jobs: int = 1,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: bool = False,
) -> tuple[RankedTarget, ...]:
    """Every other host of ``fleet`` as a target for ``domain``, ranked (see :mod:`.fleet`)."""
    from ldmspec.solver.fleet import rank_targets

    return rank_targets(fleet, domain, source, jobs=jobs, timeout_ms=timeout_ms, progress=progress)
