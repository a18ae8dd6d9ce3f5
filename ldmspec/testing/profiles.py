"""Hypothesis settings of ldmspec's own suites: the profiles ``ldmspec-ci`` and ``ldmspec-deep``.

ldmspec's pytest plugin is loaded into every pytest session of its environment, so it
changes nothing Hypothesis does unless asked: importing this module registers and loads
no profile. The settings below apply to ldmspec's stateful machines and property suites
(:func:`machine_settings`, :func:`suite_settings`), and to every Hypothesis test only
when a user names one of the profiles (``--hypothesis-profile ldmspec-ci``; the plugin
registers the two profiles then, and only then).

* ``ldmspec-ci`` (the default of the suites; parent: Hypothesis's own ``ci`` profile):
  the whole ``properties/`` suite within minutes on two cores; the stateful machine
  runs :data:`MACHINE_EXAMPLES` programs of up to :data:`MACHINE_STEPS` steps. It
  *detects* and does not shrink (:data:`DETECTION_PHASES`): a failure is saved to the
  example database at once and shrunk by a separate run (:data:`SHRINK_PHASES`,
  ``pytest --ldmspec-shrink``) that replays it from there. On a CI server (``CI`` set)
  it is derandomized, so a green build stays green until the code changes, unless a
  shared example database is configured: Hypothesis has no database under
  ``derandomize``, and replaying what the farm found comes first.
* ``ldmspec-deep`` (parent: Hypothesis's ``default``): many more and longer programs,
  with shrinking; as long as a nightly run or a fuzzing farm allows.

Select one with ``--hypothesis-profile ldmspec-deep`` or ``LDMSPEC_PROFILE=ldmspec-deep``
(the option wins). The example database is :func:`ldmspec.testing.databases.example_database`:
Hypothesis's local ``.hypothesis/examples``, shared with other machines through
``--ldmspec-db`` / ``LDMSPEC_DB``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import ExampleDatabase

from ldmspec.errors import InputError
from ldmspec.testing.databases import ShrinkReplayDatabase, example_database
from ldmspec.testing.session import PROFILES, Session, current_session

__all__ = [
    "DETECTION_PHASES",
    "MACHINE_EXAMPLES",
    "MACHINE_STEPS",
    "PROFILES",
    "SHRINK_PHASES",
    "SUPPRESSED_HEALTH_CHECKS",
    "machine_settings",
    "profile_settings",
    "register_profiles",
    "selected_profile",
    "suite_settings",
]

MACHINE_EXAMPLES = {"ldmspec-ci": 100, "ldmspec-deep": 3000}
MACHINE_STEPS = {"ldmspec-ci": 30, "ldmspec-deep": 60}
#: A program of the machine takes seconds (too_slow) and may draw a large fleet
#: (data_too_large); every other health check stays on.
SUPPRESSED_HEALTH_CHECKS = (HealthCheck.too_slow, HealthCheck.data_too_large)
#: Find failures and save them; no shrinking (its time is bounded only by Hypothesis).
DETECTION_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target)
#: Replay the saved failures and shrink them; generate nothing new.
SHRINK_PHASES = (Phase.reuse, Phase.shrink)


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def _database(session: Session) -> ExampleDatabase:
    return example_database(session.database_url, read_only=session.read_only)


def profile_settings(name: str, session: Session | None = None) -> settings:
    """The settings of profile ``name`` (not registered, not loaded)."""
    session = session or current_session()
    if name == "ldmspec-ci":
        derandomize = _on_ci() and session.database_url is None and not session.shrink
        return settings(
            parent=settings.get_profile("ci"),
            deadline=None,
            print_blob=True,
            derandomize=derandomize,
            database=None if derandomize else _database(session),
            phases=DETECTION_PHASES,
            stateful_step_count=MACHINE_STEPS[name],
            suppress_health_check=SUPPRESSED_HEALTH_CHECKS,
        )
    if name == "ldmspec-deep":
        return settings(
            parent=settings.get_profile("default"),
            deadline=None,
            print_blob=True,
            database=_database(session),
            max_examples=1000,
            stateful_step_count=MACHINE_STEPS[name],
            suppress_health_check=SUPPRESSED_HEALTH_CHECKS,
        )
    raise InputError("a profile: " + ", ".join(PROFILES), got=name, source="LDMSPEC_PROFILE")


def register_profiles(session: Session | None = None) -> None:
    """Register ``ldmspec-ci`` and ``ldmspec-deep`` with Hypothesis (loads neither).

    The plugin calls this only when the user names one of them.
    """
    for name in PROFILES:
        settings.register_profile(name, profile_settings(name, session))


def selected_profile() -> str:
    """The profile the suites size themselves by: the loaded Hypothesis profile when it
    is one of ldmspec's, else ``$LDMSPEC_PROFILE``, else ``ldmspec-ci``."""
    loaded = settings.get_current_profile_name()
    if loaded in PROFILES:
        return loaded
    return current_session().profile or "ldmspec-ci"


def _base(profile: str | None) -> settings:
    name = profile or selected_profile()
    session = current_session()
    base = profile_settings(name, session)
    if session.shrink and base.database is not None:
        return settings(base, phases=SHRINK_PHASES, database=ShrinkReplayDatabase(base.database))
    return base


def suite_settings(*, profile: str | None = None, **overrides: object) -> settings:
    """Settings for one of ldmspec's property tests: the selected profile, then ``overrides``.

    Under ``--ldmspec-shrink`` the test only replays and shrinks the failures saved in
    the example database.
    """
    return settings(_base(profile), **overrides)  # type: ignore[arg-type]


def machine_settings(profile: str | None = None) -> settings:
    """Settings for a stateful machine under ``profile`` (default: :func:`selected_profile`)."""
    name = profile or selected_profile()
    return settings(
        _base(name),
        max_examples=MACHINE_EXAMPLES[name],
        stateful_step_count=MACHINE_STEPS[name],
    )
