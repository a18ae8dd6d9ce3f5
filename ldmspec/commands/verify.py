"""``ldmspec verify``: the main job — model, property suites and preconditions, one summary."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ldmspec.errors import InputError
from ldmspec.inventory import load_fleet
from ldmspec.pipeline import PROFILES, PartResult, PlanOutcome, Progress, VerifyOptions, verify

__all__ = ["DESCRIPTION", "HELP", "configure", "run"]

HELP = "the main job: explore the model, run the property suites, prove the planned migrations"

PARTS = ("model", "properties", "preconditions")

DESCRIPTION = """\
Run every part of ldmspec once and end with one summary:

  model          explore the abstract migration protocol (2 hosts, 2 domains, 2 concurrent
                 migrations, faults and restarts without end) and check every property;
  properties     run the Hypothesis property suites against the reference implementation
                 (through pytest; failing properties leave counterexample reports);
  preconditions  prove every planned migration of FLEET with z3 (its [[plans]], or every
                 domain to every other host when it has none) and compare each verdict with
                 the plan's `expect`.

Exit status: 0 when everything holds, 1 when something does not (a property violated, a
plan not as expected, a variant caught), 3 when a proof was unknown and nothing else
failed, 2 for bad input.

With --variant NAME the property suites run against that deliberately broken variant of
the reference implementation (see `ldmspec shell --help` for the list): the summary shows
which invariant caught it and where the counterexample report is.

examples:
  ldmspec verify                                  # the embedded example fleet
  ldmspec verify examples/fleet.toml --json
  ldmspec verify examples/captures --part preconditions
  ldmspec verify --variant no-scrub --reports /tmp/reports
  ldmspec verify --profile deep                   # nightly: long property runs
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fleet",
        metavar="FLEET",
        nargs="?",
        help="fleet file or capture folder (default: examples/fleet.toml, the embedded example)",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="ci",
        help="property-suite budget: ci (minutes; the ldmspec-ci Hypothesis profile) or deep "
        "(nightly; ldmspec-deep)",
    )
    parser.add_argument(
        "--variant",
        metavar="NAME",
        help="run the property suites against a broken variant of the system",
    )
    parser.add_argument(
        "--reports",
        metavar="DIR",
        default="reports",
        help="where counterexample reports go (default: reports/)",
    )
    parser.add_argument(
        "--part",
        action="append",
        choices=PARTS,
        dest="parts",
        help="run only this part (repeatable; default: all three)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=10_000,
        metavar="MS",
        help="z3 budget per migration proof in milliseconds (default 10000)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def default_fleet() -> str:
    """examples/fleet.toml in the working directory, else the copy shipped in the package."""
    local = Path("examples/fleet.toml")
    if local.is_file():
        return str(local)
    return str(Path(__file__).resolve().parents[1] / "data" / "example-fleet.toml")


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        raise InputError("a positive number of milliseconds", got=args.timeout, source="--timeout")
    fleet_path = args.fleet or default_fleet()
    fleet = load_fleet(fleet_path)
    if args.variant:
        _check_variant(args.variant)
    parts = tuple(p for p in PARTS if p in (args.parts or PARTS))
    if "properties" in parts:
        _check_reports_folder(args.reports)
    options = VerifyOptions(
        fleet_path=fleet_path,
        profile=args.profile,
        variant=args.variant,
        reports=args.reports,
        parts=parts,
        timeout_ms=args.timeout,
    )
    results: list[PartResult] = []
    if not args.json:
        print(f"ldmspec verify {fleet_path}: {len(fleet.hosts)} hosts, profile {args.profile}"
              + (f", variant {args.variant}" if args.variant else ""))  # fmt: skip
    for result in verify(fleet, options, Progress()):
        results.append(result)
        if not args.json:
            print(render_part(result))
    if args.json:
        print(json.dumps(document(fleet_path, options, results), indent=2))
    else:
        print(render_summary(results))
    return exit_status(results)


def _check_reports_folder(folder: str) -> None:
    """Refuse, before minutes of property runs, a reports folder that cannot be written."""
    if Path(folder).exists() and not Path(folder).is_dir():
        raise InputError("a reports folder, not a file", got=folder, source="--reports")
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".ldmspec-")
    except OSError as exc:
        raise InputError(
            f"a reports folder ldmspec can write ({exc.strerror})", got=folder, source="--reports"
        ) from None
    os.close(handle)
    Path(probe).unlink()


def _check_variant(name: str) -> None:
    from ldmspec.system import VARIANTS

    if name not in VARIANTS:
        raise InputError("a variant: " + ", ".join(sorted(VARIANTS)), got=name,
                         source="--variant")  # fmt: skip


