"""INV-PRECHECK-AGREES through ``ldm migrate-domain -n`` on the system under test.

Runs against the reference implementation or ``--ldmspec-variant`` (the pure pre-check
function is compared with z3 in ``test_precheck_agreement.py``).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from ldmspec.properties.agreement import dry_run_agrees
from ldmspec.properties.machine import RunRecord, violation_class

from ldmspec.testing.adapter import reference_factory
from ldmspec.testing.plugin import current_options
from ldmspec.testing.strategies import host_pairs

_options = current_options()
_factory = reference_factory(_options.variant)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(host_pairs())
def test_dry_run_names_what_z3_names(pair):
    fleet, domain, source, target = pair
    driver, violation = dry_run_agrees(fleet, domain.name, source.name, target.name, _factory)
    if violation is not None:
        from ldmspec.properties.machine import FleetCase

        case = FleetCase.from_fleet(fleet)
        raise violation_class(violation.id)(
            RunRecord(
                property_id=violation.id,
                violation=violation.message,
                lines=tuple(driver.lines),
                fleet_label=case.label,
                fleet_toml=case.toml,
                variant=_options.variant,
                seed=0,
                fired=(str(violation),),
                steps=driver.steps,
            )
        )
