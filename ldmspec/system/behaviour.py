"""The decision points of the reference implementation, as overridable hooks.

The correct implementation calls these methods where the protocol makes a decision
that the documentation fixes (clean up the target on abort, resume the source after a
cancel, re-send the pages dirtied in the last round, ...). Each fault variant of
:mod:`ldmspec.system.variants` subclasses :class:`Behaviour` and overrides exactly one
of them, so a variant is one small, readable difference from the correct code.
"""

from __future__ import annotations

from ldmspec.inventory.facts import Host
from ldmspec.system.precheck import Problem, precheck

__all__ = ["Behaviour"]


class Behaviour:
    """The documented behaviour (DESIGN.md "Protocol semantics")."""

    name = "correct"
    description = "the documented behaviour"
    violates = ""

    # --- the lock (DESIGN.md "A migration holds a lock on both hosts") ---------------
    def migration_cap(self, configured: int) -> int:
        """Migrations a host takes part in at once: ``max_migrations_per_host``."""
        return configured

    def wait_for_busy_target(self) -> bool:
        """A busy target refuses a pre-check at once (it never holds it until free)."""
        return False

    def target_locked_from_acceptance(self) -> bool:
        """T's lock starts the moment its pre-check accepts D (not at phase 2)."""
        return True

    def target_waits_for_settlement(self) -> bool:
        """T keeps D from migrating on until S says its own copy is settled."""
        return True

    # --- phase 1 --------------------------------------------------------------------
    def password_accepted(self, expected: str | None, given: str | None) -> bool:
        """The target accepts the migration only with its password (None: any)."""
        return expected is None or given == expected

    def cold_skips_preparation(self) -> bool:
        """A bound or inactive domain is created on the target in phase 2 like any other."""
        return False

    def precheck(
        self, source: Host, target: Host, domain: str, new_name: str | None
    ) -> tuple[Problem, ...]:
        """The target's checks of the incoming domain."""
        return precheck(source, target, domain, new_name)

    def dry_run_creates_target(self) -> bool:
        """A dry run (``-n``) runs phase 1 only and creates nothing."""
        return False

    # --- phases 3 and 4 -------------------------------------------------------------
    def round_limit(self, configured: int) -> int:
        """Pre-copy rounds before the source suspends regardless: ``round_limit``."""
        return configured

    def spurious_failure(self) -> bool:
        """A healthy pre-copy (link up, target holding the room) never fails by itself."""
        return False

    def next_progress(self, previous: int, computed: int) -> int:
        """Progress never goes backwards, even when the guest re-dirties pages."""
        return max(previous, computed)

    def suspend_before_final_copy(self) -> bool:
        """The source suspends the domain before it sends the last pages and CPU state."""
        return True

    def final_copy(self, dirty: set[int]) -> set[int]:
        """The groups sent while suspended: everything dirtied since the last round."""
        return dirty

    # --- hand-off -------------------------------------------------------------------
    def resume_source_on_lost_ack(self) -> bool:
        """Without the target's acknowledgement the source cannot know: error state."""
        return False

    # --- cancel and cleanup ---------------------------------------------------------
    def cancel_refused_in_handoff(self) -> bool:
        """Once S sent the hand-off, cancel-operation is refused and changes nothing."""
        return True

    def obey_cancel(self) -> bool:
        """An accepted cancel ends the migration cancelled, with the target cleaned up."""
        return True

    def target_accepts_cancel(self) -> bool:
        """A system cannot control a migration when it is the target."""
        return False

    def target_forwards_cancel(self) -> bool:
        """Nor does the target have the source cancel on its behalf."""
        return False

    def settle_on_recovery(self) -> bool:
        """Resolving the error state records the resolution and tells the target."""
        return True

    def target_cleans_up_on_abort(self, phase: int) -> bool:
        """The target destroys the domain it created whenever the source aborts."""
        return True

    def resume_source_after_cancel(self) -> bool:
        """After a cancel the source domain resumes if it had been suspended."""
        return True

    def clear_source_flag_on_end(self) -> bool:
        """FLAGS column 6 goes back to ``-`` on the source when a migration ends."""
        return True

    def release_console_port(self) -> bool:
        """Destroying a domain gives its console port back to the vcc."""
        return True

    def scrub_on_destroy(self) -> bool:
        """Destroyed domains' memory is scrubbed before it returns to the free pool."""
        return True

    def admit_unscrubbed(self) -> bool:
        """Memory returned unscrubbed is counted (``HostView.unscrubbed_bytes``)."""
        return True

    # --- what the implementation says about itself ----------------------------------
    def reported_resumed_digest(self, resumed: str | None, suspended: str | None) -> str | None:
        """The target's memory digest at resume, as the implementation reports it."""
        return resumed

    # --- the guest --------------------------------------------------------------------
    def acknowledge_write_while_suspended(self) -> bool:
        """A suspended guest executes nothing: a write to it is not acknowledged."""
        return False