def exit_status(results: list[PartResult]) -> int:
    if all(r.ok for r in results):
        return 0
    unknown_only = all(r.ok or (r.part == "preconditions" and _only_unknown(r)) for r in results)
    return 3 if unknown_only else 1


def _only_unknown(result: PartResult) -> bool:
    outcomes: tuple[PlanOutcome, ...] = result.detail.get("outcomes", ())
    bad = [o for o in outcomes if not o.as_expected]
    return bool(bad) and all(o.verdict.status == "unknown" for o in bad)


def document(fleet_path: str, options: VerifyOptions, results: list[PartResult]) -> dict[str, Any]:
    parts = []
    for r in results:
        data = r.to_json()
        data["detail"] = {k: v for k, v in r.detail.items() if k != "outcomes"}
        parts.append(data)
    return {
        "fleet": fleet_path,
        "profile": options.profile,
        "variant": options.variant,
        "ok": all(r.ok for r in results),
        "parts": parts,
    }


def _mark(result: PartResult) -> str:
    """holds, FAILS, or unknown when only unknown proofs kept the part from holding."""
    if result.ok:
        return "holds"
    return "unknown" if result.part == "preconditions" and _only_unknown(result) else "FAILS"


def render_part(result: PartResult) -> str:
    mark = _mark(result)
    lines = [f"\n== {result.part}: {mark} — {result.summary}"]
    if result.part == "preconditions":
        outcomes = result.detail.get("outcomes", ())
        planned = any(o.plan.expect is not None for o in outcomes)
        lines += _plan_lines(outcomes) if planned else _matrix_lines(outcomes)
    elif result.part == "model":
        lines += _model_lines(result.detail.get("exploration", {}))
    elif result.part == "properties" and not result.ok and _unexplained(result):
        lines += ["  " + line for line in result.detail.get("output", [])[-25:]]
    if result.reports:
        lines.append(f"  report: {result.reports}")
    return "\n".join(lines)


def _unexplained(result: PartResult) -> bool:
    """No run recorded, or a failure that is no property's: pytest's output says why."""
    run = result.detail.get("last_run")
    return run is None or any(f["property"] is None for f in run["failures"])


def _plan_lines(outcomes: tuple[PlanOutcome, ...]) -> list[str]:
    rows = [("DOMAIN", "SOURCE", "TARGET", "VERDICT", "VIOLATED", "EXPECTED")]
    for o in outcomes:
        p = o.plan
        target = p.target + (f":{p.new_name}" if p.new_name else "")
        expected = "-" if p.expect is None else (", ".join(p.expect) or "feasible")
        mark = "" if o.as_expected else "  <-- not as expected"
        rows.append((p.domain, p.source, target, o.verdict.status,
                     ", ".join(o.violated) or "-", expected + mark))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[5]
            for r in rows]  # fmt: skip


def _matrix_lines(outcomes: tuple[PlanOutcome, ...]) -> list[str]:
    """Rows: each domain on its source; columns: every host; cells: ok or the ids violated."""
    targets: list[str] = []
    cells: dict[tuple[str, str], str] = {}
    for o in outcomes:
        p = o.plan
        if p.target not in targets:
            targets.append(p.target)
        cell = {"feasible": "ok", "unknown": "unknown"}.get(o.verdict.status)
        cells[(f"{p.domain}@{p.source}", p.target)] = cell or ",".join(o.violated)
    rows_names = list(dict.fromkeys(k[0] for k in cells))
    header = ["DOMAIN@SOURCE", *targets]
    rows = [header] + [[r] + [cells.get((r, t), "-") for t in targets] for r in rows_names]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]  # fmt: skip


def _model_lines(exploration: dict[str, Any]) -> list[str]:
    lines = []
    for prop in exploration.get("properties", []):
        lines.append(f"  {prop['status']:<9} {prop['kind']:<10} {prop['id']}")
    return lines


def render_summary(results: list[PartResult]) -> str:
    rows = [("PART", "RESULT", "TIME", "DETAIL")]
    for r in results:
        detail = r.summary + (f" (report: {r.reports})" if r.reports else "")
        rows.append((r.part, _mark(r), f"{r.seconds:.1f} s", detail))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["", "Summary"]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  "
              + row[3] for row in rows]  # fmt: skip
    verdict = {
        0: "everything holds",
        3: "undecided (a proof was unknown; nothing else failed)",
    }.get(exit_status(results), "something does not hold")
    lines.append(f"\nldmspec verify: {verdict}")
    return "\n".join(lines)
