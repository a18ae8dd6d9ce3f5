"""The inventory value types: versions, sizes, processors, derived free resources, placement."""

import itertools

import pytest

from ldmspec.errors import InputError
from ldmspec.inventory import (
    Console,
    CpuArch,
    Domain,
    DomainState,
    Host,
    LdmVersion,
    MemoryBlock,
    MemoryRange,
    SolarisRelease,
    Vcc,
    format_size,
    load_fleet,
    parse_size,
    processor,
)
from ldmspec.inventory.placement import congruent_pa, place_domain_memory, place_host
from ldmspec.inventory.units import GIB, MIB


# --------------------------------------------------------------------------- versions
def test_solaris_releases_order_by_date_then_minor():
    spelled = ["10 9/10", "10 8/11", "10 1/13", "11.1", "11.2", "11.3", "11.4"]
    releases = [SolarisRelease.parse(s) for s in spelled]
    assert releases == sorted(releases)
    assert all(a < b for a, b in itertools.pairwise(releases))
    assert [str(r) for r in releases] == spelled


def test_solaris_10_older_update_orders_first_and_11_is_11_0():
    assert SolarisRelease.parse("10 10/09") < SolarisRelease.parse("10 9/10")
    assert SolarisRelease.parse("11") == SolarisRelease(11, 0)
    assert (
        SolarisRelease.parse("10 1/13") < SolarisRelease.parse("11") < SolarisRelease.parse("11.1")
    )
    assert SolarisRelease.parse("Solaris 11.4").is_solaris10 is False
    assert SolarisRelease.parse("10 8/11").is_solaris10 is True


@pytest.mark.parametrize("text", ["eleven", "10 13/10", "9.1", "", "11.4 beta"])
def test_bad_solaris_release_is_an_input_error(text):
    with pytest.raises(InputError) as caught:
        SolarisRelease.parse(text)
    assert str(caught.value) == (
        f'expected a Solaris release like "10 9/10", "10 1/13", "11.1" or "11.4", got "{text}"'
    )


def test_ldm_versions_order_numerically():
    spelled = ["2.1", "2.2", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6"]
    versions = [LdmVersion.parse(s) for s in spelled]
    assert all(a < b for a, b in itertools.pairwise(versions))
    assert LdmVersion.parse("3.6.1.0.8") > LdmVersion.parse("3.6")
    assert LdmVersion.parse("3.6.1.0.8").release == (3, 6)
    assert LdmVersion.parse(3.6) == LdmVersion.parse("3.6")  # unquoted in TOML


def test_ldm_adjacency_follows_the_release_sequence():
    v = LdmVersion.parse
    assert v("3.5").adjacent(v("3.6")) and v("3.6").adjacent(v("3.5"))
    assert v("3.6").adjacent(v("3.6.1"))
    assert v("2.2").adjacent(v("3.0"))  # 3.0 directly follows 2.2
    assert not v("3.4").adjacent(v("3.6"))
    assert not v("2.1").adjacent(v("3.0"))
    assert v("3.6").at_least(3, 0) and not v("2.2").at_least(3, 0)


@pytest.mark.parametrize("text", ["three", "3", "0.9", "v"])
def test_bad_ldm_version_is_an_input_error(text):
    with pytest.raises(InputError) as caught:
        LdmVersion.parse(text)
    assert str(caught.value) == (
        f'expected a Logical Domains Manager version like "2.1", "3.6" or "3.6.1.0.8", got "{text}"'
    )


# --------------------------------------------------------------------------- units
def test_sizes_parse_and_format_exactly():
    assert parse_size("512M") == 512 * MIB
    assert parse_size("8G") == 8 * GIB
    assert parse_size("1T") == 1024 * GIB
    assert parse_size("1073741824") == GIB
    assert parse_size(4096) == 4096
    assert format_size(1536 * MIB) == "1536M"
    assert format_size(16 * GIB) == "16G"
    assert format_size(1000) == "1000"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("eight", 'expected a size like 8G (K, M, G, T suffix, or bytes), got "eight"'),
        ("0G", 'expected a positive size like 8G, got "0G"'),
        (-4, "expected a positive size like 8G, got -4"),
        (True, "expected a size like 8G (K, M, G, T suffix, or bytes), got true"),
    ],
)
def test_bad_sizes(value, message):
    with pytest.raises(InputError) as caught:
        parse_size(value)
    assert str(caught.value) == message


def test_processor_questions():
    assert processor("sparc-t4").class1_capable
    assert not processor("SPARC-T3").class1_capable
    assert processor("UltraSPARC-T2+").t2_plus_or_later
    assert not processor("UltraSPARC-T2").t2_plus_or_later
    assert processor("SPARC64-X").sparc64_class1_capable
    assert not processor("SPARC64-X").class1_capable
    assert CpuArch.parse("migration-class1") is CpuArch.MIGRATION_CLASS1


# --------------------------------------------------------------------------- derived
SIXTEEN_G = (MemoryRange(0, 16 * GIB),)


