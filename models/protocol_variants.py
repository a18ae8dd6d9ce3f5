"""Protocol models that are wrong on purpose, each breaking one documented behaviour.

Each variant is a subclass of :class:`~ldmspec.models.protocol.Protocol` overriding
one step, and names the property it must violate. The tests check that the explorer
finds exactly that violation (with a shortest counterexample) and nothing else, so a
model checker that stops seeing a bug, or a property that stops meaning anything,
shows up as a failing test. In a bounded run (``migrations`` set) a liveness variant
whose bug is a cycle also breaks the built-in ``fair-cycle-free`` check, the
property-free form of the same liveness. The starving variants need two migrations and
an environment that keeps starting them: they are caught only without budgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ldmspec.models.protocol import Deltas, Protocol
from ldmspec.models.protocol_actions import ACTION_KINDS
from ldmspec.models.protocol_config import ProtocolConfig
from ldmspec.models.protocol_domain import (
    CANCELLED,
    CHECKS,
    FAILED,
    FLAG_SOURCE,
    HANDOFF,
    NONE,
    PRECOPY,
    PREPARE,
    SUSPENDED,
    SUSPENDED_COPY,
    TARGET_RUNNING,
    ModelDomain,
)

from ldmspec.errors import InputError

__all__ = ["VARIANTS", "Variant", "protocol_model"]


class EarlyResume(Protocol):
    """The target resumes the guest as soon as pre-copy ends, before the source suspends."""

    variant = "early-resume"

    def suspend(self, d: ModelDomain) -> tuple[ModelDomain]:
        if d.dirty == 0:  # nothing left to send, so "why wait": both copies now run
            return (d._replace(phase=HANDOFF, target_copy=TARGET_RUNNING, target_flag=0),)
        return super().suspend(d)


class CancelLeavesSuspended(Protocol):
    """A cancel during suspension cleans up the target but never resumes the source."""

    variant = "cancel-leaves-suspended"

    def cancel_on_source(self, d: ModelDomain) -> tuple[ModelDomain, Deltas]:
        after, deltas = super().cancel_on_source(d)
        if d.phase == SUSPENDED:
            after = after._replace(source_copy=SUSPENDED_COPY)
        return after, deltas


class TargetAcceptsCancel(Protocol):
    """The target obeys cancel-operation as if it were the source."""

    variant = "target-accepts-cancel"

    def cancel_on_target(self, d: ModelDomain) -> tuple[ModelDomain, Deltas]:
        if d.phase != HANDOFF:
            return self.fail(d, CANCELLED)
        return super().cancel_on_target(d)


class SkipFinalCopy(Protocol):
    """The target resumes without the pages dirtied in the last pre-copy round."""

    variant = "skip-final-copy"

    def ready_to_resume(self, d: ModelDomain) -> bool:
        return True


class NoRoundLimit(Protocol):
    """Pre-copy ignores the round limit and waits for the dirty set to empty."""

    variant = "no-round-limit"

    def round_allowed(self, d: ModelDomain) -> bool:
        return True

    def precopy_round(self, d: ModelDomain) -> tuple[ModelDomain]:
        # the counter saturates at the limit, which the stop rule no longer reads
        rounds = min(d.rounds + 1, self.config.round_limit)
        return (d._replace(dirty=d.dirty - 1, rounds=rounds),)

    def stop_rule(self, d: ModelDomain) -> bool:
        return d.dirty == 0


class AckWaitForever(Protocol):
    """Over a partition the source waits for the acknowledgement instead of timing out."""

    variant = "ack-wait-forever"

    def ack_timeout(self, d: ModelDomain) -> ModelDomain | None:
        return None


class LeakOnFailure(Protocol):
    """A failed migration destroys the target copy but never frees its slot."""

    variant = "leak-on-failure"

    def fail(self, d: ModelDomain, outcome: int) -> tuple[ModelDomain, Deltas]:
        after, deltas = super().fail(d, outcome)
        return after, (() if outcome == FAILED else deltas)


class FlagLeftOnCancel(Protocol):
    """A cancelled migration leaves FLAGS column 6 ``s`` on the source's domain."""

    variant = "flag-left-on-cancel"

    def end(self, d: ModelDomain, outcome: int) -> ModelDomain:
        after = super().end(d, outcome)
        if outcome == CANCELLED and d.source_flag == FLAG_SOURCE:
            after = after._replace(source_flag=FLAG_SOURCE)
        return after


