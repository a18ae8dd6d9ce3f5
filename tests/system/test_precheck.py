"""The implementation's own pre-check: every catalog requirement, with its applicability."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from ldmspec.models.preconditions import FORMULAS

from ldmspec.inventory import (
    CpuArch,
    DomainState,
    Fleet,
    Host,
    LdmVersion,
    SolarisRelease,
    load_fleet_text,
    processor,
)
from ldmspec.inventory.facts import IoDevice, MemoryBlock, MemoryRange
from ldmspec.requirements import CATALOG, Applies, requirement
from ldmspec.system.congruence import find_congruent_placement
from ldmspec.system.precheck import CHECKS, Migration, Problem, precheck

GIB = 2**30
Case = tuple[Host, Host, str, str | None]


def with_domain(host: Host, domain: str, **changes: object) -> Host:
    domains = tuple(replace(d, **changes) if d.name == domain else d for d in host.domains)
    return replace(host, domains=domains)


def ids(case: Case) -> list[str]:
    return [p.id for p in precheck(*case)]


def pair(fleet: Fleet, domain: str, source: str, target: str, **target_changes: object) -> Case:
    src, tgt = fleet.host(source), fleet.host(target)
    assert src is not None and tgt is not None
    return src, replace(tgt, **target_changes), domain, None


TWO_HOSTS = """
[hosts.src]
cpu = "SPARC-T4"
clock-mhz = 2848
stick-frequency = 0x05f5e100
ldm-version = "3.6"
os = "11.4"
cores = 4
threads-per-core = 8
memory = [ { pa = 0x0, size = "64G" } ]
largest-page = "2G"
[hosts.src.domains.guest]
vcpus = 4
memory = "12G"
os = "11.2"

[hosts.tgt]
cpu = "SPARC-T4"
clock-mhz = 2848
stick-frequency = 0x05f5e100
ldm-version = "3.6"
os = "11.4"
cores = 4
threads-per-core = 8
memory = [ { pa = 0x0, size = "8G" }, { pa = 0x400000000, size = "8G" } ]
largest-page = "2G"
"""


def fragmented() -> Case:
    fleet = load_fleet_text(TWO_HOSTS, "two-hosts.toml")
    return fleet.host("src"), fleet.host("tgt"), "guest", None  # type: ignore[return-value]


def spread_strands(fleet: Fleet) -> Case:
    """t4-b with 8 cores, web02's 4 strands on 4 cores: 36 free strands, 1 free core."""
    src, tgt, _, _ = pair(fleet, "ldom01", "t4-a", "t4-b", cores=8)
    tgt = with_domain(tgt, "web02", strands=(32, 40, 48, 56))
    src = with_domain(src, "ldom01", whole_core=True, vcpus=16)
    return src, tgt, "ldom01", None


S10_8_10 = SolarisRelease(10, 0, 2010, 8)

