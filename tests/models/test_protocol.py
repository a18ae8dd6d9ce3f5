"""The abstract migration protocol: its properties, its variants, its manifest."""

from __future__ import annotations

import networkx as nx
import pytest
from ldmspec.models.manifest import load_manifest, measure
from ldmspec.models.protocol import Protocol
from ldmspec.models.protocol_actions import ACTION_KINDS, KINDS
from ldmspec.models.protocol_config import STANDARD, ProtocolConfig
from ldmspec.models.protocol_domain import ModelDomain
from ldmspec.models.protocol_variants import VARIANTS, protocol_model

from ldmspec.errors import InputError
from ldmspec.explorer import check_properties, coverage, explore, validate_lasso
from ldmspec.explorer.analysis import liveness_exploration, states_on_cycles

SMALL = ProtocolConfig(hosts=2, domains=1, concurrent=1)
PAIR = ProtocolConfig(hosts=2, domains=2, concurrent=2)


@pytest.mark.parametrize("entry", load_manifest(), ids=lambda e: e.name)
def test_every_manifest_configuration_explores_to_its_recorded_counts(entry):
    measured = measure(entry.config, entry.variant, entry.symmetry)
    assert (measured.states, measured.edges, measured.depth) == (
        entry.states,
        entry.edges,
        entry.depth,
    )
    assert measured.result == entry.result
    assert measured.violated == entry.violated


def test_the_manifest_checks_the_correct_model_and_every_variant():
    entries = load_manifest()
    assert {e.variant for e in entries} == {"correct", *VARIANTS}
    assert all(e.result == "success" for e in entries if e.variant == "correct")


STARVING = ("precopy-yields-to-handoff", "checks-yield-to-precopy")


@pytest.mark.parametrize("symmetry", [True, False], ids=["sym", "full"])
@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_violates_exactly_its_property_with_a_checked_counterexample(
    name, symmetry
):
    # a migration starves only while another one keeps going: two of them are needed
    config = PAIR if name in STARVING else SMALL
    variant = VARIANTS[name]
    model = protocol_model(config, name)
    verdicts = {v.id: v for v in check_properties(explore(model, symmetry=symmetry))}
    violated = {v for v, verdict in verdicts.items() if verdict.status == "violated"}
    assert violated == {variant.violates, *variant.also_breaks}
    trace = verdicts[variant.violates].counterexample
    prop = next(p for p in model.properties() if p.id == variant.violates)
    if prop.kind == "eventually":
        assert validate_lasso(model, trace, prop) == []
        return
    assert_replays(model, trace)
    # shortest: networkx's distance on the unreduced graph, nothing the search recorded
    full = explore(model, symmetry=False)
    (initial,) = [i for i, s in enumerate(full.states) if s in model.init_states()]
    distance = nx.single_source_shortest_path_length(full.graph, initial)
    if prop.kind == "always":
        nearest = min(distance[i] for i, s in enumerate(full.states) if not prop.holds(s))
        assert not prop.holds(trace.last)
    else:
        nearest = 1 + min(
            distance[u]
            for u, state in enumerate(full.states)
            for action, after in model.successors(state)
            if not prop.holds(state, action, after)
        )
    assert len(trace.actions) == nearest


def assert_replays(model, trace):
    """Every step of ``trace`` is a step of ``model`` from the state before it, from an
    initial state: the actions name the hosts and domains of the states shown."""
    assert trace.steps[0].state in model.init_states()
    for before, step in zip(trace.steps, trace.steps[1:], strict=False):
        assert (step.action, step.state) in model.successors(before.state)


# with no room to spare on the target, the bind leaves none for the domain
TIGHT = ProtocolConfig(hosts=2, domains=1, concurrent=1, capacity=1)


@pytest.mark.parametrize("config", [TIGHT, PAIR], ids=lambda c: c.name)
@pytest.mark.parametrize("symmetry", [True, False], ids=["sym", "full"])
def test_a_late_target_lock_lets_another_bind_in_between_checks_and_creation(config, symmetry):
    model = protocol_model(config, "late-target-lock")
    verdicts = {v.id: v for v in check_properties(explore(model, symmetry=symmetry))}
    trace = verdicts["INV-LOCK"].counterexample
    assert [model.describe_action(a) for a in trace.actions] == [
        "start_migration(d0 -> h1)",
        "checks_pass(d0)",
        "bind_other(h1)",
    ]
    assert_replays(model, trace)
    # and the room it took is gone when the target comes to create the domain
    assert "target_full" in coverage(explore(model, symmetry=symmetry)).fired


CAPPED = ProtocolConfig(hosts=2, domains=2, concurrent=2, per_host=1)


