"""``ldmspec shell FLEET [--variant NAME] [--seed N] [--json]``: drive the reference system."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, TextIO

from ldmspec.errors import InputError
from ldmspec.inventory.loader import load_fleet
from ldmspec.system import VARIANTS, Datacenter
from ldmspec.system.messages import PASSWORD_PROMPT
from ldmspec.system.transcript import DIRECTIVES, Shell, Step

__all__ = ["DESCRIPTION", "HELP", "configure", "run"]

HELP = "run ldm commands against the simulated hosts of a fleet (interactive or a transcript)"

_VARIANT_LINES = "\n".join(
    f"  {v.name:<24} {v.violates}\n      {v.description}" for v in VARIANTS.values()
)
_DIRECTIVE_LINES = "\n".join(f"  {form}" for form in DIRECTIVES.values())

DESCRIPTION = f"""\
Simulate the hosts of FLEET (hypervisors, Logical Domains Managers, the network)
and read commands from standard input: a transcript when input is a file or a
pipe, a prompt when it is a terminal. Each line is one of

  HOST# ldm ARGS       run ldm on HOST: list [-l] [-p] [-o FORMAT[,...]] (FORMAT:
                       status, memory, console, disk, network), migrate[-domain]
                       [-n] [-p FILE] D [user@]T[:NEW], cancel-operation migration D,
                       bind, unbind, start, stop, rm-domain, add-/rm-vdsdev, add-/rm-vsw,
                       add-/rm-vcc, set-domain cpu-arch=X, set-vcpu, set-memory, -V,
                       list-services -p, list-devices -a -p, list-devices [-p] memory
                       (free memory), list-constraints -x
  # comment
{_DIRECTIVE_LINES}

ldm prints the published layouts (NORM only on 3.x Managers, an empty CONS for a
suspended source). Two forms are ldmspec's own, as no example was ever published:
the parseable -o status (STATUS|op=...|progress=...|target=...) and the words
source, target, error for FLAGS column 6 in list -l -p.

Output echoes each line after its prompt, then what ldm prints, so a transcript
reads like an administrator's terminal. Migrations run in the background: advance
time with .tick, .until or .run; when one ends, what ldm migrate-domain printed
follows, then a '# HOST: ... ended: OUTCOME' line. A migrate without -p reads the
target password from the next line, which is never echoed (unless that line is a
command, directive or comment: then the password is empty). Passwords are never
printed: the echo of .password (and any error about it) shows ********. A host
accepts any password until .password sets one.

The same FLEET, --variant, --seed and input print byte-identical output. A bad
line prints FILE:LINE: expected ..., got "..." and, in a transcript, stops with
exit status 2. Otherwise the exit status is 0, whatever ldm printed.

variants (--variant NAME; each breaks one documented behaviour):
{_VARIANT_LINES}

examples:
  ldmspec shell examples/fleet.toml
  ldmspec shell examples/fleet.toml < examples/seed-story.txt
  ldmspec shell examples/fleet.toml --variant skip-last-round-dirty --seed 7 \\
      < examples/seed-story.txt
  ldmspec shell examples/fleet.toml --json < examples/faults-story.txt
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fleet", metavar="FLEET", help="fleet file or folder of capture bundles")
    parser.add_argument(
        "--variant", metavar="NAME", help="run a deliberately broken variant (see below)"
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="scheduler seed (0)")
    parser.add_argument(
        "--json", action="store_true", help="print the steps as JSON instead of a transcript"
    )


def run(args: argparse.Namespace) -> int:
    fleet = load_fleet(args.fleet)
    dc = Datacenter.from_fleet(fleet, variant=args.variant, seed=args.seed)
    if sys.stdin.isatty() and not args.json:
        return _interactive(dc, sys.stdin, sys.stdout)
    shell = Shell(dc, source="<stdin>")
    steps: list[Step] = []
    for step in shell.steps(sys.stdin):
        if args.json:
            steps.append(step)
        else:
            for line in step.output:
                print(line)
    if args.json:
        print(json.dumps(_json(args, dc, steps), indent=2))
    return 0


def _json(args: argparse.Namespace, dc: Datacenter, steps: list[Step]) -> dict[str, Any]:
    return {
        "fleet": args.fleet,
        "variant": args.variant,
        "seed": args.seed,
        "time": dc.scheduler.now,
        "events": dc.scheduler.executed,
        "steps": [
            {
                "line": s.output[0] if s.output else s.line,
                "output": list(s.output[1:]),
                "status": s.status,
            }
            for s in steps
            if s.output
        ],
    }


def _interactive(dc: Datacenter, stdin: TextIO, stdout: TextIO) -> int:
    shell = Shell(dc, source="<stdin>", ask_password=lambda: getpass.getpass("Target Password:"))
    print(f"ldmspec shell: hosts {', '.join(dc.managers)}", file=stdout)
    print(
        "type 'HOST# ldm ARGS', '.tick N', '.run' (ldmspec shell --help); Ctrl-C drops the "
        "line, Ctrl-D ends",
        file=stdout,
    )
    number = 0
    while True:
        try:
            line = input("> ")
        except EOFError:
            print(file=stdout)
            return 0
        except KeyboardInterrupt:  # as at any shell prompt: drop the line, keep the hosts
            print(file=stdout)
            continue
        number += 1
        try:
            step = next(iter(shell.steps([line])))
        except InputError as exc:
            error = InputError(exc.expected, got=exc.got, source="<stdin>", line=number)
            print(error.one_line(), file=sys.stderr)
            continue
        # The terminal already shows what was typed (and getpass showed the password
        # prompt): print what follows the echo.
        shown = step.output[1:]
        if shown and shown[0] == PASSWORD_PROMPT:
            shown = shown[1:]
        for out in shown:
            print(out, file=stdout)
