"""``ldmspec evacuate``: plans verified by z3, proofs of impossibility, the CLI contract."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ldmspec.models.preconditions import domain_side

from ldmspec import cli
from ldmspec.commands.evacuate import render
from ldmspec.inventory import load_fleet
from ldmspec.inventory.facts import Fleet, IoDevice, IoKind, MemoryBlock, MemoryRange
from ldmspec.solver import check_migration
from ldmspec.solver.evacuate import evacuate
from ldmspec.solver.evacuation import Evacuation
from ldmspec.solver.evacuation_search import OFFERED
from ldmspec.solver.moves import (
    DomainFacts,
    host_facts,
    layout_memory,
    may_accept,
    move_domain,
    schedule_waves,
)
from ldmspec.solver.placement import Bin, Item, PlacementProblem, solve_placement
from ldmspec.testing.big_fleets import SOURCE, evacuation_fleet
from ldmspec.testing.sizing import examples
from ldmspec.testing.strategies import CATALOG_BOUNDARIES, fleets, host_pairs

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"
WEB02_LINE = 'web02 = "/dev/dsk/c2t1d0s2"       # shared LUN: web02 can come over from t4-b\n'


def example_with_web01_on_t4a(tmp_path: Path) -> Path:
    """The example fleet with web01's LUN also exported on t4-a: t4-b can be emptied."""
    text = EXAMPLE.read_text()
    assert WEB02_LINE in text
    path = tmp_path / "fleet.toml"
    path.write_text(text.replace(WEB02_LINE, WEB02_LINE + 'web01 = "/dev/dsk/c2t2d0s2"\n'))
    return path


