"""The repair is a minimal correction set: brute force over subsets of admissible changes.

For a generated infeasible pair, every subset of the changes the repair may choose
(sized ones at their largest amount: cost does not depend on the amount, and freeing
more never breaks a requirement) is applied to the fleet and re-checked by z3. No subset
satisfies more of the requirements than the repair does, and none that satisfies as
many is cheaper. Upgrades count: a Manager upgraded to 3.6 lets an 11.3+ guest's blocks
split, which can repair MEM-2 more cheaply than freeing memory. Where the check does not
model splitting (blocks of different alignments) the repair keeps blocks whole as the
check does, so the brute force and the repair judge MEM-2 alike.
"""

from __future__ import annotations

import itertools

from hypothesis import assume, given

from ldmspec.solver import check_migration, domain_model
from ldmspec.solver.repair import admissible_changes
from ldmspec.solver.repair_apply import apply_repair
from ldmspec.solver.verdict import Change, Repair
from ldmspec.testing.sizing import examples
from ldmspec.testing.strategies import CATALOG_BOUNDARIES, host_pairs

MOST_CHANGES = 8


def _consistent(subset: tuple[Change, ...]) -> bool:
    """One upgrade per host, and a domain is unbound or shrunk, not both."""
    upgrades = [c.host for c in subset if c.kind == "upgrade"]
    unbound = {dict(c.detail)["domain"] for c in subset if c.kind == "unbind"}
    shrunk = {dict(c.detail)["domain"] for c in subset if c.kind.startswith("remove-") and
              c.kind != "remove-io"}  # fmt: skip
    return len(upgrades) == len(set(upgrades)) and not unbound & shrunk


@examples(25)
@given(host_pairs(CATALOG_BOUNDARIES))
def test_the_repair_is_a_minimal_correction_set(pair):
    fleet, domain, source, target = pair
    verdict = check_migration(fleet, domain.name, source.name, target.name, repair=True)
    assume(verdict.status == "infeasible")
    repair = verdict.repair
    assert isinstance(repair, Repair) and repair.status != "unknown", repair
    model = domain_model(source, domain.name)
    changes = admissible_changes(verdict, model, target)
    assume(len(changes) <= MOST_CHANGES)
    tracked = set(model.tracked)
    satisfied = len(tracked) - len(repair.unrepairable)
    best: tuple[int, int] | None = None  # (most requirements satisfied, least cost)
    best_subset: tuple[Change, ...] = ()
    for size in range(len(changes) + 1):
        for subset in itertools.combinations(changes, size):
            if not _consistent(subset):
                continue
            trial = verdict.__class__(**{**verdict.__dict__, "repair": Repair("found", subset, 0)})
            after = check_migration(apply_repair(fleet, trial), domain.name, source.name,
                                    target.name)  # fmt: skip
            assert after.status != "unknown"
            count = len(tracked - set(after.violated_ids))
            cost = sum(c.cost for c in subset)
            if best is None or count > best[0] or (count == best[0] and cost < best[1]):
                best = (count, cost)
                best_subset = subset
    assert best == (satisfied, repair.cost), (
        verdict.violated_ids,
        [c.description for c in repair.changes],
        [c.description for c in best_subset],
    )
