"""The mutable state of one evacuation search: candidates, z3 findings, cuts, the clock."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ldmspec.inventory.facts import Domain, Fleet, Host
from ldmspec.inventory.units import GIB
from ldmspec.models.preconditions import domain_side
from ldmspec.solver.engine import DEFAULT_TIMEOUT_MS
from ldmspec.solver.migration import check_migration
from ldmspec.solver.moves import DomainFacts, HostFacts, host_facts, host_kind, may_accept
from ldmspec.solver.placement import Bin, Item, PlacementProblem
from ldmspec.solver.verdict import PrecheckVerdict

__all__ = ["OFFERED", "Clock", "Say", "Search", "progress_printer", "quiet"]

# Candidates offered to each domain in successive placement rounds: a few roomiest
# targets first (small, fast CP-SAT models), then all of them (the proof).
OFFERED: tuple[int | None, ...] = (16, 64, None)


class Clock:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def ms(self) -> int:
        return max(1, min(DEFAULT_TIMEOUT_MS, int(self.left() * 1000)))


Say = Callable[[str], None]


def quiet(_: str) -> None:
    pass


def to_stderr(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


@dataclass
class Search:
    """The state of one evacuation search (mutable while it runs)."""

    fleet: Fleet
    source: Host
    movers: list[Domain]
    clock: Clock
    jobs: int
    say: Say
    facts: dict[str, DomainFacts] = field(default_factory=dict)
    candidates: dict[str, list[str]] = field(default_factory=dict)
    forbidden: dict[tuple[str, str], PrecheckVerdict | None] = field(default_factory=dict)
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
            kept.sort(key=lambda h: (-room(h, f.side.vcpus, f.side.memory), h.name))
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
        bins = tuple(host_bin(self.host(t)) for t in wanted)
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
    def check_pair(self, domain: str, target: str) -> PrecheckVerdict:
        """z3 on the pair against the fleet as it is (targets only fill up later)."""
        verdict = check_migration(
            self.fleet, domain, self.source.name, target, timeout_ms=self.clock.ms()
        )
        if verdict.feasible:
            self.confirmed.add((domain, target))
        else:
            self.forbidden[domain, target] = verdict
        return verdict


def room(h: HostFacts, vcpus: int, memory: int) -> float:
    """How much a candidate keeps free after taking the domain (for ranking only)."""
    return min(h.free_vcpus - vcpus, (h.free_memory - memory) / GIB / 8)


def host_bin(host: Host) -> Bin:
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


def progress_printer(enabled: bool) -> Say:
    """Progress lines on standard error when ``enabled`` (a terminal), else nothing."""
    return to_stderr if enabled else quiet
