"""Deliberately broken variants of the reference implementation.

Each variant is a :class:`~ldmspec.system.behaviour.Behaviour` subclass that overrides
one decision of the correct protocol (two where the bug is a pair: a lost write with a
digest that hides it, a skipped scrub with a counter that hides it), so it breaks one
documented behaviour and the property named in ``violates`` should catch it: an
invariant or liveness id of DESIGN.md, or ``CONFORMANCE`` for a step the state-graph
model does not allow. Select one with
``ldmspec shell FLEET --variant NAME`` or ``Datacenter.from_fleet(fleet,
variant=NAME)``. They live here, apart from the correct code, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from ldmspec.errors import InputError
from ldmspec.inventory.facts import Host
from ldmspec.system.behaviour import Behaviour
from ldmspec.system.precheck import Problem

__all__ = ["VARIANTS", "Variant", "behaviour_for"]


class KeepTargetOnCancel(Behaviour):
    name = "keep-target-on-cancel"
    description = "the target domain is not destroyed when a migration is cancelled in pre-copy"
    violates = "INV-CLEANUP"

    def target_cleans_up_on_abort(self, phase: int) -> bool:
        return phase != 3


class NoResumeAfterCancel(Behaviour):
    name = "no-resume-after-cancel"
    description = "the source domain stays suspended after a cancel during suspension"
    violates = "INV-CLEANUP"

    def resume_source_after_cancel(self) -> bool:
        return False


class SkipLastRoundDirty(Behaviour):
    name = "skip-last-round-dirty"
    description = "pages dirtied during the last pre-copy round are not re-sent while suspended"
    violates = "INV-NO-LOST-WRITES"

    def final_copy(self, dirty: set[int]) -> set[int]:
        return set()


class EarlyTargetResume(Behaviour):
    name = "early-target-resume"
    description = "the target resumes the domain before the source has suspended it"
    violates = "INV-SINGLE-ACTIVE"

    def suspend_before_final_copy(self) -> bool:
        return False


class TargetAcceptsCancel(Behaviour):
    name = "target-accepts-cancel"
    description = "cancel-operation on the target is accepted and drops the target's copy"
    violates = "INV-SOURCE-CONTROL"

    def target_accepts_cancel(self) -> bool:
        return True


class LeakConsolePort(Behaviour):
    name = "leak-console-port"
    description = "a destroyed domain's console port is not returned to the vcc"
    violates = "INV-CLEANUP"

    def release_console_port(self) -> bool:
        return False


class IgnoreStickFrequency(Behaviour):
    name = "ignore-stick-frequency"
    description = "the pre-check ignores the stick-frequency of Solaris 10 guests (CPU-3)"
    violates = "INV-PRECHECK-AGREES"

    def precheck(
        self, source: Host, target: Host, domain: str, new_name: str | None
    ) -> tuple[Problem, ...]:
        found = super().precheck(source, target, domain, new_name)
        return tuple(p for p in found if p.id != "CPU-3")


class ProgressBackwards(Behaviour):
    name = "progress-backwards"
    description = "progress is recomputed each message and drops when the guest re-dirties pages"
    violates = "INV-PROGRESS"

    def next_progress(self, previous: int, computed: int) -> int:
        return computed


class ResumeOnLostAck(Behaviour):
    name = "resume-on-lost-ack"
    description = "a source that misses the hand-off acknowledgement resumes its own copy"
    violates = "INV-SINGLE-ACTIVE"

    def resume_source_on_lost_ack(self) -> bool:
        return True


class NoScrub(Behaviour):
    name = "no-scrub"
    description = "a destroyed domain's memory returns to the free pool without being scrubbed"
    violates = "INV-CLEANUP"

    def scrub_on_destroy(self) -> bool:
        return False


class DryRunCreatesTarget(Behaviour):
    name = "dry-run-creates-target"
    description = "ldm migrate-domain -n creates the target domain and leaves it bound"
    violates = "INV-DRY-RUN"

    def dry_run_creates_target(self) -> bool:
        return True


class SourceFlagStays(Behaviour):
    name = "source-flag-stays"
    description = "FLAGS column 6 stays 's' on the source after a cancelled or failed migration"
    violates = "INV-FLAGS"

    def clear_source_flag_on_end(self) -> bool:
        return False


class OldLockWindow(Behaviour):
    name = "old-lock-window"
    description = (
        "the target is locked only from phase 2, not from the moment its pre-check accepts "
        "the domain (its domains and services can change, and it can start a migration of "
        "its own, in between)"
    )
    violates = "INV-LOCK"

    def target_locked_from_acceptance(self) -> bool:
        return False


class CancelInHandOff(Behaviour):
    name = "cancel-in-hand-off"
    description = (
        "cancel-operation on the source after it sent the hand-off is accepted (exit 0) "
        "although the migration completes anyway"
    )
    violates = "INV-SOURCE-CONTROL"

    def cancel_refused_in_handoff(self) -> bool:
        return False


class OnwardBeforeSettled(Behaviour):
    name = "onward-before-settled"
    description = (
        "the target lets an arrived domain migrate on before the source said its own copy "
        "is settled (a lost acknowledgement then invites the operator to resume a second copy)"
    )
    violates = "INV-SINGLE-ACTIVE"

    def target_waits_for_settlement(self) -> bool:
        return False


class LostWriteLyingDigest(Behaviour):
    name = "lost-write-lying-digest"
    description = (
        "the final copy leaves out one dirtied page group, and the implementation reports "
        "the target's memory digest at resume as equal to the source's at suspension"
    )
    violates = "INV-NO-LOST-WRITES"

    def final_copy(self, dirty: set[int]) -> set[int]:
        return dirty - {max(dirty)} if dirty else dirty

    def reported_resumed_digest(self, resumed: str | None, suspended: str | None) -> str | None:
        return suspended if resumed is not None else None


class QuietNoScrub(Behaviour):
    name = "quiet-no-scrub"
    description = (
        "a destroyed domain's memory returns to the free pool without being scrubbed, and "
        "the implementation's unscrubbed counter does not say so"
    )
    violates = "INV-CLEANUP"

    def scrub_on_destroy(self) -> bool:
        return False

    def admit_unscrubbed(self) -> bool:
        return False


class SuspendedWritesLost(Behaviour):
    name = "suspended-writes-lost"
    description = "a write to the suspended guest is acknowledged and then lost"
    violates = "INV-NO-LOST-WRITES"

    def acknowledge_write_while_suspended(self) -> bool:
        return True


class AcceptWrongPassword(Behaviour):
    name = "accept-wrong-password"
    description = "the target accepts a migration whose password is wrong"
    violates = "INV-AUTH"

    def password_accepted(self, expected: str | None, given: str | None) -> bool:
        return True


class CapExceeded(Behaviour):
    name = "cap-exceeded"
    description = "a host takes part in one migration more than max_migrations_per_host allows"
    violates = "INV-LOCK"

    def migration_cap(self, configured: int) -> int:
        return configured + 1


class RecoveryUnsettled(Behaviour):
    name = "recovery-unsettled"
    description = (
        "removing the source copy in error state destroys it but leaves the migration "
        "unsettled (not recorded as recovered, the target never told)"
    )
    violates = "INV-SINGLE-ACTIVE"

    def settle_on_recovery(self) -> bool:
        return False


class ExtraRound(Behaviour):
    name = "extra-round"
    description = "pre-copy runs one round more than the configured round limit"
    violates = "LIVE-CONVERGES"

    def round_limit(self, configured: int) -> int:
        return configured + 1


class CancelIgnored(Behaviour):
    name = "cancel-ignored"
    description = (
        "cancel-operation before the hand-off prints success (exit 0) but the migration "
        "goes on to complete"
    )
    violates = "INV-CLEANUP"

    def obey_cancel(self) -> bool:
        return False


class WaitForBusyTarget(Behaviour):
    name = "wait-for-busy-target"
    description = (
        "a busy target holds a pre-check until it is free instead of refusing it, and the "
        "source waits for the answer without a timer: two hosts migrating to each other "
        "wait on each other for ever"
    )
    violates = "LIVE-TERMINATES"

    def wait_for_busy_target(self) -> bool:
        return True


class TargetCancelAsSource(Behaviour):
    name = "target-cancel-as-source"
    description = (
        "cancel-operation on the target is accepted and has the source cancel the "
        "migration, as if it had been run there"
    )
    violates = "CONFORMANCE"

    def target_forwards_cancel(self) -> bool:
        return True


class FailWhenHealthy(Behaviour):
    name = "fail-when-healthy"
    description = (
        "the source fails a live migration at its first pre-copy acknowledgement, with "
        "the link up and the target holding the room"
    )
    violates = "CONFORMANCE"

    def spurious_failure(self) -> bool:
        return True


class ColdSkipsPhase(Behaviour):
    name = "cold-skips-phase"
    description = (
        "a bound or inactive domain goes from the checks straight to the hand-off, "
        "without the target creating it in phase 2"
    )
    violates = "CONFORMANCE"

    def cold_skips_preparation(self) -> bool:
        return True


@dataclass(frozen=True)
class Variant:
    """A selectable fault variant: its name, what it breaks, the invariant it violates."""

    name: str
    description: str
    violates: str
    behaviour: type[Behaviour]


VARIANTS: dict[str, Variant] = {
    cls.name: Variant(cls.name, cls.description, cls.violates, cls)
    for cls in (
        KeepTargetOnCancel, NoResumeAfterCancel, SkipLastRoundDirty, EarlyTargetResume,
        TargetAcceptsCancel, LeakConsolePort, IgnoreStickFrequency, ProgressBackwards,
        ResumeOnLostAck, NoScrub, DryRunCreatesTarget, SourceFlagStays,
        OldLockWindow, CancelInHandOff, OnwardBeforeSettled, LostWriteLyingDigest,
        QuietNoScrub, SuspendedWritesLost, AcceptWrongPassword, CapExceeded,
        RecoveryUnsettled, ExtraRound, CancelIgnored, WaitForBusyTarget,
        TargetCancelAsSource, FailWhenHealthy, ColdSkipsPhase,
    )
}  # fmt: skip


def behaviour_for(variant: str | None) -> Behaviour:
    """The behaviour of ``variant`` (None or ``"correct"``: the documented one)."""
    if variant is None or variant == "correct":
        return Behaviour()
    try:
        return VARIANTS[variant].behaviour()
    except KeyError:
        raise InputError(
            "a variant name: " + ", ".join(VARIANTS), got=variant, source="argument --variant"
        ) from None
