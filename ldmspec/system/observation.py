"""Frozen snapshots of the running system, for invariant checkers and reports.

:meth:`ldmspec.system.Datacenter.observe` returns an :class:`Observation`: every host
with its domains (state, FLAGS, resources, memory-contents digest) and both books of
its resources (what the hypervisor and the vcc say is free; what the domains hold),
and every migration with its phase, outcome and progress on both sides, plus what the
checks of DESIGN.md "Invariants" need to compare against: the source domain and the
target's free resources when the migration started, the source's memory digest at
suspension and the target's at resume. Everything is hashable and compares by value.
"""

from __future__ import annotations

from dataclasses import dataclass

from ldmspec.inventory.facts import MemoryBlock, MemoryRange

__all__ = ["DomainView", "HostView", "MigrationView", "Observation", "Resources"]


@dataclass(frozen=True)
class DomainView:
    """One domain as ``ldm list`` and the hypervisor see it.

    ``state`` is ``active``, ``bound``, ``inactive`` or ``suspended``; ``flags`` the six
    FLAGS columns; ``running`` whether its vCPUs execute guest code; ``digest`` the
    memory contents (None when the domain has no guest memory: bound or inactive).
    """

    name: str
    state: str
    flags: str
    vcpus: int
    memory: int
    console_port: int | None
    strands: tuple[int, ...]
    blocks: tuple[MemoryBlock, ...]
    digest: str | None
    running: bool

    @property
    def migration_flag(self) -> str:
        """FLAGS column 6: ``s``, ``t``, ``e`` or ``-``."""
        return self.flags[5]

    @property
    def held_memory(self) -> int:
        return sum(b.size for b in self.blocks)


@dataclass(frozen=True)
class Resources:
    """Free strands, memory (bytes) and console ports of a host."""

    strands: int
    memory: int
    ports: int


@dataclass(frozen=True)
class HostView:
    """One host: its domains, totals, and what its hypervisor and vccs say is free.

    ``memory_scrubbing`` is memory of destroyed domains the hypervisor is still
    scrubbing (only with ``SystemConfig.scrub_ticks_per_gib``): neither free nor held,
    so ``memory_free + memory_held + memory_scrubbing == memory_total``. ``free_ranges``
    are the physical ranges of the free memory (what ``ldm list-devices memory`` shows):
    read them with :meth:`~ldmspec.system.datacenter.Datacenter.read_physical`.
    ``unscrubbed_bytes`` is what the implementation admits it returned unscrubbed (a
    counter about itself, not an oracle).
    """

    name: str
    domains: tuple[DomainView, ...]
    strands_total: int
    strands_free: int
    memory_total: int
    memory_free: int
    ports_total: int
    ports_free: int
    unscrubbed_bytes: int
    memory_scrubbing: int = 0
    free_ranges: tuple[MemoryRange, ...] = ()

    def domain(self, name: str) -> DomainView | None:
        return next((d for d in self.domains if d.name == name), None)

    @property
    def free(self) -> Resources:
        return Resources(self.strands_free, self.memory_free, self.ports_free)

    @property
    def strands_held(self) -> int:
        return sum(len(d.strands) for d in self.domains)

    @property
    def memory_held(self) -> int:
        return sum(d.held_memory for d in self.domains)

    @property
    def ports_held(self) -> int:
        return sum(1 for d in self.domains if d.console_port is not None)


@dataclass(frozen=True)
class MigrationView:
    """One migration, from both ends.

    ``phase`` is the source's phase 1-5 (the last one reached once ended); ``outcome``
    is None while running, then ``completed``, ``cancelled``, ``failed`` or ``error``
    (a lost hand-off acknowledgement); ``resolution`` says how the operator resolved an
    error (``resumed`` or ``destroyed``). ``target_outcome`` is ``completed``,
    ``aborted`` or ``timed-out`` once the target is done. ``lines`` is what the
    ``ldm migrate-domain`` command printed when it ended.
    """

    id: int
    domain: str
    target_name: str
    source: str
    target: str
    live: bool
    phase: int
    outcome: str | None
    resolution: str | None
    progress: int
    target_phase: int | None
    target_progress: int | None
    target_outcome: str | None
    rounds: int
    pages_sent: int
    dirty_pages_per_round: tuple[int, ...]
    pages_dirtied_while_suspended: int
    suspended_digest: str | None
    resumed_digest: str | None
    cancelled_by: str | None
    started_at: int
    ended_at: int | None
    source_domain_before: DomainView
    target_free_before: Resources
    lines: tuple[str, ...]
    suspended_at: int | None = None
    resumed_at: int | None = None
    #: A KILL after the hand-off ended the ``ldm migrate-domain`` command, not the migration.
    command_killed: bool = False
    #: Whether the target heard that the source's side of the hand-off is settled (None
    #: while the target has no record of the migration).
    target_settled: bool | None = None

    @property
    def ended(self) -> bool:
        return self.outcome is not None

    @property
    def downtime(self) -> int | None:
        """Ticks from the source's suspension to the target's resume (live, completed)."""
        if self.suspended_at is None or self.resumed_at is None:
            return None
        return self.resumed_at - self.suspended_at

    @property
    def status(self) -> str:
        return self.outcome or f"phase {self.phase}"


@dataclass(frozen=True)
class Observation:
    """The whole system at one instant of the simulated clock."""

    time: int
    events: int
    pending: int
    hosts: tuple[HostView, ...]
    migrations: tuple[MigrationView, ...]
    down_links: tuple[tuple[str, str], ...]

    def host(self, name: str) -> HostView:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(f"no host {name!r}")

    def migration(self, mid: int) -> MigrationView:
        for m in self.migrations:
            if m.id == mid:
                return m
        raise KeyError(f"no migration #{mid}")

    def running_copies(self, domain: str) -> tuple[str, ...]:
        """Hosts where a domain called ``domain`` runs guest code now."""
        return tuple(
            h.name for h in self.hosts for d in h.domains if d.name == domain and d.running
        )
