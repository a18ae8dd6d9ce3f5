"""Each predicate of the protocol model's properties, on hand-made domains and states."""

from __future__ import annotations

from ldmspec.models.protocol import Protocol
from ldmspec.models.protocol_actions import (
    BIND_OTHER,
    CANCEL_T,
    CHECKS_PASS,
    CREATE,
    HOST_LEVEL,
    ROUND,
    START,
    action,
)
from ldmspec.models.protocol_config import ProtocolConfig
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
    LARGE,
    NONE,
    PRECOPY,
    PREPARE,
    RUNNING,
    SUSPENDED,
    SUSPENDED_COPY,
    TARGET_RUNNING,
    ModelDomain,
)
from ldmspec.models.protocol_properties import (
    cleaned_up,
    flags_match_phase,
    lock_holders,
    locks_respected,
    no_lost_writes,
    progress_monotone,
    protocol_properties,
    single_active,
    slots_conserved,
    target_cancel_refused,
)

IDLE_HOME = ModelDomain(0, 0, IDLE, RUNNING, FLAG_NONE, NONE, 0, 0, 0, 0, 0, 0)
PRECOPYING = ModelDomain(0, 1, PRECOPY, RUNNING, FLAG_SOURCE, BOUND, 1, LARGE, 0, 0, 0, 0)
MODEL = Protocol(ProtocolConfig(hosts=2, domains=1, concurrent=1))


def test_single_active_refuses_two_running_copies_and_an_idle_domain_without_its_copy():
    assert single_active(IDLE_HOME)
    assert single_active(PRECOPYING)
    assert not single_active(PRECOPYING._replace(target_copy=TARGET_RUNNING))
    assert not single_active(IDLE_HOME._replace(source_copy=NONE))
    assert not single_active(IDLE_HOME._replace(target_copy=BOUND))


def test_cleaned_up_wants_the_source_running_and_no_target_copy_after_a_cancel():
    cancelled = IDLE_HOME._replace(outcome=CANCELLED)
    assert cleaned_up(cancelled)
    assert not cleaned_up(cancelled._replace(source_copy=SUSPENDED_COPY))
    assert not cleaned_up(cancelled._replace(target_copy=BOUND))
    # a completed migration is not a clean-up case
    assert cleaned_up(IDLE_HOME._replace(outcome=COMPLETED, target_copy=BOUND))
    assert not cleaned_up(IDLE_HOME._replace(outcome=FAILED, target_copy=BOUND))


def test_flags_follow_the_phase():
    assert flags_match_phase(IDLE_HOME)
    assert flags_match_phase(PRECOPYING)
    assert not flags_match_phase(PRECOPYING._replace(source_flag=FLAG_NONE))
    assert not flags_match_phase(PRECOPYING._replace(target_flag=0))
    error = PRECOPYING._replace(
        phase=ERROR, source_flag=FLAG_ERROR, target_copy=NONE, target_flag=0
    )
    assert flags_match_phase(error)
    assert not flags_match_phase(IDLE_HOME._replace(source_flag=FLAG_ERROR))


def test_no_lost_writes_forbids_a_running_target_with_dirty_pages():
    handing = PRECOPYING._replace(phase=HANDOFF, target_copy=TARGET_RUNNING, target_flag=0)
    assert no_lost_writes(handing._replace(dirty=0))
    assert not no_lost_writes(handing)
    assert no_lost_writes(PRECOPYING)


def test_slots_conserved_counts_every_copy_and_foreign_bind_against_capacity():
    (initial,) = MODEL.init_states()
    assert slots_conserved(MODEL, initial)
    leaked = MODEL.encode(3, 2, [(1, 0), (1, 0)], [IDLE_HOME])
    assert not slots_conserved(MODEL, leaked)
    migrating = MODEL.encode(3, 2, [(1, 0), (1, 0)], [PRECOPYING])
    assert slots_conserved(MODEL, migrating)
    over = MODEL.encode(3, 2, [(1, 0), (3, 1)], [PRECOPYING._replace(target_copy=BOUND)])
    assert not slots_conserved(MODEL, over)


