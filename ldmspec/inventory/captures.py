"""Capture bundles: the raw output of a control domain's commands, read as a fleet.

A **bundle** is a folder named after the host, holding (``ldmspec collect`` writes them)::

    ldm-list-l-p.txt            ldm list -l -p            domains, strands, memory blocks, I/O,
                                                          vdisks, vnets, consoles
    ldm-list-constraints-x.xml  ldm list-constraints -x   cpu-arch, whole-core
    ldm-list-services-p.txt     ldm list-services -p      vds (volumes), vsw, vcc
    ldm-list-devices-a-p.txt    ldm list-devices -a -p    cores, strands, physical memory
                                                          (blocks bound to _sys_ and other
                                                          names starting with _ are reserved
                                                          by the system, not host memory)
    ldm-V.txt                   ldm -V                    Logical Domains Manager version
    psrinfo-pv.txt              psrinfo -pv               processor type and clock
    prtconf-pv.txt              prtconf -pv               stick-frequency
    ldm-list-p.txt              ldm list -p               (optional) cross-checked
    etc-release.txt             cat /etc/release          (optional) control domain release
    ldm-list-o-domain.txt       ldm list -o domain primary (optional, 3.6+) largest page
                                                          (hardware-max-pagesize)
    facts.toml                  written by hand           (optional) what no command shows

``facts.toml`` may hold ``os`` (the control domain's release, when ``etc-release.txt`` is
missing), ``largest-page`` (default by processor: 256M before the T4, else 2G), ``cpu``
and ``clock-mhz`` (when ``psrinfo -pv`` is missing) and one ``[domains.NAME]`` table per
guest with its ``os`` (default: the control domain's release, as in a fleet file).

A **folder of bundles** has one sub-folder per host and an optional ``plans.toml`` with
``hosts = [...]`` (the host order; default: by name) and ``[[plans]]`` tables as in a
fleet file. A folder that itself holds ``ldm-list-l-p.txt`` is a one-host fleet. The tar
file the ``ldmspec collect`` script writes (``HOST.tar``, holding ``HOST/``) may be given
as it is.

The bundle becomes the same document a fleet file would be, and goes through the same
loader checks, with every key located in the capture file and line it came from. Where
two files say the same thing differently (``ncpu`` in ``ldm list -p`` and the VCPU lines
of ``ldm list -l -p``, the services of ``list-services`` and ``list -l``...) the bundle is
refused with an error naming both, never guessed.

Why each fact comes from where it does: in a logical-domain system ``psrinfo`` on the
control domain sees only the control domain's own virtual CPUs, so the machine's cores and
strands come from ``ldm list-devices -a -p``; ``psrinfo`` gives the processor type and
clock (and its count is cross-checked against the control domain's VCPU lines). A listing
of LDoms 1.x without a CORE section counts cores by the processor's strands per core (4 on
the UltraSPARC T1, 2 on SPARC64 X/X+, else 8).

A domain caught in a migration keeps its flag: FLAGS column 6 (``s``, ``t``, ``e``) becomes
the fleet key ``migration`` (source, target, error), which ST-1 reports. Spelled-out flags
(``ldm list -l -p``) carry it as the words ``source``, ``target``, ``error``: no published
listing shows those words, they are ldmspec's own. An inactive domain's empty ``ncpu=`` and
``mem=`` are unknown, not zero: its vCPUs and memory come from ``list-constraints -x``.
"""

from __future__ import annotations

import tarfile
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ldmspec.errors import InputError
from ldmspec.inventory.constraints_xml import Constraint, parse_constraints_xml
from ldmspec.inventory.facts import CONTROL_DOMAIN, Fleet, MigrationFlag
from ldmspec.inventory.host_parsers import (
    parse_ldm_version,
    parse_max_pagesize,
    parse_prtconf,
    parse_psrinfo,
    parse_release,
)
from ldmspec.inventory.listing_parsers import (
    DeviceListing,
    ListedDomain,
    ServiceRecords,
    parse_devices,
    parse_ldm_list,
    parse_services,
)
from ldmspec.inventory.loader import fleet_from_document
from ldmspec.inventory.positions import KeyPath, Positions, toml_positions
from ldmspec.inventory.processors import processor
from ldmspec.inventory.units import format_size, parse_size

