"""Writing report folders: the files, their content, escaping, determinism, failures."""

from __future__ import annotations

import errno
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from report_samples import (
    FIXED_TIME,
    HOSTILE_DOMAIN,
    HOSTILE_HOST,
    check_html,
    fixed_clock,
    make_counterexample,
)

from ldmspec.errors import ReportError
from ldmspec.report import Counterexample, read_report, rerender_report, validate, write_report
from ldmspec.report.index import rebuild_index
from ldmspec.report.listing_diff import diff_listing, parse_listing

REPORT_FILES = {
    "report.md",
    "report.html",
    "counterexample.json",
    "replay.ldm",
    "path.dot",
    "fleet.toml",
    "password-1",
}

REPLAY = """\
# ldmspec counterexample: INV-CLEANUP (safety)
# property: after cancel or failure: no remnant on T
# fleet: fleet.toml (a copy of examples/fleet.toml)
# variant: leak-target    seed: 7
# replay from the report folder:
#   ldmspec shell fleet.toml --variant leak-target --seed 7 < replay.ldm
# expected violation after the last step:
#   ldom01 is still bound on t4-b after the cancel
# passwords are placeholders (REDACTED-n): equal passwords stay equal
# step 1:
.password t4-b REDACTED-1
# step 2: the migration starts
t4-a# ldm migrate-domain -p password-1 ldom01 root@t4-b
# step 3:
.drop t4-a t4-b
# step 4:
t4-a# ldm cancel-operation migration ldom01
"""


def test_a_report_folder_is_named_by_time_property_and_hash(tmp_path, counterexample) -> None:
    folder = write_report(counterexample, tmp_path, clock=fixed_clock)
    assert re.fullmatch(r"20261127T065300Z-INV-CLEANUP-[0-9a-f]{8}", folder.name)
    assert {p.name for p in folder.iterdir()} == REPORT_FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name, "index.html"]


def test_the_same_counterexample_and_clock_give_byte_identical_reports(tmp_path) -> None:
    first = write_report(make_counterexample(), tmp_path / "a", clock=fixed_clock)
    second = write_report(make_counterexample(), tmp_path / "b", clock=fixed_clock)
    assert first.name == second.name
    for name in REPORT_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (tmp_path / "a/index.html").read_bytes() == (tmp_path / "b/index.html").read_bytes()


def test_the_replay_transcript_names_fleet_variant_seed_and_holds_every_step(
    tmp_path, counterexample
) -> None:
    folder = write_report(counterexample, tmp_path, clock=fixed_clock)
    assert (folder / "replay.ldm").read_text() == REPLAY
    assert (folder / "fleet.toml").read_text() == "[hosts.t4-a]\n"
    assert (folder / "password-1").read_text() == "REDACTED-1\n"


def test_no_file_of_a_report_holds_the_password(tmp_path) -> None:
    folder = write_report(make_counterexample(secret="Tr0ub4dor&3"), tmp_path, clock=fixed_clock)
    for path in [*folder.iterdir(), tmp_path / "index.html"]:
        assert "Tr0ub4dor" not in path.read_text(), path.name


def test_the_json_validates_against_the_schema_and_reads_back(tmp_path, counterexample) -> None:
    folder = write_report(counterexample, tmp_path, clock=fixed_clock)
    document = json.loads((folder / "counterexample.json").read_text())
    validate(document)
    assert document["schema"] == "ldmspec-counterexample/1"
    assert read_report(folder) == counterexample


def test_the_html_is_well_formed_and_draws_the_sequence_diagram(tmp_path, counterexample) -> None:
    folder = write_report(counterexample, tmp_path, clock=fixed_clock)
    page = (folder / "report.html").read_text()
    parsed = check_html(page)
    assert parsed.tags.count("svg") == 1
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "the page must not load anything"
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count('class="hostname"') == 2  # one lifeline per host
    assert svg.count('marker-end="url(#arrow)"') == 2  # two delivered messages
    assert svg.count('class="cross"') == 1  # one dropped message
    assert "INV-CLEANUP violated" in svg
    # The reproduction comes before the steps.
    assert page.index("ldmspec shell fleet.toml --variant leak-target --seed 7") < page.index(
        'id="steps"'
    )
    assert "--hypothesis-seed=3" in page


