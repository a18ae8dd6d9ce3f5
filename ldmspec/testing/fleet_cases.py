"""The fleets a stateful machine runs on: :class:`FleetCase` and its strategies.

:func:`default_fleet_cases` draws the example fleet, any extra fleets (``--ldmspec-fleet``),
twin hosts (most migrations feasible, so runs reach pre-copy, suspension and hand-off),
boundary host pairs and generated fleets of 2-4 hosts (:mod:`ldmspec.testing.strategies`).
"""

from __future__ import annotations

import copy
import functools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import strategies as st

from ldmspec.inventory.facts import CONTROL_DOMAIN, Fleet
from ldmspec.inventory.loader import fleet_from_document, load_fleet
from ldmspec.inventory.positions import Positions
from ldmspec.inventory.writer import fleet_to_toml
from ldmspec.testing.strategies import fleets, host_pairs, hosts

__all__ = ["FleetCase", "default_fleet_cases", "twin_fleets", "unique_guest_names"]


@dataclass(frozen=True)
class FleetCase:
    """A fleet with a short name for the failing program and its TOML for the report."""

    label: str
    fleet: Fleet = field(repr=False, compare=False)
    toml: str = field(repr=False, compare=False)

    def __repr__(self) -> str:
        return f"FleetCase({self.label!r})"

    @classmethod
    def from_fleet(cls, fleet: Fleet, label: str | None = None) -> FleetCase:
        if label is None:
            parts = []
            for host in fleet.hosts:
                guests = [d.name for d in host.domains if not d.is_control]
                parts.append(f"{host.name} {host.cpu.name} [{' '.join(guests)}]")
            label = "generated: " + ", ".join(parts)
        return cls(label, fleet, fleet_to_toml(fleet))

    @classmethod
    def from_path(cls, path: str | Path) -> FleetCase:
        return cls.from_fleet(load_fleet(path), str(path))


def _example_fleet_path() -> Path | None:
    path = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"
    return path if path.is_file() else None


@functools.cache
def _example_case() -> FleetCase | None:
    path = _example_fleet_path()
    return FleetCase.from_path(path) if path is not None else None


@st.composite
def twin_fleets(draw: st.DrawFn) -> Fleet:
    """Two or three hosts built alike, guests on the first: most migrations are feasible,
    so runs get past the checks into pre-copy, suspension and hand-off."""
    first = draw(hosts("h0", min_domains=1, max_domains=3))
    document = tomllib.loads(fleet_to_toml(Fleet((first,))))["hosts"]["h0"]
    twin = copy.deepcopy(document)
    for name, dom in document.get("domains", {}).items():
        if name != CONTROL_DOMAIN:  # migratable by construction: no direct I/O, native
            dom.pop("io", None)
            dom["cpu-arch"] = "native"
            if str(dom.get("os", "11.4")).startswith("10") and dom["os"] != "10 1/13":
                dom["os"] = "10 1/13"  # at least 10 9/10 (SW-4); Solaris 10 stays in play
    twin["domains"] = {
        name: dom for name, dom in twin.get("domains", {}).items() if name == CONTROL_DOMAIN
    }
    documents = {"h0": document, "h1": twin}
    if draw(st.booleans()):
        documents["h2"] = copy.deepcopy(twin)
    return fleet_from_document({"hosts": documents}, "<twins>", Positions({}))


def unique_guest_names(fleet: Fleet) -> Fleet:
    """``fleet`` with a guest whose name an earlier host already uses renamed
    ``NAME-HOST`` (its console group too, when named after it): conformance follows
    domains by name, so the machine's generated fleets never repeat one."""
    seen: set[str] = set()
    hosts = []
    for host in fleet.hosts:
        domains = []
        for d in host.domains:
            if not d.is_control and d.name in seen:
                new = f"{d.name}-{host.name}"
                console = d.console
                if console is not None and console.group == d.name:
                    console = replace(console, group=new)
                d = replace(d, name=new, console=console)
            seen.add(d.name)
            domains.append(d)
        hosts.append(replace(host, domains=tuple(domains)))
    return replace(fleet, hosts=tuple(hosts), plans=())  # plans name domains by name


def default_fleet_cases(extra: Sequence[FleetCase] = ()) -> st.SearchStrategy[FleetCase]:
    """The example fleet and the ``extra`` fleets, twin hosts, boundary pairs, and any
    generated fleet of 2-4 hosts (``ldmspec.testing.strategies``)."""
    fixed = [case for case in (_example_case(), *extra) if case is not None]
    generated = (
        st.one_of(
            twin_fleets(),
            twin_fleets(),
            host_pairs().map(lambda pair: pair[0]),
            fleets(min_hosts=2, max_hosts=4, min_domains=1, max_domains=4),
        )
        .map(unique_guest_names)
        .map(FleetCase.from_fleet)
    )
    return st.one_of(st.sampled_from(fixed), generated) if fixed else generated