__all__ = [
    "FACTS_KEYS",
    "OPTIONAL_FILES",
    "REQUIRED_FILES",
    "load_bundle",
    "load_bundles",
    "load_capture_tar",
]

REQUIRED_FILES: dict[str, str] = {
    "ldm-list-l-p.txt": "ldm list -l -p",
    "ldm-list-constraints-x.xml": "ldm list-constraints -x",
    "ldm-list-services-p.txt": "ldm list-services -p",
    "ldm-list-devices-a-p.txt": "ldm list-devices -a -p",
    "ldm-V.txt": "ldm -V",
    "prtconf-pv.txt": "prtconf -pv",
}
OPTIONAL_FILES: dict[str, str] = {
    "psrinfo-pv.txt": "psrinfo -pv",
    "ldm-list-p.txt": "ldm list -p",
    "etc-release.txt": "cat /etc/release",
    "ldm-list-o-domain.txt": "ldm list -o domain primary",
    "facts.toml": "facts no command shows",
}
FACTS_KEYS = ("os", "largest-page", "cpu", "clock-mhz", "domains")
PLANS_KEYS = ("hosts", "plans")


def load_bundles(folder: str | Path) -> Fleet:
    """The fleet of a folder of capture bundles (or of one bundle folder)."""
    root = Path(folder)
    if (root / "ldm-list-l-p.txt").is_file():
        bundles = [root]
    else:
        bundles = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not bundles:
        raise InputError(
            "a capture bundle folder (with ldm-list-l-p.txt) or a folder of them",
            got=str(root),
        )
    document = _Document()
    plans: list[Any] = []
    order = [b.name for b in bundles]
    plans_file = root / "plans.toml"
    if bundles[0] != root and plans_file.is_file():
        order, plans = _read_plans(plans_file, document, order)
    hosts: dict[str, Any] = {}
    by_name = {b.name: b for b in bundles}
    for name in order:
        hosts[name] = _Bundle(by_name[name], name, document).host_document()
    return fleet_from_document({"hosts": hosts, "plans": plans}, str(root), document.positions())


def load_bundle(folder: str | Path) -> Fleet:
    """The one-host fleet of a single bundle folder (the host is named after the folder)."""
    root = Path(folder)
    document = _Document()
    host = _Bundle(root, root.name, document).host_document()
    return fleet_from_document({"hosts": {root.name: host}}, str(root), document.positions())


# --------------------------------------------------------------------------- tar files
MAX_TAR_BYTES = 256 * 1024 * 1024  # far above any capture; refuses a decompression bomb
MAX_TAR_MEMBERS = 10_000


def load_capture_tar(path: str | Path) -> Fleet:
    """The fleet of a tar file holding one or more bundle folders (``HOST/...``).

    Only plain files and folders with relative, non-escaping names are read; errors name
    the file inside the tar as ``HOST.tar/HOST/ldm-V.txt:3``.
    """
    tar_path = Path(path)
    with tempfile.TemporaryDirectory(prefix="ldmspec-tar-") as scratch:
        _extract(tar_path, Path(scratch))
        try:
            fleet = load_bundles(scratch)
        except InputError as exc:
            raise _moved(exc, scratch, str(tar_path)) from None
    return replace(fleet, source=str(tar_path))


