"""The rendered page, checked in headless Chromium (Debian's chromium package).

`make test` installs chromium where it can; elsewhere this test is skipped with a visible
reason. The screenshot is kept as `test-artifacts/report.png`.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from report_samples import fixed_clock

from ldmspec.report import read_report, write_report

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
WIDTH, HEIGHT = 1200, 2400
EXAMPLE = Path(__file__).resolve().parents[2] / "reports" / "example"

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium not installed (make test installs Debian's chromium "
        "where it can); the rendered-report check did not run",
    ),
]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_report_renders_in_headless_chromium(tmp_path, pytestconfig) -> None:
    # The committed example: a real run of a fault variant of the reference implementation.
    folder = write_report(read_report(EXAMPLE), tmp_path / "reports", clock=fixed_clock)
    page = (folder / "report.html").as_uri()
    dom = _chromium(tmp_path, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<svg" in dom.stdout and "INV-SINGLE-ACTIVE violated" in dom.stdout
    artifacts = pytestconfig.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "report.png"
    shot.unlink(missing_ok=True)
    result = _chromium(tmp_path, f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", page)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _png_size(shot) == (WIDTH, HEIGHT)
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few kilobytes
