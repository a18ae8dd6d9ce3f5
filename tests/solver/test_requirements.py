"""Every requirement id: a pair that violates it reports exactly the ids it should."""

from __future__ import annotations

from dataclasses import replace

import pytest
from ldmspec.models.memory_fit import find_placement
from solver_pairs import GENERIC, GUEST, S10, filler, guest, host, processor

from ldmspec.inventory import (
    Console,
    CpuArch,
    Fleet,
    IoDevice,
    IoKind,
    LdmVersion,
    MemoryBlock,
    MemoryRange,
    MigrationFlag,
    SolarisRelease,
    Vcc,
)
from ldmspec.inventory.units import GIB
from ldmspec.requirements import CATALOG
from ldmspec.solver import check_migration
from ldmspec.solver.repair_apply import apply_repair


def make(domain=None, *, src=None, dst=None, dst_domains=()) -> Fleet:
    source = host("s", domain or guest(), **(src or {}))
    target = host("t", *dst_domains, **(dst or {}))
    return Fleet((source, target))


def v(text: str) -> dict:
    return {"ldm_version": LdmVersion.parse(text)}


T5 = {"cpu": processor("SPARC-T5")}
OS10_CONTROL = {"os": SolarisRelease.parse("10 9/10")}
# One strand held in every core: plenty of free vCPUs, not one completely free core.
ONE_STRAND_PER_CORE = filler("spread", vcpus=8, strands=tuple(c * 8 + 7 for c in range(8)))
RA = 0x10000000
S11_2 = SolarisRelease.parse("11.2")

# id -> (fleet, check options, the exact violated ids)
CASES: dict[str, tuple[Fleet, dict, tuple[str, ...]]] = {
    "ST-1": (make(guest(migration=MigrationFlag.ERROR)), {}, ("ST-1",)),
    "ST-2": (make(), {"domain": "primary", "new_name": "moved"}, ("ST-2",)),
    "ST-3": (make(dst_domains=(filler(GUEST, state=guest().state.INACTIVE),)), {}, ("ST-3",)),
    "SW-1": (make(src=v("2.0"), dst=v("2.0")), {}, ("SW-1",)),
    "SW-2": (make(guest(cpu_arch=GENERIC), src=v("2.1"), dst={**v("2.1"), **T5}), {}, ("SW-2",)),
    "SW-3": (make(dst=v("3.4")), {}, ("SW-3",)),
    "SW-4": (make(guest(os=SolarisRelease.parse("10 10/09"))), {}, ("SW-4",)),
    "CPU-1": (make(dst_domains=(filler("big", vcpus=52),)), {}, ("CPU-1",)),
    # A Solaris 10 guest across processor types always violates CPU-6 too.
    "CPU-2": (make(guest(os=S10, cpu_arch=GENERIC), dst=T5), {}, ("CPU-2", "CPU-6")),
    "CPU-3": (make(guest(os=S10), dst={"stick_frequency": 0x05F4BC08}), {}, ("CPU-3",)),
    "CPU-4": (make(dst=T5), {}, ("CPU-4",)),
    "CPU-5": (
        make(guest(cpu_arch=GENERIC), dst={"cpu": processor("UltraSPARC-T2")}),
        {},
        ("CPU-5",),
    ),
    "CPU-6": (make(guest(cpu_arch=GENERIC), dst={**T5, **OS10_CONTROL}), {}, ("CPU-6",)),
    "CPU-7": (
        make(
            guest(cpu_arch=CpuArch.MIGRATION_CLASS1),
            src={"cpu": processor("SPARC-T3")},
            dst={"cpu": processor("SPARC-T3")},
        ),
        {},
        ("CPU-7",),
    ),
    "CPU-8": (make(guest(whole_core=True), dst_domains=(ONE_STRAND_PER_CORE,)), {}, ("CPU-8",)),
    # Cross-CPU generic Solaris 11 between an UltraSPARC T2+ and a SPARC T5: only CPU-9.
    "CPU-9": (
        make(guest(cpu_arch=GENERIC), src={"cpu": processor("UltraSPARC-T2+")}, dst=T5),
        {},
        ("CPU-9",),
    ),
    # Less free memory than the domain has can never be placed either.
    "MEM-1": (make(dst_domains=(filler("big", memory_size=56 * GIB),)), {}, ("MEM-1", "MEM-2")),
    # 10G free in three ranges, none of them 8G long; a Solaris 11.2 guest: no splitting.
    "MEM-2": (
        make(
            guest(os=S11_2),
            dst={"memory": (MemoryRange(0, 16 * GIB),)},
            dst_domains=(
                filler(
                    "mid", memory=(MemoryBlock(RA, 10 * GIB + RA, 2 * GIB),), memory_size=2 * GIB
                ),
            ),
        ),
        {},
        ("MEM-2",),
    ),
    "IO-1": (make(guest(io=(IoDevice(IoKind.ENDPOINT, "pci@400/pci@1"),))), {}, ("IO-1",)),
    "VIO-1": (make(dst={"vds": ()}), {}, ("VIO-1",)),
    "VIO-2": (make(dst={"vsw": ()}), {}, ("VIO-2",)),
    "VIO-3": (make(dst={"vcc": ()}), {}, ("VIO-3",)),
    "VIO-4": (
        make(
            dst={"vcc": (Vcc("primary-vcc0", 5000, 5000),)},
            dst_domains=(filler("con", console=Console("primary-vcc0", 5000, "con")),),
        ),
        {},
        ("VIO-4",),
    ),
}


