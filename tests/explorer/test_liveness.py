"""Liveness under weak fairness: fairness classes, orbit edges, sound symmetry, lassos."""

from __future__ import annotations

import pytest
from explorer_toys import Spinning, Swapping, Toggling, Waiting

from ldmspec.explorer import check_properties, explore, validate_lasso
from ldmspec.explorer.analysis import states_on_cycles
from ldmspec.explorer.model import Trace, TraceStep


def verdict(model, prop_id, **kwargs):
    found = next(v for v in check_properties(explore(model, **kwargs)) if v.id == prop_id)
    if found.counterexample is not None and found.kind in ("eventually", "liveness"):
        prop = next((p for p in model.properties() if p.id == prop_id), None)
        assert validate_lasso(model, found.counterexample, prop) == []
    return found


@pytest.mark.parametrize("symmetry", [False, True])
def test_one_migration_starves_while_the_environment_toggles_under_per_migration_fairness(
    symmetry,
):
    starved = verdict(Toggling(), "d0 ends", symmetry=symmetry)
    assert starved.status == "violated"
    assert [step.action for step in starved.counterexample.cycle] == [("toggle", 0)] * 2
    assert starved.counterexample.cycle[-1].state == starved.counterexample.steps[-1].state


def test_per_kind_fairness_claims_the_starving_migration_ends():
    # WF(go(d0) \\/ go(d1)) is not WF(go(d0)) /\\ WF(go(d1)): the weaker promise "holds"
    assert verdict(Toggling(per_kind=True), "d0 ends").status == "holds"


@pytest.mark.parametrize("symmetry", [False, True])
def test_swapping_forever_is_a_fair_cycle_in_every_mode(symmetry):
    found = verdict(Swapping(), "done", symmetry=symmetry)
    assert found.status == "violated"
    lasso = found.counterexample
    assert [step.action for step in lasso.cycle] == [("swap", "")] * 2
    assert lasso.cycle[-1].state == lasso.steps[-1].state  # closes on the same state
    assert found.basis == (
        "decided on the unreduced graph (4 states): symmetry renames the fairness classes"
        if symmetry
        else ""
    )


@pytest.mark.parametrize("symmetry", [False, True])
def test_an_orbit_edge_is_a_cycle_on_the_reduced_graph_when_classes_are_symmetric(symmetry):
    # finish is the environment's: nothing forces it, and swap is taken forever
    model = Swapping(per_kind=True, fair_finish=False)
    found = verdict(model, "done", symmetry=symmetry)
    assert found.status == "violated"
    assert found.counterexample.stutters is False
    assert [step.action for step in found.counterexample.cycle] == [("swap", "")] * 2
    if symmetry:
        assert found.basis.startswith("decided on the symmetry-reduced graph")


def test_per_kind_fairness_is_judged_on_the_reduced_graph_with_its_orbit_edges():
    # finish is enabled in both seatings: weak fairness of the kind forces it
    for symmetry in (False, True):
        assert verdict(Swapping(per_kind=True), "done", symmetry=symmetry).status == "holds"


def test_states_on_cycles_count_orbit_edges_and_components():
    assert states_on_cycles(explore(Swapping(), symmetry=False)) == 2
    assert states_on_cycles(explore(Swapping())) == 1
    assert states_on_cycles(explore(Spinning())) == 2
    assert states_on_cycles(explore(Waiting())) == 0


def test_a_cycle_that_starves_a_class_is_extended_until_it_is_fair():
    # Spinning with a fair exit from c only: the shortest cycle b -> c -> b is fair
    # already (leave is not enabled in b); the lasso must say so and validate
    found = verdict(Spinning(fair_exit=True), "fair-cycle-free")
    assert found.status == "violated"
    assert [step.state for step in found.counterexample.cycle] == ["c", "b"]


def test_validate_lasso_names_what_is_wrong():
    model = Swapping()
    (prop,) = model.properties()
    start = (("A", "B"), False)
    swapped = (("B", "A"), False)
    swap = ("swap", "")
    good = Trace((TraceStep(None, start),), (TraceStep(swap, swapped), TraceStep(swap, start)))
    assert validate_lasso(model, good, prop) == []
    open_cycle = Trace((TraceStep(None, start),), (TraceStep(swap, swapped),))
    assert validate_lasso(model, open_cycle, prop) == [
        "the cycle does not close on the state it starts from"
    ]
    fake = Trace((TraceStep(None, start),), (TraceStep(("finish", "B"), start),))
    assert validate_lasso(model, fake, prop) == [
        "step 1 (finish(B)) is not a transition of the model"
    ]
    resting = Trace((TraceStep(None, start),), stutters=True)
    assert validate_lasso(model, resting, prop) == [
        "the trace rests in a state where fair actions are enabled: ('finish', 'A'), "
        "('swap', '')"
    ]
    per_kind = Swapping(per_kind=True)
    assert validate_lasso(per_kind, good, prop) == [
        "the cycle is not weakly fair: enabled in every state of it and never taken: finish"
    ]
    done = (("A", "B"), True)
    reached = Trace((TraceStep(None, start), TraceStep(("finish", "A"), done)), stutters=True)
    assert validate_lasso(model, reached, prop) == ["the goal holds in the last state"]
