"""Counterexamples recorded from the reference implementation replay to the same run."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from report_samples import fixed_clock

from ldmspec.errors import InputError
from ldmspec.report import Counterexample, ReportStep, write_report
from ldmspec.report.from_system import counterexample_from_transcript, replay_report
from ldmspec.system import VARIANTS, Observation
from ldmspec.system.transcript import masked

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "examples" / "fleet.toml"

LOST_ACK = [
    "# Live-migrate ldom01; the hand-off acknowledgement is lost.",
    ".password t4-b welcome1",
    "t4-a# ldm migrate ldom01 root@t4-b",
    "welcome1",
    ".write ldom01 20000",
    ".lose-ack t4-a",
    ".until phase 5",
    ".run",
    "t4-a# ldm list ldom01",
]

# Every kind of step, so each variant's difference has a chance to show.
EVERYTHING = [
    ".password t4-b welcome1",
    "t4-a# ldm migrate -n ldom01 root@t4-b",
    "welcome1",
    "t4-a# ldm migrate ldom01 root@t4-b",
    "welcome1",
    ".write ldom01 30000 hot",
    ".tick 6",
    "t4-b# ldm list -o status ldom01",
    "t4-b# ldm cancel-operation migration ldom01",
    ".until phase 4",
    "t4-a# ldm cancel-operation migration ldom01",
    ".run",
    "t4-a# ldm migrate ldom01 root@t4-b",
    "welcome1",
    ".lose-ack t4-a",
    ".run",
]


def _two_copies(observation: Observation) -> str:
    hosts = observation.running_copies("ldom01")
    return f"ldom01 runs on {len(hosts)} hosts at once: {', '.join(hosts)}"


def _without_notes(steps: tuple[ReportStep, ...]) -> tuple[ReportStep, ...]:
    return tuple(dataclasses.replace(s, note="") for s in steps)


@pytest.fixture(scope="module")
def lost_ack() -> Counterexample:
    return counterexample_from_transcript(
        FLEET,
        LOST_ACK,
        property_id="INV-SINGLE-ACTIVE",
        violation=_two_copies,
        variant="resume-on-lost-ack",
        seed=7,
    )


def test_steps_record_commands_outputs_messages_and_listings(lost_ack) -> None:
    assert [s.transcript_line for s in lost_ack.steps] == [
        ".password t4-b REDACTED-1",
        "t4-a# ldm migrate ldom01 root@t4-b",
        ".write ldom01 20000",
        ".lose-ack t4-a",
        ".until phase 5",
        ".run",
        "t4-a# ldm list ldom01",
    ]
    assert lost_ack.steps[0].note == "Live-migrate ldom01; the hand-off acknowledgement is lost."
    assert lost_ack.steps[1].password == "REDACTED-1"
    assert lost_ack.steps[1].output == "Target Password:"
    kinds = [m.kind for s in lost_ack.steps for m in s.messages]
    assert kinds[:2] == ["CheckRequest", "CheckReply"]
    lost = [m for s in lost_ack.steps for m in s.messages if not m.delivered]
    assert [(m.src, m.dst, m.kind) for m in lost] == [("t4-b", "t4-a", "HandOffAck")]
    assert set(lost_ack.initial_listing) == {"t4-a", "t4-b"}
    assert "ldom01           active" in lost_ack.steps[-1].listing["t4-b"]
    assert lost_ack.violation == "ldom01 runs on 2 hosts at once: t4-a, t4-b"
    assert (lost_ack.kind, lost_ack.words.split(";")[0]) == (
        "safety",
        "at no step are two copies of a domain running",
    )
    last = lost_ack.steps[-1].observation["t4-b"]
    assert last["host"]["name"] == "t4-b"
    assert last["migrations"][0]["outcome"] == "failed"


def test_the_replay_reproduces_every_step_exactly(tmp_path, lost_ack) -> None:
    folder = write_report(lost_ack, tmp_path, clock=fixed_clock)
    assert _without_notes(replay_report(folder)) == _without_notes(lost_ack.steps)


def test_ldmspec_shell_replays_the_report_from_its_folder(tmp_path, lost_ack) -> None:
    folder = write_report(lost_ack, tmp_path, clock=fixed_clock)
    replay = (folder / "replay.ldm").read_text()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ldmspec.cli",
            "shell",
            "fleet.toml",
            "--variant",
            "resume-on-lost-ack",
            "--seed",
            "7",
        ],
        input=replay,
        capture_output=True,
        text=True,
        cwd=folder,
        check=True,
    )
    printed = [line for line in result.stdout.splitlines() if not line.startswith("# step ")]
    expected: list[str] = []
    for step in lost_ack.steps:  # the shell echoes a .password secret as ********
        expected += [masked(step.transcript_line), *step.output.splitlines()]
    header = [line for line in replay.splitlines() if line.startswith("#")]
    header = [line for line in header if not line.startswith("# step ")]
    assert printed == header + expected
    assert "welcome1" not in result.stdout


def test_a_password_file_becomes_a_placeholder_file_beside_the_replay(tmp_path) -> None:
    secret = tmp_path / "secret.pw"
    secret.write_text("welcome1\nignored\n")
    cx = counterexample_from_transcript(
        FLEET,
        [".password t4-b welcome1", f"t4-a# ldm migrate -p {secret} ldom01 root@t4-b", ".run"],
        property_id="INV-CLEANUP",
        violation="none",
        seed=3,
    )
    assert cx.steps[1].command == "ldm migrate -p password-1 ldom01 root@t4-b"
    assert dict(cx.password_files) == {"password-1": "REDACTED-1\n"}
    folder = write_report(cx, tmp_path / "reports", clock=fixed_clock)
    assert (folder / "password-1").read_text() == "REDACTED-1\n"
    assert "Domain Migration" not in cx.steps[-1].output  # authenticated, as originally
    assert _without_notes(replay_report(folder)) == _without_notes(cx.steps)
    for path in folder.iterdir():
        assert "welcome1" not in path.read_text(), path.name


def test_a_wrong_password_stays_wrong_in_the_replay(tmp_path) -> None:
    cx = counterexample_from_transcript(
        FLEET,
        [".password t4-b welcome1", "t4-a# ldm migrate ldom01 root@t4-b", "guess", ".run"],
        property_id="INV-CLEANUP",
        violation="none",
    )
    assert cx.steps[0].command == ".password t4-b REDACTED-1"
    assert cx.steps[1].password == "REDACTED-2"
    assert "Authentication to target t4-b failed" in cx.steps[-1].output
    folder = write_report(cx, tmp_path, clock=fixed_clock)
    assert _without_notes(replay_report(folder)) == _without_notes(cx.steps)


def test_a_bad_transcript_line_is_the_shells_one_line_error() -> None:
    with pytest.raises(InputError) as info:
        counterexample_from_transcript(
            FLEET, [".tick 1", ".fly t4-a"], property_id="INV-CLEANUP", violation="none"
        )
    assert info.value.one_line().startswith(
        "<transcript>:2: expected a directive: .tick, .run, .until, .write, .rate, .drop"
    )


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_replays_to_the_same_run(tmp_path, variant: str) -> None:
    cx = counterexample_from_transcript(
        FLEET,
        EVERYTHING,
        property_id=VARIANTS[variant].violates,
        violation=f"whatever {variant} breaks",
        variant=variant,
        seed=11,
    )
    folder = write_report(cx, tmp_path, clock=fixed_clock)
    replayed = replay_report(folder)
    assert _without_notes(replayed) == _without_notes(cx.steps)
    assert replayed[-1].observation == cx.steps[-1].observation
