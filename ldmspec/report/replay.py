"""How to reproduce a counterexample: the ``replay.ldm`` transcript and the commands.

``replay.ldm`` is a transcript for ``ldmspec shell``: ``HOST# ldm ARGS`` lines and shell
directives (``.tick``, ``.write``, ``.drop``, ...), one per step, after a leading comment
naming the property, the fleet, the variant and the seed. Every report folder holds the
fleet (``fleet.toml``, when the counterexample carries its text) and the password files
beside it, so the replay runs from inside the folder::

    cd reports/20261127T065300Z-INV-CLEANUP-1a2b3c4d
    ldmspec shell fleet.toml --variant keep-target-on-cancel --seed 7 < replay.ldm

Passwords are placeholders (``REDACTED-1``...) consistently, see :mod:`.redact`.
"""

from __future__ import annotations

import shlex

from ldmspec.report.values import Counterexample

__all__ = [
    "MODEL_ONLY",
    "copied_from",
    "fleet_file_name",
    "pytest_command",
    "replay_transcript",
    "reproduce_hint",
    "shell_command",
]


#: What a report says when the counterexample has no implementation steps to replay.
MODEL_ONLY = (
    "This counterexample comes from the state-graph model alone: the reference "
    "implementation was not run, so there is nothing to replay with ldmspec shell."
)


def _is_pytest(hint: str) -> bool:
    return hint.startswith(("pytest ", "python -m pytest "))


def reproduce_hint(cx: Counterexample) -> tuple[str, str] | None:
    """``(label, text)`` of the ``reproduce`` hint, when it is shown on its own.

    A full ``pytest ...`` command is how to re-run the property; a ``@reproduce_failure``
    line is Hypothesis' reproduction; options (``--hypothesis-seed=12``) join the pytest
    command of :func:`pytest_command` instead, when there is a node id.
    """
    hint = cx.reproduce
    if not hint or (hint.startswith("-") and cx.pytest_node):
        return None
    if _is_pytest(hint):
        return ("Re-run the failing property:", hint)
    if hint.startswith("@"):
        return ("Hypothesis reproduction:", hint)
    return ("Reproduce with:", hint)


def fleet_file_name(cx: Counterexample) -> str | None:
    """The name of the fleet copy inside the report folder, or None when there is none."""
    if cx.fleet_text is None:
        return None
    return "fleet.json" if cx.fleet_path.lower().endswith(".json") else "fleet.toml"


def copied_from(cx: Counterexample) -> str | None:
    """The fleet path the report's fleet copy came from, when it says more than the copy."""
    copy = fleet_file_name(cx)
    if copy is None or not cx.fleet_path or cx.fleet_path == copy:
        return None
    return cx.fleet_path


def shell_command(cx: Counterexample) -> str:
    """``ldmspec shell FLEET --variant V --seed N < replay.ldm``, run in the report folder."""
    fleet = fleet_file_name(cx) or cx.fleet_path or "FLEET"
    words = ["ldmspec", "shell", fleet]
    if cx.variant:
        words += ["--variant", cx.variant]
    if cx.seed is not None:
        words += ["--seed", str(cx.seed)]
    return shlex.join(words) + " < replay.ldm"


def pytest_command(cx: Counterexample) -> str | None:
    """The pytest command that re-runs the failing property, when a node id is known.

    A ``reproduce`` hint that starts with ``-`` is taken as extra pytest options
    (``--hypothesis-seed=12``); a hint that is itself a pytest command replaces this one;
    any other hint is shown on its own (:func:`reproduce_hint`).
    """
    if not cx.pytest_node or (cx.reproduce and _is_pytest(cx.reproduce)):
        return None  # no node, or the hint is the whole command
    words = ["python", "-m", "pytest", cx.pytest_node]
    if cx.reproduce and cx.reproduce.startswith("-"):
        words += shlex.split(cx.reproduce)
    return shlex.join(words)


def _comment(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.splitlines() or [""]]


def replay_transcript(cx: Counterexample) -> str:
    """The text of ``replay.ldm``."""
    head = [
        f"ldmspec counterexample: {cx.property_id} ({cx.kind})",
        f"property: {cx.words}",
        f"fleet: {fleet_file_name(cx) or cx.fleet_path or '(not recorded)'}"
        + (f" (a copy of {cx.fleet_path})" if copied_from(cx) else ""),
        f"variant: {cx.variant or 'correct'}    seed: {cx.seed if cx.seed is not None else '-'}",
        *(
            ["replay from the report folder:", f"  {shell_command(cx)}"]
            if cx.steps
            else [MODEL_ONLY]
        ),
        "expected violation after the last step:",
        *[f"  {line}" for line in cx.violation.splitlines()],
    ]
    if (
        cx.password_files
        or any(s.password for s in cx.steps)
        or any(s.command.startswith(".password ") for s in cx.steps)
    ):
        head.append("passwords are placeholders (REDACTED-n): equal passwords stay equal")
    lines = [line for text in head for line in _comment(text)]
    for number, step in enumerate(cx.steps, 1):
        note = f" {step.note}" if step.note else ""
        lines += _comment(f"step {number}:{note}")
        lines.append(step.transcript_line)
        if step.password is not None:
            lines.append(step.password)  # the answer to "Target Password:"
    return "\n".join(lines) + "\n"
