"""The abstraction function: an implementation observation as the model sees one domain.

:func:`abstract_domain` maps an :class:`~ldmspec.system.observation.Observation` to a
:class:`ModelView` of one domain; :func:`project` gives the same view of a model state.

What the abstraction keeps
--------------------------
Per live-migrating (or active) domain: the host holding the source copy, the phase,
the target host, the source copy (running, suspended, none) and its FLAGS column 6,
the target copy (none, bound, running) and its ``t``, and how the last migration
ended (``failed`` and ``target-full`` are one class: the implementation names the
reason only in words). It drops what the model abstracts differently: dirty-set
buckets and round counts (the implementation has pages and its own stop rule),
budgets, links and resource slots. Hosts are compared by name, and a step is checked
one domain at a time: the model's domains interact only through capacity, budgets
and the concurrency limit, which enable or disable a domain's steps without changing
them, so a one-domain model gives every step a domain can take.

Two asynchronous clean-ups of the implementation are invisible until they finish, as
the model treats them as atomic: a cancel in flight (the source waits for the
target's ``Aborted``) shows the state before the cancel; a target copy left behind by a
migration the source already ended shows nothing until the target gives up on its
own timer. A copy still there after the target ended is a remnant and does not map
to any model state. Cold migrations (bound or inactive domains) are not modelled and
not checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from ldmspec.models.protocol import Protocol
from ldmspec.models.protocol_domain import (
    BOUND,
    CANCELLED,
    CHECKS,
    COMPLETED,
    ERROR,
    FAILED,
    FLAG_ERROR,
    FLAG_NONE,
    FLAG_SOURCE,
    HANDOFF,
    IDLE,
    NO_OUTCOME,
    NONE,
    OUTCOME_NAMES,
    PHASE_NAMES,
    PRECOPY,
    PREPARE,
    RECOVERED_ON_SOURCE,
    RECOVERED_ON_TARGET,
    RUNNING,
    SUSPENDED,
    SUSPENDED_COPY,
    TARGET_FULL,
    TARGET_RUNNING,
)
from ldmspec.system.observation import DomainView, MigrationView, Observation

__all__ = [
    "CONTROL_DOMAIN",
    "ModelView",
    "abstract_domain",
    "normal",
    "project",
    "why_not_modelled",
]

CONTROL_DOMAIN = "primary"
_FLAGS = {"-": FLAG_NONE, "s": FLAG_SOURCE, "e": FLAG_ERROR}
_OUTCOMES = {
    "completed": COMPLETED,
    "cancelled": CANCELLED,
    "failed": FAILED,
}


class ModelView(NamedTuple):
    """The model's view of one domain, with hosts by name (the conformance tuple; not the
    inventory's domain state)."""

    home: str
    phase: int
    target: str | None
    source_copy: int
    source_flag: int
    target_copy: int
    target_flag: int
    outcome: int

    def __str__(self) -> str:
        text = f"{PHASE_NAMES[self.phase]} on {self.home}"
        if self.phase != IDLE:
            source = ("none", "running", "suspended")[self.source_copy]
            target = ("none", "bound", "running")[self.target_copy]
            text += (
                f" -> {self.target} (source {source} {'-se'[self.source_flag]}, "
                f"target {target}{' t' if self.target_flag else ''})"
            )
        else:
            if self.outcome != NO_OUTCOME:
                text += f" ({OUTCOME_NAMES[self.outcome]})"
            if self.source_copy != RUNNING:
                text += f", source {('none', 'running', 'suspended')[self.source_copy]}"
            if self.source_flag != FLAG_NONE:
                text += f", FLAGS {'-se'[self.source_flag]}"
            if self.target_copy != NONE:
                text += f", a {('none', 'bound', 'running')[self.target_copy]} copy left on target"
        return text


# --- the abstraction function -----------------------------------------------------------------


def _outcome_class(outcome: int) -> int:
    return FAILED if outcome == TARGET_FULL else outcome


def _copy_of(view: DomainView | None) -> int:
    if view is None:
        return NONE
    if view.running:
        return RUNNING
    return SUSPENDED_COPY if view.state in ("suspended", "active") else NONE


def abstract_domain(observation: Observation, name: str) -> ModelView | None:
    """The model's view of domain ``name`` in ``observation`` (None when not modelled:
    no live migration and no running copy, e.g. a bound or inactive domain)."""
    migrations = [m for m in observation.migrations if m.domain == name]
    latest = migrations[-1] if migrations else None
    if latest is None or not latest.live:
        if latest is not None and latest.outcome is None:
            return None  # a cold migration
        home, view = _running_copy(observation, name)
        if view is None:
            return None
        outcome = NO_OUTCOME if latest is None else _ended(latest)
        return ModelView(home, IDLE, None, _copy_of(view), _flag(view), NONE, 0, outcome)
    return _migrating(observation, latest)


