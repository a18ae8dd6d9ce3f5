"""Parsers for the raw output of the commands a capture bundle holds.

Each parser takes the text of one file and the file's name, and returns typed records
that remember their line, or raises one :class:`~ldmspec.errors.InputError`::

    t4-a/ldm-list-l-p.txt:7: expected a record line like "DOMAIN|name=ldg1|..." or
    "|key=value", got "garbage"

Formats are those of dossier §13: parseable ``ldm`` output (``VERSION`` line, records
``TYPE|key=value|...`` followed by ``|key=value`` item lines), ``ldm list-constraints -x``
(the OVF-style XML of Logical Domains Manager 3.x), ``ldm -V``, ``psrinfo -pv``,
``prtconf -pv`` and ``/etc/release``. They are tolerant where real output varies: any
``VERSION``, 5- or 6-character FLAGS or spelled-out flags, unknown record types and unknown
keys are accepted and ignored. They are strict where a guess would change a verdict: a
malformed number, a state ldmspec cannot represent, or a missing required key is an error.

XML is parsed with :mod:`defusedxml`: documents with a DTD, entity declarations or
external references are refused (``ldm`` never writes them), so no entity expansion
("billion laughs") or external fetch can happen.
"""

from __future__ import annotations

import re
import xml.sax
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import defusedxml
import defusedxml.sax

from ldmspec.errors import InputError
from ldmspec.inventory.processors import CpuArch, Processor, processor
from ldmspec.inventory.units import parse_int, parse_size
from ldmspec.inventory.versions import LdmVersion, SolarisRelease

__all__ = [
    "Constraint",
    "DeviceListing",
    "ListedDomain",
    "Located",
    "PsrInfo",
    "Record",
    "ServiceListing",
    "parse_constraints_xml",
    "parse_devices",
    "parse_ldm_list",
    "parse_ldm_version",
    "parse_max_pagesize",
    "parse_prtconf",
    "parse_psrinfo",
    "parse_records",
    "parse_release",
    "parse_services",
]

STATES = ("active", "bound", "inactive")
_IO_VF = re.compile(r"\.VF\d+$")
_IO_PF = re.compile(r"\.PF\d+$")
_FLAGS_SHORT = re.compile(r"^[-a-z]{5,6}$")
_FLAGS_LONG = re.compile(r"^[a-z][a-z-]*(?:,[a-z][a-z-]*)*$")
_RECORD_TYPE = re.compile(r"^[A-Z][A-Z0-9_-]*$")


# --------------------------------------------------------------------------- values
@dataclass(frozen=True)
class Located:
    """A value read from ``source`` at ``line``."""

    value: object
    source: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class Record:
    """One ``TYPE|key=value|...`` line and the ``|key=value`` item lines under it."""

    kind: str
    fields: Mapping[str, str]
    line: int
    items: tuple[tuple[int, Mapping[str, str]], ...] = ()


