"""Output files named on the command line (--smt2, --dot, --graphml, --graph-json):
written whole, never renamed over a device or a pipe, refused in one line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ldmspec.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")
CHECK = ["check", EXAMPLE, "--domain", "ldom01", "--source", "t4-a", "--target", "t4-b"]
EXPLORE = ["explore", "--hosts", "2", "--domains", "1"]


def _read_fifo(fifo: Path, into: list[bytes]) -> threading.Thread:
    def drain() -> None:
        with open(fifo, "rb") as stream:
            into.append(stream.read())

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("argv", "start"),
    [([*CHECK, "--smt2"], b"; "), ([*EXPLORE, "--dot"], b"digraph")],
    ids=["smt2", "dot"],
)
def test_a_named_pipe_is_written_into_not_replaced(capsys, tmp_path, argv, start):
    # /dev/stdout or /dev/null behave the same; renaming a file over them as root would
    # replace the device node for the whole machine.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = _read_fifo(fifo, received)
    status = main([*argv, str(fifo)])
    reader.join(timeout=30)
    capsys.readouterr()
    assert status == 0
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and received[0].lstrip().startswith(start)


def test_a_symlink_stays_a_link_to_the_rewritten_file(capsys, tmp_path):
    real = tmp_path / "real.smt2"
    real.write_text("old\n")
    link = tmp_path / "link.smt2"
    link.symlink_to(real)
    assert main([*CHECK, "--smt2", str(link)]) == 0
    capsys.readouterr()
    assert link.is_symlink()
    assert real.read_text().startswith("; ldmspec check: ldom01 t4-a -> t4-b:ldom01\n")


def test_smt2_where_nothing_can_be_written_is_one_line_not_a_traceback(capsys):
    status = main([*CHECK, "--smt2", "/proc/query.smt2"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == "--smt2 /proc/query.smt2: cannot write in /proc (No such file or directory)\n"


def test_smt2_into_a_folder_is_refused(capsys, tmp_path):
    status = main([*CHECK, "--smt2", str(tmp_path)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == f"--smt2 {tmp_path}: is a folder, expected a file name\n"


def test_smt2_is_written_with_the_umask_permissions(capsys, tmp_path):
    old = os.umask(0o027)
    try:
        assert main([*CHECK, "--smt2", str(tmp_path / "q.smt2")]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    assert stat.S_IMODE((tmp_path / "q.smt2").stat().st_mode) == 0o640


@pytest.mark.skipif(
    not Path("/dev/full").is_char_device(), reason="needs /dev/full (a disk that is full)"
)
def test_standard_output_on_a_full_disk_is_one_line_not_a_traceback():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ldmspec.cli", "inventory", EXAMPLE],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr == "ldmspec inventory: output: No space left on device\n"


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        (
            "/proc/reports",
            "expected a reports folder ldmspec can write (No such file or directory)",
        ),
        (EXAMPLE, "expected a reports folder, not a file"),
    ],
)
def test_verify_refuses_a_reports_folder_it_cannot_write_before_running(capsys, folder, message):
    status = main(["verify", EXAMPLE, "--part", "properties", "--reports", folder])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == f'--reports: {message}, got "{folder}"\n'


def test_verify_creates_a_missing_reports_folder_only_when_properties_run(capsys, tmp_path):
    folder = tmp_path / "a" / "reports"
    assert main(["verify", EXAMPLE, "--part", "preconditions", "--reports", str(folder)]) == 0
    capsys.readouterr()
    assert not folder.exists()
