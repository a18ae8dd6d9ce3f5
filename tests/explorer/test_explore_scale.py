"""``ldmspec explore`` at scale: workers, the memory limit, the progress line."""

from __future__ import annotations

import json

import pytest

from ldmspec.cli import main

MEDIUM = ["explore", "--hosts", "2", "--domains", "2", "--concurrent", "2", "--json"]


def run(capsys, *args):
    status = main([*MEDIUM, *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_two_workers_give_the_sequential_answers(capsys):
    status, out, _ = run(capsys, "--quiet")
    sequential = json.loads(out)
    status_parallel, out, _ = run(capsys, "--quiet", "--workers", "2")
    parallel = json.loads(out)
    assert (status, status_parallel) == (0, 0)
    assert (sequential["workers"], parallel["workers"]) == (1, 2)
    for key in ("states", "edges", "transitions", "depth", "properties", "coverage"):
        assert parallel[key] == sequential[key]


def test_the_memory_limit_stops_the_search_with_unknown_answers(capsys):
    # the limit is checked every 8,192 states; any Python process holds more than 1 MiB
    status, out, _ = run(capsys, "--max-memory", "1M")
    data = json.loads(out)
    assert status == 3
    assert (data["complete"], data["stopped"]) == (False, "max-memory")
    assert data["states"] > 8192
    statuses = {p["id"]: p["status"] for p in data["properties"]}
    assert statuses["INV-SINGLE-ACTIVE"] == "unknown"
    assert "violated" not in statuses.values()


def test_the_text_report_says_where_the_memory_limit_stopped_the_search(capsys):
    status = main([*MEDIUM[:-1], "--max-memory", "1M"])
    out, _ = capsys.readouterr()
    assert status == 3
    line = next(line for line in out.splitlines() if line.startswith("  states"))
    assert line == (
        "  states       8,326  (bounded: stopped at the memory limit, depth 35 reached; "
        "answers that need the rest are unknown)  (symmetry reduced)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--max-memory", "lots"],
            "argument --max-memory: expected a size like 2G, 1500M or a number of bytes, "
            'got "lots"',
        ),
        (["--workers", "0"], "argument --workers: expected --workers of at least 1, got 0"),
    ],
)
def test_bad_scale_parameters_exit_two_with_one_line(capsys, args, message):
    status = main(["explore", *args])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == message + "\n"


def test_sizes_are_binary_units():
    from ldmspec.commands.explore import _memory_size

    assert _memory_size("2G") == 2 * 1024**3
    assert _memory_size("1500M") == 1500 * 1024**2
    assert _memory_size("1.5 GiB") == 3 * 1024**3 // 2
    assert _memory_size("4096") == 4096


def test_the_unreduced_search_for_liveness_keeps_to_the_memory_limit(capsys):
    # 4,600 states with symmetry (below the first memory check, at 8,192 states), 17,616
    # without: the search that liveness needs is the one the limit stops
    status, out, _ = run(capsys, "--per-host", "1", "--max-memory", "1M", "--quiet")
    data = json.loads(out)
    assert status == 3
    assert (data["complete"], data["states"]) == (True, 4600)
    live = {p["id"]: p for p in data["properties"] if p["id"].startswith("LIVE-")}
    assert {p["status"] for p in live.values()} == {"unknown"}
    assert live["LIVE-TERMINATES"]["basis"] == (
        "not decided: the unreduced search passed the memory limit after 8,805 states and "
        "symmetry cannot decide liveness for fairness classes it renames"
    )
