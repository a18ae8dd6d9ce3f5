"""The versioned JSON Schema of ``counterexample.json`` and a small validator for it.

The schema lives in ``schema.json`` beside this module (JSON Schema 2020-12 vocabulary).
Rather than depend on ``jsonschema``, this module validates the subset of keywords the
schema uses (``type``, ``properties``, ``required``, ``additionalProperties``, ``items``,
``$ref`` to ``#/$defs``, ``const``, ``enum``, ``oneOf``, ``minLength``, ``pattern``) and
refuses any other keyword, so the schema cannot silently outgrow its validator.

A document that does not conform raises :class:`~ldmspec.errors.InputError` naming the
file and the key path, e.g.
``reports/x/counterexample.json: steps[2].host: expected a string, got 7``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from ldmspec.errors import InputError

__all__ = ["SUPPORTED_KEYWORDS", "load_schema", "validate"]

#: Keywords that only document; the validator ignores them.
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$defs"})
#: Keywords the validator checks.
_ASSERTIONS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "$ref",
        "const",
        "enum",
        "oneOf",
        "minLength",
        "pattern",
    }
)
SUPPORTED_KEYWORDS = _ANNOTATIONS | _ASSERTIONS

_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@cache
def load_schema() -> Mapping[str, Any]:
    """The schema of ``counterexample.json`` (parsed ``schema.json``)."""
    text = resources.files("ldmspec.report").joinpath("schema.json").read_text("utf-8")
    schema: Mapping[str, Any] = json.loads(text)
    return schema


def validate(document: object, *, source: str | None = None) -> None:
    """Raise InputError unless ``document`` conforms to the counterexample schema."""
    schema = load_schema()
    if isinstance(document, dict) and document.get("schema") != schema["$id"]:
        # Say first when the document is of another schema version: nothing else matters.
        raise InputError(
            f'the schema id "{schema["$id"]}"',
            got=document.get("schema"),
            source=source,
            path="schema",
        )
    error = _check(document, schema, schema, "")
    if error is not None:
        path, expected, got = error
        raise InputError(expected, got=got, source=source, path=path or None)


_Error = tuple[str, str, object]


def _is_type(value: object, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "null":
        return value is None
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    raise ValueError(f"schema type {name!r} is not supported")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _describe(schema: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    if "$ref" in schema:
        return _describe(_resolve(schema["$ref"], root), root)
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "oneOf" in schema:
        return " or ".join(_describe(s, root) for s in schema["oneOf"])
    types = schema.get("type", [])
    names = [types] if isinstance(types, str) else list(types)
    return " or ".join(_TYPE_WORDS[n] for n in names) or "a value"


def _resolve(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    if not ref.startswith("#/$defs/"):
        raise ValueError(f"only local #/$defs references are supported, got {ref!r}")
    target: Mapping[str, Any] = root["$defs"][ref.removeprefix("#/$defs/")]
    return target


def _check(
    value: object, schema: Mapping[str, Any], root: Mapping[str, Any], path: str
) -> _Error | None:
    unknown = set(schema) - SUPPORTED_KEYWORDS
    if unknown:
        raise ValueError(f"schema keyword(s) not supported by the validator: {sorted(unknown)}")
    if "$ref" in schema:
        return _check(value, _resolve(schema["$ref"], root), root, path)
    if "const" in schema and value != schema["const"]:
        return path, json.dumps(schema["const"]), value
    if "enum" in schema and value not in schema["enum"]:
        return path, _describe(schema, root), value
    if "oneOf" in schema:
        matches = [s for s in schema["oneOf"] if _check(value, s, root, path) is None]
        if len(matches) != 1:
            if len(schema["oneOf"]) == 2 and value is not None:
                # The usual "null or X" case: report the error inside X, it is more precise.
                other = [s for s in schema["oneOf"] if s.get("type") != "null"]
                if len(other) == 1 and _is_type(value, str(other[0].get("type", "object"))):
                    return _check(value, other[0], root, path)
            return path, _describe(schema, root), value
    if "type" in schema:
        types = schema["type"]
        names = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, n) for n in names):
            return path, _describe(schema, root), value
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return path, "a non-empty string", value
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return path, "one line of text", value
    if isinstance(value, dict):
        return _check_object(value, schema, root, path)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            error = _check(item, schema["items"], root, _join(path, index))
            if error is not None:
                return error
    return None


def _check_object(
    value: dict[str, Any], schema: Mapping[str, Any], root: Mapping[str, Any], path: str
) -> _Error | None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    for key in schema.get("required", ()):
        if key not in value:
            return _join(path, key), f"{_describe(properties.get(key, {}), root)} (missing)", None
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            error = _check(item, properties[key], root, _join(path, key))
        elif extra is False:
            known = ", ".join(properties)
            return path, f"only the keys {known}", key
        elif isinstance(extra, dict):
            error = _check(item, extra, root, _join(path, key))
        else:
            error = None
        if error is not None:
            return error
    return None
