"""One domain against every other host of a fleet: ``ldmspec targets``.

The domain's requirement formulas are built once per process
(:class:`~ldmspec.solver.engine.DomainModel`); each candidate adds only its facts. With
``jobs > 1`` the candidates are split into chunks for a pool of worker *processes*
(z3 objects are not thread-safe, and threads were slower than processes on 2 cores:
``reference/precheck-anchors.md`` §1.8). On Linux the pool forks, so workers inherit
the fleet instead of unpickling it (z3 joins its timer threads in a ``pthread_atfork``
prepare handler, so forking after the parent used z3 timeouts is safe); elsewhere the
fleet (frozen values) is pickled.

Ranking: feasible targets first, by headroom (the smaller of the vCPU and memory
fractions left free on the target after the migration, largest first); then the others
by number of violations, then headroom; host name breaks ties, so the order is stable.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ldmspec.errors import CommandError
from ldmspec.inventory.facts import Fleet, Host
from ldmspec.solver.engine import DEFAULT_TIMEOUT_MS, domain_model
from ldmspec.solver.verdict import PrecheckVerdict
from ldmspec.solver.vetting import vetted

__all__ = ["RankedTarget", "headroom", "rank_targets"]


@dataclass(frozen=True)
class RankedTarget:
    """One candidate of ``targets``: its verdict and what it would have left."""

    verdict: PrecheckVerdict
    headroom: float
    free_vcpus_after: int
    free_memory_after: int

    def to_json(self) -> dict[str, Any]:
        v = self.verdict
        return {
            "host": v.target,
            "verdict": v.status,
            "headroom": round(self.headroom, 4),
            "free_vcpus_after": self.free_vcpus_after,
            "free_memory_after": self.free_memory_after,
            "violations": [x.to_json() for x in v.violations],
            "reason": v.reason or None,
        }


def headroom(target: Host, vcpus: int, memory: int) -> tuple[float, int, int]:
    """``(fraction, vCPUs left, bytes left)`` on ``target`` after taking the domain."""
    cpus_left = target.free_vcpus - vcpus
    mem_left = target.free_memory_size - memory
    fraction = min(
        cpus_left / target.strands if target.strands else 0.0,
        mem_left / target.total_memory if target.total_memory else 0.0,
    )
    return fraction, cpus_left, mem_left


# The fleet a forked worker inherits (set just before the pool starts).
_SHARED: dict[str, Any] = {}


def _check_chunk(args: tuple[Fleet | None, str, str, Sequence[str], int]) -> list[RankedTarget]:
    fleet, domain, source, names, timeout_ms = args
    fleet = fleet or _SHARED["fleet"]
    src = fleet.host(source)
    assert src is not None
    model = domain_model(src, domain)
    d = model.facts
    out = []
    for name in names:
        host = fleet.host(name)
        assert host is not None
        verdict = model.verdict_for(host, timeout_ms=timeout_ms, table=False)
        # A feasible host is listed only after the independent witness check agrees.
        verdict = replace(vetted(verdict, src, host), witness=None)
        fraction, cpus, mem = headroom(host, d.vcpus, d.memory)
        out.append(RankedTarget(verdict, fraction, cpus, mem))
    return out


def _chunks(names: Sequence[str], count: int) -> Iterator[Sequence[str]]:
    size = max(1, -(-len(names) // count))
    for start in range(0, len(names), size):
        yield names[start : start + size]


def _rank_key(r: RankedTarget) -> tuple[int, int, float, str]:
    order = {"feasible": 0, "infeasible": 1, "unknown": 2}[r.verdict.status]
    return order, len(r.verdict.violations), -r.headroom, r.verdict.target


def rank_targets(
    fleet: Fleet,
    domain: str,
    source: str,
    *,
    jobs: int = 1,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: bool = False,
) -> tuple[RankedTarget, ...]:
    """Every host but ``source`` as a target for ``domain``, ranked (module docstring)."""
    src = fleet.host(source)
    if src is None:
        raise CommandError(
            f"unknown source host {source!r}", fix="hosts: " + ", ".join(fleet.host_names)
        )
    if src.domain(domain) is None:
        holders = [h.name for h in fleet.hosts if h.domain(domain) is not None]
        hint = f"it is on {', '.join(holders)}" if holders else "no host has it"
        raise CommandError(f"source {source!r} has no domain {domain!r}", fix=hint)
    names = [h.name for h in fleet.hosts if h.name != source]
    jobs = max(1, min(jobs, os.cpu_count() or 1, len(names) or 1))
    results: list[RankedTarget] = []
    if jobs == 1:
        chunks = list(_chunks(names, max(1, len(names) // 100)))
        for k, chunk in enumerate(chunks, 1):
            results += _check_chunk((fleet, domain, source, chunk, timeout_ms))
            _progress(progress, len(results), len(names), k == len(chunks))
    else:
        results = _in_processes(fleet, domain, source, names, jobs, timeout_ms, progress)
    return tuple(sorted(results, key=_rank_key))


def _in_processes(
    fleet: Fleet,
    domain: str,
    source: str,
    names: Sequence[str],
    jobs: int,
    timeout_ms: int,
    progress: bool,
) -> list[RankedTarget]:
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    shipped = None if fork else fleet
    _SHARED["fleet"] = fleet
    tasks = [(shipped, domain, source, c, timeout_ms) for c in _chunks(names, jobs * 8)]
    results: list[RankedTarget] = []
    try:
        with context.Pool(jobs) as pool:
            for done in pool.imap_unordered(_check_chunk, tasks):
                results += done
                _progress(progress, len(results), len(names), len(results) == len(names))
    finally:
        _SHARED.clear()
    return results


def _progress(enabled: bool, done: int, total: int, last: bool) -> None:
    if not enabled:
        return
    sys.stderr.write(f"\rchecked {done}/{total} hosts")
    if last:
        sys.stderr.write("\n")
    sys.stderr.flush()
