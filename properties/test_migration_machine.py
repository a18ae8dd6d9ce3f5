"""The stateful machine against the reference implementation (or ``--ldmspec-variant``).

Every rule of :class:`ldmspec.properties.machine.MigrationMachine`, every INV-* of
DESIGN.md after every step, LIVE-TERMINATES and LIVE-CONVERGES at teardown, on the
example fleet, generated fleets and any ``--ldmspec-fleet``. Sized by the Hypothesis
profile (``ci`` by default, ``deep`` for nightly runs).
"""

from __future__ import annotations

from ldmspec.properties.machine import machine_for

from ldmspec.testing.adapter import reference_factory
from ldmspec.testing.fleet_cases import default_fleet_cases
from ldmspec.testing.plugin import current_options
from ldmspec.testing.profiles import machine_settings

_options = current_options()

MigrationMachine = machine_for(
    reference_factory(_options.variant),
    name="MigrationMachine",
    variant=_options.variant,
    fleet_cases=default_fleet_cases(_options.fleet_cases),
)

TestMigrationMachine = MigrationMachine.TestCase
TestMigrationMachine.settings = machine_settings()
