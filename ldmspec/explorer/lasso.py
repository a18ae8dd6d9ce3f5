"""An independent check of a liveness counterexample: is this lasso a real, fair
behaviour that never reaches the goal?

:func:`validate_lasso` trusts nothing the explorer computed: it replays the trace with
:meth:`Model.successors` from an initial state, and judges the cycle with the model's own
fairness declarations. Use it on every liveness counterexample a test produces::

    verdict = next(v for v in check_properties(explore(model)) if v.id == "LIVE-TERMINATES")
    assert validate_lasso(model, verdict.counterexample, prop) == []
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import Any

from ldmspec.explorer.model import Model, Property, Trace

__all__ = ["validate_lasso"]


def validate_lasso(
    model: Model[Any, Any], trace: Trace[Any, Any], prop: Property | None
) -> list[str]:
    """What is wrong with ``trace`` as a counterexample to ``prop``; ``[]`` when nothing.

    ``prop`` is an ``eventually`` property, or None for the built-in
    ``fair-cycle-free`` (the goal is then a terminal state). The trace must start in an
    initial state; every step must be an enabled action leading to exactly the state
    shown; a cycle must close on the very state it starts from (the stem's last) and be
    weakly fair: no fairness class is enabled in every state of the cycle without being
    taken in it; a trace without a cycle must end by stuttering in a state where no fair
    action is enabled. From some state where the trigger holds on, the goal never holds
    (for one of the cases of :meth:`Property.eventually_each`).
    """
    problems: list[str] = []
    steps = [*trace.steps, *trace.cycle]
    if not steps:
        return ["the trace is empty"]
    if steps[0].action is not None or steps[0].state not in list(model.init_states()):
        problems.append("the trace does not start in an initial state")
    for number, (before, step) in enumerate(itertools.pairwise(steps), start=1):
        if (step.action, step.state) not in list(model.successors(before.state)):
            label = model.describe_action(step.action)
            problems.append(f"step {number} ({label}) is not a transition of the model")
            return problems
    if trace.cycle:
        problems.extend(_cycle_problems(model, trace))
    elif trace.stutters:
        fair = _enabled(model, steps[-1].state)
        if fair:
            problems.append(
                "the trace rests in a state where fair actions are enabled: "
                + ", ".join(sorted(map(str, fair)))
            )
    else:
        problems.append("the trace is not a lasso: it has no cycle and does not stutter")
    cases = prop.leads_to if prop is not None else ((model.is_terminal, None),)
    goal_problems = [_goal_problems(trace, goal, trigger) for goal, trigger in cases]
    if all(goal_problems):  # no case of the property fails along this trace
        problems.extend(goal_problems[0])
    return problems


def _cycle_problems(model: Model[Any, Any], trace: Trace[Any, Any]) -> list[str]:
    loop_start = trace.steps[-1].state
    if trace.cycle[-1].state != loop_start:
        return ["the cycle does not close on the state it starts from"]
    states = [loop_start, *(step.state for step in trace.cycle[:-1])]
    taken: set[Hashable] = set()
    before = loop_start
    for step in trace.cycle:
        if step.state != before and model.is_fair(step.action):
            taken.add(model.fairness_class(step.action))
        before = step.state
    if all(step.state == states[0] for step in trace.cycle):
        return ["the cycle only stutters"]
    always = set.intersection(*(_enabled(model, state) for state in states))
    starved = always - taken
    if starved:
        return [
            "the cycle is not weakly fair: enabled in every state of it and never taken: "
            + ", ".join(sorted(map(str, starved)))
        ]
    return []


def _goal_problems(
    trace: Trace[Any, Any],
    goal: Callable[[Any], bool],
    trigger: Callable[[Any], bool] | None,
) -> list[str]:
    if trigger is None:
        trigger = _always
    states = [step.state for step in (*trace.steps, *trace.cycle)]
    pending_from = len(states)
    while pending_from > 0 and not goal(states[pending_from - 1]):
        pending_from -= 1
    if pending_from == len(states):
        return ["the goal holds in the last state"]
    if not any(trigger(s) for s in states[pending_from:]):
        return ["no state after the last goal state satisfies the trigger"]
    if trace.cycle and pending_from > len(trace.steps) - 1:
        return ["the goal holds in the cycle"]
    return []


def _always(_: Any) -> bool:
    return True


def _enabled(model: Model[Any, Any], state: Any) -> set[Hashable]:
    """The fairness classes with a fair action that moves ``state`` elsewhere."""
    return {
        model.fairness_class(action)
        for action, after in model.successors(state)
        if after != state and model.is_fair(action)
    }
