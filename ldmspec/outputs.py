"""Files a user names on the command line (``--smt2 FILE``, ``--dot FILE``...): written
whole or not at all, refused in one line when they cannot be written.

A regular file (or a new one) is written to a temporary file beside it and renamed over
it, so a failure leaves the old content; the new file gets the permissions the umask
gives (not ``mkstemp``'s 0600). A symbolic link is followed, so the link stays a link.
Anything else that is not a folder, such as ``/dev/stdout`` or a named pipe, is written
in place: renaming over it would replace a device node with a plain file (as root, that
breaks ``/dev/null`` for every process of the machine).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from ldmspec.errors import CommandError

__all__ = ["check_writable", "write_output", "write_text_output"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _is_special(path: Path) -> bool:
    """An existing non-regular, non-folder file (device, pipe, socket), links followed."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_writable(path: str, label: str) -> None:
    """Raise :class:`CommandError` (``LABEL: why``) unless ``path`` can be written.

    Called before long work, so that an impossible output is refused at once. ``label``
    names the output in the message, e.g. ``"--smt2 q.smt2"``.
    """
    destination = Path(path)
    if destination.is_dir():
        raise CommandError(f"{label}: is a folder, expected a file name")
    if _is_special(destination):
        return
    parent = destination.resolve().parent
    if not parent.is_dir():
        raise CommandError(f"{label}: no such directory {parent}")
    try:  # the only sure test: root ignores permission bits, and /proc ignores root
        handle, probe = tempfile.mkstemp(dir=parent, prefix=".ldmspec-")
    except OSError as exc:
        raise CommandError(f"{label}: cannot write in {parent} ({exc.strerror})") from None
    os.close(handle)
    Path(probe).unlink()


def write_output(path: str, write: Callable[[str], None], label: str) -> None:
    """Call ``write(name)`` to write the file ``path`` whole or not at all (see above)."""
    check_writable(path, label)
    destination = Path(path)
    try:
        if _is_special(destination):
            write(str(destination))
            return
        real = destination.resolve()
        handle, temporary = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.")
        os.close(handle)
    except OSError as exc:
        raise CommandError(f"{label}: cannot write ({exc.strerror})") from None
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, real)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"{label}: cannot write ({exc.strerror})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_output(path: str, text: str, label: str) -> None:
    """:func:`write_output` of a text."""

    def write(name: str) -> None:
        with open(name, "w", encoding="utf-8") as stream:
            stream.write(text)

    write_output(path, write, label)
