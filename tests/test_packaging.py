"""Packaging: the wheel maps models/ and properties/ under ldmspec, and nothing else leaks."""

from __future__ import annotations

import importlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_models_and_properties_import_under_ldmspec():
    models = importlib.import_module("ldmspec.models")
    properties = importlib.import_module("ldmspec.properties")
    assert Path(models.__file__).parent == ROOT / "models"
    assert Path(properties.__file__).parent == ROOT / "properties"


@pytest.mark.slow
def test_wheel_installs_models_and_properties_inside_ldmspec(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ldmspec-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_levels = {n.split("/", 1)[0] for n in names if "/" in n}
    assert {t for t in top_levels if not t.endswith(".dist-info")} == {"ldmspec"}
    assert "ldmspec/models/__init__.py" in names
    assert "ldmspec/properties/__init__.py" in names
    assert "ldmspec/py.typed" in names
