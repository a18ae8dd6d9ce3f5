"""``ldmspec explore``: check the abstract migration protocol exhaustively."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ldmspec.errors import InputError
from ldmspec.explorer.analysis import (
    ModelVerdict,
    check_properties,
    coverage,
    liveness_exploration,
    states_on_cycles,
)
from ldmspec.explorer.export import graph_json, to_dot, trace_json, write_graphml
from ldmspec.explorer.lasso import validate_lasso
from ldmspec.explorer.progress import ProgressLine
from ldmspec.explorer.search import Exploration, explore
from ldmspec.inventory import load_fleet
from ldmspec.models.protocol import Protocol
from ldmspec.models.protocol_config import FAULTS, ProtocolConfig
from ldmspec.models.protocol_variants import VARIANTS, protocol_model
from ldmspec.outputs import check_writable, write_output

__all__ = [
    "DESCRIPTION",
    "HELP",
    "configure",
    "exit_status",
    "exploration_document",
    "replay_status",
    "run",
]

HELP = "explore every interleaving of the migration protocol model and check its properties"

_VARIANT_LINES = "\n".join(
    f"  {v.name:<24} {v.description} ({v.violates})" for v in VARIANTS.values()
)

DESCRIPTION = f"""\
Explore the abstract migration protocol breadth first: every interleaving of up to K
concurrent migrations among N hosts and M domains, with cancellations on either side,
dirty-memory bursts and faults (dropped messages, partitions, a lost hand-off
acknowledgement, a failed hand-off, another bind taking the target's room). By
default the environment never runs out: operators start migrations again and again,
links fail and heal again and again, so the graph has cycles and liveness is decided
on them; --migrations and --faults bound a run instead. Then check every property:
the invariants of DESIGN.md (INV-*), liveness (LIVE-*, for each migration) under weak
fairness of each migration's own steps (the environment is never obliged to act),
reachability targets so the model cannot pass vacuously, deadlock, and action
coverage. A migration locks its source from the command and its target from the
moment its pre-check accepts (INV-LOCK); --per-host C is max_migrations_per_host,
counted from holding the lock (default K). A violation comes with a shortest
counterexample (a lasso for liveness, whose cycle returns to the very state it left).

Hosts and domains are interchangeable, so states are reduced by symmetry unless
--no-symmetry is given. Symmetry renames domains, and so the fairness promised to
each one: liveness is then decided on the unreduced graph, and the output says so.
--reduction also runs the unreduced search, prints the ratio and checks that every
verdict is the same. --variant runs a model that is wrong on purpose:
{_VARIANT_LINES}

--replay FLEET drives the reference implementation (built from FLEET) along the
model's shortest path to each kind of ending, each reachability target and each kind
of action, and checks that every event is a model step and that it arrives where the
model says (conformance): the driver's own ldm commands and faults are checked as
steps too. Each path is ok, MISMATCH (a step no model edge allows), skipped (the
driver could not take a step) or diverged (the implementation took another path the
model allows); skipped and diverged goals are unknown. --system-variant NAME replays a
broken implementation.

Long runs print a progress line on standard error every 5 s (--quiet: none).
--workers N generates successors in N processes (the same graph, states and
counterexamples as the default sequential search; worth it from about 100,000
states on). --max-memory SIZE (like 2G or 1500M) stops the search before the
process passes SIZE resident, and says how far it got; so does the unreduced search
liveness under symmetry needs (its verdicts are then unknown).

Exit status: 0 every property holds, 1 a property is violated (or the implementation
does not conform, or --reduction found a verdict that symmetry changes), 2 bad
parameters, 3 some answer is unknown: the search was bounded (--max-states,
--max-memory), or a replayed path was skipped or diverged before reaching its goal.

examples:
  ldmspec explore                                   # the standard configuration
  ldmspec explore --hosts 2 --domains 2 --concurrent 2 --json
  ldmspec explore --variant early-resume            # shows the counterexample
  ldmspec explore --domains 1 --variant late-target-lock   # INV-LOCK: a bind in the window
  ldmspec explore --per-host 1                      # a host in one migration at a time
  ldmspec explore --hosts 2 --domains 1 --dot states.dot --graphml states.graphml
  ldmspec explore --hosts 2 --domains 1 --replay examples/fleet.toml   # exits 3: 2 paths diverge
  ldmspec explore --hosts 3 --domains 3 --migrations 2 --faults 1 \\
      --replay examples/replay-fleet.toml --system-variant early-target-resume
"""


def configure(parser: argparse.ArgumentParser) -> None:
    _configuration_arguments(parser)
    _search_and_output_arguments(parser)


def _configuration_arguments(parser: argparse.ArgumentParser) -> None:
    size = parser.add_argument_group("configuration")
    size.add_argument("--hosts", type=int, default=2, metavar="N", help="hosts (2-6, default 2)")
    size.add_argument(
        "--domains", type=int, default=2, metavar="M", help="domains (1-6, default 2)"
    )
    size.add_argument(
        "--concurrent",
        type=int,
        metavar="K",
        help="concurrent migrations (default 2, or 1 with one domain)",
    )
    size.add_argument(
        "--per-host",
        type=int,
        metavar="C",
        help="migrations a host takes part in at once, max_migrations_per_host (default K)",
    )
    size.add_argument(
        "--migrations",
        type=int,
        metavar="B",
        help="bound the migrations started in all (default: operators never stop)",
    )
    size.add_argument(
        "--faults",
        type=int,
        metavar="F",
        help="bound the faults injected in all (default: faults never run out; "
        "links fail and heal without a bound either way)",
    )
    size.add_argument(
        "--round-limit", type=int, default=2, metavar="R", help="pre-copy rounds (1-3, default 2)"
    )
    size.add_argument(
        "--fault-kinds",
        default=",".join(FAULTS),
        metavar="LIST",
        help=f"comma-separated fault kinds to enable (default all: {','.join(FAULTS)})",
    )
    size.add_argument("--no-bursts", action="store_true", help="no dirty-memory bursts")
    size.add_argument(
        "--variant", default="correct", metavar="V", help="a wrong-on-purpose model variant"
    )


def _search_and_output_arguments(parser: argparse.ArgumentParser) -> None:
    search = parser.add_argument_group("search")
    search.add_argument("--no-symmetry", action="store_true", help="no symmetry reduction")
    search.add_argument(
        "--reduction", action="store_true", help="also search without symmetry: print the ratio"
    )
    search.add_argument("--max-states", type=int, metavar="N", help="stop after N states")
    search.add_argument(
        "--max-memory",
        metavar="SIZE",
        help="stop (unknown, exit 3) before the search passes SIZE resident (2G, 1500M)",
    )
    search.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="processes generating successors (default 1: sequential)",
    )
    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print the results as JSON")
    output.add_argument(
        "--quiet",
        action="store_true",
        help="no progress line on standard error (by default one every 5 s on long runs)",
    )
    output.add_argument("--dot", metavar="FILE", help="write the state graph as Graphviz DOT")
    output.add_argument("--graphml", metavar="FILE", help="write the state graph as GraphML")
    output.add_argument("--graph-json", metavar="FILE", help="write the state graph as JSON")
    output.add_argument(
        "--replay",
        metavar="FLEET",
        help="drive the reference implementation along the model's paths (conformance)",
    )
    output.add_argument(
        "--system-variant",
        metavar="NAME",
        help="with --replay: drive a wrong-on-purpose implementation (ldmspec shell --variant)",
    )


def _config(args: argparse.Namespace) -> ProtocolConfig:
    kinds = frozenset(k.strip() for k in args.fault_kinds.split(",") if k.strip())
    try:
        return ProtocolConfig(
            hosts=args.hosts,
            domains=args.domains,
            # The default is 2, but never more migrations at once than there are domains.
            concurrent=args.concurrent if args.concurrent is not None else min(2, args.domains),
            round_limit=args.round_limit,
            per_host=_per_host(args),
            migrations=args.migrations,
            faults=args.faults,
            enabled_faults=kinds,
            bursts=not args.no_bursts,
        )
    except InputError as exc:
        if exc.source is None:  # the fault kinds
            raise exc.located(source="argument --fault-kinds") from None
        raise


def _per_host(args: argparse.Namespace) -> int:
    """--per-host, or 0 for the configuration's default (as many as run at once)."""
    if args.per_host is None:
        return 0
    if args.per_host < 1:  # 0 would silently mean the default
        raise InputError(
            "--per-host of at least 1", got=args.per_host, source="argument --per-host"
        )
    return int(args.per_host)


def run(args: argparse.Namespace) -> int:
    config = _config(args)
    model = protocol_model(config, args.variant)
    if args.max_states is not None and args.max_states < 1:
        raise InputError(
            "--max-states of at least 1", got=args.max_states, source="argument --max-states"
        )
    bounds = {"max_memory": _memory_size(args.max_memory), "workers": args.workers}
    if args.workers < 1:
        raise InputError("--workers of at least 1", got=args.workers, source="argument --workers")
    if args.system_variant and not args.replay:
        raise InputError(
            "--replay FLEET with it (only the replay drives the implementation)",
            source="argument --system-variant",
        )
    if args.system_variant and args.system_variant not in _system_variants():
        raise InputError(
            "a variant name: " + ", ".join(_system_variants()),
            got=args.system_variant,
            source="argument --system-variant",
        )
    if args.replay:
        load_fleet(args.replay)  # a bad fleet is refused before the search, not after it
    outputs = [p for p in (args.dot, args.graphml, args.graph_json) if p]
    for path in outputs:
        check_writable(path, path)
    progress = None if args.quiet else ProgressLine(sys.stderr)
    document, exploration, verdicts = _explore(
        model, not args.no_symmetry, args.max_states, progress, **bounds
    )
    if args.reduction:
        document["reduction"] = _reduction(exploration, verdicts, args.max_states)
    if args.dot:
        first = next((v.counterexample for v in verdicts if v.counterexample), None)
        _write_text(args.dot, to_dot(exploration, first))
    if args.graphml:
        _write_with(args.graphml, lambda target: write_graphml(exploration, target))
    if args.graph_json:
        _write_text(args.graph_json, json.dumps(graph_json(exploration), indent=1) + "\n")
    if args.replay:
        from ldmspec.conformance.replay import replay_document

        replay = replay_document(
            args.replay, model, exploration, verdicts, system_variant=args.system_variant
        )
        document["replay"] = {**replay, "status": replay_status(replay)}
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(render(document, model))
    return exit_status(document)


def replay_status(replay: dict[str, Any]) -> str:
    """``conforms``, ``does not conform`` (a mismatch), or ``unknown``: some path was
    skipped or diverged, so the goal it was driven to was never reached."""
    statuses = {path["status"] for path in replay["paths"]}
    if not replay["conforms"] or "mismatch" in statuses:
        return "does not conform"
    if statuses & {"skipped", "diverged"}:
        return "unknown"
    return "conforms"


def exit_status(document: dict[str, Any]) -> int:
    """1 when a property is violated, the implementation does not conform or the
    verdicts with and without symmetry differ; 3 when something is unknown; else 0."""
    statuses = {p["status"] for p in document["properties"]}
    replay = document.get("replay", {}).get("status", "conforms")
    reduction = document.get("reduction", {})
    if "violated" in statuses or replay == "does not conform" or reduction.get("disagree"):
        return 1
    return 3 if "unknown" in statuses or replay == "unknown" else 0


def exploration_document(
    *, on_progress: Callable[[str], None] | None = None, **options: Any
) -> dict[str, Any]:
    """Explore a configuration and return what ``ldmspec explore --json`` prints.

    ``options``: ``hosts``, ``domains``, ``concurrent`` (default 2, 2, 2),
    ``variant`` (default the correct model), ``symmetry`` (default True),
    ``max_states``, and the other :class:`ProtocolConfig` fields (``migrations``,
    ``faults``, ``round_limit``...). ``on_progress`` receives a short status text now
    and then while the search runs.
    """
    variant = options.pop("variant", None)
    symmetry = bool(options.pop("symmetry", True))
    max_states = options.pop("max_states", None)
    model = protocol_model(ProtocolConfig(**options), variant)

    def tell(expanded: int, states: int, edges: int, depth: int) -> None:
        if on_progress is not None:
            on_progress(f"{states:,} states, {edges:,} edges, depth {depth}")

    document, _, _ = _explore(model, symmetry, max_states, tell)
    return document


def _explore(
    model: Protocol,
    symmetry: bool,
    max_states: int | None,
    progress: Callable[[int, int, int, int], None] | None,
    **bounds: Any,
) -> tuple[dict[str, Any], Exploration, list[ModelVerdict]]:
    started = time.perf_counter()
    exploration = explore(
        model, symmetry=symmetry, max_states=max_states, progress=progress, **bounds
    )
    searched = time.perf_counter() - started
    # the unreduced search liveness may need keeps to the same memory limit
    memory = bounds.get("max_memory")
    verdicts = check_properties(exploration, unreduced_limit=max_states, unreduced_memory=memory)
    live = liveness_exploration(exploration, max_states, memory)
    analysed = time.perf_counter() - started - searched
    stats = exploration.stats
    covered = coverage(exploration)
    document: dict[str, Any] = {
        "model": "protocol",
        "variant": model.variant,
        "config": _config_json(model.config),
        "symmetry": symmetry,
        "complete": stats.complete,
        "stopped": stats.stopped,
        "workers": stats.workers,
        "states": stats.states,
        "edges": stats.edges,
        "transitions": stats.transitions,
        "depth": stats.depth,
        "seconds": round(searched + analysed, 3),
        "search_seconds": round(searched, 3),
        "analysis_seconds": round(analysed, 3),
        "states_per_second": round(stats.states / searched) if searched > 0 else None,
        "out_degree": {"max": stats.max_out_degree, "mean": round(stats.mean_out_degree, 2)},
        "terminal_states": stats.terminal,
        "cycles": {
            "states": states_on_cycles(live) if live.stats.complete else None,
            "graph": "unreduced" if live is not exploration else "explored",
            "graph_states": live.stats.states,
        },
        "properties": [_verdict_json(model, v) for v in verdicts],
        "coverage": {"fired": covered.fired, "unfired": list(covered.unfired)},
    }
    return document, exploration, verdicts


def _reduction(
    reduced: Exploration, verdicts: list[ModelVerdict], max_states: int | None
) -> dict[str, Any]:
    """The unreduced search beside the reduced one: state counts, and whether every
    property gets the same verdict (it must: symmetry may only save work)."""
    full = liveness_exploration(reduced, max_states)
    if full is reduced:
        full = explore(reduced.model, symmetry=False, max_states=max_states)
    unreduced = {v.id: v.status for v in check_properties(full, unreduced_limit=max_states)}
    disagree = [v.id for v in verdicts if unreduced.get(v.id) != v.status]
    return {
        "states_reduced": reduced.stats.states,
        "states_full": full.stats.states,
        "ratio": round(full.stats.states / reduced.stats.states, 2),
        "complete": full.stats.complete and reduced.stats.complete,
        "verdicts_agree": not disagree,
        "disagree": disagree,
    }


def _config_json(config: ProtocolConfig) -> dict[str, Any]:
    return {
        "hosts": config.hosts,
        "domains": config.domains,
        "concurrent": config.concurrent,
        "migrations": config.migrations,
        "faults": config.faults,
        "round_limit": config.round_limit,
        "capacity": config.capacity,
        "fault_kinds": sorted(config.enabled_faults),
        "bursts": config.bursts,
    }


def _verdict_json(model: Protocol, verdict: ModelVerdict) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": verdict.id,
        "kind": verdict.kind,
        "status": verdict.status,
        "description": verdict.description,
    }
    if verdict.basis:
        data["basis"] = verdict.basis
    # a counterexample (or example) is the list of steps {"action", "state"} from an
    # initial state (action null); a lasso adds the "cycle" repeated forever after it,
    # or "stutters": true when the behaviour rests in the last state
    for key, trace in (("counterexample", verdict.counterexample), ("example", verdict.example)):
        if trace is not None:
            shown = trace_json(model, trace)
            data[key] = shown["steps"]
            if "cycle" in shown:
                data["cycle"] = shown["cycle"]
                data["stutters"] = shown["stutters"]
    if verdict.counterexample is not None and verdict.counterexample.is_lasso:
        _check_lasso(model, verdict, data)
    return data


