"""The ldmspec pytest plugin (registered through the ``pytest11`` entry point).

Adds ``--ldmspec-reports DIR``: every failing property writes a counterexample report there.
"""

from __future__ import annotations

import pytest

__all__ = ["pytest_addoption"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ldmspec")
    group.addoption(
        "--ldmspec-reports",
        metavar="DIR",
        default=None,
        help="write a counterexample report for every failing ldmspec property into DIR",
    )
