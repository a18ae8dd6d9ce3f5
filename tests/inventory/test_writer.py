"""The fleet writer: what it writes loads back to the same fleet."""

import tomllib

from hypothesis import given
from hypothesis import strategies as st

from ldmspec.inventory import load_fleet, load_fleet_text
from ldmspec.inventory.writer import fleet_to_toml, toml_key, toml_string
from ldmspec.testing.sizing import examples
from ldmspec.testing.strategies import fleets


def test_example_fleet_round_trips():
    fleet = load_fleet("examples/fleet.toml")
    text = fleet_to_toml(fleet)
    assert load_fleet_text(text, "written.toml") == fleet
    assert "strands = [16, 17, 18, 19, 20, 21, 22, 23]" in text  # placement is explicit
    assert 'target = "t5-a:ldom01-t5"' in text


def test_written_fleet_is_stable():
    fleet = load_fleet("examples/fleet.toml")
    once = fleet_to_toml(fleet)
    assert fleet_to_toml(load_fleet_text(once)) == once


@given(st.text(max_size=30))
def test_toml_strings_and_keys_survive_any_text(text):
    document = tomllib.loads(f"{toml_key(text or 'k')} = {toml_string(text)}\n")
    assert document == {text or "k": text}


@examples(40)
@given(fleets())
def test_fleet_to_toml_round_trips(fleet):
    assert load_fleet_text(fleet_to_toml(fleet), "written.toml") == fleet
