"""Every loader error of issue 2, with its exact one-line message, for TOML and JSON."""

import json
import tomllib

import pytest

from ldmspec.errors import InputError
from ldmspec.inventory import load_fleet, load_fleet_text

BASE = """\
[hosts.a]
cpu = "SPARC-T4"
stick-frequency = 0x05f5e100
ldm-version = "3.6"
os = "11.4"
cores = 2
threads-per-core = 8
memory = [ { pa = 0x0, size = "16G" } ]

[hosts.a.vds.primary-vds0]
vol01 = "/dev/dsk/c2t6d0s2"
[hosts.a.vsw.primary-vsw0]
net-dev = "net0"
[hosts.a.vcc.primary-vcc0]
port-range = "5000-5001"

[hosts.a.domains.ldom01]
vcpus = 4
memory = "4G"
vdisks = { vdisk0 = "vol01@primary-vds0" }
vnets = { vnet0 = "primary-vsw0" }
console = { vcc = "primary-vcc0", port = 5000 }
"""

SECOND = '[hosts.a.domains.ldom02]\nmemory = "1G"\n'

CASES = [
    (
        "unknown key",
        "vcpus = 4",
        'vcpus = 4\ncolour = "red"',
        "f.toml:19: hosts.a.domains.ldom01.colour: expected one of the keys state, vcpus,"
        ' whole-core, memory, strands, cpu-arch, os, vdisks, vnets, console, io, migration,'
        ' got "colour"',
    ),
    (
        "io of an unknown kind",
        "vcpus = 4",
        'vcpus = 4\nio = ["slot:/SYS/MB/PCIE1"]',
        "f.toml:19: hosts.a.domains.ldom01.io[0]: expected direct I/O like"
        ' "bus:pci@400", "endpoint:/SYS/MB/PCIE1", "vf:/SYS/MB/NET0/IOVNET.PF0.VF0"'
        ' or "pf:/SYS/MB/NET0/IOVNET.PF0" (a bare entry is a bus), got "slot:/SYS/MB/PCIE1"',
    ),
    (
        "io without a path",
        "vcpus = 4",
        'vcpus = 4\nio = ["vf:"]',
        "f.toml:19: hosts.a.domains.ldom01.io[0]: expected direct I/O like"
        ' "bus:pci@400", "endpoint:/SYS/MB/PCIE1", "vf:/SYS/MB/NET0/IOVNET.PF0.VF0"'
        ' or "pf:/SYS/MB/NET0/IOVNET.PF0" (a bare entry is a bus), got "vf:"',
    ),
    (
        "migration flag",
        "vcpus = 4",
        'vcpus = 4\nmigration = "s"',
        "f.toml:19: hosts.a.domains.ldom01.migration: expected one of none, source, target,"
        ' error, got "s"',
    ),
    (
        "unknown host key",
        "cores = 2",
        "cores = 2\nsockets = 2",
        "f.toml:7: hosts.a.sockets: expected one of the keys cpu, clock-mhz, stick-frequency,"
        " ldm-version, os, cores, threads-per-core, memory, largest-page, vds, vsw, vcc,"
        ' domains, got "sockets"',
    ),
    (
        "wrong type",
        "vcpus = 4",
        'vcpus = "four"',
        'f.toml:18: hosts.a.domains.ldom01.vcpus: expected an integer, got "four"',
    ),
    (
        "wrong type: boolean",
        "vcpus = 4",
        'vcpus = 4\nwhole-core = "yes"',
        'f.toml:19: hosts.a.domains.ldom01.whole-core: expected true or false, got "yes"',
    ),
    (
        "bad size",
        'memory = "4G"',
        'memory = "eight"',
        "f.toml:19: hosts.a.domains.ldom01.memory: expected a size like 8G"
        ' (K, M, G, T suffix, or bytes), got "eight"',
    ),
    (
        "bad Manager version",
        'ldm-version = "3.6"',
        'ldm-version = "three"',
        'f.toml:4: hosts.a.ldm-version: expected a Logical Domains Manager version like "2.1",'
        ' "3.6" or "3.6.1.0.8", got "three"',
    ),
    (
        "bad Solaris release",
        'os = "11.4"',
        'os = "12 1/13"',
        'f.toml:5: hosts.a.os: expected a Solaris release like "10 9/10", "10 1/13", "11.1"'
        ' or "11.4", got "12 1/13"',
    ),
    (
        "zero size",
        'memory = "4G"',
        'memory = "0G"',
        'f.toml:19: hosts.a.domains.ldom01.memory: expected a positive size like 8G, got "0G"',
    ),
    (
        "negative size",
        'memory = "4G"',
        "memory = -4",
        "f.toml:19: hosts.a.domains.ldom01.memory: expected a positive size like 8G, got -4",
    ),
    (
        "zero vcpus",
        "vcpus = 4",
        "vcpus = 0",
        "f.toml:18: hosts.a.domains.ldom01.vcpus: expected an integer of at least 1, got 0",
    ),
    (
        "zero host size",
        'memory = [ { pa = 0x0, size = "16G" } ]',
        "memory = [ { pa = 0x0, size = 0 } ]",
        "f.toml:8: hosts.a.memory[0].size: expected a positive size like 8G, got 0",
    ),
    (
        "overlapping host memory",
        'size = "16G" } ]',
        'size = "16G" }, { pa = 0x200000000, size = "8G" } ]',
        "f.toml:8: hosts.a.memory: expected memory ranges that do not overlap,"
        ' got "PA 0x0 size 16G and PA 0x200000000 size 8G"',
    ),
    (
        "overlapping domain memory",
        'memory = "4G"',
        'memory = [ { ra = 0x10000000, pa = 0x0, size = "4G" } ]\n'
        "[hosts.a.domains.ldom02]\n"
        'memory = [ { ra = 0x10000000, pa = 0x80000000, size = "4G" } ]',
        "f.toml:21: hosts.a.domains.ldom02.memory: expected memory that does not overlap"
        ' ldom01\'s, got "PA 0x80000000 size 4G"',
    ),
    (
        "duplicate domain name",
        "[hosts.a.domains.ldom01]",
        "[hosts.a.domains.ldom01]\n[hosts.a.domains.ldom01]",
        "f.toml:18:24: expected valid TOML (Cannot declare ('hosts', 'a', 'domains',"
        " 'ldom01') twice)",
    ),
    (
        "duplicate key",
        "vcpus = 4",
        "vcpus = 4\nvcpus = 5",
        "f.toml:19:10: expected valid TOML (Cannot overwrite a value)",
    ),
    (
        "duplicate service name across kinds",
        "[hosts.a.vsw.primary-vsw0]",
        "[hosts.a.vsw.primary-vds0]\n[hosts.a.vsw.primary-vsw0]",
        "f.toml:12: hosts.a.vsw.primary-vds0: expected a service name not already used by a"
        ' vds, got "primary-vds0"',
    ),
    (
        "console port outside the vcc range",
        "port = 5000",
        "port = 6000",
        "f.toml:22: hosts.a.domains.ldom01.console.port: expected a port in primary-vcc0's"
        " range 5000-5001, got 6000",
    ),
    (
        "console port used twice",
        "port = 5000 }",
        'port = 5000 }\n[hosts.a.domains.ldom02]\nmemory = "1G"\n'
        'console = { vcc = "primary-vcc0", port = 5000 }',
        "f.toml:25: hosts.a.domains.ldom02.console.port: expected a console port not already"
        " used by ldom01, got 5000",
    ),
    (
        "console on a missing vcc",
        'vcc = "primary-vcc0", port',
        'vcc = "other-vcc", port',
        "f.toml:22: hosts.a.domains.ldom01.console.vcc: expected a vcc that host a has,"
        ' got "other-vcc"',
    ),
    (
        "vdisk naming a missing vds",
        "vol01@primary-vds0",
        "vol01@other-vds",
        "f.toml:20: hosts.a.domains.ldom01.vdisks.vdisk0: expected a vds that host a has,"
        ' got "other-vds"',
    ),
    (
        "vdisk naming a missing volume",
        "vol01@primary-vds0",
        "vol09@primary-vds0",
        "f.toml:20: hosts.a.domains.ldom01.vdisks.vdisk0: expected a volume that vds"
        ' primary-vds0 exports, got "vol09"',
    ),
    (
        "vnet naming a missing vsw",
        'vnet0 = "primary-vsw0"',
        'vnet0 = "other-vsw"',
        "f.toml:21: hosts.a.domains.ldom01.vnets.vnet0: expected a vsw that host a has,"
        ' got "other-vsw"',
    ),
    (
        "more vCPUs than the host has",
        "vcpus = 4",
        "vcpus = 17",
        "f.toml:18: hosts.a.domains.ldom01.vcpus: expected no more vCPUs held than host a"
        " has free, got 17",
    ),
    (
        "more memory than the host has",
        'memory = "4G"',
        'memory = "17G"',
        "f.toml:19: hosts.a.domains.ldom01.memory: expected memory that fits: host a has 16G"
        ' and the domains before hold 0, got "17G"',
    ),
    (
        "more memory than is free",
        'memory = "4G"',
        'memory = "12G"\n' + SECOND.replace('"1G"', '"5G"'),
        "f.toml:21: hosts.a.domains.ldom02.memory: expected memory that fits: host a has 16G"
        ' and the domains before hold 12G, got "5G"',
    ),
    (
        "strand held twice",
        "port = 5000 }",
        "port = 5000 }\nstrands = [0, 1, 2, 3]\n"
        "[hosts.a.domains.primary]\nvcpus = 1\nstrands = [3]",
        "f.toml:26: hosts.a.domains.primary.strands: expected strands not already held by"
        " ldom01, got 3",
    ),
    (
        "page size not a power of two",
        "threads-per-core = 8",
        'threads-per-core = 8\nlargest-page = "3G"',
        "f.toml:8: hosts.a.largest-page: expected a page size that is a power of two like 256M"
        ' or 2G, got "3G"',
    ),
    (
        "absurd core count",
        "cores = 2",
        "cores = 5000",
        "f.toml:6: hosts.a.cores: expected an integer of at most 4096, got 5000",
    ),
    (
        "absurd threads per core",
        "threads-per-core = 8",
        "threads-per-core = 1000000000",
        "f.toml:7: hosts.a.threads-per-core: expected an integer of at most 64, got 1000000000",
    ),
    (
        "whole-core domain holding part of a core",
        "vcpus = 4",
        "vcpus = 4\nwhole-core = true\nstrands = [0, 1, 2, 3]",
        "f.toml:20: hosts.a.domains.ldom01.strands: expected every strand of core 0"
        ' (a whole-core domain holds whole cores), got "strand 4 missing"',
    ),
    (
        "strands that do not match the vCPUs",
        "vcpus = 4",
        "vcpus = 4\nstrands = [0, 1]",
        "f.toml:19: hosts.a.domains.ldom01.strands: expected 4 strand ids (one per vCPU), got 2",
    ),
    (
        "unknown processor",
        'cpu = "SPARC-T4"',
        'cpu = "Pentium"',
        "f.toml:2: hosts.a.cpu: expected a processor type: UltraSPARC-T1, UltraSPARC-T2,"
        " UltraSPARC-T2+, SPARC-T3, SPARC-T4, SPARC-T5, SPARC-M5, SPARC-M6, SPARC-M7,"
        " SPARC-T7, SPARC-S7, SPARC-M8, SPARC-T8, SPARC64-X, SPARC64-X+, SPARC64-XII,"
        ' got "Pentium"',
    ),
    (
        "bad state",
        "vcpus = 4",
        'vcpus = 4\nstate = "running"',
        "f.toml:19: hosts.a.domains.ldom01.state: expected one of active, bound, inactive,"
        ' got "running"',
    ),
    (
        "reversed port range",
        'port-range = "5000-5001"',
        'port-range = "5001-5000"',
        "f.toml:15: hosts.a.vcc.primary-vcc0.port-range: expected a port range LOW-HIGH with"
        ' 0 < LOW <= HIGH <= 65535, got "5001-5000"',
    ),
    (
        "missing required key",
        'os = "11.4"\n',
        "",
        "f.toml:1: hosts.a: expected a key 'os' in this table",
    ),
]


