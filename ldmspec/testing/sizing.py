"""One home for the Hypothesis settings every property test of the project uses.

    from ldmspec.testing.sizing import examples

    @examples(40)
    @given(fleets())
    def test_something(fleet): ...

No deadline (the machine is shared and its load varies) and slow generation allowed
(fleets are built through the loader); the named health checks are the only ones
suppressed. The stateful machines take their budget from the profiles instead
(:func:`ldmspec.testing.profiles.machine_settings`).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

__all__ = ["SLOW_IS_FINE", "examples"]

SLOW_IS_FINE = (HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much)
"""The health checks a property test over generated fleets may fail without being wrong."""


def examples(n: int) -> settings:
    """Settings for a property test of ``n`` examples."""
    return settings(max_examples=n, deadline=None, suppress_health_check=SLOW_IS_FINE)
