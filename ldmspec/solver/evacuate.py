"""Evacuation plans: move every migratable domain off a host, or prove it cannot be done.

::

    from ldmspec.solver.evacuate import evacuate
    result = evacuate(fleet, "t4-a", max_parallel=1, timeout_s=60, jobs=1)
    result.verdict        # "plan" | "impossible" | "unknown"
    result.waves          # ((Move(wave, domain, source, target, ...), ...), ...)
    result.staying        # (Staying(domain, why), ...): the control domain
    result.blocking       # (Blocker(domain, why, reasons=(Reason(target, ids, observed),
                          #   ...)), ...): domains no other host can take, and why not
    result.conflict       # Conflict(domains, targets, ids, ...) or None: domains that
                          #   each fit somewhere alone but not all together
    result.verified       # every step re-proved by the z3 model on the fleet as it
                          #   stands at its wave
    result.to_json()      # the `ldmspec evacuate --json` document

How a plan is found (a decomposition; each part is exact, so "impossible" is a proof):

1. *Scope.* The control domain never moves (it stays). A domain with direct I/O is an
   I/O domain (IO-1): it cannot move, so it blocks the evacuation and is named.
   Every other domain, active, bound or inactive, must move.
2. *Candidate pairs.* :func:`ldmspec.solver.moves.may_accept` keeps the (domain,
   target) pairs that pass cheap necessary conditions of the z3 model; it never drops a
   pair z3 would accept, so the candidates are a superset of the feasible pairs.
3. *Placement.* CP-SAT (:mod:`ldmspec.solver.placement`) assigns each domain one
   candidate target within the targets' free cores, strands, memory and console ports,
   balancing headroom. Infeasible there means infeasible: the candidates are a superset
   and the capacities are necessary conditions.
4. *Memory layout.* Each target's set of domains gets physical addresses
   (:func:`~ldmspec.solver.moves.layout_memory`: first-fit, else z3 on MEM-2 for all of
   them jointly). Sizes that sum up but do not fit contiguously give a z3 unsat core,
   added to CP-SAT as a cut ("these domains cannot all go to that target"); re-solve.
5. *Waves and verification.* The moves are ordered (domains that need whole cores
   first, so that others do not take their cores; then by size) and put in waves. The
   plan is applied wave by wave to the fleet as new frozen values, and every migration
   is re-checked with :func:`ldmspec.solver.check_migration` against the fleet as it
   stands at its wave. A pair z3 rejects for a non-capacity requirement is removed
   from the candidates; re-solve. The plan is returned only if every step is feasible.

Waves: a host is in at most one migration per wave, as source or target, except that
the source may send up to ``max_parallel`` at once (default 1, the conservative
concurrency default of the dossier, U2/§7.7); so each wave has at most
``max_parallel`` migrations, to distinct targets. With ``max_parallel > 1`` CP-SAT
first keeps each target within ``ceil(domains / max_parallel)`` domains and the waves
serve the busiest targets first, so the plan has the fewest waves.

"unknown" (exit 3) when CP-SAT or z3 runs out of budget before an answer, or when an
"impossible" would rest on an undecided z3 check: never a plan or a proof.
"""

from __future__ import annotations

import time

from ldmspec.errors import CommandError
from ldmspec.inventory.facts import Domain, Fleet, Host
from ldmspec.solver.evacuation import Conflict, Evacuation, Staying, unknown_result
from ldmspec.solver.evacuation_plan import candidate_plan
from ldmspec.solver.evacuation_proof import capacity_conflict, impossible
from ldmspec.solver.evacuation_search import OFFERED, Clock, Say, Search, quiet
from ldmspec.solver.placement import solve_placement

__all__ = ["evacuate"]


def _scope(source: Host) -> tuple[list[Staying], list[Domain], list[Domain]]:
    """(staying, I/O domains, domains to move) of the evacuated host."""
    staying, io, movers = [], [], []
    for d in source.domains:
        if d.is_control:
            staying.append(Staying(d.name, "control domain: never migrates"))
        elif any(d.holds_resources or dev.blocks_cold for dev in d.io):
            io.append(d)  # IO-1 blocks it whatever the target
        else:
            movers.append(d)
    return staying, io, movers


def evacuate(
    fleet: Fleet,
    host: str,
    *,
    max_parallel: int = 1,
    timeout_s: float = 60.0,
    jobs: int = 1,
    say: Say | None = None,
) -> Evacuation:
    """A verified plan moving every migratable domain off ``host``, or why none exists.

    ``max_parallel``: migrations the source runs at once (each to its own target).
    ``timeout_s`` bounds the whole search; ``jobs`` worker processes verify the steps
    and explain blocking domains. ``say`` receives progress lines.
    """
    source = fleet.host(host)
    if source is None:
        raise CommandError(f"unknown host {host!r}", fix="hosts: " + ", ".join(fleet.host_names))
    if max_parallel < 1:
        raise CommandError("--max-parallel must be at least 1")
    start = time.monotonic()
    staying, io_domains, movers = _scope(source)
    search = Search(fleet, source, movers, Clock(timeout_s), max(1, jobs), say or quiet)
    search.prefilter()
    result = _search(search, io_domains, max_parallel)
    search.stats["total_s"] = round(time.monotonic() - start, 3)
    return Evacuation(
        host=host,
        verdict=result.verdict,
        waves=result.waves,
        staying=tuple(staying),
        blocking=result.blocking,
        conflict=result.conflict,
        verified=result.verified,
        reason=result.reason,
        max_parallel=max_parallel,
        stats=tuple(sorted(search.stats.items())),
        after=result.after,
    )


def _search(search: Search, io_domains: list[Domain], max_parallel: int) -> Evacuation:
    """The loop of the module docstring: place, lay out, verify; cut and re-solve."""
    host = search.source.name
    rounds, level = 0, 0
    while True:
        rounds += 1
        search.stats["rounds"] = rounds
        blocked = [d.name for d in io_domains]
        blocked += [d.name for d in search.movers if not search.open_candidates(d.name)]
        rest = [d.name for d in search.movers if d.name not in blocked]
        if search.clock.left() <= 0:
            return unknown_result(host, "the time budget ran out before an answer")
        limit = OFFERED[level]
        problem = search.problem(rest, limit, max_parallel)
        placed = solve_placement(problem, time_limit_s=max(search.clock.left(), 0.01))
        search.stats["cpsat_s"] = round(search.stats.get("cpsat_s", 0) + placed.seconds, 3)
        offered = f"{limit} roomiest" if limit else "all"
        search.say(
            f"round {rounds}: CP-SAT over {offered} candidates: {placed.status}"
            f" in {placed.seconds:.2f} s"
        )
        if placed.status != "placed" and limit is not None:
            level += 1  # not a proof yet: offer more candidates
            continue
        if placed.status == "unknown":
            return unknown_result(
                host, "CP-SAT found no placement and no proof within the time limit"
            )
        if placed.status == "infeasible":
            conflict = capacity_conflict(search, problem)
            if conflict == "retry":
                continue
            if not isinstance(conflict, Conflict):
                return unknown_result(host, "the time budget ran out while isolating the conflict")
            return impossible(search, blocked, conflict)
        if blocked:
            return impossible(search, blocked, None)
        plan = candidate_plan(search, placed.assignment, max_parallel)
        if plan is not None:
            search.stats["fullest_target_permille"] = placed.fullest_permille or 0
            return plan