def run(fleet: Fleet, options: dict, **more):
    options = dict(options)
    domain = options.pop("domain", GUEST)
    return check_migration(fleet, domain, "s", "t", **options, **more)


def test_every_catalog_id_has_a_case():
    assert sorted(CASES) == sorted(r.id for r in CATALOG)


def test_the_base_pair_is_feasible_with_a_witness():
    verdict = run(make(), {})
    assert verdict.status == "feasible"
    assert verdict.violations == ()
    assert verdict.witness is not None
    (block,) = verdict.witness.blocks
    assert block.ra == 0x10000000 and block.size == 8 * GIB
    assert block.pa % (2 * GIB) == block.ra % (2 * GIB)
    free = make().host("t").free_memory
    assert any(r.pa <= block.pa and block.pa + block.size <= r.end for r in free)
    assert len(verdict.witness.strands) == 8
    assert set(verdict.witness.strands).isdisjoint(make().host("t").used_strands)


@pytest.mark.parametrize("rid", sorted(CASES))
def test_each_requirement_is_reported_exactly(rid):
    fleet, options, expected = CASES[rid]
    verdict = run(fleet, options)
    assert verdict.status == "infeasible"
    assert verdict.violated_ids == expected
    assert verdict.witness is None
    row = {r.id: r for r in verdict.rows}[rid]
    assert row.status == "violated"
    assert row.observed and row.fix


def test_a_pair_that_violates_several_requirements_reports_all():
    fleet = make(
        guest(os=S10, whole_core=True),
        dst={**T5, **v("3.4"), "vcc": (), "vsw": (), "stick_frequency": 1},
        dst_domains=(filler("big", vcpus=54, memory_size=58 * GIB),),
    )
    verdict = run(fleet, {})
    assert verdict.violated_ids == (
        "SW-3", "CPU-1", "CPU-2", "CPU-3", "CPU-4", "CPU-6", "CPU-8",
        "MEM-1", "MEM-2", "VIO-2", "VIO-3",
    )  # fmt: skip


def test_observed_values_name_the_numbers():
    fleet, options, _ = CASES["MEM-1"]
    (mem1, _) = run(fleet, options).violations
    assert mem1.observed == "t free memory 4G, g1 needs 8G"
    fleet, options, _ = CASES["CPU-1"]
    assert run(fleet, options).violations[0].observed == "t has 4 free vCPUs, g1 needs 8"
    fleet, options, _ = CASES["VIO-1"]
    assert run(fleet, options).violations[0].fix == (
        "ldm add-vdsdev /dev/dsk/c1t1d0s2 vol1@primary-vds0 on t"
    )


def test_cold_migration_checks_only_what_applies():
    bound = guest(state=guest().state.BOUND, os=SolarisRelease.parse("10 10/09"))
    verdict = run(make(bound, dst={**T5, "vcc": ()}), {})
    assert verdict.status == "feasible"
    assert set(verdict.not_applicable) >= {"SW-1", "SW-4", "CPU-4", "VIO-3", "VIO-4"}
    inactive = guest(state=guest().state.INACTIVE)
    verdict = run(make(inactive, dst={"vds": (), "vsw": ()}), {})
    assert verdict.status == "feasible"
    assert verdict.holds == ("ST-1", "ST-2", "ST-3", "IO-1")


def test_cross_cpu_requirements_are_not_applicable_on_the_same_processor():
    verdict = run(make(), {})
    assert {"SW-2", "CPU-4", "CPU-5", "CPU-6"} <= set(verdict.not_applicable)


def test_renaming_on_migration_avoids_the_name_clash():
    fleet, _, _ = CASES["ST-3"]
    verdict = run(fleet, {"new_name": "g1-new"})
    assert verdict.status == "feasible" and verdict.target_name == "g1-new"


