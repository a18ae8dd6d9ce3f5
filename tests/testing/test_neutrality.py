"""The plugin is a good citizen: another project's Hypothesis tests keep Hypothesis's settings.

ldmspec's pytest plugin is loaded into every pytest session of an environment that has
ldmspec installed. A throwaway project with a plain Hypothesis test, run under
``CI=true`` (where Hypothesis loads its own ``ci`` profile), must see exactly what it
sees with the plugin disabled: the same profile, the same settings, no ldmspec profile
registered, Hypothesis's internals untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

PLAIN_PROJECT = '''
import json, os, sys
from pathlib import Path

from hypothesis import given, settings, strategies as st

SEEN = []


@given(st.integers())
def test_plain(n):
    SEEN.append(repr(settings.default))
    assert isinstance(n, int)


def test_zz_what_hypothesis_looked_like(request):
    from hypothesis.errors import InvalidArgument
    from hypothesis.internal.conjecture import engine

    try:
        settings.get_profile("ldmspec-ci")
        registered = True
    except InvalidArgument:
        registered = False
    Path(os.environ["OUT"]).write_text(json.dumps({
        "plugin_loaded": request.config.pluginmanager.has_plugin("ldmspec"),
        "profile": settings.get_current_profile_name(),
        "default": repr(settings.default),
        "ci": repr(settings.get_profile("ci")),
        "inside_the_test": sorted(set(SEEN)),
        "ldmspec_registered": registered,
        "max_shrinking_seconds": engine.MAX_SHRINKING_SECONDS,
        "observability": os.environ.get("HYPOTHESIS_EXPERIMENTAL_OBSERVABILITY"),
        "ldmspec_modules": sorted(m for m in sys.modules if m.startswith("ldmspec")),
    }))
'''


def _run(tmp_path, name: str, *extra: str) -> dict:
    project = tmp_path / name
    project.mkdir()
    (project / "test_plain.py").write_text(PLAIN_PROJECT)
    out = project / "seen.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LDMSPEC_", "HYPOTHESIS_"))}
    env.update(CI="true", OUT=str(out))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "test_plain.py"],
        capture_output=True, text=True, cwd=project, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())


def test_a_plain_hypothesis_project_sees_exactly_hypothesis_settings_under_ci(tmp_path):
    with_plugin = _run(tmp_path, "with")
    without = _run(tmp_path, "without", "-p", "no:ldmspec")
    assert with_plugin.pop("plugin_loaded") is True
    assert without.pop("plugin_loaded") is False
    assert with_plugin["profile"] == "ci"  # Hypothesis's own, loaded because CI is set
    assert with_plugin["ldmspec_registered"] is False
    assert with_plugin["max_shrinking_seconds"] == 300
    assert with_plugin["observability"] is None
    assert with_plugin["inside_the_test"] == [with_plugin["default"]]
    # Loading the plugin imports its options and report hooks, nothing that makes settings.
    imported = with_plugin.pop("ldmspec_modules")
    assert "ldmspec.testing.plugin" in imported
    assert not {"ldmspec.testing.profiles", "ldmspec.testing.databases"} & set(imported)
    assert not [m for m in imported if m.startswith("ldmspec.properties")]
    without.pop("ldmspec_modules")
    assert with_plugin == without
