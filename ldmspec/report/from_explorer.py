"""The model's shortest path, from an explorer trace to :class:`ModelStep` values.

``ldmspec.explorer`` finds the shortest path to a violated property as a ``Trace`` of
``(action, state)`` steps (the first action is None), possibly closed by a cycle for a
liveness violation. A report shows it beside the implementation's steps::

    verdict = check_properties(exploration, [prop])
    cx = Counterexample(..., model_path=model_path_from_trace(model, verdict.trace))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ldmspec.report.values import ModelStep

__all__ = ["model_path_from_trace"]


class _Describes(Protocol):
    def describe_action(self, action: Any) -> str: ...

    def describe_state(self, state: Any) -> Any: ...


class _TraceStep(Protocol):
    @property
    def action(self) -> Any: ...

    @property
    def state(self) -> Any: ...


class _Trace(Protocol):
    @property
    def steps(self) -> tuple[Any, ...]: ...

    @property
    def cycle(self) -> tuple[Any, ...]: ...

    @property
    def stutters(self) -> bool: ...


def _state(model: _Describes, state: object) -> Mapping[str, Any]:
    described = model.describe_state(state)
    return described if isinstance(described, Mapping) else {"state": described}


def model_path_from_trace(model: _Describes, trace: _Trace) -> tuple[ModelStep, ...]:
    """``trace`` as model steps: ``init`` first, then each action with the state it reached.

    The steps of a lasso's cycle are labelled ``cycle: ACTION``; a trace that ends by
    stuttering gets a last step ``stutter forever`` repeating the final state.
    """
    path: list[ModelStep] = []
    for step in trace.steps:
        action = "init" if step.action is None else model.describe_action(step.action)
        path.append(ModelStep(action, _state(model, step.state)))
    for step in trace.cycle:
        path.append(
            ModelStep(f"cycle: {model.describe_action(step.action)}", _state(model, step.state))
        )
    if trace.stutters and path:
        path.append(ModelStep("stutter forever (no fair action is enabled)", path[-1].state))
    return tuple(path)
