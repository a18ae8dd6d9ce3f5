"""A candidate evacuation plan: memory layout per target, waves, and z3 on every step.

:func:`candidate_plan` lays out each target's memory, schedules the waves, applies
them to the fleet as new frozen values and re-checks every migration with z3 on the
fleet as it stands at its wave; a failed step teaches the search (a forbidden pair or
a cut) and the plan is dropped.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from typing import Any

from ldmspec.inventory.facts import Domain, Fleet
from ldmspec.models.preconditions import split_allowed
from ldmspec.solver.evacuation import Evacuation, Move
from ldmspec.solver.evacuation_search import Say, Search
from ldmspec.solver.migration import check_migration
from ldmspec.solver.moves import CAPACITY_IDS, layout_memory, move_domain, schedule_waves
from ldmspec.solver.placement import bins_of
from ldmspec.solver.verdict import PrecheckVerdict

__all__ = ["candidate_plan"]


def _order(search: Search, assignment: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Moves in migration order: whole-core domains first, then larger ones, then name."""

    def key(move: tuple[str, str]) -> tuple[bool, int, int, str]:
        item = search.item(search.domain(move[0]))
        return (not item.whole_cores, -item.memory, -item.vcpus, move[0])

    return sorted(assignment, key=key)


def candidate_plan(
    search: Search, assignment: Sequence[tuple[str, str]], max_parallel: int
) -> Evacuation | None:
    """Lay out, schedule, apply and verify one placement; None after adding a cut."""
    order = _order(search, assignment)
    layouts = {}
    for target, names in bins_of(order).items():
        t = search.host(target)
        blocks = [(n, search.facts[n].side.blocks) for n in names]
        blocks = [(n, b) for n, b in blocks if search.domain(n).holds_resources]
        layout = layout_memory(t, blocks, timeout_ms=search.clock.ms())
        if layout.status != "placed":
            members = layout.core if layout.status == "conflict" else tuple(names)
            search.cuts.append((target, frozenset(members)))
            if layout.status != "conflict":
                search.unproven.append(f"MEM-2 on {target} undecided for {', '.join(names)}")
            elif any(split_allowed(search.facts[n].side, t.ldm_version) for n in members):
                # The layout keeps blocks whole; a guest that may split makes the cut a
                # choice of the planner, not a proof.
                search.unproven.append(
                    f"MEM-2 on {target}: {', '.join(members)} laid out without splitting"
                )
            search.say(f"MEM-2 cut on {target}: {', '.join(members)}")
            return None
        layouts.update(dict(layout.blocks))
    waves = schedule_waves(order, max_parallel)
    states, after = _apply(search, waves, layouts)
    failed = _verify(search, waves, states)
    if failed:
        for domain, target, verdict in failed:
            _learn(search, domain, target, verdict, waves)
        return None
    host = search.source.name
    moves = tuple(
        tuple(_move(search.domain(d), k, host, t) for d, t in wave)
        for k, wave in enumerate(waves, 1)
    )
    return Evacuation(host=host, verdict="plan", waves=moves, verified=True, after=after)


def _move(d: Domain, wave: int, source: str, target: str) -> Move:
    memory = sum(b.size for b in d.memory) or d.memory_size
    return Move(wave, d.name, source, target, d.state.value, d.vcpus, memory)


def _apply(
    search: Search, waves: list[list[tuple[str, str]]], layouts: dict[str, Any]
) -> tuple[list[Fleet], Fleet]:
    """The fleet before each wave, and after the last one."""
    live_left: dict[str, int] = {}
    for wave in waves:
        for d, t in wave:
            live_left[t] = live_left.get(t, 0) + ("VIO-4" in search.facts[d].applies)
    fleet = search.fleet
    states = []
    for wave in waves:
        states.append(fleet)
        for d, t in wave:
            live_left[t] -= "VIO-4" in search.facts[d].applies
            fleet = move_domain(
                fleet,
                d,
                search.source.name,
                t,
                blocks=layouts.get(d, ()),
                whole_cores=search.item(search.domain(d)).whole_cores,
                keep_ports=live_left[t],
            )
    return states, fleet


# The wave states a forked verification worker inherits.
_SHARED: dict[str, Any] = {}


def _verify_steps(steps: list[tuple[int, str, str, int]]) -> list[PrecheckVerdict]:
    states, source = _SHARED["states"], _SHARED["source"]
    return [check_migration(states[w], d, source, t, timeout_ms=ms) for w, d, t, ms in steps]


def _verify(
    search: Search, waves: list[list[tuple[str, str]]], states: list[Fleet]
) -> list[tuple[str, str, PrecheckVerdict]]:
    """Re-check every step with z3 on the fleet at its wave; the failing ones."""
    start = time.monotonic()
    ms = search.clock.ms()
    steps = [(w, d, t, ms) for w, wave in enumerate(waves) for d, t in wave]
    _SHARED.update(states=states, source=search.source.name)
    try:
        verdicts = _run_steps(steps, search.jobs, search.say)
    finally:
        _SHARED.clear()
    failed = []
    for (_, d, t, _), verdict in zip(steps, verdicts, strict=True):
        if verdict.feasible:
            search.confirmed.add((d, t))
        else:
            failed.append((d, t, verdict))
    search.stats["verify_s"] = round(search.stats.get("verify_s", 0) + time.monotonic() - start, 3)
    search.stats["verified_steps"] = search.stats.get("verified_steps", 0) + len(steps)
    search.say(f"verified {len(steps)} steps with z3, {len(failed)} failed")
    return failed


def _run_steps(
    steps: list[tuple[int, str, str, int]], jobs: int, say: Say
) -> list[PrecheckVerdict]:
    jobs = min(jobs, os.cpu_count() or 1, max(1, len(steps) // 8))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _verify_steps(steps)
    size = -(-len(steps) // (jobs * 4))
    chunks = [steps[k : k + size] for k in range(0, len(steps), size)]
    out: list[PrecheckVerdict] = []
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for done in pool.imap(_verify_steps, chunks):
            out += done
    return out


def _learn(
    search: Search,
    domain: str,
    target: str,
    verdict: PrecheckVerdict,
    waves: list[list[tuple[str, str]]],
) -> None:
    """What a failed step teaches the next round."""
    if verdict.status == "unknown":
        search.forbidden[domain, target] = verdict
        search.unproven.append(f"z3 undecided for {domain} -> {target} ({verdict.reason})")
        return
    if set(verdict.violated_ids) - CAPACITY_IDS:
        search.forbidden[domain, target] = verdict  # holds whatever the target holds
        return
    alone = search.check_pair(domain, target)
    if not alone.feasible:
        return
    # It fits the target alone but not after the domains before it: cut that set.
    before: list[str] = []
    for wave in waves:
        for d, t in wave:
            if t == target:
                before.append(d)
        if domain in before:
            break
    search.cuts.append((target, frozenset(before)))
    search.unproven.append(f"{target} cannot take {', '.join(before)} in this order")
