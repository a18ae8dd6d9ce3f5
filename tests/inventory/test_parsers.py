# ruff: noqa: E501  (published output lines are long)
"""The capture parsers, on the published output of dossier §13 and on broken input."""

import pytest

from ldmspec.errors import InputError
from ldmspec.inventory import CpuArch, LdmVersion, MigrationFlag, SolarisRelease, processor
from ldmspec.inventory.constraints_xml import parse_constraints_xml
from ldmspec.inventory.host_parsers import (
    parse_ldm_version,
    parse_prtconf,
    parse_psrinfo,
    parse_release,
)
from ldmspec.inventory.listing_parsers import parse_devices, parse_ldm_list, parse_services
from ldmspec.inventory.records import parse_records

# dossier §13.4(b): a real `ldm list -p` capture, VERSION 1.11, 6-character FLAGS.
LIST_P_311 = """\
VERSION 1.11
DOMAIN|name=primary|state=active|flags=-n-cv-|cons=UART|ncpu=5|mem=47272862140|util=0.4|uptime=4772570|norm_util=0.4
DOMAIN|name=host1|state=active|flags=-n----|cons=5000|ncpu=1|mem=47272862140|util=1.4|uptime=173837|norm_util=1.4
"""

# dossier §13.4(a): `ldm list -l -p` of LDoms 1.2, VERSION 1.0 (memory values filled in).
LIST_L_P_12 = """\
VERSION 1.0
DOMAIN|name=primary|state=active|flags=normal,control,vio-service|cons=SP|ncpu=4|mem=1073741824|util=0.6|uptime=64801|softstate=Solaris running
VCPU
|vid=0|pid=0|util=0.9|strand=100
|vid=1|pid=1|util=0.5|strand=100
|vid=2|pid=2|util=0.6|strand=100
|vid=3|pid=3|util=0.6|strand=100
MEMORY
|ra=0x8000000|pa=0x8000000|size=1073741824
IO
|dev=pci@780|alias=bus_a
VDS|name=primary-vds0|nclients=2
|vol=disk-ldg1|opts=|dev=/opt/ldoms/testdisk.1
VCC|name=primary-vcc0|nclients=2|port-range=5000-5100
VSW|name=primary-vsw0|nclients=2|mac-addr=00:14:4f:fb:42:5c|net-dev=e1000g0|dev=switch@0|mode=prog,promisc
VCONS|type=SP
"""


def _error(parse, text, source="f.txt"):
    with pytest.raises(InputError) as caught:
        parse(text, source)
    return str(caught.value)


# --------------------------------------------------------------------------- records
def test_records_keep_lines_version_and_items():
    version, records = parse_records(LIST_L_P_12, "f")
    assert version == "1.0"
    assert [r.kind for r in records][:4] == ["DOMAIN", "VCPU", "MEMORY", "IO"]
    vcpu = records[1]
    assert vcpu.line == 3 and [n for n, _ in vcpu.items] == [4, 5, 6, 7]
    assert records[0].fields["softstate"] == "Solaris running"


def test_published_list_p_with_six_character_flags():
    domains = parse_ldm_list(LIST_P_311, "f")
    assert [(d.name, d.state, d.flags, d.cons, d.ncpu) for d in domains] == [
        ("primary", "active", "-n-cv-", "UART", 5),
        ("host1", "active", "-n----", "5000", 1),
    ]
    assert domains[0].mem == 47272862140


def test_five_character_flags_and_unknown_records_and_keys_are_tolerated():
    text = (
        "VERSION 1.4\n"
        "DOMAIN|name=primary|state=active|flags=-t-cv|cons=SP|ncpu=4|mem=1073741824|shiny=yes\n"
        "UUID|uuid=8e3d-11\n"
        "FROBNICATE|level=9\n"
        "|anything=goes\n"
        "DOMAIN|name=ldg1|state=bound|flags=-----|cons=5000|ncpu=8|mem=1073741824\n"
    )
    domains = parse_ldm_list(text, "f")
    assert [(d.name, d.flags, d.state) for d in domains] == [
        ("primary", "-t-cv", "active"),
        ("ldg1", "-----", "bound"),
    ]


