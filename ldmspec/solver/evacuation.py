"""The answer of an evacuation search: moves in waves, or the proof that none exists.

Plain frozen values (see :mod:`ldmspec.solver.evacuate` for how they are found); each
serialises to its part of the ``ldmspec evacuate --json`` document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ldmspec.inventory.facts import Fleet

__all__ = ["Blocker", "Conflict", "Evacuation", "Move", "Outcome", "Reason", "Staying"]

Outcome = Literal["plan", "impossible", "unknown"]


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


def unknown_result(host: str, reason: str) -> Evacuation:
    """An undecided search: never a plan or a proof."""
    return Evacuation(host=host, verdict="unknown", reason=reason)