def _host(domains, *, cores=4, tpc=8, memory=SIXTEEN_G):
    return Host(
        "h",
        processor("SPARC-T4"),
        2848,
        0x05F5E100,
        LdmVersion.parse("3.6"),
        SolarisRelease.parse("11.4"),
        cores,
        tpc,
        tuple(memory),
        2 * GIB,
        vcc=(Vcc("primary-vcc0", 5000, 5003),),
        domains=tuple(domains),
    )


def test_free_resources_are_derived_from_what_holders_hold():
    held = Domain(
        "a",
        vcpus=3,
        strands=(0, 1, 9),
        memory=(MemoryBlock(0x10000000, 0x0, 4 * GIB),),
        memory_size=4 * GIB,
        console=Console("primary-vcc0", 5001, "a"),
    )
    idle = Domain(
        "b",
        state=DomainState.INACTIVE,
        vcpus=8,
        strands=(16, 17),
        memory=(MemoryBlock(0x10000000, 8 * GIB, 2 * GIB),),
        memory_size=2 * GIB,
        console=Console("primary-vcc0", 5002, "b"),
    )
    host = _host([held, idle])
    assert host.strands == 32
    assert host.free_vcpus == 29
    assert host.free_cores == (2, 3)  # cores 0 and 1 each have a held strand
    assert host.free_memory == (MemoryRange(4 * GIB, 12 * GIB),)
    assert host.free_memory_size == 12 * GIB
    assert host.free_console_ports() == (5000, 5002, 5003)
    assert host.free_console_ports("primary-vcc0") == (5000, 5002, 5003)
    assert host.free_console_ports("other") == ()


def test_free_memory_is_split_by_holes_and_blocks():
    block = MemoryBlock(0x10000000, 2 * GIB, GIB)
    host = _host(
        [Domain("a", memory=(block,), memory_size=GIB, strands=(0,))],
        memory=(MemoryRange(0, 4 * GIB), MemoryRange(8 * GIB, 4 * GIB)),
    )
    assert host.free_memory == (
        MemoryRange(0, 2 * GIB),
        MemoryRange(3 * GIB, GIB),
        MemoryRange(8 * GIB, 4 * GIB),
    )


def test_example_fleet_free_resources():
    fleet = load_fleet("examples/fleet.toml")
    t4c = fleet.host("t4-c")
    assert t4c is not None
    assert (t4c.free_vcpus, t4c.free_cores, t4c.free_console_ports()) == (16, (6, 7), ())
    assert t4c.free_memory_size == 16 * GIB
    t5a = fleet.host("t5-a")
    assert t5a is not None
    app02 = t5a.domain("app02")
    assert app02 is not None and app02.strands == () and app02.memory == ()


# --------------------------------------------------------------------------- placement
def test_congruent_pa():
    assert congruent_pa(0, 0x10000000, 2 * GIB) == 0x10000000
    assert congruent_pa(3 * GIB, 0x10000000, 2 * GIB) == 4 * GIB + 0x10000000


def test_placement_is_congruent_and_splits_only_when_needed():
    blocks = place_domain_memory(4 * GIB, (MemoryRange(0, 16 * GIB),), 2 * GIB)
    assert blocks == (MemoryBlock(0x10000000, 0x10000000, 4 * GIB),)
    split = place_domain_memory(
        3 * GIB, (MemoryRange(0, 2 * GIB), MemoryRange(4 * GIB, 4 * GIB)), 256 * MIB
    )
    assert split is not None and sum(b.size for b in split) == 3 * GIB
    assert all((b.pa - b.ra) % (256 * MIB) == 0 for b in split)
    assert place_domain_memory(32 * GIB, (MemoryRange(0, 16 * GIB),), 2 * GIB) is None


def test_placement_is_deterministic_and_control_domain_first():
    guests = [
        Domain("g", vcpus=4, memory_size=2 * GIB),
        Domain("primary", vcpus=8, memory_size=GIB),
    ]
    first, problems = place_host(_host(guests))
    again, _ = place_host(_host(guests))
    assert problems == [] and first == again
    primary, guest = first.domain("primary"), first.domain("g")
    assert primary is not None and guest is not None
    assert primary.strands == tuple(range(8)) and guest.strands == (8, 9, 10, 11)
    assert primary.memory[0].pa < guest.memory[0].pa


def test_whole_core_domains_take_completely_free_cores():
    domains = [
        Domain("primary", vcpus=1, memory_size=GIB),
        Domain("w", vcpus=10, whole_core=True, memory_size=GIB),
    ]
    placed, problems = place_host(_host(domains))
    w = placed.domain("w")
    assert problems == [] and w is not None
    assert w.strands == tuple(range(8, 24))  # cores 1 and 2, whole
    assert placed.free_cores == (3,)


def test_placement_reports_what_does_not_fit():
    domains = [Domain("big", vcpus=40, memory_size=64 * GIB)]
    _, problems = place_host(_host(domains))
    assert problems == [("big", "vcpus"), ("big", "memory")]