def test_column_6_is_the_migration_flag():
    text = (
        "VERSION 1.6\n"
        "DOMAIN|name=primary|state=active|flags=-n-cv-|cons=UART|ncpu=8|mem=8589934592\n"
        "DOMAIN|name=ldg1|state=active|flags=-n---s|cons=5000|ncpu=8|mem=8589934592\n"
        "DOMAIN|name=ldg2|state=bound|flags=-----t|cons=5001|ncpu=8|mem=8589934592\n"
        "DOMAIN|name=ldg3|state=bound|flags=-----e|cons=5002|ncpu=8|mem=8589934592\n"
        "DOMAIN|name=ldg4|state=active|flags=-t---|cons=5003|ncpu=8|mem=8589934592\n"
    )
    flags = [d.migration for d in parse_ldm_list(text, "f")]
    assert flags == [
        MigrationFlag.NONE, MigrationFlag.SOURCE, MigrationFlag.TARGET, MigrationFlag.ERROR,
        MigrationFlag.NONE,
    ]  # fmt: skip
    with pytest.raises(InputError) as caught:
        parse_ldm_list(text.replace("-----e", "-----x"), "f.txt")
    assert str(caught.value) == 'f.txt:5: expected a FLAGS column 6 of -, s, t or e, got "-----x"'


def test_spelled_out_migration_words_are_ldmspecs_own():
    text = "DOMAIN|name=ldg1|state=active|flags=normal,source|ncpu=1|mem=1\n"
    assert parse_ldm_list(text, "f")[0].migration is MigrationFlag.SOURCE
    normal = "DOMAIN|name=ldg1|state=active|flags=normal|ncpu=1|mem=1\n"
    assert parse_ldm_list(normal, "f")[0].migration is MigrationFlag.NONE


def test_empty_numbers_of_an_inactive_domain_are_unknown_not_zero():
    text = (
        "VERSION 1.6\n"
        "DOMAIN|name=ldg9|state=inactive|flags=------|cons=|ncpu=|mem=|util=|uptime=\n"
        "DOMAIN|name=ldg8|state=inactive|flags=------|cons=\n"
    )
    assert [(d.ncpu, d.mem) for d in parse_ldm_list(text, "f")] == [(None, None), (None, None)]


def test_a_value_with_raw_line_breaks_continues_on_the_next_lines():
    # An OpenBoot nvramrc variable holds line breaks; ldm prints them raw.
    text = (
        "VERSION 1.6\n"
        "DOMAIN|name=ldg1|state=active|flags=-n----|cons=5000|ncpu=8|mem=8589934592\n"
        "VARIABLES\n"
        "|nvramrc=devalias vdisk0 /virtual-devices@100/channel-devices@200/disk@0\n"
        ': hello ." hello" cr ;\n'
        "|boot-device=vdisk0\n"
        "VCPU\n"
        "|vid=0|pid=8|util=0.1|strand=100\n"
    )
    version, records = parse_records(text, "f")
    assert version == "1.6"
    variables = records[1]
    assert variables.kind == "VARIABLES" and [n for n, _ in variables.items] == [4, 6]
    assert variables.items[0][1]["nvramrc"] == (
        "devalias vdisk0 /virtual-devices@100/channel-devices@200/disk@0\n"
        ': hello ." hello" cr ;'
    )
    assert parse_ldm_list(text, "f")[0].strands == (8,)


@pytest.mark.parametrize("version", ["1.0", "1.4", "1.6", "1.11", "1.13"])
def test_every_published_version_line_is_read(version):
    assert parse_records(f"VERSION {version}\n", "f")[0] == version


@pytest.mark.parametrize("line", ["VERSION 2.0", "VERSION one", "VERSION 1.6.2"])
def test_a_version_line_other_than_1_x_is_refused(line):
    with pytest.raises(InputError) as caught:
        parse_records(f"{line}\nDOMAIN|name=a\n", "f.txt")
    assert str(caught.value) == (
        f'f.txt:1: expected a line "VERSION 1.N" (1.0 through 1.x: the parseable output'
        f' format), got "{line}"'
    )


