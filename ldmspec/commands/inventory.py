"""``ldmspec inventory FLEET [--json]``: show what ldmspec understood of a fleet."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from typing import Any

from ldmspec.inventory.facts import Domain, Fleet, Host
from ldmspec.inventory.loader import load_fleet
from ldmspec.inventory.units import format_size
from ldmspec.inventory.writer import fleet_to_toml

__all__ = ["DESCRIPTION", "HELP", "configure", "fleet_json", "fleet_text", "run"]

HELP = "show what ldmspec understood of a fleet file or a folder of capture bundles"

DESCRIPTION = """\
Read FLEET and show, per host, what ldmspec understood: processor, clock,
stick-frequency, Logical Domains Manager and Solaris versions, the free
resources derived from what the domains hold (vCPUs, completely free cores,
free memory ranges, free console ports), the virtual services, and every domain
(state, vCPUs, memory, cpu-arch, guest OS, vdisks, vnets, console, direct I/O).

FLEET is a fleet file (.toml or .json, the schema of DESIGN.md), a folder of
capture bundles, or the HOST.tar the `ldmspec collect` script writes. All give
the same output for the same fleet. A bad file prints one line FILE:LINE: ...
and exits with status 2.

--json prints {"hosts": [...], "plans": [...]}: per host name, cpu, clock_mhz,
stick_frequency, ldm_version, os, cores, threads_per_core, strands, memory
(ranges of pa and size, in bytes), largest_page, free (vcpus, cores, memory,
memory_size, console_ports as [first, last] runs per vcc), services and domains;
per plan domain, source, target, new_name and expect. No file names appear, so
a fleet file and its captures give identical output.

examples:
  ldmspec inventory examples/fleet.toml
  ldmspec inventory examples/captures
  ldmspec inventory examples/fleet.toml --json | python3 -m json.tool
  ldmspec inventory examples/captures --toml > my-fleet.toml   # captures as an editable fleet file
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fleet", metavar="FLEET", help="fleet file, folder of capture bundles, or capture tar"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the inventory as JSON data")
    output.add_argument(
        "--toml",
        action="store_true",
        help="print FLEET as a fleet file (every placement explicit), e.g. to edit captures",
    )


def run(args: argparse.Namespace) -> int:
    fleet = load_fleet(args.fleet)
    if args.json:
        print(json.dumps(fleet_json(fleet), indent=2))
    elif args.toml:
        print(fleet_to_toml(fleet), end="")
    else:
        print(fleet_text(fleet), end="")
    return 0


