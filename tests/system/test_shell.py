"""``ldmspec shell``: transcripts, determinism, bad lines, JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ldmspec.cli import main
from ldmspec.inventory import Fleet
from ldmspec.system.transcript import replay

ROOT = Path(__file__).resolve().parents[2]
FLEET = str(ROOT / "examples" / "fleet.toml")
STORY = (ROOT / "examples" / "seed-story.txt").read_text()

BUSY_STORY = """\
.password t4-b pw
t4-a# ldm migrate ldom01 root@t4-b
pw
.rate ldom01 400 random
.tick 25
t4-b# ldm list -o status ldom01
.write ldom01 20000 hot
.until phase 4
t4-a# ldm list ldom01
.run
"""


def shell(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str,
          *args: str) -> tuple[int, str, str]:  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    status = main(["shell", FLEET, *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_seed_story_replays_with_the_seeds_states_and_flags(fleet: Fleet) -> None:
    out = replay(fleet, STORY).splitlines()
    assert "    migration    34%         t4-a" in out
    assert out[out.index("t4-a# ldm list ldom01", 10) + 2].split()[:3] == [
        "ldom01", "suspended", "-n---s",
    ]  # fmt: skip
    assert out[out.index("t4-b# ldm list ldom01") + 2].split()[:3] == ["ldom01", "bound", "-----t"]
    assert "# t4-a: ldm migrate-domain ldom01 t4-b ended: completed (exit status 0)" in out
    assert ".password t4-b ********" in out
    assert "welcome1" not in "\n".join(out)


def test_same_seed_same_transcript_byte_for_byte(fleet: Fleet) -> None:
    first = replay(fleet, BUSY_STORY, seed=11)
    assert replay(fleet, BUSY_STORY, seed=11) == first
    assert first.endswith("ended: completed (exit status 0)\n")


def test_different_seeds_interleave_events_differently(fleet: Fleet) -> None:
    outputs = {replay(fleet, BUSY_STORY, seed=seed) for seed in range(4)}
    assert len(outputs) > 1


def test_the_password_line_is_consumed_and_never_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = ".password t4-b hunter2\nt4-a# ldm migrate -n ldom01 root@t4-b\nhunter2\n"
    status, out, _ = shell(monkeypatch, capsys, text)
    assert status == 0
    assert out.splitlines() == [
        ".password t4-b ********",
        "t4-a# ldm migrate -n ldom01 root@t4-b",
        "Target Password:",
    ]


def test_a_forgotten_password_line_does_not_swallow_the_next_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = ".password t4-b hunter2\nt4-a# ldm migrate -n ldom01 root@t4-b\n.tick\n"
    _, out, _ = shell(monkeypatch, capsys, text)
    assert out.splitlines()[1:] == [
        "t4-a# ldm migrate -n ldom01 root@t4-b",
        "Target Password:",
        "Authentication to target t4-b failed: bad user name or password",
        "Domain Migration of LDom ldom01 would fail if attempted",
        ".tick",
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ldm list", '<stdin>:2: expected HOST# ldm ARGS, a .directive or a # comment, '
                     'got "ldm list"'),
        ("nowhere# ldm list", '<stdin>:2: expected a host of the fleet (t4-a, t4-b, t4-c, '
                              't5-a, m10-a, t2-old), got "nowhere"'),
        ("t4-a# ls -l", '<stdin>:2: expected ldm ARGS after the prompt, got "ls -l"'),
        (".tick many", '<stdin>:2: expected .tick [N], got ".tick many"'),
        (".write ldom01", '<stdin>:2: expected .write DOMAIN[@HOST] N [sequential|random|hot], '
                          'got ".write ldom01"'),
        (".fly", '<stdin>:2: expected a directive: .tick, .run, .until, .write, .rate, .drop, '
                 '.heal, .partition, .delay, .lose-ack, .kill, .free-memory, .password, '
                 '.ldm-version, .trace, got ".fly"'),
        (".drop t4-a mars", '<stdin>:2: expected .drop S T, got ".drop t4-a mars"'),
    ],
)  # fmt: skip
def test_a_bad_line_stops_the_transcript_with_status_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    status, out, err = shell(monkeypatch, capsys, f"# first\n{line}\nt4-a# ldm list\n")
    assert status == 2
    assert out == "# first\n"
    assert err == message + "\n"


def test_a_system_that_fails_running_a_directive_is_not_called_bad_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The shell used to print '<stdin>:4: expected .run, got ".run"' (exit 2) when the
    # implementation crashed (an IndexError in a Pages install): a bug hidden as a typo.
    def crash(self, limit=1_000_000):  # type: ignore[no-untyped-def]
        raise IndexError("array assignment index out of range")

    monkeypatch.setattr("ldmspec.system.datacenter.Datacenter.run_until_quiescent", crash)
    with pytest.raises(IndexError, match="array assignment index out of range"):
        shell(monkeypatch, capsys, ".tick 1\n.run\n")


def test_an_unknown_variant_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = shell(monkeypatch, capsys, "", "--variant", "wrong")
    assert (status, out) == (2, "")
    assert err.startswith("argument --variant: expected a variant name: keep-target-on-cancel")


def test_json_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    text = "t4-a# ldm migrate ldom01 t4-b\n\n.run\n"
    status, out, _ = shell(monkeypatch, capsys, text, "--json", "--seed", "5")
    data = json.loads(out)
    assert status == 0
    assert (data["seed"], data["variant"]) == (5, None)
    assert [s["line"] for s in data["steps"]] == ["t4-a# ldm migrate ldom01 t4-b", ".run"]
    assert data["steps"][1]["output"] == [
        "# t4-a: ldm migrate-domain ldom01 t4-b ended: completed (exit status 0)"
    ]


def test_a_variant_changes_the_transcript(fleet: Fleet) -> None:
    story = (
        "t4-a# ldm migrate ldom01 t4-b\n\n.until phase 3\n"
        "t4-b# ldm cancel-operation migration ldom01\n"
    )
    correct = replay(fleet, story).splitlines()[-1]
    broken = replay(fleet, story, variant="target-accepts-cancel").splitlines()[-1]
    assert correct.startswith("Migration of ldom01 cannot be controlled from t4-b")
    assert broken == "t4-b# ldm cancel-operation migration ldom01"


def test_trace_shows_every_event_as_it_runs(fleet: Fleet) -> None:
    story = ".trace on\nt4-b# ldm migrate web02 t4-a\n\n.tick 2\n.trace off\n.run\n"
    assert replay(fleet, story).splitlines() == [
        ".trace on",
        "t4-b# ldm migrate web02 t4-a",
        "Target Password:",
        ".tick 2",
        "# t=1 deliver t4-b->t4-a CheckRequest #1 web02",
        "# t=2 deliver t4-a->t4-b CheckReply #1 0 problems",
        ".trace off",
        ".run",
        "# t4-b: ldm migrate-domain web02 t4-a ended: completed (exit status 0)",
    ]


def test_the_faults_story_replays_cancel_loss_and_lost_acknowledgement(fleet: Fleet) -> None:
    story = (ROOT / "examples" / "faults-story.txt").read_text()
    ended = [line for line in replay(fleet, story).splitlines() if " ended: " in line]
    assert ended == [
        f"# t4-a: ldm migrate-domain ldom01 t4-b ended: {outcome} (exit status 1)"
        for outcome in ("cancelled", "failed", "error")
    ]


def test_the_same_seed_replays_byte_for_byte_across_processes() -> None:
    import os
    import subprocess
    import sys

    story = (ROOT / "examples" / "faults-story.txt").read_text()

    def run(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        return subprocess.run(
            [sys.executable, "-m", "ldmspec.cli", "shell", FLEET, "--seed", "4"],
            input=story, capture_output=True, text=True, env=env, check=True,
        ).stdout  # fmt: skip

    first = run("1")
    assert first == run("2")
    assert "ended: error (exit status 1)" in first


def test_partition_and_delay_directives(fleet: Fleet) -> None:
    story = (
        ".partition t4-a t4-b,t5-a\nt4-a# ldm migrate -n ldom01 t5-a\n\n"
        ".heal t4-a t5-a\n.delay t4-a t5-a 30\nt4-a# ldm migrate ldom02 t5-a\n\n.run\n"
    )
    out = replay(fleet, story).splitlines()
    assert out[3] == "Failed to establish connection with ldmd(1m) on target: t5-a"
    assert out[-3:] == [
        "Failed to establish connection with ldmd(1m) on target: t5-a",
        "Domain Migration of LDom ldom02 failed",
        "# t4-a: ldm migrate-domain ldom02 t5-a ended: failed (exit status 1)",
    ]


def test_free_memory_and_writes_to_a_guest_that_does_not_run(fleet: Fleet) -> None:
    text = (
        ".write ldom01 32768 random\n.password t4-b pw\nt4-a# ldm migrate ldom01 root@t4-b\npw\n"
        ".until phase 3\n.tick 3\nt4-a# ldm cancel-operation migration ldom01\n.run\n"
        ".free-memory t4-b\n.write web02 10\n"
    )
    correct = replay(fleet, text).splitlines()
    assert correct[-3:] == [
        "# t4-b: all free memory reads zero",
        ".write web02 10",
        "# web02@t4-b is not running: nothing written",
    ]
    assert "# t4-b: 1G of free memory does not read zero" in replay(
        fleet, text, variant="quiet-no-scrub"
    )