def test_published_long_listing():
    (primary,) = parse_ldm_list(LIST_L_P_12, "f")
    assert primary.strands == (0, 1, 2, 3) and primary.strands_line == 3
    assert primary.memory == ((0x8000000, 0x8000000, 1 << 30),)
    assert primary.io == ("bus:pci@780",)
    services = primary.services
    assert services.vds == (("primary-vds0", 12, (("disk-ldg1", "/opt/ldoms/testdisk.1"),)),)
    assert services.vcc == (("primary-vcc0", 14, "5000-5100"),)
    assert services.vsw == (("primary-vsw0", 15, "e1000g0"),)
    assert primary.console is None


def test_guest_devices_console_and_cpu_arch():
    text = (
        "VERSION 1.11\n"
        "DOMAIN|name=ldg1|state=active|flags=normal|cons=5000|ncpu=1|mem=1073741824\n"
        "CONTROL|failure-policy=ignore|cpu-arch=generic\n"
        "VNET|name=vnet0|dev=network@0|service=primary-vsw0|mac-addr=00:14:4f:f8:01:02\n"
        "VDISK|name=vdisk0|vol=vol01@primary-vds0|timeout=|dev=disk@0|server=primary\n"
        "VCONS|group=web|service=primary-vcc0|port=5000\n"
    )
    (d,) = parse_ldm_list(text, "f")
    assert d.cpu_arch == (CpuArch.GENERIC, 3)
    assert d.vnets == (("vnet0", "primary-vsw0", 4),)
    assert d.vdisks == (("vdisk0", "vol01@primary-vds0", 5),)
    assert d.console == ("primary-vcc0", 5000, "web", 6)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "VERSION 1.0\ngarbage here\n",
            'f.txt:2: expected a record line like "DOMAIN|name=ldg1|..." or "|key=value",'
            ' got "garbage here"',
        ),
        (
            "|vid=0|pid=0\n",
            'f.txt:1: expected a record line like "DOMAIN|name=ldg1" before "|key=value" lines,'
            ' got "|vid=0|pid=0"',
        ),
        (
            "DOMAIN|state=active\n",
            "f.txt:1: expected a name= field in this DOMAIN record",
        ),
        (
            "DOMAIN|name=a|state=suspended\n",
            "f.txt:1: expected a domain state ldmspec models: active, bound or inactive,"
            ' got "suspended"',
        ),
        (
            "DOMAIN|name=a|state=active|flags=-n-cv-s-\n",
            'f.txt:1: expected FLAGS of 5 or 6 characters like "-n-cv-" or names like'
            ' "normal,control", got "-n-cv-s-"',
        ),
        (
            "DOMAIN|name=a|state=active|ncpu=four\n",
            'f.txt:1: expected ncpu as a whole number, got "four"',
        ),
        (
            "DOMAIN|name=a|state=active\nMEMORY\n|ra=0x0|pa=zz|size=1G\n",
            'f.txt:3: expected pa as a number like 0x10000000, got "zz"',
        ),
        (
            "DOMAIN|name=a|state=active\nMEMORY\n|ra=0x0|pa=0x0|size=big\n",
            'f.txt:3: expected a size like 8G (K, M, G, T suffix, or bytes), got "big"',
        ),
        (
            "DOMAIN|name=a|state=active\nDOMAIN|name=a|state=bound\n",
            'f.txt:2: expected each domain once (already listed at line 1), got "a"',
        ),
        (
            "DOMAIN|name=a|state=active\nCONTROL|cpu-arch=fast\n",
            "f.txt:2: expected one of native, generic, migration-class1, sparc64-class1,"
            ' got "fast"',
        ),
    ],
)
def test_ldm_list_errors(text, message):
    assert _error(parse_ldm_list, text) == message


