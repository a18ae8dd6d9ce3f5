"""INV-PRECHECK-AGREES through ``ldm migrate-domain -n`` on the system under test.

Runs against the reference implementation or ``--ldmspec-variant`` (the pure pre-check
function is compared with z3 in ``test_precheck_agreement.py``).
"""

from __future__ import annotations

from hypothesis import given
from ldmspec.properties.agreement import dry_run_agrees

from ldmspec.testing.adapter import reference_factory
from ldmspec.testing.fleet_cases import FleetCase
from ldmspec.testing.plugin import current_options
from ldmspec.testing.profiles import suite_settings
from ldmspec.testing.records import PropertyViolation, RunRecord
from ldmspec.testing.strategies import host_pairs

_options = current_options()
_factory = reference_factory(_options.variant)


@suite_settings(max_examples=60)
@given(host_pairs())
def test_dry_run_names_what_z3_names(pair):
    fleet, domain, source, target = pair
    driver, violation = dry_run_agrees(fleet, domain.name, source.name, target.name, _factory)
    if violation is not None:
        case = FleetCase.from_fleet(fleet)
        record = RunRecord.of([violation], driver, case, variant=_options.variant, seed=0)
        raise PropertyViolation.of(record)
