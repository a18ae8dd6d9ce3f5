"""``ldmspec explore`` as a newcomer uses it: the --help examples, and output paths or
options that cannot work refused in one line before the search."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ldmspec.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")
ONE_DOMAIN = ["explore", "--hosts", "2", "--domains", "1"]


def test_the_help_example_with_one_domain_runs_without_naming_concurrency(
    capsys, tmp_path, monkeypatch
):
    # `ldmspec explore --hosts 2 --domains 1 --dot states.dot --graphml states.graphml`
    monkeypatch.chdir(tmp_path)
    status = main([*ONE_DOMAIN, "--dot", "states.dot", "--graphml", "states.graphml"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "2 hosts, 1 domains, 1 concurrent" in out
    assert (tmp_path / "states.dot").read_text().startswith("digraph")
    assert (tmp_path / "states.graphml").stat().st_size > 0


def test_graph_files_are_readable_like_any_new_file(capsys, tmp_path):
    old = os.umask(0o022)
    try:
        status = main([*ONE_DOMAIN, "--graph-json", str(tmp_path / "g.json")])
    finally:
        os.umask(old)
    capsys.readouterr()
    assert status == 0
    assert stat.S_IMODE((tmp_path / "g.json").stat().st_mode) == 0o644


def test_more_concurrent_migrations_than_domains_is_still_refused(capsys):
    status = main([*ONE_DOMAIN, "--concurrent", "2"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == "argument --concurrent: expected --concurrent between 1 and 1, got 2\n"


@pytest.mark.parametrize("option", ["--dot", "--graphml", "--graph-json"])
def test_a_folder_as_graph_file_is_refused_before_the_search(capsys, tmp_path, option):
    status = main([*ONE_DOMAIN, option, str(tmp_path)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == f"{tmp_path}: is a folder, expected a file name\n"


def test_a_graph_file_where_nothing_can_be_written_is_one_line(capsys):
    # /proc refuses new files even to root, unlike a chmod'ed folder.
    status = main([*ONE_DOMAIN, "--dot", "/proc/states.dot"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == "/proc/states.dot: cannot write in /proc (No such file or directory)\n"


def test_a_system_variant_without_replay_is_refused(capsys):
    status = main([*ONE_DOMAIN, "--system-variant", "no-scrub"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == (
        "argument --system-variant: expected --replay FLEET with it "
        "(only the replay drives the implementation)\n"
    )


def test_an_unknown_system_variant_names_its_own_option(capsys):
    status = main([*ONE_DOMAIN, "--replay", EXAMPLE, "--system-variant", "nope"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err.startswith("argument --system-variant: expected a variant name: keep-target-on")
    assert err.endswith(', got "nope"\n')


def test_a_bad_replay_fleet_is_refused_before_the_search(capsys, tmp_path):
    fleet = tmp_path / "fleet.toml"
    fleet.write_text("[hosts\n")
    status = main([*ONE_DOMAIN, "--replay", str(fleet)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err.startswith(f"{fleet}:1:7: expected valid TOML")