def test_base_fleet_loads():
    fleet = load_fleet_text(BASE, "f.toml")
    host = fleet.hosts[0]
    assert [d.name for d in host.domains] == ["primary", "ldom01"]
    assert host.free_vcpus == 12


@pytest.mark.parametrize(("what", "old", "new", "message"), CASES, ids=[c[0] for c in CASES])
def test_toml_error_message(what, old, new, message):
    assert old in BASE
    with pytest.raises(InputError) as caught:
        load_fleet_text(BASE.replace(old, new, 1), "f.toml")
    assert str(caught.value) == message
    assert caught.value.exit_status == 2


def _json_text(toml_text):
    return json.dumps(tomllib.loads(toml_text), indent=2)


def _line_of(text, needle):
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


JSON_CASES = [c for c in CASES if "TOML" not in c[3]]


@pytest.mark.parametrize(
    ("what", "old", "new", "message"), JSON_CASES, ids=[c[0] for c in JSON_CASES]
)
def test_json_error_names_the_same_problem(what, old, new, message):
    """JSON gives the same message after the position (lines differ: JSON is laid out anew)."""
    text = _json_text(BASE.replace(old, new, 1))
    with pytest.raises(InputError) as caught:
        load_fleet_text(text, "f.json", json_format=True)
    error = caught.value
    assert error.source == "f.json"
    assert str(error).split(": ", 1)[1] == message.split(": ", 1)[1]
    key = error.path.split(".")[-1].split("[")[0]
    assert error.line is not None and f'"{key}"' in text.splitlines()[error.line - 1]