def why_not_modelled(observation: Observation, name: str) -> str | None:
    """Why :func:`abstract_domain` has no view of ``name`` (None: it has one): the
    reason a conformance check skips the domain, for counting."""
    if abstract_domain(observation, name) is not None:
        return None
    migrations = [m for m in observation.migrations if m.domain == name]
    if migrations and not migrations[-1].live:
        return "a cold migration"
    return "not running (bound, inactive or stopped)"


def _running_copy(observation: Observation, name: str) -> tuple[str, DomainView | None]:
    for host in observation.hosts:
        view = host.domain(name)
        if view is not None and view.state in ("active", "suspended"):
            return host.name, view
    return "", None


def _flag(view: DomainView | None) -> int:
    return _FLAGS.get(view.migration_flag, FLAG_NONE) if view is not None else FLAG_NONE


def _ended(m: MigrationView) -> int:
    if m.outcome == "error":
        return RECOVERED_ON_SOURCE if m.resolution == "resumed" else RECOVERED_ON_TARGET
    return _OUTCOMES.get(m.outcome or "", FAILED)


def _migrating(observation: Observation, m: MigrationView) -> ModelView | None:
    source = observation.host(m.source).domain(m.domain)
    target_host = observation.host(m.target)
    target = target_host.domain(m.target_name)
    if m.outcome == "error" and m.resolution is None:
        tcopy = NONE if target is None else TARGET_RUNNING if target.running else BOUND
        tflag = int(target is not None and target.migration_flag == "t")
        return ModelView(
            m.source, ERROR, m.target, _copy_of(source), _flag(source), tcopy, tflag, NO_OUTCOME
        )
    if m.outcome is not None:
        outcome = _ended(m)
        home = m.target if outcome in (COMPLETED, RECOVERED_ON_TARGET) else m.source
        view = observation.host(home).domain(m.domain if home == m.source else m.target_name)
        if view is not None and view.state in ("bound", "inactive"):
            return None  # the operator stopped it since: no longer a live domain
        leftover = NONE
        if home == m.source and target is not None and m.target_outcome is not None:
            leftover = BOUND if not target.running else TARGET_RUNNING  # a remnant
        return ModelView(home, IDLE, None, _copy_of(view), _flag(view), leftover, 0, outcome)
    # under way
    if target is None or (m.target_phase or 0) < 2:
        # The target creates this migration's copy in its phase 2. A copy there before
        # that is the remnant of an earlier migration whose end the target has not heard
        # of yet (a partition during the hand-off): not this migration's.
        tcopy, tflag = NONE, 0
    else:
        tcopy = TARGET_RUNNING if target.running else BOUND
        tflag = int(target.migration_flag == "t")
    if m.cancelled_by is not None and m.target_outcome is not None:
        # the target cleaned up; the source has not heard yet: show what it had
        tcopy, tflag = (BOUND, 1) if (m.target_phase or 0) >= 2 else (NONE, 0)
    phase = {1: CHECKS, 2: PREPARE, 3: PRECOPY, 4: SUSPENDED}.get(m.phase, HANDOFF)
    return ModelView(m.source, phase, m.target, _copy_of(source), _flag(source), tcopy, tflag, 0)


def project(model: Protocol, state: tuple[int, ...], d: int, hosts: Sequence[str]) -> ModelView:
    """The same view of domain ``d`` in a model state, naming hosts by ``hosts``."""
    dom = model.decode(state)[3][d]
    return ModelView(
        hosts[dom.home],
        dom.phase,
        hosts[dom.target] if dom.phase != IDLE else None,
        dom.source_copy,
        dom.source_flag,
        dom.target_copy,
        dom.target_flag,
        _outcome_class(dom.outcome) if dom.phase == IDLE else NO_OUTCOME,
    )


def normal(before: ModelView, after: ModelView) -> tuple[Any, ...]:
    """The pair with hosts renamed in order of appearance (hosts are interchangeable)."""
    names: dict[Any, int] = {}
    out: list[Any] = []
    for state in (before, after):
        for position, value in enumerate(state):
            if position in (0, 2) and value is not None:  # home and target
                value = names.setdefault(value, len(names))
            out.append(value)
    return tuple(out)
