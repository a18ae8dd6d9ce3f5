"""The compact storage of an exploration: states once, arrays of machine ints, bounds."""

from __future__ import annotations

import itertools
from array import array

import networkx as nx
import pytest
from explorer_toys import Counter, TwoPhaseCommit
from ldmspec.models.protocol_config import ProtocolConfig
from ldmspec.models.protocol_variants import protocol_model

from ldmspec.explorer import check_properties, explore, search
from ldmspec.explorer.exploration import depth_array


def test_every_state_is_stored_once_and_the_index_holds_only_stored_states():
    reduced = explore(TwoPhaseCommit(4, symmetric=True))
    assert len(reduced.index) == len(reduced.states) == reduced.stats.states
    assert all(reduced.index[state] == i for i, state in enumerate(reduced.states))
    model = reduced.model
    assert all(model.representative(state) == state for state in reduced.states)


def test_the_arrays_are_machine_ints_and_depths_are_bytes():
    exploration = explore(TwoPhaseCommit(3), symmetry=False)
    assert exploration.targets.typecode == "i"
    assert exploration.parent.typecode == "i"
    assert exploration.depth.typecode == "B"
    assert exploration.depth.itemsize == 1


def test_depths_and_parents_agree_with_networkx_shortest_paths():
    exploration = explore(TwoPhaseCommit(3), symmetry=False)
    graph = exploration.graph
    distances = nx.single_source_shortest_path_length(graph, 0)
    assert [exploration.depth[i] for i in range(len(exploration))] == [
        distances[i] for i in range(len(exploration))
    ]
    for i in range(1, len(exploration)):
        assert exploration.depth[exploration.parent[i]] == exploration.depth[i] - 1
        assert graph.has_edge(exploration.parent[i], i)
    assert list(exploration.depth) == sorted(exploration.depth)  # numbered by depth


def test_the_path_to_a_state_takes_the_first_action_that_reaches_it():
    exploration = explore(TwoPhaseCommit(3), symmetry=False)
    model = exploration.model
    for i in (5, 100, len(exploration) - 1):
        path = exploration.path_to(i)
        assert len(path) == exploration.depth[i] + 1
        for (_, before), (action, after) in itertools.pairwise(path):
            state = exploration.states[before]
            firsts = [a for a, s in model.successors(state) if s == exploration.states[after]]
            assert action == firsts[0]


def test_depths_beyond_255_levels_take_two_bytes():
    depth = depth_array(array("q", [0, 1, 2, *range(3, 300)]), 301)
    assert depth.typecode == "H"
    assert list(depth[:4]) == [0, 1, 2, 3] and depth[-1] == 299 and depth[-2] == 299


def test_a_search_stopped_by_max_states_keeps_the_depth_of_the_states_it_found():
    exploration = explore(TwoPhaseCommit(3), symmetry=False, max_states=50)
    full = explore(TwoPhaseCommit(3), symmetry=False)
    assert exploration.stats.stopped == "max-states"
    assert list(exploration.depth) == list(full.depth[:50])


def test_a_memory_limit_stops_the_search_and_says_so(monkeypatch):
    monkeypatch.setattr(search, "PROGRESS_EVERY", 16)
    used = iter(range(0, 10_000, 100))  # 100 bytes more at every look
    exploration = explore(
        TwoPhaseCommit(3), symmetry=False, max_memory=250, memory=lambda: next(used)
    )
    stats = exploration.stats
    assert (stats.complete, stats.stopped) == (False, "max-memory")
    assert exploration.expanded == 64  # looked after 16 (0 bytes), 32 (100), 48 (200), 64 (300)
    assert stats.states > exploration.expanded


def test_a_complete_search_names_no_bound():
    stats = explore(Counter()).stats
    assert (stats.complete, stats.stopped, stats.workers) == (True, None, 1)


def test_labels_hold_every_state_predicate_of_the_model():
    model = protocol_model(ProtocolConfig(hosts=2, domains=2, concurrent=2), "early-resume")
    exploration = explore(model, max_states=3000)  # some states never expanded
    assert exploration.expanded < len(exploration)
    labels, bits = exploration.labels, exploration.label_bits
    assert labels is not None and len(labels) == len(exploration)
    predicates = {("terminal", None): model.is_terminal}
    for prop in model.properties():
        if prop.kind in ("always", "sometimes"):
            predicates[("holds", prop.id)] = prop.holds
        elif prop.kind == "eventually":
            predicates[("goal", prop.id)] = prop.holds
            predicates[("trigger", prop.id)] = prop.trigger
    assert set(bits) == set(predicates)
    for key, predicate in predicates.items():
        expected = [predicate(state) for state in exploration.states]
        assert [bool(label >> bits[key] & 1) for label in labels] == expected, key


@pytest.mark.parametrize("variant", ["correct", "early-resume", "no-round-limit"])
def test_verdicts_from_labels_are_the_verdicts_from_the_predicates(variant):
    model = protocol_model(ProtocolConfig(hosts=2, domains=2, concurrent=2), variant)
    labelled = explore(model)
    unlabelled = explore(model)
    unlabelled.labels = None  # the analyses evaluate every predicate themselves

    def answers(exploration):
        return [
            (v.id, v.status, v.counterexample, v.example) for v in check_properties(exploration)
        ]

    assert answers(labelled) == answers(unlabelled)
