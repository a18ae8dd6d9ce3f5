"""The size of a protocol model: hosts, domains, concurrency, bounds and enabled faults."""

from __future__ import annotations

from dataclasses import dataclass, field

from ldmspec.errors import InputError

__all__ = ["FAULTS", "STANDARD", "ProtocolConfig"]

FAULTS = ("drop", "partition", "lost-ack", "handoff-failure", "foreign-bind")
"""Fault kinds a configuration can enable."""


def _in_range(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(
            f"--{name} between {low} and {high}", got=value, source=f"argument --{name}"
        )


@dataclass(frozen=True)
class ProtocolConfig:
    """The size of the model: hosts, domains, concurrency, enabled faults, and optional
    budgets.

    ``per_host`` is ``max_migrations_per_host`` (DESIGN.md): how many migrations may
    hold one host's lock at once; by default as many as may run at once, the value the
    conformance replay gives the implementation.

    ``migrations`` and ``faults`` are None (the default) for an environment that never
    runs out: operators start migrations and faults strike again and again, and the
    graph stays finite by abstraction (see :mod:`ldmspec.models.protocol`). A number
    bounds them in total, for bounded runs (a bounded model has fewer cycles).
    """

    hosts: int = 2
    domains: int = 2
    concurrent: int = 2
    round_limit: int = 2
    capacity: int = 0  # 0: one more than the busiest host holds at the start
    per_host: int = 0  # max_migrations_per_host; 0: as many as run at once (concurrent)
    migrations: int | None = None
    faults: int | None = None
    enabled_faults: frozenset[str] = field(default_factory=lambda: frozenset(FAULTS))
    bursts: bool = True

    def __post_init__(self) -> None:
        _in_range("hosts", self.hosts, 2, 6)
        _in_range("domains", self.domains, 1, 6)
        _in_range("concurrent", self.concurrent, 1, self.domains)
        _in_range("round-limit", self.round_limit, 1, 3)
        busiest = -(-self.domains // self.hosts)
        if self.capacity == 0:
            object.__setattr__(self, "capacity", busiest + 1)
        _in_range("capacity", self.capacity, busiest, 7)
        if self.per_host == 0:
            object.__setattr__(self, "per_host", self.concurrent)
        _in_range("per-host", self.per_host, 1, self.concurrent)
        if self.migrations is not None:
            _in_range("migrations", self.migrations, 0, 14)
        if self.faults is not None:
            _in_range("faults", self.faults, 0, 14)
        unknown = sorted(self.enabled_faults - set(FAULTS))
        if unknown:
            raise InputError(f"fault kinds among {', '.join(FAULTS)}", got=unknown[0])

    @property
    def name(self) -> str:
        """A short name: ``h2-d2-k2`` plus what differs from the defaults."""
        text = f"h{self.hosts}-d{self.domains}-k{self.concurrent}"
        defaults = ProtocolConfig(self.hosts, self.domains, self.concurrent)
        for key in ("round_limit", "capacity", "per_host", "migrations", "faults", "bursts"):
            value = getattr(self, key)
            if value != getattr(defaults, key):
                text += f"-{key.replace('_', '')}{int(value)}"
        if self.enabled_faults != defaults.enabled_faults:
            text += (
                "-" + "+".join(sorted(self.enabled_faults)) if self.enabled_faults else "-nofaults"
            )
        return text

    @property
    def unbounded(self) -> int:
        """The budget value that means "never runs out" in the state (never spent)."""
        return 15

    def budget(self) -> int:
        """The initial budget field of a state: ``starts << 4 | faults``."""
        starts = self.unbounded if self.migrations is None else self.migrations
        faults = self.unbounded if self.faults is None else self.faults
        return starts << 4 | faults


STANDARD = ProtocolConfig()
"""The standard configuration: 2 hosts, 2 domains, 2 concurrent migrations, every fault,
no budgets: the smallest one where one migration can starve while another progresses.
(3 hosts, 3 domains without budgets is about 1.5 million states even with symmetry:
beyond what the explorer decides in a minute; bound it with ``migrations``/``faults``.)"""
