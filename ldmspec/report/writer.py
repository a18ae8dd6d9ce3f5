"""Write counterexample reports into ``reports/<UTC time>-<property>-<short hash>/``.

A report folder holds ``report.md``, ``report.html``, ``counterexample.json``,
``replay.ldm``, ``path.dot``, the fleet copy (``fleet.toml``) and the placeholder
password files the replay uses. It is written into a hidden temporary folder and renamed
into place, so a failure (disk full, read-only folder) leaves no half-written report and
every earlier report intact; it raises :class:`~ldmspec.errors.ReportError`.

The UTC time comes from an injected clock, so a fixed clock gives byte-identical output.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ldmspec.errors import InputError, ReportError
from ldmspec.report.dot import render_dot
from ldmspec.report.files import COUNTEREXAMPLE_FILE, os_reason, replace_file
from ldmspec.report.index import rebuild_index
from ldmspec.report.markdown import render_markdown
from ldmspec.report.page import render_html
from ldmspec.report.replay import fleet_file_name, replay_transcript
from ldmspec.report.values import Counterexample

__all__ = [
    "COUNTEREXAMPLE_FILE",
    "Clock",
    "read_report",
    "render_files",
    "report_name",
    "rerender_report",
    "write_report",
]

Clock = Callable[[], datetime]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def report_name(cx: Counterexample, when: datetime) -> str:
    """``<UTC time>-<property>-<short hash>``, e.g. ``20261127T065300Z-INV-CLEANUP-1a2b3c4d``.

    The hash is of the counterexample's JSON, so equal counterexamples share it.
    """
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    slug = _UNSAFE.sub("_", cx.property_id).strip("._-")[:60] or "property"
    digest = hashlib.sha256(cx.to_json().encode("utf-8")).hexdigest()[:8]
    return f"{stamp}-{slug}-{digest}"


def render_files(cx: Counterexample) -> dict[str, str]:
    """Every file of a report folder: name to text."""
    files = {
        "report.md": render_markdown(cx),
        "report.html": render_html(cx),
        COUNTEREXAMPLE_FILE: cx.to_json(),
        "replay.ldm": replay_transcript(cx),
        "path.dot": render_dot(cx),
    }
    fleet = fleet_file_name(cx)
    if fleet is not None and cx.fleet_text is not None:
        files[fleet] = cx.fleet_text
    for name, content in cx.password_files.items():
        files[_safe_file_name(name)] = content
    return files


def _safe_file_name(name: str) -> str:
    """Password files live beside the replay: a bare name, never a path."""
    base = os.path.basename(name)
    if not base or base in {".", ".."} or base != name:
        raise ValueError(f"password file names must be bare file names, got {name!r}")
    return base


def write_report(
    cx: Counterexample,
    reports_dir: str | os.PathLike[str],
    *,
    clock: Clock = _utc_now,
    index: bool = True,
) -> Path:
    """Write the report of ``cx`` into a new folder under ``reports_dir``; return its path.

    The folder appears whole or not at all. With ``index`` (the default) the folder's
    ``index.html`` is rebuilt afterwards.
    """
    root = Path(reports_dir)
    files = render_files(cx)
    name = report_name(cx, clock())
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=root))
    except OSError as exc:
        raise ReportError(str(root), os_reason(exc)) from None
    try:
        for file_name, text in files.items():
            (staging / file_name).write_text(text, encoding="utf-8", newline="\n")
        staging.chmod(0o755)
        target = _move_into_place(staging, root, name)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ReportError(str(root / name), os_reason(exc)) from None
    if index:
        try:
            rebuild_index(root)
        except ReportError as exc:
            raise ReportError(
                str(root / "index.html"), f"{exc.reason} (the report itself is in {target})"
            ) from None
    return target


def _move_into_place(staging: Path, root: Path, name: str) -> Path:
    """Rename ``staging`` to ``root/name`` (or ``name-2``, ``name-3``... when taken).

    A rename onto an existing folder fails, so two writers (pytest-xdist workers) racing
    for one name each end up with their own folder.
    """
    number = 1
    while True:
        target = root / (name if number == 1 else f"{name}-{number}")
        if not target.exists():
            try:
                staging.rename(target)
                return target
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
        number += 1


def read_report(folder: str | os.PathLike[str]) -> Counterexample:
    """The counterexample of a report folder, from its ``counterexample.json``.

    A missing, unreadable or malformed file raises InputError naming it.
    """
    path = Path(folder) / COUNTEREXAMPLE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError("a readable counterexample.json", got=reason, source=str(path)) from None
    return Counterexample.from_json(text, source=str(path))


def rerender_report(folder: str | os.PathLike[str], cx: Counterexample | None = None) -> Path:
    """Render every file of a report folder again from its ``counterexample.json``.

    Each file is replaced atomically; a failure raises ReportError and leaves the files
    not yet replaced as they were.
    """
    path = Path(folder)
    cx = cx if cx is not None else read_report(path)
    for file_name, text in render_files(cx).items():
        replace_file(path / file_name, text)
    return path
