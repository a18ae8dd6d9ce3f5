"""The precondition prover: will a migration work, and if not, what must change?

One pair::

    from ldmspec.solver import check_migration
    verdict = check_migration(fleet, domain="ldom01", source="t4-a", target="t4-b",
                              new_name=None, timeout_ms=5000, repair=True)
    verdict.status        # "feasible" | "infeasible" | "unknown"
    verdict.violations    # every violated requirement:
                          #   RequirementViolation(id, requirement, observed, fix)
    verdict.holds         # ids that were checked and hold
    verdict.not_applicable
    verdict.rows          # the whole table, catalog order: Row(id, status, observed, fix)
    verdict.witness       # feasible: Witness(blocks=(PlacedBlock(ra, pa, size), ...),
                          #                   strands=(...), cores=(...)); else None
    verdict.repair        # Repair(status, changes=(Change(kind, host, description,
                          #        commands, cost, fixes), ...), cost, unrepairable) or None
    verdict.to_json()     # the `ldmspec check --json` document

    from ldmspec.solver.repair_apply import apply_repair
    repaired_fleet = apply_repair(fleet, verdict)   # the repair's changes as new values

Many targets for one domain (the formulas are built once, each target adds its facts)::

    from ldmspec.solver import check_targets
    ranked = check_targets(fleet, domain="ldom01", source="t4-a", jobs=2)
    # tuple[RankedTarget(verdict, headroom, free_vcpus_after, free_memory_after), ...]:
    # every other host once; feasible first by headroom, then by number of violations

Per pair in a loop of your own (e.g. an evacuation planner), reuse the model::

    from ldmspec.solver import domain_model
    model = domain_model(source_host, "ldom01")     # cached per (host, domain)
    model.verdict_for(target_host, new_name=None, timeout_ms=5000)   # -> PrecheckVerdict

Every input is a frozen value (``Fleet``, ``Host``), so all of this runs in worker
processes; z3 objects never cross a process boundary. Bad input (unknown host or domain,
a source that does not hold the domain) raises :class:`~ldmspec.errors.CommandError`
(exit 2). A solver that runs out of budget gives ``status == "unknown"``, never a verdict.
"""

from __future__ import annotations

from ldmspec.solver.engine import DEFAULT_TIMEOUT_MS, DomainModel, domain_model
from ldmspec.solver.fleet import RankedTarget
from ldmspec.solver.migration import check_migration, check_targets, resolve_pair
from ldmspec.solver.verdict import (
    Change,
    PlacedBlock,
    PrecheckVerdict,
    Repair,
    RequirementViolation,
    Row,
    Witness,
)

__all__ = [
    "DEFAULT_TIMEOUT_MS",
    "Change",
    "DomainModel",
    "PlacedBlock",
    "PrecheckVerdict",
    "RankedTarget",
    "Repair",
    "RequirementViolation",
    "Row",
    "Witness",
    "check_migration",
    "check_targets",
    "domain_model",
    "resolve_pair",
]
