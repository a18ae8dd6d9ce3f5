"""The value types every area shares: FLAGS column 6 and typed direct I/O (BRIEF.md)."""

import pytest

from ldmspec.errors import InputError
from ldmspec.inventory import IoDevice, IoKind, MigrationFlag, load_fleet_text
from ldmspec.inventory.writer import fleet_to_toml

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
io = ["pci@400", "bus:pci@500", "endpoint:/SYS/MB/PCIE1",
      "vf:/SYS/MB/NET0/IOVNET.PF0.VF0", "pf:/SYS/MB/NET0/IOVNET.PF1"]
migration = "error"

[hosts.a.domains.ldom02]
memory = "1G"
"""


def test_column_6_letters():
    assert [(f.value, f.flag) for f in MigrationFlag] == [
        ("none", "-"), ("source", "s"), ("target", "t"), ("error", "e"),
    ]  # fmt: skip
    assert [MigrationFlag.from_flag(c) for c in "-ste"] == list(MigrationFlag)


def test_a_letter_that_is_no_column_6_flag_is_refused():
    with pytest.raises(InputError) as caught:
        MigrationFlag.from_flag("x")
    assert str(caught.value) == 'expected a FLAGS column 6 of -, s, t or e, got "x"'


def test_fleet_io_is_typed_and_a_bare_entry_is_a_bus():
    fleet = load_fleet_text(FLEET, "f.toml")
    ldom01 = fleet.hosts[0].domain("ldom01")
    assert ldom01 is not None
    assert ldom01.io == (
        IoDevice(IoKind.BUS, "pci@400"),
        IoDevice(IoKind.BUS, "pci@500"),
        IoDevice(IoKind.ENDPOINT, "/SYS/MB/PCIE1"),
        IoDevice(IoKind.VF, "/SYS/MB/NET0/IOVNET.PF0.VF0"),
        IoDevice(IoKind.PF, "/SYS/MB/NET0/IOVNET.PF1"),
    )
    assert [str(dev) for dev in ldom01.io][:3] == [
        "bus:pci@400", "bus:pci@500", "endpoint:/SYS/MB/PCIE1",
    ]  # fmt: skip
    assert ldom01.migration is MigrationFlag.ERROR


def test_defaults_no_io_and_no_migration():
    ldom02 = load_fleet_text(FLEET, "f.toml").hosts[0].domain("ldom02")
    assert ldom02 is not None
    assert (ldom02.io, ldom02.migration) == ((), MigrationFlag.NONE)


def test_only_endpoints_let_a_cold_domain_go():
    blocking = {kind: IoDevice(kind, "x").blocks_cold for kind in IoKind}
    assert blocking == {IoKind.BUS: True, IoKind.ENDPOINT: False, IoKind.VF: True, IoKind.PF: True}


@pytest.mark.parametrize(
    "text", ["", " pci@400", "pci@400 ", "bus:", "vf: x", "slot:/SYS/MB/PCIE1", 400]
)
def test_malformed_io_is_refused(text: object):
    with pytest.raises(InputError) as caught:
        IoDevice.parse(text)
    assert str(caught.value).startswith('expected direct I/O like "bus:pci@400"')


def test_the_writer_keeps_typed_io_and_the_flag():
    fleet = load_fleet_text(FLEET, "f.toml")
    text = fleet_to_toml(fleet)
    assert 'migration = "error"' in text
    assert '"endpoint:/SYS/MB/PCIE1"' in text
    assert load_fleet_text(text, "again.toml") == fleet
