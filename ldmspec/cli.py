"""The ``ldmspec`` command line.

Each subcommand lives in its own module under :mod:`ldmspec.commands` and provides
``HELP`` (one line), ``DESCRIPTION`` (what ``--help`` teaches, with examples),
``configure(parser)`` and ``run(args) -> int``. This module only dispatches, and turns
every :class:`~ldmspec.errors.LdmspecError` into one line on standard error with the
documented exit status: never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from ldmspec.errors import LdmspecError

__all__ = ["main"]

# In the order `ldmspec --help` lists them.
COMMANDS = (
    "verify",
    "check",
    "targets",
    "evacuate",
    "explore",
    "shell",
    "inventory",
    "collect",
    "report",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _command_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"ldmspec.commands.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"ldmspec.commands.{name}":
            return None  # not built yet
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ldmspec",
        description="Verify logical-domain (LDom) live migration: prove preconditions with z3, "
        "explore the protocol model, and property-test a reference implementation.",
        epilog="Run 'ldmspec COMMAND --help' for a command's options and examples.",
    )
    from ldmspec import __version__

    parser.add_argument("--version", action="version", version=f"ldmspec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = _command_module(name)
        if module is None:
            continue
        command = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ldmspec`` with ``argv``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        status: int = args._run(args)
    except LdmspecError as exc:
        sys.stdout.flush()
        print(exc.one_line(), file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the output cannot be written (a full disk, /dev/full...)
        _silence_stdout()
        where = f"{exc.filename}: " if exc.filename else "output: "
        print(f"ldmspec {args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    return status


def _silence_stdout() -> None:
    """Drop what stdout still buffers, so exiting does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
