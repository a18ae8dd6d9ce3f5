"""Benchmark of the state-graph explorer on the abstract migration protocol model.

Figures (medians over repeated runs, CPU time of this process, one core):

* distinct states per second without symmetry reduction (the raw explorer: successor
  generation, fingerprint lookup, adjacency), on the standard configuration and on a
  smaller one (the same sizes with smaller budgets: a smaller index);
* the same with symmetry reduction (each state canonicalised over host renamings and
  domain order);
* the standard configuration (3 hosts, 3 domains, 2 concurrent migrations, every
  fault) explored exhaustively and every property checked: total seconds;
* the symmetry reduction ratio (distinct states without / with reduction).

Run alone (``python bench/bench_explorer.py``, prints JSON) or through
``python bench/run.py explorer``. CPU time, not wall time, so that other processes on
the machine disturb the figures less; still, a busy machine slows every core.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from ldmspec.models.protocol import STANDARD, Protocol, ProtocolConfig

from ldmspec.explorer import check, explore

GOAL_RATE = 100_000  # distinct states per second on one core
GOAL_SECONDS = 60.0  # the standard configuration, exhaustively, properties included


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


SMALLER = ProtocolConfig(migrations=2)  # 3 hosts, 3 domains, 2 concurrent, 2 faults


def _search(symmetry: bool, config: ProtocolConfig = STANDARD) -> tuple[float, int]:
    model = Protocol(config)  # fresh: no memo carried over between runs
    started = time.process_time()
    exploration = explore(model, symmetry=symmetry)
    return time.process_time() - started, exploration.stats.states


def _full_check() -> tuple[float, int, bool]:
    model = Protocol(STANDARD)
    started = time.process_time()
    exploration = explore(model)
    verdicts = check(exploration)
    seconds = time.process_time() - started
    return seconds, exploration.stats.states, all(v.holds for v in verdicts)


def _figure(value: float, unit: str, goal: str | None, met: bool | None, note: str) -> dict:
    return {"value": value, "unit": unit, "goal": goal, "met": met, "note": note}


def run(repeats: int = 3) -> dict[str, Any]:
    """Measure; every figure is a median over ``repeats`` runs."""
    full = [_search(symmetry=False) for _ in range(repeats)]
    smaller = [_search(symmetry=False, config=SMALLER) for _ in range(repeats)]
    reduced = [_search(symmetry=True) for _ in range(repeats)]
    checked = [_full_check() for _ in range(repeats)]
    full_states = full[0][1]
    reduced_states = reduced[0][1]
    full_rate = statistics.median(states / seconds for seconds, states in full)
    reduced_rate = statistics.median(states / seconds for seconds, states in reduced)
    total = statistics.median(seconds for seconds, _, _ in checked)
    machine = _machine()
    name = STANDARD.name
    return {
        "states_per_second": _figure(
            round(full_rate),
            "states/s",
            f">= {GOAL_RATE:,}",
            full_rate >= GOAL_RATE,
            f"{name} without symmetry: {full_states:,} distinct states; {machine}",
        ),
        "states_per_second_smaller": _figure(
            round(statistics.median(states / seconds for seconds, states in smaller)),
            "states/s",
            None,
            None,
            f"{SMALLER.name} (2 migrations in all) without symmetry: "
            f"{smaller[0][1]:,} distinct states",
        ),
        "states_per_second_symmetry": _figure(
            round(reduced_rate),
            "states/s",
            None,
            None,
            f"{name} with symmetry reduction: {reduced_states:,} distinct states",
        ),
        "standard_configuration_seconds": _figure(
            round(total, 2),
            "s",
            f"<= {GOAL_SECONDS:.0f}",
            total <= GOAL_SECONDS and all(ok for _, _, ok in checked),
            f"{name}: explore with symmetry and check every property ({reduced_states:,} states)",
        ),
        "symmetry_reduction_ratio": _figure(
            round(full_states / reduced_states, 2),
            "x",
            None,
            None,
            f"{full_states:,} states without reduction / {reduced_states:,} with",
        ),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
