"""Tiny hand-made models whose state graphs are known, shared by the explorer tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
