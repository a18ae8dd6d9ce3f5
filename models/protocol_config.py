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
    """The size of the model: hosts, domains, concurrency, budgets and enabled faults."""

    hosts: int = 3
    domains: int = 3
    concurrent: int = 2
    round_limit: int = 2
    capacity: int = 0  # 0: one more than the busiest host holds at the start
    migrations: int = 3
    faults: int = 2
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
        _in_range("migrations", self.migrations, 0, 15)
        _in_range("faults", self.faults, 0, 15)
        unknown = sorted(self.enabled_faults - set(FAULTS))
        if unknown:
            raise InputError(f"fault kinds among {', '.join(FAULTS)}", got=unknown[0])

    @property
    def name(self) -> str:
        """A short name: ``h3-d3-k2`` plus what differs from the defaults."""
        text = f"h{self.hosts}-d{self.domains}-k{self.concurrent}"
        defaults = ProtocolConfig(self.hosts, self.domains, self.concurrent)
        for key in ("round_limit", "capacity", "migrations", "faults", "bursts"):
            if getattr(self, key) != getattr(defaults, key):
                text += f"-{key.replace('_', '')}{int(getattr(self, key))}"
        if self.enabled_faults != defaults.enabled_faults:
            text += (
                "-" + "+".join(sorted(self.enabled_faults)) if self.enabled_faults else "-nofaults"
            )
        return text


STANDARD = ProtocolConfig()
"""The standard configuration: 3 hosts, 3 domains, 2 concurrent migrations, every fault."""