def _check_lasso(model: Protocol, verdict: ModelVerdict, data: dict[str, Any]) -> None:
    """Replay a liveness counterexample before showing it (:func:`validate_lasso`): a
    lasso that does not replay, close, stay fair and miss the goal throughout is no
    evidence, and the verdict is then unknown."""
    prop = next((p for p in model.properties() if p.id == verdict.id), None)
    assert verdict.counterexample is not None
    problems = validate_lasso(model, verdict.counterexample, prop)
    data["lasso_check"] = problems or "validated"
    if problems:
        data["status"] = "unknown"


# --- text ---------------------------------------------------------------------------------


def render(document: dict[str, Any], model: Protocol) -> str:
    """The human-readable report: statistics, each property, coverage."""
    config = document["config"]
    lines = [
        f"protocol model {model.config.name} ({document['variant']}): "
        f"{config['hosts']} hosts, {config['domains']} domains, "
        f"{config['concurrent']} concurrent, {_bound(config['migrations'])} migrations, "
        f"{_bound(config['faults'])} faults ({', '.join(config['fault_kinds']) or 'none'})",
        "",
        f"  states       {document['states']:,}"
        + _bounded(document)
        + ("  (symmetry reduced)" if document["symmetry"] else ""),
        f"  edges        {document['edges']:,}  ({document['transitions']:,} transitions)",
        f"  depth        {document['depth']}",
        f"  time         {document['seconds']:.2f} s  (search {document['search_seconds']:.2f} s, "
        f"{document['states_per_second'] or 0:,} states/s; analysis "
        f"{document['analysis_seconds']:.2f} s)",
        f"  out-degree   max {document['out_degree']['max']}, "
        f"mean {document['out_degree']['mean']}",
    ]
    lines.extend(_render_cycles_and_reduction(document))
    lines.append("")
    width = max(len(p["id"]) for p in document["properties"])
    for prop in document["properties"]:
        lines.append(f"  {prop['status']:<8}  {prop['id']:<{width}}  {prop['description']}")
    for basis in dict.fromkeys(p["basis"] for p in document["properties"] if "basis" in p):
        lines.append(f"  liveness: {basis}")
    for prop in document["properties"]:
        if prop["status"] == "violated" and "counterexample" in prop:
            lines.append("")
            lines.extend(_render_trace(prop, model))
    unfired = document["coverage"]["unfired"]
    fired = document["coverage"]["fired"]
    lines.append("")
    if unfired:
        lines.append(
            f"  coverage: {len(fired)} action kinds fired; never fired: {', '.join(unfired)}"
        )
    else:
        lines.append(f"  coverage: all {len(fired)} action kinds fired")
    replay = document.get("replay")
    if replay:
        lines.append("")
        lines.extend(_render_replay(replay))
    return "\n".join(lines)


