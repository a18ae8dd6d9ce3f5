"""Regenerate the committed example report in reports/example/ from a real run.

    .venv/bin/python tests/report/make_example_report.py

The run: ldom01 live-migrates from t4-a to t4-b on the example fleet, the hand-off
acknowledgement is lost, and the ``resume-on-lost-ack`` variant of the reference
implementation resumes the source's copy although the target already runs it: two
copies of ldom01 run at once (INV-SINGLE-ACTIVE). test_report_example.py checks that the
committed folder is consistent with its JSON and still replays to the same failure.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "reports" / "example"
FLEET = "examples/fleet.toml"
VARIANT = "resume-on-lost-ack"
SEED = 7
PROPERTY = "INV-SINGLE-ACTIVE"
WHEN = datetime(2026, 11, 27, 7, 0, 0, tzinfo=UTC)

SCENARIO = [
    "# t4-b accepts the password welcome1 (it never reaches the report).",
    ".password t4-b welcome1",
    "# Live-migrate ldom01 from t4-a to t4-b; the password answers the prompt.",
    "t4-a# ldm migrate ldom01 root@t4-b",
    "welcome1",
    "# The guest keeps writing while its memory is copied.",
    ".write ldom01 20000",
    "# The network will lose the target's hand-off acknowledgement to t4-a.",
    ".lose-ack t4-a",
    ".until phase 5",
    "t4-a# ldm list ldom01",
    "t4-b# ldm list ldom01",
    "# Let the migration end: the source never hears that the target took over.",
    ".run",
    "t4-a# ldm list ldom01",
    "t4-b# ldm list ldom01",
]


def violation(observation: object) -> str:
    hosts = observation.running_copies("ldom01")  # type: ignore[attr-defined]
    return (
        f"ldom01 runs on {len(hosts)} hosts at once ({', '.join(hosts)}): the source resumed "
        "its copy after the lost hand-off acknowledgement instead of entering the error "
        "state (FLAGS e), while the target had already resumed the domain"
    )


def build():  # -> Counterexample
    from ldmspec.report import counterexample_from_transcript

    return counterexample_from_transcript(
        FLEET,
        SCENARIO,
        property_id=PROPERTY,
        violation=violation,
        variant=VARIANT,
        seed=SEED,
    )


def main() -> int:
    from ldmspec.report import write_report

    os.chdir(ROOT)  # the fleet path is recorded relative to the repository
    cx = build()
    with tempfile.TemporaryDirectory() as staging:
        folder = write_report(cx, staging, clock=lambda: WHEN, index=False)
        if EXAMPLE.exists():
            shutil.rmtree(EXAMPLE)
        shutil.copytree(folder, EXAMPLE)
    print(f"wrote {EXAMPLE}: {cx.violation}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
