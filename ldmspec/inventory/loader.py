"""Read a fleet from a TOML or JSON file (the schema of DESIGN.md) into a :class:`Fleet`.

Every problem is an :class:`~ldmspec.errors.InputError` naming the file, the line, the
key path and the expected form::

    fleet.toml:12: hosts.t4-a.domains.ldom01.memory: expected a size like 8G, got "eight"

Defaults for optional keys: ``threads-per-core = 8``, ``largest-page`` = 256M for
UltraSPARC T1/T2/T2+ and SPARC T3, 2G for later processors,
``clock-mhz = 0`` (unknown), a domain's ``state = "active"``, ``vcpus = 1``,
``whole-core = false``, ``cpu-arch = "native"``, ``os`` = the control domain's release,
``io = []`` (typed: ``bus:``, ``endpoint:``, ``vf:``, ``pf:``; a bare entry is a bus),
``migration = "none"``, a console's ``group`` = the domain's name; a plan's ``expect`` = not stated
(``"feasible"`` or a list of the requirement ids it must violate). A domain may also give
``strands = [...]`` (physical strand ids, as captures do); otherwise strands and memory
are placed deterministically (:mod:`ldmspec.inventory.placement`). Host memory ranges
that touch are merged into one range.
"""

from __future__ import annotations

import itertools
import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ldmspec.errors import InputError
from ldmspec.inventory.facts import (
    CONTROL_DOMAIN,
    Console,
    Domain,
    DomainState,
    Fleet,
    Host,
    IoDevice,
    MemoryBlock,
    MemoryRange,
    MigrationFlag,
    Plan,
    Vcc,
    VDisk,
    Vds,
    VNet,
    Volume,
    Vsw,
)
from ldmspec.inventory.placement import place_host
from ldmspec.inventory.positions import KeyPath, Positions, json_positions, toml_positions
from ldmspec.inventory.processors import CpuArch, processor
from ldmspec.inventory.units import format_size, parse_int, parse_size
from ldmspec.inventory.versions import LdmVersion, SolarisRelease
from ldmspec.requirements import CATALOG

__all__ = ["fleet_from_document", "load_fleet", "load_fleet_text", "parse_fleet_document"]

T = TypeVar("T")

HOST_KEYS = (
    "cpu", "clock-mhz", "stick-frequency", "ldm-version", "os", "cores",
    "threads-per-core", "memory", "largest-page", "vds", "vsw", "vcc", "domains",
)  # fmt: skip
DOMAIN_KEYS = (
    "state", "vcpus", "whole-core", "memory", "strands", "cpu-arch", "os",
    "vdisks", "vnets", "console", "io", "migration",
)  # fmt: skip
# Bounds far above any SPARC machine (an M8-8 has 256 cores of 8 strands), so that a typo
# cannot make placement walk billions of strands.
MAX_CORES = 4096
MAX_THREADS_PER_CORE = 64
PLAN_KEYS = ("domain", "source", "target", "expect")


def load_fleet(path: str | Path) -> Fleet:
    """The fleet in ``path``: a ``.toml`` or ``.json`` file, a folder of capture bundles,
    or a ``.tar`` file of bundles as ``ldmspec collect``'s script writes."""
    path = Path(path)
    if path.is_dir():
        from ldmspec.inventory.captures import load_bundles

        return load_bundles(path)
    if path.suffix.lower() in (".tar", ".tgz") or path.name.lower().endswith(".tar.gz"):
        from ldmspec.inventory.captures import load_capture_tar

        return load_capture_tar(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            "an existing fleet file (.toml, .json) or folder of capture bundles",
            source=str(path),
        ) from None
    except UnicodeDecodeError:
        raise InputError("a readable UTF-8 fleet file (not UTF-8 text)", source=str(path)) from None
    except OSError as exc:
        raise InputError(
            f"a readable UTF-8 fleet file ({exc.strerror or exc.__class__.__name__})",
            source=str(path),
        ) from None
    return load_fleet_text(text, str(path), json_format=path.suffix.lower() == ".json")


