"""Render inventory values as the commands of a control domain print them.

Pure functions of :class:`~ldmspec.inventory.facts.Host` values: ``ldm list -p``,
``ldm list -l -p``, ``ldm list-services -p``, ``ldm list-devices -a -p``,
``ldm list-constraints -x``, ``ldm -V``, ``psrinfo -pv``, ``prtconf -pv`` and
``/etc/release``, in the shapes of dossier §13, plus the bundle's ``facts.toml``.
The capture parsers read all of them back to the same host (a tested round trip), and the
reference implementation can reuse :func:`ldm_list_p` for what its ``ldm list -p`` prints.

Values no inventory holds (utilisation, uptime, MAC addresses, firmware versions) are
fixed, deterministic placeholders. Output built this way is *synthetic*: it follows the
published record shapes but is not a capture from a real machine.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ldmspec.errors import InputError
from ldmspec.inventory.facts import CONTROL_DOMAIN, Domain, Fleet, Host, MigrationFlag
from ldmspec.inventory.units import MIB, format_size
from ldmspec.inventory.versions import parseable_version
from ldmspec.inventory.writer import plan_lines, toml_key, toml_string

__all__ = [
    "BUNDLE_FILES",
    "bundle_files",
    "domain_flags",
    "etc_release",
    "facts_toml",
    "ldm_list_constraints_x",
    "ldm_list_devices_a_p",
    "ldm_list_devices_memory",
    "ldm_list_l_p",
    "ldm_list_p",
    "ldm_list_services_p",
    "ldm_version",
    "plans_toml",
    "prtconf_pv",
    "psrinfo_pv",
    "write_bundles",
]

# File name in a bundle -> the command whose output it holds.
BUNDLE_FILES: dict[str, str] = {
    "ldm-list-p.txt": "ldm list -p",
    "ldm-list-l-p.txt": "ldm list -l -p",
    "ldm-list-constraints-x.xml": "ldm list-constraints -x",
    "ldm-list-services-p.txt": "ldm list-services -p",
    "ldm-list-devices-a-p.txt": "ldm list-devices -a -p",
    "ldm-V.txt": "ldm -V",
    "psrinfo-pv.txt": "psrinfo -pv",
    "prtconf-pv.txt": "prtconf -pv",
    "etc-release.txt": "cat /etc/release",
}


def _list_version(host: Host) -> str:
    return parseable_version(host.ldm_version.parts)


def domain_flags(host: Host, domain: Domain, migration: str | None = None) -> str:
    """FLAGS as ``ldm list`` abbreviates them: ``-n-cv-`` (5 columns before 2.0); column 6
    is ``migration`` when given, else the domain's own flag."""
    migration = domain.migration.flag if migration is None else migration
    running = "n" if domain.state.value == "active" else "-"
    control = "c" if domain.is_control else "-"
    service = "v" if domain.is_control and (host.vds or host.vsw or host.vcc) else "-"
    flags = f"-{running}-{control}{service}"
    return flags + migration if host.ldm_version.at_least(2, 0) else flags


def _long_flags(host: Host, domain: Domain) -> str:
    short = domain_flags(host, domain)
    names = [
        name
        for letter, name in (("n", "normal"), ("c", "control"), ("v", "vio-service"))
        if letter in short
    ]
    if domain.migration is not MigrationFlag.NONE:
        names.append(domain.migration.value)  # ldmspec's own word: none was ever published
    return ",".join(names)


def _cons(host: Host, domain: Domain) -> str:
    if domain.is_control:
        return "UART" if host.ldm_version.at_least(3, 0) else "SP"
    return str(domain.console.port) if domain.console is not None else ""


def _activity(domain: Domain) -> str:
    if domain.state.value != "active":
        return "util=|uptime=|norm_util="
    return "util=0.1|uptime=86400|norm_util=0.1"


