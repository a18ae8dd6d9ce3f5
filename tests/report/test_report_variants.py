"""Every fault variant: a report of its failure replays to the same violated invariant.

For each variant of the reference implementation a short transcript makes its broken
behaviour visible, and a check reads the violation off the recorded steps (their
observations and outputs) in the words of the invariant the variant breaks. The test
asserts that the check fires on the variant and not on the correct implementation, that
the report names that invariant, and that replaying the report's ``replay.ldm`` from its
folder shows the very same violation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from report_samples import fixed_clock

from ldmspec.report import ReportStep, counterexample_from_transcript, replay_report, write_report
from ldmspec.system import VARIANTS

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"

START = [".password t4-b pw-0001", "t4-a# ldm migrate ldom01 root@t4-b", "pw-0001"]
BUSY = [*START, ".rate ldom01 3000"]
CANCEL_IN_PRECOPY = [*START, ".write ldom01 40000", ".until phase 3", ".tick 3"]
CANCEL_IN_PRECOPY += ["t4-a# ldm cancel-operation migration ldom01", ".run"]

Check = Callable[[Sequence[ReportStep]], "str | None"]


def _host(step: ReportStep, host: str) -> Any:
    return step.observation[host]["host"]


def _domain(step: ReportStep, host: str, name: str = "ldom01") -> Any:
    return next((d for d in _host(step, host)["domains"] if d["name"] == name), None)


def _migration(step: ReportStep, host: str = "t4-a") -> Any:
    migrations = step.observation[host]["migrations"]
    return migrations[0] if migrations else None


def _remnant(steps: Sequence[ReportStep]) -> str | None:
    last = steps[-1]
    if _migration(last)["outcome"] == "cancelled" and _domain(last, "t4-b") is not None:
        return "INV-CLEANUP: ldom01 is still on t4-b after the cancel"
    return None


def _left_suspended(steps: Sequence[ReportStep]) -> str | None:
    source = _domain(steps[-1], "t4-a")
    if _migration(steps[-1])["outcome"] == "cancelled" and source["state"] == "suspended":
        return "INV-CLEANUP: ldom01 stays suspended on t4-a after the cancel"
    return None


def _lost_writes(steps: Sequence[ReportStep]) -> str | None:
    m = _migration(steps[-1])
    if m["outcome"] == "completed" and m["suspended_digest"] != m["resumed_digest"]:
        return "INV-NO-LOST-WRITES: t4-b resumed memory that differs from t4-a's at suspension"
    return None


def _two_copies(steps: Sequence[ReportStep]) -> str | None:
    for number, step in enumerate(steps, 1):
        running = [h for h in ("t4-a", "t4-b") if (d := _domain(step, h)) and d["running"]]
        if len(running) == 2:
            return f"INV-SINGLE-ACTIVE: ldom01 runs on t4-a and t4-b after step {number}"
    return None


def _obeyed_target(steps: Sequence[ReportStep]) -> str | None:
    if _migration(steps[-1])["outcome"] != "completed":
        return "INV-SOURCE-CONTROL: cancel-operation on t4-b stopped the migration"
    return None


def _port_leaked(steps: Sequence[ReportStep]) -> str | None:
    before, after = _host(steps[0], "t4-b")["ports_free"], _host(steps[-1], "t4-b")["ports_free"]
    if after < before:
        return f"INV-CLEANUP: t4-b has {after} free console ports after the cancel, not {before}"
    return None


def _unscrubbed(steps: Sequence[ReportStep]) -> str | None:
    if _host(steps[-1], "t4-b")["unscrubbed_bytes"]:
        return "INV-CLEANUP: t4-b returned ldom01's memory to the free pool unscrubbed"
    return None


def _flag_stays(steps: Sequence[ReportStep]) -> str | None:
    if _migration(steps[-1])["outcome"] and _domain(steps[-1], "t4-a")["flags"][5] == "s":
        return "INV-FLAGS: FLAGS column 6 stays s on t4-a after the migration ended"
    return None


def _dry_run_changed(steps: Sequence[ReportStep]) -> str | None:
    if _domain(steps[-1], "t4-b") is not None:
        return "INV-DRY-RUN: ldm migrate -n left ldom01 on t4-b"
    return None


def _progress_back(steps: Sequence[ReportStep]) -> str | None:
    seen = [m["progress"] for step in steps if (m := _migration(step)) and not m["outcome"]]
    for before, after in itertools.pairwise(seen):
        if after < before:
            return f"INV-PROGRESS: progress went back from {before}% to {after}%"
    return None


def _no_cpu3(steps: Sequence[ReportStep]) -> str | None:
    dry_run = next(s for s in steps if "migrate -n" in s.command)
    if "CPU-3" not in dry_run.output:
        return "INV-PRECHECK-AGREES: the pre-check accepts ldom03 on t4-c despite CPU-3"
    return None


def _changed_under_lock(steps: Sequence[ReportStep]) -> str | None:
    removal = next(s for s in steps if "rm-vdsdev" in s.command)
    if "A migration is in progress on t4-b" not in removal.output:
        return "INV-LOCK: t4-b removed vol01 after its pre-check had accepted ldom01"
    return None


def _cancel_in_hand_off(steps: Sequence[ReportStep]) -> str | None:
    cancel = next(s for s in steps if "cancel-operation" in s.command)
    if "can no longer be cancelled" not in cancel.output:
        return "INV-SOURCE-CONTROL: t4-a accepted a cancel after it sent the hand-off"
    return None


def _moved_on_unsettled(steps: Sequence[ReportStep]) -> str | None:
    last = steps[-1]
    running = [h for h in ("t4-a", "t4-c") if (d := _domain(last, h)) and d["running"]]
    if len(running) == 2:
        return "INV-SINGLE-ACTIVE: ldom01 runs on t4-a and t4-c after the recovery"
    return None


def _digest_lies(steps: Sequence[ReportStep]) -> str | None:
    m, moved = _migration(steps[-1]), _domain(steps[-1], "t4-b")
    if m["outcome"] == "completed" and moved["digest"] != m["suspended_digest"]:
        return "INV-NO-LOST-WRITES: t4-b holds memory that differs from t4-a's at suspension"
    return None


def _free_not_zero(steps: Sequence[ReportStep]) -> str | None:
    check = next(s for s in steps if s.command == ".free-memory t4-b")
    if "all free memory reads zero" not in check.output:
        return "INV-CLEANUP: memory t4-b freed after the cancel does not read zero"
    return None


def _suspended_write(steps: Sequence[ReportStep]) -> str | None:
    write = next(s for s in steps if s.command == ".write ldom01 100")
    if "nothing written" not in write.output:
        return "INV-NO-LOST-WRITES: the suspended guest acknowledged a write"
    return None


def _wrong_password(steps: Sequence[ReportStep]) -> str | None:
    if _migration(steps[-1])["outcome"] == "completed":
        return "INV-AUTH: t4-b accepted ldom01 with a wrong password"
    return None


def _over_cap(steps: Sequence[ReportStep]) -> str | None:
    for step in steps:
        running = [m for m in step.observation["t4-a"]["migrations"] if not m["outcome"]]
        if len(running) > 1:
            return "INV-LOCK: t4-a took part in two migrations at once (at most 1)"
    return None


def _unsettled_recovery(steps: Sequence[ReportStep]) -> str | None:
    m = _migration(steps[-1])
    if m["outcome"] == "error" and m["resolution"] is None and _domain(steps[-1], "t4-a") is None:
        return "INV-SINGLE-ACTIVE: t4-a removed its error copy but the migration stays in error"
    return None


def _rounds(steps: Sequence[ReportStep]) -> str | None:
    m = _migration(steps[-1])
    if m["rounds"] > 8:
        return f"LIVE-CONVERGES: pre-copy ran {m['rounds']} rounds, the limit is 8"
    return None


def _cancel_not_obeyed(steps: Sequence[ReportStep]) -> str | None:
    if _migration(steps[-1])["outcome"] == "completed":
        return "INV-CLEANUP: the accepted cancel-operation did not stop the migration"
    return None


def _waiting(steps: Sequence[ReportStep]) -> str | None:
    last = steps[-1]
    running = [m for h in ("t4-a", "t4-b") for m in last.observation[h]["migrations"]]
    if running and not any(m["outcome"] for m in running):
        return "LIVE-TERMINATES: t4-a and t4-b still wait on each other after 300 events"
    return None


def _target_cancel_acted(steps: Sequence[ReportStep]) -> str | None:
    if _migration(steps[-1])["outcome"] == "cancelled":
        return "CONFORMANCE: cancel-operation on t4-b cancelled the migration as if run on t4-a"
    return None


def _healthy_failure(steps: Sequence[ReportStep]) -> str | None:
    if _migration(steps[-1])["outcome"] == "failed":
        return "CONFORMANCE: ldom01's migration failed with the link up and room on t4-b"
    return None


def _skipped_phase(steps: Sequence[ReportStep]) -> str | None:
    phases = [m["phase"] for s in steps if (m := _migration(s, "t4-b"))]
    if phases and 2 not in phases:
        return "CONFORMANCE: web02 went from the checks to the hand-off without phase 2"
    return None


UNSETTLED = [".password t4-b pw-0001", "t4-c# ldm stop db01", "t4-c# ldm unbind db01"]
UNSETTLED += ["t4-a# ldm migrate ldom01 root@t4-b", "pw-0001", ".lose-ack t4-a"]
UNSETTLED += [".until phase 5", ".tick 2", "t4-b# ldm migrate ldom01 root@t4-c", "pw-0001"]
UNSETTLED += [".run", "t4-a# ldm cancel-operation migration ldom01"]

SCENARIOS: dict[str, tuple[list[str], Check]] = {
    "old-lock-window": (
        [*START, ".until phase 2", "t4-b# ldm rm-vdsdev vol01@primary-vds0", ".run"],
        _changed_under_lock,
    ),
    "cancel-in-hand-off": (
        [*START, ".until phase 5", "t4-a# ldm cancel-operation migration ldom01", ".run"],
        _cancel_in_hand_off,
    ),
    "onward-before-settled": (UNSETTLED, _moved_on_unsettled),
    "lost-write-lying-digest": (
        [*START, ".until phase 3", ".tick 40", ".write ldom01 20000 hot", ".run"],
        _digest_lies,
    ),
    "quiet-no-scrub": (
        [".write ldom01 32768 random", *CANCEL_IN_PRECOPY, ".free-memory t4-b"],
        _free_not_zero,
    ),
    "suspended-writes-lost": (
        [*START, ".write ldom01 40000", ".until phase 4", ".write ldom01 100", ".run"],
        _suspended_write,
    ),
    "accept-wrong-password": (
        [".password t4-b pw-0001", "t4-a# ldm migrate ldom01 root@t4-b", "wrong", ".run"],
        _wrong_password,
    ),
    "cap-exceeded": ([*START, "t4-a# ldm migrate ldom02 root@t5-a", "pw", ".run"], _over_cap),
    "recovery-unsettled": (
        [*START, ".lose-ack t4-a", ".run", "t4-a# ldm rm-domain ldom01", ".run"],
        _unsettled_recovery,
    ),
    "extra-round": ([*START, ".rate ldom01 500 random", ".until phase 4"], _rounds),
    "cancel-ignored": (CANCEL_IN_PRECOPY, _cancel_not_obeyed),
    "wait-for-busy-target": (
        [*START, "t4-b# ldm migrate web01 root@t4-a", "pw", ".tick 300"],
        _waiting,
    ),
    "target-cancel-as-source": (
        [*BUSY, ".until phase 3", "t4-b# ldm cancel-operation migration ldom01", ".run"],
        _target_cancel_acted,
    ),
    "fail-when-healthy": ([*START, ".run"], _healthy_failure),
    "cold-skips-phase": (
        ["t4-b# ldm migrate web02 root@t4-a", "pw", *[".tick 1"] * 8, ".run"],
        _skipped_phase,
    ),
    "keep-target-on-cancel": (CANCEL_IN_PRECOPY, _remnant),
    "no-resume-after-cancel": (
        [*BUSY, ".until phase 4", "t4-a# ldm cancel-operation migration ldom01", ".run"],
        _left_suspended,
    ),
    "skip-last-round-dirty": ([*BUSY, ".run"], _lost_writes),
    "early-target-resume": ([*BUSY, ".until phase 4"] + [".tick 1"] * 8, _two_copies),
    "target-accepts-cancel": (
        [*BUSY, ".until phase 3", "t4-b# ldm cancel-operation migration ldom01", ".run"],
        _obeyed_target,
    ),
    "leak-console-port": (CANCEL_IN_PRECOPY, _port_leaked),
    "ignore-stick-frequency": (
        [".password t4-c pw-0001", "t4-a# ldm migrate -n ldom03 root@t4-c", "pw-0001"],
        _no_cpu3,
    ),
    "progress-backwards": (
        [*START, ".rate ldom01 12000 random", ".until phase 3"] + [".tick 1"] * 6,
        _progress_back,
    ),
    "resume-on-lost-ack": ([*START, ".write ldom01 20000", ".lose-ack t4-a", ".run"], _two_copies),
    "no-scrub": ([".write ldom01 32768 random", *CANCEL_IN_PRECOPY], _unscrubbed),
    "dry-run-creates-target": (
        [".password t4-b pw-0001", "t4-a# ldm migrate -n ldom01 root@t4-b", "pw-0001", ".run"],
        _dry_run_changed,
    ),
    "source-flag-stays": (CANCEL_IN_PRECOPY, _flag_stays),
}


def test_there_is_a_scenario_for_every_variant() -> None:
    assert set(SCENARIOS) == set(VARIANTS)


@pytest.mark.parametrize("variant", sorted(SCENARIOS))
def test_the_report_of_each_variant_replays_to_the_same_violation(tmp_path, variant) -> None:
    lines, check = SCENARIOS[variant]
    correct = counterexample_from_transcript(
        FLEET, lines, property_id="INV-CLEANUP", violation="-", seed=7
    )
    assert check(correct.steps) is None, "the correct implementation must pass the check"
    invariant = VARIANTS[variant].violates
    cx = counterexample_from_transcript(
        FLEET,
        lines,
        property_id=invariant,
        violation=lambda _: "see below",
        variant=variant,
        seed=7,
    )
    violation = check(cx.steps)
    assert violation is not None and violation.startswith(f"{invariant}: ")
    folder = write_report(cx, tmp_path, clock=fixed_clock)
    assert check(replay_report(folder)) == violation
