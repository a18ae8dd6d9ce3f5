"""Shared fixtures for the reference-implementation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldmspec.inventory import Fleet, load_fleet
from ldmspec.system import Datacenter

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"


@pytest.fixture(scope="session")
def fleet() -> Fleet:
    return load_fleet(EXAMPLE)


@pytest.fixture
def dc(fleet: Fleet) -> Datacenter:
    return Datacenter.from_fleet(fleet, seed=0)