def _sizes(domain: Domain) -> str:
    # An inactive domain's listing leaves ncpu and mem empty (issue 15's real captures);
    # its constraints still say them.
    if domain.state.value == "inactive":
        return "ncpu=|mem="
    return f"ncpu={domain.vcpus}|mem={domain.memory_size}"


def _domain_line(host: Host, domain: Domain, flags: str) -> str:
    return (
        f"DOMAIN|name={domain.name}|state={domain.state.value}|flags={flags}"
        f"|cons={_cons(host, domain)}|{_sizes(domain)}"
        f"|{_activity(domain)}"
    )


def ldm_list_p(host: Host, migration_flags: Mapping[str, str] | None = None) -> str:
    """``ldm list -p``; ``migration_flags`` gives FLAGS column 6 per domain (``s``/``t``/``e``)."""
    flags = migration_flags or {}
    lines = [_list_version(host)]
    for d in host.domains:
        lines.append(_domain_line(host, d, domain_flags(host, d, flags.get(d.name))))
    return "\n".join(lines) + "\n"


def _mac(*parts: str) -> str:
    digest = zlib.crc32("/".join(parts).encode()) & 0xFFFFFF
    return "00:14:4f:" + ":".join(f"{(digest >> s) & 0xFF:02x}" for s in (16, 8, 0))


def _service_lines(host: Host, *, with_owner: bool) -> list[str]:
    owner = f"|ldom={CONTROL_DOMAIN}" if with_owner else ""
    lines: list[str] = []
    for vcc in host.vcc:
        lines.append(f"VCC|name={vcc.name}{owner}|port-range={vcc.port_range}")
    for vsw in host.vsw:
        lines.append(
            f"VSW|name={vsw.name}{owner}|mac-addr={_mac(host.name, vsw.name)}"
            f"|net-dev={vsw.net_dev}|dev=switch@0|default-vlan-id=1|pvid=1|vid=|mode=|mtu=1500"
        )
    for vds in host.vds:
        lines.append(f"VDS|name={vds.name}{owner}")
        lines.extend(f"|vol={v.name}|opts=|dev={v.device}|mpgroup=" for v in vds.volumes)
    return lines


def ldm_list_l_p(host: Host) -> str:
    """``ldm list -l -p``: every domain with its strands, memory, I/O, devices, console."""
    lines = [_list_version(host)]
    tpc = host.threads_per_core
    for d in host.domains:
        line = _domain_line(host, d, _long_flags(host, d))
        lines.append(line + ("|softstate=Solaris running" if d.live else ""))
        lines.append(f"CONTROL|failure-policy=ignore|cpu-arch={d.cpu_arch.value}")
        if d.strands:
            lines.append("VCPU")
            lines.extend(
                f"|vid={vid}|pid={pid}|util=0.1|strand=100|cid={pid // tpc}"
                for vid, pid in enumerate(d.strands)
            )
        if d.memory:
            lines.append("MEMORY")
            lines.extend(f"|ra={b.ra:#x}|pa={b.pa:#x}|size={b.size}" for b in d.memory)
        if d.io:
            lines.append("IO")
            lines.extend(f"|dev={dev.path}|alias=" for dev in d.io)
        if d.is_control:
            lines.extend(_service_lines(host, with_owner=False))
        for i, net in enumerate(d.vnets):
            lines.append(
                f"VNET|name={net.name}|dev=network@{i}|service={net.service}"
                f"|mac-addr={_mac(host.name, d.name, net.name)}|mode=|pvid=1|vid=|mtu=1500|id={i}"
            )
        for i, disk in enumerate(d.vdisks):
            lines.append(
                f"VDISK|name={disk.name}|vol={disk.volume}@{disk.service}|timeout="
                f"|dev=disk@{i}|server={CONTROL_DOMAIN}|mpgroup=|id={i}"
            )
        if d.console is not None:
            c = d.console
            lines.append(f"VCONS|group={c.group}|service={c.vcc}|port={c.port}")
        elif d.is_control:
            lines.append(f"VCONS|type={_cons(host, d)}")
    return "\n".join(lines) + "\n"


