"""``ldmspec check``: prove one migration feasible, or name every violated requirement."""

from __future__ import annotations

import argparse
import json
import sys

from ldmspec.errors import InputError
from ldmspec.inventory import load_fleet
from ldmspec.outputs import write_text_output
from ldmspec.solver import (
    DEFAULT_TIMEOUT_MS,
    PrecheckVerdict,
    check_migration,
    domain_model,
    resolve_pair,
)
from ldmspec.solver.confirm import confirm_verdict

__all__ = ["DESCRIPTION", "HELP", "configure", "render", "run"]

HELP = "prove a migration feasible with z3, or name every violated requirement and the fix"

DESCRIPTION = """\
Prove that DOMAIN can migrate from SOURCE to TARGET with z3, or name every requirement
of the catalog it violates (not only the first), with the observed values, the fix, and
the cheapest set of changes that would make it feasible, as ldm commands.

Exit status: 0 feasible, 1 infeasible, 3 unknown (the solver ran out of time: never
reported as feasible or infeasible), 2 bad input (unknown host or domain, a source that
does not hold the domain, a malformed fleet).

--smt2 FILE writes the query as SMT-LIB 2 so another solver can re-check the proof:
`z3 FILE` or `cvc5 FILE` prints sat (feasible) or unsat for all requirements together,
then each requirement's id and words followed by unsat when that requirement is violated.

--confirm re-checks every claim of the verdict on that query with z3 and cvc5 (feasible:
the query with the witness is sat; each violated requirement: the query with it alone
is unsat) and prints "confirmed by z3 and cvc5"; --json gains "confirmations". When the
two disagree the answer is unknown (exit 3), naming the claim, both answers and the
SMT-LIB file. Every feasible verdict, with or without --confirm, has also passed an
independent witness check (plain Python over the fleet): a failure is unknown too.

examples:
  ldmspec check examples/fleet.toml --domain ldom01 --source t4-a --target t4-b
  ldmspec check examples/fleet.toml --domain ldom01 --source t4-a --target t5-a:ldom01-t5
  ldmspec check examples/fleet.toml --domain ldom02 --source t4-a --target t4-c --json
  ldmspec check examples/captures --domain ldom01 --source t4-a --target t4-b --smt2 query.smt2
  ldmspec check examples/fleet.toml --domain ldom01 --source t4-a --target t4-b --confirm
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fleet", metavar="FLEET", help="fleet file (TOML/JSON) or capture folder")
    parser.add_argument("--domain", required=True, metavar="D", help="the domain to migrate")
    parser.add_argument("--source", required=True, metavar="S", help="the host that has it")
    parser.add_argument(
        "--target",
        required=True,
        metavar="T[:NEW]",
        help="the target host, optionally with the name the domain takes there",
    )
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    parser.add_argument(
        "--smt2", metavar="FILE", help="also write the z3 query as SMT-LIB 2 to FILE"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_TIMEOUT_MS,
        metavar="MS",
        help=f"solver budget in milliseconds (default {DEFAULT_TIMEOUT_MS})",
    )
    parser.add_argument(
        "--no-repair", action="store_true", help="do not search for the cheapest repair"
    )
    parser.add_argument(
        "--confirm",
        action="store_true",
        help="re-check every claim of the verdict with z3 and cvc5 on the exported query",
    )


def split_target(text: str) -> tuple[str, str | None]:
    """``"t5-a:ldom01-t5"`` -> ``("t5-a", "ldom01-t5")``; an empty part is an InputError."""
    host, sep, new = text.partition(":")
    if not host or (sep and not new) or ":" in new:
        raise InputError("a target like HOST or HOST:NEW-NAME", got=text, source="--target")
    return host, new or None


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        raise InputError("a positive number of milliseconds", got=args.timeout, source="--timeout")
    fleet = load_fleet(args.fleet)
    target, new_name = split_target(args.target)
    source_host, target_host = resolve_pair(fleet, args.domain, args.source, target)
    if args.smt2:
        query = domain_model(source_host, args.domain).smt2(target_host, new_name)
        write_text_output(args.smt2, query, f"--smt2 {args.smt2}")
    verdict = check_migration(
        fleet,
        args.domain,
        args.source,
        target,
        new_name,
        timeout_ms=args.timeout,
        repair=not args.no_repair,
    )
    if args.confirm:
        model = domain_model(source_host, args.domain)
        verdict = confirm_verdict(
            model, target_host, new_name, verdict, query_file=args.smt2, timeout_ms=args.timeout
        )
    if args.json:
        print(json.dumps(verdict.to_json(), indent=2))
    else:
        sys.stdout.write(render(verdict))
    return verdict.exit_status


def render(verdict: PrecheckVerdict) -> str:
    """The human table: requirement id, status, observed values; fixes; repair; witness."""
    v = verdict
    rename = f" as {v.target_name}" if v.target_name != v.domain else ""
    lines = [f"{v.domain}: {v.source} -> {v.target}{rename}: {v.status}"]
    if v.status == "unknown":
        if v.reason.startswith(("the solvers disagree", "internal error")):
            lines.append(f"  {v.reason}; nothing is proven either way")
        else:
            lines.append(
                f"  the solver could not decide ({v.reason}); nothing is proven either way"
            )
    elif v.status == "infeasible":
        count = len(v.violations)
        joint = sum(len(ids) for ids in v.jointly_unsatisfiable)
        applicable = count + joint + len(v.holds)
        lines.append(f"  {count} of {applicable} applicable requirements violated")
        if joint:
            lines[-1] += f", {joint} more jointly unsatisfiable"
    lines.append("")
    width = max(len("STATUS"), *(len(r.status) for r in v.rows)) if v.rows else 8
    lines.append(f"{'ID':<6} {'STATUS':<{width}}  OBSERVED")
    for row in v.rows:
        lines.append(f"{row.id:<6} {row.status:<{width}}  {row.observed}")
        if row.fix:
            lines.append(f"{'':<6} {'':<{width}}  fix: {row.fix}")
    for ids in v.jointly_unsatisfiable:
        lines.append(
            f"{'':<6} {'violated':<{width}}  jointly unsatisfiable: {', '.join(ids)} "
            "(each holds alone, not together)"
        )
    lines += [f"note: {note}" for note in v.notes]
    if v.witness is not None and not (v.witness.blocks or v.witness.strands):
        lines += ["", "Witness: none needed (an inactive domain holds nothing until it is bound)"]
    elif v.witness is not None:
        lines += ["", "Witness (where the domain would land):"]
        lines += [f"  memory {b}" for b in v.witness.blocks]
        if v.witness.cores:
            lines.append(f"  whole cores {_ranges(v.witness.cores)}")
        if v.witness.strands:
            lines.append(f"  vCPUs on strands {_ranges(v.witness.strands)}")
    if v.repair is not None:
        lines += ["", *_repair_lines(v)]
    if v.confirmations and v.status != "unknown":
        count = len(v.confirmations)
        claims = "1 claim" if count == 1 else f"{count} claims"
        lines += ["", f"confirmed by z3 and cvc5 ({claims} re-checked)"]
    return "\n".join(lines) + "\n"


def _repair_lines(v: PrecheckVerdict) -> list[str]:
    repair = v.repair
    assert repair is not None
    if repair.status == "unknown":
        return ["Repair: the optimiser could not decide in time (" + repair.note + ")"]
    lines = []
    if repair.status == "none":
        lines.append("Repair: no admissible change makes this migration feasible.")
    elif repair.status == "partial":
        lines.append(f"Repair of every other violation (cost {repair.cost}):")
    else:
        lines.append(f"Repair (cost {repair.cost}, the cheapest admissible set of changes):")
    if repair.status != "none":
        for change in repair.changes:
            lines.append(f"  on {change.host}: {change.description}")
            lines += [f"    {cmd}" for cmd in change.commands]
    for text in repair.unrepairable:
        lines.append(f"  cannot be repaired: {text}")
    if repair.note:
        lines.append(f"  note: {repair.note}")
    return lines


def _ranges(values: tuple[int, ...]) -> str:
    """``(0, 1, 2, 5)`` -> ``"0-2,5"``."""
    parts: list[str] = []
    start = prev = values[0]
    for value in (*values[1:], None):
        if value is not None and value == prev + 1:
            prev = value
            continue
        parts.append(f"{start}-{prev}" if prev != start else f"{start}")
        if value is not None:
            start = prev = value
    return ",".join(parts)
