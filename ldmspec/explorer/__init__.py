"""A breadth-first explicit-state model checker over networkx.

Write a :class:`Model` (initial states, actions in a deterministic order, next state,
properties), then::

    from ldmspec.explorer import explore, check_properties, coverage

    exploration = explore(model)               # BFS; exploration.graph is a nx.DiGraph
    for verdict in check_properties(exploration):  # always/step/sometimes/eventually + built-ins
        print(verdict.id, verdict.status)
    print(coverage(exploration).unfired)       # actions that never fired

Counterexamples are shortest paths (breadth-first parent pointers); liveness
violations are lassos (a prefix and a cycle, or a state the behaviour rests in).
Symmetry reduction canonicalises states with :meth:`Model.representative`;
:func:`reduction_ratio` compares a reduced and a full search. Exports: DOT, GraphML
and JSON (:mod:`ldmspec.explorer.export`).
"""

from ldmspec.explorer.analysis import Coverage, ModelVerdict, check_properties, coverage
from ldmspec.explorer.export import graph_json, to_dot, trace_json, write_graphml
from ldmspec.explorer.lasso import validate_lasso
from ldmspec.explorer.model import Model, Property, Trace, TraceStep
from ldmspec.explorer.progress import ProgressLine
from ldmspec.explorer.search import Exploration, Statistics, explore

__all__ = [
    "Coverage",
    "Exploration",
    "Model",
    "ModelVerdict",
    "ProgressLine",
    "Property",
    "Statistics",
    "Trace",
    "TraceStep",
    "check_properties",
    "coverage",
    "explore",
    "graph_json",
    "to_dot",
    "trace_json",
    "validate_lasso",
    "write_graphml",
]
