"""A password given any way (.password, the line after a migrate, -p FILE) never appears
in the shell's output, its JSON or its error messages."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ldmspec.cli import main

FLEET = str(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")
SECRET = "Zq9-s3cret"


def shell(monkeypatch, capsys, text: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    status = main(["shell", FLEET, *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _story(tmp_path: Path) -> str:
    password_file = tmp_path / "pw"
    password_file.write_text(SECRET + "\n")
    return (
        f".password t4-b {SECRET}\n"
        f"t4-a# ldm migrate -p {password_file} ldom01 root@t4-b\n"
        ".run\n"
        "t4-a# ldm migrate ldom03 root@t4-b\n"
        f"{SECRET}\n"
        ".run\n"
        "t4-a# ldm migrate ldom02 root@t4-b\n"
        f"not-{SECRET}\n"
        ".run\n"
    )


def test_no_password_in_the_transcript(monkeypatch, capsys, tmp_path):
    status, out, err = shell(monkeypatch, capsys, _story(tmp_path))
    assert status == 0
    assert SECRET not in out + err
    assert out.splitlines()[0] == ".password t4-b ********"
    assert out.count("ended: completed (exit status 0)") == 2
    assert "Authentication to target t4-b failed: bad user name or password" in out


def test_no_password_in_the_json(monkeypatch, capsys, tmp_path):
    status, out, err = shell(monkeypatch, capsys, _story(tmp_path), "--json")
    assert status == 0
    assert SECRET not in out + err
    assert json.loads(out)["steps"][0]["line"] == ".password t4-b ********"


@pytest.mark.parametrize(
    "line",
    [f".password t4-bb {SECRET}", f".password t4-b {SECRET} extra", f".password {SECRET}"],
    ids=["unknown-host", "extra-word", "no-host"],  # not the secret, which pytest would print
)
def test_no_password_in_the_error_about_a_bad_password_line(monkeypatch, capsys, line):
    status, out, err = shell(monkeypatch, capsys, line + "\n")
    assert status == 2
    assert SECRET not in out + err
    assert err.startswith('<stdin>:1: expected .password HOST SECRET, got ".password ')