def _bounded(document: dict[str, Any]) -> str:
    """Why and where a bounded search stopped ('' for a complete one)."""
    if document["complete"]:
        return ""
    reason = {
        "max-memory": "at the memory limit",
        "max-states": "at --max-states",
        None: "early",
    }.get(document.get("stopped"), "early")
    return (
        f"  (bounded: stopped {reason}, depth {document['depth']} reached; "
        "answers that need the rest are unknown)"
    )


def _memory_size(text: str | None) -> int | None:
    """``--max-memory``: bytes, or a number with K, M, G or T (binary: 1G = 1024**3)."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text, re.IGNORECASE)
    if match is None or float(match.group(1)) <= 0:
        raise InputError(
            "a size like 2G, 1500M or a number of bytes", got=text, source="argument --max-memory"
        )
    scale = 1024 ** " kmgt".index(match.group(2).lower() or " ")
    return int(float(match.group(1)) * scale)


def _bound(value: int | None) -> str:
    return "unbounded" if value is None else str(value)


def _render_cycles_and_reduction(document: dict[str, Any]) -> list[str]:
    lines = []
    cycles = document["cycles"]
    if cycles["states"] is not None:
        where = (
            f" of the unreduced graph ({cycles['graph_states']:,} states), where liveness "
            "is decided"
            if cycles["graph"] == "unreduced"
            else ""
        )
        lines.append(f"  on cycles    {cycles['states']:,} states{where}")
    reduction = document.get("reduction")
    if reduction:
        agree = (
            "every verdict the same"
            if reduction["verdicts_agree"]
            else "VERDICTS DIFFER for " + ", ".join(reduction["disagree"])
        )
        lines.append(
            f"  symmetry     {reduction['states_full']:,} states without reduction: "
            f"{reduction['ratio']}x fewer; {agree}"
        )
    return lines


def _render_trace(prop: dict[str, Any], model: Protocol) -> list[str]:
    steps = prop["counterexample"]
    if "cycle" in prop:
        repeat = (
            "then stays forever" if prop["stutters"] else f"then a cycle of {len(prop['cycle'])}"
        )
        checked = (
            "validated: it replays, closes, is weakly fair and never reaches the goal"
            if prop.get("lasso_check") == "validated"
            else f"NOT VALIDATED: {'; '.join(prop.get('lasso_check') or ['not checked'])}"
        )
        heading = f"lasso, {len(steps) - 1} steps {repeat} ({checked})"
    else:
        heading = f"shortest counterexample, {len(steps) - 1} steps"
    lines = [f"{prop['id']} violated: {heading}"]
    for number, step in enumerate(steps):
        action = step["action"] or "initial state"
        lines.append(f"  {number:>3}  {action}")
        lines.append(f"       {_summary(step['state'])}")
    if "cycle" in prop:
        if prop["stutters"]:
            lines.append("       ... and stays here forever: no fair action is enabled")
        else:
            lines.append(
                f"       then repeats forever (the cycle ends in the state of step "
                f"{len(steps) - 1}):"
            )
            for step in prop["cycle"]:
                lines.append(f"    ↻  {step['action']}")
                lines.append(f"       {_summary(step['state'])}")
    return lines


def _summary(state: dict[str, Any]) -> str:
    """One line per state: budgets, host slots, each domain's phase."""
    hosts = " ".join(
        f"{h['host']}:{h['used']}" + ("+other" if h["other_bound"] else "") for h in state["hosts"]
    )
    domains = []
    for d in state["domains"]:
        text = f"{d['domain']}@{d['host']} {d['phase']}"
        if d["phase"] != "idle":
            text += (
                f"->{d['target']} src={d['source_copy']}/{d['flags']} "
                f"tgt={d['target_copy']}/{d['target_flags']} dirty={d['dirty']} r{d['rounds']}"
            )
            if d["link"] != "up":
                text += " partitioned"
        elif d["outcome"] != "none":
            text += f" ({d['outcome']})"
        domains.append(text)
    return f"[{hosts}] " + "; ".join(domains)


