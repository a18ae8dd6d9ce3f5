"""Benchmark the reference implementation: scheduler events/s and 16 GB live migrations/s.

    python bench/bench_system.py          # prints the figures as JSON

Figures (medians over repeated runs, after a warm-up run):

* ``scheduler_events_per_s``: the bare seeded scheduler running no-op events, ten
  due at every tick (so each step makes a seeded choice among ties);
* ``system_events_per_s``: every event of the whole system (deliveries, timers, guest
  writes) while ldom01 (16 GB) live-migrates t4-a -> t4-b with a steady dirty rate;
* ``observations_per_s``: :meth:`Datacenter.observe` snapshots of the example fleet
  (six hosts, fifteen domains) in the middle of a migration, as the property suites
  take one after every step;
* ``migrations_per_s_16g``: complete live migrations of that 16 GB domain per second of
  wall time, the guest writing ``DIRTY_RATE`` pages (8 KB) per tick in sequential runs,
  below the link's bandwidth of 65,536 pages per tick so pre-copy converges.

Memory is modelled as page groups (64 pages of 8 KB, see ldmspec.system.hypervisor):
a 16 GB domain is 32,768 groups, which is what keeps a full migration cheap.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from ldmspec.inventory import load_fleet
from ldmspec.system import Datacenter
from ldmspec.system.scheduler import Scheduler

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fleet.toml"
DIRTY_RATE = 2000  # pages per tick


def _figure(value: float, unit: str, note: str) -> dict[str, Any]:
    return {"value": round(value, 1), "unit": unit, "goal": None, "met": None, "note": note}


def machine() -> str:
    cpus, python = os.cpu_count(), platform.python_version()
    return f"{platform.node()} ({platform.machine()}, {cpus} cpus, Python {python})"


def scheduler_events_per_s(events: int = 200_000) -> float:
    scheduler = Scheduler(seed=1, keep_trace=False)

    def noop() -> None:
        pass

    for i in range(events):
        scheduler.after(i // 10, "noop", noop)
    start = time.perf_counter()
    ran = scheduler.run(events)
    return ran / (time.perf_counter() - start)


def observations_per_s(count: int = 2000) -> float:
    dc = Datacenter.from_fleet(load_fleet(EXAMPLE), seed=0)
    dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
    dc.tick(20)
    start = time.perf_counter()
    for _ in range(count):
        dc.observe()
    return count / (time.perf_counter() - start)


def one_migration(seed: int) -> tuple[float, int, dict[str, Any]]:
    """Seconds and events for one 16 GB live migration under a steady dirty rate."""
    dc = Datacenter.from_fleet(load_fleet(EXAMPLE), seed=seed)
    dc.set_dirty_rate("t4-a", "ldom01", DIRTY_RATE)
    start = time.perf_counter()
    dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
    dc.run_until_quiescent()
    seconds = time.perf_counter() - start
    view = dc.observe().migrations[0]
    assert view.outcome == "completed", view
    detail = {
        "rounds": view.rounds,
        "pages_sent": view.pages_sent,
        "ticks": dc.scheduler.now,
        "downtime": view.downtime,
    }
    return seconds, dc.scheduler.executed, detail


def run(repeat: int = 7) -> dict[str, Any]:
    """The figures, as ``bench/run.py`` aggregates them."""
    scheduler_events_per_s(20_000)  # warm-up
    raw = statistics.median(scheduler_events_per_s() for _ in range(repeat))
    observe = statistics.median(observations_per_s() for _ in range(repeat))
    one_migration(0)  # warm-up
    runs = [one_migration(seed) for seed in range(repeat)]
    seconds = statistics.median(r[0] for r in runs)
    events = statistics.median(r[1] / r[0] for r in runs)
    detail = runs[0][2]
    return {
        "machine": machine(),
        "scheduler_events_per_s": _figure(raw, "events/s", "bare scheduler, no-op events"),
        "system_events_per_s": _figure(
            events, "events/s", "deliveries, timers and guest writes during a 16 GB migration"
        ),
        "observations_per_s": _figure(
            observe, "observations/s", "frozen snapshots of 6 hosts and 15 domains"
        ),
        "migrations_per_s_16g": _figure(
            1 / seconds,
            "migrations/s",
            f"ldom01 16 GB t4-a -> t4-b, {DIRTY_RATE} pages/tick dirtied; "
            f"{detail['rounds']} rounds, {detail['pages_sent']} pages sent, "
            f"{detail['ticks']} ticks, suspended {detail['downtime']} ticks; median of {repeat}",
        ),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
