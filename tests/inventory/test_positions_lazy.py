"""Key positions are scanned only when an error needs a line (issue 17)."""

import json
import tomllib

import pytest

from ldmspec.errors import InputError
from ldmspec.inventory import load_fleet_text
from ldmspec.inventory import positions as positions_module

FLEET = """\
[hosts.a]
cpu = "SPARC-T4"
stick-frequency = 0x05f5e100
ldm-version = "3.6"
os = "11.4"
cores = 2
memory = [ { pa = 0x0, size = "16G" } ]

[hosts.a.domains.ldom01]
memory = "4G"
"""


@pytest.fixture
def scans(monkeypatch):
    """Counts the scans of each format."""
    counted = {"toml": 0, "json": 0}
    for kind in counted:
        scan = getattr(positions_module, f"_{kind}_scan")

        def counting(text, kind=kind, scan=scan):
            counted[kind] += 1
            return scan(text)

        monkeypatch.setattr(positions_module, f"_{kind}_scan", counting)
    return counted


def _json(text: str) -> str:
    return json.dumps(tomllib.loads(text), indent=1)


def test_a_clean_load_scans_nothing(scans):
    load_fleet_text(FLEET, "f.toml")
    load_fleet_text(_json(FLEET), "f.json", json_format=True)
    assert scans == {"toml": 0, "json": 0}


def test_an_error_scans_once_and_names_the_line(scans):
    with pytest.raises(InputError) as caught:
        load_fleet_text(FLEET.replace('memory = "4G"', 'memory = "4X"'), "f.toml")
    assert str(caught.value).startswith("f.toml:10: hosts.a.domains.ldom01.memory: expected")
    text = _json(FLEET.replace('memory = "4G"', "vcpus = 0\nmemory = \"4G\""))
    with pytest.raises(InputError) as caught:
        load_fleet_text(text, "f.json", json_format=True)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"vcpus"' in t)
    assert str(caught.value) == (
        f"f.json:{line}: hosts.a.domains.ldom01.vcpus: expected an integer of at least 1, got 0"
    )
    assert scans == {"toml": 1, "json": 1}


def test_a_repeated_json_key_is_still_located():
    text = '{"hosts": {"a": {}, "a": {}}}'
    with pytest.raises(InputError) as caught:
        load_fleet_text(text, "f.json", json_format=True)
    assert str(caught.value) == 'f.json:1: hosts.a: expected each key once in an object, got "a"'
