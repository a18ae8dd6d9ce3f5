"""A second opinion on a verdict: its SMT-LIB query re-checked by z3 and by cvc5.

The exported query (:meth:`ldmspec.solver.engine.DomainModel.smt2`) is self-contained
SMT-LIB 2.6: the fact and requirement declarations, one ``(=> ID formula)`` per
applicable requirement (``ID`` a Boolean constant named by the requirement id, the
``:named`` assumption), the facts of the pair. Each claim of a verdict is one script
built from it and answered by both solvers, each in a fresh process-local instance:

* ``feasible``: the query with every requirement asserted and the witness's memory
  addresses fixed (blocks kept whole) is ``sat``;
* each violated requirement: the query with that requirement alone asserted is ``unsat``;
* ``unknown``: nothing is claimed, nothing is checked.

:func:`confirm` returns one :class:`Confirmation` per claim; a claim either solver
does not answer as expected is a disagreement, and the command reports ``unknown``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace

import cvc5
import z3

from ldmspec.inventory.facts import Fleet, Host
from ldmspec.models.memory_fit import pa_name
from ldmspec.solver.engine import DomainModel, domain_model
from ldmspec.solver.migration import check_migration, resolve_pair
from ldmspec.solver.verdict import Confirmation, PrecheckVerdict, Row

__all__ = [
    "confirm",
    "confirm_verdict",
    "confirmation_scripts",
    "confirmed_check",
    "cvc5_answers",
    "disagreements",
]


def _body(query: str) -> str:
    """The query without its checks and echoes (the part both solvers read)."""
    keep = [
        line
        for line in query.splitlines()
        if not line.startswith(("(check-sat", "(echo", "(set-option"))
    ]
    return "\n".join(keep) + "\n"


def _all_literals(query: str) -> list[str]:
    """The requirement ids of the query's first ``check-sat-assuming`` (all of them)."""
    for line in query.splitlines():
        if line.startswith("(check-sat-assuming ("):
            return line[len("(check-sat-assuming (") : -2].split()
    return []


def confirmation_claims(
    query: str, verdict: PrecheckVerdict, whole_blocks: bool
) -> tuple[str, list[tuple[str, str, str]]]:
    """The query's body, and ``(claim, expected answer, assertions)`` per claim."""
    body = _body(query)
    if verdict.status == "feasible":
        literals = "".join(f"(assert {rid})" for rid in _all_literals(query))
        pinned = ""
        if verdict.witness is not None and whole_blocks:
            pinned = "".join(
                f"(assert (= {pa_name(i)} {b.pa}))" for i, b in enumerate(verdict.witness.blocks)
            )
        return body, [("feasible with the witness", "sat", literals + pinned)]
    if verdict.status == "infeasible":
        return body, [(f"{v.id} violated", "unsat", f"(assert {v.id})") for v in verdict.violations]
    return body, []


def confirmation_scripts(
    query: str, verdict: PrecheckVerdict, whole_blocks: bool
) -> list[tuple[str, str, str]]:
    """``(claim, expected answer, a whole SMT-LIB script)`` for each claim of ``verdict``."""
    body, claims = confirmation_claims(query, verdict, whole_blocks)
    return [(claim, expected, body + extra + "(check-sat)\n") for claim, expected, extra in claims]


def _z3_answers(body: str, extras: list[str], timeout_ms: int) -> list[str]:
    solver = z3.SolverFor("QF_LIA")
    solver.set("timeout", timeout_ms)
    try:
        solver.from_string(body)
    except z3.Z3Exception as exc:
        return [f"error: {exc}"] * len(extras)
    answers = []
    for extra in extras:
        solver.push()
        try:
            solver.from_string(extra)
            answers.append(str(solver.check()))
        except z3.Z3Exception as exc:
            answers.append(f"error: {exc}")
        finally:
            solver.pop()
    return answers


def _run_cvc5(solver: cvc5.Solver, symbols: cvc5.SymbolManager, text: str) -> list[str]:
    parser = cvc5.InputParser(solver, symbols)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "ldmspec-query")
    out: list[str] = []
    while True:
        command = parser.nextCommand()
        if command.isNull():
            return out
        printed = command.invoke(solver, symbols).strip()
        if printed:
            out.append(printed)