def load_fleet_text(text: str, source: str = "<fleet>", *, json_format: bool = False) -> Fleet:
    """The fleet written in ``text`` (TOML, or JSON when ``json_format``)."""
    if json_format:
        document, positions = _parse_json(text, source)
    else:
        document, positions = _parse_toml(text, source)
    return parse_fleet_document(document, _Reader(source, positions))


def _parse_toml(text: str, source: str) -> tuple[dict[str, Any], Positions]:
    try:
        document = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
        message = str(exc).split(";")[0]
        line = column = None
        if "(at line " in message:
            tail = message.rsplit("(at line ", 1)[1].rstrip(")")
            message = message.rsplit(" (at line ", 1)[0]
            parts = tail.split(", column ")
            line, column = int(parts[0]), int(parts[1]) if len(parts) > 1 else None
        raise InputError(
            f"valid TOML ({message})", source=source, line=line, column=column
        ) from None
    return document, toml_positions(text)


def _parse_json(text: str, source: str) -> tuple[dict[str, Any], Positions]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen[key] = value
        return seen

    try:
        document = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"valid JSON ({exc.msg})", source=source, line=exc.lineno, column=exc.colno
        ) from None
    except RecursionError:
        raise InputError("JSON nested less deeply", source=source) from None
    except _DuplicateKey as dup:
        # Locate the second definition: the positions scanner records repeated keys.
        where = next(
            (
                (path, line)
                for path, line in json_positions(text).duplicates
                if path and path[-1] == dup.key
            ),
            ((dup.key,), None),
        )
        raise InputError(
            "each key once in an object", got=dup.key, source=source, line=where[1],
            path=_dotted(where[0]),
        ) from None  # fmt: skip
    except ValueError as exc:  # an integer too long to convert
        raise InputError(f"valid JSON ({str(exc).split(';')[0]})", source=source) from None
    if not isinstance(document, dict):
        raise InputError("a JSON object with a hosts table", got=document, source=source)
    return document, json_positions(text)


def fleet_from_document(document: Mapping[str, Any], source: str, positions: Positions) -> Fleet:
    """A fleet from a document already in the schema's shape, whose key positions are known.

    Capture bundles use it: they assemble the document from several files and record, in
    ``positions``, the file and line each key came from, so every check of this loader
    names the capture file and line.
    """
    return parse_fleet_document(document, _Reader(source, positions))


class _JsonNull:
    """A JSON ``null`` where a value was expected, shown as ``got null``."""

    def __repr__(self) -> str:
        return "null"


_NULL = _JsonNull()
_NOTHING = object()  # fail() without a value: the message has no "got"


class _DuplicateKey(Exception):
    """A JSON object defines ``key`` twice (raised inside ``json.loads``)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class _Reader:
    """Reads values out of the document, raising located errors."""

    source: str
    positions: Positions

    def fail(self, path: KeyPath, expected: str, got: object = _NOTHING) -> InputError:
        return InputError(
            expected,
            got=None if got is _NOTHING else _NULL if got is None else got,
            source=self.source_of(path),
            line=self.positions.line_of(path),
            path=_dotted(path),
        )

    def source_of(self, path: KeyPath) -> str:
        """The file that defined ``path``: the document's, unless it was assembled."""
        return self.positions.source_of(path) or self.source

    def at(self, path: KeyPath, parse: Callable[[Any], T], value: Any) -> T:
        """``parse(value)``, with any InputError located at ``path``."""
        try:
            return parse(value)
        except InputError as exc:
            if value is None and exc.got is None:  # a JSON null: say so
                exc = InputError(exc.expected, got=_NULL, source=exc.source, line=exc.line)
            raise exc.located(
                self.source_of(path), self.positions.line_of(path), _dotted(path)
            ) from None

    def table(self, path: KeyPath, value: Any, keys: tuple[str, ...] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "a table", value)
        if keys is not None:
            for key in value:
                if key not in keys:
                    raise self.fail((*path, key), "one of the keys " + ", ".join(keys), key)
        return value

    def required(self, path: KeyPath, table: Mapping[str, Any], key: str) -> Any:
        if key not in table:
            raise self.fail(path, f"a key {key!r} in this table")
        return table[key]

    def string(self, path: KeyPath, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "a non-empty string", value)
        return value

    def integer(
        self, path: KeyPath, value: Any, *, minimum: int = 1, maximum: int | None = None
    ) -> int:
        number = self.at(path, lambda v: parse_int(v, form="an integer"), value)
        if number < minimum:
            raise self.fail(path, f"an integer of at least {minimum}", value)
        if maximum is not None and number > maximum:
            raise self.fail(path, f"an integer of at most {maximum}", value)
        return number

    def boolean(self, path: KeyPath, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, "true or false", value)
        return value

    def array(self, path: KeyPath, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, "a list", value)
        return value


