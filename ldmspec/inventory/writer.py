"""Write a :class:`Fleet` as a fleet file in the schema of DESIGN.md.

The file says everything explicitly (memory blocks with their addresses, the strands each
domain holds, every default spelled out), so placement is preserved and loading it gives
the same fleet back::

    load_fleet_text(fleet_to_toml(fleet)) == fleet
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ldmspec.inventory.facts import CONTROL_DOMAIN, Domain, Fleet, Host, MigrationFlag, Plan
from ldmspec.inventory.units import format_size

__all__ = ["fleet_to_toml", "plan_lines", "toml_key", "toml_string"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string, escaping what TOML forbids raw."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_key(key: str) -> str:
    """``key`` bare when TOML allows it, quoted otherwise."""
    return key if _BARE_KEY.match(key) else toml_string(key)


def _inline(pairs: Iterable[tuple[str, str]]) -> str:
    body = ", ".join(f"{toml_key(k)} = {v}" for k, v in pairs)
    return "{ " + body + " }" if body else "{}"


def _array(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def fleet_to_toml(fleet: Fleet) -> str:
    """The fleet file that loads back to ``fleet`` (hosts, domains and plans)."""
    lines: list[str] = ["# Written by ldmspec: every placement and default is explicit."]
    for host in fleet.hosts:
        lines.append("")
        lines.extend(_host_lines(host))
    for plan in fleet.plans:
        lines.append("")
        lines.extend(plan_lines(plan))
    return "\n".join(lines) + "\n"


def _host_lines(host: Host) -> list[str]:
    h = f"hosts.{toml_key(host.name)}"
    memory = _array(
        _inline((("pa", f"{r.pa:#x}"), ("size", toml_string(format_size(r.size)))))
        for r in host.memory
    )
    lines = [
        f"[{h}]",
        f"cpu = {toml_string(host.cpu.name)}",
        f"clock-mhz = {host.clock_mhz}",
        f"stick-frequency = {host.stick_frequency:#010x}",
        f"ldm-version = {toml_string(str(host.ldm_version))}",
        f"os = {toml_string(str(host.os))}",
        f"cores = {host.cores}",
        f"threads-per-core = {host.threads_per_core}",
        f"memory = {memory}",
        f"largest-page = {toml_string(format_size(host.largest_page))}",
    ]
    for vds in host.vds:
        lines.append(f"[{h}.vds.{toml_key(vds.name)}]")
        lines.extend(f"{toml_key(v.name)} = {toml_string(v.device)}" for v in vds.volumes)
    for vsw in host.vsw:
        lines.append(f"[{h}.vsw.{toml_key(vsw.name)}]")
        lines.append(f"net-dev = {toml_string(vsw.net_dev)}")
    for vcc in host.vcc:
        lines.append(f"[{h}.vcc.{toml_key(vcc.name)}]")
        lines.append(f"port-range = {toml_string(vcc.port_range)}")
    for domain in host.domains:
        lines.append(f"[{h}.domains.{toml_key(domain.name)}]")
        lines.extend(_domain_lines(domain))
    return lines


def _domain_lines(d: Domain) -> list[str]:
    lines = [
        f"state = {toml_string(d.state.value)}",
        f"vcpus = {d.vcpus}",
        f"whole-core = {'true' if d.whole_core else 'false'}",
    ]
    if d.memory:
        blocks = _array(
            _inline(
                (
                    ("ra", f"{b.ra:#x}"),
                    ("pa", f"{b.pa:#x}"),
                    ("size", toml_string(format_size(b.size))),
                )
            )
            for b in d.memory
        )
        lines.append(f"memory = {blocks}")
    elif d.memory_size or d.name != CONTROL_DOMAIN:
        lines.append(f"memory = {toml_string(format_size(d.memory_size))}")
    if d.strands:
        lines.append(f"strands = {_array(str(s) for s in d.strands)}")
    lines.append(f"cpu-arch = {toml_string(d.cpu_arch.value)}")
    lines.append(f"os = {toml_string(str(d.os))}")
    if d.vdisks:
        disks = ((v.name, toml_string(f"{v.volume}@{v.service}")) for v in d.vdisks)
        lines.append(f"vdisks = {_inline(disks)}")
    if d.vnets:
        lines.append(f"vnets = {_inline((v.name, toml_string(v.service)) for v in d.vnets)}")
    if d.console is not None:
        c = d.console
        pairs = (
            ("vcc", toml_string(c.vcc)),
            ("port", str(c.port)),
            ("group", toml_string(c.group)),
        )
        lines.append(f"console = {_inline(pairs)}")
    if d.io:
        lines.append(f"io = {_array(toml_string(str(i)) for i in d.io)}")
    if d.migration is not MigrationFlag.NONE:
        lines.append(f"migration = {toml_string(d.migration.value)}")
    return lines


def plan_lines(plan: Plan) -> list[str]:
    """The `[[plans]]` table of one planned migration, as fleet files and plans.toml hold it."""
    target = plan.target + (f":{plan.new_name}" if plan.new_name else "")
    lines = [
        "[[plans]]",
        f"domain = {toml_string(plan.domain)}",
        f"source = {toml_string(plan.source)}",
        f"target = {toml_string(target)}",
    ]
    if plan.expect is not None:
        expect = _array(toml_string(i) for i in plan.expect) if plan.expect else '"feasible"'
        lines.append(f"expect = {expect}")
    return lines