@dataclass(frozen=True)
class ServiceRecords:
    """Services as ``ldm`` lists them: vds volumes, vsw net-dev, vcc port range."""

    vds: tuple[tuple[str, int, tuple[tuple[str, str], ...]], ...] = ()
    vsw: tuple[tuple[str, int, str], ...] = ()
    vcc: tuple[tuple[str, int, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.vds or self.vsw or self.vcc)


ServiceListing = ServiceRecords


@dataclass(frozen=True)
class ListedDomain:
    """A domain as ``ldm list -p`` (short) or ``ldm list -l -p`` (long) shows it."""

    name: str
    line: int
    state: str
    flags: str
    cons: str
    ncpu: int
    mem: int
    strands: tuple[int, ...] = ()
    strands_line: int = 0
    memory: tuple[tuple[int, int, int], ...] = ()  # (ra, pa, size)
    memory_line: int = 0
    io: tuple[str, ...] = ()  # fleet spellings: "bus:pci@400", "endpoint:/SYS/MB/PCIE1", ...
    vdisks: tuple[tuple[str, str, int], ...] = ()  # (name, vol@service, line)
    vnets: tuple[tuple[str, str, int], ...] = ()  # (name, service, line)
    console: tuple[str, int, str, int] | None = None  # (vcc, port, group, line)
    cpu_arch: tuple[CpuArch, int] | None = None
    services: ServiceRecords = field(default_factory=ServiceRecords)


@dataclass(frozen=True)
class DeviceListing:
    """``ldm list-devices -a -p``: every core, strand and memory block of the machine."""

    cores: int
    cores_line: int
    strands: tuple[tuple[int, int, int], ...]  # (pid, free %, line)
    memory: tuple[tuple[int, int, str | None, int], ...]  # (pa, size, bound-to, line)


@dataclass(frozen=True)
class Constraint:
    """One domain of ``ldm list-constraints -x``."""

    name: str
    line: int
    vcpus: int | None = None
    whole_core: bool = False
    memory: int | None = None
    cpu_arch: CpuArch = CpuArch.NATIVE
    vdisks: tuple[tuple[str, str], ...] = ()
    vnets: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PsrInfo:
    """``psrinfo -pv``: the processor type and clock, and how many virtual processors."""

    processor: Processor
    clock_mhz: int
    line: int
    vcpus: int | None


# --------------------------------------------------------------------------- records
def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in text.split("|"):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            fields.setdefault(key.strip(), value.strip())
    return fields


def parse_records(text: str, source: str) -> tuple[str | None, tuple[Record, ...]]:
    """The ``VERSION`` of parseable ``ldm`` output and its records, in order."""
    version: str | None = None
    records: list[Record] = []
    kind: str | None = None
    head: dict[str, str] = {}
    head_line = 0
    items: list[tuple[int, Mapping[str, str]]] = []

    def close() -> None:
        if kind is not None:
            records.append(Record(kind, head, head_line, tuple(items)))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("VERSION") and (line == "VERSION" or line[7] in " \t"):
            version = line[7:].strip()
            continue
        if line.startswith("|"):
            if kind is None:
                raise InputError(
                    'a record line like "DOMAIN|name=ldg1" before "|key=value" lines',
                    got=line,
                    source=source,
                    line=number,
                )
            items.append((number, _fields(line[1:])))
            continue
        record_type, _, rest = line.partition("|")
        if not _RECORD_TYPE.match(record_type):
            raise InputError(
                'a record line like "DOMAIN|name=ldg1|..." or "|key=value"',
                got=line,
                source=source,
                line=number,
            )
        close()
        kind, head, head_line, items = record_type, _fields(rest), number, []
    close()
    return version, tuple(records)


def _need(fields: Mapping[str, str], key: str, kind: str, source: str, line: int) -> str:
    value = fields.get(key)
    if value is None or value == "":
        raise InputError(f"a {key}= field in this {kind} record", source=source, line=line)
    return value


def io_entry(dev: str, alias: str = "") -> str:
    """The fleet spelling of one ``IO`` record of ``ldm list -l -p``.

    A root complex (a device path without ``/``: ``pci@400``, ``niu@480``) is a bus; a device
    whose name or alias ends in ``.VF<n>`` or ``.PF<n>`` is an SR-IOV function; anything else
    is a PCIe endpoint. Functions and endpoints are named by their ``/SYS/...`` alias when
    there is one. The published example (dossier §13.4(a)) shows buses only
    (``|dev=pci@780|alias=bus_a``); the other kinds follow the administration guides' names.
    """
    named = alias if alias.startswith("/") else dev
    if _IO_VF.search(dev) or _IO_VF.search(alias):
        return f"vf:{named}"
    if _IO_PF.search(dev) or _IO_PF.search(alias):
        return f"pf:{named}"
    if "/" not in dev:
        return f"bus:{dev}"
    return f"endpoint:{named}"


def _number(value: str, what: str, source: str, line: int, *, hexadecimal: bool = False) -> int:
    try:
        number = parse_int(value)
    except InputError:
        form = "a number like 0x10000000" if hexadecimal else "a whole number"
        raise InputError(f"{what} as {form}", got=value, source=source, line=line) from None
    if number < 0:
        raise InputError(f"{what} of at least 0", got=value, source=source, line=line)
    return number


# --------------------------------------------------------------------------- ldm list
def parse_ldm_list(text: str, source: str) -> tuple[ListedDomain, ...]:
    """Domains of ``ldm list -p`` or ``ldm list -l -p`` (the long form adds sections)."""
    _, records = parse_records(text, source)
    domains: list[ListedDomain] = []
    current: dict[str, object] | None = None
    seen: dict[str, int] = {}

    def finish() -> None:
        if current is not None:
            domains.append(ListedDomain(**current))  # type: ignore[arg-type]

    for record in records:
        if record.kind == "DOMAIN":
            finish()
            current = _domain_head(record, source)
            name = str(current["name"])
            if name in seen:
                raise InputError(
                    f"each domain once (already listed at line {seen[name]})",
                    got=name,
                    source=source,
                    line=record.line,
                )
            seen[name] = record.line
        elif current is not None:
            _domain_section(current, record, source)
    finish()
    return tuple(domains)


def _domain_head(record: Record, source: str) -> dict[str, object]:
    f, line = record.fields, record.line
    name = _need(f, "name", "DOMAIN", source, line)
    state = _need(f, "state", "DOMAIN", source, line)
    if state not in STATES:
        raise InputError(
            "a domain state ldmspec models: active, bound or inactive",
            got=state,
            source=source,
            line=line,
        )
    flags = f.get("flags", "")
    if flags and not (_FLAGS_SHORT.match(flags) or _FLAGS_LONG.match(flags)):
        raise InputError(
            'FLAGS of 5 or 6 characters like "-n-cv-" or names like "normal,control"',
            got=flags,
            source=source,
            line=line,
        )
    return {
        "name": name,
        "line": line,
        "state": state,
        "flags": flags,
        "cons": f.get("cons", ""),
        "ncpu": _number(f.get("ncpu", "0") or "0", "ncpu", source, line),
        "mem": _number(f.get("mem", "0") or "0", "mem", source, line),
    }


def _domain_section(current: dict[str, object], record: Record, source: str) -> None:
    kind, f = record.kind, record.fields
    if kind == "VCPU":
        strands = []
        for number, item in record.items:
            pid = item.get("pid")
            if pid is None or pid == "":
                continue  # a vCPU not bound to a strand (inactive domain)
            strands.append(_number(pid, "pid", source, number))
        current["strands"] = tuple(strands)
        current["strands_line"] = record.line
    elif kind == "MEMORY":
        blocks = []
        for number, item in record.items:
            if not item.get("pa"):
                continue
            ra = _number(
                _need(item, "ra", "MEMORY", source, number), "ra", source, number, hexadecimal=True
            )
            pa = _number(item["pa"], "pa", source, number, hexadecimal=True)
            size = _size(_need(item, "size", "MEMORY", source, number), source, number)
            blocks.append((ra, pa, size))
        current["memory"] = tuple(blocks)
        current["memory_line"] = record.line
    elif kind == "IO":
        devices = [item for _, item in record.items if item.get("dev")]
        current["io"] = tuple(io_entry(item["dev"], item.get("alias", "")) for item in devices)
    elif kind == "CONTROL" and f.get("cpu-arch"):
        current["cpu_arch"] = (_arch(f["cpu-arch"], source, record.line), record.line)
    elif kind == "VDISK":
        name = _need(f, "name", "VDISK", source, record.line)
        vol = _need(f, "vol", "VDISK", source, record.line)
        current["vdisks"] = (*current.get("vdisks", ()), (name, vol, record.line))  # type: ignore[misc]
    elif kind == "VNET":
        name = _need(f, "name", "VNET", source, record.line)
        service = _need(f, "service", "VNET", source, record.line)
        current["vnets"] = (*current.get("vnets", ()), (name, service, record.line))  # type: ignore[misc]
    elif kind == "VCONS" and f.get("service") and f.get("port"):
        # An inactive domain may have no port yet: then it holds no console to model.
        port = _number(_need(f, "port", "VCONS", source, record.line), "port", source, record.line)
        group = f.get("group") or str(current["name"])
        current["console"] = (f["service"], port, group, record.line)
    elif kind in ("VDS", "VSW", "VCC"):
        current["services"] = _add_service(current.get("services"), record, source)  # type: ignore[arg-type]


def _size(value: str, source: str, line: int) -> int:
    try:
        return parse_size(value)
    except InputError as exc:
        raise InputError(exc.expected, got=value, source=source, line=line) from None


def _arch(value: str, source: str, line: int) -> CpuArch:
    try:
        return CpuArch.parse(value)
    except InputError as exc:
        raise InputError(exc.expected, got=value, source=source, line=line) from None


def _add_service(services: ServiceRecords | None, record: Record, source: str) -> ServiceRecords:
    services = services or ServiceRecords()
    f, line = record.fields, record.line
    name = _need(f, "name", record.kind, source, line)
    if record.kind == "VDS":
        volumes = tuple(
            (
                _need(item, "vol", "VDS volume", source, number),
                _need(item, "dev", "VDS volume", source, number),
            )
            for number, item in record.items
        )
        return ServiceRecords((*services.vds, (name, line, volumes)), services.vsw, services.vcc)
    if record.kind == "VSW":
        return ServiceRecords(
            services.vds, (*services.vsw, (name, line, f.get("net-dev", ""))), services.vcc
        )
    ports = _need(f, "port-range", "VCC", source, line)
    return ServiceRecords(services.vds, services.vsw, (*services.vcc, (name, line, ports)))


def parse_services(text: str, source: str) -> ServiceRecords:
    """``ldm list-services -p``: every vds (with volumes), vsw and vcc."""
    _, records = parse_records(text, source)
    services = ServiceRecords()
    for record in records:
        if record.kind in ("VDS", "VSW", "VCC"):
            services = _add_service(services, record, source)
    return services


# --------------------------------------------------------------------------- devices
def parse_devices(text: str, source: str) -> DeviceListing:
    """``ldm list-devices -a -p``: cores, strands (with % free) and memory blocks."""
    _, records = parse_records(text, source)
    cores = 0
    cores_line = 0
    strands: list[tuple[int, int, int]] = []
    memory: list[tuple[int, int, str | None, int]] = []
    for record in records:
        if record.kind == "CORE":
            cores += len(record.items)
            cores_line = cores_line or record.line
        elif record.kind == "VCPU":
            for number, item in record.items:
                pid = _number(_need(item, "pid", "VCPU", source, number), "pid", source, number)
                free = _number(item.get("free", "100") or "100", "free", source, number)
                if free > 100:
                    raise InputError("free= of 0 to 100", got=free, source=source, line=number)
                strands.append((pid, free, number))
        elif record.kind == "MEMORY":
            for number, item in record.items:
                pa = _need(item, "pa", "MEMORY", source, number)
                size = _size(_need(item, "size", "MEMORY", source, number), source, number)
                owner = item.get("bound") or None
                memory.append(
                    (_number(pa, "pa", source, number, hexadecimal=True), size, owner, number)
                )
    if not strands:
        raise InputError('a VCPU section with "|pid=N|free=N" lines', source=source, line=1)
    if not cores:
        raise InputError('a CORE section with "|cid=N|..." lines', source=source, line=1)
    if not memory:
        raise InputError('a MEMORY section with "|pa=...|size=..." lines', source=source, line=1)
    return DeviceListing(cores, cores_line, tuple(strands), tuple(memory))


# --------------------------------------------------------------------------- ldm -V
_LDM_V = re.compile(r"^\s*Logical\s+Domains?\s+Manager\s*\(v\.?\s*([0-9][0-9.]*)", re.IGNORECASE)


def parse_ldm_version(text: str, source: str) -> Located:
    """``ldm -V``: the Logical Domains Manager version (a :class:`LdmVersion`)."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LDM_V.match(line)
        if match:
            try:
                version = LdmVersion.parse(match.group(1).rstrip("."))
            except InputError as exc:
                raise InputError(
                    exc.expected, got=line.strip(), source=source, line=number
                ) from None
            return Located(version, source, number)
    raise InputError(
        'a line like "Logical Domains Manager (v 3.6.0.0.24)"',
        got=_first_line(text),
        source=source,
        line=1,
    )


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


# --------------------------------------------------------------------------- psrinfo
_PSR_HEAD = re.compile(
    r"^\s*The physical processor has (?:(\d{1,9}) cores? and )?(\d{1,9}) virtual processors?\b"
)
_PSR_IMPL = re.compile(r"^\s*(\S+)\s+\(chipid\s+(\d{1,9}),\s*clock\s+(\d{1,9})\s*MHz\)\s*$")


def parse_psrinfo(text: str, source: str) -> PsrInfo:
    """``psrinfo -pv``: processor type, clock and the number of virtual processors."""
    found: PsrInfo | None = None
    vcpus = 0
    heads = 0
    for number, line in enumerate(text.splitlines(), start=1):
        head = _PSR_HEAD.match(line)
        if head:
            vcpus += int(head.group(2))
            heads += 1
            continue
        impl = _PSR_IMPL.match(line)
        if not impl:
            continue
        try:
            proc = processor(impl.group(1))
        except InputError as exc:
            raise InputError(exc.expected, got=impl.group(1), source=source, line=number) from None
        clock = int(impl.group(3))
        if found is not None and (found.processor, found.clock_mhz) != (proc, clock):
            raise InputError(
                f"every processor alike, as at line {found.line}"
                f" ({found.processor} at {found.clock_mhz} MHz)",
                got=line.strip(),
                source=source,
                line=number,
            )
        found = found or PsrInfo(proc, clock, number, None)
    if found is None:
        raise InputError(
            'a line like "SPARC-T4 (chipid 0, clock 2848 MHz)"',
            got=_first_line(text),
            source=source,
            line=1,
        )
    return PsrInfo(found.processor, found.clock_mhz, found.line, vcpus if heads else None)


# --------------------------------------------------------------------------- prtconf
_STICK = re.compile(r"^\s*stick-frequency:\s+(?:0x)?([0-9a-fA-F]+)\s*$")


def parse_prtconf(text: str, source: str) -> Located:
    """``prtconf -pv``: the ``stick-frequency`` (an int, Hz)."""
    found: Located | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _STICK.match(line)
        if not match:
            continue
        value = int(match.group(1), 16)
        if found is not None and found.value != value:
            raise InputError(
                f"one stick-frequency, as at line {found.line} ({found.value:#x})",
                got=line.strip(),
                source=source,
                line=number,
            )
        found = found or Located(value, source, number)
    if found is None or found.value == 0:
        raise InputError(
            'a line like "stick-frequency:  05f5e100"',
            got=_first_line(text) if found is None else "stick-frequency: 0",
            source=source,
            line=1 if found is None else found.line,
        )
    return found


# --------------------------------------------------------------------------- page size
_PAGESIZE = re.compile(r"hardware-max-pagesize\s*[=:]?\s*(\d{1,20}\s*[KMGT]?)\b", re.IGNORECASE)


def parse_max_pagesize(text: str, source: str) -> Located | None:
    """``ldm list -o domain primary`` (3.6 and later): ``hardware-max-pagesize``, in bytes.

    The exact layout of that listing was not captured (dossier §4.3), so the property is
    looked for anywhere, as ``hardware-max-pagesize=2G`` or ``hardware-max-pagesize: 2G``;
    None when the listing does not show it (older Managers).
    """
    for number, line in enumerate(text.splitlines(), start=1):
        match = _PAGESIZE.search(line)
        if match:
            return Located(_size(match.group(1).replace(" ", ""), source, number), source, number)
    return None


# --------------------------------------------------------------------------- /etc/release
_RELEASE = re.compile(r"Solaris\s+(10\s+\d{1,2}/\d{2}|1[1-9](?:\.\d+)?)(?![\d.])")


def parse_release(text: str, source: str) -> Located:
    """``cat /etc/release``: the control domain's Solaris release."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _RELEASE.search(line)
        if match:
            try:
                release = SolarisRelease.parse(" ".join(match.group(1).split()))
            except InputError as exc:
                raise InputError(
                    exc.expected, got=line.strip(), source=source, line=number
                ) from None
            return Located(release, source, number)
    raise InputError(
        'a line like "Oracle Solaris 11.4 SPARC" or "Oracle Solaris 10 9/10 ..."',
        got=_first_line(text),
        source=source,
        line=1,
    )


# --------------------------------------------------------------------------- XML
@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    text: str = ""
    children: list[_Node] = field(default_factory=list)

    def find_all(self, tag: str) -> list[_Node]:
        """Descendants called ``tag``, in document order (no recursion: depth is free)."""
        found: list[_Node] = []
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            if node.tag == tag:
                found.append(node)
            stack.extend(reversed(node.children))
        return found


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _TreeBuilder(xml.sax.handler.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root = _Node("#document", {}, 1)
        self.stack = [self.root]
        self.locator: xml.sax.xmlreader.Locator | None = None

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:
        self.locator = locator

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        line = self.locator.getLineNumber() if self.locator else 1
        node = _Node(_local(name), {_local(k): v for k, v in attrs.items()}, line or 1)
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def endElement(self, name: str) -> None:
        self.stack.pop()

    def characters(self, content: str) -> None:
        self.stack[-1].text += content


def _parse_xml(text: str, source: str) -> _Node:
    builder = _TreeBuilder()
    try:
        defusedxml.sax.parseString(
            text.encode("utf-8", "surrogatepass"),
            builder,
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
    except defusedxml.DTDForbidden:
        raise InputError(
            "XML without a DTD (ldm never writes one; entity expansion is refused)",
            got="a DTD",
            source=source,
            line=1,
        ) from None
    except defusedxml.EntitiesForbidden as exc:
        raise InputError(
            "XML without entity declarations (entity expansion is refused)",
            got=f"entity {exc.name}",
            source=source,
            line=1,
        ) from None
    except defusedxml.ExternalReferenceForbidden:
        raise InputError(
            "XML without external references (they are never fetched)",
            got="an external reference",
            source=source,
            line=1,
        ) from None
    except xml.sax.SAXParseException as exc:
        raise InputError(
            f"well-formed XML ({exc.getMessage()})",
            source=source,
            line=exc.getLineNumber() or 1,
        ) from None
    except (xml.sax.SAXException, ValueError, UnicodeError) as exc:
        raise InputError(f"well-formed XML ({exc})", source=source, line=1) from None
    return builder.root


def _item_type(item: _Node) -> str:
    kinds = [c for c in item.children if c.tag == "OtherResourceType"]
    return kinds[0].text.strip() if kinds else ""


def _properties(item: _Node) -> dict[str, tuple[str, int]]:
    props: dict[str, tuple[str, int]] = {}
    for child in item.children:
        if child.tag == "GenericProperty" and "key" in child.attrs:
            props.setdefault(child.attrs["key"], (child.text.strip(), child.line))
        elif child.tag in ("AllocationUnits", "Address"):
            props.setdefault(child.tag, (child.text.strip(), child.line))
    return props


def parse_constraints_xml(text: str, source: str) -> tuple[Constraint, ...]:
    """``ldm list-constraints -x``: each domain's cpu-arch, whole-core, vCPUs, memory,
    vdisks and vnets. Both layouts are read: 3.x OVF-style ``Envelope/Content/Section/Item``
    and the LDoms 1.x ``<ldom>`` elements (``ldom_info/ldom_name``, ``cpu/number``,
    ``memory/size``, ``network``, ``disk``; dossier §13.5)."""
    root = _parse_xml(text, source)
    constraints: list[Constraint] = []
    seen: dict[str, int] = {}
    contents = root.find_all("Content")
    reader: Callable[[str, _Node, str], Constraint] = _constraint
    found = [(c, c.attrs.get("id", "").strip(), reader) for c in contents]
    if not contents:
        found = [(ldom, _ldom_name(ldom), _constraint_1x) for ldom in root.find_all("ldom")]
    for node, name, read in found:
        if not name:
            raise InputError(
                'a domain name in <Content ovf:id="..."> or <ldom_name>',
                source=source,
                line=node.line,
            )
        if name in seen:
            raise InputError(
                f"each domain once (already at line {seen[name]})",
                got=name,
                source=source,
                line=node.line,
            )
        seen[name] = node.line
        constraints.append(read(name, node, source))
    return tuple(constraints)


def _child_text(node: _Node, *path: str) -> tuple[str, int] | None:
    """The text and line of the first ``path[0]/path[1]/...`` below ``node``."""
    for tag in path:
        found = next((c for c in node.children if c.tag == tag), None)
        if found is None:
            return None
        node = found
    return node.text.strip(), node.line


def _ldom_name(ldom: _Node) -> str:
    found = _child_text(ldom, "ldom_info", "ldom_name")
    return found[0] if found else ""


def _constraint_1x(name: str, ldom: _Node, source: str) -> Constraint:
    values: dict[str, object] = {}
    number = _child_text(ldom, "cpu", "number")
    if number is not None:
        values["vcpus"] = _number(number[0], "cpu number", source, number[1])
    size = _child_text(ldom, "memory", "size")
    if size is not None:
        values["memory"] = _size(size[0], source, size[1])
    arch = _child_text(ldom, "cpu", "cpu_arch") or _child_text(ldom, "ldom_info", "cpu_arch")
    if arch is not None:
        values["cpu_arch"] = _arch(arch[0], source, arch[1])

    def need(node: _Node, tag: str) -> str:
        found = _child_text(node, tag)
        if found is None or not found[0]:
            raise InputError(f"a <{tag}> in this <{node.tag}>", source=source, line=node.line)
        return found[0]

    vdisks = tuple(
        (need(d, "vdisk_name"), f"{need(d, 'vol_name')}@{need(d, 'service_name')}")
        for d in ldom.children
        if d.tag == "disk"
    )
    vnets = tuple(
        (need(n, "vnet_name"), need(n, "service_name")) for n in ldom.children if n.tag == "network"
    )
    return Constraint(name, ldom.line, vdisks=vdisks, vnets=vnets, **values)  # type: ignore[arg-type]


@dataclass
class _ItemReader:
    """The properties of one constraint ``<Item>``, with located errors."""

    item: _Node
    source: str

    def __post_init__(self) -> None:
        self.kind = _item_type(self.item)
        self.props = _properties(self.item)

    def has(self, key: str) -> bool:
        return key in self.props

    def line(self, key: str) -> int:
        return self.props[key][1] if key in self.props else self.item.line

    def get(self, key: str) -> str:
        if key not in self.props or not self.props[key][0]:
            raise InputError(
                f'a "{key}" property in this {self.kind} item',
                source=self.source,
                line=self.item.line,
            )
        return self.props[key][0]


def _constraint(name: str, content: _Node, source: str) -> Constraint:
    values: dict[str, object] = {}
    vdisks: list[tuple[str, str]] = []
    vnets: list[tuple[str, str]] = []
    for node in content.find_all("Item"):
        item = _ItemReader(node, source)
        if item.kind == "ldom_info" and item.has("cpu-arch"):
            values["cpu_arch"] = _arch(item.get("cpu-arch"), source, item.line("cpu-arch"))
        elif item.kind == "cpu":
            if item.has("AllocationUnits"):
                units = item.get("AllocationUnits")
                values["vcpus"] = _number(units, "cpu units", source, item.line("AllocationUnits"))
            if item.has("wcore"):
                cores = _number(item.get("wcore"), "wcore", source, item.line("wcore"))
                values["whole_core"] = cores > 0
        elif item.kind == "memory" and item.has("AllocationUnits"):
            units = item.get("AllocationUnits")
            values["memory"] = _size(units, source, item.line("AllocationUnits"))
        elif item.kind == "disk":
            back_end = f"{item.get('vol_name')}@{item.get('service_name')}"
            vdisks.append((item.get("vdisk_name"), back_end))
        elif item.kind == "network":
            vnets.append((item.get("vnet_name"), item.get("service_name")))
    return Constraint(
        name,
        content.line,
        vdisks=tuple(vdisks),
        vnets=tuple(vnets),
        **values,  # type: ignore[arg-type]
    )
