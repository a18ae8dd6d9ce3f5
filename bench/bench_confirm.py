"""Benchmark ``ldmspec check --confirm``: what the second opinion costs per pair.

    python bench/bench_confirm.py         # prints the figures as JSON

* ``confirm_ms``: median over the example fleet's planned migrations of re-checking every
  claim of a verdict with z3 and cvc5 (export the query, one script per claim, both
  solvers fresh per script), the verdict itself already computed (goal: <= 20 ms);
* ``check_and_confirm_ms``: the same with the check (model reused) and its independent
  witness check included: the whole cost of ``check --confirm`` per pair after start-up.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from ldmspec.inventory import load_fleet
from ldmspec.solver import check_migration, domain_model
from ldmspec.solver.confirm import confirm_verdict, confirmed_check

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fleet.toml"


def _figure(value: float, unit: str, goal: float | None, note: str) -> dict[str, Any]:
    return {
        "value": round(value, 3),
        "unit": unit,
        "goal": f"<= {goal} {unit}" if goal is not None else None,
        "met": value <= goal if goal is not None else None,
        "note": note,
    }


def _median_ms(action: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(repeat: int = 30) -> dict[str, Any]:
    fleet = load_fleet(EXAMPLE)
    pairs = []
    for p in fleet.plans:
        source, target = fleet.host(p.source), fleet.host(p.target)
        assert source is not None and target is not None
        verdict = check_migration(fleet, p.domain, p.source, p.target, p.new_name)
        pairs.append((domain_model(source, p.domain), target, p.new_name, verdict, p))
    claims = sum(len(confirm_verdict(m, t, n, v).confirmations) for m, t, n, v, _ in pairs)
    confirm = statistics.median(
        _median_ms(lambda m=m, t=t, n=n, v=v: confirm_verdict(m, t, n, v), repeat)
        for m, t, n, v, _ in pairs
    )
    whole = statistics.median(
        _median_ms(
            lambda p=p: confirmed_check(fleet, p.domain, p.source, p.target, p.new_name), repeat
        )
        for *_, p in pairs
    )
    note = f"median over the {len(pairs)} example plans ({claims} claims in all)"
    return {
        "confirm_ms": _figure(confirm, "ms", 20.0, note + "; z3 and cvc5"),
        "check_and_confirm_ms": _figure(whole, "ms", None, note + "; check included"),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
