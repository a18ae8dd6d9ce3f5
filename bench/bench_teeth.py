"""Benchmark the property suite's teeth: every fault variant caught, how fast, how short.

    python bench/bench_teeth.py          # prints the figures as JSON

For each variant of ``ldmspec.system.VARIANTS`` the stateful machine (the dry-run
agreement property for INV-PRECHECK-AGREES) runs with the ``ldmspec-ci`` budget, seeded
(``ldmspec.properties.teeth.hunt``), once: a seeded run is deterministic, so repeats
would only measure the machine's load. Detection runs without shrinking; a second run
replays the failure from the example database and shrinks it (no time limit of ours).
Figures:

* ``variants_caught``: variants caught by the invariant they document (goal: all);
* ``<variant>_seconds_to_detect``: wall time until the first failing program;
* ``<variant>_shrunk_steps``: commands and directives of the shrunk counterexample,
  with the model's shortest counterexample for the same invariant beside it in the
  note (a wrong-on-purpose model variant, ``ldmspec.testing.twins.MODEL_VARIANT_FOR``;
  goal: shrunk <= 1.5 x shortest). The model counts protocol actions (checks pass,
  target created, one pre-copy round, ...) where the transcript counts what the
  operator typed (``.until phase 3`` runs many protocol steps), so the ratio compares
  two different step units: read it as "the report is as short as the model's path".
"""

from __future__ import annotations

import json
from typing import Any

from ldmspec.properties.teeth import hunt, model_shortest

from ldmspec.system import VARIANTS


def _figure(
    value: float | None, unit: str, goal: str | None, met: bool | None, note: str
) -> dict[str, Any]:
    return {"value": value, "unit": unit, "goal": goal, "met": met, "note": note}


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    caught = 0
    for name in sorted(VARIANTS):
        found = hunt(name, shrink=True)  # detection, then a shrink run from its database
        caught += found.caught
        shortest = model_shortest(name, VARIANTS[name].violates)
        figures[f"{name}_seconds_to_detect"] = _figure(
            found.seconds_to_detect, "s", None, None,
            f"single seeded ldmspec-ci run; expected {found.expected}, fired "
            f"{', '.join(found.fired) or 'nothing'}; {found.detected_steps} steps found; "
            f"{found.seconds_total:.1f} s with the shrink run",
        )  # fmt: skip
        met = None
        if shortest and found.shrunk_steps is not None:
            met = found.shrunk_steps <= 1.5 * shortest
        figures[f"{name}_shrunk_steps"] = _figure(
            found.shrunk_steps, "steps",
            "<= 1.5 x model shortest" if shortest else None, met,
            f"model shortest: {shortest if shortest is not None else 'no model variant'}",
        )  # fmt: skip
    figures["variants_caught"] = _figure(
        caught, "variants", f"== {len(VARIANTS)}", caught == len(VARIANTS),
        "each by the invariant its variant documents",
    )  # fmt: skip
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