def parse_fleet_document(document: Mapping[str, Any], reader: _Reader) -> Fleet:
    """A fleet from an already-parsed document (a dict of the TOML/JSON schema)."""
    top = reader.table((), document, ("hosts", "plans"))
    hosts_table = reader.table(("hosts",), reader.required((), top, "hosts"), None)
    if not hosts_table:
        raise reader.fail(("hosts",), "at least one host")
    hosts = tuple(_host(reader, name, value) for name, value in hosts_table.items())
    plans = tuple(
        _plan(reader, ("plans", i), value, hosts)
        for i, value in enumerate(reader.array(("plans",), top.get("plans", [])))
    )
    return Fleet(hosts, plans, source=reader.source)


def _host(reader: _Reader, name: str, value: Any) -> Host:
    path: KeyPath = ("hosts", name)
    if not name.strip():
        raise reader.fail(path, "a non-empty host name", name)
    t = reader.table(path, value, HOST_KEYS)

    def need(key: str) -> tuple[KeyPath, Any]:
        return (*path, key), reader.required(path, t, key)

    p, v = need("cpu")
    cpu = reader.at(p, processor, v)
    p, v = need("stick-frequency")
    stick = reader.integer(p, v)
    p, v = need("ldm-version")
    ldm_version = reader.at(p, LdmVersion.parse, v)
    p, v = need("os")
    os_release = reader.at(p, SolarisRelease.parse, v)
    p, v = need("cores")
    cores = reader.integer(p, v, maximum=MAX_CORES)
    tpc = reader.integer(
        (*path, "threads-per-core"), t.get("threads-per-core", 8), maximum=MAX_THREADS_PER_CORE
    )
    clock = reader.integer((*path, "clock-mhz"), t.get("clock-mhz", 0), minimum=0)
    largest = reader.at(
        (*path, "largest-page"), parse_size, t.get("largest-page", cpu.default_largest_page)
    )
    if largest & (largest - 1):
        raise reader.fail(
            (*path, "largest-page"), "a page size that is a power of two like 256M or 2G",
            t.get("largest-page"),
        )  # fmt: skip
    p, v = need("memory")
    memory = _host_memory(reader, p, v)

    vds = _services(reader, (*path, "vds"), t.get("vds", {}), _vds)
    vsw = _services(reader, (*path, "vsw"), t.get("vsw", {}), _vsw)
    vcc = _services(reader, (*path, "vcc"), t.get("vcc", {}), _vcc)
    _unique_service_names(reader, path, (vds, vsw, vcc))

    domains_table = reader.table((*path, "domains"), t.get("domains", {}), None)
    domains = [
        _domain(reader, (*path, "domains", dname), dvalue, os_release)
        for dname, dvalue in domains_table.items()
    ]
    if not any(d.is_control for d in domains):
        domains.insert(0, Domain(CONTROL_DOMAIN, vcpus=0, os=os_release))
    host = Host(
        name,
        cpu,
        clock,
        stick,
        ldm_version,
        os_release,
        cores,
        tpc,
        memory,
        largest,
        vds,
        vsw,
        vcc,
        tuple(domains),
    )
    _check_holdings(reader, path, host)
    placed, problems = place_host(host)
    for dname, what in problems:
        held = "vCPUs" if what == "vcpus" else "memory"
        wanted = next(d for d in domains if d.name == dname)
        amount = wanted.vcpus if what == "vcpus" else format_size(wanted.memory_size)
        raise reader.fail(
            (*path, "domains", dname, what),
            f"no more {held} held than host {name} has free",
            amount,
        )
    return placed


