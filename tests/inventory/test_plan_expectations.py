"""Plans may state what their author expects: feasible, or the requirement ids violated."""

from __future__ import annotations

import pytest

from ldmspec.errors import InputError
from ldmspec.inventory import load_fleet, load_fleet_text
from ldmspec.inventory.writer import fleet_to_toml

HOST = """
[hosts.a]
cpu = "SPARC-T4"
stick-frequency = 1
ldm-version = "3.6"
os = "11.4"
cores = 2
memory = [ { pa = 0, size = "8G" } ]
[hosts.a.domains.d]
memory = "1G"
[hosts.b]
cpu = "SPARC-T4"
stick-frequency = 1
ldm-version = "3.6"
os = "11.4"
cores = 2
memory = [ { pa = 0, size = "8G" } ]
"""


def plan(expect: str) -> str:
    return HOST + f'[[plans]]\ndomain = "d"\nsource = "a"\ntarget = "b"\nexpect = {expect}\n'


def test_expect_feasible_and_ids_are_read_and_written_back():
    fleet = load_fleet_text(plan('"feasible"'))
    assert fleet.plans[0].expect == ()
    fleet = load_fleet_text(plan('["CPU-4", "VIO-1"]'))
    assert fleet.plans[0].expect == ("CPU-4", "VIO-1")
    assert load_fleet_text(fleet_to_toml(fleet)) == fleet


def test_expect_unstated_is_none():
    fleet = load_fleet_text(HOST + '[[plans]]\ndomain = "d"\nsource = "a"\ntarget = "b"\n')
    assert fleet.plans[0].expect is None


def test_unknown_requirement_id_is_named_with_its_line():
    with pytest.raises(InputError) as caught:
        load_fleet_text(plan('["CPU-99"]'), "f.toml")
    assert str(caught.value).startswith(
        "f.toml:22: plans[0].expect[0]: expected a requirement id: CPU-1, CPU-2"
    )
    assert str(caught.value).endswith(', got "CPU-99"')


@pytest.mark.parametrize("bad", ['"works"', "[]", "3"])
def test_expect_of_another_form_is_refused(bad):
    with pytest.raises(InputError) as caught:
        load_fleet_text(plan(bad), "f.toml")
    assert str(caught.value).startswith(
        'f.toml:22: plans[0].expect: expected expect = "feasible" or a list of requirement ids'
    )


def test_example_fleet_states_an_expectation_for_every_plan():
    fleet = load_fleet("examples/fleet.toml")
    assert fleet.plans and all(p.expect is not None for p in fleet.plans)
    assert load_fleet("examples/captures") == fleet