def ldm_list_devices_memory(host: Host, *, parseable: bool = False) -> str:
    """``ldm list-devices memory``: the host's free memory (dossier §4.1, §4.2); with
    ``parseable``, ``ldm list-devices -p memory`` in the record shape of §13.4(d)."""
    if parseable:
        lines = [_list_version(host), "MEMORY"]
        lines += [f"|pa={r.pa:#x}|size={r.size}" for r in host.free_memory]
        return "\n".join(lines) + "\n"
    lines = ["MEMORY", f"    {'PA':<20} SIZE"]
    lines += [f"    {r.pa:<#20x} {format_size(r.size)}" for r in host.free_memory]
    return "\n".join(lines) + "\n"


def ldm_list_services_p(host: Host) -> str:
    """``ldm list-services -p``: the control domain's vcc, vsw and vds (with volumes)."""
    return "\n".join([_list_version(host), *_service_lines(host, with_owner=True)]) + "\n"


def ldm_list_devices_a_p(host: Host) -> str:
    """``ldm list-devices -a -p``: cores, strands (``free`` percent) and memory blocks."""
    tpc = host.threads_per_core
    used = host.used_strands
    lines = [_list_version(host), "CORE"]
    for c in range(host.cores):
        strands = range(c * tpc, (c + 1) * tpc)
        free = 100 * sum(s not in used for s in strands) // tpc
        cpuset = ",".join(str(s) for s in strands)
        lines.append(f"|cid={c}|free={free}|cpuset=({cpuset})")
    lines.append("VCPU")
    lines.extend(f"|pid={s}|free={0 if s in used else 100}|pm=no" for s in range(host.strands))
    lines.append("MEMORY")
    blocks = [(b.pa, b.size, d.name) for d in host.holders() for b in d.memory]
    blocks += [(r.pa, r.size, "") for r in host.free_memory]
    for pa, size, owner in sorted(blocks):
        lines.append(f"|pa={pa:#x}|size={size}" + (f"|bound={owner}" if owner else ""))
    return "\n".join(lines) + "\n"


def _generic(key: str, value: object) -> str:
    body = escape(str(value))
    return f"          <gprop:GenericProperty key={quoteattr(key)}>{body}</gprop:GenericProperty>"


def _item(kind: str, *inner: str) -> list[str]:
    return [
        '      <Section xsi:type="ovf:VirtualHardwareSection_Type">',
        "        <Item>",
        f"          <rasd:OtherResourceType>{kind}</rasd:OtherResourceType>",
        *inner,
        "        </Item>",
        "      </Section>",
    ]


