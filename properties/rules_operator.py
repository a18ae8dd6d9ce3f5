"""The migration machine's rules for an operator at the hosts' consoles.

Change the configuration of a migration's target or source in every phase (volumes,
virtual switches, console concentrators, binds, unbinds, starts, stops, memory, cpu-arch,
the Manager's version), in particular between the target's acceptance of the pre-check
and phase 2, and start a migration the other way in that window; read ``ldm list -p``
and ``ldm list -l -p`` and compare what operators read with the observation.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from ldmspec.properties.listing_check import listing_agrees
from ldmspec.properties.machine_base import LDM_VERSIONS, RECONFIGURATIONS, MachineBase

from ldmspec.errors import InputError
from ldmspec.inventory.facts import CONTROL_DOMAIN, Host
from ldmspec.inventory.listing_parsers import parse_ldm_list
from ldmspec.inventory.units import MIB
from ldmspec.system.observation import MigrationView

__all__ = ["OperatorRules"]

WINDOW_ACTIONS = ("own-volume", "own-switch", "migrate-back", "bind", "rm-vcc", "start", "grow")
"""What the operator does on a target between its acceptance and phase 2."""
_WINDOW_EVENTS = 20


class OperatorRules(MachineBase):
    """Rules an operator applies to the hosts, in every phase of their migrations."""

    @precondition(lambda self: self.obs is not None)
    @rule(pick=st.integers(0, 15), kind=st.sampled_from(RECONFIGURATIONS))
    def reconfigure(self, pick: int, kind: str) -> None:
        """Change a host's configuration, preferably a running migration's target or
        source."""
        self.settled = False
        busy = [h for m in self._unsettled() for h in (m.target, m.source)]
        hosts = list(dict.fromkeys(busy + self.hosts))
        self._reconfigure(hosts[pick % len(hosts)], kind, pick)

    def _reconfigure(self, host: str, kind: str, pick: int) -> None:
        phases = [m.phase for m in self._unsettled() if host in (m.source, m.target)]
        when = f"in phase {max(phases)}" if phases else "between migrations"
        fact = self._host(host)
        if kind == "ldm-version":
            others = [v for v in LDM_VERSIONS if v != str(fact.ldm_version)]
            self.d.ldm_version(host, others[pick % len(others)])
            self._count(f"reconfigure {kind} {when}: done")
            return
        command = _reconfiguration(fact, kind, pick)
        if command is None:
            self._count(f"reconfigure {kind}: nothing to change")
            return
        result = self._ldm(host, command)
        self._count(f"reconfigure {kind} {when}: {'done' if result.status == 0 else 'refused'}")
        if result.status == 0:
            self._disturb([host])

    def _host(self, host: str) -> Host:
        fact = self.d.system.to_fleet().host(host)
        assert fact is not None
        return fact

    # --- between the target's acceptance and phase 2 ---------------------------------------
    def _until_accepted(self) -> MigrationView | None:
        """Run events one at a time until a target accepted a pre-check and waits for
        phase 2; that migration, or None if none gets there."""
        for _ in range(_WINDOW_EVENTS):
            waiting = [
                m
                for m in self.d.system.observe().migrations
                if m.outcome is None and m.target_phase == 1 and m.target_outcome is None
            ]
            if waiting:
                return waiting[0]
            if not [m for m in self.d.system.observe().migrations if m.phase == 1 and not m.ended]:
                return None
            self.d.tick(1)
        return None

    @precondition(lambda self: self.obs is not None and bool(self._running()))
    @rule(kind=st.sampled_from(WINDOW_ACTIONS), pick=st.integers(0, 15))
    def in_acceptance_window(self, kind: str, pick: int) -> None:
        """Act on a target that accepted the pre-check but has not created the copy yet:
        its lock holds from the acceptance (DESIGN.md), so every change is refused."""
        self.settled = False
        m = self._until_accepted()
        if m is None:
            self._count("acceptance window: no target waiting for phase 2")
            return
        self._count(f"acceptance window: {kind}")
        if kind == "migrate-back":
            self._migrate_back(m)
            return
        if kind in ("own-volume", "own-switch"):
            command = self._own_device(m, kind)
            if command is None:
                self._count(f"acceptance window: {m.domain} has no {kind}")
                return
            result = self._ldm(m.target, command)
            self._count(f"acceptance window: {kind} {'done' if result.status == 0 else 'refused'}")
            return
        self._reconfigure(m.target, kind, pick)

    def _own_device(self, m: MigrationView, kind: str) -> str | None:
        """Remove, on ``m``'s target, a service ``m``'s domain needs there."""
        domain = self._host(m.source).domain(m.domain)
        target = self._host(m.target)
        if domain is None:
            return None
        if kind == "own-volume":
            exported = {(v.name, s.name) for s in target.vds for v in s.volumes}
            disks = [d for d in domain.vdisks if (d.volume, d.service) in exported]
            return f"remove-vdsdev {disks[0].volume}@{disks[0].service}" if disks else None
        switches = {s.name for s in target.vsw}
        nets = [n for n in domain.vnets if n.service in switches]
        return f"remove-vsw {nets[0].service}" if nets else None

    def _migrate_back(self, m: MigrationView) -> None:
        """A migration from ``m``'s target to its source while the target is locked."""
        guests = [
            d.name
            for d in self.now.host(m.target).domains
            if d.name not in (CONTROL_DOMAIN, m.target_name) and d.migration_flag == "-"
        ]
        if not guests:
            self._count("acceptance window: nothing to migrate back")
            return
        command = f"migrate-domain {guests[0]} root@{m.source}"
        result = self._ldm(m.target, command, password=self.passwords.get(m.source, "pw"))
        self._count(
            f"acceptance window: migrate back {'accepted' if result.status == 0 else 'refused'}"
        )

    # --- what operators read --------------------------------------------------------------
    @precondition(lambda self: self.obs is not None)
    @rule(pick=st.integers(0, 15), long=st.booleans())
    def read_listing(self, pick: int, long: bool) -> None:
        """``ldm list -p`` or ``ldm list -l -p`` parsed back with the capture parser and
        compared with the observation at the same moment."""
        busy = [h for m in self._unsettled() for h in (m.source, m.target)]
        hosts = list(dict.fromkeys(busy + self.hosts))
        host = hosts[pick % len(hosts)]
        command = "list -l -p" if long else "list -p"
        result = self._ldm(host, command)
        try:
            listed = parse_ldm_list(result.output, f"{host}# ldm {command}")
        except InputError as exc:
            # The capture parser models active, bound and inactive only.
            self._count(f"listing: skipped, the capture parser refuses it ({exc.expected})")
            return
        self._count(f"listing {command} compared")
        self._check(listing_agrees(self.d.system.observe().host(host), listed, command))


