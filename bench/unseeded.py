"""How often does the machine test fail on the correct implementation? (issue 18)

    python bench/unseeded.py                      # 200 runs, 2 at a time
    python bench/unseeded.py --runs 50 --minutes 30 --reports reports/unseeded

Runs the stateful machine test of ``properties/test_migration_machine.py`` (the example
fleet and generated fleets, every rule) against the correct reference implementation
N times in the ``ldmspec-ci`` profile, each run with a fresh random seed (as an unseeded
run draws one; the seed is recorded so a failing run replays with ``@seed``), without
an example database (no run replays another's failure). A suite that is right fails
none. Every failing run is listed with its seed, the property it violated and its
transcript, and with ``--reports`` gets a counterexample report.

Not one of ``bench/run.py``'s benchmarks (it takes long): it writes its figures into
``bench/results.json`` (under ``unseeded``) and ``bench/results.md`` itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_MACHINE: Any = None


def _one_run(run_seed: int) -> dict[str, Any]:
    """One unseeded-style run of the machine test with ``run_seed``; what it found."""
    global _MACHINE
    from hypothesis import seed, settings
    from hypothesis.stateful import get_state_machine_test

    from ldmspec.testing.outcomes import records_of
    from ldmspec.testing.profiles import machine_settings

    if _MACHINE is None:
        from ldmspec.properties.machine import machine_for

        from ldmspec.testing.adapter import reference_factory
        from ldmspec.testing.fleet_cases import default_fleet_cases

        _MACHINE = machine_for(reference_factory(None), name="MigrationMachine",
                               fleet_cases=default_fleet_cases())  # fmt: skip
    machine = seed(run_seed)(type("MigrationMachine", (_MACHINE,), {}))
    options = settings(machine_settings("ldmspec-ci"), database=None, derandomize=False)
    started = time.perf_counter()
    error: BaseException | None = None
    try:
        get_state_machine_test(machine, settings=options)()
    except Exception as exc:
        error = exc
    records = records_of(error)
    return {
        "seed": run_seed,
        "failed": error is not None,
        "seconds": round(time.perf_counter() - started, 1),
        "properties": sorted({r.property_id for r in records}),
        "error": None if error is None or records else f"{type(error).__name__}: {error}"[:2000],
        "records": records,
    }


def measure(runs: int, jobs: int, minutes: float | None, reports: Path | None) -> dict[str, Any]:
    from ldmspec.testing.outcomes import write_run_report

    deadline = None if minutes is None else time.monotonic() + 60 * minutes
    seeds = [random.SystemRandom().getrandbits(63) for _ in range(runs)]
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        pending = []
        for run_seed in seeds:
            while len(pending) >= jobs:
                pending = _collect(pending, results)
            if deadline is not None and time.monotonic() > deadline:
                break
            pending.append(pool.apply_async(_one_run, (run_seed,)))
        while pending:
            pending = _collect(pending, results)
    failing = []
    for result in results:
        records = result.pop("records")
        if result["failed"]:
            if reports is not None:
                result["reports"] = [str(write_run_report(r, reports)) for r in records]
            result["transcripts"] = [list(r.lines) for r in records]
            failing.append(result)
    return _figures(results, failing, runs, jobs, time.perf_counter() - started)


def _collect(pending: list[Any], results: list[dict[str, Any]]) -> list[Any]:
    done = [p for p in pending if p.ready()]
    if not done:
        time.sleep(0.5)
    for p in done:
        result = p.get()
        results.append(result)
        found = ", ".join(result["properties"]) or "error"
        mark = f"FAILED {found}" if result["failed"] else "ok"
        print(f"run {len(results)}: seed {result['seed']} {mark} ({result['seconds']} s)",
              file=sys.stderr, flush=True)  # fmt: skip
    return [p for p in pending if not p.ready() or p not in done]


def _figures(results: list[dict[str, Any]], failing: list[dict[str, Any]], asked: int,
             jobs: int, seconds: float) -> dict[str, Any]:  # fmt: skip
    ran = len(results)
    note = (f"{ran} of {asked} asked runs of the machine test (ldmspec-ci, 100 programs of up "
            f"to 30 steps each, a fresh random seed each, no example database) on the "
            f"correct implementation, {jobs} at a time, {seconds / 60:.0f} min in all; "
            "measured under load from other agents")  # fmt: skip
    return {
        "unseeded_runs": {"value": ran, "unit": "runs", "goal": ">= 200", "met": ran >= 200,
                          "note": note},
        "unseeded_failing_runs": {"value": len(failing), "unit": "runs", "goal": "0",
                                  "met": not failing, "note": note},
        "failing": failing,
    }  # fmt: skip


def _write(figures: dict[str, Any]) -> None:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec and spec.loader
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    target = ROOT / "bench" / "results.json"
    out = json.loads(target.read_text()) if target.exists() else {"results": {}}
    out["results"]["unseeded"] = figures
    out["unseeded_machine"] = runner.machine()
    target.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    m = out.get("machine", out["unseeded_machine"])
    header = f"Measured on {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['date']}."
    table = runner.table(out["results"])
    (ROOT / "bench" / "results.md").write_text(header + "\n\n" + table + "\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs to make (default 200)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--minutes", type=float, help="start no run after this many minutes")
    parser.add_argument("--reports", type=Path, help="write a report for each failing run here")
    args = parser.parse_args(argv)
    figures = measure(args.runs, args.jobs, args.minutes, args.reports)
    _write(figures)
    print(json.dumps(figures, indent=2))
    return 1 if figures["failing"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
