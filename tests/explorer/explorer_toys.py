"""Tiny hand-made models whose state graphs are known, shared by the explorer tests."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import ClassVar

from ldmspec.explorer import Model, Property

# --- two-phase commit, as Stateright's examples/2pc.rs (a port of TLA+ TwoPhase) ----------

WORKING, PREPARED, COMMITTED, ABORTED = range(4)
INIT = 0
TM_COMMITTED = 1
TM_ABORTED = 2

# state = (tm_state, rms, commit_sent, abort_sent), rms = ((rm_state, tm_prepared, msg), ...)
TwoPhaseState = tuple[int, tuple[tuple[int, int, int], ...], int, int]


class TwoPhaseCommit(Model[TwoPhaseState, tuple[str, int]]):
    """Gray and Lamport's two-phase commit; 288 states for 3 resource managers."""

    def __init__(self, rms: int, *, symmetric: bool = False) -> None:
        self.rms = rms
        self.symmetric = symmetric

    def init_states(self) -> Sequence[TwoPhaseState]:
        return [(INIT, ((WORKING, 0, 0),) * self.rms, 0, 0)]

    def actions(self, state: TwoPhaseState) -> Iterable[tuple[str, int]]:
        tm, rms, commit, abort = state
        if tm == INIT and all(prepared for _, prepared, _ in rms):
            yield ("TmCommit", -1)
        if tm == INIT:
            yield ("TmAbort", -1)
        for i, (rm, prepared, msg) in enumerate(rms):
            if tm == INIT and msg and not prepared:
                yield ("TmRcvPrepared", i)
            if rm == WORKING:
                yield ("RmPrepare", i)
                yield ("RmChooseToAbort", i)
            if commit:
                yield ("RmRcvCommitMsg", i)
            if abort:
                yield ("RmRcvAbortMsg", i)

    def next_state(self, state: TwoPhaseState, action: tuple[str, int]) -> TwoPhaseState:
        tm, rms, commit, abort = state
        name, i = action
        if name == "TmCommit":
            return (TM_COMMITTED, rms, 1, abort)
        if name == "TmAbort":
            return (TM_ABORTED, rms, commit, 1)
        rm, prepared, msg = rms[i]
        new = {
            "TmRcvPrepared": (rm, 1, msg),
            "RmPrepare": (PREPARED, prepared, 1),
            "RmChooseToAbort": (ABORTED, prepared, msg),
            "RmRcvCommitMsg": (COMMITTED, prepared, msg),
            "RmRcvAbortMsg": (ABORTED, prepared, msg),
        }[name]
        return (tm, (*rms[:i], new, *rms[i + 1 :]), commit, abort)

    def representative(self, state: TwoPhaseState) -> TwoPhaseState:
        if not self.symmetric:
            return state
        tm, rms, commit, abort = state
        return (tm, tuple(sorted(rms)), commit, abort)

    def properties(self) -> Sequence[Property]:
        return [
            Property.sometimes("abort agreement", lambda s: all(r[0] == ABORTED for r in s[1])),
            Property.sometimes("commit agreement", lambda s: all(r[0] == COMMITTED for r in s[1])),
            Property.always(
                "consistent",
                lambda s: (
                    not (
                        any(r[0] == ABORTED for r in s[1]) and any(r[0] == COMMITTED for r in s[1])
                    )
                ),
            ),
        ]

    def action_kinds(self) -> Sequence[str]:
        return (
            "TmCommit",
            "TmAbort",
            "TmRcvPrepared",
            "RmPrepare",
            "RmChooseToAbort",
            "RmRcvCommitMsg",
            "RmRcvAbortMsg",
        )

    def action_kind(self, action: tuple[str, int]) -> str:
        return action[0]


# --- a counter with a known graph, a deadlock and a fair cycle ----------------------------


