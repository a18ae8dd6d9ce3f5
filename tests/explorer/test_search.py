"""The breadth-first explorer on models whose graphs are known."""

from __future__ import annotations

import itertools

import networkx as nx
from explorer_toys import Counter, Swapping, TwoPhaseCommit

from ldmspec.explorer import explore


def test_two_phase_commit_has_the_state_counts_stateright_and_tlc_report():
    assert explore(TwoPhaseCommit(3), symmetry=False).stats.states == 288
    assert explore(TwoPhaseCommit(5), symmetry=False).stats.states == 8_832


def test_symmetry_keeps_one_state_per_class_of_interchangeable_managers():
    # Stateright reports 665 for 5 managers with its (non-canonical) representative;
    # sorting the managers is a true canonical form, so the classes are fewer.
    reduced = explore(TwoPhaseCommit(5, symmetric=True))
    assert reduced.stats.states == 314
    assert reduced.stats.symmetry is True
    # every class, expanded to all its members, gives back exactly the full space
    members = set()
    for tm, rms, commit, abort in reduced.states:
        for order in itertools.permutations(range(5)):
            members.add((tm, tuple(rms[i] for i in order), commit, abort))
    assert members == set(explore(TwoPhaseCommit(5), symmetry=False).states)


def test_counter_graph_is_exactly_the_known_graph():
    exploration = explore(Counter())
    graph = exploration.graph
    assert isinstance(graph, nx.DiGraph)
    labelled = {
        (exploration.states[u], exploration.states[v], data["label"])
        for u, v, data in graph.edges(data=True)
    }
    assert labelled == {
        (0, 1, "inc"),
        (0, 0, "double"),
        (1, 2, "inc"),
        (2, 3, "inc"),
    }
    # 1 -double-> 2 duplicates 1 -inc-> 2: the graph keeps the first action only
    assert exploration.stats.transitions == 5
    assert exploration.stats.edges == 4
    assert exploration.stats.depth == 3
    assert exploration.stats.terminal == 1
    assert exploration.stats.max_out_degree == 2
    assert [graph.nodes[n]["depth"] for n in sorted(graph.nodes)] == [0, 1, 2, 3]


def test_states_are_numbered_in_breadth_first_order_with_shortest_parent_paths():
    exploration = explore(Counter())
    assert exploration.states == [0, 1, 2, 3]
    path = exploration.path_to(3)
    assert [(a, exploration.states[i]) for a, i in path] == [
        (None, 0),
        ("inc", 1),
        ("inc", 2),
        ("inc", 3),
    ]


def test_max_states_bounds_the_search_and_marks_it_incomplete():
    exploration = explore(TwoPhaseCommit(3), symmetry=False, max_states=50)
    assert exploration.stats.states == 50
    assert exploration.stats.complete is False


def test_max_depth_bounds_the_search_by_distance():
    exploration = explore(Counter(), max_depth=2)
    assert exploration.states == [0, 1, 2]
    assert exploration.stats.complete is False


def test_progress_is_reported_at_the_end_of_a_search():
    seen: list[tuple[int, int, int, int]] = []
    explore(Counter(), progress=lambda *args: seen.append(args))
    assert seen[-1] == (4, 4, 4, 3)


def test_a_step_to_another_member_of_the_class_is_an_orbit_edge_not_a_stutter():
    reduced = explore(Swapping())
    assert reduced.states == [(("A", "B"), False), (("A", "B"), True)]
    # swap leads from the class to itself: a real step, and swap is fair
    assert list(reduced.orbit) == [1, 0]
    assert list(reduced.fair_exit) == [1, 0]
    assert [(a, t, moved) for a, t, moved in reduced.transitions(0)] == [
        (("swap", ""), 0, True),
        (("finish", "A"), 1, True),
    ]
    full = explore(Swapping(), symmetry=False)
    assert list(full.orbit) == [0] * full.expanded


def test_a_step_that_changes_nothing_is_a_stutter():
    exploration = explore(Counter())
    # 0 -double-> 0 changes nothing
    assert (("double", 0, False)) in set(exploration.transitions(0))
    assert exploration.orbit[0] == 0