def ldmspec(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(["evacuate", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_consistent(fleet: Fleet) -> None:
    """No strand, memory or console port is held twice on any host (INV-CONSERVATION)."""
    for host in fleet.hosts:
        strands = [s for d in host.holders() for s in d.strands]
        assert len(strands) == len(set(strands)), host.name
        assert all(0 <= s < host.strands for s in strands)
        blocks = sorted(b.physical for d in host.holders() for b in d.memory)
        for a, b in itertools.pairwise(blocks):
            assert a.end <= b.pa, host.name
        for b in blocks:
            assert any(r.pa <= b.pa and b.end <= r.end for r in host.memory)
        ports = [(d.console.vcc, d.console.port) for d in host.holders() if d.console]
        assert len(ports) == len(set(ports)), host.name


# --------------------------------------------------------------------------------------
# The example fleet
# --------------------------------------------------------------------------------------
def test_t4a_is_impossible_because_of_the_io_domain():
    fleet = load_fleet(str(EXAMPLE))
    result = evacuate(fleet, "t4-a")
    assert result.verdict == "impossible"
    assert result.exit_status == 1
    assert [b.domain for b in result.blocking] == ["iodom"]
    iodom = result.blocking[0]
    assert iodom.why == "I/O domain (direct I/O endpoint:/SYS/MB/PCIE1): cannot migrate"
    assert [r.target for r in iodom.reasons] == ["m10-a", "t2-old", "t4-b", "t4-c", "t5-a"]
    for r in iodom.reasons:
        assert "IO-1" in r.ids
        assert len(r.observed) == len(r.ids)
    t4b = next(r for r in iodom.reasons if r.target == "t4-b")
    assert t4b.ids == ("IO-1", "VIO-1")
    assert t4b.observed == (
        "direct I/O endpoint:/SYS/MB/PCIE1",
        "missing on t4-b: iovol@primary-vds0",
    )
    # The other guests could move: the I/O domain alone makes it impossible.
    assert result.conflict is None
    assert [s.domain for s in result.staying] == ["primary"]


def test_t4b_is_impossible_in_the_example_fleet_web01_has_no_volume_elsewhere():
    result = evacuate(load_fleet(str(EXAMPLE)), "t4-b")
    assert result.verdict == "impossible"
    (web01,) = result.blocking
    assert web01.domain == "web01"
    assert web01.why == "no other host can take it"
    assert {r.target: r.ids for r in web01.reasons}["t4-a"] == ("VIO-1",)


def test_inactive_domain_moves_cold_and_only_the_active_one_blocks():
    result = evacuate(load_fleet(str(EXAMPLE)), "t5-a")
    assert result.verdict == "impossible"
    assert [b.domain for b in result.blocking] == ["app01"]


def test_t4b_plan_when_t4a_exports_web01(tmp_path):
    fleet = load_fleet(str(example_with_web01_on_t4a(tmp_path)))
    result = evacuate(fleet, "t4-b")
    assert result.verdict == "plan" and result.verified and result.exit_status == 0
    assert [[(m.domain, m.target) for m in w] for w in result.waves] == [
        [("web01", "t4-a")],
        [("web02", "t4-a")],
    ]
    assert [m.command for m in result.moves] == [
        "ldm migrate-domain web01 root@t4-a",
        "ldm migrate-domain web02 root@t4-a",
    ]
    after = result.after
    assert after is not None
    assert [d.name for d in after.host("t4-b").domains] == ["primary"]
    t4a = after.host("t4-a")
    web01, web02 = t4a.domain("web01"), t4a.domain("web02")
    assert web01.strands == tuple(range(56, 64)) and web02.strands == tuple(range(64, 68))
    assert web01.console.port == 5003 and web02.console.port == 5004
    assert web02.state.value == "bound"
    assert_consistent(after)


def replay(fleet: Fleet, result: Evacuation) -> None:
    """Re-apply ``result``'s plan independently: every step z3-feasible at its wave."""
    state = fleet
    for wave in result.waves:
        targets = [m.target for m in wave]
        assert len(targets) == len(set(targets)) and len(wave) <= result.max_parallel
        for move in wave:
            verdict = check_migration(state, move.domain, move.source, move.target)
            assert verdict.feasible, (move, verdict.violated_ids)
        for move in wave:
            arrived = result.after.host(move.target).domain(move.domain)
            hosts = []
            for h in state.hosts:
                if h.name == move.source:
                    h = replace(h, domains=tuple(d for d in h.domains if d.name != move.domain))
                elif h.name == move.target:
                    h = replace(h, domains=(*h.domains, arrived))
                hosts.append(h)
            state = replace(state, hosts=tuple(hosts))
    assert state == result.after
    assert_consistent(state)
    left = state.host(result.host).domains
    assert all(d.is_control or d.io for d in left)


def test_the_plan_is_verified_step_by_step(tmp_path):
    fleet = load_fleet(str(example_with_web01_on_t4a(tmp_path)))
    replay(fleet, evacuate(fleet, "t4-b"))


@examples(15)
@given(st.integers(1, 8), st.integers(2, 7), st.integers(0, 2**16), st.sampled_from([1, 2, 3]))
def test_planted_generated_fleets_get_a_verified_plan(domains, hosts, seed, parallel):
    fleet = evacuation_fleet(domains, hosts, seed)
    result = evacuate(fleet, SOURCE, max_parallel=parallel)
    assert result.verdict == "plan" and result.verified, result.reason
    assert len(result.moves) == domains
    replay(fleet, result)


@examples(15)
@given(fleets(min_hosts=2, max_hosts=4), st.data())
def test_generated_fleets_plan_or_sound_proof(fleet, data):
    host = data.draw(st.sampled_from(fleet.host_names))
    result = evacuate(fleet, host)
    assert result.verdict in ("plan", "impossible")
    if result.verdict == "plan":
        replay(fleet, result)
        return
    assert result.blocking or result.conflict
    others = [h for h in fleet.host_names if h != host]
    for b in result.blocking:
        assert [r.target for r in b.reasons] == sorted(others)
        for r in b.reasons:  # every other host really refuses it
            assert r.ids and not check_migration(fleet, b.domain, host, r.target).feasible
    if result.conflict is not None:
        for d in result.conflict.domains:  # each fits some host alone
            assert any(check_migration(fleet, d, host, t).feasible for t in others)


def test_plan_is_reproducible(tmp_path):
    fleet = load_fleet(str(example_with_web01_on_t4a(tmp_path)))
    first, second = evacuate(fleet, "t4-b"), evacuate(fleet, "t4-b")
    assert first.waves == second.waves and first.after == second.after


def test_host_with_only_the_control_domain_has_an_empty_plan(tmp_path):
    fleet = load_fleet(str(EXAMPLE))
    t4c = fleet.host("t4-c")
    emptied = replace(t4c, domains=tuple(d for d in t4c.domains if d.is_control))
    fleet = replace(fleet, hosts=tuple(emptied if h.name == "t4-c" else h for h in fleet.hosts))
    result = evacuate(fleet, "t4-c")
    assert (result.verdict, result.waves, result.verified) == ("plan", (), True)


# --------------------------------------------------------------------------------------
# Capacity conflicts
# --------------------------------------------------------------------------------------
HOST = """
[hosts.{name}]
cpu = "SPARC-T4"
clock-mhz = 2848
stick-frequency = 0x05f5e100
ldm-version = "3.6"
os = "11.4"
cores = {cores}
threads-per-core = 8
memory = [ {{ pa = 0x0, size = "{memory}" }} ]
largest-page = "256M"
[hosts.{name}.vds.primary-vds0]
vol-a = "/dev/dsk/a"
vol-b = "/dev/dsk/b"
vol-c = "/dev/dsk/c"
[hosts.{name}.vsw.primary-vsw0]
net-dev = "net0"
[hosts.{name}.domains.primary]
vcpus = 8
memory = "{primary}"
"""

GUEST = """
[hosts.src.domains.{name}]
vcpus = {vcpus}
memory = "{memory}"
vdisks = {{ vdisk0 = "vol-{name}@primary-vds0" }}
vnets = {{ vnet0 = "primary-vsw0" }}
"""


def two_host_fleet(tmp_path: Path, target: str, guests: list[tuple[str, int, str]]) -> Fleet:
    text = HOST.format(name="src", cores=8, memory="64G", primary="8G")
    text += "".join(GUEST.format(name=n, vcpus=v, memory=m) for n, v, m in guests)
    text += target
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    return load_fleet(str(path))


def test_capacity_conflict_each_fits_alone_but_not_together(tmp_path):
    # dst has 16 free vCPUs: a and b (12 each) fit alone, not both.
    target = HOST.format(name="dst", cores=3, memory="64G", primary="8G")
    fleet = two_host_fleet(tmp_path, target, [("a", 12, "8G"), ("b", 12, "8G")])
    for d in ("a", "b"):
        assert check_migration(fleet, d, "src", "dst").feasible
    result = evacuate(fleet, "src")
    assert result.verdict == "impossible"
    assert result.blocking == ()
    c = result.conflict
    assert c is not None
    assert (c.domains, c.targets, c.ids, c.cuts) == (("a", "b"), ("dst",), ("CPU-1",), ())
    assert dict(c.need)["vcpus"] == 24 and dict(c.free)["vcpus"] == 16
    assert c.text == (
        "a, b together need 24 vCPUs and 16G memory; the hosts that can take them (dst)"
        " have 16 vCPUs and 56G memory free"
    )


def test_memory_that_sums_up_but_is_not_contiguous_is_a_mem2_conflict(tmp_path):
    # dst's free memory is two 8G ranges; a, b (6G) and c (4G) sum to 16G but cannot fit
    # whole; dst's Manager 3.5 splits no block (MEM-2 splits need 3.6 on both sides).
    target = HOST.format(name="dst", cores=8, memory="32G", primary="8G")
    target = target.replace('ldm-version = "3.6"', 'ldm-version = "3.5"')
    target += """
[hosts.dst.domains.filler]
vcpus = 8
memory = [ { ra = 0x10000000, pa = 0x400000000, size = "8G" } ]
"""
    fleet = two_host_fleet(tmp_path, target, [("a", 4, "6G"), ("b", 4, "6G"), ("c", 4, "4G")])
    assert fleet.host("dst").free_memory == (
        MemoryRange(0x200000000, 0x200000000),
        MemoryRange(0x600000000, 0x200000000),
    )
    result = evacuate(fleet, "src")
    assert result.verdict == "impossible"
    c = result.conflict
    assert c is not None
    assert c.domains == ("a", "b", "c") and c.ids == ("MEM-2",)
    assert c.cuts == ("MEM-2 on dst: the blocks of a, b, c do not fit its free memory together",)


def test_a_layout_that_would_need_splitting_is_unknown_not_a_proof(tmp_path):
    # The same layout with Managers 3.6 on both sides: the Solaris 11.4 guests may have
    # their blocks split, which the planner's layout does not do: no proof either way.
    target = HOST.format(name="dst", cores=8, memory="32G", primary="8G")
    target += """
[hosts.dst.domains.filler]
vcpus = 8
memory = [ { ra = 0x10000000, pa = 0x400000000, size = "8G" } ]
"""
    fleet = two_host_fleet(tmp_path, target, [("a", 4, "6G"), ("b", 4, "6G"), ("c", 4, "4G")])
    for d in ("a", "b", "c"):
        assert check_migration(fleet, d, "src", "dst").feasible
    result = evacuate(fleet, "src")
    assert (result.verdict, result.exit_status) == ("unknown", 3)
    assert "MEM-2 on dst: a, b, c laid out without splitting" in result.reason


def test_two_of_the_three_fit_when_one_range_is_larger(tmp_path):
    target = HOST.format(name="dst", cores=8, memory="32G", primary="8G")
    fleet = two_host_fleet(tmp_path, target, [("a", 4, "6G"), ("b", 4, "6G"), ("c", 4, "4G")])
    result = evacuate(fleet, "src")
    assert result.verdict == "plan" and result.verified
    assert_consistent(result.after)


# --------------------------------------------------------------------------------------
# Pieces
# --------------------------------------------------------------------------------------
def test_waves_one_migration_per_host_and_at_most_max_parallel():
    order = [("a", "t1"), ("b", "t1"), ("c", "t2"), ("d", "t3")]
    assert schedule_waves(order, 1) == [[("a", "t1")], [("b", "t1")], [("c", "t2")], [("d", "t3")]]
    assert schedule_waves(order, 2) == [[("a", "t1"), ("c", "t2")], [("b", "t1"), ("d", "t3")]]
    assert schedule_waves(order, 4) == [[("a", "t1"), ("c", "t2"), ("d", "t3")], [("b", "t1")]]


def test_waves_serve_the_busiest_target_first():
    order = [("a", "t2"), ("b", "t3"), ("c", "t1"), ("d", "t1"), ("e", "t1")]
    # t1 has three migrations: three waves suffice (in order, it would take four).
    assert schedule_waves(order, 2) == [
        [("a", "t2"), ("c", "t1")],
        [("b", "t3"), ("d", "t1")],
        [("e", "t1")],
    ]


def test_max_parallel_spreads_the_domains_so_the_waves_are_fewest():
    fleet = evacuation_fleet(32, 100, seed=0)
    for parallel, waves in ((1, 32), (4, 8), (16, 2)):
        result = evacuate(fleet, SOURCE, max_parallel=parallel)
        assert result.verdict == "plan" and len(result.waves) == waves
        assert all(len(w) <= parallel for w in result.waves)
    replay(fleet, result)


def test_placement_whole_cores_take_every_strand_of_their_cores():
    b = Bin("t", strands=16, cores=1, threads_per_core=8, memory=8, ports=0,
            total_strands=16, total_memory=8)  # fmt: skip
    whole = Item("w", vcpus=4, memory=1, whole_cores=True)
    other = Item("o", vcpus=9, memory=1)
    problem = PlacementProblem((whole, other), (b,), (("t",), ("t",)))
    # The whole-core domain takes 8 strands; 9 more do not fit in the 16.
    assert solve_placement(problem, time_limit_s=5).status == "infeasible"
    fits = replace(problem, items=(whole, replace(other, vcpus=8)))
    assert solve_placement(fits, time_limit_s=5).assignment == (("o", "t"), ("w", "t"))


def test_placement_respects_cuts():
    b = Bin("t", strands=64, cores=8, threads_per_core=8, memory=64, ports=4,
            total_strands=64, total_memory=64)  # fmt: skip
    items = (Item("x", 1, 1), Item("y", 1, 1))
    problem = PlacementProblem(items, (b,), (("t",), ("t",)))
    assert solve_placement(problem, time_limit_s=5).status == "placed"
    cut = replace(problem, cuts=(("t", frozenset({"x", "y"})),))
    assert solve_placement(cut, time_limit_s=5).status == "infeasible"


def test_restricted_rounds_offer_fewer_candidates_first():
    assert OFFERED[-1] is None and all(isinstance(n, int) for n in OFFERED[:-1])


def test_time_budget_exhausted_is_unknown_never_a_verdict():
    result = evacuate(load_fleet(str(EXAMPLE)), "t4-a", timeout_s=1e-9)
    assert (result.verdict, result.exit_status) == ("unknown", 3)
    assert result.reason == "the time budget ran out before an answer"


# --------------------------------------------------------------------------------------
# The prefilter never drops a pair z3 accepts
# --------------------------------------------------------------------------------------
def _agrees(fleet: Fleet, domain: str, source: str, target: str) -> None:
    src, dst = fleet.host(source), fleet.host(target)
    facts = DomainFacts(domain_side(src, src.domain(domain)))
    if not may_accept(facts, host_facts(dst)):
        verdict = check_migration(fleet, domain, source, target)
        assert verdict.status == "infeasible", (domain, source, target)


def test_prefilter_never_drops_a_feasible_pair_of_the_example_fleet():
    fleet = load_fleet(str(EXAMPLE))
    dropped = 0
    for s in fleet.hosts:
        for d in s.domains:
            for t in fleet.hosts:
                if t.name != s.name:
                    _agrees(fleet, d.name, s.name, t.name)
                    facts = DomainFacts(domain_side(s, d))
                    dropped += not may_accept(facts, host_facts(t))
    assert dropped > 40  # it does drop most infeasible pairs


@examples(40)
@given(host_pairs(CATALOG_BOUNDARIES))
def test_prefilter_never_drops_a_feasible_generated_pair(pair):
    fleet, domain, source, target = pair
    _agrees(fleet, domain.name, source.name, target.name)


def test_prefilter_memory_blocks_need_a_congruent_range():
    fleet = load_fleet(str(EXAMPLE))
    src = fleet.host("t4-a")
    facts = DomainFacts(domain_side(src, src.domain("ldom02")))
    t4c = host_facts(fleet.host("t4-c"))
    assert not may_accept(facts, t4c)  # 32G block, 16G free: MEM-1 and MEM-2
    ((ra, _, size),) = facts.blocks
    assert (ra, size) == (0x10000000, 32 << 30)


# --------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------
def test_cli_plan_table(tmp_path, capsys):
    path = example_with_web01_on_t4a(tmp_path)
    status, out, err = ldmspec(capsys, str(path), "--host", "t4-b")
    assert (status, err) == (0, "")
    assert out == (
        "evacuate t4-b: plan of 2 migrations in 2 waves (one at a time from t4-b), every"
        " step verified by the z3 model\n"
        "\n"
        "WAVE  DOMAIN  FROM  TO    VCPUS  MEMORY  COMMAND (on the source)\n"
        "   1  web01   t4-b  t4-a      8      8G  ldm migrate-domain web01 root@t4-a\n"
        "   2  web02   t4-b  t4-a      4      4G  ldm migrate-domain web02 root@t4-a\n"
        "\n"
        "staying on t4-b: primary (control domain: never migrates)\n"
    )


def test_cli_impossible_names_the_io_domain(capsys):
    status, out, err = ldmspec(capsys, str(EXAMPLE), "--host", "t4-a")
    assert (status, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == "evacuate t4-a: impossible"
    blocking = "blocking: iodom: I/O domain (direct I/O endpoint:/SYS/MB/PCIE1): cannot migrate"
    assert blocking in lines
    assert "  t4-b    IO-1, VIO-1" in lines
    assert "            VIO-1: missing on t4-b: iovol@primary-vds0" in lines


def test_cli_json_keys(tmp_path, capsys):
    status, out, _ = ldmspec(capsys, str(EXAMPLE), "--host", "t4-a", "--json")
    doc = json.loads(out)
    assert status == 1
    assert set(doc) == {
        "host", "verdict", "max_parallel", "waves", "staying", "blocking", "conflict",
        "verified", "reason", "stats",
    }  # fmt: skip
    assert (doc["host"], doc["verdict"], doc["waves"], doc["verified"]) == (
        "t4-a", "impossible", [], False,
    )  # fmt: skip
    (blocker,) = doc["blocking"]
    assert set(blocker) == {"domain", "why", "reasons", "explained"}
    assert set(blocker["reasons"][0]) == {"target", "ids", "observed", "status"}
    path = example_with_web01_on_t4a(tmp_path)
    status, out, _ = ldmspec(capsys, str(path), "--host", "t4-b", "--json")
    doc = json.loads(out)
    assert (status, doc["verdict"], doc["verified"], doc["blocking"]) == (0, "plan", True, [])
    assert doc["waves"][0] == [
        {
            "domain": "web01",
            "source": "t4-b",
            "target": "t4-a",
            "state": "active",
            "vcpus": 8,
            "memory": 8 << 30,
            "command": "ldm migrate-domain web01 root@t4-a",
        }
    ]


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--host", "nope"], "unknown host 'nope' (hosts: t4-a, t4-b, t4-c, t5-a, m10-a, t2-old)"),
        (["--host", "t4-a", "--max-parallel", "0"],
         "--max-parallel: expected a positive number of migrations, got 0"),
        (["--host", "t4-a", "--timeout", "0"],
         "--timeout: expected a positive number of seconds, got 0.0"),
        (["--host", "t4-a", "--jobs", "0"],
         "--jobs: expected a positive number of worker processes, got 0"),
    ],
)  # fmt: skip
def test_cli_bad_arguments_exit_2_with_one_line(capsys, argv, message):
    status, out, err = ldmspec(capsys, str(EXAMPLE), *argv)
    assert (status, out, err) == (2, "", message + "\n")


def test_cli_malformed_fleet_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[hosts.a]\ncpu = "SPARC-T4"\ncores = "many"\n')
    status, out, err = ldmspec(capsys, str(bad), "--host", "a")
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"{bad}:")


def test_evacuation_value_is_frozen():
    result = Evacuation(host="h", verdict="unknown")
    with pytest.raises(AttributeError):
        result.verdict = "plan"  # type: ignore[misc]


def test_single_host_fleet_every_guest_blocks_there_is_no_other_host(tmp_path, capsys):
    path = tmp_path / "one.toml"
    path.write_text(HOST.format(name="src", cores=8, memory="64G", primary="8G")
                    + GUEST.format(name="a", vcpus=4, memory="4G"))  # fmt: skip
    result = evacuate(load_fleet(str(path)), "src")
    assert result.verdict == "impossible"
    assert [(b.domain, b.reasons) for b in result.blocking] == [("a", ())]
    status, out, _ = ldmspec(capsys, str(path), "--host", "src")
    assert status == 1
    assert out.splitlines()[-2:] == [
        "blocking: a: no other host can take it",
        "  there is no other host",
    ]


def test_json_is_the_same_from_run_to_run(tmp_path, capsys):
    path = example_with_web01_on_t4a(tmp_path)
    outs = [ldmspec(capsys, str(path), "--host", "t4-b", "--json")[1] for _ in range(2)]
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["stats"] == {
        "candidate_pairs": 2, "pairs": 10, "rounds": 1, "verified_steps": 2,
        "fullest_target_permille": 532,  # t4-a: 68 of 128 strands
    }  # fmt: skip


def test_move_domain_refuses_addresses_that_break_mem2():
    fleet = load_fleet(str(EXAMPLE))
    ldom01 = fleet.host("t4-a").domain("ldom01")
    (block,) = ldom01.memory
    free = fleet.host("t4-b").free_memory[-1]
    good = MemoryBlock(block.ra, free.pa + (block.ra - free.pa) % (2 << 30), block.size)
    moved = move_domain(fleet, "ldom01", "t4-a", "t4-b", blocks=(good,), whole_cores=False)
    assert moved.host("t4-b").domain("ldom01").memory == (good,)
    for bad in (replace(good, pa=good.pa + (256 << 20)), replace(good, pa=0)):
        with pytest.raises(ValueError, match=r"ldom01: RA 0x10000000 PA .* is not a valid place"):
            move_domain(fleet, "ldom01", "t4-a", "t4-b", blocks=(bad,), whole_cores=False)


def test_an_undecided_z3_step_makes_the_answer_unknown(tmp_path, monkeypatch):
    import ldmspec.solver.evacuation_plan as plan
    import ldmspec.solver.evacuation_search as search

    real = plan.check_migration

    def undecided(fleet, domain, source, target, *args, **kwargs):
        verdict = real(fleet, domain, source, target, *args, **kwargs)
        if domain == "web01":
            return replace(verdict, status="unknown", violations=(), reason="timeout")
        return verdict

    monkeypatch.setattr(plan, "check_migration", undecided)
    monkeypatch.setattr(search, "check_migration", undecided)
    fleet = load_fleet(str(example_with_web01_on_t4a(tmp_path)))
    result = evacuate(fleet, "t4-b")
    assert (result.verdict, result.exit_status, result.waves) == ("unknown", 3, ())
    assert result.reason == (
        "no plan found, but not proven: z3 undecided for web01 -> t4-a (timeout)"
    )
    (web01,) = result.blocking
    t4a = next(r for r in web01.reasons if r.target == "t4-a")
    assert (t4a.status, t4a.ids, t4a.observed) == ("unknown", (), ("undecided: timeout",))


def test_cp_sat_without_an_answer_is_unknown(tmp_path, monkeypatch):
    import ldmspec.solver.evacuate as module
    from ldmspec.solver.placement import PlacementResult

    monkeypatch.setattr(module, "solve_placement", lambda *a, **k: PlacementResult("unknown"))
    fleet = load_fleet(str(example_with_web01_on_t4a(tmp_path)))
    result = evacuate(fleet, "t4-b")
    assert (result.verdict, result.exit_status) == ("unknown", 3)
    assert result.reason == "CP-SAT found no placement and no proof within the time limit"
    assert dict(result.stats)["rounds"] == len(OFFERED)  # 16, 64, then all candidates


def test_first_fit_fails_but_z3_lays_the_blocks_out_jointly(tmp_path):
    # dst's free memory: 5G at 8G, then 6G at 14G. q (3G + 3G) goes first (larger) and
    # first-fit splits it over both ranges, leaving no room for p (5G); z3 puts both
    # blocks of q in the 6G range and p in the 5G one.
    target = """
[hosts.dst]
cpu = "SPARC-T4"
clock-mhz = 2848
stick-frequency = 0x05f5e100
ldm-version = "3.6"
os = "11.4"
cores = 8
threads-per-core = 8
memory = [ { pa = 0x0, size = "24G" } ]
largest-page = "256M"
[hosts.dst.vds.primary-vds0]
vol-p = "/dev/dsk/p"
vol-q = "/dev/dsk/q"
[hosts.dst.vsw.primary-vsw0]
net-dev = "net0"
[hosts.dst.domains.primary]
vcpus = 8
memory = [ { ra = 0x10000000, pa = 0x0, size = "8G" } ]
[hosts.dst.domains.fill1]
vcpus = 8
memory = [ { ra = 0x10000000, pa = 0x340000000, size = "1G" } ]
[hosts.dst.domains.fill2]
vcpus = 8
memory = [ { ra = 0x10000000, pa = 0x500000000, size = "4G" } ]
"""
    text = HOST.format(name="src", cores=8, memory="64G", primary="8G")
    text = text.replace('vol-a = "/dev/dsk/a"', 'vol-p = "/dev/dsk/p"\nvol-q = "/dev/dsk/q"')
    text += GUEST.format(name="p", vcpus=4, memory="5G")
    text += (
        """
[hosts.src.domains.q]
vcpus = 4
memory = [ { ra = 0x10000000, pa = 0x800000000, size = "3G" },
           { ra = 0xd0000000, pa = 0x8c0000000, size = "3G" } ]
vdisks = { vdisk0 = "vol-q@primary-vds0" }
vnets = { vnet0 = "primary-vsw0" }
"""
        + target
    )
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    fleet = load_fleet(str(path))
    assert fleet.host("dst").free_memory == (
        MemoryRange(8 << 30, 5 << 30),
        MemoryRange(14 << 30, 6 << 30),
    )
    src = fleet.host("src")
    blocks = [(n, tuple((b.ra, b.pa, b.size) for b in src.domain(n).memory)) for n in ("q", "p")]
    assert layout_memory(fleet.host("dst"), blocks, timeout_ms=5000).by == "z3"
    result = evacuate(fleet, "src")
    assert result.verdict == "plan" and result.verified
    assert [m.domain for m in result.moves] == ["q", "p"]
    dst = result.after.host("dst")
    r1, r2 = fleet.host("dst").free_memory
    assert all(r2.pa <= b.pa and b.end_pa <= r2.end for b in dst.domain("q").memory)
    assert all(r1.pa <= b.pa and b.end_pa <= r1.end for b in dst.domain("p").memory)
    replay(fleet, result)


def test_one_explained_blocker_is_the_proof_when_the_budget_runs_out(monkeypatch):
    import ldmspec.solver.evacuation_proof as module

    fleet = load_fleet(str(EXAMPLE))
    t4a = fleet.host("t4-a")
    bus = (IoDevice(IoKind.BUS, "pci@500"),)
    io = tuple(replace(d, io=bus) if d.name == "ldom01" else d for d in t4a.domains)
    fleet = replace(
        fleet, hosts=tuple(replace(h, domains=io) if h is t4a else h for h in fleet.hosts)
    )
    real = module._blocker

    def then_out_of_time(search, name):
        found = real(search, name)
        search.clock.deadline = 0.0
        return found

    monkeypatch.setattr(module, "_blocker", then_out_of_time)
    result = evacuate(fleet, "t4-a")
    assert result.verdict == "impossible"
    first, second = result.blocking
    assert (first.domain, first.explained, len(first.reasons)) == ("ldom01", True, 5)
    assert (second.domain, second.explained, second.reasons) == ("iodom", False, ())
    assert "  (not checked against every host: the time budget ran out)" in render(result)