def test_json_unknown_key_is_located_exactly():
    text = _json_text(BASE.replace("vcpus = 4", 'vcpus = 4\ncolour = "red"'))
    with pytest.raises(InputError) as caught:
        load_fleet_text(text, "f.json", json_format=True)
    line = _line_of(text, '"colour"')
    assert str(caught.value) == (
        f"f.json:{line}: hosts.a.domains.ldom01.colour: expected one of the keys state,"
        " vcpus, whole-core, memory, strands, cpu-arch, os, vdisks, vnets, console, io,"
        ' migration, got "colour"'
    )


def test_json_duplicate_key_is_refused_with_its_line():
    text = _json_text(BASE).replace('"ldom01": {', '"ldom01": {},\n"ldom01": {', 1)
    with pytest.raises(InputError) as caught:
        load_fleet_text(text, "f.json", json_format=True)
    line = [n for n, t in enumerate(text.splitlines(), start=1) if '"ldom01"' in t][1]
    assert str(caught.value) == (
        f'f.json:{line}: hosts.a.domains.ldom01: expected each key once in an object, got "ldom01"'
    )


def test_json_duplicate_host_is_refused():
    text = '{"hosts": {"a": {}, "a": {}}}'
    with pytest.raises(InputError) as caught:
        load_fleet_text(text, "f.json", json_format=True)
    assert str(caught.value) == 'f.json:1: hosts.a: expected each key once in an object, got "a"'


def test_json_syntax_error_and_non_object():
    with pytest.raises(InputError) as caught:
        load_fleet_text('{"hosts": ', "f.json", json_format=True)
    assert str(caught.value) == "f.json:1:11: expected valid JSON (Expecting value)"
    with pytest.raises(InputError) as caught:
        load_fleet_text("[1]", "f.json", json_format=True)
    assert str(caught.value) == "f.json: expected a JSON object with a hosts table, got a list"


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(InputError) as caught:
        load_fleet(missing)
    assert str(caught.value) == (
        f"{missing}: expected an existing fleet file (.toml, .json) or folder of capture bundles"
    )


def test_touching_host_ranges_are_one_range():
    text = BASE.replace(
        'memory = [ { pa = 0x0, size = "16G" } ]',
        'memory = [ { pa = 0x0, size = "8G" }, { pa = 0x200000000, size = "8G" } ]',
    )
    host = load_fleet_text(text, "f.toml").hosts[0]
    assert len(host.memory) == 1 and host.memory[0].size == 16 << 30
