"""`ldmspec inventory` and `ldmspec collect` as a user runs them."""

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from ldmspec.cli import main
from ldmspec.commands.collect import collect_script
from ldmspec.inventory import load_fleet

EXAMPLES = Path("examples")


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_inventory_prints_hosts_free_resources_and_domains(capsys):
    status, out, err = _run(capsys, "inventory", "examples/fleet.toml")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "6 hosts, 17 domains, 9 planned migrations"
    assert "t4-c: SPARC-T4 2548 MHz, stick-frequency 0x05f4bc08, Manager 3.6, Solaris 11.4" in lines
    assert "  strands    64 (8 cores x 8); free 16 vCPUs, 2 whole cores (6-7)" in lines
    assert "  vcc        primary-vcc0: ports 5000-5000, 0 free (none)" in lines
    db01 = next(line for line in lines if line.startswith("  db01 "))
    assert db01.split() == [
        "db01", "active", "40", "(whole", "cores)", "40G", "native", "11.4",
        "vdisk0=db01@primary-vds0", "vnet0=primary-vsw0", "primary-vcc0:5000", "-",
    ]  # fmt: skip
    assert "  ldom01  t4-a    t5-a as ldom01-t5  CPU-4" in lines
    assert "  web02   t4-b    t4-a               feasible" in lines


def test_inventory_is_the_same_for_the_fleet_file_and_the_captures(capsys):
    text_toml = _run(capsys, "inventory", "examples/fleet.toml")
    text_captures = _run(capsys, "inventory", "examples/captures")
    assert text_toml == text_captures
    json_toml = _run(capsys, "inventory", "examples/fleet.toml", "--json")
    json_captures = _run(capsys, "inventory", "--json", "examples/captures")
    assert json_toml == json_captures


def test_inventory_json_is_stable_data(capsys):
    status, out, _ = _run(capsys, "inventory", "examples/fleet.toml", "--json")
    data = json.loads(out)
    assert status == 0 and [h["name"] for h in data["hosts"]][:2] == ["t4-a", "t4-b"]
    t4c = data["hosts"][2]
    assert t4c["free"] == {
        "vcpus": 16,
        "cores": [6, 7],
        "memory": [{"pa": 0, "size": 268435456}, {"pa": 0xC10000000, "size": 16911433728}],
        "memory_size": 17179869184,
        "console_ports": {"primary-vcc0": []},
    }
    db01 = t4c["domains"][1]
    assert db01["name"] == "db01" and db01["whole_core"] is True and len(db01["strands"]) == 40
    assert data["plans"][2] == {
        "domain": "ldom01",
        "source": "t4-a",
        "target": "t5-a",
        "new_name": "ldom01-t5",
        "expect": ["CPU-4"],
    }
    assert data["plans"][0]["expect"] == "feasible"


def test_inventory_bad_file_is_one_line_and_status_2(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (EXAMPLES / "fleet.toml").read_text().replace('memory = "16G"', 'memory = "eight"', 1)
    )
    status, out, err = _run(capsys, "inventory", str(bad))
    line = next(n for n, t in enumerate(bad.read_text().splitlines(), 1) if '"eight"' in t)
    assert (status, out) == (2, "")
    assert err == (
        f"{bad}:{line}: hosts.t4-a.domains.ldom01.memory: expected a size like 8G"
        ' (K, M, G, T suffix, or bytes), got "eight"\n'
    )


def test_inventory_bad_capture_is_one_line_and_status_2(capsys, tmp_path):
    shutil.copytree(EXAMPLES / "captures", tmp_path / "caps")
    prtconf = tmp_path / "caps/t4-a/prtconf-pv.txt"
    prtconf.write_text("nothing here\n")
    status, out, err = _run(capsys, "inventory", str(tmp_path / "caps"), "--json")
    assert (status, out) == (2, "")
    assert err == (
        f'{prtconf}:1: expected a line like "stick-frequency:  05f5e100", got "nothing here"\n'
    )


def test_inventory_missing_file(capsys):
    status, out, err = _run(capsys, "inventory", "no/such/fleet.toml")
    assert (status, out) == (2, "")
    assert err == (
        "no/such/fleet.toml: expected an existing fleet file (.toml, .json)"
        " or folder of capture bundles\n"
    )


