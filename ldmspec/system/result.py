"""What an ``ldm`` command prints: its output and exit status."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CommandResult", "error", "ok"]


@dataclass(frozen=True)
class CommandResult:
    """What an ``ldm`` command printed and its exit status."""

    output: str
    status: int = 0


def ok(*lines: str) -> CommandResult:
    return CommandResult("\n".join(lines).rstrip("\n"), 0)


def error(*lines: str) -> CommandResult:
    return CommandResult("\n".join(lines), 1)
