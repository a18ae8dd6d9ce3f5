"""Exports of a state graph and its traces: DOT, GraphML and JSON.

DOT is written by hand (no Graphviz Python binding is needed to produce it); GraphML
goes through networkx. JSON uses the model's own state description, so a state reads
the same in an export, a counterexample and ``ldmspec explore --json``.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from ldmspec.explorer.model import Model, Trace
from ldmspec.explorer.search import Exploration

__all__ = ["graph_json", "to_dot", "trace_json", "write_graphml"]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)


def trace_json(model: Model[S, A], trace: Trace[S, A]) -> dict[str, Any]:
    """A trace as JSON: ``steps`` (and ``cycle``) of ``{"action", "state"}``.

    The first step's action is null (an initial state). A lasso has a non-empty
    ``cycle`` that repeats forever, or ``stutters`` true: the behaviour rests in the
    last state because no fair action is enabled there.
    """

    def steps(part: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [
            {
                "action": None if step.action is None else model.describe_action(step.action),
                "state": model.describe_state(step.state),
            }
            for step in part
        ]

    data: dict[str, Any] = {"length": len(trace.steps) - 1, "steps": steps(trace.steps)}
    if trace.is_lasso:
        data["cycle"] = steps(trace.cycle)
        data["stutters"] = trace.stutters
    return data


def graph_json(exploration: Exploration[S, A]) -> dict[str, Any]:
    """The whole graph: ``states`` (id, depth, initial, terminal, state) and ``edges``."""
    model = exploration.model
    graph = exploration.graph
    return {
        "states": [
            {
                "id": node,
                "depth": data["depth"],
                "initial": data["initial"],
                "terminal": data["terminal"],
                "state": model.describe_state(data["state"]),
            }
            for node, data in graph.nodes(data=True)
        ],
        "edges": [
            {"source": u, "target": v, "action": data["label"]}
            for u, v, data in graph.edges(data=True)
        ],
    }


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(exploration: Exploration[S, A], trace: Trace[S, A] | None = None) -> str:
    """The graph in Graphviz DOT; initial states are boxes, terminal states double
    circles, and the states of ``trace`` (if given) are filled red."""
    model = exploration.model
    graph = exploration.graph
    marked: set[int] = set()
    if trace is not None:
        canon = model.representative if exploration.symmetry else (lambda s: s)
        for step in trace:
            number = exploration.index.get(canon(step.state))
            if number is not None:
                marked.add(number)
    lines = ["digraph states {", "  node [fontname=monospace fontsize=9];"]
    for node, data in graph.nodes(data=True):
        attributes = [f'label="{_short(model.describe_state(data["state"]))}"']
        if data["initial"]:
            attributes.append("shape=box")
        elif data["terminal"]:
            attributes.append("shape=doublecircle")
        if node in marked:
            attributes.append("style=filled fillcolor=salmon")
        lines.append(f"  s{node} [{' '.join(attributes)}];")
    for u, v, data in graph.edges(data=True):
        lines.append(f'  s{u} -> s{v} [label="{_short(data["label"])}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_graphml(exploration: Exploration[S, A], path: str | Path) -> None:
    """Write the graph as GraphML: node ``label``/``depth``/``initial``/``terminal``,
    edge ``action``; every value is a string, number or boolean as GraphML wants."""
    model = exploration.model
    source = exploration.graph
    graph = nx.DiGraph()
    for node, data in source.nodes(data=True):
        graph.add_node(
            node,
            label=_plain(model.describe_state(data["state"])),
            depth=int(data["depth"]),
            initial=bool(data["initial"]),
            terminal=bool(data["terminal"]),
        )
    for u, v, data in source.edges(data=True):
        graph.add_edge(u, v, action=str(data["label"]))
    nx.write_graphml(graph, str(path))


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
