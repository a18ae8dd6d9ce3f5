"""Hypothesis profiles for the property suites: ``ci`` (fast) and ``deep`` (nightly).

Select one with ``pytest --hypothesis-profile deep`` or the environment variable
``LDMSPEC_PROFILE=deep`` (the option wins). The profiles keep Hypothesis's default
example database (``.hypothesis/examples``), so a failure found once replays first.

* ``ci``: the whole ``properties/`` suite within about three minutes on two cores;
  the stateful machine runs :data:`MACHINE_EXAMPLES` ``["ci"]`` programs of up to
  30 steps.
* ``deep``: many more and longer programs; as long as a nightly run allows.

Other Hypothesis tests under these profiles keep the examples they ask for; only the
machine's budget is taken from :func:`machine_settings`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = [
    "MACHINE_EXAMPLES",
    "MACHINE_STEPS",
    "PROFILES",
    "active_profile",
    "machine_settings",
    "register_profiles",
]

PROFILES = ("ci", "deep")
MACHINE_EXAMPLES = {"ci": 100, "deep": 3000}
MACHINE_STEPS = {"ci": 30, "deep": 60}
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def register_profiles() -> None:
    """Register ``ci`` and ``deep`` with Hypothesis (idempotent)."""
    settings.register_profile(
        "ci",
        deadline=None,
        print_blob=True,
        # On a CI server (CI set, as CI services do) the same examples run every time,
        # so a green build stays green until the code changes; locally each run explores
        # afresh and failures replay first from .hypothesis/.
        derandomize=bool(os.environ.get("CI")),
        stateful_step_count=MACHINE_STEPS["ci"],
        suppress_health_check=_SLOW_IS_FINE,
    )
    settings.register_profile(
        "deep",
        deadline=None,
        print_blob=True,
        max_examples=1000,
        stateful_step_count=MACHINE_STEPS["deep"],
        suppress_health_check=_SLOW_IS_FINE,
    )


def active_profile() -> str:
    """The profile the machines size themselves by: ``ci`` unless ``deep`` is loaded
    (by option or ``LDMSPEC_PROFILE``)."""
    loaded = settings.get_current_profile_name()
    if loaded not in PROFILES:
        loaded = os.environ.get("LDMSPEC_PROFILE", "ci")
    return loaded if loaded in PROFILES else "ci"


def machine_settings(profile: str | None = None) -> settings:
    """Settings for a stateful machine under ``profile`` (default: the active one)."""
    name = profile or active_profile()
    return settings(
        max_examples=MACHINE_EXAMPLES[name],
        stateful_step_count=MACHINE_STEPS[name],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
