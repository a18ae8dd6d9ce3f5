"""Safety, reachability, deadlock, liveness and coverage analyses on toy models."""

from __future__ import annotations

import networkx as nx
from explorer_toys import Counter, Deadlocking, Spinning, TwoPhaseCommit, Waiting

from ldmspec.explorer import check_properties, coverage, explore
from ldmspec.explorer.liveness import strongly_connected_components


def verdicts(model, **kwargs):
    return {v.id: v for v in check_properties(explore(model, **kwargs))}


def states_of(trace):
    return [step.state for step in trace.steps]


def test_two_phase_commit_satisfies_its_properties():
    result = verdicts(TwoPhaseCommit(3), symmetry=False)
    assert {k: v.status for k, v in result.items()} == {
        "abort agreement": "holds",
        "commit agreement": "holds",
        "consistent": "holds",
        "deadlock-free": "holds",
    }
    assert len(result["commit agreement"].example) == 1 + 3 * 3 + 1


def test_always_reports_the_shortest_counterexample():
    result = verdicts(Counter())
    assert result["below four"].status == "holds"
    below_two = result["below two"]
    assert below_two.status == "violated"
    assert states_of(below_two.counterexample) == [0, 1, 2]
    assert below_two.counterexample.actions == ("inc", "inc")


def test_sometimes_finds_a_shortest_example_or_reports_the_model_vacuous():
    result = verdicts(Counter())
    assert result["reaches three"].status == "holds"
    assert states_of(result["reaches three"].example) == [0, 1, 2, 3]
    assert result["reaches five"].status == "violated"
    assert result["reaches five"].counterexample is None


def test_step_properties_see_every_edge_and_report_the_first_bad_one():
    result = verdicts(Counter())
    assert result["never decreases"].status == "holds"
    moves = result["always moves"]
    assert moves.status == "violated"
    assert states_of(moves.counterexample) == [0, 0]
    assert moves.counterexample.actions == ("double",)


def test_bounded_search_answers_unknown_instead_of_holds():
    result = {v.id: v.status for v in check_properties(explore(Counter(), max_depth=2))}
    assert result["below four"] == "unknown"
    assert result["below two"] == "violated"
    assert result["reaches five"] == "unknown"
    assert result["terminal-reachable"] == "unknown"


def test_known_deadlock_is_found_with_its_shortest_path():
    result = verdicts(Deadlocking())
    deadlock = result["deadlock-free"]
    assert deadlock.status == "violated"
    assert states_of(deadlock.counterexample) == ["start", "right", "stuck"]
    assert result["terminal-reachable"].status == "violated"
    assert states_of(result["terminal-reachable"].counterexample) == ["start", "right"]


def test_known_lasso_is_reported_as_prefix_and_cycle():
    result = verdicts(Spinning())
    assert result["terminal-reachable"].status == "holds"
    lasso = result["fair-cycle-free"].counterexample
    assert result["fair-cycle-free"].status == "violated"
    assert states_of(lasso) == ["init", "a", "b"]
    assert [step.state for step in lasso.cycle] == ["c", "b"]
    assert [step.action for step in lasso.cycle] == ["spin", "spin"]
    ends = result["ends"]
    assert ends.status == "violated"
    assert states_of(ends.counterexample) == ["init", "a", "b"]
    assert [step.state for step in ends.counterexample.cycle] == ["c", "b"]


def test_a_fair_exit_enabled_in_only_part_of_the_cycle_does_not_break_it():
    assert verdicts(Spinning(fair_exit=True))["fair-cycle-free"].status == "violated"


def test_a_fair_exit_enabled_throughout_the_cycle_breaks_it():
    result = verdicts(Spinning(exit_everywhere=True))
    assert result["fair-cycle-free"].status == "holds"
    assert result["ends"].status == "holds"


def test_resting_where_only_unfair_actions_are_enabled_violates_eventually():
    result = verdicts(Waiting())
    assert result["terminal-reachable"].status == "holds"
    assert result["fair-cycle-free"].status == "holds"
    ends = result["ends"]
    assert ends.status == "violated"
    assert states_of(ends.counterexample) == ["init", "waiting"]
    assert ends.counterexample.stutters is True
    assert ends.counterexample.cycle == ()


def test_coverage_counts_actions_and_lists_those_that_never_fire():
    result = coverage(explore(Counter()))
    assert result.fired == {"double": 2, "inc": 3}
    assert result.unfired == ("reset",)


def test_strongly_connected_components_agree_with_networkx():
    exploration = explore(TwoPhaseCommit(3), symmetry=False)
    ours = strongly_connected_components(
        len(exploration.states), exploration.out_edges, lambda _: True
    )
    theirs = nx.strongly_connected_components(exploration.graph)
    assert sorted(sorted(c) for c in ours) == sorted(sorted(c) for c in theirs)
