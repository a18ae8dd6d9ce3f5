"""``ldmspec evacuate``: a verified plan that empties a host, or why none exists."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import defaultdict
from typing import TYPE_CHECKING

from ldmspec.errors import InputError
from ldmspec.inventory import load_fleet
from ldmspec.inventory.units import format_size

if TYPE_CHECKING:
    from ldmspec.solver.evacuation import Blocker, Evacuation

__all__ = ["DESCRIPTION", "HELP", "configure", "render", "run"]

HELP = "plan the migration of every domain off a host (CP-SAT, verified by z3), or prove none"

DESCRIPTION = """\
Plan how to move every migratable domain off HOST: one target per domain, respecting
every requirement of the catalog and the targets' capacity (free vCPUs, whole free
cores for whole-core domains, memory with the MEM-2 block layout, console ports), in
waves. OR-Tools CP-SAT chooses the targets, balancing headroom (the fullest target
afterwards is as empty as possible); the plan is then applied wave by wave to the
fleet and every migration is re-proved by the z3 precondition model on the fleet as it
stands at its wave. A plan is printed only when every step is feasible.

Memory: CP-SAT counts sizes (MEM-1); then the domains chosen for each target get
physical addresses (the lowest congruent ones, else z3 solves MEM-2 for all of their
blocks together). Blocks that cannot share the target's free ranges exclude that set
of domains from that target (a proven cut) and CP-SAT solves again: exact, never a
guess. A bound domain with a console takes a free console port on its target only
when live domains planned there do not need it.

When no plan exists, the answer is a proof naming the domains that block it: for
each, every other host and the ids of the requirements that keep it out; or a set of
domains that each fit somewhere alone but not together (a capacity conflict).

The control domain never moves (it stays). An I/O domain (direct I/O: IO-1)
cannot migrate, so it blocks the evacuation and is named. Active domains migrate live,
bound and inactive ones cold.

Waves: a host takes part in at most one migration per wave, as source or target,
except that HOST may send up to --max-parallel migrations at once, each to a different
target. The default, 1, is the conservative concurrency limit (one migration at a
time from a source, as older Managers do): each wave is then one migration. With N > 1
the placement first keeps every target within ceil(domains / N) migrations, so the
plan needs the fewest waves, and balances headroom after that.

--json prints {"host", "verdict": "plan" | "impossible" | "unknown", "max_parallel",
"waves": [[{"domain", "source", "target", "state", "vcpus", "memory", "command"}]],
"staying": [{"domain", "why"}], "blocking": [{"domain", "why", "explained",
"reasons": [{"target", "ids", "observed", "status"}]}], "conflict": {"domains",
"targets", "ids", "need", "free", "cuts", "text"} | null, "verified", "reason",
"stats"}; observed[k] is what was seen for ids[k].

Exit status: 0 a verified plan, 1 impossible (proven), 3 unknown (the solvers ran out
of time: never reported as a plan or as impossible), 2 bad input.

examples:
  ldmspec evacuate examples/fleet.toml --host t4-a          # impossible: iodom, an I/O domain
  ldmspec evacuate examples/fleet.toml --host t4-b --json   # impossible: web01's volume
  ldmspec evacuate examples/captures --host t5-a --max-parallel 2 --jobs 2 --timeout 30
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fleet", metavar="FLEET", help="fleet file (TOML/JSON) or capture folder")
    parser.add_argument("--host", required=True, metavar="HOST", help="the host to empty")
    parser.add_argument("--json", action="store_true", help="print the plan or proof as JSON")
    parser.add_argument(
        "--max-parallel",
        type=int,
        default=1,
        metavar="N",
        help="migrations HOST runs at once, each to its own target (default 1)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="budget of the whole search in seconds (default 60)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="worker processes for the z3 checks (default 1)",
    )