def _cvc5_answers(body: str, extras: list[str], timeout_ms: int) -> list[str]:
    solver = cvc5.Solver(cvc5.TermManager())
    solver.setOption("incremental", "true")
    solver.setOption("tlimit-per", str(timeout_ms))
    symbols = cvc5.SymbolManager(solver.getTermManager())
    try:
        _run_cvc5(solver, symbols, body)
    except RuntimeError as exc:  # cvc5 refuses the query: an answer, not a crash
        return [f"error: {exc}"] * len(extras)
    answers = []
    for extra in extras:
        solver.push()
        try:
            printed = _run_cvc5(solver, symbols, extra + "(check-sat)")
            answers.append(printed[-1] if printed else "unknown")
        except RuntimeError as exc:
            answers.append(f"error: {exc}")
        finally:
            solver.pop()
    return answers


def cvc5_answers(script: str, timeout_ms: int = 5000) -> list[str]:
    """What cvc5 prints for each command of an SMT-LIB 2.6 ``script`` (as ``cvc5 FILE``)."""
    solver = cvc5.Solver(cvc5.TermManager())
    solver.setOption("tlimit-per", str(timeout_ms))
    symbols = cvc5.SymbolManager(solver.getTermManager())
    try:
        return _run_cvc5(solver, symbols, script)
    except RuntimeError as exc:
        return [f"error: {exc}"]


def confirm(
    query: str, verdict: PrecheckVerdict, *, whole_blocks: bool = True, timeout_ms: int = 5000
) -> tuple[Confirmation, ...]:
    """Each claim of ``verdict`` re-checked by z3 and cvc5 on ``query`` (one instance of
    each solver per query, each claim inside push/pop)."""
    body, claims = confirmation_claims(query, verdict, whole_blocks)
    if not claims:
        return ()
    extras = [extra for _, _, extra in claims]
    by_z3 = _z3_answers(body, extras, timeout_ms)
    by_cvc5 = _cvc5_answers(body, extras, timeout_ms)
    return tuple(
        Confirmation(claim, expected, a, b)
        for (claim, expected, _), a, b in zip(claims, by_z3, by_cvc5, strict=True)
    )


def disagreements(confirmations: tuple[Confirmation, ...]) -> list[str]:
    """One line per claim some solver did not answer as expected."""
    return [
        f"{c.claim}: expected {c.expected}, z3 answered {c.z3}, cvc5 answered {c.cvc5}"
        for c in confirmations
        if not c.agrees
    ]


def confirm_verdict(
    model: DomainModel,
    target: Host,
    new_name: str | None,
    verdict: PrecheckVerdict,
    *,
    query_file: str | None = None,
    timeout_ms: int = 5000,
) -> PrecheckVerdict:
    """``verdict`` with its ``confirmations``; ``unknown`` when the solvers disagree.

    On a disagreement the query is written to ``query_file`` (or a new temporary file)
    and the reason names every claim, both answers and that file, so a person can
    report it upstream.
    """
    if verdict.status == "unknown":
        return verdict
    query = model.smt2(target, new_name)
    witness = verdict.witness
    whole = witness is not None and len(witness.blocks) == len(model.facts.blocks)
    found = confirm(query, verdict, whole_blocks=whole, timeout_ms=timeout_ms)
    verdict = replace(verdict, confirmations=found)
    problems = disagreements(found)
    if not problems:
        return verdict
    path = query_file or _keep(query)
    return replace(
        verdict,
        status="unknown",
        witness=None,
        rows=tuple(Row(r.id, "unknown", r.observed, "") for r in verdict.rows),
        reason="the solvers disagree: " + "; ".join(problems) + f" (SMT-LIB query: {path})",
    )


def _keep(query: str) -> str:
    handle, path = tempfile.mkstemp(prefix="ldmspec-query-", suffix=".smt2")
    with os.fdopen(handle, "w") as out:
        out.write(query)
    return path


def confirmed_check(
    fleet: Fleet,
    domain: str,
    source: str,
    target: str,
    new_name: str | None = None,
    *,
    timeout_ms: int = 5000,
) -> PrecheckVerdict:
    """:func:`~ldmspec.solver.migration.check_migration`, then :func:`confirm_verdict`."""
    verdict = check_migration(fleet, domain, source, target, new_name, timeout_ms=timeout_ms)
    src, dst = resolve_pair(fleet, domain, source, target)
    model = domain_model(src, domain)
    return confirm_verdict(model, dst, new_name, verdict, timeout_ms=timeout_ms)
