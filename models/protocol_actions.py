"""The protocol model's actions: their kinds, who takes them, and their int encoding.

An action is an int, ``kind << 8 | domain << 4 | argument`` (the argument is a host,
or the phase a cancel hits); host-level actions use domain :data:`HOST_LEVEL`.
:data:`KINDS` lists every kind with whether weak fairness applies to it (the protocol's
own steps) or not (operators, guests, faults) and a one-line docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

from ldmspec.models.protocol_domain import CHECKS, HANDOFF, PHASE_NAMES, PRECOPY, PREPARE, SUSPENDED

__all__ = ["ACTION_KINDS", "KINDS", "ActionKind", "action", "action_domain", "action_kind_of"]


@dataclass(frozen=True)
class ActionKind:
    """One kind of action of the protocol model."""

    name: str
    fair: bool  # the protocol must take it (weak fairness); False for the environment
    doc: str


_K = ActionKind
KINDS = (
    _K("start_migration", False, "The operator runs ldm migrate-domain D on the source."),
    _K("checks_pass", True, "Phase 1: the target's checks accept D; FLAGS s on S."),
    _K("checks_fail", True, "Phase 1: the target refuses D (no room); nothing changes."),
    _K("create_target", True, "Phase 2: the target creates D bound; FLAGS t on T."),
    _K("target_full", True, "Phase 2: the target's room was taken since the checks."),
    _K("begin_precopy", True, "Phase 3 starts: all of D's memory is dirty."),
    _K("precopy_round", True, "Phase 3: re-send the dirty pages; the set shrinks."),
    _K("dirty_burst", False, "The guest dirties many pages during pre-copy."),
    _K("suspend", True, "Phase 4: stop rule met (nothing dirty or round limit)."),
    _K("final_copy", True, "Phase 4: send the pages still dirty while suspended."),
    _K("resume_on_target", True, "Phase 5: the target resumes D (t cleared), acknowledges."),
    _K("complete_handoff", True, "Phase 5: the acknowledgement arrives; S destroys D."),
    _K("ack_timeout", True, "Phase 5: no acknowledgement over a partition: S in error."),
    _K("timeout", True, "Phases 1-4: the partitioned migration fails and cleans up."),
    _K("cancel_on_source", False, "ldm cancel-operation migration D on the source."),
    _K("cancel_on_target", False, "ldm cancel-operation on the target: refused."),
    _K("drop_message", False, "Fault: a protocol message is lost; the migration fails."),
    _K("partition", False, "Fault: the link between source and target goes down."),
    _K("heal", False, "The partitioned link comes back."),
    _K("lose_ack", False, "Fault: the hand-off acknowledgement is lost: S in error."),
    _K("handoff_failure", False, "Fault: the target fails to resume, cleans up, goes silent."),
    _K("destroy_source_copy", True, "Recovery: D runs on the target; destroy S's copy."),
    _K("recover_cancel", True, "Recovery: the target has no D; cancel-operation resumes S."),
    _K("bind_other", False, "Fault: another domain is bound on a host, taking a slot."),
    _K("send_handoff", True, "Phase 5 starts: S sends the CPU state; no cancel from now."),
    _K("target_gives_up", True, "T never got the hand-off: its timer destroys its copy."),
)
START, CHECKS_PASS, CHECKS_FAIL, CREATE, FULL, BEGIN, ROUND, BURST = range(8)
SUSPEND, FINAL, RESUME, COMPLETE, ACK_TIMEOUT, TIMEOUT, CANCEL_S, CANCEL_T = range(8, 16)
DROP, PARTITION, HEAL, LOSE_ACK, HANDOFF_FAIL, DESTROY_SOURCE, RECOVER_CANCEL = range(16, 23)
BIND_OTHER = 23
SEND_HANDOFF, TARGET_GIVES_UP = 24, 25
HOST_LEVEL = 15
# Actions INV-PROGRESS need not look at, by construction of the domain's moves: a start
# leaves an idle domain (nothing to go back from), a partition or heal changes only
# the link, another bind no domain at all.
NO_PROGRESS = frozenset({START, BIND_OTHER, PARTITION, HEAL})

ACTION_KINDS: tuple[str, ...] = tuple(
    [k.name for k in KINDS if k.name not in ("cancel_on_source", "cancel_on_target")]
    + [
        f"{side}@{PHASE_NAMES[p]}"
        for side in ("cancel_on_source", "cancel_on_target")
        for p in (CHECKS, PREPARE, PRECOPY, SUSPENDED, HANDOFF)
    ]
)
"""Every action kind coverage reports; cancels are split by the phase they hit."""


def action(kind: int, domain: int, argument: int = 0) -> int:
    """The int encoding of an action."""
    return kind << 8 | domain << 4 | argument


def action_kind_of(act: int) -> int:
    """The kind number of action ``act`` (an index into :data:`KINDS`)."""
    return act >> 8


def action_domain(act: int) -> int:
    """The domain action ``act`` belongs to (:data:`HOST_LEVEL` for a host's)."""
    return (act >> 4) & 15
