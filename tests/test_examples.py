"""The example files a newcomer is pointed at do what the README says they do."""

from __future__ import annotations

import json

from ldmspec.cli import main


def test_evacuation_example_has_a_verified_plan(capsys):
    assert main(["evacuate", "examples/evacuation.toml", "--host", "rack1-a", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["verdict"] == "plan" and plan["verified"] is True
    moved = sorted(m["domain"] for wave in plan["waves"] for m in wave)
    assert moved == ["app01", "app02", "app03", "app04", "app05"]
    assert all(m["source"] == "rack1-a" for wave in plan["waves"] for m in wave)


def test_evacuating_the_example_fleets_io_host_is_impossible(capsys):
    assert main(["evacuate", "examples/fleet.toml", "--host", "t4-a"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("evacuate t4-a: impossible\n")
    assert "blocking: iodom: I/O domain (direct I/O endpoint:/SYS/MB/PCIE1): cannot migrate" in out
