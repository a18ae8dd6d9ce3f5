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
    PAGE,
    PATTERNS,
    RATES,
    SCATTERED_LIMIT,
    WRITE_FRACTIONS,
    MachineBase,
)

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
        self._write(host, domain, pages, pattern)
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
        self._rate(host, domain, pages, pattern)

    @precondition(lambda self: self.obs is not None and any(m.live for m in self._running()))
    @rule(fraction=st.sampled_from((0.1, 0.5, 1.0)), while_suspended=st.booleans())
    def write_around_suspension(self, fraction: float, while_suspended: bool) -> None:
        """A large final dirty set (a burst at the end of pre-copy), then maybe writes
        while the source is suspended (phase 4): whatever was acknowledged must reach the
        target, and a suspended guest acknowledges nothing."""
        self.settled = False
        m = next(m for m in self._running() if m.live)
        if m.phase < 3:
            self.d.until_phase(3)
        now = self.d.system.observe().migration(m.id)
        if now.ended or now.phase > 3:
            self._count("final dirty set: the migration moved on first")
            return
        pages = max(1, int(now.source_domain_before.memory // PAGE * fraction))
        self._write(m.source, m.domain, pages, "sequential")
        self._count(f"final dirty set of {fraction:.0%} of memory")
        if while_suspended:
            self.d.until_phase(4)
            now = self.d.system.observe().migration(m.id)
            if now.phase == 4 and not now.ended:
                self._write(m.source, m.domain, SCATTERED_LIMIT, "random")
                self._count("write while suspended (phase 4)")

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
