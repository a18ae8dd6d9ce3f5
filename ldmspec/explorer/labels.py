"""State labels: every state predicate of a model, evaluated once per state, as bits.

The analyses ask the same questions of every state: does each ``always`` invariant
hold, is it a ``sometimes`` target, an ``eventually`` goal or trigger, a terminal
state. Asked after the search, each is a Python call per state per property, and on
a large graph those calls cost as much as the search. The search asks them instead,
once, while it expands each state (in the worker processes of a parallel search), and
keeps the answers as one machine int of bits per state; the analyses then read them
as numpy masks.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from ldmspec.explorer.model import Model

__all__ = ["Labeller", "label_key"]

S = TypeVar("S", bound=Hashable)

# More predicates than bits in a 64-bit int are not precomputed: the analyses then
# evaluate them per state as they always could.
_MAX_BITS = 64


def label_key(kind: str, property_id: str | None) -> tuple[str, str | None]:
    """The key of a predicate: ``("holds", id)`` for an always/sometimes property,
    ``("goal", id)`` and ``("trigger", id)`` for an eventually one, and
    ``("terminal", None)``."""
    return (kind, property_id)


class Labeller(Generic[S]):
    """The state predicates of a model and the bit each one answers in."""

    def __init__(self, model: Model[S, Any]) -> None:
        predicates: list[tuple[tuple[str, str | None], Callable[[Any], bool]]] = []
        for prop in model.properties():
            if prop.kind in ("always", "sometimes"):
                predicates.append((label_key("holds", prop.id), prop.holds))
            elif prop.kind == "eventually":
                predicates.append((label_key("goal", prop.id), prop.holds))
                if prop.trigger is not None:
                    predicates.append((label_key("trigger", prop.id), prop.trigger))
        if type(model).is_terminal is not Model.is_terminal:
            predicates.append((label_key("terminal", None), model.is_terminal))
        if len(predicates) > _MAX_BITS:
            predicates = []
        self.bits = {key: bit for bit, (key, _) in enumerate(predicates)}
        self.predicates: Sequence[Callable[[Any], bool]] = tuple(p for _, p in predicates)
        self.typecode = "B" if len(predicates) <= 8 else "H" if len(predicates) <= 16 else "Q"

    def __bool__(self) -> bool:
        return bool(self.predicates)

    def new_array(self) -> array:
        return array(self.typecode)

    def label(self, state: S) -> int:
        """The bits of ``state``: bit ``bits[key]`` set where that predicate holds."""
        value = 0
        bit = 1
        for predicate in self.predicates:
            if predicate(state):
                value |= bit
            bit <<= 1
        return value
