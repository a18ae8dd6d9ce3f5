"""The repair, over generated host pairs: applied to the fleet, it leaves only what it said."""

from __future__ import annotations

from hypothesis import given

from ldmspec.solver import check_migration
from ldmspec.solver.repair_apply import apply_repair
from ldmspec.testing.sizing import examples
from ldmspec.testing.strategies import CATALOG_BOUNDARIES, host_pairs


@examples(60)
@given(host_pairs(CATALOG_BOUNDARIES))
def test_applying_the_repair_leaves_exactly_the_unrepairable(pair):
    fleet, domain, source, target = pair
    verdict = check_migration(fleet, domain.name, source.name, target.name, repair=True)
    if verdict.status != "infeasible":
        assert verdict.repair is None
        return
    repair = verdict.repair
    assert repair is not None and repair.status in ("found", "partial", "none")
    assert repair.cost == sum(c.cost for c in repair.changes)
    after = check_migration(apply_repair(fleet, verdict), domain.name, source.name, target.name)
    left = tuple(u.split(":")[0] for u in repair.unrepairable)
    if repair.status == "found":
        assert after.status == "feasible", (verdict.violated_ids, repair.changes, after.violations)
    else:
        assert set(after.violated_ids) == set(left), (repair, after.violations)
