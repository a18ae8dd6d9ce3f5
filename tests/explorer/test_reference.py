"""The explorer's analyses against a brute-force reference on random small graphs.

Each example is a labelled graph of up to 8 states with fair and unfair actions in
fairness classes (per process, or per kind), optionally symmetric under a permutation
of its states and of the processes its actions belong to. The explorer's verdicts, with
and without symmetry reduction, must be the reference's (``tests/explorer/reference.py``:
every strongly connected subset, networkx, the definition of weak fairness), and every
liveness counterexample must pass :func:`validate_lasso`.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from reference import GOAL, LabelledGraph, close_set, close_under, reference_verdicts

from ldmspec.explorer import check_properties, explore, validate_lasso
from ldmspec.testing.sizing import examples

CHECKED = (GOAL, "fair-cycle-free", "deadlock-free", "terminal-reachable")


@st.composite
def labelled_graphs(draw: st.DrawFn) -> LabelledGraph:
    n = draw(st.integers(1, 8))
    symmetric = draw(st.booleans())
    perm = tuple(draw(st.permutations(range(n)))) if symmetric else tuple(range(n))
    tags = (1, 0) if symmetric and draw(st.booleans()) else (0, 1)
    raw = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.sampled_from("abc"),
                st.integers(0, 1),
                st.integers(0, n - 1),
            ),
            max_size=3 * n,
        )
    )
    # steps to another member of the same class: orbit edges under reduction
    raw += [
        (u, k, t, perm[u])
        for u, k, t in draw(
            st.lists(
                st.tuples(st.integers(0, n - 1), st.sampled_from("abc"), st.integers(0, 1)),
                max_size=2,
            )
        )
    ]
    edges = close_under(((u, (k, t, v), v) for u, k, t, v in raw), perm, tags)

    def subset() -> frozenset[int]:
        return close_set(draw(st.sets(st.integers(0, n - 1))), perm)

    return LabelledGraph(
        n,
        edges,
        initial=close_set([0], perm),
        terminal=subset(),
        goal=subset(),
        trigger=subset(),
        per_kind=draw(st.booleans()),
        state_perm=perm if symmetric else None,
        tag_perm=tags,
    )


@examples(300)
@given(labelled_graphs())
def test_verdicts_agree_with_the_brute_force_reference(model):
    expected = reference_verdicts(model)
    for symmetry in (False, True):
        verdicts = {v.id: v for v in check_properties(explore(model, symmetry=symmetry))}
        assert {i: verdicts[i].status for i in CHECKED} == expected, symmetry
        for name in (GOAL, "fair-cycle-free"):
            lasso = verdicts[name].counterexample
            if lasso is not None:
                prop = model.properties()[0] if name == GOAL else None
                assert validate_lasso(model, lasso, prop) == []
