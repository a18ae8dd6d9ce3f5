"""The generated big fleets are fleets a user could have written: the loader takes them.

They are built as values (the loader would dominate at thousands of hosts), so nothing
else would notice a generated guest that names a volume its host does not export, a
console port outside the host's range, or a whole-core domain that starts mid-core.
"""

from __future__ import annotations

import pytest

from ldmspec.inventory.loader import load_fleet_text
from ldmspec.inventory.writer import fleet_to_toml
from ldmspec.testing.big_fleets import SOURCE, evacuation_fleet, mixed_fleet


@pytest.mark.parametrize("seed", range(12))
def test_a_mixed_fleet_loads_back_as_itself(seed):
    fleet = mixed_fleet(16, seed=seed)
    assert load_fleet_text(fleet_to_toml(fleet)).hosts == fleet.hosts


@pytest.mark.parametrize("seed", range(6))
def test_an_evacuation_fleet_loads_back_as_itself(seed):
    fleet = evacuation_fleet(domains=8, hosts=12, seed=seed)
    assert load_fleet_text(fleet_to_toml(fleet)).hosts == fleet.hosts


def test_generated_fleets_are_reproducible_and_seeded():
    assert mixed_fleet(20, seed=7) == mixed_fleet(20, seed=7)
    assert mixed_fleet(20, seed=7) != mixed_fleet(20, seed=8)
    assert evacuation_fleet(4, 10, seed=1) == evacuation_fleet(4, 10, seed=1)


def test_the_mixed_fleet_keeps_ldom01_on_its_first_host():
    first = mixed_fleet(5, seed=3).hosts[0]
    assert first.name == "h00000"
    assert "ldom01" in {d.name for d in first.domains}


def test_the_evacuation_source_carries_the_planted_guests():
    fleet = evacuation_fleet(domains=6, hosts=10, seed=2)
    source = next(h for h in fleet.hosts if h.name == SOURCE)
    assert len([d for d in source.domains if d.name != "primary"]) == 6
