"""One migration, or one domain against every other host: the prover's entry points."""

from __future__ import annotations

from ldmspec.errors import CommandError
from ldmspec.inventory.facts import Fleet, Host
from ldmspec.solver.engine import DEFAULT_TIMEOUT_MS, domain_model
from ldmspec.solver.fleet import RankedTarget, rank_targets
from ldmspec.solver.repair import find_repair
from ldmspec.solver.verdict import PrecheckVerdict
from ldmspec.solver.vetting import vetted

__all__ = ["check_migration", "check_targets", "resolve_pair"]


def resolve_pair(fleet: Fleet, domain: str, source: str, target: str) -> tuple[Host, Host]:
    """The source and target hosts, or a CommandError naming what is wrong."""
    known = ", ".join(fleet.host_names)
    hosts = []
    for role, name in (("source", source), ("target", target)):
        host = fleet.host(name)
        if host is None:
            raise CommandError(f"unknown {role} host {name!r}", fix=f"hosts: {known}")
        hosts.append(host)
    src, dst = hosts
    if src.domain(domain) is None:
        holders = [h.name for h in fleet.hosts if h.domain(domain) is not None]
        hint = f"it is on {', '.join(holders)}" if holders else "no host has it"
        raise CommandError(f"source {source!r} has no domain {domain!r}", fix=hint)
    return src, dst


def check_migration(
    fleet: Fleet,
    domain: str,
    source: str,
    target: str,
    new_name: str | None = None,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    repair: bool = False,
    rlimit: int | None = None,
) -> PrecheckVerdict:
    """Prove ``domain: source -> target[:new_name]`` feasible, or name every violation.

    ``repair=True`` also computes the cheapest admissible repair of an infeasible
    migration (``verdict.repair``). ``rlimit`` is z3's deterministic resource budget
    (tests use it to force "unknown"). ST-1 reads the domain's ``migration`` field.
    A feasible verdict has passed the independent witness check (:mod:`.vetting`).
    """
    src, dst = resolve_pair(fleet, domain, source, target)
    model = domain_model(src, domain)
    verdict = model.verdict_for(dst, new_name, timeout_ms=timeout_ms, rlimit=rlimit)
    verdict = vetted(verdict, src, dst)
    if repair and verdict.status == "infeasible":
        verdict = find_repair(fleet, verdict, model, dst, new_name, timeout_ms=timeout_ms)
    return verdict


def check_targets(
    fleet: Fleet,
    domain: str,
    source: str,
    *,
    jobs: int = 1,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: bool = False,
) -> tuple[RankedTarget, ...]:
    """Every other host of ``fleet`` as a target for ``domain``, ranked (see :mod:`.fleet`)."""
    return rank_targets(fleet, domain, source, jobs=jobs, timeout_ms=timeout_ms, progress=progress)
