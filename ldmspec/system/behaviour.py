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
    def target_locked_from_acceptance(self) -> bool:
        """T's lock starts the moment its pre-check accepts D (not at phase 2)."""
        return True

    def target_waits_for_settlement(self) -> bool:
        """T keeps D from migrating on until S says its own copy is settled."""
        return True

    # --- phase 1 --------------------------------------------------------------------
    def precheck(
        self, source: Host, target: Host, domain: str, new_name: str | None
    ) -> tuple[Problem, ...]:
        """The target's checks of the incoming domain."""
        return precheck(source, target, domain, new_name)

    def dry_run_creates_target(self) -> bool:
        """A dry run (``-n``) runs phase 1 only and creates nothing."""
        return False

    # --- phases 3 and 4 -------------------------------------------------------------
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

    def target_accepts_cancel(self) -> bool:
        """A system cannot control a migration when it is the target."""
        return False

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
