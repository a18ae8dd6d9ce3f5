"""Fuzzing: any input to a parser, a bundle or the loader gives a value or one InputError."""

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldmspec.errors import InputError
from ldmspec.inventory import load_fleet_text
from ldmspec.inventory.captures import load_bundles
from ldmspec.inventory.constraints_xml import parse_constraints_xml
from ldmspec.inventory.host_parsers import (
    parse_ldm_version,
    parse_prtconf,
    parse_psrinfo,
    parse_release,
)
from ldmspec.inventory.listing_parsers import parse_devices, parse_ldm_list, parse_services
from ldmspec.testing.sizing import examples

FUZZ = examples(150)
FUZZ_FILES = settings(FUZZ, max_examples=50)  # each example copies a bundle folder
BUNDLE = Path("examples/captures/t4-a")
PARSERS = {
    "ldm-list-l-p.txt": parse_ldm_list,
    "ldm-list-p.txt": parse_ldm_list,
    "ldm-list-services-p.txt": parse_services,
    "ldm-list-devices-a-p.txt": parse_devices,
    "ldm-list-constraints-x.xml": parse_constraints_xml,
    "ldm-V.txt": parse_ldm_version,
    "psrinfo-pv.txt": parse_psrinfo,
    "prtconf-pv.txt": parse_prtconf,
    "etc-release.txt": parse_release,
}

# Text made of the pieces real output is made of, so fuzzing goes past the first line.
PIECES = st.sampled_from(
    [
        "VERSION 1.11", "DOMAIN", "|name=ldg1", "|state=active", "|state=bound", "|ncpu=",
        "|mem=", "VCPU", "|pid=", "|free=", "MEMORY", "|ra=0x", "|pa=0x", "|size=", "CORE",
        "|cid=0", "VDS|name=v", "|vol=", "|dev=", "VCC|name=c|port-range=", "VSW|name=s",
        "VNET|name=n|service=", "VDISK|name=d|vol=", "VCONS|service=c|port=", "CONTROL",
        "|cpu-arch=", "=", "|", "\n", "0", "8", "4096", "-1", "G", "5000-5100", "\u00e9",
        "<Content ovf:id='a'>", "</Content>", "<Item>", "</Item>", "<LDM_interface>",
        "</LDM_interface>", "<rasd:OtherResourceType>cpu</rasd:OtherResourceType>",
        "<rasd:AllocationUnits>", "</rasd:AllocationUnits>", "<!DOCTYPE x>", "&amp;",
        "Logical Domains Manager (v ", ")", "SPARC-T4 (chipid 0, clock ", " MHz)",
        "The physical processor has ", " virtual processors (0-7)", "stick-frequency:  ",
        "05f5e100", "Oracle Solaris ", "10 9/10", "11.4", " ", "9" * 5000,
    ]
)  # fmt: skip
TEXTS = st.one_of(st.text(max_size=300), st.lists(PIECES, max_size=60).map("".join))


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(text=TEXTS)
def test_parsers_give_a_value_or_an_input_error(name, text):
    try:
        PARSERS[name](text, name)
    except InputError as error:
        assert error.source == name and "\n" not in str(error)


@st.composite
def mutations(draw, original):
    """``original`` with a few lines deleted, duplicated or rewritten."""
    lines = original.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(("delete", "duplicate", "replace", "truncate")))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            lines[i] = draw(TEXTS)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ_FILES
@given(data=st.data())
def test_mutated_bundles_load_or_fail_cleanly(name, data):
    original = (BUNDLE / name).read_text()
    text = data.draw(mutations(original))
    with tempfile.TemporaryDirectory() as folder:
        bundle = Path(folder) / "t4-a"
        shutil.copytree(BUNDLE, bundle)
        (bundle / name).write_text(text)
        try:
            fleet = load_bundles(folder)
        except InputError as error:
            assert "\n" not in str(error) and str(error).startswith(folder)
        else:
            assert fleet.host_names == ("t4-a",)


FLEET = Path("examples/fleet.toml").read_text()


@FUZZ
@given(text=mutations(FLEET))
def test_mutated_fleet_files_load_or_fail_cleanly(text):
    try:
        load_fleet_text(text, "f.toml")
    except InputError as error:
        assert str(error).startswith("f.toml") and "\n" not in str(error)


@FUZZ
@given(text=st.one_of(st.text(max_size=200), st.lists(PIECES, max_size=40).map("".join)))
def test_any_text_as_toml_or_json_loads_or_fails_cleanly(text):
    for json_format in (False, True):
        try:
            load_fleet_text(text, "f", json_format=json_format)
        except InputError as error:
            assert str(error).startswith("f") and "\n" not in str(error)


@FUZZ
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=12,
    ),
    where=st.sampled_from(["cpu", "memory", "domains", "vds", "vcc", "cores", "os"]),
)
def test_any_json_value_in_a_host_loads_or_fails_cleanly(value, where):
    import json

    document = {
        "hosts": {
            "a": {
                "cpu": "SPARC-T4",
                "stick-frequency": 1,
                "ldm-version": "3.6",
                "os": "11.4",
                "cores": 1,
                "memory": [{"pa": 0, "size": "8G"}],
                where: value,
            }
        }
    }
    try:
        text = json.dumps(document)
    except ValueError:
        return
    try:
        load_fleet_text(text, "f.json", json_format=True)
    except InputError as error:
        assert str(error).startswith("f.json") and "\n" not in str(error)


HUGE = "9" * 5000  # longer than Python converts to int without being told to


@pytest.mark.parametrize(
    ("text", "json_format", "message"),
    [
        (
            f"a = {HUGE}",
            False,
            "f: expected valid TOML (Exceeds the limit (4300 digits) for integer string"
            " conversion: value has 5000 digits)",
        ),
        (
            f'{{"hosts": {HUGE}}}',
            True,
            "f: expected valid JSON (Exceeds the limit (4300 digits) for integer string"
            " conversion: value has 5000 digits)",
        ),
    ],
)
def test_huge_numbers_in_fleet_files(text, json_format, message):
    with pytest.raises(InputError) as caught:
        load_fleet_text(text, "f", json_format=json_format)
    assert str(caught.value) == message


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_huge_numbers_in_captures(name):
    original = (BUNDLE / name).read_text()
    for digits in ("0", "8", "1"):
        text = original.replace(digits, HUGE)
        try:
            PARSERS[name](text, name)
        except InputError as error:
            assert error.source == name


@pytest.mark.parametrize(
    "text",
    [f'memory = "{HUGE}G"', f'ldm-version = "3.{HUGE}"', f'cores = "{HUGE}"'],
)
def test_huge_numbers_in_values(text):
    fleet = Path("examples/fleet.toml").read_text()
    key = text.split(" =")[0]
    line = next(t for t in fleet.splitlines() if t.startswith(key + " ="))
    with pytest.raises(InputError) as caught:
        load_fleet_text(fleet.replace(line, text, 1), "f.toml")
    assert str(caught.value).startswith("f.toml:")


def test_long_lines_do_not_make_position_scanning_quadratic():
    """A 200 000-character inline table used to take hours to locate (regex backtracking)."""
    text = '[hosts.a]\nx = { k = "' + "x" * 200_000 + '" }\n'
    with pytest.raises(InputError) as caught:
        load_fleet_text(text, "f")
    assert str(caught.value).startswith("f:2: hosts.a.x: expected one of the keys cpu,")
