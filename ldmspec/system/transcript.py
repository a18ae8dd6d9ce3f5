"""The ``ldmspec shell`` language: ``ldm`` commands on hosts plus simulator directives.

A transcript is a sequence of lines::

    # the seed's story                   a comment (echoed)
    t4-a# ldm migrate ldom01 root@t4-b   ldm on host t4-a (migrations run in the background)
    secret                               the answer to "Target Password:" (never echoed)
    .tick 20                             run 20 scheduler events
    .until phase 5                       run until a running migration reaches phase 5
    t4-b# ldm list -o status ldom01
    .run                                 run until nothing is pending
    .write ldom01 5000                   the guest of ldom01 dirties 5000 pages (a guest
                                         that is not running writes nothing and says so)
    .rate ldom01 2000                    ... and keeps dirtying 2000 pages per tick
    .drop t4-a t4-b                      cut the link; .heal t4-a t4-b restores it
    .partition t4-a t4-b,t5-a            cut every link between the two sides
    .delay t4-a t4-b 30                  30 more ticks of latency on the link (0 resets)
    .lose-ack t4-a                       lose the next hand-off acknowledgement to t4-a
    .kill t4-a [ldom01]                  KILL to the migrate command (of ldom01) on t4-a
    .free-memory t4-b                    whether t4-b's free memory reads zero (scrubbed)
    .password t4-b secret                what t4-b accepts as target password
    .trace on                            show every event as it runs (# t=TICK ...)

The output echoes every line after its prompt (the password line excepted, as a
terminal would not echo it; the secret of ``.password`` shows as ``********``, see
:func:`masked`), then what ``ldm`` printed. When a background migration
ends, what its ``ldm migrate-domain`` printed follows, then a ``#`` line saying how it
ended. A ``migrate`` without ``-p`` reads its password from the next line unless that
line is itself a command, a directive or a comment (then the password is empty).
``.write DOMAIN`` accepts ``DOMAIN@HOST`` when the name alone is ambiguous.

Same fleet, variant, seed and lines: byte-identical output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ldmspec.errors import InputError
from ldmspec.inventory.facts import Fleet
from ldmspec.inventory.units import format_size
from ldmspec.system.config import SystemConfig
from ldmspec.system.datacenter import WRITE_PATTERNS, Datacenter, Notice

__all__ = ["DIRECTIVES", "Shell", "Step", "masked", "replay"]

_PROMPT = re.compile(r"^(?P<host>[A-Za-z0-9_.-]+)#\s*(?P<rest>.*)$")

DIRECTIVES = {
    ".tick": ".tick [N]",
    ".run": ".run",
    ".until": ".until phase N",
    ".write": ".write DOMAIN[@HOST] N [sequential|random|hot]",
    ".rate": ".rate DOMAIN[@HOST] N [sequential|random|hot]",
    ".drop": ".drop S T",
    ".heal": ".heal S T",
    ".partition": ".partition HOST[,HOST...] HOST[,HOST...]",
    ".delay": ".delay S T TICKS",
    ".lose-ack": ".lose-ack [HOST]",
    ".kill": ".kill HOST [DOMAIN]",
    ".free-memory": ".free-memory HOST",
    ".password": ".password HOST SECRET",
    ".ldm-version": ".ldm-version HOST VERSION",
    ".trace": ".trace on|off",
}


@dataclass(frozen=True)
class Step:
    """One input line and what it printed (``status``: the ldm exit status, or 0)."""

    line: str
    output: tuple[str, ...]
    status: int = 0


def _is_shell_line(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith((".", "#")) or bool(_PROMPT.match(stripped))


class Shell:
    """Interprets transcript lines against a :class:`Datacenter`.

    ``source`` names the input in error messages (``<stdin>``); ``ask_password`` is
    called for a password when no next line can give one (interactive use).
    """

    def __init__(
        self,
        dc: Datacenter,
        *,
        source: str = "<stdin>",
        ask_password: Callable[[], str] | None = None,
        until_limit: int = 1_000_000,
    ) -> None:
        self.dc = dc
        self.source = source
        self.ask_password = ask_password
        self.until_limit = until_limit
        self.tracing = False
        self._traced = len(dc.scheduler.trace)

    # --- the whole input --------------------------------------------------------------
    def steps(self, lines: Iterable[str]) -> Iterator[Step]:
        """Interpret ``lines`` one by one; raises :class:`InputError` at a bad line."""
        numbered = list(enumerate((ln.rstrip("\r\n") for ln in lines), start=1))
        i = 0
        while i < len(numbered):
            number, line = numbered[i]
            i += 1
            password: str | None = None
            if self._wants_password(line):
                if self.ask_password is not None:
                    password = self.ask_password()
                elif i < len(numbered) and not _is_shell_line(numbered[i][1]):
                    password = numbered[i][1]
                    i += 1
                else:
                    password = ""
            yield self.execute(line, number, password=password)

    def _wants_password(self, line: str) -> bool:
        match = _PROMPT.match(line.strip())
        if not match:
            return False
        words = match.group("rest").split()
        return (
            len(words) >= 2
            and words[0] == "ldm"
            and words[1] in ("migrate", "migrate-domain")
            and not any(w == "-p" or (w.startswith("-") and "p" in w[1:]) for w in words[2:])
        )

    # --- one line ---------------------------------------------------------------------
    def execute(self, line: str, number: int = 0, *, password: str | None = None) -> Step:
        """One line: its echo, its output, then the notices of migrations that ended."""
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            return Step(line, (line,) if stripped else ())
        output: list[str] = [masked(stripped)]
        status = 0
        if stripped.startswith("."):
            output += self._directive(stripped, number)
        else:
            match = _PROMPT.match(stripped)
            if not match:
                raise self._error("HOST# ldm ARGS, a .directive or a # comment", stripped, number)
            host, rest = match.group("host"), match.group("rest")
            if host not in self.dc.managers:
                raise self._error(
                    f"a host of the fleet ({', '.join(self.dc.managers)})", host, number
                )
            words = rest.split(maxsplit=1)
            if not words or words[0] != "ldm":
                raise self._error("ldm ARGS after the prompt", rest, number)
            result = self.dc.run_ldm(host, words[1] if len(words) > 1 else "", password=password)
            status = result.status
            if result.output:
                output += result.output.split("\n")
        output += self._events()
        output += self._notices()
        return Step(line, tuple(output), status)

    def _events(self) -> list[str]:
        trace = self.dc.scheduler.trace
        new, self._traced = trace[self._traced :], len(trace)
        return [f"# {event}" for event in new] if self.tracing else []

    def _notices(self) -> list[str]:
        out: list[str] = []
        for notice in self.dc.drain_messages():
            out += notice.lines
            out.append(_ended(notice))
        return out

    def _error(self, expected: str, got: str, number: int) -> InputError:
        return InputError(expected, got=masked(got), source=self.source, line=number or None)

    # --- directives -------------------------------------------------------------------
    def _directive(self, line: str, number: int) -> list[str]:
        name, *args = line.split()
        form = DIRECTIVES.get(name)
        if form is None:
            raise self._error("a directive: " + ", ".join(DIRECTIVES), name, number)
        try:
            return self._run_directive(name, args)
        except (ValueError, KeyError, IndexError) as exc:
            if not _raised_reading_the_line(exc):
                raise  # the system failed running it: a bug to show, not bad input
            raise self._error(form, line, number) from None

    def _run_directive(self, name: str, args: list[str]) -> list[str]:
        dc = self.dc
        if name == ".tick":
            _arity(args, 0, 1)
            count = _count(args[0]) if args else 1
            dc.tick(count)
        elif name == ".run":
            _arity(args, 0, 0)
            dc.run_until_quiescent()
        elif name == ".until":
            _arity(args, 2, 2)
            if args[0] != "phase" or not 1 <= int(args[1]) <= 5:
                raise ValueError(args)
            self._until_phase(int(args[1]))
        elif name in (".write", ".rate"):
            _arity(args, 2, 3)
            host, domain = self._running(args[0])
            pattern = args[2] if len(args) == 3 else "sequential"
            if pattern not in WRITE_PATTERNS:
                raise ValueError(pattern)
            if name == ".write":
                if not dc.guest_write(host, domain, _count(args[1]), pattern) and _count(args[1]):
                    return [f"# {domain}@{host} is not running: nothing written"]
            else:
                dc.set_dirty_rate(host, domain, _count(args[1]), pattern)
        elif name in (".drop", ".heal"):
            _arity(args, 2, 2)
            a, b = (self._host(h) for h in args)
            (dc.drop if name == ".drop" else dc.heal)(a, b)
        elif name == ".partition":
            _arity(args, 2, 2)
            side, other = ([self._host(h) for h in group.split(",")] for group in args)
            dc.partition(side, other)
        elif name == ".delay":
            _arity(args, 3, 3)
            a, b = (self._host(h) for h in args[:2])
            dc.delay(a, b, _count(args[2]))
        elif name == ".lose-ack":
            _arity(args, 0, 1)
            dc.lose_next_ack(self._host(args[0]) if args else None)
        elif name == ".kill":
            _arity(args, 1, 2)
            if not dc.kill(self._host(args[0]), args[1] if len(args) == 2 else None):
                what = f" {args[1]}" if len(args) == 2 else ""
                return [f"# {args[0]}: no ldm migrate-domain{what} is running"]
        elif name == ".free-memory":
            _arity(args, 1, 1)
            return [_free_memory(dc, self._host(args[0]))]
        elif name == ".password":
            _arity(args, 2, 2)
            dc.set_password(self._host(args[0]), args[1])
        elif name == ".ldm-version":
            _arity(args, 2, 2)
            try:
                dc.set_ldm_version(self._host(args[0]), args[1])
            except InputError:
                raise ValueError(args[1]) from None
        elif name == ".trace":
            _arity(args, 1, 1)
            self.tracing = {"on": True, "off": False}[args[0]]
        return []

    def _until_phase(self, phase: int) -> None:
        def reached() -> bool:
            running = [m for m in self.dc.observe().migrations if not m.ended]
            return any(m.phase >= phase for m in running) or not running

        for _ in range(self.until_limit):
            if reached() or not self.dc.pending() or not self.dc.tick():
                return

    def _host(self, name: str) -> str:
        if name not in self.dc.managers:
            raise KeyError(name)
        return name

    def _running(self, spec: str) -> tuple[str, str]:
        domain, _, host = spec.partition("@")
        if host:
            return self._host(host), domain
        hosts = [
            name
            for name, manager in self.dc.managers.items()
            if domain in manager.domains and manager.domains[domain].migration != "t"
        ]
        running = [h for h in hosts if self.dc.observe_running(h, domain)]
        candidates = running or hosts
        if len(candidates) != 1:
            raise KeyError(spec)
        return candidates[0], domain


def masked(line: str) -> str:
    """``line`` as the shell prints it (echo, error messages): the secret of a ``.password``
    directive is ``********``, because a password never appears in output."""
    words = line.split(maxsplit=2)
    if len(words) == 3 and words[0] == ".password":
        return f"{words[0]} {words[1]} ********"
    if len(words) == 2 and words[0] == ".password":  # the host forgotten: a secret alone
        return f"{words[0]} ********"
    return line


def _arity(args: list[str], least: int, most: int) -> None:
    if not least <= len(args) <= most:
        raise ValueError(args)


MAX_COUNT = 10_000_000  # events of one .tick, pages of one .write


def _count(word: str) -> int:
    value = int(word)
    if not 0 <= value <= MAX_COUNT:
        raise ValueError(word)
    return value


def _free_memory(dc: Datacenter, host: str) -> str:
    ranges = dc.observe().host(host).free_ranges
    held = sum(e.size for r in ranges for e in dc.read_physical(host, r.pa, r.size))
    if not held:
        return f"# {host}: all free memory reads zero"
    return f"# {host}: {format_size(held)} of free memory does not read zero"


def _ended(notice: Notice) -> str:
    return (
        f"# {notice.host}: ldm migrate-domain {notice.domain} {notice.target} ended: "
        f"{notice.outcome} (exit status {notice.status})"
    )


def replay(
    fleet: Fleet,
    transcript: str,
    *,
    variant: str | None = None,
    seed: int = 0,
    config: SystemConfig | None = None,
    source: str = "<transcript>",
) -> str:
    """The output of ``transcript`` on a fresh system (what ``ldmspec shell`` prints)."""
    dc = Datacenter.from_fleet(fleet, variant=variant, seed=seed, config=config)
    shell = Shell(dc, source=source)
    lines: list[str] = []
    for step in shell.steps(transcript.splitlines()):
        lines += step.output
    return "\n".join(lines) + ("\n" if lines else "")


def _raised_reading_the_line(exc: BaseException) -> bool:
    """Whether ``exc`` comes from reading a directive's arguments (code of this module),
    not from the system running it."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_filename == __file__