def test_an_exhausted_budget_is_unknown_never_a_verdict():
    fleet, options, _ = CASES["MEM-2"]
    verdict = run(fleet, options, rlimit=1)
    assert verdict.status == "unknown"
    assert verdict.violations == () and verdict.witness is None
    assert verdict.exit_status == 3
    assert {r.status for r in verdict.rows} <= {"unknown", "n/a"}


REPAIRABLE = [
    rid
    for rid in sorted(CASES)
    if rid not in {"ST-1", "ST-2", "ST-3", "SW-4", "CPU-2", "CPU-3", "CPU-5", "CPU-6", "CPU-9"}
]


@pytest.mark.parametrize("rid", REPAIRABLE)
def test_the_repair_applied_to_the_fleet_makes_it_feasible(rid):
    fleet, options, _ = CASES[rid]
    verdict = run(fleet, options, repair=True)
    assert verdict.repair is not None and verdict.repair.status == "found"
    assert verdict.repair.changes
    repaired = apply_repair(fleet, verdict)
    assert run(repaired, options).status == "feasible"


@pytest.mark.parametrize(
    "rid", ["ST-1", "ST-2", "ST-3", "SW-4", "CPU-3", "CPU-5", "CPU-6", "CPU-9"]
)
def test_what_cannot_be_repaired_says_so(rid):
    fleet, options, expected = CASES[rid]
    repair = run(fleet, options, repair=True).repair
    assert repair is not None and repair.status == "none"
    assert repair.changes == ()
    assert [u.split(":")[0] for u in repair.unrepairable] == list(expected)


def test_a_partial_repair_fixes_the_rest():
    fleet = make(guest(os=S10), dst={"stick_frequency": 1, "vsw": ()})
    verdict = run(fleet, {}, repair=True)
    assert verdict.violated_ids == ("CPU-3", "VIO-2")
    repair = verdict.repair
    assert repair is not None and repair.status == "partial"
    assert [c.commands for c in repair.changes] == [
        ("ldm add-vsw net-dev=net0 primary-vsw0 primary",)
    ]
    assert run(apply_repair(fleet, verdict), {}).violated_ids == ("CPU-3",)


def test_the_repair_is_the_cheapest():
    fleet, options, _ = CASES["VIO-4"]
    repair = run(fleet, options, repair=True).repair
    assert repair is not None
    # Widening the vcc (1) beats stopping the domain that holds the port (10).
    assert [(c.kind, c.commands) for c in repair.changes] == [
        ("set-vcc", ("ldm set-vcc port-range=5000-5001 primary-vcc0",))
    ]
    assert repair.cost == 1


def test_memory_repair_takes_the_least_memory_that_leaves_a_congruent_range():
    fleet, options, _ = CASES["MEM-1"]
    verdict = run(fleet, options, repair=True)
    assert verdict.repair is not None
    # big ends at 60.25G; 6G less ends it at 54.25G, and 54.25G + 8G fits below 64G.
    assert [(c.kind, c.commands) for c in verdict.repair.changes] == [
        ("remove-memory", ("ldm remove-memory 6G big",))
    ]
    after = run(apply_repair(fleet, verdict), options)
    assert after.status == "feasible" and after.witness is not None


def test_vcpus_are_removed_and_removing_a_domains_last_strand_frees_its_core():
    fleet, options, _ = CASES["CPU-1"]
    repair = run(fleet, options, repair=True).repair
    assert repair is not None
    assert [c.commands for c in repair.changes] == [("ldm remove-vcpu 4 big",)]
    # spread holds one strand in each core; removing one vCPU gives back its last strand
    # (63), so core 7 is completely free: cheaper than unbinding spread.
    fleet, options, _ = CASES["CPU-8"]
    repair = run(fleet, options, repair=True).repair
    assert repair is not None
    assert [c.commands for c in repair.changes] == [("ldm remove-vcpu 1 spread",)]
    assert run(apply_repair(fleet, run(fleet, options, repair=True)), options).feasible


def test_upgrades_are_chosen_for_manager_versions():
    fleet, options, _ = CASES["SW-3"]
    verdict = run(fleet, options, repair=True)
    assert verdict.repair is not None
    (change,) = verdict.repair.changes
    assert change.kind == "upgrade" and change.host == "t"
    assert change.description == "upgrade the Logical Domains Manager on t from 3.4 to 3.5"


