"""What this run of the suites was asked for, without importing Hypothesis.

The pytest plugin is loaded into every pytest session of the environment; it records
ldmspec's options here (:func:`configure_session`) and imports Hypothesis only when a
test of ldmspec asks for its settings (:mod:`ldmspec.testing.profiles`). Without the
plugin the environment gives the defaults: ``LDMSPEC_DB``, ``LDMSPEC_DB_READ_ONLY=1``,
``LDMSPEC_SHRINK=1``, ``LDMSPEC_PROFILE``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ldmspec.errors import InputError

__all__ = ["PROFILES", "Session", "configure_session", "current_session"]

PROFILES = ("ldmspec-ci", "ldmspec-deep")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class Session:
    """The example database to share, whether to only shrink, which profile to size by."""

    database_url: str | None = None
    read_only: bool = False
    shrink: bool = False
    profile: str | None = None

    @classmethod
    def from_environment(cls) -> Session:
        """The session the environment variables describe."""
        profile = os.environ.get("LDMSPEC_PROFILE") or None
        if profile is not None and profile not in PROFILES:
            raise InputError("a profile: " + ", ".join(PROFILES), got=profile,
                             source="LDMSPEC_PROFILE")  # fmt: skip
        return cls(
            database_url=os.environ.get("LDMSPEC_DB") or None,
            read_only=_flag("LDMSPEC_DB_READ_ONLY"),
            shrink=_flag("LDMSPEC_SHRINK"),
            profile=profile,
        )


_session: Session | None = None


def configure_session(session: Session) -> None:
    """Use ``session`` for every later choice of settings in this process."""
    global _session
    _session = session


def current_session() -> Session:
    """The configured session, else the one the environment describes."""
    return _session if _session is not None else Session.from_environment()
