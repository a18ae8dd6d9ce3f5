"""What ``ldmspec check`` says about a requirement is true of the fleet, also when the
requirement does not apply."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldmspec.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")


def _row(capsys, rid: str, *argv: str) -> str:
    main(["check", EXAMPLE, *argv])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith(rid + " ")]
    assert len(rows) == 1
    return " ".join(rows[0].split())


@pytest.mark.parametrize(
    ("argv", "row"),
    [
        (["--domain", "ldom01", "--source", "t4-a", "--target", "t4-b"],
         "CPU-8 n/a not whole-core and guest Solaris 11.4 is 10 1/13 or later"),
        (["--domain", "ldom03", "--source", "t4-a", "--target", "t4-c"],
         "CPU-8 holds guest Solaris 10 8/11 is older than 10 1/13: t4-c has 2 completely free "
         "cores of 8 strands, ldom03 needs 1"),
        (["--domain", "db01", "--source", "t4-c", "--target", "t4-a"],
         "CPU-8 holds whole-core: t4-a has 9 completely free cores of 8 strands, db01 needs 5"),
    ],
)  # fmt: skip
def test_cpu8_says_why_it_applies_or_not(capsys, argv, row):
    assert _row(capsys, "CPU-8", *argv) == row


@pytest.mark.parametrize(
    ("target", "row"),
    [
        ("t4-c", "SW-3 holds Managers t4-a 3.6, t4-c 3.6: the same release"),
        ("t4-b", "SW-3 holds Managers t4-a 3.6, t4-b 3.5: adjacent releases"),
        ("m10-a", "SW-3 violated Managers t4-a 3.6, m10-a 3.4: not adjacent"),
    ],
)
def test_sw3_tells_equal_from_adjacent_releases(capsys, target, row):
    assert _row(capsys, "SW-3", "--domain", "ldom01", "--source", "t4-a", "--target", target) == row


def test_a_target_with_two_new_names_is_refused(capsys):
    from ldmspec.cli import main

    status = main(["check", "examples/fleet.toml", "--domain", "ldom01", "--source", "t4-a",
                   "--target", "t4-b:a:b"])  # fmt: skip
    assert status == 2
    assert capsys.readouterr().err == (
        '--target: expected a target like HOST or HOST:NEW-NAME, got "t4-b:a:b"\n'
    )
