"""Build a counterexample by running a transcript through the reference implementation.

The property suites and ``ldmspec verify`` record what they did as ``ldmspec shell``
lines (``HOST# ldm ...``, ``.tick``, ``.write``, ``.drop``, ``.kill``, ``.password``...).
:func:`counterexample_from_transcript` replays those lines through the very interpreter
``ldmspec shell`` uses, on a fresh :class:`~ldmspec.system.Datacenter` with the same
fleet, variant and seed, and records after each line what it printed, the protocol
messages delivered or lost meanwhile, the ``ldm list`` of every involved host and a
structured observation. So the report's ``replay.ldm`` reproduces exactly what the
report shows::

    cx = counterexample_from_transcript(
        "examples/fleet.toml",
        ["t4-a# ldm migrate-domain ldom01 root@t4-b", "secret", ".tick 12",
         "t4-a# ldm cancel-operation migration ldom01", ".run"],
        variant="keep-target-on-cancel", seed=7,
        property_id="INV-CLEANUP", violation="ldom01 is still bound on t4-b",
    )
    write_report(cx, "reports")

Comment lines become the note of the step that follows them. ``-p FILE`` password files
are read (relative to ``password_dir``, default the current folder) and replaced by
report-local files ``password-1``... holding placeholders.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ldmspec.errors import InputError
from ldmspec.inventory.loader import load_fleet, load_fleet_text
from ldmspec.report.catalog import property_text
from ldmspec.report.provenance import current_versions
from ldmspec.report.values import Counterexample, FrozenMap, Kind, Message, ModelStep, ReportStep
from ldmspec.system import Datacenter, Observation, SystemConfig
from ldmspec.system.transcript import Shell

__all__ = ["counterexample_from_transcript", "replay_report", "run_transcript"]

_PROMPT = re.compile(r"^(?P<host>\S+)#\s*(?P<rest>.*)$")
_DELIVER = re.compile(r"^t=\d+ deliver (?P<src>\S+)->(?P<dst>\S+) (?P<kind>\S+)\s*(?P<detail>.*)$")
_LOST = re.compile(r"^t=\d+ lost (?P<src>\S+)->(?P<dst>\S+) (?P<kind>\S+)$")
_PASSWORD_FILE = re.compile(r"(?<=\s)-p\s+(?P<path>\S+)")


def _messages(trace: Sequence[str]) -> tuple[Message, ...]:
    """The messages a slice of the scheduler trace delivered or lost, in order."""
    found: list[Message] = []
    for entry in trace:
        if match := _DELIVER.match(entry):
            found.append(Message(match["src"], match["dst"], match["kind"], match["detail"]))
        elif match := _LOST.match(entry):
            for index in range(len(found) - 1, -1, -1):
                m = found[index]
                if (m.src, m.dst, m.kind, m.delivered) == (
                    match["src"],
                    match["dst"],
                    match["kind"],
                    True,
                ):
                    found[index] = Message(m.src, m.dst, m.kind, m.detail, delivered=False)
                    break
    return tuple(found)


def _hosts_named(line: str, hosts: Sequence[str]) -> list[str]:
    """Hosts a transcript line names: its prompt, ``user@T[:new]``, directive arguments."""
    words: set[str] = set()
    for word in line.split():
        word = word.removesuffix("#")
        words.add(word)
        words.update(re.split(r"[@:]", word))
    return [h for h in hosts if h in words]


def _observation(observation: Observation, hosts: Iterable[str]) -> dict[str, Any]:
    """Each involved host's view, with the migrations it takes part in."""
    views: dict[str, Any] = {}
    for host in hosts:
        view = observation.host(host)
        related = tuple(m for m in observation.migrations if host in (m.source, m.target))
        views[host] = {"host": view, "migrations": related, "down_links": observation.down_links}
    return views


