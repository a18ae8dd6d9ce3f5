"""The lock and cancellation rules, as recorded ``ldmspec shell`` transcripts.

Each transcript in ``tests/system/transcripts/`` replays on ``examples/fleet.toml`` with
the correct implementation and with the fault variant that keeps the old behaviour; the
output must equal the recorded ``NAME.VARIANT.out`` byte for byte. The old behaviour's
recording shows the bug (issues 14, 15 and 18), the correct one shows the refusal.
To re-record after a deliberate change of output::

    ldmspec shell examples/fleet.toml [--variant V] < tests/system/transcripts/NAME.txt
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ldmspec.inventory.facts import Fleet
from ldmspec.system.transcript import replay

HERE = Path(__file__).parent / "transcripts"

RECORDED = [
    ("lock-window-volume", "correct"),
    ("lock-window-volume", "old-lock-window"),
    ("lock-window-outgoing", "correct"),
    ("lock-window-outgoing", "old-lock-window"),
    ("cancel-in-hand-off", "correct"),
    ("cancel-in-hand-off", "cancel-in-hand-off"),
    ("hand-off-unsettled", "correct"),
    ("hand-off-unsettled-old", "onward-before-settled"),
]

BUSY = "A migration is in progress on t4-b: operations that change domains are blocked"


def run(fleet: Fleet, name: str, variant: str) -> list[str]:
    text = (HERE / f"{name}.txt").read_text()
    return replay(fleet, text, variant=None if variant == "correct" else variant).splitlines()


@pytest.mark.parametrize(("name", "variant"), RECORDED)
def test_the_transcript_replays_as_recorded(fleet: Fleet, name: str, variant: str) -> None:
    recorded = (HERE / f"{name}.{variant}.out").read_text().splitlines()
    assert run(fleet, name, variant) == recorded


def after(lines: list[str], command: str) -> str:
    """The first line printed after ``command``'s echo."""
    return lines[lines.index(command) + 1]


def test_the_target_is_locked_from_the_acceptance_of_its_pre_check(fleet: Fleet) -> None:
    rm = "t4-b# ldm rm-vdsdev vol01@primary-vds0"
    assert after(run(fleet, "lock-window-volume", "correct"), rm) == BUSY
    old = run(fleet, "lock-window-volume", "old-lock-window")
    assert after(old, rm) == ".run"  # accepted: ldom01 then runs without its volume
    assert "|vol=vol01|opts=|dev=/dev/dsk/c3t6d0s2|mpgroup=" not in old


def test_the_target_starts_no_migration_of_its_own_in_the_window(fleet: Fleet) -> None:
    migrate = "t4-b# ldm migrate-domain web01 root@t4-c"
    correct = run(fleet, "lock-window-outgoing", "correct")
    assert after(correct, migrate) == BUSY
    assert "# t4-a: ldm migrate-domain ldom01 t4-b ended: completed (exit status 0)" in correct
    old = run(fleet, "lock-window-outgoing", "old-lock-window")
    assert (
        "Target t4-b could not create domain ldom01: another migration is in progress on this "
        "machine"
    ) in old


def test_a_cancel_after_the_hand_off_was_sent_is_refused(fleet: Fleet) -> None:
    cancel = "t4-a# ldm cancel-operation migration ldom01"
    correct = run(fleet, "cancel-in-hand-off", "correct")
    assert after(correct, cancel) == (
        "Migration of LDom ldom01 is in its hand-off to t4-b and can no longer be cancelled"
    )
    # KILL ends the command; the migration goes on and completes with nobody to say so.
    assert correct[correct.index(".kill t4-a ldom01") + 1 :][:2] == [
        "Killed",
        "# t4-a: ldm migrate-domain ldom01 t4-b ended: killed (exit status 1)",
    ]
    assert not any("ended: completed" in line for line in correct)
    old = run(fleet, "cancel-in-hand-off", "cancel-in-hand-off")
    assert after(old, cancel) == "t4-a# ldm list ldom01"  # accepted, and not obeyed:
    assert "# t4-a: ldm migrate-domain ldom01 t4-b ended: completed (exit status 0)" in old


def test_an_arrived_domain_stays_until_the_hand_off_is_settled(fleet: Fleet) -> None:
    correct = run(fleet, "hand-off-unsettled", "correct")
    assert after(correct, "t4-b# ldm migrate-domain ldom01 root@t4-c") == (
        "Domain ldom01 cannot migrate yet: its migration from t4-a is not settled on t4-a"
    )
    assert correct[-2:] == [
        "NAME             STATE   FLAGS   CONS  VCPU  MEMORY  UTIL  NORM  UPTIME",
        "ldom01           active  -n----  5000  8     16G     0.0%  0.0%  2s",
    ]
    old = run(fleet, "hand-off-unsettled-old", "onward-before-settled")
    header = "NAME             STATE   FLAGS   CONS  VCPU  MEMORY  UTIL  NORM  UPTIME"
    assert old[-6:] == [  # resumed on t4-a while it also runs on t4-c: two copies
        "t4-a# ldm list ldom01",
        header,
        "ldom01           active  -n----  5000  8     16G     0.0%  0.0%  2m",
        "t4-c# ldm list ldom01",
        header,
        "ldom01           active  -n----  5000  8     16G     0.0%  0.0%  2s",
    ]
