"""The manifest of small model configurations and what exploring them must give.

Like ``tlaplus/Examples``' ``manifest.json``, each entry pins a configuration of the
protocol model (correct or a variant, with or without symmetry reduction) to its
distinct states, edges, depth and result, so that any change to the model shows up as
a changed count in a test. It is a change detector, not an oracle: the numbers were
whatever the explorer said when they were written. That the verdicts are right is
tested without recorded numbers (``tests/explorer/test_reference.py``,
``tests/models/test_protocol.py``). ``result`` is ``success`` or ``violated`` with the ids of
the violated properties and the length (in actions) of each counterexample.

Regenerate after a deliberate change to the model, and review the diff::

    python -m ldmspec.models.manifest --write
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from ldmspec.models.protocol_config import FAULTS, ProtocolConfig
from ldmspec.models.protocol_variants import protocol_model

from ldmspec.errors import InputError
from ldmspec.explorer.analysis import check_properties
from ldmspec.explorer.search import explore

__all__ = ["ManifestEntry", "load_manifest", "measure", "write_manifest"]

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ManifestEntry:
    """One configuration and its expected exploration."""

    config: ProtocolConfig
    variant: str
    symmetry: bool
    states: int
    edges: int
    depth: int
    result: str  # "success" or "violated"
    violated: dict[str, int] = field(default_factory=dict)  # property id -> trace length

    @property
    def name(self) -> str:
        reduced = "sym" if self.symmetry else "full"
        return f"{self.config.name}/{self.variant}/{reduced}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "config": _config_json(self.config)}
        data.update(
            variant=self.variant,
            symmetry=self.symmetry,
            states=self.states,
            edges=self.edges,
            depth=self.depth,
            result=self.result,
        )
        if self.violated:
            data["violated"] = dict(self.violated)
        return data


def _config_json(config: ProtocolConfig) -> dict[str, Any]:
    defaults = ProtocolConfig(config.hosts, config.domains, config.concurrent)
    data: dict[str, Any] = {}
    for f in fields(ProtocolConfig):
        value = getattr(config, f.name)
        if f.name in ("hosts", "domains", "concurrent") or value != getattr(defaults, f.name):
            data[f.name] = sorted(value) if isinstance(value, frozenset) else value
    return data


def _config_from_json(data: dict[str, Any], where: str) -> ProtocolConfig:
    known = {f.name for f in fields(ProtocolConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError("a protocol configuration key", got=unknown[0], source=where)
    values = dict(data)
    if "enabled_faults" in values:
        values["enabled_faults"] = frozenset(values["enabled_faults"])
    return ProtocolConfig(**values)


def load_manifest(path: str | Path | None = None) -> tuple[ManifestEntry, ...]:
    """The entries of the manifest (the installed one by default)."""
    if path is None:
        text = resources.files("ldmspec.models").joinpath(MANIFEST).read_text()
        where = MANIFEST
    else:
        text = Path(path).read_text()
        where = str(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("a JSON manifest", got=exc.msg, source=where, line=exc.lineno) from None
    entries = []
    for number, item in enumerate(data["configurations"]):
        entries.append(
            ManifestEntry(
                config=_config_from_json(item["config"], f"{where}: configurations[{number}]"),
                variant=item["variant"],
                symmetry=item["symmetry"],
                states=item["states"],
                edges=item["edges"],
                depth=item["depth"],
                result=item["result"],
                violated=dict(item.get("violated", {})),
            )
        )
    return tuple(entries)


def measure(
    config: ProtocolConfig, variant: str = "correct", symmetry: bool = True
) -> ManifestEntry:
    """Explore ``config`` now and record what it gives."""
    exploration = explore(protocol_model(config, variant), symmetry=symmetry)
    violated = {
        verdict.id: len(verdict.counterexample.actions) if verdict.counterexample else 0
        for verdict in check_properties(exploration)
        if verdict.status != "holds"
    }
    stats = exploration.stats
    return ManifestEntry(
        config,
        variant,
        symmetry,
        stats.states,
        stats.edges,
        stats.depth,
        "violated" if violated else "success",
        violated,
    )


def write_manifest(entries: Sequence[ManifestEntry], path: str | Path) -> None:
    """Write ``entries`` as the manifest JSON."""
    data = {
        "description": "A change detector, not an oracle: small configurations of the "
        "protocol model and what exploring them gave when last regenerated, so that any "
        "change to the model shows up as a changed count to review. Whether the verdicts "
        "are right is checked elsewhere, without recorded numbers (the brute-force "
        "reference, verdicts with and without symmetry, networkx distances). Regenerate "
        "with python -m ldmspec.models.manifest --write",
        "configurations": [entry.to_json() for entry in entries],
    }
    Path(path).write_text(json.dumps(data, indent=2) + "\n")


def _configurations() -> list[tuple[ProtocolConfig, str, bool]]:
    """What the manifest covers: the correct model at several sizes, with and without
    budgets and with a per-host cap below the domains, and every variant (one domain,
    and two migrations at once)."""
    from ldmspec.models.protocol_variants import VARIANTS

    runs: list[tuple[ProtocolConfig, str, bool]] = []
    for hosts, domains, concurrent in ((2, 1, 1), (2, 2, 1), (2, 2, 2), (3, 1, 1)):
        runs.append((ProtocolConfig(hosts, domains, concurrent), "correct", True))
    runs.append((ProtocolConfig(2, 1, 1), "correct", False))
    runs.append((ProtocolConfig(2, 2, 2), "correct", False))
    runs.append((ProtocolConfig(2, 2, 2, round_limit=1), "correct", True))
    runs.append((ProtocolConfig(2, 2, 2, faults=0), "correct", True))
    runs.append((ProtocolConfig(2, 2, 2, enabled_faults=frozenset(FAULTS[:2])), "correct", True))
    runs.append((ProtocolConfig(2, 2, 2, migrations=3, faults=2), "correct", True))
    runs.append((ProtocolConfig(3, 2, 1, migrations=2, faults=1), "correct", True))
    runs.append((ProtocolConfig(2, 2, 2, per_host=1), "correct", True))
    runs.append((ProtocolConfig(2, 2, 2, per_host=1), "late-target-lock", True))
    for name in VARIANTS:
        runs.append((ProtocolConfig(2, 1, 1), name, True))
        runs.append((ProtocolConfig(2, 2, 2), name, True))
    return runs


def main(argv: Sequence[str]) -> int:
    """``--write`` regenerates models/manifest.json; without it, print the entries."""
    entries = [measure(*run) for run in _configurations()]
    if "--write" in argv:
        target = Path(__file__).with_name(MANIFEST)
        write_manifest(entries, target)
        print(f"wrote {len(entries)} entries to {target}")
    else:
        for entry in entries:
            print(json.dumps(asdict(entry), default=sorted))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