def test_a_host_holding_per_host_locks_refuses_to_start_or_accept_another_migration():
    model = Protocol(CAPPED)
    idle = ModelDomain(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0)  # idle, running on h0
    checking = idle._replace(target=1, phase=1)  # phase 1 towards h1
    accepted = checking._replace(phase=2, source_flag=1)  # h1 accepted: h1 locked
    other = idle._replace(home=1)
    kinds = lambda *domains: sorted(  # noqa: E731
        model.describe_action(a)
        for a, _ in model.successors(model.encode(15, 15, [(1, 0), (1, 0)], list(domains)))
        if (a >> 4) & 15 == 1
    )
    assert "start_migration(d1 -> h0)" in kinds(checking, other)
    assert "start_migration(d1 -> h0)" not in kinds(accepted, other)
    # d1's checks on h0, which d0's migration holds: refused, however much room h0 has
    leaving = other._replace(target=0, phase=1)
    assert "checks_fail(d1)" in kinds(checking, leaving)
    assert "checks_pass(d1)" not in kinds(checking, leaving)


def test_the_per_host_cap_holds_in_every_reachable_state_and_changes_the_graph():
    capped = check_properties(explore(Protocol(CAPPED)))
    assert {v.id: v.status for v in capped if v.status != "holds"} == {}
    assert explore(Protocol(CAPPED)).stats.states < explore(Protocol(PAIR)).stats.states
    assert CAPPED.name == "h2-d2-k2-perhost1"


@pytest.mark.parametrize("name", [*VARIANTS, "correct"])
def test_verdicts_are_the_same_with_and_without_symmetry(name):
    config = PAIR if name in STARVING else SMALL
    model = protocol_model(config, name)
    reduced = {v.id: v.status for v in check_properties(explore(model))}
    full = {v.id: v.status for v in check_properties(explore(model, symmetry=False))}
    assert reduced == full


def test_the_correct_model_has_cycles_and_decides_liveness_on_them():
    model = Protocol(PAIR)
    exploration = explore(model)
    verdicts = {v.id: v for v in check_properties(exploration)}
    assert all(v.status == "holds" for v in verdicts.values())
    assert verdicts["LIVE-TERMINATES"].basis.startswith("decided on the unreduced graph")
    assert states_on_cycles(liveness_exploration(exploration)) > 0
    # a migration may be started, cancelled and started again forever: no terminal end
    assert "fair-cycle-free" not in verdicts


def test_early_resume_is_caught_when_the_target_resumes_with_the_source_running():
    model = protocol_model(SMALL, "early-resume")
    verdict = next(v for v in check_properties(explore(model)) if v.id == "INV-SINGLE-ACTIVE")
    assert [model.describe_action(a) for a in verdict.counterexample.actions] == [
        "start_migration(d0 -> h1)",
        "checks_pass(d0)",
        "create_target(d0)",
        "begin_precopy(d0)",
        "precopy_round(d0)",
        "precopy_round(d0)",
        "suspend(d0)",
    ]
    last = model.describe_state(verdict.counterexample.last)["domains"][0]
    assert (last["source_copy"], last["target_copy"]) == ("running", "running")


def test_a_pre_copy_that_never_stops_is_reported_as_a_lasso_of_rounds_and_bursts():
    model = protocol_model(SMALL, "no-round-limit")
    verdict = next(v for v in check_properties(explore(model)) if v.id == "LIVE-CONVERGES")
    cycle = [model.describe_action(step.action) for step in verdict.counterexample.cycle]
    assert sorted(cycle) == ["dirty_burst(d0)", "precopy_round(d0)"]
    (prop,) = [p for p in model.properties() if p.id == "LIVE-CONVERGES"]
    assert validate_lasso(model, verdict.counterexample, prop) == []


def test_waiting_forever_for_an_acknowledgement_is_a_lasso_of_a_flapping_link():
    model = protocol_model(SMALL, "ack-wait-forever")
    verdict = next(v for v in check_properties(explore(model)) if v.id == "LIVE-TERMINATES")
    trace = verdict.counterexample
    # the link fails and heals forever: the acknowledgement can arrive only while the
    # link is up, never continuously, so weak fairness never forces it
    cycle = [model.describe_action(step.action) for step in trace.cycle]
    assert sorted(cycle) == ["heal(d0)", "partition(d0)"]
    assert model.describe_state(trace.last)["domains"][0]["phase"] == "handoff"
    (prop,) = [p for p in model.properties() if p.id == "LIVE-TERMINATES"]
    assert validate_lasso(model, trace, prop) == []


