"""The explorer's shortest counterexample becomes the report's model path."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from report_samples import make_counterexample

from ldmspec.explorer import Model, Property, check_properties, explore
from ldmspec.report import ModelStep, render_files
from ldmspec.report.from_explorer import model_path_from_trace


class Phases(Model[tuple[int, bool], str]):
    """A migration in three phases that a cancel may leave with a remnant on the target."""

    def init_states(self) -> Sequence[tuple[int, bool]]:
        return [(0, False)]

    def actions(self, state: tuple[int, bool]) -> Iterable[str]:
        return ("advance", "cancel")

    def next_state(self, state: tuple[int, bool], action: str) -> tuple[int, bool] | None:
        phase, remnant = state
        if action == "advance" and phase < 3:
            return (phase + 1, phase + 1 >= 2)
        if action == "cancel" and 0 < phase < 3:
            return (0, remnant)
        return None

    def properties(self) -> Sequence[Property]:
        return [Property.always("INV-CLEANUP", lambda s: s[0] != 0 or not s[1])]

    def describe_action(self, action: str) -> str:
        return f"{action}()"

    def describe_state(self, state: tuple[int, bool]) -> object:
        return {"phase": state[0], "remnant": state[1]}


def test_the_shortest_model_path_is_carried_into_the_report() -> None:
    model = Phases()
    verdict = next(v for v in check_properties(explore(model)) if v.id == "INV-CLEANUP")
    assert verdict.counterexample is not None
    path = model_path_from_trace(model, verdict.counterexample)
    assert path == (
        ModelStep("init", {"phase": 0, "remnant": False}),
        ModelStep("advance()", {"phase": 1, "remnant": False}),
        ModelStep("advance()", {"phase": 2, "remnant": True}),
        ModelStep("cancel()", {"phase": 0, "remnant": True}),
    )
    cx = dataclasses.replace(make_counterexample(), model_path=path)
    markdown = render_files(cx)["report.md"]
    assert "shortest path of 3 actions" in markdown
    assert "3. `cancel()`\n   - `phase: 2 → 0`\n" in markdown


def test_a_state_that_is_not_a_mapping_is_wrapped() -> None:
    class Plain(Phases):
        def describe_state(self, state: tuple[int, bool]) -> object:
            return repr(state)

    model = Plain()
    verdict = next(v for v in check_properties(explore(model)) if v.id == "INV-CLEANUP")
    assert verdict.counterexample is not None
    path = model_path_from_trace(model, verdict.counterexample)
    assert path[0] == ModelStep("init", {"state": "(0, False)"})


def test_the_protocol_models_path_shows_each_changed_field_by_its_path() -> None:
    from ldmspec.models.protocol_config import ProtocolConfig
    from ldmspec.models.protocol_variants import protocol_model

    config = ProtocolConfig(hosts=2, domains=1, concurrent=1, migrations=1, faults=1)
    model = protocol_model(config, "target-accepts-cancel")
    verdict = next(v for v in check_properties(explore(model)) if v.id == "INV-SOURCE-CONTROL")
    assert verdict.counterexample is not None
    path = model_path_from_trace(model, verdict.counterexample)
    assert [step.action for step in path] == [
        "init",
        "start_migration(d0 -> h1)",
        "cancel_on_target(d0)",
    ]
    cx = dataclasses.replace(
        make_counterexample(), property_id="INV-SOURCE-CONTROL", model_path=path
    )
    markdown = render_files(cx)["report.md"]
    assert '   - `domains[0].phase: "idle" → "checks"`\n' in markdown
