"""Why an evacuation is impossible: blocking domains and minimal capacity conflicts.

A blocking domain is checked by z3 against every other host; a capacity conflict is a
set of domains CP-SAT cannot place together, confirmed pair by pair by z3. Either is a
proof only when nothing behind it rests on an undecided check.
"""

from __future__ import annotations

from collections.abc import Sequence

from ldmspec.inventory.facts import Domain
from ldmspec.inventory.units import format_size
from ldmspec.solver.evacuation import Blocker, Conflict, Evacuation, Reason, unknown_result
from ldmspec.solver.evacuation_search import Search
from ldmspec.solver.migration import check_targets
from ldmspec.solver.placement import PlacementProblem, minimal_conflict

__all__ = ["capacity_conflict", "impossible"]


def capacity_conflict(search: Search, problem: PlacementProblem) -> Conflict | str:
    """The capacity conflict behind an infeasible placement, on z3-confirmed pairs.

    "retry" when z3 rejected one of the conflict's pairs (the problem changed),
    "unknown" when CP-SAT or z3 could not isolate and confirm it in time.
    """
    names = minimal_conflict(problem, time_limit_s=max(search.clock.left(), 0.01))
    if names is None:
        return "unknown"
    changed = False
    for n in names:
        for t in search.open_candidates(n):
            if (n, t) not in search.confirmed:
                if search.clock.left() <= 0:
                    return "unknown"
                changed |= not search.check_pair(n, t).feasible
    if changed:
        return "retry"
    return _describe_conflict(search, problem, names)


def _describe_conflict(search: Search, problem: PlacementProblem, names: Sequence[str]) -> Conflict:
    items = {i.name: i for i in problem.items}
    bins = {b.name: b for b in problem.bins}
    targets = sorted({t for n in names for t in search.open_candidates(n)})
    members = [items[n] for n in names]
    need = {
        "vcpus": sum(i.vcpus for i in members),
        "cores": sum(min(i.cores_on(bins[t]) for t in search.open_candidates(i.name))
                     for i in members),
        "memory": sum(i.memory for i in members),
        "ports": sum(i.port for i in members),
    }  # fmt: skip
    free = {
        "vcpus": sum(bins[t].strands for t in targets),
        "cores": sum(bins[t].cores for t in targets),
        "memory": sum(bins[t].memory for t in targets),
        "ports": sum(bins[t].ports for t in targets),
    }
    ids = [rid for rid, key in (("CPU-1", "vcpus"), ("CPU-8", "cores"), ("MEM-1", "memory"),
                                ("VIO-4", "ports")) if need[key] > free[key]]  # fmt: skip
    cuts = [
        f"MEM-2 on {t}: the blocks of {', '.join(sorted(m))} do not fit its free memory together"
        for t, m in search.cuts
        if t in targets and m <= set(names)
    ]
    if cuts:
        ids.append("MEM-2")
    who = ", ".join(names)
    where = ", ".join(targets) if len(targets) <= 8 else f"{len(targets)} hosts"
    if ids and ids != ["MEM-2"]:
        shown = [
            k for k in ("vcpus", "memory", "cores", "ports") if need[k] or k in ("vcpus", "memory")
        ]
        text = (
            f"{who} together need {_amounts(need, shown)}; the hosts that can take them"
            f" ({where}) have {_amounts(free, shown)} free"
        )
    else:
        text = (
            f"{who} each fit some of {where} alone, but no assignment of all of them "
            "respects every host's free vCPUs, cores, memory and console ports"
        )
    return Conflict(
        domains=tuple(names),
        targets=tuple(targets),
        ids=tuple(ids),
        need=tuple(need.items()),
        free=tuple(free.items()),
        cuts=tuple(cuts),
        text=text,
    )


def _amounts(values: dict[str, int], keys: Sequence[str]) -> str:
    words = {"vcpus": "vCPUs", "memory": "memory", "cores": "whole cores", "ports": "console ports"}
    parts = [
        f"{format_size(values[k])} memory" if k == "memory" else f"{values[k]} {words[k]}"
        for k in keys
    ]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def impossible(search: Search, blocked: list[str], conflict: Conflict | None) -> Evacuation:
    """The proof: blocking domains (z3 on every other host) and/or a capacity conflict.

    A blocking domain whose every reason is decided is a proof by itself; a conflict
    is one only when no cut or exclusion behind it rests on an undecided check.
    """
    host = search.source.name
    blockers: list[Blocker] = []
    for name in blocked:
        if blockers and search.clock.left() <= 0:
            # One explained blocker is the proof; the rest are named, not explained.
            blockers.append(Blocker(name, _why(search.domain(name)), (), explained=False))
            continue
        blocker = _blocker(search, name)
        if blocker is None:  # z3 accepts a host the prefilter refused: never a proof
            return unknown_result(host, f"the prefilter and z3 disagree on {name}")
        blockers.append(blocker)
    proven = [b for b in blockers if b.explained and all(r.status != "unknown" for r in b.reasons)]
    if search.unproven:
        conflict = None
    if proven or conflict is not None:
        return Evacuation(
            host=host, verdict="impossible", blocking=tuple(blockers), conflict=conflict
        )
    why = "; ".join(search.unproven) or "z3 could not decide some of the pairs"
    return Evacuation(
        host=host,
        verdict="unknown",
        blocking=tuple(blockers),
        reason="no plan found, but not proven: " + why,
    )


def _why(d: Domain) -> str:
    if d.io:
        return f"I/O domain (direct I/O {', '.join(map(str, d.io))}): cannot migrate"
    return "no other host can take it"


def _blocker(search: Search, name: str) -> Blocker | None:
    why = _why(search.domain(name))
    ranked = check_targets(
        search.fleet,
        name,
        search.source.name,
        jobs=search.jobs,
        timeout_ms=search.clock.ms(),
    )
    reasons = []
    for r in sorted(ranked, key=lambda r: r.verdict.target):
        v = r.verdict
        if v.feasible:
            earlier = search.forbidden.get((name, v.target))
            if earlier is None or earlier.status != "unknown":
                return None  # the prefilter refused a pair z3 accepts
            # Decided now, undecided when it mattered: no proof either way.
            reasons.append(Reason(v.target, (), (f"undecided: {earlier.reason}",), "unknown"))
            continue
        if v.status == "unknown":
            reasons.append(Reason(v.target, (), (f"undecided: {v.reason}",), "unknown"))
        else:
            reasons.append(
                Reason(v.target, v.violated_ids, tuple(x.observed for x in v.violations))
            )
    return Blocker(name, why, tuple(reasons))