class Counter(Model[int, str]):
    """0 -> 1 -> 2 -> 3 (terminal); ``inc`` and ``double`` from each state below 3.

    Known graph: 0 -inc-> 1, 0 -double-> 0 (self-loop), 1 -inc-> 2, 1 -double-> 2,
    2 -inc-> 3; ``double`` from 2 would leave the range and is not enabled.
    """

    def init_states(self) -> Sequence[int]:
        return [0]

    def actions(self, state: int) -> Iterable[str]:
        return ("inc", "double", "reset")

    def next_state(self, state: int, action: str) -> int | None:
        if state >= 3:
            return None
        if action == "inc":
            return state + 1
        if action == "double":
            return state * 2 if state * 2 <= 2 else None
        return None  # "reset" never fires: coverage must list it

    def is_terminal(self, state: int) -> bool:
        return state == 3

    def action_kinds(self) -> Sequence[str]:
        return ("inc", "double", "reset")

    def properties(self) -> Sequence[Property]:
        return [
            Property.always("below four", lambda s: s < 4),
            Property.always("below two", lambda s: s < 2),
            Property.sometimes("reaches three", lambda s: s == 3),
            Property.sometimes("reaches five", lambda s: s == 5),
            Property.step("never decreases", lambda a, _, b: b >= a),
            Property.step("always moves", lambda a, _, b: b != a),
        ]


class Deadlocking(Model[str, str]):
    """start -> left -> done (terminal); start -> right -> stuck (no successors)."""

    GRAPH: ClassVar[dict[str, tuple[str, ...]]] = {
        "start": ("left", "right"),
        "left": ("done",),
        "right": ("stuck",),
    }

    def init_states(self) -> Sequence[str]:
        return ["start"]

    def actions(self, state: str) -> Iterable[str]:
        return self.GRAPH.get(state, ())

    def next_state(self, state: str, action: str) -> str:
        return action

    def is_terminal(self, state: str) -> bool:
        return state == "done"


class Spinning(Model[str, str]):
    """A lasso: init -> a -> b -> c -> b ... with an exit c -> done.

    ``spin`` (b -> c and c -> b) is fair; the exit ``leave`` is taken by the
    environment only (unfair), so a fair scheduler can cycle b, c forever.
    With ``fair_exit`` the exit is fair, enabled in c only: still a fair cycle
    (it is not enabled in b, so weak fairness does not force it).
    With ``exit_everywhere`` a fair exit is enabled in both b and c: no fair cycle.
    """

    def __init__(self, *, fair_exit: bool = False, exit_everywhere: bool = False) -> None:
        self.fair_exit = fair_exit
        self.exit_everywhere = exit_everywhere

    def init_states(self) -> Sequence[str]:
        return ["init"]

    def actions(self, state: str) -> Iterable[str]:
        moves = (
            {"init": ["go"], "a": ["go"], "b": ["spin"], "c": ["spin", "leave"]}[state]
            if state != "done"
            else []
        )
        if self.exit_everywhere and state == "b":
            moves.append("leave")
        return moves

    def next_state(self, state: str, action: str) -> str:
        if action == "leave":
            return "done"
        return {"init": "a", "a": "b", "b": "c", "c": "b"}[state]

    def is_terminal(self, state: str) -> bool:
        return state == "done"

    def is_fair(self, action: str) -> bool:
        return action != "leave" or self.fair_exit or self.exit_everywhere

    def properties(self) -> Sequence[Property]:
        return [Property.eventually("ends", lambda s: s == "done", trigger=lambda s: s == "a")]


class Waiting(Model[str, str]):
    """init -> waiting; from waiting only the unfair ``give_up`` leads to done.

    A fair behaviour may rest in ``waiting`` forever: ``eventually done`` is violated
    by stuttering, though every state can still reach the terminal state.
    """

    def init_states(self) -> Sequence[str]:
        return ["init"]

    def actions(self, state: str) -> Iterable[str]:
        return {"init": ["wait"], "waiting": ["give_up"], "done": []}[state]

    def next_state(self, state: str, action: str) -> str:
        return "waiting" if action == "wait" else "done"

    def is_terminal(self, state: str) -> bool:
        return state == "done"

    def is_fair(self, action: str) -> bool:
        return action != "give_up"

    def properties(self) -> Sequence[Property]:
        return [Property.eventually("ends", lambda s: s == "done")]


# --- fairness per class, and symmetry that must not hide a cycle ---------------------------

TokenState = tuple[tuple[str, str], bool]


