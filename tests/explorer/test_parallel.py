"""The parallel search builds the sequential search's graph, verdicts and counterexamples."""

from __future__ import annotations

import pytest
from explorer_toys import Swapping, TwoPhaseCommit
from ldmspec.models.manifest import load_manifest
from ldmspec.models.protocol_variants import protocol_model

from ldmspec.explorer import check_properties, explore
from ldmspec.explorer.analysis import liveness_exploration
from ldmspec.explorer.exploration import Exploration


def _graph(exploration: Exploration) -> tuple:
    stats = exploration.stats
    return (
        exploration.states,
        list(exploration.parent),
        list(exploration.depth),
        list(exploration.offsets),
        list(exploration.targets),
        bytes(exploration.fair_exit),
        bytes(exploration.orbit),
        list(exploration.labels or ()),
        exploration.fired,
        exploration.step_violations,
        (stats.states, stats.edges, stats.transitions, stats.depth, stats.complete),
        (stats.max_out_degree, stats.terminal, stats.stopped),
    )


def _answers(exploration: Exploration) -> list[tuple[str, str, int | None]]:
    return [
        (v.id, v.status, None if v.counterexample is None else len(v.counterexample.actions))
        for v in check_properties(exploration)
    ]


@pytest.mark.parametrize(
    "bounds",
    [{}, {"max_states": 100}, {"max_depth": 5}],
    ids=["complete", "max-states", "max-depth"],
)
def test_two_workers_build_the_sequential_graph(bounds):
    sequential = explore(TwoPhaseCommit(4), symmetry=False, **bounds)
    parallel = explore(TwoPhaseCommit(4), symmetry=False, workers=2, **bounds)
    assert _graph(parallel) == _graph(sequential)
    assert (parallel.stats.workers, sequential.stats.workers) == (2, 1)


def test_three_workers_under_symmetry_build_the_sequential_graph():
    sequential = explore(TwoPhaseCommit(5, symmetric=True))
    parallel = explore(TwoPhaseCommit(5, symmetric=True), workers=3)
    assert _graph(parallel) == _graph(sequential)


def test_orbit_edges_and_stutters_are_told_apart_as_in_the_sequential_search():
    sequential = explore(Swapping())
    parallel = explore(Swapping(), workers=2)
    assert _graph(parallel) == _graph(sequential)
    assert list(parallel.orbit) == [1, 0]


@pytest.mark.slow
@pytest.mark.parametrize("entry", load_manifest(), ids=lambda entry: entry.name)
def test_parallel_and_sequential_agree_on_every_manifest_configuration(entry):
    def run(workers: int) -> Exploration:
        model = protocol_model(entry.config, entry.variant)
        return explore(model, symmetry=entry.symmetry, workers=workers)

    sequential, parallel = run(1), run(2)
    assert _graph(parallel) == _graph(sequential)
    assert (parallel.stats.workers, sequential.stats.workers) == (2, 1)
    # liveness is decided on the unreduced graph: the parallel run builds it in
    # parallel too, and it must be the sequential one's as well
    live_parallel = liveness_exploration(parallel)
    assert live_parallel.stats.workers == 2
    assert _graph(live_parallel) == _graph(liveness_exploration(sequential))
    # the verdicts and the length of every counterexample, lassos included
    assert _answers(parallel) == _answers(sequential)
