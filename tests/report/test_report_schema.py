"""The schema of counterexample.json and its validator."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from report_samples import make_counterexample

from ldmspec.errors import InputError
from ldmspec.report import SCHEMA_ID, load_schema, validate
from ldmspec.report.schema import SUPPORTED_KEYWORDS


def _keywords(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key in ("properties", "$defs"):
                for sub in value.values():
                    found |= _keywords(sub)
            elif key in ("items", "additionalProperties"):
                found |= _keywords(value)
            elif key == "oneOf":
                for sub in value:
                    found |= _keywords(sub)
    return found


def test_the_schema_uses_only_keywords_the_validator_checks() -> None:
    schema = load_schema()
    assert schema["$id"] == SCHEMA_ID
    assert _keywords(schema) <= SUPPORTED_KEYWORDS


def _document() -> dict[str, Any]:
    return json.loads(make_counterexample().to_json())


def _error(document: object) -> str:
    with pytest.raises(InputError) as info:
        validate(document, source="c.json")
    return info.value.one_line()


def test_a_written_counterexample_validates() -> None:
    validate(_document())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["property"].__setitem__("kind", "style"),
            'c.json: property.kind: expected one of safety, liveness, agreement, got "style"',
        ),
        (
            lambda d: d["steps"][0].pop("command"),
            "c.json: steps[0].command: expected a string (missing)",
        ),
        (
            lambda d: d["steps"][1]["messages"][0].__setitem__("delivered", "yes"),
            'c.json: steps[1].messages[0].delivered: expected true or false, got "yes"',
        ),
        (
            lambda d: d["steps"][0].__setitem__("colour", "red"),
            "c.json: steps[0]: expected only the keys host, command, output, messages, listing, "
            'observation, note, password, got "colour"',
        ),
        (
            lambda d: d["steps"][0].__setitem__("command", "ldm list\n.kill t4-a"),
            'c.json: steps[0].command: expected one line of text, got "ldm list .kill t4-a"',
        ),
        (
            lambda d: d["reproduce"].__setitem__("seed", "7"),
            'c.json: reproduce.seed: expected an integer or null, got "7"',
        ),
        (
            lambda d: d["model_path"][1].__setitem__("state", []),
            "c.json: model_path[1].state: expected an object, got a list",
        ),
        (
            lambda d: d.__setitem__("model_path", "none"),
            'c.json: model_path: expected null or an array, got "none"',
        ),
        (
            lambda d: d.__setitem__("schema", "ldmspec-counterexample/0"),
            'c.json: schema: expected the schema id "ldmspec-counterexample/1", '
            'got "ldmspec-counterexample/0"',
        ),
    ],
)
def test_each_kind_of_breakage_is_named_with_its_key_path(change, message) -> None:
    document = copy.deepcopy(_document())
    change(document)
    assert _error(document) == message


def test_a_document_that_is_not_an_object_is_refused() -> None:
    assert _error([]) == "c.json: expected an object, got a list"