class _PasswordFiles:
    """Maps each ``-p FILE`` of the transcript to a report-local ``password-N``."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.files: dict[str, str] = {}  # report file name -> content (a secret until redacted)
        self._names: dict[str, str] = {}  # original path -> report file name

    def rewrite(self, command: str) -> str:
        def local(match: re.Match[str]) -> str:
            path = match["path"]
            if path not in self._names:
                name = f"password-{len(self._names) + 1}"
                self._names[path] = name
                try:
                    first = (self.base / path).read_text(encoding="utf-8").splitlines()
                except (OSError, UnicodeDecodeError):
                    # An unreadable file keeps its path: the replay fails the same way.
                    self._names[path] = path
                    return match.group(0)
                self.files[name] = (first[0] if first else "") + "\n"
            return f"-p {self._names[path]}"

        return _PASSWORD_FILE.sub(local, command)


def run_transcript(
    dc: Datacenter,
    lines: Iterable[str],
    *,
    hosts: Sequence[str] | None = None,
    password_dir: str | os.PathLike[str] | None = None,
    source: str = "<transcript>",
) -> tuple[tuple[ReportStep, ...], dict[str, str], dict[str, str]]:
    """Run ``lines`` on ``dc``; return the steps, the initial listings and password files.

    ``hosts`` are the hosts whose ``ldm list`` and observation every step records
    (default: the hosts the lines name, in fleet order).
    """
    text = [line.rstrip("\r\n") for line in lines]
    fleet_hosts = list(dc.managers)
    involved = list(hosts) if hosts is not None else _involved(text, fleet_hosts)
    passwords = _PasswordFiles(Path(password_dir) if password_dir is not None else Path.cwd())
    shell = Shell(dc, source=source)

    def listings() -> dict[str, str]:
        return {h: dc.run_ldm(h, "list").output for h in involved}

    initial = listings()
    steps: list[ReportStep] = []
    notes: list[str] = []
    mark = len(dc.scheduler.trace)
    cursor = 0  # where in ``text`` the shell is: it consumes password lines itself
    for result in shell.steps(text):
        cursor = text.index(result.line, cursor) + 1
        password = None
        if _wants_password(result.line):
            password = ""
            if cursor < len(text) and not _is_shell_line(text[cursor]):
                password = text[cursor]
                cursor += 1
        line = result.line.strip()
        if not line:
            continue
        if line.startswith("#"):
            notes.append(line.lstrip("#").strip())
            continue
        match = _PROMPT.match(line)
        host, command = (match["host"], match["rest"]) if match else ("", line)
        trace = dc.scheduler.trace[mark:]
        mark = len(dc.scheduler.trace)
        steps.append(
            ReportStep(
                host=host,
                command=passwords.rewrite(command) if match else command,
                output="\n".join(result.output[1:]),
                messages=_messages(trace),
                listing=listings(),
                observation=_observation(dc.observe(), involved),
                note=" ".join(notes),
                password=password,
            )
        )
        notes = []
    return tuple(steps), initial, passwords.files


def _wants_password(line: str) -> bool:
    """A ``migrate`` without ``-p``: the shell reads its password from the next line."""
    match = _PROMPT.match(line.strip())
    words = match["rest"].split() if match else []
    return (
        len(words) >= 2
        and words[0] == "ldm"
        and words[1] in ("migrate", "migrate-domain")
        and not any(w == "-p" or (w.startswith("-") and "p" in w[1:]) for w in words[2:])
    )


def _is_shell_line(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith((".", "#")) or bool(_PROMPT.match(stripped))


def _involved(lines: Sequence[str], fleet_hosts: Sequence[str]) -> list[str]:
    named: set[str] = set()
    for line in lines:
        if not line.strip().startswith("#"):
            named.update(_hosts_named(line, fleet_hosts))
    return [h for h in fleet_hosts if h in named]


def counterexample_from_transcript(
    fleet: str | os.PathLike[str],
    lines: Iterable[str],
    *,
    property_id: str,
    violation: str | Callable[[Observation], str],
    variant: str | None = None,
    seed: int = 0,
    fleet_text: str | None = None,
    words: str | None = None,
    kind: Kind | None = None,
    pytest_node: str | None = None,
    reproduce: str | None = None,
    model_path: tuple[ModelStep, ...] | None = None,
    versions: dict[str, str] | None = None,
    config: SystemConfig | None = None,
    password_dir: str | os.PathLike[str] | None = None,
) -> Counterexample:
    """Replay ``lines`` on ``fleet`` (variant, seed) and record them as a counterexample.

    ``fleet`` is the fleet file (its text is copied into the report) or, with
    ``fleet_text``, just the name to show for that text. ``violation`` is what was
    observed, or a function computing it from the final observation. ``words`` and
    ``kind`` default to the DESIGN.md text of ``property_id``. Bad lines raise
    :class:`~ldmspec.errors.InputError` as ``ldmspec shell`` would.
    """

    fleet_path = os.fspath(fleet)
    if fleet_text is None:
        if Path(fleet_path).is_file():
            fleet_text = Path(fleet_path).read_text(encoding="utf-8")
            loaded = load_fleet_text(
                fleet_text, fleet_path, json_format=fleet_path.lower().endswith(".json")
            )
        else:
            from ldmspec.inventory.writer import fleet_to_toml

            loaded = load_fleet(fleet_path)  # a folder of capture bundles
            fleet_text = fleet_to_toml(loaded)
            fleet_path = fleet_path.rstrip("/") + ".toml"
    else:
        loaded = load_fleet_text(
            fleet_text, fleet_path, json_format=fleet_path.lower().endswith(".json")
        )
    dc = Datacenter.from_fleet(loaded, variant=variant, seed=seed, config=config)
    steps, initial, password_files = run_transcript(dc, lines, password_dir=password_dir)
    if not steps:
        raise InputError("a transcript with at least one command or directive", got="no steps")
    observed = violation(dc.observe()) if callable(violation) else violation
    text = property_text(property_id)
    return Counterexample(
        property_id=property_id,
        words=words if words is not None else text.words,
        kind=kind if kind is not None else text.kind,
        steps=steps,
        violation=observed,
        fleet_path=fleet_path,
        fleet_text=fleet_text,
        variant=variant,
        seed=seed,
        pytest_node=pytest_node,
        reproduce=reproduce,
        versions=versions if versions is not None else current_versions(),
        model_path=model_path,
        password_files=FrozenMap(password_files),
        initial_listing=initial,
    )


def replay_report(
    folder: str | os.PathLike[str], *, config: SystemConfig | None = None
) -> tuple[ReportStep, ...]:
    """Run a report folder's ``replay.ldm`` as ``ldmspec shell`` would, from the folder.

    Returns the steps it produced, recorded like the report's own (same hosts), so a
    test can check that the replay prints and observes exactly what the report shows.
    Step notes come from the replay's comments and differ from the report's.
    """
    from ldmspec.report.replay import fleet_file_name
    from ldmspec.report.writer import read_report

    path = Path(folder)
    cx = read_report(path)
    copy = fleet_file_name(cx)
    fleet = load_fleet(path / copy if copy else cx.fleet_path)
    dc = Datacenter.from_fleet(fleet, variant=cx.variant, seed=cx.seed or 0, config=config)
    lines = (path / "replay.ldm").read_text(encoding="utf-8").splitlines()
    with contextlib.chdir(path):  # -p password-N is relative to the report folder
        hosts = tuple(cx.initial_listing) or cx.hosts
        steps, _, _ = run_transcript(dc, lines, hosts=hosts, password_dir=path)
    return steps