def _host_memory(reader: _Reader, path: KeyPath, value: Any) -> tuple[MemoryRange, ...]:
    ranges: list[MemoryRange] = []
    for i, item in enumerate(reader.array(path, value)):
        ipath = (*path, i)
        entry = reader.table(ipath, item, ("pa", "size"))
        pa = reader.integer((*ipath, "pa"), reader.required(ipath, entry, "pa"), minimum=0)
        size = reader.at((*ipath, "size"), parse_size, reader.required(ipath, entry, "size"))
        ranges.append(MemoryRange(pa, size))
    if not ranges:
        raise reader.fail(path, 'at least one memory range { pa = 0x0, size = "256G" }')
    ordered = sorted(ranges)
    for a, b in itertools.pairwise(ordered):
        if a.overlaps(b):
            raise reader.fail(path, "memory ranges that do not overlap", f"{a} and {b}")
    return _merge_touching(ordered)


def _merge_touching(ordered: list[MemoryRange]) -> tuple[MemoryRange, ...]:
    """Ranges that touch are one range: ``ldm list-devices`` cannot show the seam either."""
    merged: list[MemoryRange] = []
    for rng in ordered:
        if merged and merged[-1].end == rng.pa:
            merged[-1] = MemoryRange(merged[-1].pa, merged[-1].size + rng.size)
        else:
            merged.append(rng)
    return tuple(merged)


def _services(
    reader: _Reader, path: KeyPath, value: Any, make: Callable[[_Reader, KeyPath, str, Any], T]
) -> tuple[T, ...]:
    table = reader.table(path, value, None)
    return tuple(make(reader, (*path, name), name, v) for name, v in table.items())


def _vds(reader: _Reader, path: KeyPath, name: str, value: Any) -> Vds:
    table = reader.table(path, value, None)
    volumes = tuple(Volume(vol, reader.string((*path, vol), dev)) for vol, dev in table.items())
    return Vds(name, volumes)


def _vsw(reader: _Reader, path: KeyPath, name: str, value: Any) -> Vsw:
    table = reader.table(path, value, ("net-dev",))
    return Vsw(name, reader.string((*path, "net-dev"), table.get("net-dev", "net0")))


def _vcc(reader: _Reader, path: KeyPath, name: str, value: Any) -> Vcc:
    table = reader.table(path, value, ("port-range",))
    p = (*path, "port-range")
    text = reader.string(p, reader.required(path, table, "port-range"))
    lo, sep, hi = text.partition("-")
    if not (sep and lo.strip().isdigit() and hi.strip().isdigit()):
        raise reader.fail(p, 'a port range like "5000-5100"', text)
    low, high = int(lo), int(hi)
    if not 0 < low <= high <= 65535:
        raise reader.fail(p, "a port range LOW-HIGH with 0 < LOW <= HIGH <= 65535", text)
    return Vcc(name, low, high)


def _unique_service_names(
    reader: _Reader, path: KeyPath, groups: tuple[tuple[Any, ...], ...]
) -> None:
    seen: dict[str, str] = {}
    for kind, group in zip(("vds", "vsw", "vcc"), groups, strict=True):
        for service in group:
            if service.name in seen:
                raise reader.fail(
                    (*path, kind, service.name),
                    f"a service name not already used by a {seen[service.name]}",
                    service.name,
                )
            seen[service.name] = kind


