"""The repair knows MEM-2 splitting: a Manager upgrade that lets an 11.3+ guest's blocks
split is a correction of MEM-2, cheaper than freeing memory."""

from __future__ import annotations

from pathlib import Path

import pytest
from solver_pairs import GUEST, guest, host

from ldmspec.inventory import Fleet, MemoryBlock, MemoryRange, load_fleet
from ldmspec.inventory.units import GIB
from ldmspec.solver import check_migration
from ldmspec.solver.repair_apply import apply_repair

# The guest's 20G (one block, at 256M modulo 2G) fits the target only split.
PAIR = """
[hosts.s]
cpu = "SPARC-T4"
clock-mhz = 2848
stick-frequency = 0x05f5e100
ldm-version = "{source_ldm}"
os = "11.4"
cores = 8
threads-per-core = 8
memory = [ {{ pa = 0x0, size = "64G" }} ]
largest-page = "2G"
[hosts.s.domains.guest]
vcpus = 8
memory = "20G"
os = "{guest_os}"

[hosts.t]
cpu = "SPARC-T4"
clock-mhz = 2848
stick-frequency = 0x05f5e100
ldm-version = "{target_ldm}"
os = "11.4"
cores = 8
threads-per-core = 8
memory = [ {{ pa = 0x0, size = "56G" }} ]
largest-page = "2G"
[hosts.t.domains.primary]
vcpus = 8
memory = [ {{ ra = 0x0, pa = 0x0, size = "8G" }},
           {{ ra = 0x200000000, pa = {second}, size = "16G" }} ]
{filler}
"""

# The control domain holds [0, 8G) and [24G, 40G) of 56G: two free 16G ranges, nothing
# any change frees.
CONTROL_ONLY = {"second": "0x600000000", "filler": ""}
# The control domain holds [0, 8G) and [40G, 56G); a bound guest holds [20G, 24G) of the
# 32G between: 12G and 16G free. Unbinding it (10) fixes MEM-2 too; shrinking it (4) does
# not (it keeps the start of its block).
WITH_FILLER = {
    "second": "0xa00000000",
    "filler": """
[hosts.t.domains.filler]
state = "bound"
vcpus = 1
memory = [ { ra = 0x10000000, pa = 0x500000000, size = "4G" } ]
""",
}


def _fleet(tmp_path: Path, source_ldm: str, target_ldm: str, layout: dict[str, str],
           guest_os: str = "11.4"):  # fmt: skip
    path = tmp_path / "pair.toml"
    path.write_text(PAIR.format(source_ldm=source_ldm, target_ldm=target_ldm,
                                guest_os=guest_os, **layout))  # fmt: skip
    return load_fleet(str(path))


@pytest.mark.parametrize("layout", [CONTROL_ONLY, WITH_FILLER])
def test_the_pair_fits_only_split(tmp_path, layout):
    fleet = _fleet(tmp_path, "3.6", "3.6", layout)
    assert check_migration(fleet, "guest", "s", "t").status == "feasible"
    verdict = check_migration(_fleet(tmp_path, "3.6", "3.5", layout), "guest", "s", "t")
    assert verdict.violated_ids == ("MEM-2",)


@pytest.mark.parametrize(
    ("source_ldm", "target_ldm", "upgrade"),
    [
        ("3.6", "3.5", "upgrade the Logical Domains Manager on t from 3.5 to 3.6"),
        ("3.5", "3.6", "upgrade the Logical Domains Manager on s from 3.5 to 3.6"),
    ],
)
@pytest.mark.parametrize("layout", [CONTROL_ONLY, WITH_FILLER])
def test_upgrading_a_manager_to_3_6_repairs_mem2_by_splitting(
    tmp_path, source_ldm, target_ldm, upgrade, layout
):
    fleet = _fleet(tmp_path, source_ldm, target_ldm, layout)
    verdict = check_migration(fleet, "guest", "s", "t", repair=True)
    assert verdict.violated_ids == ("MEM-2",)
    repair = verdict.repair
    assert repair is not None
    assert (repair.status, repair.cost, repair.note) == ("found", 5, "")
    assert [c.description for c in repair.changes] == [upgrade]
    after = check_migration(apply_repair(fleet, verdict), "guest", "s", "t")
    assert after.status == "feasible"


def test_a_guest_older_than_11_3_is_repaired_by_freeing_memory(tmp_path):
    fleet = _fleet(tmp_path, "3.6", "3.5", WITH_FILLER, guest_os="11.2")
    verdict = check_migration(fleet, "guest", "s", "t", repair=True)
    assert verdict.violated_ids == ("MEM-2",)
    repair = verdict.repair
    assert repair is not None
    assert (repair.status, repair.cost) == ("found", 10)
    assert [c.description for c in repair.changes] == [
        "stop and unbind filler (frees 1 vCPUs, 4G memory)"
    ]
    assert check_migration(apply_repair(fleet, verdict), "guest", "s", "t").status == "feasible"


def test_without_anything_to_free_an_old_guest_keeps_mem2_unrepairable(tmp_path):
    fleet = _fleet(tmp_path, "3.6", "3.5", CONTROL_ONLY, guest_os="11.2")
    verdict = check_migration(fleet, "guest", "s", "t", repair=True)
    repair = verdict.repair
    assert repair is not None
    assert (repair.status, repair.changes) == ("none", ())
    assert repair.unrepairable == ("MEM-2: no admissible change satisfies it on t",)


def test_blocks_of_different_alignments_are_repaired_whole_with_a_note():
    # Two 4G blocks of an 11.4 guest, aligned 256M and 0 modulo 2G (as in the check's
    # conservative case): the repair keeps them whole, as the check does, and says so.
    ra = 0x10000000
    memory = (MemoryBlock(ra, 20 * GIB + ra, 4 * GIB), MemoryBlock(8 * GIB, 24 * GIB, 4 * GIB))
    src = host("s", guest(memory=memory, memory_size=8 * GIB))
    ranges = (MemoryRange(0, 8 * GIB), MemoryRange(9 * GIB, 3 * GIB),
              MemoryRange(13 * GIB, 3 * GIB))  # fmt: skip
    verdict = check_migration(Fleet((src, host("t", memory=ranges))), GUEST, "s", "t", repair=True)
    assert verdict.violated_ids == ("MEM-2",)
    assert verdict.repair is not None
    assert verdict.repair.note == (
        "MEM-2 repaired keeping blocks whole (its blocks have different alignments, "
        "splitting is not modelled): the Manager may need less"
    )
