"""``ldmspec targets``: every other host as a target for one domain, ranked by headroom."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ldmspec.errors import CommandError, InputError
from ldmspec.inventory import Fleet, load_fleet
from ldmspec.solver import DEFAULT_TIMEOUT_MS, RankedTarget, check_targets

__all__ = ["DESCRIPTION", "HELP", "configure", "render", "run"]

HELP = "check one domain against every other host, ranked by headroom, with every violation"

DESCRIPTION = """\
Check DOMAIN against every other host of the fleet with the z3 precondition model and
list them all, feasible or not: feasible hosts first, by headroom (the smaller of the
vCPU and memory fractions the host keeps free after taking the domain), then the others
by number of violations, each with the ids of every requirement it violates (--json
adds the observed values and fixes). The requirement formulas are built once; each host
adds only its facts. --jobs N checks in N worker processes.

Exit status: 0 when at least one host can take the domain, 1 when none can, 3 when no
host is proven able and the solver could not decide for some (unknown: never reported as
"none can"), 2 bad input.

examples:
  ldmspec targets examples/fleet.toml --domain ldom01
  ldmspec targets examples/fleet.toml --domain web01 --json
  ldmspec targets examples/captures --domain ldom03 --jobs 2
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fleet", metavar="FLEET", help="fleet file (TOML/JSON) or capture folder")
    parser.add_argument("--domain", required=True, metavar="D", help="the domain to place")
    parser.add_argument(
        "--source", metavar="S", help="the host that has D (needed only when several do)"
    )
    parser.add_argument("--json", action="store_true", help="print the ranking as JSON")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (default 1; at most the number of CPUs)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_TIMEOUT_MS,
        metavar="MS",
        help=f"solver budget per host in milliseconds (default {DEFAULT_TIMEOUT_MS})",
    )


def find_source(fleet: Fleet, domain: str, source: str | None) -> str:
    """The host holding ``domain``: ``source`` if given, else the only host that has it."""
    if source is not None:
        return source
    holders = [h.name for h in fleet.hosts if h.domain(domain) is not None]
    if not holders:
        raise CommandError(f"no host has a domain {domain!r}")
    if len(holders) > 1:
        raise CommandError(
            f"several hosts have a domain {domain!r}: {', '.join(holders)}",
            fix="name one with --source",
        )
    return holders[0]


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise InputError("a positive number of worker processes", got=args.jobs, source="--jobs")
    if args.timeout <= 0:
        raise InputError("a positive number of milliseconds", got=args.timeout, source="--timeout")
    fleet = load_fleet(args.fleet)
    source = find_source(fleet, args.domain, args.source)
    ranked = check_targets(
        fleet,
        args.domain,
        source,
        jobs=args.jobs,
        timeout_ms=args.timeout,
        progress=sys.stderr.isatty() and not os.environ.get("LDMSPEC_NO_PROGRESS"),
    )
    if args.json:
        doc = {
            "domain": args.domain,
            "source": source,
            "feasible": sum(r.verdict.feasible for r in ranked),
            "unknown": sum(r.verdict.status == "unknown" for r in ranked),
            "targets": [r.to_json() for r in ranked],
        }
        print(json.dumps(doc, indent=2))
    else:
        sys.stdout.write(render(args.domain, source, ranked))
    if any(r.verdict.feasible for r in ranked):
        return 0
    return 3 if any(r.verdict.status == "unknown" for r in ranked) else 1


def render(domain: str, source: str, ranked: tuple[RankedTarget, ...]) -> str:
    """The ranking as a table: host, verdict, headroom, violated ids."""
    feasible = sum(r.verdict.feasible for r in ranked)
    unknown = sum(r.verdict.status == "unknown" for r in ranked)
    head = f"{domain} on {source}: {feasible} of {len(ranked)} other hosts can take it"
    if unknown:
        head += f", {unknown} undecided (the solver ran out of time)"
    lines = [head, ""]
    width = max([len("HOST"), *(len(r.verdict.target) for r in ranked)])
    lines.append(f"{'HOST':<{width}}  {'VERDICT':<10}  {'HEADROOM':>8}  VIOLATIONS")
    for r in ranked:
        v = r.verdict
        why = ", ".join(v.violated_ids) if v.status != "unknown" else f"({v.reason})"
        lines.append(
            f"{v.target:<{width}}  {v.status:<10}  {r.headroom * 100:>7.1f}%  {why}".rstrip()
        )
    return "\n".join(lines) + "\n"
