"""Files that are not what a command expects: one line, exit 2, nothing written outside
the folder the user named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ldmspec.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _fleet_with_host_named(tmp_path: Path, name: str) -> Path:
    text = (EXAMPLES / "fleet.toml").read_text()
    quoted = '"' + name.replace("\\", "\\\\") + '"'
    text = text.replace("[hosts.t4-c", f"[hosts.{quoted}").replace('"t4-c"', quoted)
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(text)
    return fleet


@pytest.mark.parametrize("name", ["../../escaped", "a/b", ".", "..", ".hidden", "plans.toml"])
def test_render_refuses_a_host_name_that_is_not_one_folder_name(capsys, tmp_path, name):
    fleet = _fleet_with_host_named(tmp_path, name)
    out_dir = tmp_path / "deep" / "er" / "bundles"
    status = main(["collect", "--render", str(fleet), str(out_dir)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == (
        f"{fleet}: hosts: expected a host name usable as its bundle folder's name (no / or \\, "
        f'not starting with a dot, not plans.toml), got "{name}"\n'
    )
    assert not (tmp_path / "deep").exists()  # nothing written, inside or outside


def test_render_takes_hostile_but_harmless_host_names(capsys, tmp_path):
    fleet = _fleet_with_host_named(tmp_path, "t4<c>&'x y é")
    status = main(["collect", "--render", str(fleet), str(tmp_path / "b")])
    capsys.readouterr()
    assert status == 0
    assert (tmp_path / "b" / "t4<c>&'x y é" / "ldm-list-l-p.txt").is_file()
    assert main(["inventory", str(tmp_path / "b"), "--json"]) == 0
    from_bundles = capsys.readouterr().out
    assert main(["inventory", str(fleet), "--json"]) == 0
    assert capsys.readouterr().out == from_bundles


@pytest.mark.parametrize("name", ["facts.toml", "ldm-list-p.txt", "ldm-list-o-domain.txt"])
def test_a_folder_where_an_optional_capture_file_belongs_is_refused(capsys, tmp_path, name):
    captures = tmp_path / "captures"
    shutil.copytree(EXAMPLES / "captures", captures)
    (captures / "t4-a" / name).unlink(missing_ok=True)
    (captures / "t4-a" / name).mkdir()
    status = main(["inventory", str(captures)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == f"{captures / 't4-a' / name}: expected a file, not a folder\n"


def test_a_fleet_file_that_cannot_be_read_says_why(capsys, tmp_path):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(tmp_path / "loop.toml")  # root reads chmod 000 files; a loop stops it
    status = main(["inventory", str(loop)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == (
        f"{loop}: expected a readable UTF-8 fleet file (Too many levels of symbolic links)\n"
    )


def test_binary_garbage_as_fleet_file_says_it_is_not_utf8(capsys, tmp_path):
    garbage = tmp_path / "fleet.toml"
    garbage.write_bytes(b"\xff\xfe\x00\x81" * 50)
    status = main(["inventory", str(garbage)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == f"{garbage}: expected a readable UTF-8 fleet file (not UTF-8 text)\n"


def test_render_refuses_a_domain_name_the_parseable_format_cannot_carry(capsys, tmp_path):
    text = (EXAMPLES / "fleet.toml").read_text()
    text = text.replace("[hosts.t4-a.domains.ldom02]", '[hosts.t4-a.domains."ld|02"]')
    text = text.replace('domain = "ldom02"', 'domain = "ld|02"')
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(text)
    status = main(["collect", "--render", str(fleet), str(tmp_path / "b")])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == (
        f"{fleet}: hosts.t4-a.domains: expected names without | or a line break "
        '(ldm list -p separates fields with |), got "ld|02"\n'
    )
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (("hosts", "t4-a", "cores"), "hosts.t4-a.cores: expected an integer, got null"),
        (("hosts", "t4-a", "vds"), "hosts.t4-a.vds: expected a table, got null"),
        (("hosts", "t4-a", "domains", "ldom01", "memory"),
         "hosts.t4-a.domains.ldom01.memory: expected a size like 16G or a list of blocks, "
         "got null"),
        (("hosts", "t4-a", "domains", "ldom01", "whole-core"),
         "hosts.t4-a.domains.ldom01.whole-core: expected true or false, got null"),
    ],
)  # fmt: skip
def test_a_json_null_is_named_as_such(capsys, tmp_path, where, message):
    import json
    import tomllib

    document = tomllib.loads((EXAMPLES / "fleet.toml").read_text())
    table = document
    for key in where[:-1]:
        table = table[key]
    table[where[-1]] = None
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps(document, indent=1))
    status = main(["inventory", str(fleet)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err.split(": ", 1)[1] == message + "\n"
    assert err.startswith(f"{fleet}:")
