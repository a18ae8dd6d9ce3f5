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
   I/O domain (ST-2, IO-1): it cannot move, so it blocks the evacuation and is named.
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

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ldmspec.errors import CommandError
from ldmspec.inventory.facts import Domain, Fleet, Host
from ldmspec.inventory.units import GIB, format_size
from ldmspec.models.preconditions import domain_side
from ldmspec.solver import check_migration, check_targets
from ldmspec.solver.engine import DEFAULT_TIMEOUT_MS
from ldmspec.solver.moves import (
    CAPACITY_IDS,
    DomainFacts,
    HostFacts,
    host_facts,
    host_kind,
    layout_memory,
    may_accept,
    move_domain,
    schedule_waves,
)
from ldmspec.solver.placement import (
    Bin,
    Item,
    PlacementProblem,
    bins_of,
    minimal_conflict,
    solve_placement,
)
from ldmspec.solver.verdict import Verdict

__all__ = [
    "Blocker",
    "Conflict",
    "Evacuation",
    "Move",
    "Reason",
    "Staying",
    "evacuate",
]

Outcome = Literal["plan", "impossible", "unknown"]

# Candidates offered to each domain in successive placement rounds: a few roomiest
# targets first (small, fast CP-SAT models), then all of them (the proof).
OFFERED: tuple[int | None, ...] = (16, 64, None)


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    """One migration of the plan, in wave ``wave`` (1-based)."""

    wave: int
    domain: str
    source: str
    target: str
    state: str
    vcpus: int
    memory: int

    @property
    def command(self) -> str:
        """The command to run on the source (it asks for the target's password)."""
        return f"ldm migrate-domain {self.domain} root@{self.target}"

    def to_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "source": self.source,
            "target": self.target,
            "state": self.state,
            "vcpus": self.vcpus,
            "memory": self.memory,
            "command": self.command,
        }


@dataclass(frozen=True)
class Reason:
    """Why one target cannot take a blocking domain: the violated ids and what was seen
    (``observed[k]`` is about ``ids[k]``); an undecided check has no ids."""

    target: str
    ids: tuple[str, ...]
    observed: tuple[str, ...]
    status: str = "infeasible"

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ids": list(self.ids),
            "observed": list(self.observed),
            "status": self.status,
        }


@dataclass(frozen=True)
class Blocker:
    """A domain of the evacuated host that no other host can take, with every reason.

    ``explained`` is False when the time budget ran out before z3 checked it against
    every other host (another blocker already proves the evacuation impossible): then
    ``reasons`` is empty.
    """

    domain: str
    why: str
    reasons: tuple[Reason, ...]
    explained: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "why": self.why,
            "reasons": [r.to_json() for r in self.reasons],
            "explained": self.explained,
        }


@dataclass(frozen=True)
class Conflict:
    """Domains that each fit some target alone but cannot all be placed together.

    No proper subset of ``domains`` is a conflict. ``targets`` are the hosts that could
    take any of them (by every requirement but capacity); ``ids`` the capacity
    requirements their total exceeds on those hosts (empty when the totals fit but no
    assignment does: bin packing), ``need``/``free`` the totals, ``cuts`` the MEM-2
    findings (domains whose blocks cannot share a target's free memory).
    """

    domains: tuple[str, ...]
    targets: tuple[str, ...]
    ids: tuple[str, ...]
    need: tuple[tuple[str, int], ...]
    free: tuple[tuple[str, int], ...]
    cuts: tuple[str, ...]
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "domains": list(self.domains),
            "targets": list(self.targets),
            "ids": list(self.ids),
            "need": dict(self.need),
            "free": dict(self.free),
            "cuts": list(self.cuts),
            "text": self.text,
        }


@dataclass(frozen=True)
class Staying:
    """A domain that stays on the evacuated host, and why."""

    domain: str
    why: str


@dataclass(frozen=True)
class Evacuation:
    """The answer of :func:`evacuate` (see the module docstring)."""

    host: str
    verdict: Outcome
    waves: tuple[tuple[Move, ...], ...] = ()
    staying: tuple[Staying, ...] = ()
    blocking: tuple[Blocker, ...] = ()
    conflict: Conflict | None = None
    verified: bool = False
    reason: str = ""
    max_parallel: int = 1
    stats: tuple[tuple[str, float | int], ...] = ()
    # The fleet after the whole plan (a plan only): not part of the answer's identity.
    after: Fleet | None = field(default=None, compare=False, repr=False)

    @property
    def exit_status(self) -> int:
        """0 plan, 1 impossible, 3 unknown."""
        return {"plan": 0, "impossible": 1, "unknown": 3}[self.verdict]

    @property
    def moves(self) -> tuple[Move, ...]:
        return tuple(m for wave in self.waves for m in wave)

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "verdict": self.verdict,
            "max_parallel": self.max_parallel,
            "waves": [[m.to_json() for m in wave] for wave in self.waves],
            "staying": [{"domain": s.domain, "why": s.why} for s in self.staying],
            "blocking": [b.to_json() for b in self.blocking],
            "conflict": self.conflict.to_json() if self.conflict else None,
            "verified": self.verified,
            "reason": self.reason or None,
            # Counts only: timings would make the document differ from run to run.
            "stats": {k: v for k, v in self.stats if not k.endswith("_s")},
        }


