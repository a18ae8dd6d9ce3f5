"""``ldmspec targets`` and check_targets: every other host, ranked, with every violation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ldmspec import cli
from ldmspec.inventory import load_fleet
from ldmspec.solver import check_migration, check_targets
from ldmspec.testing.big_fleets import mixed_fleet

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")


def test_the_table_ranks_feasible_hosts_first_then_by_violations(capsys, monkeypatch):
    monkeypatch.setenv("LDMSPEC_NO_PROGRESS", "1")
    status = cli.main(["targets", EXAMPLE, "--domain", "ldom01"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.splitlines() == [
        "ldom01 on t4-a: 1 of 5 other hosts can take it",
        "",
        "HOST    VERDICT     HEADROOM  VIOLATIONS",
        "t4-b    feasible       65.6%",
        "t5-a    infeasible     71.9%  CPU-4",
        "t4-c    infeasible      0.0%  MEM-2, VIO-4",
        "m10-a   infeasible     37.5%  SW-3, CPU-4, VIO-2, VIO-3",
        "t2-old  infeasible     50.0%  SW-2, SW-3, CPU-4, CPU-6, VIO-1",
    ]


def test_json_lists_every_host_with_its_violations_and_exits_1_when_none_fits(capsys):
    status = cli.main(["targets", EXAMPLE, "--domain", "web01", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert status == 1
    assert doc["source"] == "t4-b" and doc["feasible"] == 0
    hosts = {t["host"]: t for t in doc["targets"]}
    assert sorted(hosts) == ["m10-a", "t2-old", "t4-a", "t4-c", "t5-a"]
    assert [v["id"] for v in hosts["t4-a"]["violations"]] == ["VIO-1"]
    assert hosts["t4-a"]["violations"][0]["observed"] == "missing on t4-a: web01@primary-vds0"


def test_each_target_agrees_with_a_single_check():
    fleet = load_fleet(EXAMPLE)
    for ranked in check_targets(fleet, "ldom03", "t4-a"):
        single = check_migration(fleet, "ldom03", "t4-a", ranked.verdict.target)
        assert ranked.verdict.violated_ids == single.violated_ids


def test_processes_give_the_same_ranking_as_one():
    fleet = mixed_fleet(60, seed=3)
    one = check_targets(fleet, "ldom01", "h00000", jobs=1)
    two = check_targets(fleet, "ldom01", "h00000", jobs=2)
    assert [(r.verdict.target, r.verdict.violated_ids) for r in one] == [
        (r.verdict.target, r.verdict.violated_ids) for r in two
    ]
    assert len(one) == 59
    assert {r.verdict.status for r in one} == {"feasible", "infeasible"}


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--domain", "ghost"], "no host has a domain 'ghost'"),
        (["--domain", "ldom01", "--source", "t4-b"],
         "source 't4-b' has no domain 'ldom01' (it is on t4-a)"),
        (["--domain", "ldom01", "--jobs", "0"],
         "--jobs: expected a positive number of worker processes, got 0"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    status = cli.main(["targets", EXAMPLE, *argv])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err == message + "\n"


def test_a_domain_on_several_hosts_needs_a_source(capsys, tmp_path):
    text = (
        Path(EXAMPLE)
        .read_text()
        .replace("[hosts.t4-b.domains.web01]", "[hosts.t4-b.domains.ldom01]")
    )
    fleet = tmp_path / "twice.toml"
    fleet.write_text(text.replace('domain = "web01"', 'domain = "ldom01"'))
    status = cli.main(["targets", str(fleet), "--domain", "ldom01"])
    assert status == 2
    assert capsys.readouterr().err == (
        "several hosts have a domain 'ldom01': t4-a, t4-b (name one with --source)\n"
    )
