"""Keep passwords out of counterexamples, without breaking their replay.

A replay needs to know only which passwords were *equal* (a migration authenticates when
the password it sends equals what the target accepts), never the passwords themselves.
So every distinct secret is replaced, consistently, by a placeholder ``REDACTED-1``,
``REDACTED-2``, ... in order of first appearance:

* ``.password HOST SECRET`` steps become ``.password HOST REDACTED-n``, and so does the
  line that answers ``Target Password:`` after a ``migrate`` without ``-p``;
* the content of every password file in ``Counterexample.password_files`` becomes its
  placeholder (the report writes these files beside ``replay.ldm``, so
  ``ldm migrate-domain -p password-1 ...`` replays unchanged);
* every other occurrence of a secret in any text of the counterexample (outputs,
  listings, observations, notes, words, the fleet text) is replaced too. Secrets of four
  or more characters are replaced wherever they occur; shorter ones only as whole
  whitespace-separated words, so a two-letter password cannot mangle host names.

Redaction is idempotent, so a counterexample read back from its JSON equals itself.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ldmspec.report.frozen import FrozenMap

if TYPE_CHECKING:
    from ldmspec.report.values import Counterexample

__all__ = ["PLACEHOLDER", "password_directive", "redact"]

#: Placeholders are ``REDACTED-1``, ``REDACTED-2``, ...
PLACEHOLDER = "REDACTED-{}"

_PASSWORD = re.compile(r"^\.password\s+(?P<host>\S+)\s+(?P<secret>\S.*?)\s*$")
_SHORT = 4


def password_directive(command: str) -> tuple[str, str] | None:
    """``(host, secret)`` when ``command`` is a ``.password HOST SECRET`` directive."""
    match = _PASSWORD.match(command)
    return (match["host"], match["secret"]) if match else None


def _secrets(cx: Counterexample) -> dict[str, str]:
    """Every secret, in order of first appearance, mapped to its placeholder."""
    found: dict[str, str] = {}
    candidates: list[str] = []
    for step in cx.steps:
        directive = password_directive(step.command)
        if directive:
            candidates.append(directive[1])
        if step.password:
            candidates.append(step.password)
    candidates += [text.splitlines()[0] for text in cx.password_files.values() if text.strip()]
    for secret in candidates:
        secret = secret.strip()
        if secret and secret not in found:
            found[secret] = PLACEHOLDER.format(len(found) + 1)
    return found


def _replacer(secrets: Mapping[str, str]) -> Callable[[str], str]:
    long = sorted((s for s in secrets if len(s) >= _SHORT), key=len, reverse=True)
    short = sorted((s for s in secrets if len(s) < _SHORT), key=len, reverse=True)
    parts = [re.escape(s) for s in long]
    parts += [rf"(?<!\S){re.escape(s)}(?!\S)" for s in short]
    if not parts:
        return lambda text: text
    pattern = re.compile("|".join(parts))
    return lambda text: pattern.sub(lambda m: secrets[m.group()], text)


def _deep(value: Any, fix: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, Mapping):
        return FrozenMap({fix(k): _deep(v, fix) for k, v in value.items()})
    if isinstance(value, tuple):
        return tuple(_deep(v, fix) for v in value)
    return value


def redact(cx: Counterexample) -> None:
    """Replace every secret in ``cx`` (in place, during construction) by its placeholder."""
    secrets = _secrets(cx)
    if not secrets:
        return
    fix = _replacer(secrets)
    set_ = object.__setattr__

    def step(s: Any) -> Any:
        directive = password_directive(s.command)
        command = (
            f".password {directive[0]} {secrets[directive[1].strip()]}"
            if directive
            else fix(s.command)
        )
        return dataclasses.replace(
            s,
            host=fix(s.host),
            command=command,
            output=fix(s.output),
            note=fix(s.note),
            messages=tuple(
                dataclasses.replace(m, kind=fix(m.kind), detail=fix(m.detail)) for m in s.messages
            ),
            listing=_deep(s.listing, fix),
            observation=_deep(s.observation, fix),
            password=secrets.get(s.password.strip(), s.password) if s.password else s.password,
        )

    set_(cx, "steps", tuple(step(s) for s in cx.steps))
    set_(cx, "initial_listing", _deep(cx.initial_listing, fix))
    for name in ("words", "violation"):
        set_(cx, name, fix(getattr(cx, name)))
    for name in ("fleet_text", "pytest_node", "reproduce"):
        value = getattr(cx, name)
        if value is not None:
            set_(cx, name, fix(value))
    files = {
        name: secrets.get(text.splitlines()[0].strip(), fix(text)) + "\n" if text.strip() else text
        for name, text in cx.password_files.items()
    }
    set_(cx, "password_files", _deep(files, lambda t: t))
    if cx.model_path is not None:
        set_(
            cx,
            "model_path",
            tuple(
                dataclasses.replace(m, action=fix(m.action), state=_deep(m.state, fix))
                for m in cx.model_path
            ),
        )
