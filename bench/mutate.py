"""Mutation testing of ``ldmspec/system``: do the suites kill bugs they were not written for?

    make mutate                      # MUTANTS=20 sampled mutants, SEED=0
    make mutate MUTANTS=60 SEED=3    # a larger or another sample
    python bench/mutate.py           # the same (LDMSPEC_MUTANTS, LDMSPEC_MUTANT_SEED)

Not one of ``bench/run.py``'s benchmarks (it takes many minutes): it writes its figures
into ``bench/results.json`` (under ``mutate``) and ``bench/results.md`` itself.

`Cosmic Ray <https://cosmic-ray.readthedocs.io/>`_ lists every mutant of
``ldmspec/system`` (operators replaced, comparisons flipped, constants changed, ...);
a seeded sample of them is tested, the rest is marked skipped. Each sampled mutant is
written into the source file in place, the property suites run against it in the
``ldmspec-ci`` profile as CI runs them (``CI=true``: derandomized, the same programs
for every mutant) and the file is restored. A mutant the suites fail on is *killed*;
one they pass on *survived* (a blind spot, or a mutant that changes no behaviour);
one that runs past the time limit (three times the unmutated run) *timed out*.

Figures: killed, survived and timed out among the sampled mutants and the kill rate
(goal of issue 14: at least 90 % of the behaviour-changing mutants killed); the
survivors are listed (file, line, operator, the changed line) under ``survivors`` in
``bench/results.json`` for the props engineer to read: each is a missing oracle or
rule, or an equivalent mutant to explain.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SUITES = ("properties/test_migration_machine.py", "properties/test_precheck_via_ldm.py")
DEFAULT_SAMPLE = 20


def _figure(value: float | None, unit: str, goal: str | None, met: bool | None,
            note: str) -> dict[str, Any]:  # fmt: skip
    return {"value": value, "unit": unit, "goal": goal, "met": met, "note": note}


def _suite_command() -> list[str]:
    return [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *SUITES]


def _baseline() -> float:
    """Seconds the suites take on the unmutated code (they must pass)."""
    started = time.perf_counter()
    done = subprocess.run(_suite_command(), cwd=ROOT, env=_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("bench mutate: the suites fail on the unmutated code:\n" + done.stdout)
    return time.perf_counter() - started


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LDMSPEC_", "HYPOTHESIS_"))}
    return {**env, "CI": "true"}


def _config(folder: Path, timeout: float) -> Path:
    command = " ".join(_suite_command())
    path = folder / "cosmic-ray.toml"
    path.write_text(
        "[cosmic-ray]\n"
        'module-path = "ldmspec/system"\n'
        f"timeout = {timeout:.0f}.0\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        "\n[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )
    return path


def _cosmic_ray(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "cosmic_ray.cli", *args], cwd=ROOT, env=_env(),
                   check=True, capture_output=True, text=True)  # fmt: skip


def _sample(session: Path, size: int, seed: int) -> int:
    """Keep ``size`` mutants drawn with ``seed``; mark the others skipped. The total."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    with use_db(str(session), WorkDB.Mode.open) as db:
        jobs = sorted(item.job_id for item in db.pending_work_items)
        kept = set(random.Random(seed).sample(jobs, min(size, len(jobs))))
        skipped = [job for job in jobs if job not in kept]
        db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
        return len(jobs)


def _outcomes(session: Path) -> list[dict[str, Any]]:
    from cosmic_ray.work_db import WorkDB, use_db

    rows = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == "skipped":
                continue
            mutation = item.mutations[0]
            timed_out = (result.output or "").strip() == "timeout"
            tested = getattr(result.test_outcome, "value", result.test_outcome)
            outcome = "timed out" if timed_out else str(tested)
            rows.append({
                "file": str(Path(mutation.module_path).relative_to(ROOT))
                if Path(mutation.module_path).is_absolute() else str(mutation.module_path),
                "line": mutation.start_pos[0],
                "operator": mutation.operator_name,
                "occurrence": mutation.occurrence,
                "outcome": outcome,
                "diff": (result.diff or "").strip(),
            })  # fmt: skip
    return rows


def run() -> dict[str, Any]:
    size = int(os.environ.get("LDMSPEC_MUTANTS", DEFAULT_SAMPLE))
    seed = int(os.environ.get("LDMSPEC_MUTANT_SEED", "0"))
    baseline = _baseline()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ldmspec-mutate-") as tmp:
        folder = Path(tmp)
        config, session = _config(folder, timeout=3 * baseline), folder / "session.sqlite"
        _cosmic_ray("init", str(config), str(session))
        total = _sample(session, size, seed)
        _cosmic_ray("exec", str(config), str(session))
        rows = _outcomes(session)
    count = {k: sum(r["outcome"] == k for r in rows) for k in ("killed", "survived", "timed out")}
    decided = count["killed"] + count["survived"]
    rate = round(100 * count["killed"] / decided, 1) if decided else None
    survivors = [r for r in rows if r["outcome"] == "survived"]
    for r in survivors:
        print(f"survived: {r['file']}:{r['line']} {r['operator']}\n{r['diff']}", file=sys.stderr)
    sample = f"{len(rows)} of {total} mutants of ldmspec/system (seed {seed})"
    note = (f"{sample}; suites {', '.join(SUITES)} in ldmspec-ci with CI=true; "
            f"unmutated run {baseline:.0f} s, all mutants {time.perf_counter() - started:.0f} s; "
            "survivors include equivalent mutants (no behaviour change)")  # fmt: skip
    figures: dict[str, Any] = {
        "mutants_killed": _figure(count["killed"], "mutants", None, None, note),
        "mutants_survived": _figure(count["survived"], "mutants", None, None, note),
        "mutants_timed_out": _figure(count["timed out"], "mutants", None, None, note),
    }
    if rate is not None:  # none decided: no rate, rather than a made-up one
        figures["mutants_kill_rate"] = _figure(
            rate, "%", ">= 90 % of behaviour-changing", rate >= 90,
            "killed / (killed + survived); equivalent survivors not yet removed by hand",
        )  # fmt: skip
    return {**figures, "survivors": survivors, "outcomes": rows}


def main() -> int:
    """Run, then merge the figures into bench/results.json and bench/results.md."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec and spec.loader
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    figures = run()
    target = ROOT / "bench" / "results.json"
    out = json.loads(target.read_text()) if target.exists() else {"results": {}}
    out["results"]["mutate"] = figures
    out["mutate_machine"] = runner.machine()
    target.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    m = out.get("machine", out["mutate_machine"])
    header = f"Measured on {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['date']}."
    table = runner.table(out["results"])
    (ROOT / "bench" / "results.md").write_text(header + "\n\n" + table + "\n")
    print(json.dumps({k: v for k, v in figures.items() if k != "outcomes"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
