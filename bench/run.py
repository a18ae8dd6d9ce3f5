"""Run every benchmark in bench/ and write bench/results.json and bench/results.md.

Each ``bench/bench_*.py`` module exposes ``run() -> dict``: a dict of named figures,
each ``{"value": number, "unit": str, "goal": str | None, "met": bool | None,
"note": str}``, measured as medians or ratios over repeated runs. This script names the
machine, runs them in turn (or only those named on the command line), and writes the
table the README's performance section shows.

    python bench/run.py                 # everything
    python bench/run.py solver system   # only bench_solver.py and bench_system.py
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }


def load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = ["| benchmark | figure | value | goal | met |", "|---|---|---|---|---|"]
    for bench, figures in results.items():
        for name, fig in figures.items():
            if not isinstance(fig, dict) or "value" not in fig:
                continue
            value = fig["value"]
            shown = f"{value:,.3g}" if isinstance(value, float) else f"{value:,}"
            met = {True: "yes", False: "**no**", None: ""}[fig.get("met")]
            unit = fig.get("unit", "")
            lines.append(
                f"| {bench} | {name} | {shown} {unit} | {fig.get('goal') or ''} | {met} |"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    wanted = set(argv)
    results: dict[str, dict[str, Any]] = {}
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        results[name] = load(path).run()
        print(f"bench: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    out = {"machine": machine(), "results": results}
    target = HERE / "results.json"
    if wanted and target.exists():  # a partial run updates only what it ran
        previous = json.loads(target.read_text())
        previous["results"].update(results)
        previous["machine"] = out["machine"]
        out = previous
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    tmp.replace(target)
    m = out["machine"]
    header = f"Measured on {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['date']}."
    md = header + "\n\n" + table(out["results"]) + "\n"
    (HERE / "results.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
