"""Domain, service and device listings of parseable ``ldm`` output.

``ldm list -p`` and ``ldm list -l -p`` (domains; the long form adds their strands, memory
blocks, direct I/O, virtual devices and console), ``ldm list-services -p`` and
``ldm list-devices -a -p`` (cores, strands, physical memory). Formats are those of dossier
§13.4. They are tolerant where real output varies (5- or 6-character FLAGS or spelled-out
flags, unknown record types and keys) and strict where a guess would change a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ldmspec.errors import InputError
from ldmspec.inventory.facts import MigrationFlag
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.records import Record, as_arch, as_number, as_size, need, parse_records

__all__ = [
    "DeviceListing",
    "ListedDomain",
    "ServiceListing",
    "ServiceRecords",
    "io_entry",
    "migration_of",
    "parse_devices",
    "parse_ldm_list",
    "parse_services",
]

STATES = ("active", "bound", "inactive")
_IO_VF = re.compile(r"\.VF\d+$")
_IO_PF = re.compile(r"\.PF\d+$")
_FLAGS_SHORT = re.compile(r"^[-a-z]{5,6}$")
_FLAGS_LONG = re.compile(r"^[a-z][a-z-]*(?:,[a-z][a-z-]*)*$")


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
    ncpu: int | None  # None: the field is empty (an inactive domain), not zero
    mem: int | None
    migration: MigrationFlag = MigrationFlag.NONE
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
    """``ldm list-devices -a -p``: every core, strand and memory block of the machine.

    ``cores`` is 0 when the listing has no CORE section (LDoms 1.x).
    """

    cores: int
    cores_line: int
    strands: tuple[tuple[int, int, int], ...]  # (pid, free %, line)
    memory: tuple[tuple[int, int, str | None, int], ...]  # (pa, size, bound-to, line)


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
    name = need(f, "name", "DOMAIN", source, line)
    state = need(f, "state", "DOMAIN", source, line)
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
        "ncpu": as_number(f["ncpu"], "ncpu", source, line) if f.get("ncpu") else None,
        "mem": as_number(f["mem"], "mem", source, line) if f.get("mem") else None,
        "migration": migration_of(flags, source, line),
    }


# Words for FLAGS column 6 in the spelled-out flags of `ldm list -l -p`. No published
# listing shows them (dossier §10.5): these are ldmspec's own spelling, the value names.
MIGRATION_WORDS = {flag.value: flag for flag in MigrationFlag if flag is not MigrationFlag.NONE}


def migration_of(flags: str, source: str, line: int) -> MigrationFlag:
    """FLAGS column 6: ``-n---s`` is a migration source; 5-column flags (LDoms 1.x) have
    no column 6. Spelled-out flags (``normal,control``) use the words source, target,
    error (ldmspec's own)."""
    if "," in flags or "-" not in flags:
        words = [MIGRATION_WORDS[w] for w in flags.split(",") if w in MIGRATION_WORDS]
        return words[0] if words else MigrationFlag.NONE
    if len(flags) < 6:
        return MigrationFlag.NONE
    try:
        return MigrationFlag.from_flag(flags[5])
    except InputError as exc:
        raise InputError(exc.expected, got=flags, source=source, line=line) from None


def _domain_section(current: dict[str, object], record: Record, source: str) -> None:
    kind, f = record.kind, record.fields
    if kind == "VCPU":
        strands = []
        for number, item in record.items:
            pid = item.get("pid")
            if pid is None or pid == "":
                continue  # a vCPU not bound to a strand (inactive domain)
            strands.append(as_number(pid, "pid", source, number))
        current["strands"] = tuple(strands)
        current["strands_line"] = record.line
    elif kind == "MEMORY":
        blocks = []
        for number, item in record.items:
            if not item.get("pa"):
                continue
            ra = as_number(
                need(item, "ra", "MEMORY", source, number), "ra", source, number, hexadecimal=True
            )
            pa = as_number(item["pa"], "pa", source, number, hexadecimal=True)
            size = as_size(need(item, "size", "MEMORY", source, number), source, number)
            blocks.append((ra, pa, size))
        current["memory"] = tuple(blocks)
        current["memory_line"] = record.line
    elif kind == "IO":
        devices = [item for _, item in record.items if item.get("dev")]
        current["io"] = tuple(io_entry(item["dev"], item.get("alias", "")) for item in devices)
    elif kind == "CONTROL" and f.get("cpu-arch"):
        current["cpu_arch"] = (as_arch(f["cpu-arch"], source, record.line), record.line)
    elif kind == "VDISK":
        name = need(f, "name", "VDISK", source, record.line)
        vol = need(f, "vol", "VDISK", source, record.line)
        current["vdisks"] = (*current.get("vdisks", ()), (name, vol, record.line))  # type: ignore[misc]
    elif kind == "VNET":
        name = need(f, "name", "VNET", source, record.line)
        service = need(f, "service", "VNET", source, record.line)
        current["vnets"] = (*current.get("vnets", ()), (name, service, record.line))  # type: ignore[misc]
    elif kind == "VCONS" and f.get("service") and f.get("port"):
        # An inactive domain may have no port yet: then it holds no console to model.
        port = as_number(need(f, "port", "VCONS", source, record.line), "port", source, record.line)
        group = f.get("group") or str(current["name"])
        current["console"] = (f["service"], port, group, record.line)
    elif kind in ("VDS", "VSW", "VCC"):
        current["services"] = _add_service(current.get("services"), record, source)  # type: ignore[arg-type]


def _add_service(services: ServiceRecords | None, record: Record, source: str) -> ServiceRecords:
    services = services or ServiceRecords()
    f, line = record.fields, record.line
    name = need(f, "name", record.kind, source, line)
    if record.kind == "VDS":
        volumes = tuple(
            (
                need(item, "vol", "VDS volume", source, number),
                need(item, "dev", "VDS volume", source, number),
            )
            for number, item in record.items
        )
        return ServiceRecords((*services.vds, (name, line, volumes)), services.vsw, services.vcc)
    if record.kind == "VSW":
        return ServiceRecords(
            services.vds, (*services.vsw, (name, line, f.get("net-dev", ""))), services.vcc
        )
    ports = need(f, "port-range", "VCC", source, line)
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
    """``ldm list-devices -a -p``: cores (when listed), strands (with % free) and memory
    blocks."""
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
                pid = as_number(need(item, "pid", "VCPU", source, number), "pid", source, number)
                free = as_number(item.get("free", "100") or "100", "free", source, number)
                if free > 100:
                    raise InputError("free= of 0 to 100", got=free, source=source, line=number)
                strands.append((pid, free, number))
        elif record.kind == "MEMORY":
            for number, item in record.items:
                pa = need(item, "pa", "MEMORY", source, number)
                size = as_size(need(item, "size", "MEMORY", source, number), source, number)
                owner = item.get("bound") or None
                memory.append(
                    (as_number(pa, "pa", source, number, hexadecimal=True), size, owner, number)
                )
    if not strands:
        raise InputError('a VCPU section with "|pid=N|free=N" lines', source=source, line=1)
    if not memory:
        raise InputError('a MEMORY section with "|pa=...|size=..." lines', source=source, line=1)
    return DeviceListing(cores, cores_line, tuple(strands), tuple(memory))