def test_collect_help_teaches_how(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["collect", "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert "ldmspec collect > ldmspec-collect.sh" in out
    assert "never asks for, reads or stores a password" in out


def test_collect_script_is_posix_sh_and_never_mentions_a_password_prompt(capsys):
    status, out, _ = _run(capsys, "collect")
    assert status == 0 and out == collect_script()
    assert out.startswith("#!/bin/sh\n")
    assert subprocess.run(["sh", "-n"], input=out, text=True, check=False).returncode == 0
    assert "migrate" not in out and "read " not in out.replace("while read domain", "")
    assert "$(" not in out  # Solaris 10's Bourne /bin/sh has no $(...)


FAKE_LDM = """\
#!/bin/sh
case "$*" in
  "list -p") cat "$FIXTURES/ldm-list-p.txt" ;;
  "list -l -p") cat "$FIXTURES/ldm-list-l-p.txt" ;;
  "list-constraints -x") cat "$FIXTURES/ldm-list-constraints-x.xml" ;;
  "list-services -p") cat "$FIXTURES/ldm-list-services-p.txt" ;;
  "list-devices -a -p") cat "$FIXTURES/ldm-list-devices-a-p.txt" ;;
  "-V") cat "$FIXTURES/ldm-V.txt" ;;
  "list -o domain primary") printf 'NAME\nprimary\n\n    hardware-max-pagesize=2G\n' ;;
  *) echo "Invalid command: $*" >&2; exit 1 ;;
esac
"""


def _fake_control_domain(tmp_path, host):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "ldm": FAKE_LDM,
        "psrinfo": '#!/bin/sh\n[ "$*" = "-pv" ] && cat "$FIXTURES/psrinfo-pv.txt"\n',
        "prtconf": '#!/bin/sh\n[ "$*" = "-pv" ] && cat "$FIXTURES/prtconf-pv.txt"\n',
        "uname": f'#!/bin/sh\n[ "$*" = "-n" ] && echo {host}\n',
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    fixtures = (EXAMPLES / "captures" / host).resolve()
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FIXTURES": str(fixtures),
        "LDMSPEC_RELEASE_FILE": str(fixtures / "etc-release.txt"),
        "TMPDIR": str(tmp_path),
    }
    return env


def test_collect_script_writes_a_bundle_ldmspec_loads(tmp_path):
    env = _fake_control_domain(tmp_path, "t4-b")
    script = tmp_path / "collect.sh"
    script.write_text(collect_script())
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    done = subprocess.run(
        ["sh", str(script), str(out_dir)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"wrote {out_dir}/t4-b.tar"
    assert done.stderr == ""
    captures = tmp_path / "captures"
    with tarfile.open(out_dir / "t4-b.tar") as tar:
        tar.extractall(captures, filter="data")
    names = sorted(p.name for p in (captures / "t4-b").iterdir())
    assert names == [
        "etc-release.txt", "facts.toml", "ldm-V.txt", "ldm-list-constraints-x.xml",
        "ldm-list-devices-a-p.txt", "ldm-list-l-p.txt", "ldm-list-o-domain.txt", "ldm-list-p.txt",
        "ldm-list-services-p.txt", "prtconf-pv.txt", "psrinfo-pv.txt",
    ]  # fmt: skip
    facts = (captures / "t4-b" / "facts.toml").read_text()
    assert "# [domains.web01]" in facts and "# [domains.web02]" in facts
    # The skeleton is all comments: guests default to the control domain's release, as
    # in a fleet file; the example's guests run 11.4 like their control domain.
    loaded = load_fleet(captures)
    assert loaded.hosts == (load_fleet(EXAMPLES / "fleet.toml").host("t4-b"),)
    assert load_fleet(out_dir / "t4-b.tar") == loaded  # the tar file may be given as it is
    assert not list(tmp_path.glob("ldmspec-collect.*"))  # its temporary folder is gone


def test_collect_script_fails_without_ldm_and_writes_nothing(tmp_path):
    env = _fake_control_domain(tmp_path, "t4-b")
    (tmp_path / "bin" / "ldm").write_text("#!/bin/sh\necho 'ldm: not privileged' >&2\nexit 1\n")
    script = tmp_path / "collect.sh"
    script.write_text(collect_script())
    done = subprocess.run(
        ["sh", str(script), str(tmp_path)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "ldmspec-collect: 'ldm list -l -p' failed: ldm: not privileged"
    )
    assert done.stderr.splitlines()[-1] == (
        "ldmspec-collect: required output missing; no tar file written"
    )
    assert not (tmp_path / "t4-b.tar").exists()


def test_collect_render_writes_bundles(capsys, tmp_path):
    status, out, _ = _run(capsys, "collect", "--render", "examples/fleet.toml", str(tmp_path))
    assert status == 0
    assert out == f"wrote 6 bundles and plans.toml into {tmp_path}\n"
    assert load_fleet(tmp_path) == load_fleet(EXAMPLES / "fleet.toml")


def test_inventory_toml_turns_captures_into_a_fleet_file(capsys, tmp_path):
    status, out, err = _run(capsys, "inventory", "examples/captures", "--toml")
    assert (status, err) == (0, "")
    written = tmp_path / "fleet.toml"
    written.write_text(out)
    assert load_fleet(written) == load_fleet(EXAMPLES / "fleet.toml")


def test_inventory_json_and_toml_are_exclusive(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["inventory", "examples/fleet.toml", "--json", "--toml"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        "ldmspec inventory: argument --toml: not allowed with argument --json"
        " (see ldmspec inventory --help)\n"
    )
