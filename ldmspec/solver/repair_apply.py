"""A repair's changes made on a fleet: new frozen values, so a test can re-check them.

::

    from ldmspec.solver.repair_apply import apply_repair
    repaired = apply_repair(fleet, verdict)   # every change of verdict.repair made
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ldmspec.inventory.facts import (
    CONTROL_DOMAIN,
    Domain,
    DomainState,
    Fleet,
    Host,
    Vcc,
    Vds,
    Volume,
    Vsw,
)
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.versions import LdmVersion
from ldmspec.solver.verdict import PrecheckVerdict

__all__ = ["NEW_VCC", "apply_repair"]

# The vcc a repair adds to a target that has none: name, first and last port.
NEW_VCC = ("primary-vcc0", 5000, 5100)


def apply_repair(fleet: Fleet, verdict: PrecheckVerdict) -> Fleet:
    """``fleet`` with every change of ``verdict.repair`` made (new frozen values)."""
    if verdict.repair is None:
        return fleet
    hosts = {h.name: h for h in fleet.hosts}
    for change in verdict.repair.changes:
        info = dict(change.detail)
        host = hosts[change.host]
        hosts[change.host] = _apply(change.kind, info, host)
    return replace(fleet, hosts=tuple(hosts[h.name] for h in fleet.hosts))


def _apply(kind: str, info: dict[str, Any], host: Host) -> Host:
    if kind == "cpu-arch":
        return _edit_domain(host, info["domain"], cpu_arch=CpuArch.GENERIC)
    if kind == "remove-io":
        return _edit_domain(host, info["domain"], io=())
    if kind == "unbind":
        dom = host.domain(info["domain"])
        assert dom is not None
        size = sum(b.size for b in dom.memory) or dom.memory_size
        return _edit_domain(
            host, dom.name, state=DomainState.INACTIVE, strands=(), memory=(), memory_size=size
        )
    if kind == "remove-vcpu":
        dom = host.domain(info["domain"])
        assert dom is not None
        count = info["count"]
        keep = dom.strands[: len(dom.strands) - count]
        return _edit_domain(host, dom.name, vcpus=dom.vcpus - count, strands=keep)
    if kind == "remove-memory":
        dom = host.domain(info["domain"])
        assert dom is not None
        last = max(dom.memory)
        shorter = replace(last, size=last.size - info["bytes"])
        memory = tuple(sorted(shorter if b == last else b for b in dom.memory))
        size = dom.memory_size - info["bytes"]
        return _edit_domain(host, dom.name, memory=memory, memory_size=size)
    if kind == "add-vds":
        return replace(host, vds=(*host.vds, Vds(info["vds"])))
    if kind == "add-vdsdev":
        volume = Volume(info["volume"], info["device"] or "DEVICE")
        vds = tuple(
            replace(s, volumes=(*s.volumes, volume)) if s.name == info["vds"] else s
            for s in host.vds
        )
        return replace(host, vds=vds)
    if kind == "add-vsw":
        return replace(host, vsw=(*host.vsw, Vsw(info["vsw"], info["net_dev"])))
    if kind == "add-vcc":
        name, lo, hi = NEW_VCC
        return replace(host, vcc=(*host.vcc, Vcc(name, lo, hi)))
    if kind == "set-vcc":
        vcc = tuple(
            replace(c, port_hi=c.port_hi + 1) if c.name == info["vcc"] else c for c in host.vcc
        )
        return replace(host, vcc=vcc)
    if kind == "upgrade":
        return replace(host, ldm_version=LdmVersion.parse(info["version"]))
    raise ValueError(f"unknown change kind {kind!r}")


def _edit_domain(host: Host, name: str, **fields: Any) -> Host:
    domains: tuple[Domain, ...] = tuple(
        replace(x, **fields) if x.name == name else x for x in host.domains
    )
    assert name != CONTROL_DOMAIN or "cpu_arch" in fields
    return replace(host, domains=domains)
