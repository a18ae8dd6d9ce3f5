"""The ``ldm`` commands that change the control domain's virtual I/O services.

Virtual disk services (volumes), virtual switches and virtual console concentrators of
the control domain ``primary``: ``add-``/``rm-vdsdev``, ``-vsw``, ``-vcc``. A service in use
by a bound or active domain cannot be removed. The :class:`~ldmspec.system.manager.Manager`
inherits them; its lock decides beforehand whether a change is allowed at all.
"""

from __future__ import annotations

import ldmspec.system.messages as text
from ldmspec.system.domain import DomainRecord
from ldmspec.system.ldm_command import LdmCommand
from ldmspec.system.result import CommandResult
from ldmspec.system.result import error as _error
from ldmspec.system.result import ok as _ok

__all__ = ["ServiceCommands"]


class ServiceCommands:
    """The service half of a Manager: its services and the commands that change them."""

    vds: dict[str, dict[str, str]]
    vsw: dict[str, str]
    vcc: dict[str, tuple[int, int]]
    used_ports: dict[str, set[int]]
    domains: dict[str, DomainRecord]

    def _mark_service_domain(self) -> None:
        control = self.domains.get("primary")
        if control is not None:
            control.provides_services = bool(self.vds or self.vsw or self.vcc)

    def _add_vdsdev(self, command: LdmCommand) -> CommandResult:
        volume, _, service = command.operand.partition("@")
        if service not in self.vds:
            return _error(text.NO_VDS.format(service=service))
        if volume in self.vds[service]:
            return _error(text.VOLUME_EXISTS.format(volume=volume, service=service))
        self.vds[service][volume] = command.value("device") or ""
        return _ok()

    def _rm_vdsdev(self, command: LdmCommand) -> CommandResult:
        volume, _, service = command.operand.partition("@")
        if volume not in self.vds.get(service, {}):
            return _error(text.NO_VOLUME.format(volume=volume, service=service))
        for record in self.domains.values():
            if record.holds_resources and any(
                d.volume == volume and d.service == service for d in record.vdisks
            ):
                return _error(
                    text.VOLUME_IN_USE.format(volume=volume, service=service, domain=record.name)
                )
        del self.vds[service][volume]
        return _ok()

    def _add_vsw(self, command: LdmCommand) -> CommandResult:
        if command.domains[0] != "primary":
            return _error(text.CONTROL_SERVICES_ONLY)
        if command.operand in self.vsw:
            return _error(text.VSW_EXISTS.format(vsw=command.operand))
        self.vsw[command.operand] = command.value("net-dev") or ""
        self._mark_service_domain()
        return _ok()

    def _rm_vsw(self, command: LdmCommand) -> CommandResult:
        if command.operand not in self.vsw:
            return _error(text.NO_VSW.format(vsw=command.operand))
        for record in self.domains.values():
            if record.holds_resources and any(n.service == command.operand for n in record.vnets):
                return _error(text.VSW_IN_USE.format(vsw=command.operand, domain=record.name))
        del self.vsw[command.operand]
        self._mark_service_domain()
        return _ok()

    def _add_vcc(self, command: LdmCommand) -> CommandResult:
        if command.domains[0] != "primary":
            return _error(text.CONTROL_SERVICES_ONLY)
        lo, _, hi = (command.value("port-range") or "").partition("-")
        if not (lo.isdigit() and hi.isdigit() and int(lo) <= int(hi)):
            return _error(text.BAD_PORT_RANGE)
        if command.operand in self.vcc:
            return _error(text.VCC_EXISTS.format(vcc=command.operand))
        self.vcc[command.operand] = (int(lo), int(hi))
        self.used_ports[command.operand] = set()
        self._mark_service_domain()
        return _ok()

    def _rm_vcc(self, command: LdmCommand) -> CommandResult:
        if command.operand not in self.vcc:
            return _error(text.NO_VCC.format(vcc=command.operand))
        if self.used_ports.get(command.operand):
            return _error(text.VCC_IN_USE.format(vcc=command.operand))
        del self.vcc[command.operand]
        self.used_ports.pop(command.operand, None)
        self._mark_service_domain()
        return _ok()
