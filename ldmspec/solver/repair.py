"""Smallest repair of an infeasible migration (z3 Optimize): not built yet."""

from __future__ import annotations

from ldmspec.errors import CommandError
from ldmspec.inventory.facts import Fleet, Host
from ldmspec.solver.engine import DomainModel
from ldmspec.solver.verdict import Verdict

__all__ = ["find_repair"]


def find_repair(
    fleet: Fleet,
    verdict: Verdict,
    model: DomainModel,
    target: Host,
    new_name: str | None,
    *,
    timeout_ms: int,
) -> Verdict:
    """Not yet: the repair search is being written."""
    raise CommandError("repair is not built yet", fix="run without repair")