def _domain(reader: _Reader, path: KeyPath, value: Any, host_os: SolarisRelease) -> Domain:
    name = str(path[-1])
    if not name.strip():
        raise reader.fail(path, "a non-empty domain name", name)
    t = reader.table(path, value, DOMAIN_KEYS)
    state = reader.at((*path, "state"), _state, t.get("state", "active"))
    vcpus = reader.integer(
        (*path, "vcpus"), t.get("vcpus", 1), minimum=0 if name == CONTROL_DOMAIN else 1
    )
    whole_core = reader.boolean((*path, "whole-core"), t.get("whole-core", False))
    if "memory" in t and t["memory"] is None:  # a JSON null, not a missing key
        raise reader.fail((*path, "memory"), "a size like 16G or a list of blocks", None)
    memory_size, blocks = _domain_memory(reader, (*path, "memory"), t.get("memory"), name)
    strands = tuple(
        reader.integer((*path, "strands", i), s, minimum=0)
        for i, s in enumerate(reader.array((*path, "strands"), t.get("strands", [])))
    )
    if strands and len(strands) != vcpus and not whole_core:
        raise reader.fail((*path, "strands"), f"{vcpus} strand ids (one per vCPU)", len(strands))
    arch = reader.at((*path, "cpu-arch"), CpuArch.parse, t.get("cpu-arch", "native"))
    guest_os = reader.at((*path, "os"), SolarisRelease.parse, t.get("os", str(host_os)))
    vdisks = tuple(
        _vdisk(reader, (*path, "vdisks", vname), vname, spec)
        for vname, spec in reader.table((*path, "vdisks"), t.get("vdisks", {}), None).items()
    )
    vnets = tuple(
        VNet(vname, reader.string((*path, "vnets", vname), spec))
        for vname, spec in reader.table((*path, "vnets"), t.get("vnets", {}), None).items()
    )
    console = None
    if "console" in t:
        console = _console(reader, (*path, "console"), t["console"], name)
    io = tuple(
        reader.at((*path, "io", i), IoDevice.parse, item)
        for i, item in enumerate(reader.array((*path, "io"), t.get("io", [])))
    )
    migration = reader.at((*path, "migration"), MigrationFlag.parse, t.get("migration", "none"))
    return Domain(
        name,
        state,
        vcpus,
        whole_core,
        memory_size,
        blocks,
        strands,
        arch,
        guest_os,
        vdisks,
        vnets,
        console,
        io,
        migration,
    )


_STATES = {state.value: state for state in DomainState}


def _state(value: Any) -> DomainState:
    state = _STATES.get(value) if isinstance(value, str) else None
    if state is not None:
        return state
    raise InputError("one of active, bound, inactive", got=value)


def _domain_memory(
    reader: _Reader, path: KeyPath, value: Any, name: str
) -> tuple[int, tuple[MemoryBlock, ...]]:
    if value is None:
        if name == CONTROL_DOMAIN:
            return 0, ()
        raise reader.fail(path[:-1], "a key 'memory' in this table")
    if not isinstance(value, list):
        return reader.at(path, parse_size, value), ()
    blocks: list[MemoryBlock] = []
    for i, item in enumerate(value):
        ipath = (*path, i)
        entry = reader.table(ipath, item, ("ra", "pa", "size"))
        ra = reader.integer((*ipath, "ra"), reader.required(ipath, entry, "ra"), minimum=0)
        pa = reader.integer((*ipath, "pa"), reader.required(ipath, entry, "pa"), minimum=0)
        size = reader.at((*ipath, "size"), parse_size, reader.required(ipath, entry, "size"))
        blocks.append(MemoryBlock(ra, pa, size))
    if not blocks:
        raise reader.fail(path, 'a size like "8G" or at least one block { ra, pa, size }')
    ordered = sorted(blocks, key=lambda b: b.ra)
    for a, b in itertools.pairwise(ordered):
        if a.ra + a.size > b.ra:
            raise reader.fail(
                path, "memory blocks whose real addresses do not overlap", f"{a} and {b}"
            )
    return sum(b.size for b in blocks), tuple(ordered)


