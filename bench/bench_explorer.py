"""Benchmark of the state-graph explorer: its overhead, its speed and its memory.

Figures (medians over repeated runs unless said otherwise):

* **overhead**: :func:`ldmspec.explorer.explore` against a bare breadth-first loop of
  about 40 lines (a dict of seen states, parent pointers, the edges) over the *same*
  successor function of one toy model, both timed in this process, alternately, in
  one run (CPU time). The ratio is what the framework costs over the loop a user
  would write by hand.
* **states/s and peak memory** of ``ldmspec explore`` on the standard configuration
  and on a large one, each in a child process (so that the peak resident set size,
  ``ru_maxrss``, is this search's and nothing else's), the large one sequential and
  with ``--workers 2`` (the peak then counts the command and twice its largest
  worker: ``ru_maxrss`` of the children is the largest one's, not their sum);
* **the big configuration** of issue 17 (4 hosts, 4 domains, 3 concurrent, 4
  migrations, 2 faults) with ``--workers 2``: complete, every property, wall time and
  peak memory, once (it takes minutes); skipped when ``LDMSPEC_BENCH_QUICK`` is set.

Run alone (``python bench/bench_explorer.py``, prints JSON) or through
``python bench/run.py explorer``. The machine is shared: a busy machine slows every
figure, and the README says how loaded it was.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from array import array
from pathlib import Path
from typing import Any

from ldmspec.explorer import Model, explore

GOAL_OVERHEAD = 1.2  # framework / bare loop, same successor function
GOAL_BIG_SECONDS = 120.0  # the big configuration, complete, every property
GOAL_BIG_BYTES = 2 * 1024**3  # its peak memory
GOAL_STANDARD_SECONDS = 60.0  # the standard configuration, every property

STANDARD: dict[str, int] = {}  # ldmspec explore's defaults: h3-d3-k2, 3 migrations, 2 faults
LARGE = {"hosts": 4, "domains": 4, "concurrent": 3, "migrations": 3, "faults": 2}
BIG = {"hosts": 4, "domains": 4, "concurrent": 3, "migrations": 4, "faults": 2}


# --- the toy model and the bare loop -------------------------------------------------------


class Toy(Model[int, int]):
    """Six counters of three bits packed in an int; each may step up, or wrap from 7
    to 0 when its left neighbour is even: 262,144 states, six successors at most."""

    COUNTERS = 6

    def init_states(self) -> list[int]:
        return [0]

    def successors(self, state: int) -> list[tuple[int, int]]:  # type: ignore[override]
        out = []
        for i in range(self.COUNTERS):
            digit = (state >> (3 * i)) & 7
            if digit < 7:
                out.append((i, state + (1 << (3 * i))))
            elif i == 0 or not (state >> (3 * (i - 1))) & 1:
                out.append((i, state - (7 << (3 * i))))
        return out


def bare_bfs(model: Toy) -> tuple[int, int]:
    """A plain breadth-first search: seen states, parent pointers, distinct edges."""
    successors = model.successors
    states = list(model.init_states())
    seen = {s: i for i, s in enumerate(states)}
    parent = array("i", [-1]) * len(states)
    offsets = array("i")
    targets = array("i")
    u = 0
    while u < len(states):
        offsets.append(len(targets))
        mine: set[int] = set()
        for _action, after in successors(states[u]):
            v = seen.get(after)
            if v is None:
                v = seen[after] = len(states)
                states.append(after)
                parent.append(u)
            if v not in mine:
                mine.add(v)
                targets.append(v)
        u += 1
    offsets.append(len(targets))
    return len(states), len(targets)


def _overhead(repeats: int) -> tuple[float, float, float, int]:
    """Median CPU seconds of the bare loop and of explore(), and their median ratio."""
    bare: list[float] = []
    framework: list[float] = []
    states = 0
    for _ in range(repeats):
        started = time.process_time()
        states, _ = bare_bfs(Toy())
        bare.append(time.process_time() - started)
        started = time.process_time()
        exploration = explore(Toy(), symmetry=False)
        framework.append(time.process_time() - started)
        assert exploration.stats.states == states
    ratios = [f / b for f, b in zip(framework, bare, strict=True)]
    return statistics.median(bare), statistics.median(framework), statistics.median(ratios), states


# --- ldmspec explore in a child process ----------------------------------------------------


def _child(config: dict[str, int], *extra: str) -> dict[str, Any]:
    """Run ``ldmspec explore --json`` on ``config`` in a child; its figures and peak RSS."""
    args = [f"--{key}={value}" for key, value in config.items()]
    script = (
        "import resource, sys, time\n"
        "from ldmspec.cli import main\n"
        "started = time.perf_counter()\n"
        "status = main(['explore', '--json', '--quiet', *sys.argv[1:]])\n"
        "wall = time.perf_counter() - started\n"
        "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(f'@@ {status} {wall} {own} {kids}', file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args, *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    marker = [line for line in done.stderr.splitlines() if line.startswith("@@ ")]
    if not marker:
        raise RuntimeError(f"ldmspec explore {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    status, wall, own, kids = marker[-1].split()[1:]
    document = json.loads(done.stdout)
    return {
        "status": int(status),
        "wall": float(wall),
        "peak": int(own) * 1024,  # ru_maxrss is in KiB on Linux
        "peak_workers": int(kids) * 1024,  # the largest child's, not their sum
        "states": document["states"],
        "edges": document["edges"],
        "search": document["search_seconds"],
        "analysis": document["analysis_seconds"],
        "holds": all(p["status"] == "holds" for p in document["properties"]),
    }


def _median_child(config: dict[str, int], repeats: int, *extra: str) -> dict[str, Any]:
    runs = [_child(config, *extra) for _ in range(repeats)]
    figures = dict(runs[0])
    for key in ("wall", "peak", "peak_workers", "search", "analysis"):
        figures[key] = statistics.median(run[key] for run in runs)
    return figures


def _figure(value: float, unit: str, goal: str | None, met: bool | None, note: str) -> dict:
    return {"value": value, "unit": unit, "goal": goal, "met": met, "note": note}


def _mib(size: float) -> float:
    return round(size / 1024**2, 1)


def _peak(run: dict[str, Any], workers: int) -> int:
    """The command's peak plus ``workers`` times its largest worker's (an upper bound)."""
    return run["peak"] + workers * run["peak_workers"] if workers > 1 else run["peak"]


def _searched(name: str, run: dict[str, Any], note: str, workers: int = 1) -> dict[str, dict]:
    rate = run["states"] / run["search"] if run["search"] > 0 else 0.0
    peak = _peak(run, workers)
    per_state = peak / run["states"]
    return {
        f"{name}_states_per_second": _figure(
            round(rate),
            "states/s",
            None,
            None,
            f"{note}: {run['states']:,} states, {run['edges']:,} edges; search "
            f"{run['search']:.2f} s, analysis {run['analysis']:.2f} s, whole command "
            f"{run['wall']:.2f} s",
        ),
        f"{name}_peak_memory": _figure(
            _mib(peak),
            "MiB",
            None,
            None,
            f"{note}: peak resident set ({per_state:,.0f} bytes per state)"
            + (
                f": the command {_mib(run['peak'])} MiB + {workers} x its largest worker "
                f"{_mib(run['peak_workers'])} MiB"
                if workers > 1
                else ""
            ),
        ),
    }


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load:.1f}"


def run(repeats: int = int(os.environ.get("LDMSPEC_BENCH_REPEATS", "3"))) -> dict[str, Any]:
    """Measure; every figure but the big configuration's is a median over ``repeats``
    (``LDMSPEC_BENCH_REPEATS``, default 3)."""
    machine = _machine()
    bare, framework, ratio, toy_states = _overhead(repeats + 2)
    results: dict[str, Any] = {
        "framework_overhead": _figure(
            round(ratio, 2),
            "x",
            f"<= {GOAL_OVERHEAD}",
            ratio <= GOAL_OVERHEAD,
            f"explore() {framework:.2f} s against a bare BFS loop {bare:.2f} s (CPU, medians) "
            f"over the same successor function, toy model of {toy_states:,} states; {machine}",
        )
    }
    standard = _median_child(STANDARD, repeats)
    results.update(_searched("standard", standard, "h3-d3-k2 with symmetry, sequential"))
    results["standard_configuration_seconds"] = _figure(
        round(standard["wall"], 2),
        "s",
        f"<= {GOAL_STANDARD_SECONDS:.0f}",
        standard["wall"] <= GOAL_STANDARD_SECONDS and standard["holds"],
        "h3-d3-k2: whole command, every property checked",
    )
    large = _median_child(LARGE, repeats)
    results.update(_searched("large", large, "h4-d4-k3, 3 migrations, 2 faults, sequential"))
    parallel = _median_child(LARGE, repeats, "--workers=2")
    results.update(_searched("large_workers2", parallel, "the same with --workers 2", workers=2))
    if not os.environ.get("LDMSPEC_BENCH_QUICK"):
        results.update(_big())
    return results


def _big() -> dict[str, dict]:
    big = _child(BIG, "--workers=2")
    seconds_ok = big["wall"] <= GOAL_BIG_SECONDS
    memory_ok = _peak(big, 2) <= GOAL_BIG_BYTES
    note = "h4-d4-k3, 4 migrations, 2 faults, --workers 2: one run"
    results = _searched("big", big, note, workers=2)
    results["big_configuration_seconds"] = _figure(
        round(big["wall"], 1),
        "s",
        f"<= {GOAL_BIG_SECONDS:.0f}, complete, every property holds",
        seconds_ok and big["holds"] and big["status"] == 0,
        f"{note}, whole command; exit status {big['status']}",
    )
    results["big_configuration_memory"] = _figure(
        _mib(_peak(big, 2)),
        "MiB",
        f"<= {GOAL_BIG_BYTES // 1024**2:,}",
        memory_ok,
        f"{note}: peak resident set, the command plus twice its largest worker",
    )
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