# --------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------
class _Clock:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def ms(self) -> int:
        return max(1, min(DEFAULT_TIMEOUT_MS, int(self.left() * 1000)))


Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def _stderr(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


@dataclass
class _Search:
    """The state of one evacuation search (mutable while it runs)."""

    fleet: Fleet
    source: Host
    movers: list[Domain]
    clock: _Clock
    jobs: int
    say: Say
    facts: dict[str, DomainFacts] = field(default_factory=dict)
    candidates: dict[str, list[str]] = field(default_factory=dict)
    forbidden: dict[tuple[str, str], Verdict | None] = field(default_factory=dict)
    confirmed: set[tuple[str, str]] = field(default_factory=set)
    cuts: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    unproven: list[str] = field(default_factory=list)
    stats: dict[str, float | int] = field(default_factory=dict)

    # --- candidate pairs ----------------------------------------------------------------
    def prefilter(self) -> None:
        start = time.monotonic()
        others = [h for h in self.fleet.hosts if h.name != self.source.name]
        hosts = [host_facts(h) for h in others]
        kinds = [host_kind(h) for h in hosts]
        for d in self.movers:
            f = self.facts[d.name] = DomainFacts(domain_side(self.source, d))
            kept = [h for h, k in zip(hosts, kinds, strict=True) if may_accept(f, h, k)]
            # Roomiest first: what a restricted placement round offers (`problem`).
            kept.sort(key=lambda h: (-_room(h, f.side.vcpus, f.side.memory), h.name))
            self.candidates[d.name] = [h.name for h in kept]
        pairs = sum(len(c) for c in self.candidates.values())
        self.stats["pairs"] = len(self.movers) * len(others)
        self.stats["candidate_pairs"] = pairs
        self.stats["prefilter_s"] = round(time.monotonic() - start, 3)
        self.say(f"prefilter: {pairs} candidate pairs of {len(self.movers) * len(others)}")

    def domain(self, name: str) -> Domain:
        """A domain of the evacuated host (the search only asks for those)."""
        found = self.source.domain(name)
        if found is None:
            raise KeyError(name)
        return found

    def host(self, name: str) -> Host:
        found = self.fleet.host(name)
        if found is None:
            raise KeyError(name)
        return found

    def open_candidates(self, name: str, limit: int | None = None) -> list[str]:
        """The candidates of ``name`` z3 has not rejected (the ``limit`` roomiest)."""
        out = [t for t in self.candidates[name] if (name, t) not in self.forbidden]
        return out if limit is None else out[:limit]

    # --- the placement problem ----------------------------------------------------------
    def problem(
        self, names: Sequence[str], limit: int | None = None, max_parallel: int = 1
    ) -> PlacementProblem:
        """The placement of ``names``; with ``limit``, each may go only to its ``limit``
        roomiest candidates (a plan found so is a plan; "infeasible" is not a proof)."""
        items = tuple(self.item(self.domain(n)) for n in names)
        offered = {n: self.open_candidates(n, limit) for n in names}
        wanted = sorted({t for n in names for t in offered[n]})
        bins = tuple(_bin(self.host(t)) for t in wanted)
        members = set(names)
        return PlacementProblem(
            items=items,
            bins=bins,
            candidates=tuple(tuple(offered[n]) for n in names),
            cuts=tuple((t, m) for t, m in self.cuts if m <= members),
            # Waves: with N at once, no target should need more than ceil(n / N) of them.
            per_bin_goal=-(-len(names) // max_parallel) if max_parallel > 1 else None,
        )

    def item(self, d: Domain) -> Item:
        f = self.facts[d.name]
        holds = d.holds_resources
        return Item(
            name=d.name,
            vcpus=d.vcpus if holds else 0,
            memory=f.side.memory if holds else 0,
            whole_cores=holds and "CPU-8" in f.applies,
            port="VIO-4" in f.applies,
        )

    # --- z3 on pairs ---------------------------------------------------------------------
    def check_pair(self, domain: str, target: str) -> Verdict:
        """z3 on the pair against the fleet as it is (targets only fill up later)."""
        verdict = check_migration(
            self.fleet, domain, self.source.name, target, timeout_ms=self.clock.ms()
        )
        if verdict.feasible:
            self.confirmed.add((domain, target))
        else:
            self.forbidden[domain, target] = verdict
        return verdict


def _room(h: HostFacts, vcpus: int, memory: int) -> float:
    """How much a candidate keeps free after taking the domain (for ranking only)."""
    return min(h.free_vcpus - vcpus, (h.free_memory - memory) / GIB / 8)


def _bin(host: Host) -> Bin:
    return Bin(
        name=host.name,
        strands=host.free_vcpus,
        cores=len(host.free_cores),
        threads_per_core=host.threads_per_core,
        memory=host.free_memory_size,
        ports=len(host.free_console_ports()),
        total_strands=host.strands,
        total_memory=host.total_memory,
    )


def _scope(source: Host) -> tuple[list[Staying], list[Domain], list[Domain]]:
    """(staying, I/O domains, domains to move) of the evacuated host."""
    staying, io, movers = [], [], []
    for d in source.domains:
        if d.is_control:
            staying.append(Staying(d.name, "control domain: never migrates"))
        elif d.io:
            io.append(d)
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
    search = _Search(fleet, source, movers, _Clock(timeout_s), max(1, jobs), say or _quiet)
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


def _search(search: _Search, io_domains: list[Domain], max_parallel: int) -> Evacuation:
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
            return _unknown(host, "the time budget ran out before an answer")
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
            return _unknown(host, "CP-SAT found no placement and no proof within the time limit")
        if placed.status == "infeasible":
            conflict = _conflict(search, problem)
            if conflict == "retry":
                continue
            if not isinstance(conflict, Conflict):
                return _unknown(host, "the time budget ran out while isolating the conflict")
            return _impossible(search, blocked, conflict)
        if blocked:
            return _impossible(search, blocked, None)
        plan = _plan(search, placed.assignment, max_parallel)
        if plan is not None:
            search.stats["fullest_target_permille"] = placed.fullest_permille or 0
            return plan


def _unknown(host: str, reason: str) -> Evacuation:
    return Evacuation(host=host, verdict="unknown", reason=reason)


# --- a candidate plan --------------------------------------------------------------------
def _order(search: _Search, assignment: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Moves in migration order: whole-core domains first, then larger ones, then name."""

    def key(move: tuple[str, str]) -> tuple[bool, int, int, str]:
        item = search.item(search.domain(move[0]))
        return (not item.whole_cores, -item.memory, -item.vcpus, move[0])

    return sorted(assignment, key=key)


def _plan(
    search: _Search, assignment: Sequence[tuple[str, str]], max_parallel: int
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
    search: _Search, waves: list[list[tuple[str, str]]], layouts: dict[str, Any]
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


def _verify_steps(steps: list[tuple[int, str, str, int]]) -> list[Verdict]:
    states, source = _SHARED["states"], _SHARED["source"]
    return [check_migration(states[w], d, source, t, timeout_ms=ms) for w, d, t, ms in steps]


def _verify(
    search: _Search, waves: list[list[tuple[str, str]]], states: list[Fleet]
) -> list[tuple[str, str, Verdict]]:
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


def _run_steps(steps: list[tuple[int, str, str, int]], jobs: int, say: Say) -> list[Verdict]:
    jobs = min(jobs, os.cpu_count() or 1, max(1, len(steps) // 8))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _verify_steps(steps)
    size = -(-len(steps) // (jobs * 4))
    chunks = [steps[k : k + size] for k in range(0, len(steps), size)]
    out: list[Verdict] = []
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for done in pool.imap(_verify_steps, chunks):
            out += done
    return out


def _learn(
    search: _Search,
    domain: str,
    target: str,
    verdict: Verdict,
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


# --- impossible ----------------------------------------------------------------------------
def _conflict(search: _Search, problem: PlacementProblem) -> Conflict | str:
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


def _describe_conflict(
    search: _Search, problem: PlacementProblem, names: Sequence[str]
) -> Conflict:
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


def _impossible(search: _Search, blocked: list[str], conflict: Conflict | None) -> Evacuation:
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
            return _unknown(host, f"the prefilter and z3 disagree on {name}")
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
        return f"I/O domain (direct I/O {', '.join(d.io)}): cannot migrate"
    return "no other host can take it"


def _blocker(search: _Search, name: str) -> Blocker | None:
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


def progress_printer(enabled: bool) -> Say:
    """Progress lines on standard error when ``enabled`` (a terminal), else nothing."""
    return _stderr if enabled else _quiet
