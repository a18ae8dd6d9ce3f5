"""The counterexample value: frozen, hashable, JSON round trip, no passwords."""

from __future__ import annotations

import dataclasses
import json

import pytest
from report_samples import make_counterexample

from ldmspec.errors import InputError
from ldmspec.report import Counterexample, FrozenMap, ReportStep, freeze


def test_json_round_trip_gives_an_equal_value(counterexample: Counterexample) -> None:
    again = Counterexample.from_json(counterexample.to_json())
    assert again == counterexample
    assert hash(again) == hash(counterexample)
    assert again.to_json() == counterexample.to_json()


def test_values_are_frozen(counterexample: Counterexample) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        counterexample.seed = 3  # type: ignore[misc]
    assert isinstance(counterexample.steps[1].listing, FrozenMap)
    assert counterexample.steps[1].observation["t4-a"]["free"] == (1, 3)


def test_freeze_turns_dataclasses_and_sets_into_plain_frozen_data() -> None:
    @dataclasses.dataclass(frozen=True)
    class Snapshot:
        name: str
        cores: frozenset[int]

    assert freeze(Snapshot("ldom01", frozenset({2, 1}))) == {"name": "ldom01", "cores": (1, 2)}


def test_hosts_are_listed_in_order_of_first_appearance(counterexample: Counterexample) -> None:
    assert counterexample.hosts == ("t4-a", "t4-b")


def test_password_directive_is_replaced_by_a_placeholder() -> None:
    cx = make_counterexample(secret="hunter22")
    assert cx.steps[0].command == ".password t4-b REDACTED-1"
    assert dict(cx.password_files) == {"password-1": "REDACTED-1\n"}
    assert "hunter22" not in cx.to_json()


def test_a_secret_leaked_into_any_text_is_replaced_everywhere() -> None:
    leaky = dataclasses.replace(
        make_counterexample(),
        steps=(
            ReportStep(host="", command=".password t4-b s3cr3t-pw"),
            ReportStep(host="t4-a", command="ldm list", output="pw was s3cr3t-pw!"),
        ),
        violation="saw s3cr3t-pw",
    )
    assert leaky.steps[-1].output == "pw was REDACTED-1!"
    assert leaky.violation == "saw REDACTED-1"


def test_a_short_secret_is_replaced_only_as_a_whole_word() -> None:
    leaky = dataclasses.replace(
        make_counterexample(),
        steps=(
            ReportStep(host="", command=".password t4-b t4"),
            ReportStep(host="t4-a", command="ldm list", output="t4 typed"),
        ),
    )
    assert leaky.steps[-1].output == "REDACTED-1 typed"
    assert leaky.steps[-1].host == "t4-a"


def test_equal_passwords_keep_equal_placeholders_and_different_ones_differ() -> None:
    cx = make_counterexample(secret="alpha-1")
    steps = (
        ReportStep(host="", command=".password t4-a alpha-1"),
        ReportStep(host="", command=".password t4-b beta-22"),
        ReportStep(host="", command=".password t4-c alpha-1"),
    )
    cx = dataclasses.replace(cx, steps=steps, password_files={})
    assert [s.command for s in cx.steps] == [
        ".password t4-a REDACTED-1",
        ".password t4-b REDACTED-2",
        ".password t4-c REDACTED-1",
    ]


def test_a_step_command_must_be_one_line() -> None:
    with pytest.raises(ValueError, match=r"ReportStep\.command must be one line"):
        ReportStep(host="t4-a", command="ldm list\n.kill t4-a")


def test_an_unknown_kind_is_refused(counterexample: Counterexample) -> None:
    with pytest.raises(ValueError, match="kind must be one of safety, liveness, agreement"):
        dataclasses.replace(counterexample, kind="style")  # type: ignore[arg-type]


def test_malformed_json_names_the_file_and_line() -> None:
    with pytest.raises(InputError) as info:
        Counterexample.from_json('{"schema":\n', source="r/counterexample.json")
    assert info.value.one_line() == (
        'r/counterexample.json:2: expected a JSON counterexample document, got "Expecting value"'
    )


def test_a_document_that_breaks_the_schema_names_the_key(counterexample) -> None:
    doc = json.loads(counterexample.to_json())
    doc["steps"][1]["host"] = 7
    with pytest.raises(InputError) as info:
        Counterexample.from_dict(doc, source="r/counterexample.json")
    assert info.value.one_line() == "r/counterexample.json: steps[1].host: expected a string, got 7"


def test_the_public_api_is_small_and_importable() -> None:
    import ldmspec.report as report

    assert set(report.__all__) == {
        "PLACEHOLDER",
        "SCHEMA_ID",
        "Counterexample",
        "FrozenMap",
        "Kind",
        "Message",
        "ModelStep",
        "ReportStep",
        "counterexample_from_transcript",
        "current_versions",
        "freeze",
        "list_reports",
        "load_schema",
        "model_path_from_trace",
        "read_report",
        "rebuild_index",
        "render_files",
        "replay_report",
        "rerender_report",
        "validate",
        "write_report",
    }
    for name in report.__all__:
        assert hasattr(report, name), name
    versions = report.current_versions()
    assert set(versions) >= {"python", "ldmspec", "hypothesis", "z3-solver", "networkx"}