def test_changed_listing_cells_are_highlighted(tmp_path, counterexample) -> None:
    page = (write_report(counterexample, tmp_path, clock=fixed_clock) / "report.html").read_text()
    step2 = page[page.index('id="step-2"') : page.index('id="step-3"')]
    assert '<td class="chg">-n---s</td>' in step2  # the source's FLAGS gained an s
    assert '<tr class="added"><td>ldom01</td><td>bound</td><td>-----t</td>' in step2
    step4 = page[page.index('id="step-4"') :]
    assert '<td class="chg">-n----</td>' in step4  # and lost it after the cancel


def test_hostile_names_are_escaped_everywhere(tmp_path, hostile) -> None:
    folder = write_report(hostile, tmp_path, clock=fixed_clock)
    for name in ("report.html", "index.html"):
        path = folder / name if name == "report.html" else tmp_path / name
        page = path.read_text()
        parsed = check_html(page)
        assert "script" not in parsed.tags and "b" not in parsed.tags, name
        assert HOSTILE_DOMAIN not in page and HOSTILE_HOST not in page
    page = (folder / "report.html").read_text()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;dom" in page
    assert "&lt;b&gt;h&quot;&amp;&lt;/b&gt;" in page
    # Markdown shows raw text only inside code, where renderers do not interpret it.
    markdown = (folder / "report.md").read_text()
    outside_code = re.sub(r"(`+)(.+?)\1", "", re.sub(r"(?ms)^```.*?^```", "", markdown))
    assert "<" not in outside_code and HOSTILE_DOMAIN in markdown
    dot = (folder / "path.dot").read_text()
    assert 'alert(\\"x\\")' in dot
    # The replay keeps the names exactly: it is what the shell reads.
    assert f"root@{HOSTILE_HOST}" in (folder / "replay.ldm").read_text()


