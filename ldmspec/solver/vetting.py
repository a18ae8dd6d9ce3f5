"""A feasible verdict is printed only after the independent witness check agrees.

:func:`vetted` runs :func:`ldmspec.solver.witness_check.witness_problems` on a feasible
verdict; when it finds anything, the verdict becomes ``unknown`` (an internal error:
z3's model and the plain reading of the catalog disagree), never a verdict either way.
"""

from __future__ import annotations

from dataclasses import replace

from ldmspec.inventory.facts import Host
from ldmspec.solver.verdict import PrecheckVerdict, Row
from ldmspec.solver.witness_check import witness_problems

__all__ = ["vetted"]


def vetted(verdict: PrecheckVerdict, source: Host, target: Host) -> PrecheckVerdict:
    """``verdict``, or ``unknown`` when it is feasible and its witness does not check."""
    if not verdict.feasible or verdict.witness is None:
        return verdict
    domain = source.domain(verdict.domain)
    if domain is None:  # the verdict is about another fleet: never print it
        problems = [f"{verdict.source} has no domain {verdict.domain}"]
    else:
        w = verdict.witness
        new_name = verdict.target_name if verdict.target_name != verdict.domain else None
        pieces = tuple((b.ra, b.pa, b.size) for b in w.blocks)
        problems = witness_problems(source, target, domain, new_name, pieces, w.strands, w.cores)
    if not problems:
        return verdict
    return replace(
        verdict,
        status="unknown",
        witness=None,
        rows=tuple(Row(r.id, "unknown", r.observed, "") for r in verdict.rows),
        holds=(),
        reason="internal error: z3 says feasible but the independent witness check finds: "
        + "; ".join(problems),
    )