def run(args: argparse.Namespace) -> int:
    if args.max_parallel < 1:
        raise InputError("a positive number of migrations", got=args.max_parallel,
                         source="--max-parallel")  # fmt: skip
    if not 0 < args.timeout < math.inf:  # also refuses nan and inf
        raise InputError("a positive number of seconds", got=args.timeout, source="--timeout")
    if args.jobs < 1:
        raise InputError("a positive number of worker processes", got=args.jobs, source="--jobs")
    fleet = load_fleet(args.fleet)
    show = sys.stderr.isatty() and not os.environ.get("LDMSPEC_NO_PROGRESS")
    # Imported here: OR-Tools takes half a second to load, which every other command and
    # `ldmspec --help` would pay for (the CLI loads every command module to list them).
    from ldmspec.solver.evacuate import evacuate
    from ldmspec.solver.evacuation_search import progress_printer

    result = evacuate(
        fleet,
        args.host,
        max_parallel=args.max_parallel,
        timeout_s=args.timeout,
        jobs=args.jobs,
        say=progress_printer(show),
    )
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        sys.stdout.write(render(result))
    return result.exit_status


# --------------------------------------------------------------------------------------
# Human output
# --------------------------------------------------------------------------------------
MAX_REASON_LINES = 12


def render(result: Evacuation) -> str:
    """The plan as a table, or the proof that none exists."""
    lines = [_headline(result), ""]
    if result.verdict == "plan" and result.moves:
        lines += _table(result)
        lines.append("")
    for s in result.staying:
        lines.append(f"staying on {result.host}: {s.domain} ({s.why})")
    for b in result.blocking:
        lines += _blocker(b)
    if result.conflict is not None:
        c = result.conflict
        ids = f" [{', '.join(c.ids)}]" if c.ids else ""
        lines.append(f"capacity conflict{ids}: {c.text}")
        lines += [f"  {cut}" for cut in c.cuts]
    if result.reason:
        lines.append(f"reason: {result.reason}")
    return "\n".join(lines).rstrip("\n") + "\n"


def _headline(result: Evacuation) -> str:
    h = result.host
    if result.verdict == "plan":
        n, w = len(result.moves), len(result.waves)
        if not n:
            return f"evacuate {h}: nothing to move"
        at_once = "one at a time" if result.max_parallel == 1 else (
            f"at most {result.max_parallel} at a time")  # fmt: skip
        return (
            f"evacuate {h}: plan of {n} migration{'s' * (n != 1)} in {w} wave{'s' * (w != 1)}"
            f" ({at_once} from {h}), every step verified by the z3 model"
        )
    if result.verdict == "impossible":
        return f"evacuate {h}: impossible"
    return f"evacuate {h}: unknown (no plan and no proof within the budget)"


def _table(result: Evacuation) -> list[str]:
    head = ("WAVE", "DOMAIN", "FROM", "TO", "VCPUS", "MEMORY", "COMMAND (on the source)")
    rows = [
        (str(m.wave), m.domain, m.source, m.target, str(m.vcpus), format_size(m.memory),
         m.command)
        for m in result.moves
    ]  # fmt: skip
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    right = {0, 4, 5}

    def line(r: tuple[str, ...]) -> str:
        cells = [c.rjust(widths[k]) if k in right else c.ljust(widths[k]) for k, c in enumerate(r)]
        return "  ".join(cells).rstrip()

    return [line(head), *(line(r) for r in rows)]


def _blocker(b: Blocker) -> list[str]:
    """The blocking domain, then every other host with the ids that keep it out."""
    lines = [f"blocking: {b.domain}: {b.why}"]
    if not b.explained:
        lines.append("  (not checked against every host: the time budget ran out)")
        return lines
    if not b.reasons:
        lines.append("  there is no other host")
        return lines
    width = max(len(r.target) for r in b.reasons)
    for shown, r in enumerate(b.reasons):
        if shown == MAX_REASON_LINES:
            lines.append(f"  ... {len(b.reasons) - shown} more hosts (--json lists every one)")
            lines += _most_common(b)
            break
        lines.append(f"  {r.target:<{width}}  {', '.join(r.ids) if r.ids else r.status}")
        labels = r.ids or ("",) * len(r.observed)
        for rid, seen in zip(labels, r.observed, strict=True):
            lines.append(f"  {'':<{width}}    {rid + ': ' if rid else ''}{seen}")
    return lines


def _most_common(b: Blocker) -> list[str]:
    groups: dict[tuple[str, ...], int] = defaultdict(int)
    for r in b.reasons:
        groups[r.ids or ("undecided",)] += 1
    ids, count = max(groups.items(), key=lambda kv: (kv[1], kv[0]))
    return [f"  most common: {', '.join(ids)} on {count} of {len(b.reasons)} hosts"]
