"""Several machines share failures through one Redis example database (a real redis-server).

``make test`` starts redis-server on a free localhost port and names it in
``LDMSPEC_TEST_REDIS``; without one (it could not be installed) the test is skipped and
says so. A failure the stateful machine finds in one pytest process is stored in Redis;
a second process, in another folder (a fresh local ``.hypothesis/``) and reading the
shared database read-only as CI would, replays it without generating anything and fails
at once by the same invariant, writing nothing back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REDIS = os.environ.get("LDMSPEC_TEST_REDIS")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not REDIS, reason="no redis-server (make test starts one where it can install it)"
    ),
]


def _suite(folder, *options: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LDMSPEC_", "HYPOTHESIS_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--pyargs", "ldmspec.properties.test_migration_machine",
         "--ldmspec-variant", "no-scrub", "--ldmspec-reports", "reports", *options],
        capture_output=True, text=True, cwd=folder, env=env, timeout=600,
    )  # fmt: skip
    return done, json.loads((folder / "reports" / "last-run.json").read_text())


def _stored(client) -> dict[bytes, set[bytes]]:
    return {key: client.smembers(key) for key in client.keys(b"hypothesis-example:*")}


def test_a_failure_found_on_one_machine_replays_first_on_another(tmp_path):
    from redis import Redis

    client = Redis.from_url(REDIS)
    client.flushdb()

    found, first = _suite(tmp_path / "farm", "--ldmspec-db", REDIS)
    assert found.returncode == 1, found.stdout + found.stderr
    assert first["properties"] == ["INV-CLEANUP"]
    stored = _stored(client)
    assert stored, "the failure was not stored in Redis"

    # Another process, a fresh local cache, the shared database read-only, no generation:
    # only a failure replayed from Redis can fail this run.
    ci, second = _suite(tmp_path / "ci", "--ldmspec-db", REDIS, "--ldmspec-db-read-only",
                        "--ldmspec-shrink")  # fmt: skip
    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert second["properties"] == ["INV-CLEANUP"]
    assert second["shrink"] is True
    assert _stored(client) == stored  # read-only: nothing written back

    # The same run without the shared database has nothing to replay.
    alone, third = _suite(tmp_path / "alone", "--ldmspec-shrink")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert third["failed"] == [] and third["properties"] == []