class Swapping(Model[TokenState, tuple[str, str]]):
    """Two tokens A and B on two seats, interchangeable (symmetry renames them).

    ``swap`` (fair) exchanges the seats; ``finish(X)`` ends the run when token X sits
    on seat 0. Weak fairness of ``finish(A)`` alone never forces it: it is enabled in
    ``(A, B)`` and not in ``(B, A)``, so swapping forever is a fair behaviour that never
    finishes (``eventually done`` is violated). Judged per kind (``per_kind``), the kind
    ``finish`` is enabled in both seatings and never taken, so the swap cycle is unfair.
    ``fair_finish=False`` makes finishing an environment step that is never owed.

    Under symmetry both seatings are one class and ``swap`` an orbit edge: a real step
    whose repetition is a real cycle.
    """

    def __init__(self, *, per_kind: bool = False, fair_finish: bool = True) -> None:
        self.per_kind = per_kind
        self.fair_finish = fair_finish

    symmetric_fairness = property(lambda self: self.per_kind)

    def init_states(self) -> Sequence[TokenState]:
        return [(("A", "B"), False), (("B", "A"), False)]

    def actions(self, state: TokenState) -> Iterable[tuple[str, str]]:
        seats, done = state
        return [] if done else [("swap", ""), ("finish", seats[0])]

    def next_state(self, state: TokenState, action: tuple[str, str]) -> TokenState:
        seats, _ = state
        if action[0] == "swap":
            return ((seats[1], seats[0]), False)
        return (seats, True)

    def is_terminal(self, state: TokenState) -> bool:
        return state[1]

    def is_fair(self, action: tuple[str, str]) -> bool:
        return action[0] == "swap" or self.fair_finish

    def fairness_class(self, action: tuple[str, str]) -> Hashable:
        return action[0] if self.per_kind else action

    def representative(self, state: TokenState) -> TokenState:
        # renaming A <-> B: the canonical seating has A on seat 0
        return (("A", "B"), state[1])

    def describe_action(self, action: tuple[str, str]) -> str:
        return f"{action[0]}({action[1]})" if action[1] else action[0]

    def properties(self) -> Sequence[Property]:
        return [Property.eventually("done", lambda s: s[1])]


ToggleState = tuple[int, bool, bool]


class Toggling(Model[ToggleState, tuple[str, int]]):
    """Two migrations d0 and d1; the environment toggles which one may step.

    ``go(d)`` (fair) ends migration d; it is enabled for d0 while the toggle points at
    it (or once d1 ended), for d1 while the toggle points at d1. ``toggle`` is the
    environment's. Toggling forever keeps *some* ``go`` enabled at every moment but
    neither ``go(d0)`` nor ``go(d1)`` continuously: weak fairness per migration
    allows it (d0 starves: violated), weak fairness per kind forbids it (holds).
    """

    def __init__(self, *, per_kind: bool = False) -> None:
        self.per_kind = per_kind

    def init_states(self) -> Sequence[ToggleState]:
        return [(0, False, False)]

    def actions(self, state: ToggleState) -> Iterable[tuple[str, int]]:
        toggle, done0, done1 = state
        if not done0 and not done1:
            yield ("toggle", 0)
        if not done0 and (toggle == 0 or done1):
            yield ("go", 0)
        if not done1 and not done0 and toggle == 1:
            yield ("go", 1)

    def next_state(self, state: ToggleState, action: tuple[str, int]) -> ToggleState:
        toggle, done0, done1 = state
        if action[0] == "toggle":
            return (1 - toggle, done0, done1)
        return (toggle, True, done1) if action[1] == 0 else (toggle, done0, True)

    def is_terminal(self, state: ToggleState) -> bool:
        return state[1]

    def is_fair(self, action: tuple[str, int]) -> bool:
        return action[0] == "go"

    def fairness_class(self, action: tuple[str, int]) -> Hashable:
        return action[0] if self.per_kind else action

    def describe_action(self, action: tuple[str, int]) -> str:
        return action[0] if action[0] == "toggle" else f"go(d{action[1]})"

    def properties(self) -> Sequence[Property]:
        return [Property.eventually("d0 ends", lambda s: s[1])]
