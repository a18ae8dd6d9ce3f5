"""The migration machine's rules for the environment: guests, the network, operators.

Guest write bursts and steady dirty rates; drop, partition and heal links, lose the
hand-off acknowledgement and recover from the error state as documented; change a
host's configuration under a migration (remove a volume or virtual switch, bind a
domain, grow a domain, change a cpu-arch or the Manager's version).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from ldmspec.properties.machine_base import (
    LDM_VERSIONS,
    PAGE,
    PATTERNS,
    RATES,
    RECONFIGURATIONS,
    SCATTERED_LIMIT,
    WRITE_FRACTIONS,
    MachineBase,
)

from ldmspec.inventory.units import MIB

__all__ = ["EnvironmentRules"]


class EnvironmentRules(MachineBase):
    """Rules a guest, the network or an operator applies."""

    # --- guests ---------------------------------------------------------------------------

    @precondition(lambda self: self.obs is not None and bool(self._running_guests()))
    @rule(
        pick=st.integers(0, 15),
        fraction=st.sampled_from(WRITE_FRACTIONS),
        pattern=st.sampled_from(PATTERNS),
    )
    def guest_write(self, pick: int, fraction: float, pattern: str) -> None:
        self.settled = False
        guests = self._running_guests()
        host, domain, memory = guests[pick % len(guests)]
        pages = max(1, int(memory // PAGE * fraction))
        if pattern != "sequential":
            pages = min(pages, SCATTERED_LIMIT)  # each scattered page costs a random draw
        self.d.write(host, domain, pages, pattern)
        phase = self._phase_of(host, domain)
        self._count(f"write burst in phase {phase}" if phase else "write burst, no migration")

    @precondition(lambda self: self.obs is not None and bool(self._running_guests()))
    @rule(pick=st.integers(0, 15), pages=st.sampled_from(RATES), pattern=st.sampled_from(PATTERNS))
    def dirty_rate(self, pick: int, pages: int, pattern: str) -> None:
        self.settled = False
        guests = self._running_guests()
        host, domain, _ = guests[pick % len(guests)]
        if pattern != "sequential":
            pages = min(pages, SCATTERED_LIMIT // 4)
        self.d.rate(host, domain, pages, pattern)

    # --- the network ----------------------------------------------------------------------
    def _links(self) -> list[tuple[str, str]]:
        busy = [(m.source, m.target) for m in self._unsettled()]
        rest = [(a, b) for i, a in enumerate(self.hosts) for b in self.hosts[i + 1 :]]
        return busy + [link for link in rest if link not in busy]

    @precondition(lambda self: self.obs is not None and bool(self._unsettled()))
    @rule(pick=st.integers(0, 7))
    def drop_link(self, pick: int) -> None:
        self.settled = False
        links = self._links()
        a, b = links[pick % len(links)]
        self._fault([a, b], f"link {a}-{b} dropped")
        self.d.drop(a, b)

    @precondition(
        lambda self: self.obs is not None and len(self.hosts) > 2 and bool(self._unsettled())
    )
    @rule(pick=st.integers(0, 7))
    def partition(self, pick: int) -> None:
        self.settled = False
        side = self.hosts[pick % len(self.hosts)]
        self._fault(self.hosts, f"partition {side} | rest")
        for other in self.hosts:
            if other != side:
                self.d.drop(side, other)

    @precondition(lambda self: self.obs is not None and bool(self.now.down_links))
    @rule(pick=st.integers(0, 7), everything=st.booleans())
    def heal(self, pick: int, everything: bool) -> None:
        self.settled = False
        down = list(self.now.down_links)
        for a, b in down if everything else [down[pick % len(down)]]:
            self.d.heal(a, b)

    @precondition(lambda self: self.obs is not None and bool(self._unsettled()))
    @rule(pick=st.integers(0, 7))
    def lose_ack(self, pick: int) -> None:
        self.settled = False
        sources = [m.source for m in self._running()] or self.hosts
        source = sources[pick % len(sources)]
        self.armed_acks.add(source)
        self._fault([source], f"hand-off acknowledgement to {source} will be lost")
        self.d.lose_ack(source)

    @precondition(lambda self: self.obs is not None and bool(self._in_error()))
    @rule(pick=st.integers(0, 7))
    def recover_from_error(self, pick: int) -> None:
        """The documented recovery: destroy S's copy if T runs D, otherwise cancel."""
        self.settled = False
        errors = self._in_error()
        m = errors[pick % len(errors)]
        self._recover(m)

    # --- configuration changes ------------------------------------------------------------
    @precondition(lambda self: self.obs is not None)
    @rule(pick=st.integers(0, 7), kind=st.sampled_from(RECONFIGURATIONS))
    def reconfigure(self, pick: int, kind: str) -> None:
        """Change a host's configuration, preferably the target of a running migration."""
        self.settled = False
        targets = [m.target for m in self._unsettled()]
        hosts = targets + [h for h in self.hosts if h not in targets]
        host = hosts[pick % len(hosts)]
        phases = [m.phase for m in self._unsettled() if host in (m.source, m.target)]
        when = f"in phase {max(phases)}" if phases else "between migrations"
        if kind == "ldm-version":
            fact = self.d.system.to_fleet().host(host)
            assert fact is not None
            others = [v for v in LDM_VERSIONS if v != str(fact.ldm_version)]
            self.d.ldm_version(host, others[pick % len(others)])
            self._count(f"reconfigure {kind} {when}: done")
            return
        command = self._reconfiguration(host, kind)
        if command is None:
            self._count(f"reconfigure {kind}: nothing to change")
            return
        result = self.d.ldm(host, command)
        self._count(f"reconfigure {kind} {when}: {'done' if result.status == 0 else 'refused'}")
        if result.status == 0:
            self._disturb([host])

    def _reconfiguration(self, host: str, kind: str) -> str | None:
        fact = self.d.system.to_fleet().host(host)
        assert fact is not None
        if kind == "rm-volume":
            volumes = [f"{v.name}@{s.name}" for s in fact.vds for v in s.volumes]
            return f"remove-vdsdev {volumes[0]}" if volumes else None
        if kind == "rm-vsw":
            return f"remove-vsw {fact.vsw[0].name}" if fact.vsw else None
        guests = [d for d in fact.domains if not d.is_control]
        if kind == "bind":
            idle = [d for d in guests if d.state.value == "inactive"]
            return f"bind-domain {idle[0].name}" if idle else None
        if kind == "grow":
            bound = [d for d in guests if d.state.value != "inactive"]
            if not bound:
                return None
            grown = bound[0]
            return f"set-memory {grown.memory_size // MIB + 1024}M {grown.name}"
        stopped = [d for d in guests if d.state.value != "active"]
        return f"set-domain cpu-arch=generic {stopped[0].name}" if stopped else None