class LateTargetLock(Protocol):
    """The target is locked only once it created the domain, not from its pre-check's
    acceptance (the implementation's old lock window, ``old-lock-window``): in between,
    another bind can take its room and the creation finds it gone (``target_full``)."""

    variant = "late-target-lock"

    def locked_hosts(self, d: ModelDomain) -> tuple[int, ...]:
        hosts = super().locked_hosts(d)
        if d.phase == PREPARE and d.target_copy == NONE:
            return tuple(h for h in hosts if h != d.target)
        return hosts

    def action_kinds(self) -> Sequence[str]:
        kinds = set(super().action_kinds())
        if kinds:
            kinds.add("target_full")  # the room can go between the checks and the creation
        return tuple(kind for kind in ACTION_KINDS if kind in kinds)


class PrecopyYieldsToHandoff(Protocol):
    """A source pauses every pre-copy while another migration is in its hand-off.

    Safe, but under weak fairness per migration a pre-copy can starve: while other
    migrations keep reaching their hand-off, its round is enabled only between them,
    never continuously, so nothing forces it.
    """

    variant = "precopy-yields-to-handoff"
    watches_others = True

    def waits(self, d: ModelDomain, others: int) -> bool:
        return d.phase == PRECOPY and bool(others >> HANDOFF & 1)


class ChecksYieldToPrecopy(Protocol):
    """A target answers a pre-check only while no other migration is in pre-copy.

    A migration waiting for its checks starves while others keep migrating: its
    answer is enabled only between their pre-copies.
    """

    variant = "checks-yield-to-precopy"
    watches_others = True

    def waits(self, d: ModelDomain, others: int) -> bool:
        return d.phase == CHECKS and bool(others >> PRECOPY & 1)


@dataclass(frozen=True)
class Variant:
    """A wrong-on-purpose model: its name, what it breaks, and the property it violates."""

    name: str
    description: str
    violates: str
    model: type[Protocol]
    also_breaks: tuple[str, ...] = ()


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant(
            "early-resume",
            "the target resumes before the source suspends",
            "INV-SINGLE-ACTIVE",
            EarlyResume,
        ),
        Variant(
            "cancel-leaves-suspended",
            "cancel during suspension leaves the domain suspended",
            "INV-CLEANUP",
            CancelLeavesSuspended,
        ),
        Variant(
            "target-accepts-cancel",
            "cancel-operation on the target cancels the migration",
            "INV-SOURCE-CONTROL",
            TargetAcceptsCancel,
        ),
        Variant(
            "skip-final-copy",
            "the target resumes before the pages still dirty are sent",
            "INV-NO-LOST-WRITES",
            SkipFinalCopy,
        ),
        Variant(
            "leak-on-failure",
            "a failed migration never frees the target's slot",
            "INV-CONSERVATION",
            LeakOnFailure,
        ),
        Variant(
            "flag-left-on-cancel",
            "a cancelled migration leaves FLAGS s on the source",
            "INV-FLAGS",
            FlagLeftOnCancel,
        ),
        Variant(
            "late-target-lock",
            "the target is locked only once it created the domain, not from its checks",
            "INV-LOCK",
            LateTargetLock,
        ),
        Variant(
            "no-round-limit",
            "pre-copy ignores the round limit while the guest keeps dirtying pages",
            "LIVE-CONVERGES",
            NoRoundLimit,
        ),
        Variant(
            "ack-wait-forever",
            "over a partition the source waits for the acknowledgement forever",
            "LIVE-TERMINATES",
            AckWaitForever,
        ),
        Variant(
            "precopy-yields-to-handoff",
            "a pre-copy waits while another migration hands off: it starves",
            "LIVE-CONVERGES",
            PrecopyYieldsToHandoff,
        ),
        Variant(
            "checks-yield-to-precopy",
            "a pre-check waits while another migration pre-copies: it starves",
            "LIVE-TERMINATES",
            ChecksYieldToPrecopy,
        ),
    )
}
"""Every wrong-on-purpose variant by name."""


def protocol_model(config: ProtocolConfig, variant: str | None = None) -> Protocol:
    """The protocol model for ``config``, correct or the named variant."""
    if variant is None or variant == "correct":
        return Protocol(config)
    found = VARIANTS.get(variant)
    if found is None:
        names = ", ".join(["correct", *VARIANTS])
        raise InputError(f"a variant among {names}", got=variant, source="argument --variant")
    return found.model(config)
