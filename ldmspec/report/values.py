"""The counterexample value: one frozen artefact for the explorer and the property suites.

A :class:`Counterexample` says which property failed (id, words, kind), the steps that
led there (``ldm`` commands and simulator events with the host they ran on, the messages
they caused, the ``ldm list`` of every involved host and a structured observation after
each step), how to reproduce it (fleet, variant, seed, pytest node) and, when the
state-graph model has one, the model's shortest path to the same violation.

Every value here is frozen and hashable. Mappings are kept as :class:`FrozenMap` and
lists as tuples, so ``Counterexample.from_json(cx.to_json()) == cx`` holds exactly.
Structured data (observations, model states) may be handed in as dataclasses, enums,
sets, lists or dicts: :func:`freeze` turns them into plain JSON-shaped frozen values.

A counterexample never holds a password: construction replaces the secret of every
``.password HOST SECRET`` step, everywhere it occurs, by a placeholder (see
:mod:`ldmspec.report.redact`).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, cast, get_args

from ldmspec.errors import InputError
from ldmspec.report.frozen import FrozenMap
from ldmspec.report.redact import redact

__all__ = [
    "SCHEMA_ID",
    "Counterexample",
    "FrozenMap",
    "Json",
    "Kind",
    "Message",
    "ModelStep",
    "ReportStep",
    "freeze",
    "thaw",
]

#: The versioned schema every ``counterexample.json`` names in its ``schema`` key.
SCHEMA_ID = "ldmspec-counterexample/1"

Kind: TypeAlias = Literal["safety", "liveness", "agreement"]
KINDS: tuple[str, ...] = get_args(Kind)

Json: TypeAlias = "bool | int | float | str | tuple[Json, ...] | FrozenMap | None"


def freeze(value: object) -> Any:
    """``value`` as frozen JSON-shaped data: FrozenMap, tuple, str, int, float, bool, None.

    Dataclasses become maps of their fields, enums their value (or name when the value is
    not plain data), sets sorted tuples, mapping keys strings.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        plain = value.value
        return plain if isinstance(plain, bool | int | float | str) else value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return FrozenMap(
            {f.name: freeze(getattr(value, f.name)) for f in dataclasses.fields(value)}
        )
    if isinstance(value, Mapping):
        return FrozenMap({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, set | frozenset):
        return tuple(sorted((freeze(v) for v in value), key=repr))
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    raise TypeError(f"cannot put a {type(value).__name__} into a counterexample: {value!r}")


def thaw(value: object) -> Any:
    """The JSON form of frozen data: dicts and lists."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def _one_line(name: str, value: str) -> None:
    if "\n" in value or "\r" in value:
        raise ValueError(f"{name} must be one line, got {value!r}")


@dataclass(frozen=True)
class Message:
    """A protocol message between two hosts, as the sequence diagram draws it.

    ``kind`` names it in the protocol's words (``precheck``, ``precopy-round``,
    ``hand-off-ack``), ``detail`` adds numbers (``round 2: 512 pages``), ``delivered`` is
    false when the network dropped it.
    """

    src: str
    dst: str
    kind: str
    detail: str = ""
    delivered: bool = True

    def __post_init__(self) -> None:
        for name in ("src", "dst", "kind", "detail"):
            _one_line(f"Message.{name}", getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "kind": self.kind,
            "detail": self.detail,
            "delivered": self.delivered,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        return cls(
            src=data["src"],
            dst=data["dst"],
            kind=data["kind"],
            detail=data.get("detail", ""),
            delivered=data.get("delivered", True),
        )


@dataclass(frozen=True)
class ReportStep:
    """One step of a counterexample and what the hosts looked like after it.

    ``host`` is where an ``ldm`` command ran (``t4-a``); it is empty for a simulator event,
    whose ``command`` is the shell directive (``.tick 3``, ``.drop t4-a t4-b``,
    ``.write ldom01 512``, ``.kill t4-a``). ``output`` is what was printed, ``messages``
    the protocol messages the step caused, ``listing`` maps each involved host to its
    ``ldm list`` output after the step, ``observation`` maps each host to a structured
    snapshot (any dataclass or dict; frozen on construction), ``note`` says in words what
    the step means. ``password`` is the line answering ``Target Password:`` after a
    ``migrate`` without ``-p`` (a placeholder once the counterexample is built: see
    :mod:`ldmspec.report.redact`); the replay writes it on the next line.
    """

    host: str
    command: str
    output: str = ""
    messages: tuple[Message, ...] = ()
    listing: Mapping[str, str] = field(default_factory=FrozenMap)
    observation: Mapping[str, Any] = field(default_factory=FrozenMap)
    note: str = ""
    password: str | None = None

    def __post_init__(self) -> None:
        _one_line("ReportStep.host", self.host)
        if self.password is not None:
            _one_line("ReportStep.password", self.password)
        _one_line("ReportStep.command", self.command)
        if not self.command.strip():
            raise ValueError("ReportStep.command must not be empty")
        _set(self, "messages", tuple(self.messages))
        _set(self, "listing", FrozenMap({str(k): str(v) for k, v in self.listing.items()}))
        _set(self, "observation", freeze(dict(self.observation)))

    @property
    def is_event(self) -> bool:
        """True for a simulator event (a shell directive), false for an ``ldm`` command."""
        return not self.host

    @property
    def transcript_line(self) -> str:
        """The line ``ldmspec shell`` replays: ``HOST# ldm ...`` or the directive."""
        return f"{self.host}# {self.command}" if self.host else self.command

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "command": self.command,
            "output": self.output,
            "messages": [m.to_dict() for m in self.messages],
            "listing": dict(self.listing),
            "observation": thaw(self.observation),
            "note": self.note,
            "password": self.password,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportStep:
        return cls(
            host=data["host"],
            command=data["command"],
            output=data.get("output", ""),
            messages=tuple(Message.from_dict(m) for m in data.get("messages", ())),
            listing=data.get("listing", {}),
            observation=data.get("observation", {}),
            note=data.get("note", ""),
            password=data.get("password"),
        )


