"""Deliberately broken solver variants: each must make ``check --confirm`` answer unknown.

* :class:`OverEagerModel` reports a requirement violated that the query satisfies (a
  front end that misreads its solver): z3 and cvc5 both answer ``sat`` for that claim.
* :func:`weakened_cpu1` corrupts the CPU-1 formula (a vCPU short is "enough"): z3 then
  proves a migration feasible that the independent witness check refutes.
"""

from __future__ import annotations

import time

import z3
from ldmspec.models import preconditions

from ldmspec.solver.engine import DomainModel


class OverEagerModel(DomainModel):
    """Also reports VIO-4 violated whenever the domain has a console."""

    def _all_violations(self, deadline: float, witness: bool = True):  # type: ignore[no-untyped-def]
        violated, joint, model = super()._all_violations(time.monotonic() + 5, witness)
        if "VIO-4" in self.literals and "VIO-4" not in violated:
            violated = [*violated, "VIO-4"]
            model = None
        return violated, joint, model


def weakened_cpu1(v: preconditions.Symbols, d: preconditions.DomainSide) -> z3.BoolRef:
    return v.t_free_vcpus >= d.vcpus - 1