def _vdisk(reader: _Reader, path: KeyPath, name: str, spec: Any) -> VDisk:
    text = reader.string(path, spec)
    volume, sep, service = text.partition("@")
    if not (sep and volume and service):
        raise reader.fail(path, 'a back end like "vol01@primary-vds0"', text)
    return VDisk(name, volume, service)


def _console(reader: _Reader, path: KeyPath, value: Any, name: str) -> Console:
    t = reader.table(path, value, ("vcc", "port", "group"))
    vcc = reader.string((*path, "vcc"), reader.required(path, t, "vcc"))
    port = reader.integer((*path, "port"), reader.required(path, t, "port"))
    group = reader.string((*path, "group"), t.get("group", name))
    return Console(vcc, port, group)


def _check_holdings(reader: _Reader, path: KeyPath, host: Host) -> None:
    """What the domains name must exist, and nothing may be held twice."""
    strand_owner: dict[int, str] = {}
    port_owner: dict[tuple[str, int], str] = {}
    for d in host.domains:
        dpath = (*path, "domains", d.name)
        _check_devices(reader, dpath, host, d)
        if d.console is not None:
            _check_console(reader, dpath, host, d, port_owner)
        if not d.holds_resources:
            continue
        _check_strands(reader, dpath, host, d, strand_owner)
        if d.whole_core and d.strands:
            _check_whole_cores(reader, dpath, host, d)
        for block in d.memory:
            inside = any(r.pa <= block.pa and block.end_pa <= r.end for r in host.memory)
            if not inside:
                raise reader.fail(
                    (*dpath, "memory"),
                    f"blocks inside host {host.name}'s physical memory",
                    str(block),
                )
    _check_memory_held(reader, path, host)


def _check_devices(reader: _Reader, dpath: KeyPath, host: Host, d: Domain) -> None:
    """Every vdisk names a vds of the host and a volume it exports; every vnet a vsw."""
    for disk in d.vdisks:
        vds = host.vds_named(disk.service)
        if vds is None:
            raise reader.fail(
                (*dpath, "vdisks", disk.name), f"a vds that host {host.name} has", disk.service
            )
        if vds.volume(disk.volume) is None:
            raise reader.fail(
                (*dpath, "vdisks", disk.name), f"a volume that vds {vds.name} exports", disk.volume
            )
    for net in d.vnets:
        if host.vsw_named(net.service) is None:
            raise reader.fail(
                (*dpath, "vnets", net.name), f"a vsw that host {host.name} has", net.service
            )


def _check_console(reader: _Reader, dpath: KeyPath, host: Host, d: Domain,
                   port_owner: dict[tuple[str, int], str]) -> None:  # fmt: skip
    """The console names a vcc of the host, a port in its range, held by no one else."""
    assert d.console is not None
    vcc = host.vcc_named(d.console.vcc)
    if vcc is None:
        raise reader.fail(
            (*dpath, "console", "vcc"), f"a vcc that host {host.name} has", d.console.vcc
        )
    if d.console.port not in vcc.ports:
        raise reader.fail(
            (*dpath, "console", "port"),
            f"a port in {vcc.name}'s range {vcc.port_range}",
            d.console.port,
        )
    if d.holds_resources:
        key = (vcc.name, d.console.port)
        if key in port_owner:
            raise reader.fail(
                (*dpath, "console", "port"),
                f"a console port not already used by {port_owner[key]}",
                d.console.port,
            )
        port_owner[key] = d.name


