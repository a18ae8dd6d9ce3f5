"""The interactive ``ldmspec shell``: Ctrl-C at the prompt drops the line being typed and
keeps the simulated hosts (with their migrations), as any shell prompt does."""

from __future__ import annotations

import io
from pathlib import Path

from ldmspec.commands.shell import _interactive
from ldmspec.inventory import load_fleet
from ldmspec.system import Datacenter

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"


def test_ctrl_c_at_the_prompt_drops_the_line_and_keeps_the_session(monkeypatch, capsys):
    typed: list[object] = [
        "t4-a# ldm migrate -p /dev/null ldom01 root@t4-b",
        KeyboardInterrupt(),
        ".tick 10",
        "t4-b# ldm list ldom01",
        EOFError(),
    ]

    def fake_input(prompt: str = "") -> str:
        item = typed.pop(0)
        if isinstance(item, BaseException):
            raise item
        return str(item)

    monkeypatch.setattr("builtins.input", fake_input)
    dc = Datacenter.from_fleet(load_fleet(FLEET))
    out = io.StringIO()
    assert _interactive(dc, io.StringIO(), out) == 0
    lines = out.getvalue().splitlines()
    assert lines[1].endswith("Ctrl-C drops the line, Ctrl-D ends")
    assert lines[-2].split()[:3] == ["ldom01", "bound", "-----t"]  # still migrating
    assert typed == []
