"""Evacuation placement with OR-Tools CP-SAT: which target takes each domain.

This is the bin-packing half of ``ldmspec evacuate``. It knows nothing of requirements:
the caller (:mod:`ldmspec.solver.evacuate`) says which targets each domain may go to at
all (the pairs the z3 model, or its cheap necessary conditions, accept) and what each
domain takes; CP-SAT chooses one target per domain so that no target runs out of

* completely free cores, for domains that need whole cores (CPU-8):
  ``ceil(vCPUs / threads-per-core)`` cores each;
* strands (CPU-1): whole-core domains take every strand of their cores, the others
  their vCPUs; with the whole-core domains bound first (the evacuation orders them so)
  this is exact, since the others then take any free strand;
* memory (MEM-1): the sum of the sizes. MEM-2 (contiguity and congruence of the blocks)
  is not a sum: the caller checks each target's set of domains jointly and adds a
  *cut* (``cuts``: these domains cannot all go to that target) when they do not fit;
* console ports (VIO-4): one per live domain with a console.

z3 ``Optimize`` returned unknown on such problems where CP-SAT solved 128 domains x
1,000 hosts in about 2 s (``reference/precheck-anchors.md`` §1.8), hence CP-SAT here.

Objective: *balance headroom*. Among the targets that receive a domain, the fullest one
(the larger of its strand and memory utilisation afterwards, in permille) is made as
empty as possible. With ``per_bin_goal`` (the evacuation's ``ceil(domains /
max-parallel)``), first no target should receive more domains than that: a target
takes one migration per wave, so more would add waves. The solve runs in two phases on
one worker, so that a run is reproducible: the first solution (within the wall-clock
budget), then an improvement bounded by CP-SAT's *deterministic* time, starting from
that solution.

Only this module imports OR-Tools.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ortools.sat.python import cp_model

__all__ = [
    "Bin",
    "Item",
    "PlacementProblem",
    "PlacementResult",
    "bins_of",
    "minimal_conflict",
    "solve_placement",
]

PERMILLE = 1000
# Deterministic-time budget of the improvement phase (CP-SAT's unit: about a second).
IMPROVE_DETERMINISTIC_TIME = 0.1


@dataclass(frozen=True)
class Item:
    """A domain that must move, and what it takes on whichever target receives it.

    ``whole_cores``: CPU-8 applies (whole-core domain or old guest), so it takes
    completely free cores. ``port``: VIO-4 applies (live with a console). An inactive
    domain holds nothing: ``vcpus == memory == 0``.
    """

    name: str
    vcpus: int
    memory: int
    whole_cores: bool = False
    port: bool = False

    def cores_on(self, target: Bin) -> int:
        if not self.whole_cores or not self.vcpus:
            return 0
        return -(-self.vcpus // target.threads_per_core)

    def strands_on(self, target: Bin) -> int:
        if self.whole_cores:
            return self.cores_on(target) * target.threads_per_core
        return self.vcpus


@dataclass(frozen=True)
class Bin:
    """A candidate target host: what it has free now, and its totals (for headroom)."""

    name: str
    strands: int
    cores: int
    threads_per_core: int
    memory: int
    ports: int
    total_strands: int
    total_memory: int


@dataclass(frozen=True)
class PlacementProblem:
    """Items, bins, which bins each item may go to, and the no-good cuts found so far.

    ``candidates[k]`` are the bin names item ``items[k]`` may go to. A cut
    ``(bin, items)`` says those items cannot all go to that bin (MEM-2 found no room
    for their blocks together).
    """

    items: tuple[Item, ...]
    bins: tuple[Bin, ...]
    candidates: tuple[tuple[str, ...], ...]
    cuts: tuple[tuple[str, frozenset[str]], ...] = ()
    per_bin_goal: int | None = None

    def __post_init__(self) -> None:
        if len(self.candidates) != len(self.items):
            raise ValueError("one tuple of candidate bins per item")


@dataclass(frozen=True)
class PlacementResult:
    """``placed`` (``assignment`` gives a bin per item), ``infeasible`` (proven: no
    assignment respects every capacity and cut), or ``unknown`` (CP-SAT ran out of
    time: never reported as either)."""

    status: Literal["placed", "infeasible", "unknown"]
    assignment: tuple[tuple[str, str], ...] = ()
    fullest_permille: int | None = None
    # Domains beyond ``per_bin_goal`` on the busiest bin (0: the goal is met).
    excess: int = 0
    optimal: bool = False
    seconds: float = 0.0


class _Model:
    """The CP-SAT model of one problem: ``x[item, bin]`` Booleans and the capacities."""

    def __init__(self, problem: PlacementProblem, *, objective: bool, enforce: bool) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        bins = {b.name: b for b in problem.bins}
        self.unit = _memory_unit(problem)
        self.x: dict[tuple[int, str], cp_model.IntVar] = {}
        self.placed: list[cp_model.IntVar] = []
        by_bin: dict[str, list[int]] = {}
        for k, (item, names) in enumerate(zip(problem.items, problem.candidates, strict=True)):
            row = []
            for name in names:
                var = self.model.new_bool_var(f"x[{item.name},{name}]")
                self.x[k, name] = var
                row.append(var)
                by_bin.setdefault(name, []).append(k)
            if enforce:
                # An assumption per item: which items conflict is then an unsat core.
                lit = self.model.new_bool_var(f"place[{item.name}]")
                self.placed.append(lit)
                self.model.add(sum(row) == 1).only_enforce_if(lit)
                self.model.add(sum(row) == 0).only_enforce_if(~lit)
            else:
                self.model.add_exactly_one(row)
        self.fullest = self.model.new_int_var(0, PERMILLE, "fullest")
        self.excess = self.model.new_int_var(0, len(problem.items), "excess")
        for name, ks in by_bin.items():
            self._capacities(bins[name], ks, objective)
            goal = problem.per_bin_goal
            if objective and goal is not None and len(ks) > goal:
                self.model.add(sum(self.x[k, name] for k in ks) - goal <= self.excess)
        index = {item.name: k for k, item in enumerate(problem.items)}
        for name, members in problem.cuts:
            lits = [self.x[index[m], name] for m in members if (index[m], name) in self.x]
            if len(lits) == len(members):
                self.model.add(sum(lits) <= len(lits) - 1)
        if objective:
            # Waves first (an excess domain is worth more than any headroom), then balance.
            self.model.minimize((PERMILLE + 1) * self.excess + self.fullest)

    def _capacities(self, b: Bin, ks: list[int], objective: bool) -> None:
        items = self.problem.items
        xs = [(items[k], self.x[k, b.name]) for k in ks]
        cores = [(i.cores_on(b), v) for i, v in xs if i.cores_on(b)]
        if cores:
            self.model.add(sum(c * v for c, v in cores) <= b.cores)
        strands = [(i.strands_on(b), v) for i, v in xs if i.strands_on(b)]
        if strands:
            self.model.add(sum(s * v for s, v in strands) <= b.strands)
        memory = [(i.memory // self.unit, v) for i, v in xs if i.memory]
        if memory:
            self.model.add(sum(m * v for m, v in memory) <= b.memory // self.unit)
        ports = [v for i, v in xs if i.port]
        if ports:
            self.model.add(sum(ports) <= b.ports)
        if not objective:
            return
        used = self.model.new_bool_var(f"used[{b.name}]")
        for _, v in xs:
            self.model.add_implication(v, used)
        # Utilisation after, in permille, at most `fullest` on every bin that is used.
        if b.total_strands:
            held = b.total_strands - b.strands
            expr = PERMILLE * (held + sum(s * v for s, v in strands))
            self.model.add(expr <= b.total_strands * self.fullest).only_enforce_if(used)
        if b.total_memory:
            held = (b.total_memory - b.memory) // self.unit
            expr = PERMILLE * (held + sum(m * v for m, v in memory))
            total = -(-b.total_memory // self.unit)
            self.model.add(expr <= total * self.fullest).only_enforce_if(used)

    def assignment(self, solver: cp_model.CpSolver) -> tuple[tuple[str, str], ...]:
        out = []
        for (k, name), var in self.x.items():
            if solver.boolean_value(var):
                out.append((self.problem.items[k].name, name))
        return tuple(out)


def _memory_unit(problem: PlacementProblem) -> int:
    """The largest unit every size is a multiple of: small, exact coefficients."""
    sizes = [i.memory for i in problem.items if i.memory]
    sizes += [b.memory for b in problem.bins if b.memory]
    sizes += [b.total_memory for b in problem.bins if b.total_memory]
    return math.gcd(*sizes) if sizes else 1


def _solver(seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # reproducible: one worker is deterministic
    solver.parameters.max_time_in_seconds = max(seconds, 0.001)
    solver.parameters.random_seed = 0
    # Light presolve: on 128 domains x 1,000 hosts the default presolve (probing,
    # symmetry) took most of a 36 s solve that takes about 7 s without it.
    solver.parameters.max_presolve_iterations = 1
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    return solver


def solve_placement(
    problem: PlacementProblem,
    *,
    time_limit_s: float,
    improve: bool = True,
) -> PlacementResult:
    """One bin per item respecting every capacity and cut, balancing headroom.

    ``time_limit_s`` bounds the whole solve (wall clock); ``unknown`` when CP-SAT has
    found neither a placement nor a proof that none exists within it.
    """
    start = time.monotonic()
    if any(not names for names in problem.candidates):
        return PlacementResult("infeasible", seconds=time.monotonic() - start)
    # Phase 1: any placement (the objective's constraints slow the first one down a lot).
    first = _Model(problem, objective=False, enforce=False)
    solver = _solver(time_limit_s)
    status = solver.solve(first.model)
    if status == cp_model.INFEASIBLE:
        return PlacementResult("infeasible", seconds=time.monotonic() - start)
    if status not in (cp_model.FEASIBLE, cp_model.OPTIMAL):
        return PlacementResult("unknown", seconds=time.monotonic() - start)
    best = first.assignment(solver)
    fullest, excess = _fullest(problem, best), _excess(problem, best)
    optimal = False
    left = time_limit_s - (time.monotonic() - start)
    if improve and left > 0:
        # Phase 2: balance headroom from that placement, within a deterministic budget.
        built = _Model(problem, objective=True, enforce=False)
        chosen = set(best)
        for (k, name), var in built.x.items():
            built.model.add_hint(var, (problem.items[k].name, name) in chosen)
        second = _solver(left)
        second.parameters.max_deterministic_time = IMPROVE_DETERMINISTIC_TIME
        status = second.solve(built.model)
        if status in (cp_model.FEASIBLE, cp_model.OPTIMAL):
            value = (int(second.value(built.excess)), int(second.value(built.fullest)))
            if value <= (excess, fullest):
                best, (excess, fullest) = built.assignment(second), value
            optimal = status == cp_model.OPTIMAL
    return PlacementResult(
        "placed",
        tuple(sorted(best)),
        fullest_permille=fullest,
        excess=excess,
        optimal=optimal,
        seconds=time.monotonic() - start,
    )


def _excess(problem: PlacementProblem, assignment: Sequence[tuple[str, str]]) -> int:
    if problem.per_bin_goal is None or not assignment:
        return 0
    busiest = max(len(m) for m in bins_of(assignment).values())
    return max(0, busiest - problem.per_bin_goal)


def _fullest(problem: PlacementProblem, assignment: Sequence[tuple[str, str]]) -> int:
    """The objective's value for ``assignment``: the fullest used bin, in permille."""
    items = {i.name: i for i in problem.items}
    bins = {b.name: b for b in problem.bins}
    worst = 0
    for name, members in bins_of(assignment).items():
        b = bins[name]
        strands = b.total_strands - b.strands + sum(items[m].strands_on(b) for m in members)
        memory = b.total_memory - b.memory + sum(items[m].memory for m in members)
        if b.total_strands:
            worst = max(worst, -(-PERMILLE * strands // b.total_strands))
        if b.total_memory:
            worst = max(worst, -(-PERMILLE * memory // b.total_memory))
    return worst


def _infeasible(problem: PlacementProblem, keep: Iterable[int], seconds: float) -> bool | None:
    """Whether placing only the items ``keep`` is infeasible (None: CP-SAT undecided)."""
    keep = list(keep)
    sub = PlacementProblem(
        items=tuple(problem.items[k] for k in keep),
        bins=problem.bins,
        candidates=tuple(problem.candidates[k] for k in keep),
        cuts=tuple((b, m) for b, m in problem.cuts if m <= {problem.items[k].name for k in keep}),
    )
    if any(not names for names in sub.candidates):
        return True
    built = _Model(sub, objective=False, enforce=False)
    status = _solver(seconds).solve(built.model)
    if status == cp_model.INFEASIBLE:
        return True
    if status in (cp_model.FEASIBLE, cp_model.OPTIMAL):
        return False
    return None


def minimal_conflict(problem: PlacementProblem, *, time_limit_s: float) -> tuple[str, ...] | None:
    """A smallest-by-deletion set of items that cannot all be placed together.

    CP-SAT's unsat core over one assumption per item gives a first set; each item is
    then dropped in turn and kept out when the rest stays infeasible, so no proper
    subset of the answer is a conflict. None when CP-SAT cannot decide in time (or the
    problem is feasible after all).
    """
    deadline = time.monotonic() + time_limit_s
    built = _Model(problem, objective=False, enforce=True)
    built.model.add_assumptions(built.placed)
    solver = _solver(time_limit_s)
    status = solver.solve(built.model)
    if status != cp_model.INFEASIBLE:
        return None
    index = {var.index: k for k, var in enumerate(built.placed)}
    core = sorted(index[i] for i in solver.sufficient_assumptions_for_infeasibility())
    members = core or list(range(len(problem.items)))
    for k in list(members):
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        trial = [m for m in members if m != k]
        verdict = _infeasible(problem, trial, left)
        if verdict is None:
            return None
        if verdict:
            members = trial
    return tuple(problem.items[k].name for k in members)


def bins_of(assignment: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """``{bin: [items...]}`` of an assignment, items in assignment order."""
    out: dict[str, list[str]] = {}
    for item, name in assignment:
        out.setdefault(name, []).append(item)
    return out