@pytest.mark.parametrize("name", STARVING)
def test_a_starving_migration_waits_in_a_cycle_where_the_other_migrates_again_and_again(name):
    model = protocol_model(PAIR, name)
    verdict = next(v for v in check_properties(explore(model)) if v.status == "violated")
    cycle = [model.describe_action(step.action) for step in verdict.counterexample.cycle]
    starved, busy = ("d0", "d1") if any("d1" in a for a in cycle) else ("d1", "d0")
    assert any(a.startswith("start_migration(" + busy) for a in cycle)
    assert not any(a.endswith(f"({starved})") for a in cycle)  # it never steps


def test_every_action_kind_fires_in_a_small_configuration():
    result = coverage(explore(Protocol(PAIR)))
    assert result.unfired == ()
    assert set(result.fired) == set(ACTION_KINDS)


def test_disabled_faults_are_not_expected_to_fire():
    config = ProtocolConfig(2, 1, 1, enabled_faults=frozenset({"drop"}), bursts=False)
    result = coverage(explore(Protocol(config)))
    assert "lose_ack" not in result.fired and "dirty_burst" not in result.fired
    # coverage lists what this configuration cannot reach: no other domain or foreign
    # bind to fill a target, no burst to leave pages for the final copy, no error state
    # (target_full is never expected: the target's lock keeps its room from the checks on)
    assert result.unfired == (
        "checks_fail",
        "final_copy",
        "destroy_source_copy",
        "recover_cancel",
    )


def test_every_action_kind_has_a_one_line_docstring():
    for kind in KINDS:
        assert kind.doc and "\n" not in kind.doc and kind.doc.endswith(".")


def test_the_correct_model_without_symmetry_agrees_with_the_reduced_one():
    full = explore(Protocol(PAIR), symmetry=False)
    reduced = explore(Protocol(PAIR))
    model = Protocol(PAIR)
    assert {model.representative(s) for s in full.states} == set(reduced.states)
    assert reduced.stats.states < full.stats.states


def test_packed_domains_round_trip():
    domain = ModelDomain(2, 1, 4, 2, 1, 1, 1, 2, 3, 1, 1, 5)
    assert ModelDomain.unpack(domain.pack()) == domain


def test_states_read_as_hosts_and_domains():
    model = Protocol(SMALL)
    (initial,) = model.init_states()
    assert model.describe_state(initial) == {
        "starts_left": None,
        "faults_left": None,
        "hosts": [
            {"host": "h0", "used": 1, "other_bound": False},
            {"host": "h1", "used": 0, "other_bound": False},
        ],
        "domains": [
            {
                "domain": "d0",
                "host": "h0",
                "phase": "idle",
                "source_copy": "running",
                "flags": "-",
                "outcome": "none",
            }
        ],
    }
    assert model.encode(*model.decode(initial)) == initial


def test_the_standard_configuration_is_two_hosts_two_domains_two_concurrent_no_budgets():
    assert (STANDARD.hosts, STANDARD.domains, STANDARD.concurrent) == (2, 2, 2)
    assert (STANDARD.migrations, STANDARD.faults) == (None, None)
    assert STANDARD.capacity == 2
    assert STANDARD.name == "h2-d2-k2"
    assert ProtocolConfig(3, 3, 2, migrations=3, faults=2).name == "h3-d3-k2-migrations3-faults2"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hosts": 1}, "argument --hosts: expected --hosts between 2 and 6, got 1"),
        ({"domains": 0}, "argument --domains: expected --domains between 1 and 6, got 0"),
        (
            {"domains": 2, "concurrent": 3},
            "argument --concurrent: expected --concurrent between 1 and 2, got 3",
        ),
        (
            {"enabled_faults": frozenset({"meteor"})},
            "expected fault kinds among drop, partition, lost-ack, handoff-failure, "
            'foreign-bind, got "meteor"',
        ),
    ],
)
def test_bad_configurations_are_refused_with_one_clear_line(kwargs, message):
    with pytest.raises(InputError) as error:
        ProtocolConfig(**kwargs)
    assert error.value.one_line() == message


def test_an_unknown_variant_names_the_known_ones():
    with pytest.raises(InputError) as error:
        protocol_model(SMALL, "wrong")
    assert error.value.one_line() == (
        "argument --variant: expected a variant among correct, early-resume, "
        "cancel-leaves-suspended, target-accepts-cancel, skip-final-copy, leak-on-failure, "
        "flag-left-on-cancel, late-target-lock, no-round-limit, ack-wait-forever, "
        'precopy-yields-to-handoff, checks-yield-to-precopy, got "wrong"'
    )
