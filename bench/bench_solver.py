"""Benchmark the z3 precondition prover: ``check`` latency and ``targets`` over big fleets.

    python bench/bench_solver.py          # prints the figures as JSON

Figures (medians over repeated runs, after warm-up):

* ``check_ms``: one pair with the full explanation (every violation, observed values,
  the whole table, the witness), over the example fleet's planned migrations; the domain
  model is built once per (source, domain) and reused, as ``targets`` and ``evacuate`` do;
* ``check_cold_ms``: the same with the model built from scratch every time;
* ``repair_ms``: an infeasible pair with the cheapest repair (z3 Optimize);
* ``targets_1000_s`` / ``targets_10000_s``: ``ldmspec targets`` over generated fleets
  (:func:`ldmspec.testing.big_fleets.mixed_fleet`), 2 worker processes, wall time
  without generating the fleet.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from ldmspec.inventory import load_fleet
from ldmspec.solver import check_migration, check_targets
from ldmspec.solver.engine import DomainModel
from ldmspec.testing.big_fleets import mixed_fleet

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fleet.toml"


def _figure(value: float, unit: str, goal: float | None, note: str) -> dict[str, Any]:
    return {
        "value": round(value, 3),
        "unit": unit,
        "goal": f"<= {goal} {unit}" if goal is not None else None,
        "met": value <= goal if goal is not None else None,
        "note": note,
    }


def _median_ms(action: Any, repeat: int, clock: Any = time.perf_counter) -> float:
    times = []
    for _ in range(repeat):
        start = clock()
        action()
        times.append((clock() - start) * 1000)
    return statistics.median(times)


def bench_check(repeat: int = 200) -> dict[str, dict[str, Any]]:
    fleet = load_fleet(EXAMPLE)
    plans = [(p.domain, p.source, p.target, p.new_name) for p in fleet.plans]
    for plan in plans:  # warm-up: build each domain model once
        check_migration(fleet, *plan)
    warm = statistics.median(
        _median_ms(lambda plan=plan: check_migration(fleet, *plan), repeat) for plan in plans
    )
    # CPU time of the same: what the check costs when the machine is shared.
    warm_cpu = statistics.median(
        statistics.mean(
            _one_cpu_ms(lambda plan=plan: check_migration(fleet, *plan)) for _ in range(repeat)
        )
        for plan in plans
    )

    def cold(domain: str, source: str, target: str, new: str | None) -> None:
        src, dst = fleet.host(source), fleet.host(target)
        assert src is not None and dst is not None
        src_domain = src.domain(domain)
        assert src_domain is not None
        DomainModel(src, src_domain).verdict_for(dst, new)

    rebuilt = statistics.median(
        _median_ms(lambda plan=plan: cold(*plan), repeat // 4) for plan in plans
    )
    repair = _median_ms(
        lambda: check_migration(fleet, "ldom02", "t4-a", "t4-c", repair=True), repeat // 4
    )
    return {
        "check_ms": _figure(warm, "ms", 2.0, "median over the 9 example plans, model reused"),
        "check_cpu_ms": _figure(warm_cpu, "ms", 2.0, "the same in CPU time (process_time)"),
        "check_cold_ms": _figure(rebuilt, "ms", None, "model built from scratch per check"),
        "repair_ms": _figure(repair, "ms", None, "ldom02 t4-a -> t4-c with Optimize repair"),
    }


def _one_cpu_ms(action: Any) -> float:
    start = time.process_time()
    action()
    return (time.process_time() - start) * 1000


def targets_cpu_ms_per_host(hosts: int = 2000) -> float:
    """CPU per candidate host in one process (model reused, no table or witness)."""
    fleet = mixed_fleet(hosts, seed=1)
    start = time.process_time()
    check_targets(fleet, "ldom01", "h00000", jobs=1)
    return (time.process_time() - start) * 1000 / (hosts - 1)


def _cpu_seconds() -> float:
    """CPU of this process and of its reaped children (the pool's workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def bench_targets(hosts: int, jobs: int = 2) -> tuple[float, float]:
    """``(wall seconds, CPU seconds of every process)`` for one ``targets`` run."""
    fleet = mixed_fleet(hosts, seed=1)
    start, cpu = time.perf_counter(), _cpu_seconds()
    ranked = check_targets(fleet, "ldom01", "h00000", jobs=jobs)
    elapsed, used = time.perf_counter() - start, _cpu_seconds() - cpu
    assert len(ranked) == hosts - 1
    return elapsed, used


def run() -> dict[str, Any]:
    figures = bench_check()
    jobs = min(2, os.cpu_count() or 1)
    figures["targets_cpu_ms_per_host"] = _figure(
        targets_cpu_ms_per_host(), "ms", None, "one process, 2,000 generated hosts"
    )
    wall, _ = bench_targets(1000, jobs)
    figures["targets_1000_s"] = _figure(wall, "s", None, f"generated fleet, {jobs} processes")
    wall, cpu = bench_targets(10_000, jobs)
    figures["targets_10000_s"] = _figure(
        wall, "s", 5.0, f"generated fleet, {jobs} processes, wall time"
    )
    figures["targets_10000_cpu_s"] = _figure(
        cpu, "s", None, f"CPU of all {jobs + 1} processes (divide by {jobs} for an idle box)"
    )
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