def test_congruence_is_required_not_just_room():
    # The control domain fills 0.25G-4.25G; 8.5G are free from 5G: room for 8G, but the
    # first PA congruent to RA 256M modulo 2G is 6.25G, and 6.25G + 8G passes 13.5G.
    memory = (MemoryRange(0, 4 * GIB + RA), MemoryRange(5 * GIB, 8 * GIB + GIB // 2))
    fleet = make(guest(os=S11_2), dst={"memory": memory})
    dst = fleet.host("t")
    assert dst is not None and dst.free_memory_size >= 8 * GIB
    assert run(fleet, {}).violated_ids == ("MEM-2",)
    small_pages = make(guest(os=S11_2), dst={"memory": memory, "largest_page": 256 * 2**20})
    verdict = run(small_pages, {})
    assert verdict.status == "feasible"
    assert verdict.witness is not None
    assert 5 * GIB <= verdict.witness.blocks[0].pa <= 5 * GIB + GIB // 2


def test_witness_places_several_blocks_apart():
    blocks = guest()
    fleet = make(blocks)
    src = fleet.host("s")
    dom = src.domain(GUEST)
    assert dom is not None
    # Split the guest into two blocks with distinct RAs.
    (a,) = dom.memory
    two = (replace(a, size=4 * GIB), replace(a, ra=a.ra + 4 * GIB, pa=a.pa + 4 * GIB, size=4 * GIB))
    src = replace(
        src, domains=tuple(replace(d, memory=two) if d.name == GUEST else d for d in src.domains)
    )
    fleet = Fleet((src, fleet.host("t")))
    verdict = run(fleet, {})
    assert verdict.witness is not None
    x, y = verdict.witness.blocks
    assert x.pa + x.size <= y.pa or y.pa + y.size <= x.pa
    assert (x.ra, y.ra) == (a.ra, a.ra + 4 * GIB)


def _mem2_layout(os: SolarisRelease, **dst) -> Fleet:
    fleet, _, _ = CASES["MEM-2"]
    mid = fleet.host("t").domain("mid")
    return make(
        guest(os=os), dst={"memory": (MemoryRange(0, 16 * GIB),), **dst}, dst_domains=(mid,)
    )


def test_an_11_4_guest_whose_memory_fits_only_split_is_feasible_with_the_split_witness():
    fleet = _mem2_layout(SolarisRelease(11, 4))
    verdict = run(fleet, {})
    assert verdict.status == "feasible", verdict.violations
    assert verdict.witness is not None
    (source_block,) = fleet.host("s").domain(GUEST).memory
    pieces = verdict.witness.blocks
    # 6G at the first congruent cell of the 6G range, then 2G in the 3.75G range.
    assert [(p.ra, p.pa, p.size) for p in pieces] == [
        (RA, 4 * GIB + RA, 6 * GIB),
        (RA + 6 * GIB, 12 * GIB + RA, 2 * GIB),
    ]
    for p in pieces:
        assert (p.pa - source_block.pa) % (2 * GIB) == 0
        assert (p.ra - source_block.ra) % (2 * GIB) == 0


def test_splitting_needs_solaris_11_3_and_managers_3_6_on_both_sides():
    assert run(_mem2_layout(SolarisRelease(11, 3)), {}).status == "feasible"
    assert run(_mem2_layout(S11_2), {}).violated_ids == ("MEM-2",)
    assert run(_mem2_layout(SolarisRelease(11, 4), **v("3.5")), {}).violated_ids == ("MEM-2",)


def test_alignment_is_the_source_pa_not_the_ra():
    # RA 256M at PA 1G on the source, 2G pages: on the target the block needs a PA of 1G
    # modulo 2G. [256M, 2.5G) holds it at PA 256M (its RA's class) but not at 1G.
    free = (MemoryRange(RA, 2 * GIB + GIB // 4),)
    assert find_placement([(RA, GIB, 2 * GIB)], free, 2 * GIB) is None
    assert find_placement([(RA, RA, 2 * GIB)], free, 2 * GIB) == ((RA, RA, 2 * GIB),)
    wider = (MemoryRange(RA, 3 * GIB - RA),)
    assert find_placement([(RA, GIB, 2 * GIB)], wider, 2 * GIB) == ((RA, GIB, 2 * GIB),)


def test_splitting_is_not_modelled_for_blocks_of_different_alignments_and_check_says_so():
    blocks = [(RA, RA, 2 * GIB), (4 * GIB, 4 * GIB, 2 * GIB)]  # alignments 256M and 0
    free = (MemoryRange(0, GIB), MemoryRange(2 * GIB, GIB), MemoryRange(8 * GIB, 3 * GIB))
    assert find_placement(blocks, free, 2 * GIB, split=True) is None