# --------------------------------------------------------------------------- shared
def spans(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted ``numbers`` as ``(first, last)`` pairs."""
    runs: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _spans_text(numbers: Iterable[int]) -> str:
    text = ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans(numbers))
    return text or "none"


# --------------------------------------------------------------------------- JSON
def fleet_json(fleet: Fleet) -> dict[str, Any]:
    """The inventory as stable JSON data (no file names: the same for every source)."""
    return {
        "hosts": [_host_json(h) for h in fleet.hosts],
        "plans": [
            {
                "domain": p.domain,
                "source": p.source,
                "target": p.target,
                "new_name": p.new_name,
                "expect": _expect_json(p.expect),
            }
            for p in fleet.plans
        ],
    }


def _expect_json(expect: tuple[str, ...] | None) -> str | list[str] | None:
    """A plan's stated expectation: null, "feasible" or the requirement ids it violates."""
    if expect is None:
        return None
    return list(expect) if expect else "feasible"


def _host_json(h: Host) -> dict[str, Any]:
    return {
        "name": h.name,
        "cpu": h.cpu.name,
        "clock_mhz": h.clock_mhz,
        "stick_frequency": h.stick_frequency,
        "ldm_version": str(h.ldm_version),
        "os": str(h.os),
        "cores": h.cores,
        "threads_per_core": h.threads_per_core,
        "strands": h.strands,
        "memory": [{"pa": r.pa, "size": r.size} for r in h.memory],
        "memory_size": h.total_memory,
        "largest_page": h.largest_page,
        "free": {
            "vcpus": h.free_vcpus,
            "cores": list(h.free_cores),
            "memory": [{"pa": r.pa, "size": r.size} for r in h.free_memory],
            "memory_size": h.free_memory_size,
            "console_ports": {
                vcc.name: [list(s) for s in spans(h.free_console_ports(vcc.name))] for vcc in h.vcc
            },
        },
        "services": {
            "vds": [
                {"name": s.name, "volumes": {v.name: v.device for v in s.volumes}} for s in h.vds
            ],
            "vsw": [{"name": s.name, "net_dev": s.net_dev} for s in h.vsw],
            "vcc": [{"name": s.name, "ports": [s.port_lo, s.port_hi]} for s in h.vcc],
        },
        "domains": [_domain_json(d) for d in h.domains],
    }


def _domain_json(d: Domain) -> dict[str, Any]:
    return {
        "name": d.name,
        "state": d.state.value,
        "vcpus": d.vcpus,
        "whole_core": d.whole_core,
        "strands": list(d.strands),
        "memory_size": d.memory_size,
        "memory": [{"ra": b.ra, "pa": b.pa, "size": b.size} for b in d.memory],
        "cpu_arch": d.cpu_arch.value,
        "os": str(d.os),
        "vdisks": [{"name": v.name, "volume": v.volume, "service": v.service} for v in d.vdisks],
        "vnets": [{"name": v.name, "service": v.service} for v in d.vnets],
        "console": None
        if d.console is None
        else {"vcc": d.console.vcc, "port": d.console.port, "group": d.console.group},
        "io": [str(dev) for dev in d.io],
    }


# --------------------------------------------------------------------------- text
def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Rows aligned in columns (the first row is the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        (indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]


def fleet_text(fleet: Fleet) -> str:
    """The inventory as compact, aligned text."""
    domains = sum(len(h.domains) for h in fleet.hosts)
    lines = [
        f"{len(fleet.hosts)} hosts, {domains} domains, {len(fleet.plans)} planned migrations",
    ]
    for h in fleet.hosts:
        lines.append("")
        lines.extend(_host_text(h))
    if fleet.plans:
        lines += ["", "planned migrations:"]
        rows = [["DOMAIN", "SOURCE", "TARGET", "EXPECTED"]]
        for p in fleet.plans:
            target = p.target + (f" as {p.new_name}" if p.new_name else "")
            expect = _expect_json(p.expect)
            shown = " ".join(expect) if isinstance(expect, list) else expect or "-"
            rows.append([p.domain, p.source, target, shown])
        lines += table(rows)
    return "\n".join(lines) + "\n"


def _host_text(h: Host) -> list[str]:
    free_mem = ", ".join(f"{r.pa:#x}+{format_size(r.size)}" for r in h.free_memory) or "none"
    lines = [
        f"{h.name}: {h.cpu.name} {h.clock_mhz} MHz, stick-frequency {h.stick_frequency:#010x},"
        f" Manager {h.ldm_version}, Solaris {h.os}",
        f"  strands    {h.strands} ({h.cores} cores x {h.threads_per_core});"
        f" free {h.free_vcpus} vCPUs, {len(h.free_cores)} whole cores"
        f" ({_spans_text(h.free_cores)})",
        f"  memory     {format_size(h.total_memory)}, largest page {format_size(h.largest_page)};"
        f" free {format_size(h.free_memory_size) if h.free_memory_size else '0'}"
        f" ({free_mem})",
    ]
    for vds in h.vds:
        volumes = ", ".join(v.name for v in vds.volumes) or "no volumes"
        lines.append(f"  vds        {vds.name}: {volumes}")
    for vsw in h.vsw:
        lines.append(f"  vsw        {vsw.name}: net-dev {vsw.net_dev or '-'}")
    for vcc in h.vcc:
        free = h.free_console_ports(vcc.name)
        lines.append(
            f"  vcc        {vcc.name}: ports {vcc.port_range}, {len(free)} free"
            f" ({_spans_text(free)})"
        )
    if not (h.vds or h.vsw or h.vcc):
        lines.append("  services   none")
    rows = [
        ["DOMAIN", "STATE", "VCPUS", "MEMORY", "CPU-ARCH", "OS", "VDISKS", "VNETS", "CONSOLE", "IO"]
    ]
    for d in h.domains:
        vcpus = f"{d.vcpus}" + (" (whole cores)" if d.whole_core else "")
        rows.append(
            [
                d.name,
                d.state.value,
                vcpus,
                format_size(d.memory_size) if d.memory_size else "-",
                d.cpu_arch.value,
                str(d.os),
                " ".join(f"{v.name}={v.volume}@{v.service}" for v in d.vdisks) or "-",
                " ".join(f"{v.name}={v.service}" for v in d.vnets) or "-",
                f"{d.console.vcc}:{d.console.port}" if d.console else "-",
                " ".join(map(str, d.io)) or "-",
            ]
        )
    return lines + table(rows)
