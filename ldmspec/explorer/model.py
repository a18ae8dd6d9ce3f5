"""The vocabulary of the explorer: a model, its properties, and paths through it.

A model is a transition system written as plain Python, in the style of Stateright's
``Model`` trait and TLA+'s ``Init``/``Next``: initial states, the actions enabled in a
state (in a deterministic order, so a path of action indices replays), and the next
state an action leads to. States are frozen, hashable values (tuples of small ints are
the fastest); the explorer never mutates them.

Properties are declared next to the model::

    Property.always("INV-SINGLE-ACTIVE", one_copy_running)      # safety, on every state
    Property.step("INV-SOURCE-CONTROL", refused_cancel_is_noop) # safety, on every edge
    Property.sometimes("a completed migration", completed)      # reachability (no vacuity)
    Property.eventually("LIVE-TERMINATES", idle, trigger=busy)  # liveness under fairness

``eventually`` means *trigger leads to goal*: from every reachable state where the
trigger holds, every fair behaviour reaches a goal state. Fairness is weak fairness on
the actions the model calls fair (:meth:`Model.is_fair`), one promise per fairness
class (:meth:`Model.fairness_class`): the protocol must take an action of a class that
stays enabled, the environment (faults, operators, guests) never has to.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

__all__ = [
    "Model",
    "Property",
    "PropertyKind",
    "Trace",
    "TraceStep",
]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)

PropertyKind = Literal["always", "step", "sometimes", "eventually"]


@dataclass(frozen=True)
class Property(Generic[S, A]):
    """A named property of a model; build it with the class methods, not directly."""

    id: str
    kind: PropertyKind
    description: str
    holds: Callable[..., bool] = field(compare=False, repr=False)
    trigger: Callable[[S], bool] | None = field(default=None, compare=False, repr=False)
    concerns: Callable[[A], bool] | None = field(default=None, compare=False, repr=False)
    cases: tuple[tuple[Callable[..., bool], Callable[..., bool]], ...] = field(
        default=(), compare=False, repr=False
    )

    @classmethod
    def always(cls, id: str, holds: Callable[[Any], bool], description: str = "") -> Property:
        """Safety: ``holds(state)`` is true in every reachable state."""
        return cls(id, "always", description or id, holds)

    @classmethod
    def step(
        cls,
        id: str,
        holds: Callable[[Any, Any, Any], bool],
        description: str = "",
        *,
        concerns: Callable[[Any], bool] | None = None,
    ) -> Property:
        """Safety on transitions: ``holds(before, action, after)`` for every edge.

        ``after`` is the successor exactly as :meth:`Model.next_state` built it, before
        any symmetry reduction, so the predicate may compare a domain with itself.
        ``concerns(action)``, when given, says which actions the property is about;
        the others are never checked (asked once per distinct action: a speed-up).
        """
        return cls(id, "step", description or id, holds, concerns=concerns)

    @classmethod
    def sometimes(cls, id: str, holds: Callable[[Any], bool], description: str = "") -> Property:
        """Reachability: some reachable state satisfies ``holds`` (guards against vacuity)."""
        return cls(id, "sometimes", description or id, holds)

    @classmethod
    def eventually(
        cls,
        id: str,
        goal: Callable[[Any], bool],
        *,
        trigger: Callable[[Any], bool] | None = None,
        description: str = "",
    ) -> Property:
        """Liveness: from every reachable ``trigger`` state (default: every state), every
        weakly fair behaviour reaches a ``goal`` state (TLA+ ``trigger ~> goal``)."""
        return cls(id, "eventually", description or id, goal, trigger)

    @classmethod
    def eventually_each(
        cls,
        id: str,
        cases: Sequence[tuple[Callable[[Any], bool], Callable[[Any], bool]]],
        *,
        description: str = "",
    ) -> Property:
        """Liveness for each of several ``(goal, trigger)`` cases, such as one per
        migration: ``trigger_i ~> goal_i`` for every ``i``. The property is violated
        when one case is; the counterexample is the first case's lasso."""
        goal, trigger = cases[0]
        return cls(id, "eventually", description or id, goal, trigger, cases=tuple(cases))

    @property
    def leads_to(self) -> tuple[tuple[Callable[[Any], bool], Callable[[Any], bool] | None], ...]:
        """The ``(goal, trigger)`` cases of an ``eventually`` property."""
        return self.cases or ((self.holds, self.trigger),)