# --------------------------------------------------------------------------- services
def test_list_services():
    text = (
        "VERSION 1.11\n"
        "VCC|name=primary-vcc0|ldom=primary|port-range=5000-5100\n"
        "VSW|name=primary-vsw0|ldom=primary|net-dev=net0|dev=switch@0\n"
        "VDS|name=primary-vds0|ldom=primary\n"
        "|vol=vol01|opts=|dev=/dev/dsk/c2t6d0s2|mpgroup=\n"
        "|vol=vol02|opts=ro|dev=/dev/dsk/c2t7d0s2|mpgroup=\n"
        "VSAN|name=san0\n"
    )
    services = parse_services(text, "f")
    assert services.vcc == (("primary-vcc0", 2, "5000-5100"),)
    assert services.vsw == (("primary-vsw0", 3, "net0"),)
    assert services.vds == (
        ("primary-vds0", 4, (("vol01", "/dev/dsk/c2t6d0s2"), ("vol02", "/dev/dsk/c2t7d0s2"))),
    )


def test_services_errors():
    assert _error(parse_services, "VCC|name=v\n") == (
        "f.txt:1: expected a port-range= field in this VCC record"
    )
    assert _error(parse_services, "VDS|name=d\n|vol=v|dev=\n") == (
        "f.txt:2: expected a dev= field in this VDS volume record"
    )


# --------------------------------------------------------------------------- devices
DEVICES = """\
VERSION 1.4
CORE
|cid=0|free=50|cpuset=(0,1)
|cid=1|free=100|cpuset=(2,3)
VCPU
|pid=0|free=0|pm=no
|pid=1|free=100|pm=no
|pid=2|free=100|pm=no
|pid=3|free=100|pm=no
MEMORY
|pa=0x8000000|size=1073741824|bound=primary
|pa=0x48000000|size=2147483648
"""


def test_list_devices():
    devices = parse_devices(DEVICES, "f")
    assert (devices.cores, devices.cores_line) == (2, 2)
    assert devices.strands[:2] == ((0, 0, 6), (1, 100, 7))
    assert devices.memory == ((0x8000000, 1 << 30, "primary", 11), (0x48000000, 2 << 30, None, 12))


# LDoms 1.x: no CORE section (issue 15's real captures); record shapes of dossier §13.4(c), (d).
DEVICES_1X = """\
VERSION 1.4
VCPU
|pid=0|free=0|pm=no
|pid=1|free=100|pm=no
MEMORY
|pa=0x8000000|size=1073741824|bound=primary
"""


def test_list_devices_of_ldoms_1x_have_no_cores():
    devices = parse_devices(DEVICES_1X, "f")
    assert (devices.cores, devices.strands) == (0, ((0, 0, 3), (1, 100, 4)))


def test_devices_errors():
    assert _error(parse_devices, "VERSION 1.4\nCORE\n|cid=0\n") == (
        'f.txt:1: expected a VCPU section with "|pid=N|free=N" lines'
    )
    assert _error(parse_devices, DEVICES.replace("|pid=1|free=100", "|pid=1|free=120")) == (
        "f.txt:7: expected free= of 0 to 100, got 120"
    )
    without_memory = DEVICES.split("MEMORY")[0]
    assert _error(parse_devices, without_memory) == (
        'f.txt:1: expected a MEMORY section with "|pa=...|size=..." lines'
    )


# --------------------------------------------------------------------------- ldm -V
def test_ldm_version_published_and_3x():
    v12 = (
        "Logical Domain Manager (v 1.2)\n"
        "   Hypervisor control protocol v 1.3\n"
        "   Using Hypervisor MD v 0.1\n"
    )
    assert parse_ldm_version(v12, "f").value == LdmVersion.parse("1.2")
    v36 = "\nLogical Domains Manager (v 3.6.0.0.24)\n\tHypervisor control protocol v 1.12\n"
    found = parse_ldm_version(v36, "f")
    assert (found.value, found.line) == (LdmVersion.parse("3.6.0.0.24"), 2)


def test_ldm_version_errors():
    assert _error(parse_ldm_version, "ldm: command not found\n") == (
        'f.txt:1: expected a line like "Logical Domains Manager (v 3.6.0.0.24)",'
        ' got "ldm: command not found"'
    )
    assert _error(parse_ldm_version, "Logical Domains Manager (v 0.9)\n") == (
        'f.txt:1: expected a Logical Domains Manager version like "2.1", "3.6" or'
        ' "3.6.1.0.8", got "Logical Domains Manager (v 0.9)"'
    )