def ldm_list_constraints_x(host: Host) -> str:
    """``ldm list-constraints -x``: every domain's constraints (3.x OVF-style XML)."""
    lines = [
        '<?xml version="1.0"?>',
        '<LDM_interface version="1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xmlns:ovf="./schemas/envelope" xmlns:rasd="./schemas/CIM_ResourceAllocationSettingData"'
        ' xmlns:vssd="./schemas/CIM_VirtualSystemSettingData"'
        ' xmlns:gprop="./schemas/GenericProperty" xmlns:bind="./schemas/Binding">',
    ]
    for d in host.domains:
        units = "          <rasd:AllocationUnits>{}</rasd:AllocationUnits>"
        cpu = [units.format(d.vcpus)]
        if d.whole_core:
            cores = -(-d.vcpus // host.threads_per_core)
            cpu.append(_generic("wcore", cores))
        lines += [
            '  <data version="3.0">',
            "    <Envelope>",
            "      <References/>",
            f'      <Content xsi:type="ovf:VirtualSystem_Type" ovf:id={quoteattr(d.name)}>',
            '      <Section xsi:type="ovf:ResourceAllocationSection_Type">',
            "        <Item>",
            "          <rasd:OtherResourceType>ldom_info</rasd:OtherResourceType>",
            _generic("failure-policy", "ignore"),
            _generic("cpu-arch", d.cpu_arch.value),
            "        </Item>",
            "      </Section>",
            *_item("cpu", *cpu),
        ]
        if d.memory_size:
            lines += _item("memory", units.format(format_size(d.memory_size)))
        for net in d.vnets:
            lines += _item(
                "network", _generic("vnet_name", net.name), _generic("service_name", net.service)
            )
        for disk in d.vdisks:
            lines += _item(
                "disk",
                _generic("vdisk_name", disk.name),
                _generic("service_name", disk.service),
                _generic("vol_name", disk.volume),
            )
        lines += ["      </Content>", "    </Envelope>", "  </data>"]
    lines.append("</LDM_interface>")
    return "\n".join(lines) + "\n"


def ldm_version(host: Host) -> str:
    """``ldm -V`` (firmware lines are placeholders)."""
    manager = (
        "Logical Domains Manager" if host.ldm_version.at_least(2, 0) else "Logical Domain Manager"
    )
    return (
        f"{manager} (v {host.ldm_version})\n"
        "\tHypervisor control protocol v 1.12\n"
        "\tUsing Hypervisor MD v 1.4\n"
        "\n"
        "System PROM:\n"
        "\tHypervisor\tv. 1.17.3.a\t@(#)Hypervisor 1.17.3.a 2016/09/16 13:37\n"
        "\tOpenBoot\tv. 4.40.3\t@(#)OpenBoot 4.40.3 2016/08/17 11:25\n"
    )


def _span(first: int, count: int) -> str:
    return f"{first}" if count == 1 else f"{first}-{first + count - 1}"


def psrinfo_pv(host: Host) -> str:
    """``psrinfo -pv`` as the control domain sees it: its own virtual processors."""
    primary = host.domain(CONTROL_DOMAIN)
    strands = primary.strands if primary is not None and primary.holds_resources else ()
    tpc = host.threads_per_core
    per_core: dict[int, int] = {}
    for s in strands:
        per_core[s // tpc] = per_core.get(s // tpc, 0) + 1
    n = len(strands)
    lines = [
        f"The physical processor has {len(per_core)} cores and {n} virtual processors"
        f" ({_span(0, n) if n else ''})"
    ]
    vid = 0
    for count in per_core.values():
        noun = "processor" if count == 1 else "processors"
        lines.append(f"  The core has {count} virtual {noun} ({_span(vid, count)})")
        vid += count
    lines.append(f"    {host.cpu.name} (chipid 0, clock {host.clock_mhz} MHz)")
    return "\n".join(lines) + "\n"


def prtconf_pv(host: Host) -> str:
    """The root node of ``prtconf -pv`` (only ``stick-frequency`` is read back)."""
    primary = host.domain(CONTROL_DOMAIN)
    memory = primary.memory_size if primary is not None else 0
    return (
        "System Configuration:  Oracle Corporation  sun4v\n"
        f"Memory size: {memory // MIB} Megabytes\n"
        "System Peripherals (PROM Nodes):\n"
        "\n"
        "Node 0xfffffffd\n"
        f"    stick-frequency:  {host.stick_frequency:08x}\n"
        "    breakpoint-trap:  0000007f\n"
        f"    name:  'ORCL,{host.cpu.name}'\n"
    )


def etc_release(host: Host) -> str:
    """``/etc/release`` of the control domain."""
    release = host.os
    if release.is_solaris10:
        title = f"Oracle Solaris {release} s10s_u{release.month}wos SPARC"
    elif release.minor == 0:
        title = f"Oracle Solaris {release.major} 11/11 SPARC"
    else:
        title = f"Oracle Solaris {release} SPARC"
    return (
        f"                             {title}\n"
        "  Copyright (c) 1983, 2018, Oracle and/or its affiliates.  All rights reserved.\n"
    )


def facts_toml(host: Host) -> str:
    """The bundle's ``facts.toml``: what no command shows (largest page, guest releases)."""
    lines = [
        "# Facts no command of the bundle shows. See `ldmspec collect --help`.",
        f"largest-page = {toml_string(format_size(host.largest_page))}"
        "   # hardware largest page (ldm list -o domain: hardware-max-pagesize)",
    ]
    for d in host.domains:
        if d.is_control and d.os == host.os:
            continue
        lines += ["", f"[domains.{toml_key(d.name)}]", f"os = {toml_string(str(d.os))}"]
    return "\n".join(lines) + "\n"


def bundle_files(host: Host) -> dict[str, str]:
    """Every file of ``host``'s capture bundle: name -> content."""
    return {
        "ldm-list-p.txt": ldm_list_p(host),
        "ldm-list-l-p.txt": ldm_list_l_p(host),
        "ldm-list-constraints-x.xml": ldm_list_constraints_x(host),
        "ldm-list-services-p.txt": ldm_list_services_p(host),
        "ldm-list-devices-a-p.txt": ldm_list_devices_a_p(host),
        "ldm-V.txt": ldm_version(host),
        "psrinfo-pv.txt": psrinfo_pv(host),
        "prtconf-pv.txt": prtconf_pv(host),
        "etc-release.txt": etc_release(host),
        "facts.toml": facts_toml(host),
    }


def plans_toml(fleet: Fleet) -> str:
    """A folder of bundles' ``plans.toml``: the host order and the planned migrations."""
    hosts = ", ".join(toml_string(h.name) for h in fleet.hosts)
    lines = [
        "# The fleet's host order and planned migrations (see `ldmspec collect --help`).",
        f"hosts = [{hosts}]",
    ]
    for plan in fleet.plans:
        lines += ["", *plan_lines(plan)]
    return "\n".join(lines) + "\n"


def _bundle_folder_name(name: str) -> bool:
    """Whether a host name can name its bundle folder: one path component that a folder
    of bundles reads back (not hidden, not ``plans.toml``), so nothing lands outside it."""
    return (
        bool(name)
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
        and not name.startswith(".")
        and name != "plans.toml"
    )


def _names(host: Host) -> list[tuple[str, str]]:
    """``(where, name)`` of every name a bundle file carries in a ``|``-separated field."""
    names = [("vds", s.name) for s in host.vds] + [("vsw", s.name) for s in host.vsw]
    names += [("vcc", s.name) for s in host.vcc]
    names += [(f"vds.{s.name}", v.name) for s in host.vds for v in s.volumes]
    for d in host.domains:
        names.append(("domains", d.name))
        names += [(f"domains.{d.name}.vdisks", v.name) for v in d.vdisks]
        names += [(f"domains.{d.name}.vnets", v.name) for v in d.vnets]
        if d.console is not None:
            names.append((f"domains.{d.name}.console.group", d.console.group))
    return names


def write_bundles(fleet: Fleet, folder: str | Path) -> None:
    """Write a folder of capture bundles for ``fleet``: one sub-folder per host.

    Raises :class:`InputError` before writing anything when a host name cannot name a
    folder inside ``folder`` (``../x``, ``a/b``, ``.hidden``, ``plans.toml``).
    """
    for host in fleet.hosts:
        if not _bundle_folder_name(host.name):
            raise InputError(
                "a host name usable as its bundle folder's name (no / or \\, not starting "
                "with a dot, not plans.toml)",
                got=host.name,
                source=fleet.source or None,
                path="hosts",
            )
        for where, name in _names(host):
            if "|" in name or "\n" in name or "\r" in name:
                raise InputError(
                    "names without | or a line break (ldm list -p separates fields with |)",
                    got=name,
                    source=fleet.source or None,
                    path=f"hosts.{host.name}.{where}",
                )
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    for host in fleet.hosts:
        bundle = root / host.name
        bundle.mkdir(exist_ok=True)
        for name, text in bundle_files(host).items():
            (bundle / name).write_text(text, encoding="utf-8")
    (root / "plans.toml").write_text(plans_toml(fleet), encoding="utf-8")
