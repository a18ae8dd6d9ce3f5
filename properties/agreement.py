"""INV-PRECHECK-AGREES through ``ldm``: what ``migrate-domain -n`` names equals z3's verdict.

``properties/test_precheck_agreement.py`` compares the reference pre-check *function*
with z3. This check goes through the system's own ``ldm`` (behind the adapter), so it
sees what a running implementation does, including a fault variant whose pre-check
differs: ``ldm migrate-domain -n D root@T`` on the source must fail exactly when z3
says infeasible, naming the same requirement ids.
"""

from __future__ import annotations

import re

from ldmspec.inventory.facts import Fleet
from ldmspec.testing.adapter import AdapterFactory, Driver
from ldmspec.testing.records import InvariantViolation

__all__ = ["dry_run_agrees", "dry_run_ids"]

_ID = re.compile(r"^([A-Z]+-\d+): ")


def dry_run_ids(driver: Driver, source: str, domain: str, target: str) -> tuple[int, list[str]]:
    """The exit status and the requirement ids ``ldm migrate-domain -n`` printed."""
    result = driver.migrate(source, f"migrate-domain -n {domain} root@{target}", "pw")
    ids = [m.group(1) for line in result.output.splitlines() if (m := _ID.match(line))]
    return result.status, sorted(set(ids))


def dry_run_agrees(
    fleet: Fleet, domain: str, source: str, target: str, factory: AdapterFactory, seed: int = 0
) -> tuple[Driver, InvariantViolation | None]:
    """Run the dry run on a fresh system; the violation when it disagrees with z3."""
    from ldmspec.solver import check_migration

    verdict = check_migration(fleet, domain, source, target)
    driver = Driver(factory(fleet, seed))
    status, ids = dry_run_ids(driver, source, domain, target)
    if verdict.status == "unknown":
        return driver, None
    z3_ids = sorted(verdict.violated_ids)
    if (status == 0) == (verdict.status == "feasible") and ids == z3_ids:
        return driver, None
    said = ", ".join(ids) or ("accepted" if status == 0 else f"refused (status {status})")
    return driver, InvariantViolation(
        "INV-PRECHECK-AGREES",
        f"ldm migrate-domain -n {domain} {source} -> {target} said {said}; "
        f"z3 says {verdict.status}" + (f" ({', '.join(z3_ids)})" if z3_ids else ""),
    )
