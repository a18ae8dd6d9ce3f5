"""The main job: every part of ldmspec run once, ending in one summary.

``ldmspec verify`` (and ``make run``) runs three parts in turn:

1. **model**: explore the standard configuration of the abstract protocol model
   exhaustively and check every property (:mod:`ldmspec.explorer`, :mod:`ldmspec.models`);
2. **properties**: run the property suites against the reference implementation through
   pytest, so the same plugin writes counterexample reports (:mod:`ldmspec.properties`);
3. **preconditions**: prove every planned migration of the fleet with z3 (its
   ``[[plans]]``, or every domain to every other host when it has none) and compare with
   what each plan expects.

Each part gives a :class:`PartResult`; the whole run holds only when every part does.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ldmspec.errors import InputError
from ldmspec.inventory import CONTROL_DOMAIN, Fleet, Plan
from ldmspec.solver import PrecheckVerdict
from ldmspec.solver.confirm import confirmed_check
from ldmspec.testing.outcomes import LAST_RUN, LastRun

__all__ = [
    "PartResult",
    "PlanOutcome",
    "VerifyOptions",
    "check_plans",
    "run_model",
    "run_properties",
    "verify",
]

PROFILES = ("ci", "deep")
STANDARD_MODEL = {"hosts": 2, "domains": 2, "concurrent": 2}  # models.protocol_config.STANDARD


@dataclass(frozen=True)
class VerifyOptions:
    """What ``ldmspec verify`` was asked to do."""

    fleet_path: str
    profile: str = "ci"
    variant: str | None = None
    reports: str = "reports"
    parts: tuple[str, ...] = ("model", "properties", "preconditions")
    timeout_ms: int = 10_000


@dataclass(frozen=True)
class PartResult:
    """One part's outcome: ``ok`` when everything it checked holds."""

    part: str
    ok: bool
    summary: str
    seconds: float
    reports: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "ok": self.ok,
            "summary": self.summary,
            "seconds": round(self.seconds, 3),
            "reports": self.reports,
            "detail": self.detail,
        }


# --- preconditions ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOutcome:
    """A planned migration, its proof, and whether that is what the plan expected."""

    plan: Plan
    verdict: PrecheckVerdict

    @property
    def violated(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.verdict.violations)

    @property
    def as_expected(self) -> bool:
        """Unknown never holds; otherwise the verdict must match the plan's expectation."""
        if self.verdict.status == "unknown":
            return False
        expected = self.plan.expect
        if expected is None or expected == ():
            return self.verdict.status == "feasible"
        return self.verdict.status == "infeasible" and set(self.violated) == set(expected)

    def to_json(self) -> dict[str, Any]:
        p = self.plan
        return {
            "domain": p.domain,
            "source": p.source,
            "target": p.target,
            "new_name": p.new_name,
            "expect": None if p.expect is None else (list(p.expect) or "feasible"),
            "verdict": self.verdict.status,
            "violations": list(self.violated),
            "as_expected": self.as_expected,
        }


def every_pair(fleet: Fleet) -> tuple[Plan, ...]:
    """Every guest domain to every other host: the plans of a fleet that states none."""
    return tuple(
        Plan(d.name, source.name, target.name)
        for source in fleet.hosts
        for d in source.domains
        if d.name != CONTROL_DOMAIN
        for target in fleet.hosts
        if target is not source
    )


def check_plans(
    fleet: Fleet, *, timeout_ms: int = 10_000, on_progress: Callable[[int, int], None] | None = None
) -> tuple[PlanOutcome, ...]:
    """Prove every plan of ``fleet`` (or every pair when it has none), each verdict
    re-checked by z3 and cvc5 (a disagreement is unknown)."""
    plans = fleet.plans or every_pair(fleet)
    outcomes = []
    for done, plan in enumerate(plans, start=1):
        verdict = confirmed_check(
            fleet, plan.domain, plan.source, plan.target, plan.new_name, timeout_ms=timeout_ms
        )
        outcomes.append(PlanOutcome(plan, verdict))
        if on_progress:
            on_progress(done, len(plans))
    return tuple(outcomes)


