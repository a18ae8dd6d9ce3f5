"""`ldmspec --help` (and every command, which builds the same parser) does not load
OR-Tools: only `ldmspec evacuate` needs it, and it costs half a second."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_parser_does_not_import_ortools():
    code = (
        "import sys, ldmspec.cli\n"
        "ldmspec.cli.build_parser()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ortools', 'pandas')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout == "[]\n"
