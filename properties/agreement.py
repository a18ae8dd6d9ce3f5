"""INV-PRECHECK-AGREES through ``ldm``: what ``migrate-domain -n`` names equals z3's verdict.

``properties/test_precheck_agreement.py`` compares the reference pre-check *function*
with z3. This check goes through the system's own ``ldm`` (behind the adapter), so it
sees what a running implementation does, including a fault variant whose pre-check
differs: ``ldm migrate-domain -n D root@T[:NEW]`` on the source must fail exactly when
z3 says infeasible, naming the same requirement ids. A z3 ``unknown`` is no verdict:
the caller assumes it away (and counts it), never counts it as agreement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ldmspec.inventory.facts import Fleet
from ldmspec.solver.migration import check_migration
from ldmspec.testing.adapter import AdapterFactory, Driver
from ldmspec.testing.records import InvariantViolation

__all__ = ["Agreement", "dry_run_agrees", "dry_run_ids"]

_ID = re.compile(r"^([A-Z]+-\d+): ")


def dry_run_ids(
    driver: Driver, source: str, domain: str, target: str, new_name: str | None = None
) -> tuple[int, list[str]]:
    """The exit status and the requirement ids ``ldm migrate-domain -n`` printed."""
    where = f"root@{target}" + (f":{new_name}" if new_name else "")
    result = driver.migrate(source, f"migrate-domain -n {domain} {where}", "pw")
    ids = [m.group(1) for line in result.output.splitlines() if (m := _ID.match(line))]
    return result.status, sorted(set(ids))


@dataclass(frozen=True)
class Agreement:
    """One dry run compared with z3: ``decided`` is False when z3 said unknown (no
    verdict: the property assumes the case away); ``violation`` when they disagree."""

    driver: Driver
    decided: bool
    violation: InvariantViolation | None


def dry_run_agrees(
    fleet: Fleet,
    domain: str,
    source: str,
    target: str,
    factory: AdapterFactory,
    seed: int = 0,
    *,
    new_name: str | None = None,
) -> Agreement:
    """Run the dry run on a fresh system and compare it with z3's verdict."""
    verdict = check_migration(fleet, domain, source, target, new_name)
    driver = Driver(factory(fleet, seed))
    status, ids = dry_run_ids(driver, source, domain, target, new_name)
    if verdict.status == "unknown":
        return Agreement(driver, False, None)
    z3_ids = sorted(verdict.violated_ids)
    if (status == 0) == (verdict.status == "feasible") and ids == z3_ids:
        return Agreement(driver, True, None)
    said = ", ".join(ids) or ("accepted" if status == 0 else f"refused (status {status})")
    where = target + (f":{new_name}" if new_name else "")
    return Agreement(driver, True, InvariantViolation(
        "INV-PRECHECK-AGREES",
        f"ldm migrate-domain -n {domain} {source} -> {where} said {said}; "
        f"z3 says {verdict.status}" + (f" ({', '.join(z3_ids)})" if z3_ids else ""),
    ))  # fmt: skip