def preconditions_part(fleet: Fleet, options: VerifyOptions, progress: Progress) -> PartResult:
    started = time.perf_counter()
    outcomes = check_plans(
        fleet,
        timeout_ms=options.timeout_ms,
        on_progress=lambda done, total: progress.update(f"{done}/{total} migrations proven"),
    )
    counts = {s: sum(o.verdict.status == s for o in outcomes) for s in
              ("feasible", "infeasible", "unknown")}  # fmt: skip
    surprises = [o for o in outcomes if not o.as_expected]
    stated = "plans" if fleet.plans else "domain-host pairs"
    summary = (
        f"{len(outcomes)} {stated}: {counts['feasible']} feasible, "
        f"{counts['infeasible']} infeasible, {counts['unknown']} unknown"
    )
    if fleet.plans:
        summary += "; all as expected" if not surprises else f"; {len(surprises)} not as expected"
    ok = not surprises if fleet.plans else counts["unknown"] == 0
    return PartResult(
        "preconditions",
        ok,
        summary,
        time.perf_counter() - started,
        detail={"plans": [o.to_json() for o in outcomes], "outcomes": outcomes},
    )


# --- properties -----------------------------------------------------------------------------


def properties_command(options: VerifyOptions, reports: Path) -> list[str]:
    """The pytest command line that runs the property suites for ``options``."""
    command = [sys.executable, "-m", "pytest", "--pyargs", "ldmspec.properties",
               *_plugin_arguments(options, reports)]  # fmt: skip
    if (os.cpu_count() or 1) > 1 and not options.variant:
        command += ["-n", str(min(os.cpu_count() or 2, 4))]
    return command


def shrink_command(options: VerifyOptions, reports: Path, tests: Sequence[str]) -> list[str]:
    """The pytest command line that replays the saved failures of ``tests`` (absolute
    node ids) and shrinks them."""
    return [sys.executable, "-m", "pytest", *tests, *_plugin_arguments(options, reports),
            "--ldmspec-shrink"]  # fmt: skip


def _plugin_arguments(options: VerifyOptions, reports: Path) -> list[str]:
    arguments = ["-q", "-p", "no:cacheprovider", "--no-header", "-rN",
                 f"--ldmspec-reports={reports}",
                 f"--ldmspec-fleet={options.fleet_path}"]  # fmt: skip
    if options.variant:
        arguments.append(f"--ldmspec-variant={options.variant}")
    return arguments


def run_properties(options: VerifyOptions, progress: Progress) -> PartResult:
    """Run the suites in a pytest subprocess, then shrink what failed in a second one
    (the ``ldmspec-ci`` profile detects without shrinking); read the results from the
    plugin's ``last-run.json``, never from the terminal."""
    started = time.perf_counter()
    reports = Path(options.reports)
    command = properties_command(options, reports)
    status, output, run = _pytest(command, options, progress)
    if run is not None and run.properties and options.profile == "ci":
        progress.update("shrinking the failures")
        failing = [run.absolute(f.test) for f in run.failures if f.property_id]
        _, _, shrunk = _pytest(shrink_command(options, reports, failing), options, progress)
        if shrunk is not None and shrunk.properties:
            run = _with_reports(run, shrunk)
        run.write(reports)  # the record of the whole run, the shrunk reports in it
    summary, ok = _properties_summary(options, status, run)
    return PartResult(
        "properties",
        ok,
        summary,
        time.perf_counter() - started,
        reports=run.reports[0] if run is not None and run.reports else None,
        detail={"command": command, "status": status,
                "last_run": run.to_json() if run is not None else None,
                "caught": list(run.properties) if run is not None else [],
                "reports": list(run.reports) if run is not None else [],
                "output": output[-60:] if status else []},
    )  # fmt: skip


