"""How a protocol model state is laid out in one int, and how to read it.

From the lowest bits up: the budgets (8 bits: ``starts_left << 4 | faults_left``), one
4-bit field per host (``foreign << 3 | used slots``), then one packed
:class:`~ldmspec.models.protocol_domain.ModelDomain` per domain. One int hashes and
compares cheaply, and a step is an addition.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from typing import Any

from ldmspec.models.protocol_config import ProtocolConfig
from ldmspec.models.protocol_domain import DOMAIN_BITS, DOMAIN_MASK, ModelDomain, describe_domain

__all__ = ["HOST_BITS", "State", "StateLayout"]

State = int
HOST_BITS = 4  # foreign << 3 | used slots


class StateLayout:
    """The bit layout of the states of a model of ``config``'s size."""

    def __init__(self, config: ProtocolConfig) -> None:
        self.config = config
        self.hosts = config.hosts
        self.domains = config.domains
        self.host_offsets = tuple(8 + HOST_BITS * h for h in range(self.hosts))
        first = 8 + HOST_BITS * self.hosts
        self.domain_offsets = tuple(first + DOMAIN_BITS * d for d in range(self.domains))

    def host_fields(self, state: State) -> tuple[int, ...]:
        """Each host's 4-bit field (``foreign << 3 | used``)."""
        return tuple([(state >> offset) & 15 for offset in self.host_offsets])

    def domain_fields(self, state: State) -> tuple[int, ...]:
        """Each domain, packed."""
        return tuple([(state >> offset) & DOMAIN_MASK for offset in self.domain_offsets])

    def pack_state(self, budget: int, hosts: Iterable[int], domains: Iterable[int]) -> State:
        """The state of budget, host fields and packed domains (one of each)."""
        hosts, domains = tuple(hosts), tuple(domains)
        if len(hosts) != self.hosts or len(domains) != self.domains:
            raise ValueError(f"{self.hosts} hosts and {self.domains} domains expected")
        return self.pack_fields(budget, hosts, domains)

    def pack_fields(self, budget: int, hosts: Iterable[int], domains: Iterable[int]) -> State:
        """:meth:`pack_state` without the checks (the explorer's hot path)."""
        # the fields do not overlap, so shifting and adding is or-ing
        return (
            budget
            + sum(map(operator.lshift, hosts, self.host_offsets))
            + sum(map(operator.lshift, domains, self.domain_offsets))
        )

    def decode(
        self, state: State
    ) -> tuple[int, int, tuple[tuple[int, int], ...], tuple[ModelDomain, ...]]:
        """``(starts_left, faults_left, ((used, foreign) per host), domains)``; a budget
        the configuration leaves unbounded reads as ``config.unbounded``."""
        hosts = tuple((h & 7, h >> 3) for h in self.host_fields(state))
        domains = tuple(ModelDomain.unpack(p) for p in self.domain_fields(state))
        return (state & 255) >> 4, state & 15, hosts, domains

    def encode(
        self,
        starts_left: int,
        faults_left: int,
        hosts: Sequence[tuple[int, int]],
        domains: Sequence[ModelDomain],
    ) -> State:
        """The inverse of :meth:`decode`."""
        return self.pack_state(
            starts_left << 4 | faults_left,
            (used | foreign << 3 for used, foreign in hosts),
            (d.pack() for d in domains),
        )

    def describe_state(self, state: State) -> dict[str, Any]:
        """A JSON view of ``state``: budgets, hosts, domains."""
        starts, faults, hosts, domains = self.decode(state)
        return {
            "starts_left": None if self.config.migrations is None else starts,
            "faults_left": None if self.config.faults is None else faults,
            "hosts": [
                {"host": f"h{h}", "used": used, "other_bound": bool(foreign)}
                for h, (used, foreign) in enumerate(hosts)
            ],
            "domains": [describe_domain(d, dom) for d, dom in enumerate(domains)],
        }