def test_progress_never_goes_back_in_phase_or_rounds():
    before = MODEL.encode(3, 2, [(1, 0), (1, 0)], [PRECOPYING._replace(rounds=1)])
    later = MODEL.encode(3, 2, [(1, 0), (1, 0)], [PRECOPYING._replace(rounds=2)])
    suspended = PRECOPYING._replace(phase=SUSPENDED, source_copy=SUSPENDED_COPY)
    forward = MODEL.encode(3, 2, [(1, 0), (1, 0)], [suspended])
    step = action(ROUND, 0)
    assert progress_monotone(MODEL, before, step, later)
    assert progress_monotone(MODEL, before, step, forward)
    assert not progress_monotone(MODEL, later, step, before)
    assert not progress_monotone(MODEL, forward, step, before)
    assert progress_monotone(MODEL, forward, action(BIND_OTHER, 15, 1), before)


def test_a_cancel_on_the_target_must_change_nothing():
    (initial,) = MODEL.init_states()
    cancel = action(CANCEL_T, 0, PRECOPY)
    assert target_cancel_refused(initial, cancel, initial)
    assert not target_cancel_refused(initial, cancel, initial + 1)
    assert target_cancel_refused(initial, action(ROUND, 0), initial + 1)


def test_the_property_list_names_each_invariant_once_and_leaves_out_unreachable_targets():
    ids = [p.id for p in protocol_properties(MODEL)]
    assert len(ids) == len(set(ids))
    assert ids[:10] == [
        "INV-SINGLE-ACTIVE",
        "INV-CLEANUP",
        "INV-FLAGS",
        "INV-CONSERVATION",
        "INV-NO-LOST-WRITES",
        "INV-PROGRESS",
        "INV-LOCK",
        "INV-SOURCE-CONTROL",
        "LIVE-TERMINATES",
        "LIVE-CONVERGES",
    ]
    assert "two concurrent migrations" not in ids  # one domain cannot migrate twice at once


def test_the_lock_is_held_on_the_source_from_the_start_and_on_the_target_from_acceptance():
    checking = IDLE_HOME._replace(target=1, phase=CHECKS)
    accepted = checking._replace(phase=PREPARE, source_flag=FLAG_SOURCE)
    assert lock_holders(IDLE_HOME) == frozenset()
    assert lock_holders(checking) == {0}
    assert lock_holders(accepted) == {0, 1}
    assert lock_holders(PRECOPYING) == {0, 1}
    resumed = PRECOPYING._replace(phase=HANDOFF, target_copy=TARGET_RUNNING, target_flag=0)
    assert lock_holders(resumed) == {0}  # the migration ended on T when it resumed D
    error = PRECOPYING._replace(phase=ERROR, source_flag=FLAG_ERROR)
    assert lock_holders(error) == {1}  # ended on S (error state); T waits with D bound
    assert lock_holders(error._replace(target_copy=NONE, target_flag=0)) == frozenset()


PAIR_CAP1 = Protocol(ProtocolConfig(hosts=2, domains=2, concurrent=2, per_host=1))


def test_inv_lock_refuses_a_bind_on_a_locked_host_and_a_host_past_its_cap():
    holds = locks_respected(PAIR_CAP1)
    checking = IDLE_HOME._replace(target=1, phase=CHECKS)
    accepted = checking._replace(phase=PREPARE, source_flag=FLAG_SOURCE)
    other = IDLE_HOME._replace(home=1)

    def state(*domains: ModelDomain, foreign: int = 0) -> int:
        return PAIR_CAP1.encode(15, 15, [(1, 0), (1 + foreign, foreign)], list(domains))

    bind_h1 = action(BIND_OTHER, HOST_LEVEL, 1)
    assert holds(state(checking, other), bind_h1, state(checking, other, foreign=1))
    assert not holds(state(accepted, other), bind_h1, state(accepted, other, foreign=1))
    # d1 leaves h1 while h1 holds d0's target lock: two locks on h1, cap 1
    leaving = other._replace(target=0, phase=CHECKS)
    start = action(START, 1, 0)
    assert not holds(state(accepted, other), start, state(accepted, leaving))
    assert holds(state(checking, other), start, state(checking, leaving))
    # d0's target accepts while d1 leaves it: the same, from the other side
    accept = action(CHECKS_PASS, 0)
    assert not holds(state(checking, leaving), accept, state(accepted, leaving))
    # a step that takes no new lock is not judged
    created = accepted._replace(target_copy=BOUND, target_flag=1)
    assert holds(state(accepted, leaving), action(CREATE, 0), state(created, leaving))