def _extract(tar_path: Path, into: Path) -> None:
    source = str(tar_path)
    total = 0
    try:
        with tarfile.open(tar_path) as tar:
            members = tar.getmembers()
            if len(members) > MAX_TAR_MEMBERS:
                raise InputError(f"at most {MAX_TAR_MEMBERS} files in the tar", source=source)
            for member in members:
                parts = Path(member.name).parts
                if member.name.startswith("/") or ".." in parts or not parts:
                    raise InputError(
                        "relative names inside the tar", got=member.name, source=source
                    )
                if member.isdir():
                    (into / member.name).mkdir(parents=True, exist_ok=True)
                    continue
                if not member.isfile():
                    raise InputError(
                        "only plain files and folders in the tar", got=member.name, source=source
                    )
                total += member.size
                if total > MAX_TAR_BYTES:
                    raise InputError("a capture tar of at most 256M", source=source)
                data = tar.extractfile(member)
                target = into / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data.read() if data is not None else b"")
    except FileNotFoundError:
        raise InputError("an existing capture tar file", source=source) from None
    except (tarfile.TarError, OSError, EOFError):
        raise InputError(
            "a tar file of capture bundles (tar cannot read this one)", source=source
        ) from None


def _moved(exc: InputError, scratch: str, tar_name: str) -> InputError:
    """``exc`` with the scratch folder's paths shown as paths inside ``tar_name``."""

    def fix(text: object) -> object:
        return text.replace(scratch, tar_name) if isinstance(text, str) else text

    return InputError(
        str(fix(exc.expected)),
        got=fix(exc.got),
        source=str(fix(exc.source)) if exc.source else None,
        line=exc.line,
        column=exc.column,
        path=exc.path,
    )


# --------------------------------------------------------------------------- document
@dataclass
class _Document:
    """Where each key of the assembled document came from: file and line."""

    lines: dict[KeyPath, int] = field(default_factory=dict)
    sources: dict[KeyPath, str] = field(default_factory=dict)

    def mark(self, path: KeyPath, source: str, line: int) -> None:
        self.lines[path] = line
        self.sources[path] = source

    def positions(self) -> Positions:
        return Positions(dict(self.lines), dict(self.sources))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("a UTF-8 text file", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"a readable file ({exc.strerror})", source=str(path)) from None


def _read_toml(path: Path) -> tuple[dict[str, Any], Positions]:
    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
        message, _, tail = str(exc).partition(" (at line ")
        message = message.split(";")[0]
        line = int(tail.split(",")[0]) if tail and tail.split(",")[0].isdigit() else None
        raise InputError(f"valid TOML ({message})", source=str(path), line=line) from None
    return data, toml_positions(text)


def _read_plans(path: Path, document: _Document, names: list[str]) -> tuple[list[str], list[Any]]:
    data, positions = _read_toml(path)
    source = str(path)
    for key in data:
        if key not in PLANS_KEYS:
            raise InputError(
                "one of the keys hosts, plans",
                got=key,
                source=source,
                line=positions.line_of((key,)),
            )
    order = names
    if "hosts" in data:
        given = data["hosts"]
        line = positions.line_of(("hosts",))
        if not isinstance(given, list) or sorted(map(str, given)) != sorted(names):
            raise InputError(
                "hosts = [...] listing each bundle folder once: " + ", ".join(sorted(names)),
                got=", ".join(map(str, given)) if isinstance(given, list) else given,
                source=source,
                line=line,
                path="hosts",
            )
        order = [str(h) for h in given]
    plans = data.get("plans", [])
    document.mark(("plans",), source, positions.line_of(("plans",)) or 1)
    if isinstance(plans, list):
        for i in range(len(plans)):
            for key in ("", "domain", "source", "target", "expect"):
                sub: KeyPath = ("plans", i, key) if key else ("plans", i)
                line = positions.line_of(sub)
                if line:
                    document.mark(sub, source, line)
    return order, plans


# --------------------------------------------------------------------------- one bundle
@dataclass(frozen=True)
class _Said:
    """A value one file says, and where."""

    value: object
    source: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def _agree(what: str, first: _Said, second: _Said) -> None:
    """The same fact from two files must be the same; else name both."""
    if first.value != second.value:
        raise InputError(
            f"{what} as {first.where} says ({_plain(first.value)})",
            got=_plain(second.value),
            source=second.source,
            line=second.line,
        )


def _plain(value: object) -> str:
    if isinstance(value, (set, frozenset)):
        return ", ".join(sorted(map(str, value))) or "none"
    return str(value)


