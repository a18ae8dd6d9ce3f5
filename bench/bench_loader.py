"""Benchmark the fleet loader: a 10,000-host fleet from JSON and TOML, and ``ldmspec
targets`` over it as a whole command (process start, load, check, print).

* ``load_json_10000_s`` / ``load_toml_10000_s``: loads of the same fleet (the hosts of
  ``examples/fleet.toml`` repeated to 10,000; the TOML is what the fleet writer writes of
  it). Goal (issue 17): well under a second.
* ``targets_json_10000_s``: ``ldmspec targets FLEET.json --domain ldom01 --jobs 2`` as a
  subprocess, wall time of the whole command. Goal (issue 17): 4 s on an idle machine.
* ``positions_json_10000_s``: what computing every key's line would cost (issue 17 found
  1.6 s of it in every load); the loader now computes them only for an error message.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from ldmspec.inventory.loader import load_fleet
from ldmspec.inventory.positions import json_positions
from ldmspec.inventory.writer import fleet_to_toml

HOSTS = 10_000
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fleet.toml"


def _figure(value: float, unit: str, goal: float | None, note: str) -> dict[str, Any]:
    return {
        "value": round(value, 3),
        "unit": unit,
        "goal": None if goal is None else f"<= {goal} {unit}",
        "met": None if goal is None else value <= goal,
        "note": note,
    }


def _median_s(action: Any, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_fleets(folder: Path, hosts: int = HOSTS) -> tuple[Path, Path]:
    """A ``hosts``-host fleet as ``fleet.toml`` and ``fleet.json`` in ``folder``: the hosts of
    ``examples/fleet.toml`` repeated under new names (``t4-a``, ``t4-a-0001``, ...), so every
    kind of host and domain of the example is there, and the fleet is valid as written."""
    example = tomllib.loads(EXAMPLE.read_text())["hosts"]
    names = list(example)
    document: dict[str, Any] = {"hosts": {}}
    for i in range(hosts):
        name = names[i % len(names)]
        copy = i // len(names)
        document["hosts"][name if copy == 0 else f"{name}-{copy:04d}"] = example[name]
    toml_path, json_path = folder / "fleet.toml", folder / "fleet.json"
    json_path.write_text(json.dumps(document, indent=1))
    toml_path.write_text(fleet_to_toml(load_fleet(json_path)))
    return toml_path, json_path


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        toml_path, json_path = write_fleets(Path(scratch))
        assert load_fleet(json_path) == load_fleet(toml_path)
        figures["load_json_10000_s"] = _figure(
            _median_s(lambda: load_fleet(json_path)), "s", 1.0, "median of 3, 10,000 hosts"
        )
        figures["load_toml_10000_s"] = _figure(
            _median_s(lambda: load_fleet(toml_path), repeat=1), "s", None,
            "one load, 10,000 hosts (13 MB: tomllib's parse is most of it)",
        )  # fmt: skip
        text = json_path.read_text()
        figures["positions_json_10000_s"] = _figure(
            _median_s(lambda: json_positions(text).line_of(("hosts",))), "s", None,
            "the line scan an error message needs (no longer part of a load)",
        )  # fmt: skip
        ldmspec = str(Path(sys.executable).with_name("ldmspec"))
        command = [ldmspec, "targets", str(json_path),
                   "--domain", "ldom01", "--source", "t4-a", "--jobs", "2"]  # fmt: skip
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        assert done.returncode in (0, 1), done.stderr
        figures["targets_json_10000_s"] = _figure(
            wall, "s", 4.0, "whole command in a subprocess, --jobs 2"
        )
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
