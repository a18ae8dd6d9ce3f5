"""Each predicate of the protocol model's properties, on hand-made domains and states."""

from __future__ import annotations

from ldmspec.models.protocol import Protocol
from ldmspec.models.protocol_actions import BIND_OTHER, CANCEL_T, ROUND, action
from ldmspec.models.protocol_config import ProtocolConfig
from ldmspec.models.protocol_domain import (
    BOUND,
    CANCELLED,
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
    RUNNING,
    SUSPENDED,
    SUSPENDED_COPY,
    TARGET_RUNNING,
    ModelDomain,
)
from ldmspec.models.protocol_properties import (
    cleaned_up,
    flags_match_phase,
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
    assert ids[:9] == [
        "INV-SINGLE-ACTIVE",
        "INV-CLEANUP",
        "INV-FLAGS",
        "INV-CONSERVATION",
        "INV-NO-LOST-WRITES",
        "INV-PROGRESS",
        "INV-SOURCE-CONTROL",
        "LIVE-TERMINATES",
        "LIVE-CONVERGES",
    ]
    assert "two concurrent migrations" not in ids  # one domain cannot migrate twice at once