class _Bundle:
    """One host's bundle folder, read into the schema document of one host."""

    def __init__(self, folder: Path, name: str, document: _Document) -> None:
        self.folder = folder
        self.name = name
        self.doc = document
        self.base: KeyPath = ("hosts", name)
        self.psrinfo_vcpus: tuple[int | None, str, int] | None = None

    def file(self, name: str) -> tuple[str, str] | None:
        path = self.folder / name
        if path.is_dir():  # not silently "absent": the user put something there
            raise InputError("a file, not a folder", source=str(path))
        if not path.is_file():
            if name in REQUIRED_FILES:
                raise InputError(
                    f"the output of `{REQUIRED_FILES[name]}` in this file"
                    " (`ldmspec collect` writes it)",
                    source=str(path),
                )
            return None
        return _read_text(path), str(path)

    def put(
        self, table: dict[str, Any], rel: KeyPath, key: str, value: Any, source: str, line: int
    ) -> None:
        table[key] = value
        self.doc.mark((*self.base, *rel, key), source, line)

    # ------------------------------------------------------------------ assembly
    def host_document(self) -> dict[str, Any]:
        self.doc.mark(self.base, str(self.folder), 0)
        host: dict[str, Any] = {}
        facts = self.facts()
        long_text, long_src = self.file("ldm-list-l-p.txt") or ("", "")
        domains = parse_ldm_list(long_text, long_src)
        if not any(d.name == CONTROL_DOMAIN for d in domains):
            raise InputError(
                "a DOMAIN record for the control domain primary", source=long_src, line=1
            )
        self.cross_check_short(domains, long_src)
        self.processor(host, facts)
        text, src = self.file("prtconf-pv.txt") or ("", "")
        stick = parse_prtconf(text, src)
        self.put(host, (), "stick-frequency", stick.value, src, stick.line)
        text, src = self.file("ldm-V.txt") or ("", "")
        version = parse_ldm_version(text, src)
        self.put(host, (), "ldm-version", str(version.value), src, version.line)
        self.release(host, facts)
        devices_text, devices_src = self.file("ldm-list-devices-a-p.txt") or ("", "")
        devices = parse_devices(devices_text, devices_src)
        self.hardware(host, devices, devices_src)
        self.cross_check_devices(devices, devices_src, domains, long_src)
        self.largest_page(host, facts)
        self.services(host, domains, long_src)
        constraints = self.constraints(domains, long_src)
        table: dict[str, Any] = {}
        self.doc.mark((*self.base, "domains"), long_src, 1)
        for d in domains:
            table[d.name] = self.domain(d, long_src, constraints[d.name], facts)
        for dname, said in facts.domain_os.items():
            if dname not in table:
                raise InputError(
                    f"a domain that {long_src} lists", got=dname, source=said.source, line=said.line
                )
        host["domains"] = table
        return host

    def facts(self) -> _Facts:
        found = self.file("facts.toml")
        if found is None:
            return _Facts()
        path = self.folder / "facts.toml"
        data, positions = _read_toml(path)
        return _Facts.read(data, positions, str(path))

    def processor(self, host: dict[str, Any], facts: _Facts) -> None:
        found = self.file("psrinfo-pv.txt")
        cpu, clock = facts.values.get("cpu"), facts.values.get("clock-mhz")
        if found is not None:
            text, src = found
            info = parse_psrinfo(text, src)
            said_cpu = _Said(info.processor.name, src, info.line)
            said_clock = _Said(info.clock_mhz, src, info.line)
            if cpu is not None:
                _agree("the processor", said_cpu, _Said(_cpu_name(cpu.value), cpu.source, cpu.line))
            if clock is not None:
                _agree("the clock in MHz", said_clock, clock)
            cpu, clock = said_cpu, said_clock
            self.psrinfo_vcpus = (info.vcpus, src, info.line)
        if cpu is None or clock is None:
            raise InputError(
                "the output of `psrinfo -pv` in this file (or cpu and clock-mhz in facts.toml)",
                source=str(self.folder / "psrinfo-pv.txt"),
            )
        self.put(host, (), "cpu", cpu.value, cpu.source, cpu.line)
        self.put(host, (), "clock-mhz", clock.value, clock.source, clock.line)

    def release(self, host: dict[str, Any], facts: _Facts) -> None:
        found = self.file("etc-release.txt")
        os_said = facts.values.get("os")
        if found is not None:
            release = parse_release(*found)
            said = _Said(str(release.value), release.source, release.line)
            if os_said is not None:
                _agree("the control domain's release", said, os_said)
            os_said = said
        if os_said is None:
            raise InputError(
                "the control domain's Solaris release: `cat /etc/release` in this file"
                " or os in facts.toml",
                source=str(self.folder / "etc-release.txt"),
            )
        self.put(host, (), "os", os_said.value, os_said.source, os_said.line)

    def largest_page(self, host: dict[str, Any], facts: _Facts) -> None:
        said = facts.values.get("largest-page")
        found = self.file("ldm-list-o-domain.txt")
        shown = parse_max_pagesize(*found) if found is not None else None
        if shown is not None:
            listed = _Said(_size_text(shown.value), shown.source, shown.line)
            if said is not None:
                given = _Said(_size_text(said.value), said.source, said.line)
                _agree("the largest page", listed, given)
            said = listed
        if said is not None:
            self.put(host, (), "largest-page", said.value, said.source, said.line)

    def hardware(self, host: dict[str, Any], devices: DeviceListing, src: str) -> None:
        strands = len(devices.strands)
        pids = sorted(pid for pid, _, _ in devices.strands)
        if pids != list(range(strands)):
            missing = next(i for i in range(strands + 1) if i >= len(pids) or pids[i] != i)
            line = devices.strands[0][2]
            raise InputError(
                f"strand ids 0 to {strands - 1}, each once",
                got=f"pid {missing} missing or repeated",
                source=src,
                line=line,
            )
        cores, cores_line = devices.cores, devices.cores_line
        if not cores:  # no CORE section (LDoms 1.x): the processor's strands per core
            tpc = processor(host["cpu"]).threads_per_core
            cores, cores_line = strands // tpc, devices.strands[0][2]
            if strands % tpc:
                raise InputError(
                    f"{tpc} strands on each core of a {host['cpu']} (no CORE section)",
                    got=f"{strands} strands",
                    source=src,
                    line=cores_line,
                )
        if strands % cores:
            raise InputError(
                f"as many strands on each of the {cores} cores",
                got=f"{strands} strands",
                source=src,
                line=cores_line,
            )
        self.put(host, (), "cores", cores, src, cores_line)
        self.put(host, (), "threads-per-core", strands // cores, src, cores_line)
        usable = sorted(m for m in devices.memory if not _reserved(m[2]))
        if not usable:
            raise InputError(
                "memory that is not reserved by the system (bound=_sys_)",
                source=src,
                line=devices.memory[0][3],
            )
        ranges = [{"pa": pa, "size": size} for pa, size, _, _ in usable]
        self.put(host, (), "memory", ranges, src, usable[0][3])

    def services(
        self, host: dict[str, Any], domains: Iterable[ListedDomain], long_src: str
    ) -> None:
        text, src = self.file("ldm-list-services-p.txt") or ("", "")
        listed = parse_services(text, src)
        in_long = ServiceRecords()
        for d in domains:
            s = d.services
            in_long = ServiceRecords(in_long.vds + s.vds, in_long.vsw + s.vsw, in_long.vcc + s.vcc)
        if not in_long.empty:
            for kind in ("vds", "vsw", "vcc"):
                mine = _service_facts(getattr(listed, kind))
                theirs = _service_facts(getattr(in_long, kind))
                if mine != theirs:
                    name = next(iter(sorted(set(mine) ^ set(theirs)) or sorted(mine)))
                    line = _service_line(getattr(in_long, kind), name)
                    raise InputError(
                        f"the {kind} services that {src} lists"
                        f" ({_plain({f'{k}={v}' for k, v in mine.items()})})",
                        got=_plain({f"{k}={v}" for k, v in theirs.items()}),
                        source=long_src,
                        line=line,
                    )
        seen: dict[str, int] = {}
        for kind in ("vds", "vsw", "vcc"):
            table: dict[str, Any] = {}
            self.doc.mark((*self.base, kind), src, 1)
            for record in getattr(listed, kind):
                name, line = record[0], record[1]
                if name in seen:
                    raise InputError(
                        f"each service name once (already at line {seen[name]})",
                        got=name,
                        source=src,
                        line=line,
                    )
                seen[name] = line
                if kind == "vds":
                    volumes: dict[str, str] = {}
                    for vol, dev in record[2]:
                        if vol in volumes:
                            raise InputError(
                                f"each volume of {name} once", got=vol, source=src, line=line
                            )
                        volumes[vol] = dev
                    value: dict[str, Any] = volumes
                elif kind == "vsw":
                    value = {"net-dev": record[2]} if record[2] else {}
                else:
                    value = {"port-range": record[2]}
                self.put(table, (kind,), name, value, src, line)
            host[kind] = table

    def constraints(
        self, domains: tuple[ListedDomain, ...], long_src: str
    ) -> dict[str, Constraint]:
        text, src = self.file("ldm-list-constraints-x.xml") or ("", "")
        found = {c.name: c for c in parse_constraints_xml(text, src)}
        names = {d.name for d in domains}
        for c in found.values():
            if c.name not in names:
                raise InputError(
                    f"a domain that {long_src} lists", got=c.name, source=src, line=c.line
                )
        for d in domains:
            if d.name not in found:
                raise InputError(
                    f'constraints for every domain {long_src} lists (<Content ovf:id="{d.name}">)',
                    source=src,
                    line=1,
                )
            c = found[d.name]
            here = _Said
            if c.vcpus is not None and d.ncpu is not None:
                _agree(
                    f"the vCPUs of {d.name}",
                    here(d.ncpu, long_src, d.line),
                    here(c.vcpus, src, c.line),
                )
            if c.memory is not None and d.mem is not None and d.mem:
                _agree(
                    f"the memory of {d.name}",
                    here(d.mem, long_src, d.line),
                    here(c.memory, src, c.line),
                )
            if d.cpu_arch is not None:
                _agree(
                    f"the cpu-arch of {d.name}",
                    here(d.cpu_arch[0].value, long_src, d.cpu_arch[1]),
                    here(c.cpu_arch.value, src, c.line),
                )
            disks = {f"{n}={v}" for n, v, _ in d.vdisks}
            _agree(f"the vdisks of {d.name}", here(disks, long_src, d.line),
                   here({f"{n}={v}" for n, v in c.vdisks}, src, c.line))  # fmt: skip
            nets = {f"{n}={v}" for n, v, _ in d.vnets}
            _agree(f"the vnets of {d.name}", here(nets, long_src, d.line),
                   here({f"{n}={v}" for n, v in c.vnets}, src, c.line))  # fmt: skip
        return found

    def domain(self, d: ListedDomain, src: str, c: Constraint, facts: _Facts) -> dict[str, Any]:
        rel: KeyPath = ("domains", d.name)
        self.doc.mark((*self.base, *rel), src, d.line)
        out: dict[str, Any] = {}
        c_src = self._constraints_src()
        self.put(out, rel, "state", d.state, src, d.line)
        if d.ncpu is not None:
            self.put(out, rel, "vcpus", d.ncpu, src, d.line)
        elif c.vcpus is not None:  # ncpu= empty (an inactive domain): the constraint says
            self.put(out, rel, "vcpus", c.vcpus, c_src, c.line)
        else:
            raise InputError(
                f"the vCPUs of {d.name}: ncpu= is empty and {c_src} gives no cpu number",
                source=src,
                line=d.line,
            )
        self.put(out, rel, "whole-core", c.whole_core, c_src, c.line)
        self.put(out, rel, "cpu-arch", c.cpu_arch.value, c_src, c.line)
        self.memory(out, rel, d, src, c)
        if d.strands:
            self.put(out, rel, "strands", list(d.strands), src, d.strands_line)
        if d.name in facts.domain_os:
            said = facts.domain_os[d.name]
            self.put(out, rel, "os", said.value, said.source, said.line)
        self.named(out, rel, "vdisks", [(n, v, line) for n, v, line in d.vdisks], src)
        self.named(out, rel, "vnets", [(n, v, line) for n, v, line in d.vnets], src)
        if d.console is not None:
            vcc, port, group, line = d.console
            console = {"vcc": vcc, "port": port, "group": group}
            self.put(out, rel, "console", console, src, line)
        if d.io:
            self.put(out, rel, "io", list(d.io), src, d.line)
        if d.migration is not MigrationFlag.NONE:
            self.put(out, rel, "migration", d.migration.value, src, d.line)
        if d.name == CONTROL_DOMAIN:
            self.cross_check_psrinfo(d, src)
        return out

    def memory(
        self, out: dict[str, Any], rel: KeyPath, d: ListedDomain, src: str, c: Constraint
    ) -> None:
        """A domain's blocks, else its ``mem=``, else (empty: unknown) its constraint."""
        if d.memory:
            blocks = [{"ra": ra, "pa": pa, "size": size} for ra, pa, size in d.memory]
            total = sum(size for _, _, size in d.memory)
            if d.mem and d.mem != total:
                raise InputError(
                    f"mem= of {d.name} equal to its MEMORY blocks ({total})",
                    got=d.mem,
                    source=src,
                    line=d.line,
                )
            self.put(out, rel, "memory", blocks, src, d.memory_line)
        elif d.mem is not None and (d.mem or d.name != CONTROL_DOMAIN):
            self.put(out, rel, "memory", d.mem, src, d.line)
        elif c.memory is not None and (d.mem is None or c.memory):
            self.put(out, rel, "memory", c.memory, self._constraints_src(), c.line)
        elif d.name != CONTROL_DOMAIN:
            raise InputError(
                f"the memory of {d.name}: mem= is empty and"
                f" {self._constraints_src()} gives no size",
                source=src,
                line=d.line,
            )

    def _constraints_src(self) -> str:
        return str(self.folder / "ldm-list-constraints-x.xml")

    def named(
        self,
        out: dict[str, Any],
        rel: KeyPath,
        key: str,
        items: list[tuple[str, str, int]],
        src: str,
    ) -> None:
        if not items:
            return
        table: dict[str, str] = {}
        self.doc.mark((*self.base, *rel, key), src, items[0][2])
        for name, value, line in items:
            if name in table:
                raise InputError(f"each {key[:-1]} name once", got=name, source=src, line=line)
            self.put(table, (*rel, key), name, value, src, line)
        out[key] = table

    # ------------------------------------------------------------------ cross-checks
    def cross_check_short(self, domains: tuple[ListedDomain, ...], long_src: str) -> None:
        found = self.file("ldm-list-p.txt")
        if found is None:
            return
        text, src = found
        short = {d.name: d for d in parse_ldm_list(text, src)}
        long = {d.name: d for d in domains}
        for name, s in short.items():
            if name not in long:
                raise InputError(
                    f"a domain that {long_src} lists", got=name, source=src, line=s.line
                )
            d = long[name]
            for what, a, b in (
                ("state", d.state, s.state),
                ("migration flag", d.migration.value, s.migration.value),
                ("ncpu", d.ncpu, s.ncpu),
                ("mem", d.mem, s.mem),
                ("cons", d.cons, s.cons),
            ):
                _agree(f"the {what} of {name}", _Said(a, long_src, d.line), _Said(b, src, s.line))
        for name, d in long.items():
            if name not in short:
                raise InputError(
                    f"a DOMAIN record for {name}, as {long_src}:{d.line} has", source=src, line=1
                )

    def cross_check_devices(
        self, devices: DeviceListing, src: str, domains: tuple[ListedDomain, ...], long_src: str
    ) -> None:
        holders = [d for d in domains if d.state != "inactive"]
        owner = {s: d for d in holders for s in d.strands}
        for pid, free, line in devices.strands:
            d = owner.get(pid)
            if (free < 100) != (d is not None):
                held = f"held by {d.name}, as {long_src}:{d.strands_line} says" if d else "free"
                raise InputError(f"strand {pid} {held}", got=f"free={free}", source=src, line=line)
        blocks = {pa: (size, d) for d in holders for _, pa, size in d.memory}
        bound = {
            pa: (size, who, line)
            for pa, size, who, line in devices.memory
            if who and not _reserved(who)
        }
        for pa, (size, who, line) in bound.items():
            if pa not in blocks:
                raise InputError(
                    f"memory at PA {pa:#x} bound only where {long_src} has a block there",
                    got=f"bound={who}",
                    source=src,
                    line=line,
                )
            held_size, holder = blocks[pa]
            if (held_size, holder.name) != (size, who):
                raise InputError(
                    f"memory at PA {pa:#x} of size {held_size} bound to {holder.name},"
                    f" as {long_src}:{holder.memory_line} says",
                    got=f"size={size}|bound={who}",
                    source=src,
                    line=line,
                )
        for pa, (size, holder) in blocks.items():
            if pa not in bound:
                raise InputError(
                    f"a MEMORY line |pa={pa:#x}|size={size}|bound={holder.name}"
                    f" as {long_src}:{holder.memory_line} has",
                    source=src,
                    line=devices.memory[0][3],
                )

    def cross_check_psrinfo(self, primary: ListedDomain, long_src: str) -> None:
        seen = self.psrinfo_vcpus
        if seen is None or seen[0] is None or not primary.strands or primary.state == "inactive":
            return
        _agree(
            "the control domain's virtual processors",
            _Said(len(primary.strands), long_src, primary.strands_line),
            _Said(seen[0], seen[1], seen[2]),
        )


def _size_text(value: object) -> object:
    """A size in ldm's spelling when it reads as one (to compare facts.toml with a listing)."""
    try:
        return format_size(parse_size(value))
    except InputError:
        return value


def _reserved(owner: str | None) -> bool:
    """Memory the hypervisor and firmware keep (``bound=_sys_``): not the domains' to use."""
    return owner is not None and owner.startswith("_")


def _cpu_name(value: object) -> object:
    try:
        return processor(value).name
    except InputError:
        return value


def _service_facts(records: Iterable[tuple[Any, ...]]) -> dict[str, str]:
    facts: dict[str, str] = {}
    for record in records:
        facts[record[0]] = str(record[2])
    return facts


def _service_line(records: Iterable[tuple[Any, ...]], name: str) -> int:
    return next((r[1] for r in records if r[0] == name), 1)


# --------------------------------------------------------------------------- facts.toml
@dataclass
class _Facts:
    values: dict[str, _Said] = field(default_factory=dict)
    domain_os: dict[str, _Said] = field(default_factory=dict)

    @classmethod
    def read(cls, data: Mapping[str, Any], positions: Positions, source: str) -> _Facts:
        facts = cls()
        for key, value in data.items():
            line = positions.line_of((key,)) or 1
            if key not in FACTS_KEYS:
                raise InputError(
                    "one of the keys " + ", ".join(FACTS_KEYS), got=key, source=source, line=line
                )
            if key != "domains":
                facts.values[key] = _Said(value, source, line)
                continue
            if not isinstance(value, dict):
                raise InputError(
                    "a table [domains.NAME]", got=value, source=source, line=line, path=key
                )
            for dname, table in value.items():
                dline = positions.line_of(("domains", dname)) or line
                if not isinstance(table, dict):
                    raise InputError(
                        "a table with os = ...", got=table, source=source, line=dline,
                        path=f"domains.{dname}",
                    )  # fmt: skip
                for dkey in table:
                    if dkey != "os":
                        raise InputError(
                            "the key os", got=dkey, source=source,
                            line=positions.line_of(("domains", dname, dkey)) or dline,
                            path=f"domains.{dname}",
                        )  # fmt: skip
                if "os" in table:
                    oline = positions.line_of(("domains", dname, "os")) or dline
                    facts.domain_os[dname] = _Said(table["os"], source, oline)
        return facts