# --------------------------------------------------------------------------- psrinfo
def test_psrinfo_with_and_without_cores():
    text = (
        "The physical processor has 2 cores and 16 virtual processors (0-15)\n"
        "  The core has 8 virtual processors (0-7)\n"
        "  The core has 8 virtual processors (8-15)\n"
        "    SPARC-T4 (chipid 0, clock 2848 MHz)\n"
        "The physical processor has 8 virtual processors (16-23)\n"
        "  SPARC-T4 (chipid 1, clock 2848 MHz)\n"
    )
    info = parse_psrinfo(text, "f")
    assert (info.processor, info.clock_mhz, info.line, info.vcpus) == (
        processor("SPARC-T4"),
        2848,
        4,
        24,
    )
    alone = parse_psrinfo("UltraSPARC-T2+ (chipid 0, clock 1415 MHz)\n", "f")
    assert (alone.processor.name, alone.vcpus) == ("UltraSPARC-T2+", None)


def test_psrinfo_of_ultrasparc_t1():
    # psrinfo -pv on an UltraSPARC T1 system: no core lines, "cpuid" and no comma.
    text = (
        "The physical processor has 32 virtual processors (0-31)\n"
        "  UltraSPARC-T1 (cpuid 0 clock 1000 MHz)\n"
    )
    info = parse_psrinfo(text, "f")
    assert (info.processor.name, info.clock_mhz, info.line, info.vcpus) == (
        "UltraSPARC-T1", 1000, 2, 32,
    )  # fmt: skip
    # The kernel's own format string has the comma.
    assert parse_psrinfo("UltraSPARC-T1 (cpuid 0, clock 1200 MHz)\n", "f").clock_mhz == 1200


def test_psrinfo_error_names_the_line_that_did_not_match():
    text = "The physical processor has 32 virtual processors (0-31)\n  UltraSPARC T1 at 1 GHz\n"
    assert _error(parse_psrinfo, text) == (
        'f.txt:2: expected a line like "SPARC-T4 (chipid 0, clock 2848 MHz)" or'
        ' "UltraSPARC-T1 (cpuid 0 clock 1000 MHz)", got "UltraSPARC T1 at 1 GHz"'
    )


def test_psrinfo_errors():
    assert _error(parse_psrinfo, "no processors\n") == (
        'f.txt:1: expected a line like "SPARC-T4 (chipid 0, clock 2848 MHz)" or'
        ' "UltraSPARC-T1 (cpuid 0 clock 1000 MHz)", got "no processors"'
    )
    mixed = "SPARC-T4 (chipid 0, clock 2848 MHz)\nSPARC-T5 (chipid 1, clock 3600 MHz)\n"
    assert _error(parse_psrinfo, mixed) == (
        "f.txt:2: expected every processor alike, as at line 1 (SPARC-T4 at 2848 MHz),"
        ' got "SPARC-T5 (chipid 1, clock 3600 MHz)"'
    )
    assert _error(parse_psrinfo, "  Z80 (chipid 0, clock 4 MHz)\n").startswith(
        "f.txt:1: expected a processor type: UltraSPARC-T1,"
    )


# --------------------------------------------------------------------------- prtconf
def test_prtconf_stick_frequency():
    text = "System Configuration:  Oracle Corporation  sun4v\n    stick-frequency:  05f4bc08\n"
    found = parse_prtconf(text, "f")
    assert (found.value, found.line) == (0x05F4BC08, 2)


def test_prtconf_errors():
    assert _error(parse_prtconf, "Node 0x1\n") == (
        'f.txt:1: expected a line like "stick-frequency:  05f5e100", got "Node 0x1"'
    )
    two = "stick-frequency:  05f4bc08\nstick-frequency:  05f5e100\n"
    assert _error(parse_prtconf, two) == (
        "f.txt:2: expected one stick-frequency, as at line 1 (0x5f4bc08),"
        ' got "stick-frequency:  05f5e100"'
    )


