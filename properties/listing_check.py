"""What operators read: ``ldm list -p`` / ``ldm list -l -p`` parsed back and compared.

The printed listing is parsed with the project's own capture parser
(:func:`ldmspec.inventory.parsers.parse_ldm_list`) and compared with the observation of
the same host at the same moment: the same domains, and for each its state and FLAGS
(INV-FLAGS: FLAGS column 6 is what operators and parsers read) and its vCPUs and memory
(INV-CONSERVATION). A listing the parser refuses is reported by the caller as a skip.
"""

from __future__ import annotations

from ldmspec.inventory.listing_parsers import ListedDomain
from ldmspec.system.observation import DomainView, HostView
from ldmspec.testing.records import InvariantViolation

__all__ = ["listing_agrees", "spelled"]

# ``ldm list -l -p`` spells FLAGS out, column by column (the other columns print nothing).
_WORDS = {1: {"n": "normal"}, 3: {"c": "control"}, 4: {"v": "vio-service"},
          5: {"s": "source", "t": "target", "e": "error"}}  # fmt: skip


def spelled(flags: str) -> str:
    """FLAGS ``-n---s`` as the long listing spells them: ``normal,source``."""
    words = [_WORDS.get(i, {}).get(c, "") for i, c in enumerate(flags)]
    return ",".join(w for w in words if w)


def listing_agrees(
    host: HostView, listed: tuple[ListedDomain, ...], command: str
) -> list[InvariantViolation]:
    """Violations where ``listed`` (what ``host``'s ``ldm COMMAND`` printed) differs."""
    found: list[InvariantViolation] = []
    shown = {d.name: d for d in listed}
    actual = {d.name: d for d in host.domains}
    for name in sorted(actual.keys() - shown.keys()):
        found.append(InvariantViolation(
            "INV-FLAGS", f"'{host.name}# ldm {command}' does not list {name}"
        ))  # fmt: skip
    for name in sorted(shown.keys() - actual.keys()):
        found.append(InvariantViolation(
            "INV-FLAGS", f"'{host.name}# ldm {command}' lists {name}, which {host.name} lacks"
        ))  # fmt: skip
    for name in sorted(actual.keys() & shown.keys()):
        found += _one(host.name, actual[name], shown[name], command)
    return found


def _one(
    host: str, view: DomainView, listed: ListedDomain, command: str
) -> list[InvariantViolation]:
    said = f"'{host}# ldm {command}' shows {view.name}"
    found: list[InvariantViolation] = []
    flags = spelled(view.flags) if "-l" in command.split() else view.flags
    if (listed.state, listed.flags) != (view.state, flags):
        found.append(InvariantViolation(
            "INV-FLAGS",
            f"{said} {listed.state} with FLAGS {listed.flags}; it is {view.state} "
            f"with FLAGS {flags}",
        ))  # fmt: skip
    return found
