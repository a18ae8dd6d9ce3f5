"""``ldmspec report [DIR] [--json]``: re-render every counterexample report and the index."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ldmspec.errors import InputError, LdmspecError
from ldmspec.report import Counterexample, rebuild_index, rerender_report
from ldmspec.report.files import COUNTEREXAMPLE_FILE
from ldmspec.report.index import report_folders
from ldmspec.report.writer import read_report

HELP = "re-render counterexample reports from their JSON and rebuild reports/index.html"

DESCRIPTION = """\
Re-render every counterexample report under DIR (default: reports) from its
counterexample.json: report.md, report.html, replay.ldm, path.dot and the fleet
copy, then rebuild DIR/index.html, newest first. Use it after upgrading ldmspec,
or after editing a counterexample.json by hand.

Every counterexample.json is checked against its schema (ldmspec-counterexample/1)
first; a malformed one is reported as one line naming the file and nothing is
rewritten (exit 2).

Reports are written by the property suites (pytest --ldmspec-reports DIR) and by
ldmspec verify. Each report folder says at its top how to replay it:

  cd reports/20261127T065300Z-INV-CLEANUP-1a2b3c4d
  ldmspec shell fleet.toml --variant keep-target-on-cancel --seed 7 < replay.ldm

With --check, every report is also replayed (its replay.ldm, fleet copy, variant and
seed, from its folder) and compared step by step with what the report shows: after
upgrading ldmspec this says which reports still reproduce their failure.

examples:
  ldmspec report                     re-render reports/ and rebuild reports/index.html
  ldmspec report --check             ... and replay every report
  ldmspec report /tmp/run-reports    another folder
  ldmspec report reports --json      the list of reports as JSON
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory",
        metavar="DIR",
        nargs="?",
        default="reports",
        help="the reports folder (default: reports)",
    )
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    parser.add_argument(
        "--check",
        action="store_true",
        help="also replay every report in the reference implementation and say whether it "
        "still prints what the report shows (exit 1 when one does not)",
    )


def _summary(folder: Path, cx: Counterexample) -> dict[str, object]:
    return {
        "folder": str(folder),
        "property": cx.property_id,
        "kind": cx.kind,
        "variant": cx.variant,
        "seed": cx.seed,
        "steps": len(cx.steps),
        "violation": cx.violation,
    }


def _replay_differs(folder: Path, cx: Counterexample) -> str | None:
    """None when the replay prints what the report shows, else where it first differs."""
    from ldmspec.report import replay_report

    if not cx.steps:
        return None
    try:
        replayed = replay_report(folder)
    except LdmspecError as exc:
        return f"the replay stops: {exc.one_line()}"
    for number, (mine, again) in enumerate(zip(cx.steps, replayed, strict=False), 1):
        if mine.output != again.output:
            return f"step {number} ({mine.transcript_line}) prints something else"
        if mine.listing != again.listing:
            return f"step {number} ({mine.transcript_line}) leaves another ldm list"
    if len(replayed) != len(cx.steps):
        return f"{len(replayed)} steps replayed, the report has {len(cx.steps)}"
    return None


def run(args: argparse.Namespace) -> int:
    root = Path(args.directory)
    if not root.is_dir():
        raise InputError("an existing reports folder", got=str(root), source="argument DIR")
    if (root / COUNTEREXAMPLE_FILE).is_file():
        raise InputError(
            "the folder that holds the report folders, e.g. reports",
            got=str(root),
            source="argument DIR",
        )
    # Read and validate everything before rewriting anything.
    loaded = [(folder, read_report(folder)) for folder in report_folders(root)]
    for folder, cx in loaded:
        rerender_report(folder, cx)
    index = rebuild_index(root)
    checks = {folder: _replay_differs(folder, cx) for folder, cx in loaded} if args.check else {}
    status = 1 if any(checks.values()) else 0
    if args.json:
        reports = []
        for folder, cx in loaded:
            summary = _summary(folder, cx)
            if args.check:
                summary["replays"] = checks[folder] is None
                summary["replay_difference"] = checks[folder]
            reports.append(summary)
        document = {"directory": str(root), "index": str(index), "reports": reports}
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return status
    if not loaded:
        print(f"no reports in {root}; wrote an empty index {index}")
        return 0
    print(f"re-rendered {len(loaded)} report{'s' if len(loaded) != 1 else ''}, newest first:")
    width = max(len(cx.property_id) for _, cx in loaded)
    for folder, cx in loaded:
        variant = cx.variant or "correct"
        print(f"  {cx.property_id:<{width}}  {variant:<20}  {folder / 'report.html'}")
        if args.check:
            verdict = checks[folder]
            print(f"    replay: {'reproduces every step' if verdict is None else verdict}")
    print(f"index: {index}")
    return status
