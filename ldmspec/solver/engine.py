"""The z3 front end: one prebuilt model per domain, checked against candidate targets.

:class:`DomainModel` builds the requirement formulas of one domain once (declarations,
domain facts, one ``(=> ID formula)`` per applicable requirement) and then checks any
number of targets, each inside ``push``/``pop`` with only the target's facts added as
SMT-LIB text (``reference/precheck-anchors.md`` §1.8: 0.4 ms per host against about 2 ms
rebuilt).

*Every* violated requirement, not one core: the requirement literals are passed as
assumptions; an unsat core is taken, each of its ids is checked alone under the facts
(one unsat core of ground facts names only one of several failures: anchors §0.1), the
violated ones are dropped and the rest re-checked until the remainder is satisfiable.
Every variable but MEM-2's placement is fixed by a fact, and those belong to MEM-2
alone, so with this catalog requirements do not interact: "violated alone" is exactly
"violated". Should a core have no member that is violated alone (an encoding where
requirements share a variable), its ids are reported together as *jointly
unsatisfiable*, in their own row, instead of labelling each of them violated.

A check that hits its time (or resource) budget is ``unknown`` and says so; it is never
reported as feasible or infeasible.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace

import z3

from ldmspec.inventory.facts import Domain, Host
from ldmspec.inventory.placement import place_strands
from ldmspec.models.memory_fit import find_placement, first_fit, model_placement
from ldmspec.models.preconditions import (
    DomainSide,
    TargetSide,
    build_requirements,
    conservative_mem2,
    declarations_smt2,
    domain_facts_smt2,
    domain_side,
    requirement_applies,
    splits_memory,
    target_facts_smt2,
    target_side,
)
from ldmspec.requirements import CATALOG, requirement
from ldmspec.solver.explain import observed, suggested_fix
from ldmspec.solver.verdict import PlacedBlock, PrecheckVerdict, RequirementViolation, Row, Witness

__all__ = ["DEFAULT_TIMEOUT_MS", "DomainModel", "domain_model", "make_verdict"]

DEFAULT_TIMEOUT_MS = 5000
_ORDER = {r.id: k for k, r in enumerate(CATALOG)}
CONSERVATIVE_MEM2 = (
    "MEM-2 is conservative here: the guest may have its blocks split on this target, but "
    "splitting is modelled only for blocks of one alignment modulo the target's largest "
    "page, and these differ; the real Manager might split them and succeed"
)


class _Unknown(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DomainModel:
    """The requirement formulas of one domain on its source, built once.

    ``verdict_for(target)`` answers for one candidate; the model can be reused for any number
    of targets (``ldmspec targets`` does). Not thread-safe (z3 objects are not): use one
    model per process.
    """

    def __init__(self, source: Host, domain: Domain) -> None:
        self.source = source
        self.domain = domain
        self.facts: DomainSide = domain_side(source, domain)
        self._declarations = declarations_smt2(self.facts)
        self._domain_facts = domain_facts_smt2(self.facts)
        _, self.tracked = build_requirements(self.facts)
        self.literals = {rid: z3.Bool(rid) for rid in self.tracked}
        # The assumption literals as raw ASTs, and back from AST ids: z3.Solver.check
        # re-casts every assumption on every call, which costs more than the check.
        self._asts = {rid: lit.as_ast() for rid, lit in self.literals.items()}
        self._ids = {lit.get_id(): rid for rid, lit in self.literals.items()}
        self._checks = 0  # targets checked: names each one's MEM-2 counting variables
        self._new_solver()

    def _new_solver(self) -> None:
        # The formulas are quantifier-free linear integer arithmetic over Booleans; the
        # QF_LIA solver checks them about twice as fast as the default combined solver.
        self.solver = z3.SolverFor("QF_LIA")
        self.solver.set("unsat_core", True)
        self.solver.from_string(self._declarations)
        self.solver.from_string(self._domain_facts)
        for formula in self.tracked.values():
            self.solver.add(formula)
        self._rlimit = 0

    # ------------------------------------------------------------------------------
    def verdict_for(
        self,
        target: Host,
        new_name: str | None = None,
        *,
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
        rlimit: int | None = None,
        witness: bool = True,
        table: bool = True,
    ) -> PrecheckVerdict:
        """The verdict for migrating the domain to ``target`` (as ``new_name``).

        ``table=False`` skips the rows of requirements that hold (``verdict.rows`` is
        empty; violations keep their observed values): what fleet queries need.
        """
        t = target_side(self.facts, target, new_name)
        deadline = time.monotonic() + timeout_ms / 1000
        if (rlimit or 0) != self._rlimit:
            self._rlimit = rlimit or 0
            self.solver.set("rlimit", self._rlimit)
        # One z3 timeout per target; later checks of the same target also stop at the
        # deadline (so a pathological target may take up to twice its budget).
        self.solver.set("timeout", max(1, timeout_ms))
        self.solver.push()
        try:
            self._checks += 1
            tag = f"t{self._checks}_"
            self.solver.from_string(target_facts_smt2(self.facts, t, tag))
            violated, joint, model = self._all_violations(deadline, witness)
        except _Unknown as exc:
            return self._unknown(t, exc.reason)
        finally:
            self.solver.pop()
        verdict = make_verdict(self.facts, t, violated, table, joint)
        if model is not None and verdict.feasible:
            verdict = replace(verdict, witness=self._witness(target, t, model, tag))
        return verdict

    def _check_assuming(self, deadline: float, *ids: str) -> z3.CheckSatResult:
        if time.monotonic() >= deadline:
            raise _Unknown("timeout")
        assumptions = (z3.Ast * len(ids))(*(self._asts[i] for i in ids))
        solver = self.solver
        ctx = solver.ctx.ref()
        code = z3.Z3_solver_check_assumptions(ctx, solver.solver, len(ids), assumptions)
        result = z3.CheckSatResult(code)
        if result == z3.unknown:
            raise _Unknown(solver.reason_unknown() or "unknown")
        return result

    def _all_violations(
        self, deadline: float, witness: bool = True
    ) -> tuple[list[str], list[tuple[str, ...]], z3.ModelRef | None]:
        remaining = list(self.literals)
        violated: list[str] = []
        joint: list[tuple[str, ...]] = []
        while remaining:
            if self._check_assuming(deadline, *remaining) == z3.sat:
                return violated, joint, self.solver.model() if witness else None
            core = sorted(
                (self._ids[c.get_id()] for c in self.solver.unsat_core()), key=_ORDER.__getitem__
            )
            if len(core) == 1:
                failing = core
            else:
                failing = [rid for rid in core if self._check_assuming(deadline, rid) == z3.unsat]
            if not failing:  # each holds alone, not together (module docstring)
                joint.append(tuple(core))
                failing = core
            else:
                violated += failing
            remaining = [rid for rid in remaining if rid not in failing]
        return violated, joint, None

    # ------------------------------------------------------------------------------
    def _witness(self, target: Host, t: TargetSide, model: z3.ModelRef, tag: str) -> Witness:
        d = self.facts
        blocks: tuple[PlacedBlock, ...] = ()
        if "MEM-2" in self.tracked:
            split = splits_memory(d, t)
            pieces = model_placement(
                model, d.blocks, t.free_ranges, t.largest_page, split=split, tag=tag
            )
            if split:  # the Manager splits only what does not fit whole
                pieces = _whole(d, t) or pieces
            blocks = tuple(PlacedBlock(ra, pa, size) for ra, pa, size in pieces)
        strands: tuple[int, ...] = ()
        cores: tuple[int, ...] = ()
        if "CPU-1" in self.tracked or "CPU-8" in self.tracked:
            whole = "CPU-8" in self.tracked
            shaped = replace(self.domain, whole_core=whole)
            strands = place_strands(target, shaped, set(target.used_strands)) or ()
            if whole:
                tpc = target.threads_per_core
                cores = tuple(sorted({s // tpc for s in strands}))
        return Witness(blocks, strands, cores)

    def _unknown(self, t: TargetSide, reason: str) -> PrecheckVerdict:
        d = self.facts
        rows = tuple(
            Row(r.id, "unknown", observed(r.id, d, t), "")
            if requirement_applies(r.id, d, t)
            else Row(r.id, "n/a", observed(r.id, d, t), "")
            for r in CATALOG
        )
        return PrecheckVerdict(
            status="unknown",
            domain=d.domain,
            source=d.source,
            target=t.name,
            target_name=t.target_name,
            rows=rows,
            reason=reason,
        )

    # ------------------------------------------------------------------------------
    def smt2(self, target: Host, new_name: str | None = None) -> str:
        """The query for ``target`` as an SMT-LIB 2 script another solver can re-run.

        It asserts the formulas and facts, then checks all requirement literals together
        (sat = feasible) and each requirement alone (unsat = that requirement is violated).
        """
        d = self.facts
        t = target_side(d, target, new_name)
        ids = " ".join(self.literals)
        lines = [
            "; ldmspec check: "
            + f"{d.domain} {d.source} -> {t.name}:{t.target_name}".replace("\n", " "),
            "; sat on the first check-sat-assuming = feasible; each single-id check that is",
            "; unsat names a violated requirement.",
            "(set-logic QF_LIA)",
            "(set-option :produce-unsat-cores true)",
            self._declarations.replace(")(", ")\n("),
            "; facts of the domain and its source",
            self._domain_facts.replace(")(", ")\n("),
            "; the requirements, each guarded by its id",
        ]
        lines += [f"(assert {f.sexpr()})" for f in self.tracked.values()]
        lines += [
            "; facts of the target",
            target_facts_smt2(d, t).replace("))(assert", "))\n(assert"),
        ]
        lines += ['(echo "all applicable requirements together (sat = feasible):")']
        lines += [f"(check-sat-assuming ({ids}))"]
        for rid in self.literals:
            words = requirement(rid).text.replace('"', '""')
            lines += [f'(echo "{rid}: {words}")', f"(check-sat-assuming ({rid}))"]
        return "\n".join(lines) + "\n"


def _whole(d: DomainSide, t: TargetSide) -> tuple[tuple[int, int, int], ...] | None:
    """The blocks placed whole on ``t`` (MEM-2 without splitting), or None."""
    quick = first_fit(d.blocks, t.free_ranges, t.largest_page)
    if quick is not None:
        return quick
    try:
        return find_placement(d.blocks, t.free_ranges, t.largest_page, timeout_ms=1000)
    except TimeoutError:
        return None


def make_verdict(
    d: DomainSide,
    t: TargetSide,
    violated: list[str],
    table: bool,
    joint: Sequence[tuple[str, ...]] = (),
) -> PrecheckVerdict:
    """The verdict (without witness) for ``violated`` ids; ``table`` adds every row.

    ``joint`` are sets of ids that hold one by one but not together: their members are
    rows of their own status, and each set is reported as jointly unsatisfiable.
    """
    rows: list[Row] = []
    violations: list[RequirementViolation] = []
    holds: list[str] = []
    n_a: list[str] = []
    in_joint = {rid for ids in joint for rid in ids}
    for req in CATALOG:
        rid = req.id
        if rid in violated:
            seen = observed(rid, d, t)
            fix = suggested_fix(rid, d, t)
            violations.append(RequirementViolation(rid, req.text, seen, fix))
            rows.append(Row(rid, "violated", seen, fix))
        elif rid in in_joint:
            rows.append(Row(rid, "joint", observed(rid, d, t), ""))
        elif requirement_applies(rid, d, t):
            holds.append(rid)
            if table:
                rows.append(Row(rid, "holds", observed(rid, d, t), ""))
        else:
            n_a.append(rid)
            if table:
                rows.append(Row(rid, "n/a", observed(rid, d, t), ""))
    notes: tuple[str, ...] = ()
    if conservative_mem2(d, t) and "MEM-2" in (*violated, *in_joint):
        notes = (CONSERVATIVE_MEM2,)
    return PrecheckVerdict(
        status="infeasible" if violations or joint else "feasible",
        domain=d.domain,
        source=d.source,
        target=t.name,
        target_name=t.target_name,
        violations=tuple(violations),
        holds=tuple(holds),
        not_applicable=tuple(n_a),
        rows=tuple(rows),
        jointly_unsatisfiable=tuple(tuple(ids) for ids in joint),
        notes=notes,
    )


_CACHE: OrderedDict[tuple[Host, str], DomainModel] = OrderedDict()
_CACHE_SIZE = 32


def domain_model(source: Host, domain: str) -> DomainModel:
    """The (cached) model of ``domain`` on ``source``; the domain must be on the source."""
    key = (source, domain)
    model = _CACHE.get(key)
    if model is None:
        found = source.domain(domain)
        if found is None:
            raise KeyError(domain)
        model = DomainModel(source, found)
        _CACHE[key] = model
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return model
