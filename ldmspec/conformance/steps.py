"""Every implementation step is a model edge or a stutter: :class:`StepChecker`.

The property suites call :meth:`StepChecker.check_step` after every single event (an
``ldm`` command, a scheduler event, a fault) with the observations around it; a step
the model has no edge for is a :class:`Mismatch`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from ldmspec.conformance.abstraction import (
    CONTROL_DOMAIN,
    ModelView,
    abstract_domain,
    normal,
    project,
)
from ldmspec.explorer.search import explore
from ldmspec.models.protocol import Protocol
from ldmspec.models.protocol_config import ProtocolConfig
from ldmspec.system.observation import Observation

__all__ = ["MODEL_HOSTS", "Mismatch", "StepChecker", "one_domain_config"]

MODEL_HOSTS = ("h0", "h1", "h2")
"""The host names a one-domain model state is projected with."""


def one_domain_config(round_limit: int) -> ProtocolConfig:
    """The model every step is checked against: one domain and three hosts (a domain's
    steps do not depend on the others', see :mod:`ldmspec.conformance.abstraction`)."""
    return ProtocolConfig(
        hosts=len(MODEL_HOSTS), domains=1, concurrent=1, round_limit=round_limit, capacity=1,
        migrations=3, faults=2,
    )  # fmt: skip


@dataclass(frozen=True)
class Mismatch:
    """An implementation step the model does not allow."""

    domain: str
    action: str
    before: ModelView | None
    after: ModelView | None
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.domain}: after {self.action}: {self.reason}: "
            f"from [{self.before}] to [{self.after}]"
        )


@functools.lru_cache(maxsize=8)
def _steps(round_limit: int) -> frozenset[tuple[Any, ...]]:
    """Every visible step one domain can take in the model, hosts normalised."""
    model = Protocol(one_domain_config(round_limit))
    exploration = explore(model, symmetry=False)
    hosts = MODEL_HOSTS
    steps = set()
    for state in exploration.states:
        before = project(model, state, 0, hosts)
        for _, middle_state in model.successors(state):
            middle = project(model, middle_state, 0, hosts)
            if middle != before:
                steps.add(normal(before, middle))
            # an implementation event may take two protocol steps at once (suspend and
            # hand-off when nothing is left to copy)
            for action, after_state in model.successors(middle_state):
                after = project(model, after_state, 0, hosts)
                if model.is_fair(action) and after not in (before, middle):
                    steps.add(normal(before, after))
    return frozenset(steps)


@functools.lru_cache(maxsize=8)
def _states(round_limit: int) -> frozenset[tuple[Any, ...]]:
    """Every view of one domain the model reaches, hosts normalised."""
    model = Protocol(one_domain_config(round_limit))
    hosts = MODEL_HOSTS
    found = set()
    for state in explore(model, symmetry=False).states:
        view = project(model, state, 0, hosts)
        found.add(normal(view, view)[:8])
    return frozenset(found)


class StepChecker:
    """Checks that each implementation step maps to a model edge or a stutter.

    ``check_step(before, action, after)`` compares two observations around one step (an
    ``ldm`` command, a scheduler event, a fault) and returns a :class:`Mismatch` or
    None. ``action`` only labels the message. Domains are tracked by name; a domain
    the abstraction does not model (cold migration, not running) is skipped.
    """

    def __init__(self, config: ProtocolConfig | None = None) -> None:
        round_limit = config.round_limit if config is not None else 2
        self._steps = _steps(round_limit)
        self._states = _states(round_limit)

    def check_state(self, observation: Observation, name: str) -> Mismatch | None:
        """Whether the view of domain ``name`` is one the model can be in."""
        view = abstract_domain(observation, name)
        if view is None or normal(view, view)[:8] in self._states:
            return None
        return Mismatch(name, "observe", view, view, "no model state looks like this")

    def check_step(self, before: Observation, action: str, after: Observation) -> Mismatch | None:
        """The first domain whose change is not a model step, or None."""
        for name in _domain_names(before, after):
            old = abstract_domain(before, name)
            new = abstract_domain(after, name)
            if old is None or new is None or old == new:
                continue
            if normal(new, new)[:8] not in self._states:
                return Mismatch(name, action, old, new, "no model state looks like the result")
            if normal(old, new) not in self._steps:
                return Mismatch(name, action, old, new, "the model has no such step")
        return None

    def require(self, before: Observation, action: str, after: Observation) -> None:
        """Like :meth:`check_step`, raising AssertionError with the mismatch."""
        mismatch = self.check_step(before, action, after)
        if mismatch is not None:
            raise AssertionError(f"conformance: {mismatch}")


def _domain_names(*observations: Observation) -> list[str]:
    names: dict[str, None] = {}
    for observation in observations:
        for host in observation.hosts:
            for view in host.domains:
                if view.name != CONTROL_DOMAIN:
                    names.setdefault(view.name)
    return list(names)
