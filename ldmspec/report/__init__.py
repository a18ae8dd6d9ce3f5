"""Counterexample reports: one artefact a person reads and a machine replays.

Build a :class:`Counterexample` from a failing run (the property suites and the explorer
both do) and write it::

    from ldmspec.report import Counterexample, Message, ReportStep, current_versions, write_report

    cx = Counterexample(
        property_id="INV-CLEANUP",
        words="after cancel or failure: no remnant on T ...",
        kind="safety",
        steps=(
            ReportStep(host="t4-a", command="ldm migrate-domain -p password-1 ldom01 root@t4-b",
                 messages=(Message("t4-a", "t4-b", "precheck"),),
                 listing={"t4-a": "NAME  STATE ...", "t4-b": "..."}),
            ReportStep(host="t4-a", command="ldm cancel-operation migration ldom01"),
        ),
        violation="ldom01 is still bound on t4-b after the cancel",
        fleet_path="examples/fleet.toml", fleet_text=open("examples/fleet.toml").read(),
        variant="keep-target-on-cancel", seed=7, versions=current_versions(),
    )
    folder = write_report(cx, "reports")   # reports/<UTC time>-INV-CLEANUP-<hash>/

A report folder holds ``report.md``, ``report.html`` (self-contained, with an SVG
sequence diagram), ``counterexample.json`` (schema ``ldmspec-counterexample/1``, see
``schema.json``), ``replay.ldm`` (for ``ldmspec shell``), ``path.dot``, the fleet copy and
placeholder password files. ``write_report`` also rebuilds ``reports/index.html``;
``ldmspec report DIR`` re-renders every report from its JSON.

To record a failing run of the reference implementation with every listing, message
and observation, replay its shell transcript (:mod:`ldmspec.report.from_system`)::

    cx = counterexample_from_transcript(
        "examples/fleet.toml", transcript_lines, variant="resume-on-lost-ack", seed=7,
        property_id="INV-SINGLE-ACTIVE", violation="ldom01 runs on t4-a and t4-b",
        pytest_node=node_id, reproduce="--hypothesis-seed=12",
    )

and :func:`replay_report` checks that a report folder's ``replay.ldm`` reproduces it.
The explorer's shortest path converts with :func:`model_path_from_trace`.

Passwords never reach a report: see :mod:`ldmspec.report.redact`.
"""

from __future__ import annotations

from ldmspec.report.from_explorer import model_path_from_trace
from ldmspec.report.from_system import counterexample_from_transcript, replay_report
from ldmspec.report.index import list_reports, rebuild_index
from ldmspec.report.provenance import current_versions
from ldmspec.report.redact import PLACEHOLDER
from ldmspec.report.schema import load_schema, validate
from ldmspec.report.values import (
    SCHEMA_ID,
    Counterexample,
    FrozenMap,
    Kind,
    Message,
    ModelStep,
    ReportStep,
    freeze,
)
from ldmspec.report.writer import read_report, render_files, rerender_report, write_report

__all__ = [
    "PLACEHOLDER",
    "SCHEMA_ID",
    "Counterexample",
    "FrozenMap",
    "Kind",
    "Message",
    "ModelStep",
    "ReportStep",
    "counterexample_from_transcript",
    "current_versions",
    "freeze",
    "list_reports",
    "load_schema",
    "model_path_from_trace",
    "read_report",
    "rebuild_index",
    "render_files",
    "replay_report",
    "rerender_report",
    "validate",
    "write_report",
]
