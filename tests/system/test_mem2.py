"""MEM-2 as the implementation does it: alignment preserved, blocks split where the
Managers and the guest allow, and a placement search that can answer "undecided"."""

from __future__ import annotations

import importlib
import itertools
from dataclasses import replace

import pytest

from ldmspec.inventory.facts import MemoryBlock, MemoryRange
from ldmspec.inventory.loader import load_fleet_text
from ldmspec.system.congruence import (
    PlacementSearch,
    fits_split,
    place_split,
    search_congruent_placement,
)
from ldmspec.system.datacenter import Datacenter
from ldmspec.system.precheck import Problem, precheck, verdict_of

GIB = 2**30

SPLIT_PAIR = """
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
os = "11.4"
memory = [ { ra = 0x80000000, pa = 0x400000000, size = "8G" } ]

[hosts.tgt]
cpu = "SPARC-T4"
clock-mhz = 2848
stick-frequency = 0x05f5e100
ldm-version = "3.6"
os = "11.4"
cores = 4
threads-per-core = 8
memory = [ { pa = 0x0, size = "6G" }, { pa = 0x200000000, size = "6G" } ]
largest-page = "2G"
"""
# The same guest at Solaris 11.1: no splitting.
OLD_GUEST = SPLIT_PAIR.replace('os = "11.4"\nmemory = [ { ra', 'os = "11.1"\nmemory = [ { ra')


def test_a_guest_that_fits_only_split_is_accepted_and_bound_in_pieces() -> None:
    fleet = load_fleet_text(SPLIT_PAIR, "split.toml")
    source, target = fleet.host("src"), fleet.host("tgt")
    assert source is not None and target is not None
    assert precheck(source, target, "guest") == ()
    dc = Datacenter.from_fleet(fleet, seed=1)
    assert dc.run_ldm("src", "migrate guest root@tgt").status == 0
    dc.run_until_quiescent()
    assert dc.observe().migrations[0].outcome == "completed"
    moved = dc.observe().host("tgt").domain("guest")
    assert moved is not None and len(moved.blocks) > 1
    assert sum(b.size for b in moved.blocks) == 8 * GIB
    assert all(b.size <= 2 * GIB and b.pa % (2 * GIB) == 0x400000000 % (2 * GIB)
               for b in moved.blocks)  # fmt: skip
    assert sorted(b.ra for b in moved.blocks) == [0x80000000 + k * 2 * GIB for k in range(4)]


def test_an_older_guest_is_not_split() -> None:
    fleet = load_fleet_text(OLD_GUEST, "old-guest.toml")
    source, target = fleet.host("src"), fleet.host("tgt")
    assert source is not None and target is not None
    assert [p.id for p in precheck(source, target, "guest")] == ["MEM-2"]


def test_place_split_places_exactly_what_fits_split_counts() -> None:
    page = 4
    blocks = (MemoryBlock(0, 1, 9), MemoryBlock(16, 5, 3))
    for free in (
        (MemoryRange(0, 6), MemoryRange(8, 6), MemoryRange(20, 7)),
        (MemoryRange(0, 3), MemoryRange(9, 4)),
        (MemoryRange(1, 12),),
    ):
        placed = place_split(blocks, free, page)
        assert (placed is not None) is fits_split(blocks, free, page)
        if placed is not None:
            assert sum(b.size for b in placed) == 12
            for b in placed:
                assert b.pa % page == 1 and any(r.pa <= b.pa and b.end_pa <= r.end for r in free)
            spans = sorted((b.pa, b.end_pa) for b in placed)
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_the_placement_search_says_when_it_ran_out_of_budget() -> None:
    blocks = tuple(MemoryBlock(k * 8, k * 8, 2) for k in range(4))
    free = (MemoryRange(0, 3), MemoryRange(8, 3), MemoryRange(16, 3))  # one block too many
    assert search_congruent_placement(blocks, free, 2) == PlacementSearch(None, exhausted=False)
    assert search_congruent_placement(blocks, free, 2, budget=1).exhausted


def test_an_undecided_mem2_makes_the_pre_check_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = load_fleet_text(OLD_GUEST, "old-guest.toml")
    source, target = fleet.host("src"), fleet.host("tgt")
    assert source is not None and target is not None
    # The module, not the function the ldmspec.system package exports under its name.
    precheck_module = importlib.import_module("ldmspec.system.precheck")
    monkeypatch.setattr(
        precheck_module, "search_congruent_placement", lambda *a: PlacementSearch(None, True)
    )
    (problem,) = precheck(source, replace(target), "guest")
    assert (problem.id, problem.undecided) == ("MEM-2", True)
    assert problem.message.startswith("Could not decide within 20000 steps whether")
    assert verdict_of((problem,)) == "unknown"
    assert verdict_of((problem, Problem("CPU-1", "x"))) == "infeasible"
    assert verdict_of(()) == "feasible"