CASES: dict[str, Callable[[Fleet], Case]] = {
    "ST-1": lambda f: pair(f, "no-such-domain", "t4-a", "t4-b"),
    "ST-2": lambda f: pair(f, "primary", "t4-a", "t4-b"),
    "ST-3": lambda f: pair(f, "ldom01", "t4-a", "t4-a"),
    "SW-1": lambda f: pair(f, "ldom01", "t4-a", "t4-b", ldm_version=LdmVersion((2, 0))),
    "SW-2": lambda f: pair(f, "ldom02", "t4-a", "t5-a", ldm_version=LdmVersion((2, 1))),
    "SW-3": lambda f: pair(f, "ldom01", "t4-a", "t4-b", ldm_version=LdmVersion((3, 4))),
    "SW-4": lambda f: (with_domain(f.host("t4-a"), "ldom01", os=S10_8_10), f.host("t4-b"),  # type: ignore[arg-type]
                       "ldom01", None),
    "CPU-1": lambda f: (with_domain(f.host("t4-a"), "ldom01", vcpus=200), f.host("t4-b"),  # type: ignore[arg-type]
                        "ldom01", None),
    "CPU-2": lambda f: pair(f, "ldom03", "t4-a", "t5-a"),
    "CPU-3": lambda f: pair(f, "ldom03", "t4-a", "t4-c"),
    "CPU-4": lambda f: pair(f, "ldom01", "t4-a", "t5-a"),
    "CPU-5": lambda f: pair(f, "ldom02", "t4-a", "t2-old", cpu=processor("UltraSPARC-T2")),
    "CPU-6": lambda f: pair(f, "ldom02", "t4-a", "t5-a", os=SolarisRelease(10, 0, 2010, 9)),
    "CPU-7": lambda f: (with_domain(f.host("t4-a"), "ldom02", cpu_arch=CpuArch.MIGRATION_CLASS1),  # type: ignore[arg-type]
                        replace(f.host("t5-a"), cpu=processor("SPARC-T3")), "ldom02", None),  # type: ignore[arg-type]
    "CPU-8": spread_strands,
    "CPU-9": lambda f: (replace(f.host("t4-a"), cpu=processor("SPARC-T3")), f.host("t5-a"),  # type: ignore[arg-type]
                        "ldom02", None),
    "MEM-1": lambda f: pair(f, "ldom02", "t4-a", "t4-c"),
    "MEM-2": lambda f: fragmented(),
    # A bus blocks in every state (iodom's endpoint would not block it inactive).
    "IO-1": lambda f: (with_domain(f.host("t4-a"), "iodom", io=(IoDevice.parse("bus:pci@400"),)),  # type: ignore[arg-type]
                       f.host("t4-b"), "iodom", None),
    "VIO-1": lambda f: pair(f, "iodom", "t4-a", "t4-b"),
    "VIO-2": lambda f: pair(f, "web01", "t4-b", "m10-a"),
    "VIO-3": lambda f: pair(f, "web01", "t4-b", "m10-a"),
    "VIO-4": lambda f: pair(f, "ldom03", "t4-a", "t4-c"),
}  # fmt: skip


def test_every_catalog_requirement_has_a_case() -> None:
    assert set(CASES) == {r.id for r in CATALOG}


def test_every_catalog_id_has_an_implementation_on_both_sides() -> None:
    assert list(CHECKS) == [r.id for r in CATALOG] and set(FORMULAS) == set(CHECKS)


def test_a_check_yields_nothing_where_its_requirement_holds(fleet: Fleet) -> None:
    source, target = fleet.host("t4-a"), fleet.host("t4-b")
    assert source is not None and target is not None
    fine = Migration(source, target, source.domain("ldom01"))  # type: ignore[arg-type]
    assert {rid: list(check(fine)) for rid, check in CHECKS.items() if list(check(fine))} == {}


@pytest.mark.parametrize("rid", list(CASES))
def test_the_case_violates_its_requirement(fleet: Fleet, rid: str) -> None:
    assert rid in ids(CASES[rid](fleet))


def in_state(case: Case, state: DomainState) -> Case:
    source, target, domain, new_name = case
    return with_domain(source, domain, state=state), target, domain, new_name


@pytest.mark.parametrize("rid", [r for r in CASES if r != "ST-1"])
def test_requirements_apply_exactly_as_the_catalog_says(fleet: Fleet, rid: str) -> None:
    case = CASES[rid](fleet)
    applies = requirement(rid).applies
    assert (rid in ids(in_state(case, DomainState.BOUND))) is applies.covers(live=False, bound=True)
    assert (rid in ids(in_state(case, DomainState.INACTIVE))) is (applies is Applies.ALL)


def test_the_example_plans_give_the_expected_requirement_ids(fleet: Fleet) -> None:
    found = {
        (p.domain, p.target): ids((fleet.host(p.source), fleet.host(p.target), p.domain,  # type: ignore[arg-type]
                                   p.new_name))
        for p in fleet.plans
    }  # fmt: skip
    assert found == {
        ("ldom01", "t4-b"): [],
        ("ldom02", "t5-a"): [],
        ("ldom01", "t5-a"): ["CPU-4"],
        ("ldom03", "t4-c"): ["CPU-3", "VIO-4"],
        ("iodom", "t4-b"): ["IO-1", "VIO-1"],
        ("ldom02", "t4-c"): ["MEM-1", "MEM-2", "VIO-4"],
        ("web01", "m10-a"): ["CPU-4", "VIO-1", "VIO-2", "VIO-3"],
        ("web01", "t2-old"): ["SW-2", "SW-3", "CPU-4", "CPU-6"],
        ("web02", "t4-a"): [],
    }


