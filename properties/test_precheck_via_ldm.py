"""INV-PRECHECK-AGREES through ``ldm migrate-domain -n`` on the system under test.

Runs against the reference implementation or ``--ldmspec-variant`` (the pure pre-check
function is compared with z3 in ``test_precheck_agreement.py``), with and without a new
name on the target (``root@T:NEW``: a fresh name, or one the target already uses, ST-3).
A z3 ``unknown`` is assumed away and counted (``event``), never taken as agreement.
"""

from __future__ import annotations

from hypothesis import assume, event, given
from hypothesis import strategies as st
from ldmspec.properties.agreement import dry_run_agrees

from ldmspec.testing.adapter import reference_factory
from ldmspec.testing.fleet_cases import FleetCase
from ldmspec.testing.plugin import current_options
from ldmspec.testing.profiles import suite_settings
from ldmspec.testing.records import PropertyViolation, RunRecord
from ldmspec.testing.strategies import CATALOG_BOUNDARIES, host_pairs

_options = current_options()
_factory = reference_factory(_options.variant)


def new_name(domain, target, how: str) -> str | None:
    """The ``:NEW`` part of the target for ``how`` (none, fresh or taken)."""
    if how == "fresh":
        return f"{domain.name}-new"
    taken = [d.name for d in target.domains if not d.is_control]
    return taken[0] if how == "taken" and taken else None


@suite_settings(max_examples=60)
@given(host_pairs(CATALOG_BOUNDARIES), st.sampled_from(("none", "none", "fresh", "taken")))
def test_dry_run_names_what_z3_names(pair, how):
    fleet, domain, source, target = pair
    name = new_name(domain, target, how)
    event(f"dry run with {'a new name' if name else 'its own name'}")
    agreement = dry_run_agrees(
        fleet, domain.name, source.name, target.name, _factory, new_name=name
    )
    if not agreement.decided:
        event("z3 unknown: assumed away, not counted as agreement")
    assume(agreement.decided)
    if agreement.violation is not None:
        case = FleetCase.from_fleet(fleet)
        record = RunRecord.of(
            [agreement.violation], agreement.driver, case, variant=_options.variant, seed=0
        )
        raise PropertyViolation.of(record)
