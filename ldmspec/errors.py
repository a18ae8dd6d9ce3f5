"""Every exception ldmspec raises on purpose, under one root.

Errors carry the offending value and say what was expected, so the command line can
print them as one line and exit with the documented status::

    examples/fleet.toml:42: hosts.t4-a.domains.ldom01.memory: expected a size like 8G, got "eight"

Status codes follow the contracts of DESIGN.md: 2 for bad input, 3 for a solver that
could not decide.
"""

from __future__ import annotations

__all__ = [
    "CommandError",
    "InputError",
    "LdmspecError",
    "ReportError",
    "SolverUnknown",
]


class LdmspecError(Exception):
    """Root of every error ldmspec raises on purpose.

    ``exit_status`` is what the command line exits with when this error reaches it.
    """

    exit_status: int = 2

    def one_line(self) -> str:
        """The error as the single line the command line prints."""
        return str(self)


class InputError(LdmspecError):
    """Input that does not have the expected form: a fleet file, a capture, an argument.

    ``source`` names the file (or ``<stdin>``, or ``argument --domain``), ``line`` and
    ``column`` locate the problem where the format allows, ``path`` is the dotted key
    path inside the document (``hosts.t4-a.domains.ldom01.memory``), ``expected``
    says what form was wanted and ``got`` is the offending value.
    """

    def __init__(
        self,
        expected: str,
        *,
        got: object = None,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
    ) -> None:
        self.expected = expected
        self.got = got
        self.source = source
        self.line = line
        self.column = column
        self.path = path
        super().__init__(self.one_line())

    def located(
        self, source: str | None = None, line: int | None = None, path: str | None = None
    ) -> InputError:
        """A copy with the position filled in where it was still unknown."""
        return InputError(
            self.expected,
            got=self.got,
            source=self.source or source,
            line=self.line or line,
            column=self.column,
            path=self.path or path,
        )

    def one_line(self) -> str:
        where = ""
        if self.source:
            where = self.source
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            where += ": "
        what = f"{self.path}: " if self.path else ""
        text = f"{where}{what}expected {self.expected}"
        if self.got is not None:
            text += f", got {_show(self.got)}"
        return " ".join(text.split("\n"))


class CommandError(LdmspecError):
    """A command was used wrongly (unknown host, a domain the source does not hold...)."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        return f"{self.message} ({self.fix})" if self.fix else self.message


class SolverUnknown(LdmspecError):
    """z3 could not decide within its budget; never reported as feasible or infeasible."""

    exit_status = 3

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"unknown: the solver could not decide ({reason})")


class ReportError(LdmspecError):
    """A counterexample report could not be written; earlier reports are left intact."""

    def __init__(self, directory: str, reason: str) -> None:
        self.directory = directory
        self.reason = reason
        super().__init__(f"{directory}: cannot write the report: {reason}")


def _show(value: object) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return '"' + shown.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)
