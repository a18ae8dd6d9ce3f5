"""The files of a report folder, and replacing one of them atomically.

Shared by the writer (which writes report folders) and the index (which lists them), so
neither imports the other's internals.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ldmspec.errors import ReportError

__all__ = ["COUNTEREXAMPLE_FILE", "os_reason", "replace_file"]

#: The file every report folder is re-rendered from.
COUNTEREXAMPLE_FILE = "counterexample.json"


def os_reason(exc: OSError) -> str:
    """The operating system's words for ``exc`` ("Permission denied")."""
    return exc.strerror or str(exc)


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a reader sees the old file or the new one).

    Raises ReportError naming the folder when it cannot be written.
    """
    try:
        handle, temporary = tempfile.mkstemp(prefix=".writing-", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ReportError(str(path.parent), os_reason(exc)) from None