# --------------------------------------------------------------------------- release
@pytest.mark.parametrize(
    ("line", "release"),
    [
        ("                   Oracle Solaris 10 9/10 s10s_u9wos_14a SPARC", "10 9/10"),
        ("                             Oracle Solaris 11.4 SPARC", "11.4"),
        ("                      Oracle Solaris 11 11/11 SPARC", "11"),
        ("                   Oracle Solaris 11.3 SPARC", "11.3"),
    ],
)
def test_release(line, release):
    assert parse_release(line + "\n  Copyright (c) 1983\n", "f").value == SolarisRelease.parse(
        release
    )


def test_release_error():
    assert _error(parse_release, "Ubuntu 24.04\n") == (
        'f.txt:1: expected a line like "Oracle Solaris 11.4 SPARC" or'
        ' "Oracle Solaris 10 9/10 ...", got "Ubuntu 24.04"'
    )


# --------------------------------------------------------------------------- XML
CONSTRAINTS = """\
<?xml version="1.0"?>
<LDM_interface version="1.3" xmlns:ovf="./schemas/envelope" xmlns:rasd="./schemas/CIM_ResourceAllocationSettingData" xmlns:gprop="./schemas/GenericProperty">
  <data version="3.0">
    <Envelope>
      <Content ovf:id="ldg1">
        <Section>
          <Item>
            <rasd:OtherResourceType>ldom_info</rasd:OtherResourceType>
            <gprop:GenericProperty key="cpu-arch">migration-class1</gprop:GenericProperty>
          </Item>
        </Section>
        <Section>
          <Item>
            <rasd:OtherResourceType>cpu</rasd:OtherResourceType>
            <rasd:AllocationUnits>16</rasd:AllocationUnits>
            <gprop:GenericProperty key="wcore">2</gprop:GenericProperty>
          </Item>
          <Item>
            <rasd:OtherResourceType>memory</rasd:OtherResourceType>
            <rasd:AllocationUnits>8G</rasd:AllocationUnits>
          </Item>
          <Item>
            <rasd:OtherResourceType>disk</rasd:OtherResourceType>
            <gprop:GenericProperty key="vdisk_name">vdisk0</gprop:GenericProperty>
            <gprop:GenericProperty key="service_name">primary-vds0</gprop:GenericProperty>
            <gprop:GenericProperty key="vol_name">vol01</gprop:GenericProperty>
          </Item>
          <Item>
            <rasd:OtherResourceType>network</rasd:OtherResourceType>
            <gprop:GenericProperty key="vnet_name">vnet0</gprop:GenericProperty>
            <gprop:GenericProperty key="service_name">primary-vsw0</gprop:GenericProperty>
          </Item>
          <Item>
            <rasd:OtherResourceType>sparkle</rasd:OtherResourceType>
          </Item>
        </Section>
      </Content>
    </Envelope>
  </data>
</LDM_interface>
"""


def test_constraints_xml():
    (c,) = parse_constraints_xml(CONSTRAINTS, "f")
    assert (c.name, c.line, c.vcpus, c.whole_core, c.memory, c.cpu_arch) == (
        "ldg1",
        5,
        16,
        True,
        8 << 30,
        CpuArch.MIGRATION_CLASS1,
    )
    assert c.vdisks == (("vdisk0", "vol01@primary-vds0"),)
    assert c.vnets == (("vnet0", "primary-vsw0"),)


def test_constraints_errors():
    broken = CONSTRAINTS.replace("<rasd:AllocationUnits>16</rasd:AllocationUnits>", "")
    assert parse_constraints_xml(broken, "f")[0].vcpus is None
    assert _error(parse_constraints_xml, CONSTRAINTS.replace("</data>", "")) == (
        "f.txt:40: expected well-formed XML (mismatched tag)"
    )
    no_name = CONSTRAINTS.replace(' ovf:id="ldg1"', "")
    assert _error(parse_constraints_xml, no_name) == (
        'f.txt:5: expected a domain name in <Content ovf:id="..."> or <ldom_name>'
    )
    no_vol = CONSTRAINTS.replace(
        '<gprop:GenericProperty key="vol_name">vol01</gprop:GenericProperty>', ""
    )
    assert _error(parse_constraints_xml, no_vol) == (
        'f.txt:22: expected a "vol_name" property in this disk item'
    )
    bad_units = CONSTRAINTS.replace(">8G<", ">lots<")
    assert _error(parse_constraints_xml, bad_units) == (
        'f.txt:20: expected a size like 8G (K, M, G, T suffix, or bytes), got "lots"'
    )