def _reconfiguration(fact: Host, kind: str, pick: int) -> str | None:
    """The ``ldm`` command that makes change ``kind`` on ``fact`` (None: nothing to do)."""
    if kind == "rm-volume":
        volumes = [f"{v.name}@{s.name}" for s in fact.vds for v in s.volumes]
        return f"remove-vdsdev {volumes[pick % len(volumes)]}" if volumes else None
    if kind == "add-volume":
        return (
            f"add-vdsdev /dev/zvol/extra{pick} extra{pick}@{fact.vds[0].name}" if fact.vds else None
        )
    if kind == "rm-vsw":
        return f"remove-vsw {fact.vsw[pick % len(fact.vsw)].name}" if fact.vsw else None
    if kind == "rm-vcc":
        return f"remove-vcc {fact.vcc[0].name}" if fact.vcc else None
    if kind == "add-vcc":
        return f"add-vcc port-range=6000-6010 extra-vcc{pick} primary"
    guests = [d for d in fact.domains if not d.is_control]
    by_state = {
        "bind": ("inactive", "bind-domain"),
        "unbind": ("bound", "unbind-domain"),
        "start": ("bound", "start-domain"),
        "stop": ("active", "stop-domain"),
    }
    if kind in by_state:
        state, verb = by_state[kind]
        chosen = [d for d in guests if d.state.value == state]
        return f"{verb} {chosen[pick % len(chosen)].name}" if chosen else None
    if kind == "grow":
        held = [d for d in guests if d.state.value != "inactive"]
        if not held:
            return None
        grown = held[pick % len(held)]
        return f"set-memory {grown.memory_size // MIB + 1024}M {grown.name}"
    stopped = [d for d in guests if d.state.value != "active"]
    return f"set-domain cpu-arch=generic {stopped[0].name}" if stopped else None