def _check_strands(reader: _Reader, dpath: KeyPath, host: Host, d: Domain,
                   strand_owner: dict[int, str]) -> None:  # fmt: skip
    """The strands exist on the host and no other domain holds them."""
    for s in d.strands:
        if s >= host.strands:
            raise reader.fail(
                (*dpath, "strands"), f"strand ids below {host.strands} (the host's strands)", s
            )
        if s in strand_owner:
            raise reader.fail(
                (*dpath, "strands"), f"strands not already held by {strand_owner[s]}", s
            )
        strand_owner[s] = d.name


def _check_memory_held(reader: _Reader, path: KeyPath, host: Host) -> None:
    """No two holders' blocks overlap, and together they fit the host's memory."""
    held = sorted((b.physical, d.name) for d in host.domains if d.holds_resources for b in d.memory)
    for (a, owner_a), (b, owner_b) in itertools.pairwise(held):
        if a.overlaps(b):
            raise reader.fail(
                (*path, "domains", owner_b, "memory"),
                f"memory that does not overlap {owner_a}'s",
                str(b),
            )
    total = 0
    for d in host.holders():
        total += d.memory_size
        if total > host.total_memory:
            before = format_size(total - d.memory_size) if total > d.memory_size else "0"
            raise reader.fail(
                (*path, "domains", d.name, "memory"),
                f"memory that fits: host {host.name} has {format_size(host.total_memory)}"
                f" and the domains before hold {before}",
                format_size(d.memory_size),
            )


def _check_whole_cores(reader: _Reader, path: KeyPath, host: Host, d: Domain) -> None:
    """A whole-core domain holds every strand of each core it touches, and enough of them."""
    tpc = host.threads_per_core
    cores = sorted({s // tpc for s in d.strands})
    for core in cores:
        missing = [s for s in range(core * tpc, (core + 1) * tpc) if s not in d.strands]
        if missing:
            raise reader.fail(
                (*path, "strands"),
                f"every strand of core {core} (a whole-core domain holds whole cores)",
                f"strand {missing[0]} missing",
            )
    if len(d.strands) < d.vcpus:
        raise reader.fail(
            (*path, "strands"), f"at least {d.vcpus} strands (one per vCPU)", len(d.strands)
        )


def _plan(reader: _Reader, path: KeyPath, value: Any, hosts: tuple[Host, ...]) -> Plan:
    t = reader.table(path, value, PLAN_KEYS)
    domain = reader.string((*path, "domain"), reader.required(path, t, "domain"))
    source = reader.string((*path, "source"), reader.required(path, t, "source"))
    target_text = reader.string((*path, "target"), reader.required(path, t, "target"))
    target, _, new_name = target_text.partition(":")
    by_name = {h.name: h for h in hosts}
    for key, host in (("source", source), ("target", target)):
        if host not in by_name:
            raise reader.fail((*path, key), "a host of this fleet: " + ", ".join(by_name), host)
    if by_name[source].domain(domain) is None:
        raise reader.fail((*path, "domain"), f"a domain of host {source}", domain)
    return Plan(domain, source, target, new_name or None, _expect(reader, (*path, "expect"), t))


def _expect(reader: _Reader, path: KeyPath, plan: Mapping[str, Any]) -> tuple[str, ...] | None:
    """``expect = "feasible"`` or ``expect = ["CPU-4", ...]`` (requirement ids)."""
    if "expect" not in plan:
        return None
    value = plan["expect"]
    form = 'expect = "feasible" or a list of requirement ids like ["CPU-4", "VIO-1"]'
    if value == "feasible":
        return ()
    if not isinstance(value, list) or not value:
        raise reader.fail(path, form, value)
    known = {r.id for r in CATALOG}
    for i, rid in enumerate(value):
        if rid not in known:
            raise reader.fail((*path, i), "a requirement id: " + ", ".join(sorted(known)), rid)
    return tuple(value)


def _dotted(path: KeyPath) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