def test_a_report_that_cannot_be_written_leaves_earlier_ones_intact(
    tmp_path, counterexample, monkeypatch
) -> None:
    earlier = write_report(counterexample, tmp_path, clock=fixed_clock)
    before = {p.name: p.read_bytes() for p in earlier.iterdir()}
    written = []
    real_write_text = Path.write_text

    def disk_full(self: Path, *args: object, **kwargs: object) -> int:
        written.append(self.name)
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", disk_full)
    later = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    with pytest.raises(ReportError) as info:
        write_report(make_counterexample(domain="ldom02"), tmp_path, clock=lambda: later)
    assert re.fullmatch(
        rf"{re.escape(str(tmp_path))}/20261127T070000Z-INV-CLEANUP-[0-9a-f]{{8}}: "
        "cannot write the report: No space left on device",
        info.value.one_line(),
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [earlier.name, "index.html"]
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == before


def test_a_reports_folder_that_is_a_file_is_a_clear_error(tmp_path, counterexample) -> None:
    blocked = tmp_path / "reports"
    blocked.write_text("not a folder")
    with pytest.raises(ReportError) as info:
        write_report(counterexample, blocked, clock=fixed_clock)
    assert info.value.one_line() == f"{blocked}: cannot write the report: File exists"
    assert blocked.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_a_read_only_reports_folder_is_a_clear_error(tmp_path, counterexample) -> None:
    earlier = write_report(counterexample, tmp_path, clock=fixed_clock)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(ReportError) as info:
            write_report(make_counterexample(domain="ldom02"), tmp_path, clock=fixed_clock)
    finally:
        tmp_path.chmod(0o755)
    assert info.value.one_line() == f"{tmp_path}: cannot write the report: Permission denied"
    assert sorted(p.name for p in tmp_path.iterdir()) == [earlier.name, "index.html"]


def test_the_index_lists_reports_newest_first(tmp_path) -> None:
    old = write_report(make_counterexample(), tmp_path, clock=fixed_clock)
    new = write_report(
        make_counterexample(domain="ldom02"),
        tmp_path,
        clock=lambda: datetime(2026, 11, 28, 1, 2, 3, tzinfo=UTC),
    )
    page = (tmp_path / "index.html").read_text()
    check_html(page)
    assert page.index(new.name) < page.index(old.name)
    assert "2026-11-28 01:02:03 UTC" in page and "2026-11-27 06:53:00 UTC" in page


def test_an_unreadable_report_is_listed_in_the_index_with_its_reason(tmp_path) -> None:
    folder = write_report(make_counterexample(), tmp_path, clock=fixed_clock)
    (folder / "counterexample.json").write_text("[]")
    page = rebuild_index(tmp_path).read_text()
    assert f"unreadable: {folder / 'counterexample.json'}: not a counterexample document" in page


def test_rerendering_restores_every_file_from_the_json(tmp_path, counterexample) -> None:
    folder = write_report(counterexample, tmp_path, clock=fixed_clock)
    original = (folder / "report.html").read_bytes()
    (folder / "report.html").write_text("stale")
    (folder / "replay.ldm").unlink()
    rerender_report(folder)
    assert (folder / "report.html").read_bytes() == original
    assert (folder / "replay.ldm").read_text() == REPLAY


def test_the_model_path_is_shown_with_the_fields_each_action_changed(tmp_path) -> None:
    folder = write_report(make_counterexample(), tmp_path, clock=fixed_clock)
    markdown = (folder / "report.md").read_text()
    assert '1. `start`\n   - `phase: 0 → 2`\n   - `target: null → "bound"`\n' in markdown
    dot = (folder / "path.dot").read_text()
    assert 'model1 -> model2 [label="cancel"];' in dot
    assert 'run4 [label="violated after step 4", color=red, fontcolor=red];' in dot


def test_a_counterexample_without_model_or_fleet_text_still_renders(tmp_path) -> None:
    import dataclasses

    bare = dataclasses.replace(
        make_counterexample(), model_path=None, fleet_text=None, pytest_node=None, seed=None
    )
    folder = write_report(bare, tmp_path, clock=fixed_clock)
    assert "fleet.toml" not in {p.name for p in folder.iterdir()}
    assert (
        "ldmspec shell examples/fleet.toml --variant leak-target < replay.ldm"
        in (folder / "replay.ldm").read_text()
    )
    check_html((folder / "report.html").read_text())
    assert Counterexample.from_json((folder / "counterexample.json").read_text()) == bare


def test_listing_cells_follow_the_header_even_when_cells_are_empty() -> None:
    table = parse_listing(
        "NAME    STATE    FLAGS   CONS  VCPU  MEMORY  UTIL  UPTIME\n"
        "ldom01  bound    -----t  5000  8     16G\n"
        "ldom02  active   -n----  5001  16    32G       7%  3d 2h\n"
    )
    assert table is not None
    assert table.rows == (
        ("ldom01", "bound", "-----t", "5000", "8", "16G", "", ""),
        ("ldom02", "active", "-n----", "5001", "16", "32G", "7%", "3d 2h"),
    )


def test_a_vanished_domain_is_kept_as_a_removed_row() -> None:
    before = "NAME    STATE\nprimary active\nldom01  bound\n"
    diff = diff_listing(before, "NAME    STATE\nprimary active\n")
    assert [(r.cells, r.status) for r in diff.rows] == [
        (("primary", "active"), "same"),
        (("ldom01", "bound"), "removed"),
    ]


def test_non_tabular_output_is_compared_line_by_line() -> None:
    diff = diff_listing("a\nb\n", "a\nc\n")
    assert not diff.tabular
    assert [(r.cells[0], r.changed[0]) for r in diff.rows] == [("a", False), ("c", True)]


def test_fixed_time_is_utc_in_the_folder_name(tmp_path, counterexample) -> None:
    from datetime import timedelta, timezone

    local = FIXED_TIME.astimezone(timezone(timedelta(hours=9)))
    folder = write_report(counterexample, tmp_path, clock=lambda: local)
    assert folder.name.startswith("20261127T065300Z-")


def test_repeated_messages_are_drawn_once_with_their_count() -> None:
    from ldmspec.report import Message
    from ldmspec.report.sequence import collapse_messages

    pages, ack = Message("a", "b", "Pages", "round 1"), Message("b", "a", "PagesAck")
    check = Message("a", "b", "CheckRequest")
    lost = Message("b", "a", "HandOffAck", delivered=False)
    collapsed = collapse_messages((check, *(pages, ack) * 5, pages, lost, lost, lost, check))
    assert collapsed == [(check, 1), (pages, 5), (ack, 5), (pages, 1), (lost, 3), (check, 1)]


def test_a_read_only_file_system_is_a_clear_error_even_for_root(
    tmp_path, counterexample, monkeypatch
) -> None:
    import tempfile

    earlier = write_report(counterexample, tmp_path, clock=fixed_clock)

    def read_only(*args: object, **kwargs: object) -> str:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    with pytest.raises(ReportError) as info:
        write_report(make_counterexample(domain="ldom02"), tmp_path, clock=fixed_clock)
    assert info.value.one_line() == f"{tmp_path}: cannot write the report: Read-only file system"
    assert sorted(p.name for p in tmp_path.iterdir()) == [earlier.name, "index.html"]


def test_a_model_only_counterexample_says_there_is_nothing_to_replay(tmp_path) -> None:
    from ldmspec.report import ModelStep

    cx = Counterexample(
        property_id="INV-CLEANUP",
        words="after cancel or failure: no remnant on T",
        kind="safety",
        steps=(),
        violation="the target copy survives the cancel",
        reproduce="ldmspec explore --variant leak-on-failure",
        model_path=(ModelStep("init", {"phase": 0}), ModelStep("cancel(d0)", {"phase": 0})),
    )
    folder = write_report(cx, tmp_path, clock=fixed_clock)
    page = (folder / "report.html").read_text()
    check_html(page)
    assert "<svg" not in page
    assert "the reference implementation was not run" in page
    assert "Reproduce with:" in page and "ldmspec explore --variant leak-on-failure" in page
    replay = (folder / "replay.ldm").read_text()
    assert "nothing to replay with ldmspec shell" in replay
    assert [line for line in replay.splitlines() if not line.startswith("#")] == []
    assert "cluster_run" not in (folder / "path.dot").read_text()


@pytest.mark.parametrize(
    ("reproduce", "command", "hint"),
    [
        (
            "--hypothesis-seed=3",
            "python -m pytest properties/t.py::test_m --hypothesis-seed=3",
            None,
        ),
        (
            "pytest properties/t.py::test_m --ldmspec-variant=no-scrub",
            None,
            (
                "Re-run the failing property:",
                "pytest properties/t.py::test_m --ldmspec-variant=no-scrub",
            ),
        ),
        (
            "@reproduce_failure('6.100.0', b'AXic')",
            "python -m pytest properties/t.py::test_m",
            ("Hypothesis reproduction:", "@reproduce_failure('6.100.0', b'AXic')"),
        ),
    ],
)
def test_the_reproduce_hint_joins_or_replaces_the_pytest_command(reproduce, command, hint) -> None:
    import dataclasses

    from ldmspec.report.replay import pytest_command, reproduce_hint

    cx = dataclasses.replace(
        make_counterexample(), pytest_node="properties/t.py::test_m", reproduce=reproduce
    )
    assert pytest_command(cx) == command
    assert reproduce_hint(cx) == hint