def _render_replay(replay: dict[str, Any]) -> list[str]:
    verdict = {
        "conforms": "conforms",
        "does not conform": "DOES NOT CONFORM",
        "unknown": "conforms on the paths it followed; unknown: some goals were not reached",
    }[replay["status"]]
    binding = ", ".join(
        f"{k}={v}"
        for k, v in {**replay["binding"]["hosts"], **replay["binding"]["domains"]}.items()
    )
    lines = [
        f"replay on {replay['fleet']} ({binding}): the {replay['system_variant']} "
        f"implementation {verdict}"
    ]
    for path in replay["paths"]:
        status = "MISMATCH" if path["status"] == "mismatch" else path["status"]
        lines.append(f"  {status:<8}  {path['goal']}  ({path['steps']} steps)")
        for key in ("skipped", "diverged", "mismatch"):
            if key in path:
                lines.append(f"            {path[key]}")
    return lines


# --- files: written whole or not at all -------------------------------------------------------


def _write_text(path: str, text: str) -> None:
    def write(target: str) -> None:
        Path(target).write_text(text, encoding="utf-8")

    _write_with(path, write)


def _write_with(path: str, write: Callable[[str], None]) -> None:
    write_output(path, write, path)


def _system_variants() -> tuple[str, ...]:
    """The implementation's fault variants, through the one module that knows both sides."""
    from ldmspec.conformance.replay import SYSTEM_VARIANTS

    return tuple(SYSTEM_VARIANTS)