def test_messages_name_the_requirement_and_the_observed_values(fleet: Fleet) -> None:
    assert precheck(*CASES["VIO-1"](fleet))[-1] == Problem(
        "VIO-1", "Volume iovol of service primary-vds0 is not available on target t4-b"
    )
    assert str(precheck(*CASES["MEM-2"](fleet))[0]) == (
        "MEM-2: Free memory layout and congruency requirements prevent binding the memory "
        "block with PA 0x10000000, RA 0x10000000, and size 12G"
    )
    assert str(precheck(*CASES["SW-3"](fleet))[0]) == (
        "SW-3: Logical Domains Manager versions are not compatible (t4-a 3.6, t4-b 3.4)"
    )
    assert str(precheck(*CASES["CPU-8"](fleet))[0]) == (
        "CPU-8: Target t4-b has 1 completely free cores, domain ldom01 needs 2"
    )


def test_fragmented_memory_passes_mem1_and_fails_mem2() -> None:
    assert ids(fragmented()) == ["MEM-2"]


def test_rename_avoids_a_name_clash(fleet: Fleet) -> None:
    source, target = fleet.host("t4-a"), fleet.host("t4-b")
    assert source is not None and target is not None
    clash = with_domain(target, "web01", name="ldom01")
    assert ids((source, clash, "ldom01", None)) == ["ST-3"]
    assert ids((source, clash, "ldom01", "ldom01-new")) == []


# --- MEM-2 placement search ---------------------------------------------------------------
def test_placement_keeps_real_addresses_and_congruence() -> None:
    blocks = (MemoryBlock(0x10000000, 0x10000000, 2 * GIB),)
    # 2G of free memory from 2G: the block needs PA ≡ 256M (mod 2G), which overruns it.
    assert find_congruent_placement(blocks, (MemoryRange(2 * GIB, 2 * GIB),), 2 * GIB) is None
    placed = find_congruent_placement(blocks, (MemoryRange(2 * GIB, 3 * GIB),), 2 * GIB)
    assert placed == (MemoryBlock(0x10000000, 2 * GIB + 0x10000000, 2 * GIB),)


def test_placement_backtracks_when_the_lowest_spot_blocks_another_block() -> None:
    # Two 1G blocks, RAs 0 and 1G (mod 4G). One free range [0, 2G): only 0 and 1G work.
    blocks = (MemoryBlock(1 * GIB, 1 * GIB, GIB), MemoryBlock(0, 0, GIB))
    placed = find_congruent_placement(blocks, (MemoryRange(0, 2 * GIB),), 4 * GIB)
    assert placed == (MemoryBlock(1 * GIB, 1 * GIB, GIB), MemoryBlock(0, 0, GIB))


def test_placement_never_overlaps_blocks() -> None:
    blocks = (MemoryBlock(0, 0, GIB), MemoryBlock(0, 0, GIB))
    assert find_congruent_placement(blocks, (MemoryRange(0, GIB),), GIB) is None
    two = find_congruent_placement(blocks, (MemoryRange(0, 2 * GIB),), GIB)
    assert two is not None and {b.pa for b in two} == {0, GIB}


def test_placement_finds_layouts_where_blocks_are_not_at_their_lowest_spots() -> None:
    # Found by comparing with an exhaustive search: the 12G range holds a 3G, the 6G and
    # another 3G block, and the 3G block tried first must not take the range's start.
    g = GIB
    sizes = ((0, 3), (4, 3), (7, 3), (10, 6))
    blocks = tuple(MemoryBlock(ra * g, ra * g, size * g) for ra, size in sizes)
    free = (MemoryRange(1 * g, 2 * g), MemoryRange(5 * g, 12 * g), MemoryRange(19 * g, 5 * g))
    placed = find_congruent_placement(blocks, free, 2 * g)
    assert placed is not None
    assert [(b.ra // g, b.pa // g) for b in placed] == [(0, 20), (4, 14), (7, 5), (10, 8)]
