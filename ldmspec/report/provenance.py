"""What a report records about the software that produced it."""

from __future__ import annotations

import platform
from importlib import metadata

__all__ = ["current_versions"]

_DISTRIBUTIONS = ("ldmspec", "hypothesis", "z3-solver", "networkx", "ortools", "pytest")


def current_versions() -> dict[str, str]:
    """The versions a report records: Python, ldmspec and its main dependencies."""
    versions = {"python": platform.python_version()}
    for name in _DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