XML_BOMB = """\
<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<LDM_interface><Content ovf:id="&lol9;"/></LDM_interface>
"""

EXTERNAL_ENTITY = """\
<?xml version="1.0"?>
<!DOCTYPE x [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<LDM_interface><Content ovf:id="&secret;"/></LDM_interface>
"""

EXTERNAL_DTD = """\
<?xml version="1.0"?>
<!DOCTYPE LDM_interface SYSTEM "http://example.invalid/ldm.dtd">
<LDM_interface/>
"""


@pytest.mark.parametrize("document", [XML_BOMB, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_xml_bomb_and_external_entities_are_refused(document):
    assert _error(parse_constraints_xml, document) == (
        "f.txt:1: expected XML without a DTD (ldm never writes one; entity expansion is"
        ' refused), got "a DTD"'
    )


def test_undeclared_entity_is_malformed_xml():
    document = '<LDM_interface><Content ovf:id="&nope;"/></LDM_interface>'
    assert _error(parse_constraints_xml, document) == (
        "f.txt:1: expected well-formed XML (undefined entity)"
    )


# dossier §13.5: the LDoms 1.2 element layout (values other than ldg1, 8 and 1G filled in).
CONSTRAINTS_12 = """\
<?xml version="1.0"?>
<LDM_interface version="1.0">
  <data version="2.0">
    <ldom>
      <ldom_info><ldom_name>ldg1</ldom_name></ldom_info>
      <cpu><number>8</number></cpu>
      <memory><size>1G</size></memory>
      <network><vnet_name>vnet1</vnet_name><service_name>primary-vsw0</service_name><mac_address>00:14:4f:f9:c8:6b</mac_address></network>
      <disk><vdisk_name>vdisk1</vdisk_name><service_name>primary-vds0</service_name><vol_name>vol1</vol_name></disk>
      <var><name>auto-boot?</name><value>false</value></var>
    </ldom>
  </data>
</LDM_interface>
"""


def test_constraints_xml_of_ldoms_1_2():
    (c,) = parse_constraints_xml(CONSTRAINTS_12, "f")
    assert (c.name, c.line, c.vcpus, c.memory, c.cpu_arch, c.whole_core) == (
        "ldg1",
        4,
        8,
        1 << 30,
        CpuArch.NATIVE,
        False,
    )
    assert c.vnets == (("vnet1", "primary-vsw0"),)
    assert c.vdisks == (("vdisk1", "vol1@primary-vds0"),)


def test_constraints_xml_of_ldoms_1_2_errors():
    no_vol = CONSTRAINTS_12.replace("<vol_name>vol1</vol_name>", "")
    assert _error(parse_constraints_xml, no_vol) == "f.txt:9: expected a <vol_name> in this <disk>"
    no_name = CONSTRAINTS_12.replace("<ldom_name>ldg1</ldom_name>", "")
    assert _error(parse_constraints_xml, no_name) == (
        'f.txt:4: expected a domain name in <Content ovf:id="..."> or <ldom_name>'
    )


def test_max_pagesize():
    from ldmspec.inventory.host_parsers import parse_max_pagesize

    found = parse_max_pagesize("NAME\nprimary\n    hardware-max-pagesize=16G\n", "f")
    assert found is not None and (found.value, found.line) == (16 << 30, 3)
    assert parse_max_pagesize("NAME\nprimary\n", "f") is None
    assert _error(parse_max_pagesize, "hardware-max-pagesize=0\n") == (
        'f.txt:1: expected a positive size like 8G, got "0"'
    )
