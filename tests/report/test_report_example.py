"""The committed example report is consistent with its JSON and replays to the same failure.

When the reference implementation changes what it prints, regenerate the example:
``.venv/bin/python tests/report/make_example_report.py``.
"""

from __future__ import annotations

from pathlib import Path

from ldmspec.report import ReportStep, read_report, render_files, replay_report

EXAMPLE = Path(__file__).resolve().parents[2] / "reports" / "example"
REGENERATE = "regenerate it: .venv/bin/python tests/report/make_example_report.py"


def _words(step: ReportStep) -> tuple[str, str, dict[str, str]]:
    def squeeze(text: str) -> str:
        return " ".join(text.split())

    listing = {host: squeeze(text) for host, text in step.listing.items()}
    return (step.transcript_line, squeeze(step.output), listing)


def _running(observation, host: str) -> bool:
    domains = observation[host]["host"]["domains"]
    return any(d["name"] == "ldom01" and d["running"] for d in domains)


def test_the_example_files_are_rendered_from_its_json() -> None:
    cx = read_report(EXAMPLE)
    on_disk = {p.name: p.read_text() for p in EXAMPLE.iterdir()}
    assert on_disk == render_files(cx), REGENERATE


def test_the_example_replays_to_the_same_violation() -> None:
    cx = read_report(EXAMPLE)
    assert (cx.property_id, cx.variant) == ("INV-SINGLE-ACTIVE", "resume-on-lost-ack")
    replayed = replay_report(EXAMPLE)
    # Column alignment may change with the reference implementation; what it says may not.
    assert [_words(s) for s in replayed] == [_words(s) for s in cx.steps], REGENERATE
    final = replayed[-1].observation
    assert _running(final, "t4-a") and _running(final, "t4-b")
