"""What the precondition prover answers: a three-valued verdict, its rows, witness and repair.

These are plain frozen values (no z3 objects), so they pickle across worker processes,
compare in tests and serialise to the JSON contract of ``ldmspec check``::

    {"verdict": "infeasible",
     "violations": [{"id": "CPU-4", "requirement": "...", "observed": "...", "fix": "..."}],
     "repair": {...} | null,
     "witness": {...} | null}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ldmspec.inventory.units import format_size

__all__ = [
    "Change",
    "Confirmation",
    "PlacedBlock",
    "PrecheckVerdict",
    "Repair",
    "RequirementViolation",
    "Row",
    "Status",
    "Witness",
]

Status = Literal["feasible", "infeasible", "unknown"]
RowStatus = Literal["holds", "violated", "joint", "n/a", "unknown"]


@dataclass(frozen=True)
class RequirementViolation:
    """A violated requirement: its id, its words, what was observed and how to fix it."""

    id: str
    requirement: str
    observed: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "requirement": self.requirement,
            "observed": self.observed,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Row:
    """One line of the ``check`` table: a requirement and what the prover found for it."""

    id: str
    status: RowStatus
    observed: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "observed": self.observed, "fix": self.fix}


@dataclass(frozen=True)
class PlacedBlock:
    """Where one memory block of the domain would land on the target."""

    ra: int
    pa: int
    size: int

    def to_json(self) -> dict[str, int]:
        return {"ra": self.ra, "pa": self.pa, "size": self.size}

    def __str__(self) -> str:
        return f"RA {self.ra:#x} -> PA {self.pa:#x} size {format_size(self.size)}"


@dataclass(frozen=True)
class Witness:
    """Where the domain would land on a feasible target.

    ``blocks`` come from the z3 model of MEM-2 (a PA for every block, congruent to its RA
    modulo the target's largest page, inside free memory, pairwise disjoint). ``strands``
    and ``cores`` are the target's lowest free strands (whole free cores when CPU-8
    applies), the way the Logical Domains Manager binds them; z3 proves their number.
    """

    blocks: tuple[PlacedBlock, ...]
    strands: tuple[int, ...]
    cores: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "memory": [b.to_json() for b in self.blocks],
            "strands": list(self.strands),
            "cores": list(self.cores),
        }


@dataclass(frozen=True)
class Change:
    """One admissible change of a repair.

    ``host`` is where it is made, ``commands`` the ``ldm`` commands an administrator
    would run there (empty when no single command does it), ``fixes`` the requirement
    ids it helps satisfy.
    """

    kind: str
    host: str
    description: str
    commands: tuple[str, ...]
    cost: int
    fixes: tuple[str, ...] = ()
    # What :func:`ldmspec.solver.repair_apply.apply_repair` needs to make the change.
    detail: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "host": self.host,
            "description": self.description,
            "commands": list(self.commands),
            "cost": self.cost,
            "fixes": list(self.fixes),
        }


@dataclass(frozen=True)
class Repair:
    """The cheapest set of admissible changes that makes the migration feasible.

    ``status`` is ``"found"`` (``changes`` is a proven-optimal repair), ``"partial"``
    (``changes`` is the cheapest repair of every violation but those in
    ``unrepairable``, which no admissible change fixes: each says why), ``"none"``
    (nothing admissible helps) or ``"unknown"`` (the optimiser ran out of time).
    """

    status: Literal["found", "partial", "none", "unknown"]
    changes: tuple[Change, ...]
    cost: int
    unrepairable: tuple[str, ...] = ()
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "cost": self.cost,
            "changes": [c.to_json() for c in self.changes],
            "unrepairable": list(self.unrepairable),
            "note": self.note,
        }


@dataclass(frozen=True)
class Confirmation:
    """One claim of a verdict re-checked by a second solver: what z3 and cvc5 answered.

    ``claim`` is "feasible with the witness" (expected ``sat``) or "ID violated"
    (expected ``unsat``); see :mod:`ldmspec.solver.confirm`.
    """

    claim: str
    expected: str
    z3: str
    cvc5: str

    @property
    def agrees(self) -> bool:
        return self.z3 == self.cvc5 == self.expected

    def to_json(self) -> dict[str, str]:
        return {"claim": self.claim, "expected": self.expected, "z3": self.z3, "cvc5": self.cvc5}


@dataclass(frozen=True)
class PrecheckVerdict:
    """The prover's answer for one migration ``domain: source -> target[:target_name]``.

    ``status`` is ``"feasible"`` (z3 found a model of every applicable requirement:
    ``witness`` says where the domain lands), ``"infeasible"`` (``violations`` lists
    *every* violated requirement, not one unsat core) or ``"unknown"`` (the solver could
    not decide within its budget: ``reason`` says why; never a verdict either way).
    ``holds`` and ``not_applicable`` are the other requirement ids; ``rows`` is the whole
    table in catalog order. ``jointly_unsatisfiable`` are sets of ids each of which holds
    alone but not together with the others (also infeasible); ``notes`` say where the
    verdict is conservative.
    """

    status: Status
    domain: str
    source: str
    target: str
    target_name: str
    violations: tuple[RequirementViolation, ...] = ()
    holds: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    witness: Witness | None = None
    repair: Repair | None = None
    reason: str = ""
    jointly_unsatisfiable: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()
    confirmations: tuple[Confirmation, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.status == "feasible"

    @property
    def violated_ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.violations)

    @property
    def exit_status(self) -> int:
        """0 feasible, 1 infeasible, 3 unknown (the ``ldmspec check`` contract)."""
        return {"feasible": 0, "infeasible": 1, "unknown": 3}[self.status]

    def to_json(self) -> dict[str, Any]:
        """The ``ldmspec check --json`` document."""
        return {
            "verdict": self.status,
            "domain": self.domain,
            "source": self.source,
            "target": self.target,
            "target_name": self.target_name,
            "violations": [v.to_json() for v in self.violations],
            "holds": list(self.holds),
            "not_applicable": list(self.not_applicable),
            "requirements": [r.to_json() for r in self.rows],
            "repair": self.repair.to_json() if self.repair else None,
            "witness": self.witness.to_json() if self.witness else None,
            "reason": self.reason or None,
            "jointly_unsatisfiable": [list(ids) for ids in self.jointly_unsatisfiable],
            "notes": list(self.notes),
            "confirmations": [c.to_json() for c in self.confirmations],
        }
