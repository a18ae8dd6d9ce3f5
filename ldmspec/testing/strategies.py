"""Hypothesis strategies for valid inventory values: hosts, domains, fleets, host pairs.

Every value is built as a fleet document (the schema of DESIGN.md) and loaded by the
fleet loader itself, so it passes exactly the loader's validation and placement. The
loader is also the oracle for what fits: a domain the host cannot hold is shrunk to one
vCPU and 256M, and dropped if even that does not fit.

Generation is biased towards the boundaries migration rules care about: exact memory
fit and one byte-granule more, the last free console port, adjacent and non-adjacent
Manager versions, the same processor with another stick-frequency, Solaris 10 releases
around 9/10 and 1/13 against Solaris 11, whole-core domains, inactive and bound domains.

    from ldmspec.testing.strategies import fleets, host_pairs

    @given(host_pairs())
    def test_something(pair):
        fleet, domain, source, target = pair
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from ldmspec.errors import InputError
from ldmspec.inventory.facts import CONTROL_DOMAIN, Domain, Fleet, Host
from ldmspec.inventory.loader import fleet_from_document
from ldmspec.inventory.positions import Positions
from ldmspec.inventory.units import GIB, MIB
from ldmspec.inventory.versions import LDM_RELEASES

__all__ = [
    "CATALOG_BOUNDARIES",
    "FLAG_BOUNDARIES",
    "GUEST_RELEASES",
    "LDM_VERSIONS",
    "PAIR_BOUNDARIES",
    "domains",
    "fleets",
    "host_documents",
    "host_pairs",
    "hosts",
]

CPUS = (
    "SPARC-T4", "SPARC-T5", "SPARC64-X", "UltraSPARC-T2+", "SPARC-T3", "SPARC-M7",
    "SPARC64-XII", "UltraSPARC-T2", "SPARC-T7", "SPARC-M8",
)  # fmt: skip
CLOCKS = (1415, 2548, 2848, 3600, 3700, 4133)
STICKS = (0x05F5E100, 0x05F4BC08, 0x3B9ACA00)
# From 2.0, just below live migration (SW-1: both Managers at least 2.1).
LDM_VERSIONS = tuple(f"{a}.{b}" for a, b in LDM_RELEASES if (a, b) >= (2, 0))
CONTROL_RELEASES = ("11.4", "11.3", "11.2", "11.1", "10 1/13", "10 8/11", "10 9/10")
# Guests: both sides of SW-4 (10 9/10) and CPU-8 (10 1/13), and Solaris 11.
GUEST_RELEASES = ("11.4", "10 9/10", "10 10/09", "10 1/13", "10 8/11", "11.3", "11.1", "11")
ARCHES = ("native", "generic", "migration-class1", "sparc64-class1")
GUEST_NAMES = ("ldg1", "ldg2", "ldg3", "ldg4", "ldg5", "ldg6", "ldg7", "ldg8")
VOLUMES = ("vol01", "vol02", "vol03", "vol04")
PORT_LO = 5000
MIN_MEMORY = 256 * MIB

# The boundaries host_pairs() aims at by default, one per draw (the requirement families).
# Kept as they were before the catalog revision: the stateful machines draw fleets from
# host_pairs() too, and their seeded hunts (properties/teeth.py) replay those draws.
PAIR_BOUNDARIES = (
    "cpu", "stick", "versions", "memory", "vcpus", "cores", "console", "vio", "os", "io", "any",
)  # fmt: skip
# Every family of the revised catalog: CPU-9's processor families and MEM-2's
# alignment and splitting on fragmented targets too (the solver's and the agreement's
# properties).
CATALOG_BOUNDARIES = (*PAIR_BOUNDARIES, "family", "fragments")
# ST-1 by FLAGS column 6: a fleet whose domain is already in a migration. Only for the
# pure pre-check (the simulated hosts start every domain out of any migration).
FLAG_BOUNDARIES = (*CATALOG_BOUNDARIES, "flags")
# CPU-9's families: UltraSPARC T2 / T2+ / SPARC T3, and SPARC T5 or later.
OLD_FAMILY = ("UltraSPARC-T2", "UltraSPARC-T2+", "SPARC-T3")
NEW_FAMILY = ("SPARC-T5", "SPARC-M7", "SPARC-T7", "SPARC-M8")

Doc = dict[str, Any]


# --------------------------------------------------------------------------- documents
@st.composite
def _host_head(draw: st.DrawFn, domains: int = 1) -> Doc:
    # Room for ``domains`` guests and the primary: a strand each, and a largest page each
    # (congruent placement may skip up to one largest page per block).
    tpc = draw(st.sampled_from((8, 2, 4)))
    cores = draw(st.integers(max(2, -(-(domains + 1) // tpc)), max(16, domains)))
    first = draw(st.integers(max(4, 2 * (domains + 2)), max(64, 4 * (domains + 2)))) * GIB
    memory = [{"pa": 0, "size": first}]
    if draw(st.booleans()):
        gap = draw(st.sampled_from((256 * MIB, 2 * GIB, 16 * GIB)))
        memory.append({"pa": first + gap, "size": draw(st.integers(1, 32)) * GIB})
    doc: Doc = {
        "cpu": draw(st.sampled_from(CPUS)),
        "clock-mhz": draw(st.sampled_from(CLOCKS)),
        "stick-frequency": draw(st.sampled_from(STICKS)),
        "ldm-version": draw(st.sampled_from(LDM_VERSIONS[::-1])),
        "os": draw(st.sampled_from(CONTROL_RELEASES)),
        "cores": cores,
        "threads-per-core": tpc,
        "memory": memory,
        "largest-page": draw(st.sampled_from((2 * GIB, 256 * MIB))),
    }
    volumes = draw(st.lists(st.sampled_from(VOLUMES), unique=True, max_size=4))
    if bool(volumes) or draw(st.booleans()):
        doc["vds"] = {"primary-vds0": {v: f"/dev/dsk/c1t{i}d0s2" for i, v in enumerate(volumes)}}
    vsw = draw(st.sampled_from(("primary-vsw0", "primary-vsw0", "net-vsw0", None)))
    if vsw is not None:
        doc["vsw"] = {vsw: {"net-dev": "net0"}}
    if draw(st.integers(0, 4)):
        high = PORT_LO + draw(st.sampled_from((0, 1, 2, 3, 100)))
        doc["vcc"] = {"primary-vcc0": {"port-range": f"{PORT_LO}-{high}"}}
    return doc


def _total_memory(doc: Doc) -> int:
    return sum(int(r["size"]) for r in doc["memory"])


@st.composite
def _domain_doc(draw: st.DrawFn, host: Doc, share: int) -> Doc:
    strands = host["cores"] * host["threads-per-core"]
    vcpus = draw(st.integers(1, max(1, strands // share)))
    memory_units = max(1, _total_memory(host) // share // MIN_MEMORY)
    memory = draw(st.integers(1, memory_units)) * MIN_MEMORY
    doc: Doc = {
        "state": draw(st.sampled_from(("active", "active", "active", "bound", "inactive"))),
        "vcpus": vcpus,
        "memory": memory,
        "os": draw(st.sampled_from(GUEST_RELEASES)),
        "cpu-arch": draw(st.sampled_from(ARCHES)),
    }
    if draw(st.integers(0, 5)) == 0:
        doc["whole-core"] = True
    volumes = list(host.get("vds", {}).get("primary-vds0", {}))
    if volumes:
        chosen = draw(st.lists(st.sampled_from(volumes), unique=True, max_size=2))
        if chosen:
            doc["vdisks"] = {f"vdisk{i}": f"{v}@primary-vds0" for i, v in enumerate(chosen)}
    switches = list(host.get("vsw", {}))
    if bool(switches) and draw(st.integers(0, 3)) > 0:
        doc["vnets"] = {"vnet0": switches[0]}
    if draw(st.integers(0, 9)) == 0:
        doc["io"] = [
            draw(
                st.sampled_from(
                    ("pci@400", "endpoint:/SYS/MB/PCIE1", "vf:/SYS/MB/NET0/IOVNET.PF0.VF0")
                )
            )
        ]
    return doc


def _assign_consoles(host: Doc, wanted: dict[str, bool]) -> None:
    """Give consoles, in order, to the domains that want one while ports last."""
    vcc = host.get("vcc", {}).get("primary-vcc0")
    if vcc is None:
        return
    high = int(vcc["port-range"].split("-")[1])
    port = PORT_LO
    for name, dom in host["domains"].items():
        if name == CONTROL_DOMAIN or not wanted.get(name):
            continue
        if dom.get("state") == "inactive":
            dom["console"] = {"vcc": "primary-vcc0", "port": PORT_LO}
        elif port <= high:
            dom["console"] = {"vcc": "primary-vcc0", "port": port}
            port += 1


def _load(documents: dict[str, Doc], plans: list[Doc] | None = None) -> Fleet:
    document = {"hosts": documents, "plans": plans or []}
    return fleet_from_document(document, "<hypothesis>", Positions({}))


def _fit(name: str, host: Doc) -> Host:
    """Load ``host``; shrink whatever domain it cannot hold (then the others, largest
    first), and drop a domain only when everything is already as small as it gets."""
    shrunk: set[str] = set()
    for _ in range(8 * len(host["domains"]) + 2):
        try:
            return _load({name: host}).hosts[0]
        except InputError as exc:
            parts = (exc.path or "").split(".")
            if len(parts) < 4 or parts[2] != "domains" or parts[3] == CONTROL_DOMAIN:
                raise
            victim = parts[3]
            if victim in shrunk:
                others = [n for n in host["domains"] if n not in shrunk and n != CONTROL_DOMAIN]
                if not others:
                    del host["domains"][victim]
                    continue
                victim = max(others, key=lambda n: int(host["domains"][n].get("memory", 0)))
            shrunk.add(victim)
            dom = host["domains"][victim]
            dom.update(vcpus=1, memory=MIN_MEMORY)
            dom.pop("whole-core", None)
    raise AssertionError(f"strategy could not fit the domains of {name}")  # pragma: no cover


@st.composite
def host_documents(
    draw: st.DrawFn, name: str = "h0", min_domains: int = 1, max_domains: int = 6
) -> Doc:
    """A host's fleet document (before loading), with its primary and guests."""
    count = draw(st.integers(min_domains, max_domains))
    host = draw(_host_head(min_domains))
    pool = GUEST_NAMES + tuple(f"ldg{i}" for i in range(len(GUEST_NAMES) + 1, count + 1))
    names = draw(st.permutations(pool))[:count]
    share = count + 2
    strands = host["cores"] * host["threads-per-core"]
    primary: Doc = {
        "vcpus": draw(st.integers(1, max(1, strands // share))),
        "memory": draw(st.integers(1, max(1, _total_memory(host) // share // GIB))) * GIB,
    }
    host["domains"] = {CONTROL_DOMAIN: primary}
    wanted: dict[str, bool] = {}
    for guest in names:
        host["domains"][guest] = draw(_domain_doc(host, share))
        wanted[guest] = draw(st.integers(0, 3)) > 0
    _assign_consoles(host, wanted)
    return host


# --------------------------------------------------------------------------- values
@st.composite
def hosts(draw: st.DrawFn, name: str = "h0", min_domains: int = 1, max_domains: int = 6) -> Host:
    """A valid host (as loaded from a fleet file) with ``min..max`` guest domains."""
    return _fit(name, draw(host_documents(name, min_domains, max_domains)))


@st.composite
def domains(draw: st.DrawFn) -> Domain:
    """A valid guest domain, as a host of some fleet holds it."""
    host = draw(hosts(min_domains=1, max_domains=3))
    guests = [d for d in host.domains if not d.is_control]
    if not guests:
        return host.domains[0]
    return draw(st.sampled_from(guests))


def _host_document_of(host: Host) -> Doc:
    """The document that loads back to ``host`` (via the writer's explicit form)."""
    import tomllib

    from ldmspec.inventory.writer import fleet_to_toml

    text = fleet_to_toml(Fleet((host,)))
    return dict(tomllib.loads(text)["hosts"][host.name])


@st.composite
def fleets(
    draw: st.DrawFn,
    min_hosts: int = 2,
    max_hosts: int = 5,
    min_domains: int = 1,
    max_domains: int = 6,
) -> Fleet:
    """A valid fleet of ``min_hosts..max_hosts`` hosts, with some planned migrations."""
    count = draw(st.integers(min_hosts, max_hosts))
    placed = {
        f"h{i}": _fit(f"h{i}", draw(host_documents(f"h{i}", min_domains, max_domains)))
        for i in range(count)
    }
    documents = {name: _host_document_of(host) for name, host in placed.items()}
    plans: list[Doc] = []
    names = list(placed)
    for _ in range(draw(st.integers(0, 3))):
        source = draw(st.sampled_from(names))
        guests = [d.name for d in placed[source].domains]
        target = draw(st.sampled_from(names))
        plan = {"domain": draw(st.sampled_from(guests)), "source": source, "target": target}
        if draw(st.integers(0, 4)) == 0:
            plan["target"] = f"{target}:{plan['domain']}-new"
        plans.append(plan)
    return _load(documents, plans)


# --------------------------------------------------------------------------- pairs
def _neighbour_version(version: str, distance: int) -> str:
    index = LDM_VERSIONS.index(version) if version in LDM_VERSIONS else len(LDM_VERSIONS) - 1
    return LDM_VERSIONS[max(0, min(len(LDM_VERSIONS) - 1, index - distance))]


@st.composite
def host_pairs(
    draw: st.DrawFn, boundaries: tuple[str, ...] = PAIR_BOUNDARIES
) -> tuple[Fleet, Domain, Host, Host]:
    """``(fleet, domain, source, target)`` near the boundary of one requirement family.

    ``domain`` is a guest of ``source``; ``target`` is another host of ``fleet``. The
    boundary aimed at is drawn from ``boundaries`` (:data:`PAIR_BOUNDARIES`,
    :data:`CATALOG_BOUNDARIES` for CPU-9 and MEM-2 splitting too, or
    :data:`FLAG_BOUNDARIES` for a domain already in a migration); values on either side
    of it (fits exactly / misses by one unit, equal / adjacent / two releases apart...)
    appear.
    """
    boundary = draw(st.sampled_from(boundaries))
    source_doc = draw(host_documents("src", min_domains=1, max_domains=3))
    source = _fit("src", source_doc)
    guests = [d for d in source.domains if not d.is_control]
    if not guests:  # every guest dropped: give the source a tiny one
        source_doc["domains"]["ldg1"] = {"vcpus": 1, "memory": MIN_MEMORY}
        source = _fit("src", source_doc)
        guests = [d for d in source.domains if not d.is_control]
    domain = draw(st.sampled_from(guests))
    target_doc = draw(host_documents("dst", min_domains=0, max_domains=3))
    _aim(draw, boundary, _host_document_of(source), target_doc, domain)
    target = _fit("dst", target_doc)
    tweak = _AFTER_LOAD.get(boundary)
    if tweak is not None:
        target = tweak(draw, target_doc, target, domain)
    source_doc = _host_document_of(source)
    if boundary == "flags":  # ST-1 by FLAGS column 6
        flag = draw(st.sampled_from(("none", "source", "target", "error")))
        source_doc["domains"][domain.name]["migration"] = flag
    fleet = _load({"src": source_doc, "dst": _host_document_of(target)})
    placed_source, placed_target = fleet.hosts
    placed_domain = placed_source.domain(domain.name)
    assert placed_domain is not None
    return fleet, placed_domain, placed_source, placed_target


def _aim(draw: st.DrawFn, boundary: str, source: Doc, target: Doc, domain: Domain) -> None:
    """Change the target's document so the pair sits near ``boundary``."""
    if boundary in ("cpu", "stick", "any"):
        if draw(st.booleans()):
            target["cpu"] = source["cpu"]
        if boundary == "stick" or draw(st.booleans()):
            target["stick-frequency"] = draw(st.sampled_from((source["stick-frequency"], *STICKS)))
    if boundary in ("versions", "any"):
        distance = draw(st.sampled_from((0, 1, -1, 2)))
        target["ldm-version"] = _neighbour_version(source["ldm-version"], distance)
    if boundary in ("vio", "any"):
        target["vds"] = {k: dict(v) for k, v in source.get("vds", {}).items()}
        target["vsw"] = dict(source.get("vsw", {}))
        if bool(domain.vdisks) and draw(st.booleans()):
            vds = target["vds"].get(domain.vdisks[0].service, {})
            vds.pop(domain.vdisks[0].volume, None)
        if bool(domain.vnets) and draw(st.booleans()):
            target["vsw"] = {"other-vsw0": {"net-dev": "net1"}}
        for dom in target["domains"].values():  # keep the target's own devices valid
            dom.pop("vdisks", None)
            dom.pop("vnets", None)
    if boundary == "os":
        target["os"] = draw(st.sampled_from(CONTROL_RELEASES))
    if boundary == "family":  # CPU-9: the other family, or the same one
        other = NEW_FAMILY if source["cpu"] in OLD_FAMILY else OLD_FAMILY
        target["cpu"] = draw(st.sampled_from((*other, *other, source["cpu"])))
        target["ldm-version"] = _neighbour_version(
            source["ldm-version"], draw(st.sampled_from((0, 1)))
        )
    # MEM-2 splitting: Managers 3.6 on both sides, often
    if boundary == "fragments" and draw(st.booleans()):
        target["ldm-version"] = "3.6"


def _after_memory(draw: st.DrawFn, doc: Doc, target: Host, domain: Domain) -> Host:
    """A filler domain so the target's free memory is the domain's, or 256M off."""
    delta = draw(st.sampled_from((0, 0, MIN_MEMORY, -MIN_MEMORY)))
    filler = target.free_memory_size - domain.memory_size - delta
    return _with_filler(doc, target, {"vcpus": 1, "memory": filler}, "memory")


def _after_vcpus(draw: st.DrawFn, doc: Doc, target: Host, domain: Domain) -> Host:
    delta = draw(st.sampled_from((0, 0, 1, -1)))
    filler = target.free_vcpus - domain.vcpus - delta
    return _with_filler(doc, target, {"vcpus": filler, "memory": MIN_MEMORY}, "vcpus")


def _after_cores(draw: st.DrawFn, doc: Doc, target: Host, domain: Domain) -> Host:
    needed = -(-domain.vcpus // target.threads_per_core)
    keep = max(0, needed + draw(st.sampled_from((0, -1, 1))))
    take = len(target.free_cores) - keep
    filler = {"vcpus": take * target.threads_per_core, "whole-core": True, "memory": MIN_MEMORY}
    return _with_filler(doc, target, filler, "vcpus")


def _after_console(draw: st.DrawFn, doc: Doc, target: Host, domain: Domain) -> Host:
    """The target's vcc with no free port, exactly one, or no vcc at all."""
    used = sorted(p for d in target.holders() if d.console is not None for p in [d.console.port])
    free = draw(st.sampled_from((0, 1, 1, 2)))
    high = (used[-1] if used else PORT_LO - 1) + free
    if high < PORT_LO:
        doc.pop("vcc", None)
        for dom in doc["domains"].values():
            dom.pop("console", None)
    else:
        doc["vcc"] = {"primary-vcc0": {"port-range": f"{PORT_LO}-{high}"}}
        for dom in doc["domains"].values():
            if "console" in dom and dom["console"]["port"] > high:
                dom.pop("console")
    return _fit("dst", doc)


def _with_filler(doc: Doc, target: Host, filler: Doc, what: str) -> Host:
    if int(filler.get(what, 0)) <= 0 or int(filler["memory"]) <= 0:
        return target
    name = next(n for n in ("fill0", "fill1", "fill2") if n not in doc["domains"])
    doc["domains"][name] = {"state": "bound", "os": "11.4", **filler}
    try:
        return _load({"dst": doc}).hosts[0]
    except InputError:
        del doc["domains"][name]  # placement could not hold it exactly: keep the plain target
        return target


def _after_fragments(draw: st.DrawFn, doc: Doc, target: Host, domain: Domain) -> Host:
    """A filler holding every other piece of the target's free memory: free ranges of a
    quarter to all of the domain's size, so blocks fit only split, or not at all."""
    size = max(domain.memory_size, sum(b.size for b in domain.memory), MIN_MEMORY)
    hole = max(MIN_MEMORY, size // draw(st.sampled_from((1, 2, 3, 4))) // MIN_MEMORY * MIN_MEMORY)
    taken = MIN_MEMORY * draw(st.integers(1, 4))
    blocks, ra = [], 0x10000000
    for rng in target.free_memory:
        at = rng.pa + hole
        while at + taken <= rng.end:
            blocks.append({"ra": ra, "pa": at, "size": taken})
            ra += taken
            at += taken + hole
    if not blocks:
        return target
    name = next(n for n in ("fill0", "fill1", "fill2") if n not in doc["domains"])
    doc["domains"][name] = {"state": "bound", "os": "11.4", "vcpus": 1, "memory": blocks}
    try:
        return _load({"dst": doc}).hosts[0]
    except InputError:
        del doc["domains"][name]
        return target


_AFTER_LOAD: dict[str, Callable[[st.DrawFn, Doc, Host, Domain], Host]] = {
    "fragments": _after_fragments,
    "memory": _after_memory,
    "vcpus": _after_vcpus,
    "cores": _after_cores,
    "console": _after_console,
}