def _pytest(
    command: list[str], options: VerifyOptions, progress: Progress
) -> tuple[int, list[str], LastRun | None]:
    """Run ``command``; its status, the tail of its output and the ``last-run.json`` it wrote."""
    started = time.perf_counter()
    index = Path(options.reports) / LAST_RUN
    index.unlink(missing_ok=True)  # never read a previous run's record
    env = dict(os.environ, LDMSPEC_PROFILE=f"ldmspec-{options.profile}")
    tail: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail = [*tail[-200:], line.rstrip("\n")]
            progress.update(f"{time.perf_counter() - started:.0f} s")
        status = proc.wait()
    try:
        return status, tail, LastRun.read(index)
    except InputError:
        return status, tail, None


def _with_reports(run: LastRun, shrunk: LastRun) -> LastRun:
    """``run`` with the shrunk reports of the tests the shrink run failed again."""
    by_test = {shrunk.absolute(f.test): f for f in shrunk.failures if f.property_id}
    failures = tuple(
        dataclasses.replace(by_test[key], test=f.test) if (key := run.absolute(f.test)) in by_test
        else f
        for f in run.failures
    )  # fmt: skip
    return dataclasses.replace(run, failures=failures)


def _properties_summary(
    options: VerifyOptions, status: int, run: LastRun | None
) -> tuple[str, bool]:
    if run is None:
        return f"pytest ended with status {status} before recording a run", False
    passed, failed = len(run.passed), len(run.failed)
    ok = status == 0 and failed == 0 and passed > 0
    if options.variant:
        from ldmspec.system.variants import VARIANTS

        expected = VARIANTS[options.variant].violates
        if expected in run.properties:
            return f"variant {options.variant} caught by {expected}", ok
        found = ", ".join(run.properties) or (f"{failed} failing tests" if failed else "nothing")
        return (f"variant {options.variant} NOT caught by {expected} ({passed} passed; "
                f"failed: {found})"), ok  # fmt: skip
    summary = f"{passed} passed, {failed} failed"
    if run.properties:
        summary += f" ({', '.join(run.properties)})"
    if status and not failed:  # e.g. the plugin could not write; the output says why
        summary += f", but pytest ended with status {status}"
    return summary, ok


# --- model ------------------------------------------------------------------------------------


def run_model(options: VerifyOptions, progress: Progress) -> PartResult:
    """Explore the standard configuration of the protocol model and check every property."""
    from ldmspec.commands.explore import exploration_document

    started = time.perf_counter()
    document = exploration_document(**STANDARD_MODEL, on_progress=progress.update)
    properties = document["properties"]
    violated = [p["id"] for p in properties if p["status"] != "holds"]
    size = f"{document['states']:,} states, {document['edges']:,} edges, depth {document['depth']}"
    summary = (
        f"{len(properties)} properties hold over {size}"
        if not violated
        else f"{len(violated)} of {len(properties)} properties violated ({', '.join(violated)})"
    )
    return PartResult("model", not violated, summary, time.perf_counter() - started,
                      detail={"exploration": document})  # fmt: skip


# --- the whole run ----------------------------------------------------------------------------


class Progress:
    """One status line on a terminal (rewritten in place), or nothing when not a terminal."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.prefix = ""
        self._last = 0.0

    def start(self, prefix: str) -> None:
        self.prefix = prefix
        self.update("")

    def update(self, text: str) -> None:
        now = time.monotonic()
        if not self.live or (text and now - self._last < 0.1):
            return
        self._last = now
        self.stream.write(f"\r\033[K{self.prefix} {text}")
        self.stream.flush()

    def done(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


def verify(
    fleet: Fleet, options: VerifyOptions, progress: Progress | None = None
) -> Iterator[PartResult]:
    """Run the parts ``options`` asks for, yielding each result as it ends."""
    progress = progress or Progress()
    runners: dict[str, Callable[[], PartResult]] = {
        "model": lambda: run_model(options, progress),
        "properties": lambda: run_properties(options, progress),
        "preconditions": lambda: preconditions_part(fleet, options, progress),
    }
    for number, part in enumerate(options.parts, start=1):
        progress.start(f"verify [{number}/{len(options.parts)}] {part}:")
        result = runners[part]()
        progress.done()
        yield result