class Model(Generic[S, A]):
    """A transition system. Subclass it and override the first three methods.

    The remaining methods have sensible defaults; override them for symmetry reduction
    (:meth:`representative`), speed (:meth:`successors`), fairness (:meth:`is_fair`),
    accepted end states (:meth:`is_terminal`) and readable output.
    """

    def init_states(self) -> Sequence[S]:
        """The initial states, in a deterministic order."""
        raise NotImplementedError

    def actions(self, state: S) -> Iterable[A]:
        """The actions to try in ``state``.

        The order must be the same every time for the same state, so that a path of
        action indices replays (never iterate over a set or a dict of unordered keys).
        """
        raise NotImplementedError

    def next_state(self, state: S, action: A) -> S | None:
        """The state ``action`` leads to, or None when it is not enabled in ``state``."""
        raise NotImplementedError

    def properties(self) -> Sequence[Property]:
        """The properties to check; the explorer adds deadlock and termination checks."""
        return ()

    def successors(self, state: S) -> Iterable[tuple[A, S]]:
        """Every enabled action with its next state, in :meth:`actions` order.

        The explorer calls only this; override it when one pass is faster than
        calling :meth:`next_state` per action.
        """
        for action in self.actions(state):
            after = self.next_state(state, action)
            if after is not None:
                yield action, after

    def is_terminal(self, state: S) -> bool:
        """An accepted end state: not a deadlock even without successors."""
        return False

    def is_fair(self, action: A) -> bool:
        """Whether weak fairness applies to ``action`` (the system's own steps).

        Environment steps (faults, operator commands, guest writes) return False: a
        behaviour may simply never take them.
        """
        return True

    def fairness_class(self, action: A) -> Hashable:
        """The class weak fairness is judged on (the action itself by default).

        Weak fairness over a class ``C`` (TLA+ ``WF_vars(A_1 \\/ ... \\/ A_n)`` for the
        fair actions ``A_i`` of ``C``): no behaviour may keep some action of ``C``
        enabled (leading to a different state) from some moment on without ever taking
        one. A class is a *promise to one component*: give each process its own class,
        e.g. ``(kind, domain)`` for a migration's steps. A class covering several
        processes (the kind alone) is a weaker promise: an environment that toggles
        which process may step keeps the class enabled while starving each process,
        and liveness then "holds" where one process starves.
        """
        return action

    #: True when every fairness class is invariant under the renamings
    #: :meth:`representative` applies (for instance, classes are kinds of action):
    #: then liveness is decided soundly on the symmetry-reduced graph. False (the
    #: default) when a class names something the reduction renames, such as a domain:
    #: liveness is then decided on the unreduced graph
    #: (:func:`~ldmspec.explorer.analysis.check_properties`).
    symmetric_fairness: bool = False

    #: Whether every weakly fair behaviour is expected to end in a terminal state, as
    #: the built-in ``fair-cycle-free`` checks. False for a model whose environment may
    #: act forever (operators who keep starting work): its liveness is stated by its
    #: own ``eventually`` properties instead.
    terminates: bool = True

    def representative(self, state: S) -> S:
        """The canonical member of ``state``'s symmetry class (identity by default).

        It must map every state to a state the model could equally have reached, and
        every property must be symmetric, or the reduction is unsound.
        """
        return state

    def action_kind(self, action: A) -> str:
        """The name action coverage counts ``action`` under (its label by default)."""
        return self.describe_action(action)

    def action_kinds(self) -> Sequence[str]:
        """Every action kind the model can produce, so coverage can list the unfired."""
        return ()

    def describe_action(self, action: A) -> str:
        """A short, readable label for an edge (``cancel_on_source(d0)``)."""
        return str(action)

    def describe_state(self, state: S) -> Any:
        """A JSON-compatible view of ``state`` for counterexamples and exports."""
        return repr(state)


@dataclass(frozen=True)
class TraceStep(Generic[S, A]):
    """One step of a trace: the action taken (None for an initial state) and its result."""

    action: A | None
    state: S


@dataclass(frozen=True)
class Trace(Generic[S, A]):
    """A path from an initial state, optionally closed by a cycle (a lasso).

    ``cycle`` repeats forever after ``steps``; an empty cycle with ``stutters`` set
    means the behaviour stays in the last state because no fair action is enabled.
    """

    steps: tuple[TraceStep[S, A], ...]
    cycle: tuple[TraceStep[S, A], ...] = ()
    stutters: bool = False

    def __len__(self) -> int:
        return len(self.steps) + len(self.cycle)

    def __iter__(self) -> Iterator[TraceStep[S, A]]:
        yield from self.steps
        yield from self.cycle

    @property
    def actions(self) -> tuple[A, ...]:
        """The actions of the path and its cycle, in order."""
        return tuple(step.action for step in self if step.action is not None)

    @property
    def is_lasso(self) -> bool:
        return bool(self.cycle) or self.stutters

    @property
    def last(self) -> S:
        return (self.cycle or self.steps)[-1].state
