"""Conformance: the implementation's steps are model steps; replay along model paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from ldmspec.models.protocol import Protocol
from ldmspec.models.protocol_config import ProtocolConfig
from ldmspec.models.protocol_domain import (
    CANCELLED,
    CHECKS,
    COMPLETED,
    FLAG_NONE,
    IDLE,
    NO_OUTCOME,
    NONE,
    RUNNING,
)

from ldmspec.conformance.abstraction import ModelView, abstract_domain
from ldmspec.conformance.replay import find_binding, replay
from ldmspec.conformance.steps import StepChecker
from ldmspec.errors import CommandError
from ldmspec.explorer import check_properties, explore
from ldmspec.inventory import load_fleet
from ldmspec.system import Datacenter

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"
SMALL = ProtocolConfig(hosts=2, domains=1, concurrent=1)


@pytest.fixture(scope="module")
def fleet():
    return load_fleet(FLEET)


def steps_of(dc, checker, label="tick", limit=500):
    """Tick until quiet, checking every event; the mismatches found."""
    found = []
    for _ in range(limit):
        before = dc.observe()
        if not dc.tick():
            break
        mismatch = checker.check_step(before, label, dc.observe())
        if mismatch is not None:
            found.append(mismatch)
    return found


def test_an_idle_active_domain_is_idle_on_its_host(fleet):
    dc = Datacenter.from_fleet(fleet)
    view = abstract_domain(dc.observe(), "ldom01")
    assert view == ModelView("t4-a", IDLE, None, RUNNING, FLAG_NONE, NONE, 0, NO_OUTCOME)
    assert str(view) == "idle on t4-a"


def test_a_bound_domain_is_not_modelled(fleet):
    dc = Datacenter.from_fleet(fleet)
    assert abstract_domain(dc.observe(), "web02") is None


def test_every_event_of_a_correct_migration_is_a_model_step(fleet):
    dc = Datacenter.from_fleet(fleet)
    checker = StepChecker()
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b")
    assert abstract_domain(dc.observe(), "ldom01").phase == CHECKS
    assert steps_of(dc, checker) == []
    view = abstract_domain(dc.observe(), "ldom01")
    assert (view.home, view.phase, view.outcome) == ("t4-b", IDLE, COMPLETED)


def test_a_cancel_in_pre_copy_conforms(fleet):
    dc = Datacenter.from_fleet(fleet)
    checker = StepChecker()
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b")
    dc.run_until(lambda: dc.observe().migrations[-1].phase == 3)
    before = dc.observe()
    dc.run_ldm("t4-a", "cancel-operation migration ldom01")
    assert checker.check_step(before, "cancel", dc.observe()) is None
    assert steps_of(dc, checker) == []
    view = abstract_domain(dc.observe(), "ldom01")
    assert (view.home, view.phase, view.outcome) == ("t4-a", IDLE, CANCELLED)


def test_a_target_copy_left_after_cancel_is_no_model_state(fleet):
    dc = Datacenter.from_fleet(fleet, variant="keep-target-on-cancel")
    checker = StepChecker()
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b")
    dc.run_until(lambda: dc.observe().migrations[-1].phase == 3)
    dc.run_ldm("t4-a", "cancel-operation migration ldom01")
    (mismatch,) = steps_of(dc, checker)[:1]
    assert str(mismatch) == (
        "ldom01: after tick: no model state looks like the result: "
        "from [precopy on t4-a -> t4-b (source running s, target bound t)] "
        "to [idle on t4-a (cancelled), a bound copy left on target]"
    )
    with pytest.raises(AssertionError, match=r"^conformance: ldom01: after tick"):
        checker.require(mismatch_before(dc), "tick", dc.observe())


def mismatch_before(dc):
    """An observation from before the cancel: the migration under way in pre-copy."""
    fresh = Datacenter.from_fleet(load_fleet(FLEET))
    fresh.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b")
    fresh.run_until(lambda: fresh.observe().migrations[-1].phase == 3)
    return fresh.observe()


def test_the_binding_follows_the_models_placement(fleet):
    binding = find_binding(fleet, SMALL)
    assert binding.hosts == ("t4-a", "t4-b")
    assert binding.domains == ("ldom01",)


def test_a_fleet_too_small_for_the_model_is_refused(fleet):
    with pytest.raises(CommandError) as error:
        find_binding(fleet, ProtocolConfig(hosts=6, domains=6, concurrent=1))
    assert error.value.one_line() == (
        "no 6 hosts of the fleet hold 6 active domains placed as the model places them "
        "(domain d on host d mod N) and able to migrate between them "
        "(try fewer --hosts or --domains)"
    )


@pytest.fixture(scope="module")
def small_model():
    model = Protocol(SMALL)
    exploration = explore(model)
    return model, exploration, check_properties(exploration)


def test_the_correct_implementation_follows_every_drivable_model_path(fleet, small_model):
    results = replay(fleet, *small_model)
    assert all(r.conforms for r in results)
    assert {r.goal for r in results if r.skipped} == {"fires bind_other"}
    # the implementation hands off in the same event it suspends when nothing is
    # left to copy, so a cancel while suspended is a timing the driver cannot force
    assert {r.goal for r in results if r.diverged} == {
        "fires cancel_on_source@suspended",
        "fires cancel_on_target@suspended",
    }
    arrived = {r.goal for r in results if not (r.skipped or r.diverged)}
    assert {
        "ends recovered-on-source",
        "recovery on the source after a failed hand-off",
        "fires handoff_failure",
        "fires recover_cancel",
        "ends completed",
        "ends cancelled",
        "ends failed",
        "ends recovered-on-target",
        "a cancelled migration after a dirty burst",
        "error state after a lost acknowledgement",
        "fires cancel_on_source@prepare",
        "fires cancel_on_target@precopy",
        "fires partition",
        "fires lose_ack",
        "fires ack_timeout",
        "fires target_gives_up",
    } <= arrived


@pytest.mark.parametrize(
    ("variant", "goal"),
    [
        ("early-target-resume", "ends completed"),
        ("target-accepts-cancel", "fires cancel_on_target@precopy"),
        ("resume-on-lost-ack", "error state after a lost acknowledgement"),
        ("source-flag-stays", "a cancelled migration after a dirty burst"),
    ],
)
def test_replay_catches_implementation_variants(fleet, small_model, variant, goal):
    # each of these broken implementations takes a step no model edge allows
    results = {r.goal: r for r in replay(fleet, *small_model, system_variant=variant)}
    assert results[goal].conforms is False
    assert results[goal].mismatch is not None


def test_three_hosts_three_domains_two_at_once_replay_on_the_replay_fleet():
    model = Protocol(ProtocolConfig(hosts=3, domains=3, concurrent=2, migrations=2, faults=1))
    exploration = explore(model)
    verdicts = check_properties(exploration)
    fleet = load_fleet(FLEET.with_name("replay-fleet.toml"))
    results = {r.goal: r for r in replay(fleet, model, exploration, verdicts)}
    assert all(r.conforms for r in results.values())
    # DESIGN.md's lock: the target refuses changes from the moment its pre-check accepts
    # the domain; the model has the same lock, so its binds happen before the checks and
    # it never asks for target_full
    assert "fires target_full" not in results
    for goal in (
        "two concurrent migrations",
        "the target's room taken before its checks",  # ldm bind of the host's spare domain
        "fires checks_fail",
        "fires handoff_failure",
    ):
        assert results[goal].skipped is None and results[goal].diverged is None, goal