@dataclass(frozen=True)
class ModelStep:
    """One step of the model's shortest path: the action taken and the state reached.

    The first step of a path has the action ``init`` and the initial state.
    """

    action: str
    state: Mapping[str, Any]

    def __post_init__(self) -> None:
        _one_line("ModelStep.action", self.action)
        _set(self, "state", freeze(dict(self.state)))

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "state": thaw(self.state)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelStep:
        return cls(action=data["action"], state=data["state"])


@dataclass(frozen=True)
class Counterexample:
    """A violated property, the steps that violate it, and how to reproduce them.

    ``property_id`` is a stable id of DESIGN.md (``INV-CLEANUP``, ``LIVE-TERMINATES``,
    ``INV-PRECHECK-AGREES``), ``words`` its statement, ``violation`` what was observed
    after the last step. ``fleet_path`` names the fleet the run used and ``fleet_text``
    (optional) is its full text, copied into the report so the replay is self-contained.
    ``variant`` and ``seed`` are what ``ldmspec shell --variant --seed`` needs;
    ``pytest_node`` and ``reproduce`` (e.g. a ``@reproduce_failure(...)`` line) what the
    property suite needs. ``versions`` maps tool and dependency names to versions
    (see :func:`ldmspec.report.current_versions`). ``model_path`` is the model's shortest
    path to the same violation, when the model has one. ``password_files`` maps file
    names that replay commands pass to ``-p`` to their (placeholder) content.
    ``initial_listing`` maps hosts to their ``ldm list`` before the first step, so the
    first step's changes can be highlighted too.
    """

    property_id: str
    words: str
    kind: Kind
    steps: tuple[ReportStep, ...]
    violation: str
    fleet_path: str = ""
    fleet_text: str | None = None
    variant: str | None = None
    seed: int | None = None
    pytest_node: str | None = None
    reproduce: str | None = None
    versions: Mapping[str, str] = field(default_factory=FrozenMap)
    model_path: tuple[ModelStep, ...] | None = None
    password_files: Mapping[str, str] = field(default_factory=FrozenMap)
    initial_listing: Mapping[str, str] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        _one_line("Counterexample.property_id", self.property_id)
        if not self.property_id:
            raise ValueError("Counterexample.property_id must not be empty")
        _set(self, "steps", tuple(self.steps))
        _set(self, "versions", FrozenMap({str(k): str(v) for k, v in self.versions.items()}))
        _set(self, "password_files", FrozenMap(dict(self.password_files)))
        _set(self, "initial_listing", FrozenMap(dict(self.initial_listing)))
        if self.model_path is not None:
            _set(self, "model_path", tuple(self.model_path))
        redact(self)

    # -- JSON ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``counterexample.json`` as plain dicts and lists."""
        return {
            "schema": SCHEMA_ID,
            "property": {"id": self.property_id, "words": self.words, "kind": self.kind},
            "violation": self.violation,
            "reproduce": {
                "fleet_path": self.fleet_path,
                "fleet_text": self.fleet_text,
                "variant": self.variant,
                "seed": self.seed,
                "pytest_node": self.pytest_node,
                "reproduce": self.reproduce,
                "password_files": dict(self.password_files),
            },
            "versions": dict(self.versions),
            "initial_listing": dict(self.initial_listing),
            "steps": [s.to_dict() for s in self.steps],
            "model_path": (
                None if self.model_path is None else [m.to_dict() for m in self.model_path]
            ),
        }

    def to_json(self) -> str:
        """``counterexample.json``: sorted-free, indented, deterministic, ends in a newline."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: object, *, source: str | None = None) -> Counterexample:
        """The counterexample a JSON document describes; validated against the schema.

        Raises :class:`~ldmspec.errors.InputError` naming ``source`` and the offending key.
        """
        from ldmspec.report.schema import validate

        validate(data, source=source)
        doc = cast(dict[str, Any], data)
        rep = doc["reproduce"]
        model = doc.get("model_path")
        return cls(
            property_id=doc["property"]["id"],
            words=doc["property"]["words"],
            kind=doc["property"]["kind"],
            violation=doc["violation"],
            steps=tuple(ReportStep.from_dict(s) for s in doc["steps"]),
            fleet_path=rep.get("fleet_path", ""),
            fleet_text=rep.get("fleet_text"),
            variant=rep.get("variant"),
            seed=rep.get("seed"),
            pytest_node=rep.get("pytest_node"),
            reproduce=rep.get("reproduce"),
            password_files=rep.get("password_files", {}),
            versions=doc.get("versions", {}),
            initial_listing=doc.get("initial_listing", {}),
            model_path=None if model is None else tuple(ModelStep.from_dict(m) for m in model),
        )

    @classmethod
    def from_json(cls, text: str, *, source: str | None = None) -> Counterexample:
        """Parse ``counterexample.json`` text; bad JSON or schema is an InputError."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                "a JSON counterexample document", got=exc.msg, source=source, line=exc.lineno
            ) from None
        return cls.from_dict(data, source=source)

    # -- helpers for the writers ---------------------------------------------------------

    @property
    def hosts(self) -> tuple[str, ...]:
        """Every host the steps mention, in order of first appearance."""
        seen: dict[str, None] = {}
        for step in self.steps:
            if step.host:
                seen.setdefault(step.host)
            for message in step.messages:
                seen.setdefault(message.src)
                seen.setdefault(message.dst)
            for host in step.listing:
                seen.setdefault(host)
        return tuple(seen)
