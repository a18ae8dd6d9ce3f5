"""Where the suites keep the failures Hypothesis finds, and how several machines share them.

:func:`example_database` is the local ``.hypothesis/examples`` of Hypothesis, alone or
multiplexed with a shared database named by a URL (``--ldmspec-db`` / ``LDMSPEC_DB``):

* ``redis://HOST:PORT/N``: Hypothesis's :class:`~hypothesis.extra.redis.RedisExampleDatabase`
  (needs the ``redis`` client: ``pip install 'ldmspec[fuzz]'``);
* a directory (``/shared/hypothesis`` or ``file:///shared/hypothesis``): a
  :class:`~hypothesis.database.DirectoryBasedExampleDatabase` on a shared file system.

Fuzzing machines write to the shared database; CI reads it through
:class:`~hypothesis.database.ReadOnlyDatabase` (``--ldmspec-db-read-only``), so every
failure the farm found replays first and nothing CI tries is written back.

:class:`ShrinkReplayDatabase` serves the failures of a detection run (one without the
shrink phase) to a later run that shrinks them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlparse

from hypothesis import settings
from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    ExampleDatabase,
    MultiplexedDatabase,
    ReadOnlyDatabase,
    choices_from_bytes,
    choices_to_bytes,
)

from ldmspec.errors import InputError

__all__ = ["ShrinkReplayDatabase", "example_database", "shared_database"]

_URL_FORM = "redis://HOST:PORT/N or a directory"


def local_database() -> ExampleDatabase:
    """Hypothesis's own local database (``.hypothesis/examples`` of the working directory)."""
    own = settings.get_profile("default").database
    return own if own is not None else DirectoryBasedExampleDatabase(".hypothesis/examples")


def shared_database(url: str, *, source: str = "--ldmspec-db") -> ExampleDatabase:
    """The database ``url`` names; :class:`~ldmspec.errors.InputError` for another form."""
    parsed = urlparse(url)
    if parsed.scheme in ("redis", "rediss"):
        try:
            from hypothesis.extra.redis import RedisExampleDatabase
            from redis import Redis
        except ImportError:
            raise InputError(
                "a database ldmspec can open (the redis client is missing: "
                "pip install 'ldmspec[fuzz]')", got=url, source=source,
            ) from None  # fmt: skip
        if not parsed.hostname:
            raise InputError(_URL_FORM, got=url, source=source)
        return RedisExampleDatabase(Redis.from_url(url))
    if parsed.scheme == "file":
        return DirectoryBasedExampleDatabase(parsed.path)
    if parsed.scheme == "" and url:
        return DirectoryBasedExampleDatabase(str(Path(url)))
    raise InputError(_URL_FORM, got=url, source=source)


@functools.cache
def example_database(url: str | None = None, *, read_only: bool = False) -> ExampleDatabase:
    """The local database, multiplexed with the shared one ``url`` names (if any).

    One object per (url, read_only) for the whole process, so every test (and HypoFuzz,
    which insists that a test's database equals the default one) sees the same.
    """
    local = local_database()
    if url is None:
        return local
    shared = shared_database(url)
    return MultiplexedDatabase(local, ReadOnlyDatabase(shared) if read_only else shared)


class ShrinkReplayDatabase(ExampleDatabase):
    """Replays the failures stored in ``database`` so that Hypothesis shrinks them.

    Hypothesis does not shrink again a failure that replays exactly from the database:
    it takes it for one it shrank before. A detection run (no shrink phase) saved it
    unshrunk, so this database offers each stored choice sequence with one unused
    choice appended; the test replays the same failure, Hypothesis sees that the replay
    differs from what was stored and shrinks it. Writes go to ``database`` unchanged,
    so the shrunk failure replaces the long one there.
    """

    def __init__(self, database: ExampleDatabase) -> None:
        super().__init__()
        self.database = database
        self._offered: dict[bytes, bytes] = {}

    def __repr__(self) -> str:
        return f"ShrinkReplayDatabase({self.database!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ShrinkReplayDatabase) and self.database == other.database

    def __hash__(self) -> int:
        return hash(("ShrinkReplayDatabase", id(self.database)))

    def fetch(self, key: bytes) -> Iterable[bytes]:
        for value in self.database.fetch(key):
            choices = choices_from_bytes(value)
            if choices is None:
                continue
            offered = choices_to_bytes((*choices, False))
            self._offered[offered] = value
            yield offered

    def save(self, key: bytes, value: bytes) -> None:
        self.database.save(key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        self.database.delete(key, self._offered.get(value, value))

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.database.move(src, dest, self._offered.get(value, value))
