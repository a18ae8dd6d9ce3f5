"""The whole system under test: every host's Manager, the network and the scheduler.

Build one from an inventory and drive it like an administrator would::

    dc = Datacenter.from_fleet(load_fleet("examples/fleet.toml"), seed=7)
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b")   # returns at once
    dc.guest_write("t4-a", "ldom01", 5000)                   # the guest keeps working
    dc.tick(10)                                              # ten scheduler events
    dc.run_ldm("t4-b", "list -o status ldom01").output       # migration 40% t4-a
    dc.run_until_quiescent()
    dc.drain_messages()                                      # what migrate printed at its end

Everything that happens after a command returns is a scheduler event, and every
random choice comes from the seeded scheduler, so a seed and the same calls replay a
run byte for byte. Faults are methods (:meth:`drop`, :meth:`lose_next_ack`,
:meth:`kill`, ...) applied now, or :class:`Fault` values scheduled as events with
:meth:`schedule_fault`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import ldmspec.system.messages as text
from ldmspec.errors import CommandError
from ldmspec.inventory.facts import Fleet, Host
from ldmspec.inventory.versions import LdmVersion
from ldmspec.system.behaviour import Behaviour
from ldmspec.system.config import SystemConfig
from ldmspec.system.domain import SUSPENDED, DomainRecord
from ldmspec.system.manager import CommandResult, Manager
from ldmspec.system.network import Network
from ldmspec.system.observation import (
    DomainView,
    HostView,
    MigrationView,
    Observation,
    Resources,
)
from ldmspec.system.physical import Extent
from ldmspec.system.protocol import IncomingMigration, OutgoingMigration
from ldmspec.system.scheduler import Scheduler
from ldmspec.system.variants import behaviour_for

__all__ = ["WRITE_PATTERNS", "Datacenter", "Fault", "GuestWrite", "Notice"]

WRITE_PATTERNS = ("sequential", "random", "hot")


@dataclass(frozen=True)
class Notice:
    """What a background ``ldm migrate-domain`` printed when it ended, and its status."""

    time: int
    host: str
    domain: str
    target: str
    outcome: str
    lines: tuple[str, ...]

    @property
    def status(self) -> int:
        return 0 if self.outcome == "completed" else 1

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class GuestWrite:
    """A write the guest of ``domain`` on ``host`` had acknowledged at ``time``: every
    page group of ``groups`` now holds ``value``."""

    time: int
    host: str
    domain: str
    groups: tuple[int, ...] | range
    value: int


@dataclass(frozen=True)
class Fault:
    """A fault to schedule: ``drop``/``heal`` (two hosts), ``kill`` (one host),
    ``lose-ack`` (optional source host), ``cancel`` (host and domain)."""

    kind: str
    hosts: tuple[str, ...] = ()
    domain: str = ""

    def __str__(self) -> str:
        return " ".join((self.kind, *self.hosts, *([self.domain] if self.domain else [])))


# Fault kind -> (fewest, most) hosts it names.
_FAULT_HOSTS = {
    "drop": (2, 2),
    "heal": (2, 2),
    "kill": (1, 1),
    "lose-ack": (0, 1),
    "cancel": (1, 1),
}


class Datacenter:
    """Hosts, their Logical Domains Managers, the network and the scheduler."""

    def __init__(
        self,
        hosts: Sequence[Host],
        *,
        behaviour: Behaviour | None = None,
        seed: int = 0,
        config: SystemConfig | None = None,
    ) -> None:
        self.config = config or SystemConfig()
        self.behaviour = behaviour or Behaviour()
        self.seed = seed
        self.scheduler = Scheduler(seed)
        self.network = Network(self.scheduler, latency=self.config.latency)
        self.managers: dict[str, Manager] = {}
        for host in hosts:
            self.managers[host.name] = Manager(host, self)
        self._notices: list[Notice] = []
        self._next_mid = 0
        self._before: dict[tuple[str, int], tuple[DomainView, Resources]] = {}
        self._rates: dict[tuple[str, str], tuple[int, str]] = {}
        self._writes: list[GuestWrite] | None = None  # kept once watch_writes() was called

    @classmethod
    def from_fleet(
        cls,
        fleet: Fleet,
        *,
        variant: str | None = None,
        seed: int = 0,
        config: SystemConfig | None = None,
    ) -> Datacenter:
        """The system of ``fleet``'s hosts, correct or with the fault ``variant``."""
        return cls(fleet.hosts, behaviour=behaviour_for(variant), seed=seed, config=config)

    # --- look-ups -------------------------------------------------------------------
    @property
    def variant(self) -> str | None:
        return None if self.behaviour.name == "correct" else self.behaviour.name

    def manager(self, host: str) -> Manager:
        try:
            return self.managers[host]
        except KeyError:
            known = ", ".join(self.managers)
            raise CommandError(f"no host {host!r} in this fleet; hosts: {known}") from None

    def observe_running(self, host: str, domain: str) -> bool:
        """Whether ``domain``'s guest executes on ``host`` now."""
        guest = self.manager(host).hv.guests.get(domain)
        return guest is not None and guest.running

    def _hosts(self, *names: str) -> None:
        for name in names:
            self.manager(name)

    def reachable(self, source: str, target: str) -> bool:
        return target in self.managers and self.network.is_up(source, target)

    # --- driving --------------------------------------------------------------------
    def run_ldm(
        self, host: str, command_line: str, *, password: str | None = None
    ) -> CommandResult:
        """Run ``ldm COMMAND_LINE`` on ``host``; ``password`` answers ``Target Password:``."""
        return self.manager(host).run(command_line, password=password)

    def tick(self, n: int = 1) -> int:
        """Run ``n`` scheduler events; returns how many ran (fewer when nothing is left)."""
        return self.scheduler.run(n)

    def pending(self) -> int:
        """Events still to run, not counting guests' steady background writes."""
        return self.scheduler.pending()

    def run_until_quiescent(self, limit: int = 1_000_000) -> int:
        """Run events until no foreground work is pending; returns how many ran.

        Raises :class:`CommandError` if ``limit`` events did not reach quiescence.
        """
        ran = 0
        while self.scheduler.pending() and ran < limit:
            self.scheduler.step()
            ran += 1
        if self.scheduler.pending():
            raise CommandError(f"still {self.scheduler.pending()} events pending after {limit}")
        return ran

    def run_until(self, condition: Callable[[], bool], limit: int = 100_000) -> bool:
        """Run events until ``condition()`` holds (checked before each); False if it never did."""
        for _ in range(limit):
            if condition():
                return True
            if not self.scheduler.step():
                return condition()
        return condition()

    def drain_messages(self) -> tuple[Notice, ...]:
        """What background migrations printed when they ended, since the last call."""
        notices, self._notices = tuple(self._notices), []
        return notices

    # --- the guests -----------------------------------------------------------------
    def guest_write(self, host: str, domain: str, n_pages: int, pattern: str = "sequential") -> int:
        """The guest of ``domain`` on ``host`` writes ``n_pages`` pages; returns pages written.

        ``pattern``: ``sequential`` (a run of pages from a random page), ``random``
        (pages anywhere) or ``hot`` (pages in the first 1% of memory). A domain that is
        not running (suspended, bound, elsewhere) writes nothing and returns 0.
        """
        if pattern not in WRITE_PATTERNS:
            raise CommandError(f"write pattern must be one of {', '.join(WRITE_PATTERNS)}")
        guest = self.manager(host).hv.guests.get(domain)
        record = self.manager(host).domains.get(domain)
        if guest is None or record is None or n_pages <= 0:
            return 0
        suspended = not guest.running and record.state == SUSPENDED
        if not guest.running and not (
            suspended and self.behaviour.acknowledge_write_while_suspended()
        ):
            return 0
        memory, rng = guest.memory, self.scheduler.rng
        written: tuple[int, ...] | range
        if pattern == "sequential":
            written, count = memory.pages_to_groups(rng.randrange(memory.pages), n_pages)
        else:
            # Scattered pages: each lands in its own page group, drawn without replacement
            # from the groups of the span (all memory, or the hot first 1%).
            span = memory.pages if pattern == "random" else max(1, memory.pages // 100)
            groups = memory.groups_for(span)
            count = min(n_pages, memory.pages)
            written = tuple(rng.sample(range(groups), min(count, groups)))
        if not count:
            return 0
        # A faulty guest acknowledges a write while suspended and then loses it.
        value = memory.writes + 1 if suspended else memory.write_groups(written)
        if suspended:
            memory.writes = value
        if self._writes is not None:
            self._writes.append(GuestWrite(self.scheduler.now, host, domain, written, value))
        return count

    def watch_writes(self) -> None:
        """From now on keep every write a guest acknowledges, for :meth:`drain_writes`."""
        if self._writes is None:
            self._writes = []

    def drain_writes(self) -> tuple[GuestWrite, ...]:
        """The writes guests acknowledged since the last call (after :meth:`watch_writes`),
        direct ones and those of steady dirty rates, in the order they happened."""
        writes, self._writes = tuple(self._writes or ()), [] if self._writes is not None else None
        return writes

    # --- reading memory back --------------------------------------------------------
    def read_memory(
        self, host: str, domain: str, groups: Iterable[int] | None = None
    ) -> tuple[int, ...] | None:
        """What the copy of ``domain`` on ``host`` holds, per page group (every group when
        ``groups`` is None), as its guest would read it; None when that copy has no
        memory contents (not on ``host``, or bound or inactive there).

        A group holds the value of the last write that touched it (0: never written).
        """
        guest = self.manager(host).hv.guests.get(domain)
        return None if guest is None else guest.memory.read(groups)

    def read_physical(self, host: str, pa: int, size: int) -> tuple[Extent, ...]:
        """The nonzero contents of ``host``'s physical memory in ``[pa, pa + size)``, held
        by a domain or free; a scrubbed range reads as nothing."""
        return self.manager(host).hv.read_physical(pa, size)

    def set_dirty_rate(
        self, host: str, domain: str, pages_per_tick: int, pattern: str = "sequential"
    ) -> None:
        """Make the guest write ``pages_per_tick`` pages every tick (0 stops it).

        The writes are background events: they follow the domain when it migrates and
        never keep :meth:`run_until_quiescent` from returning.
        """
        if pattern not in WRITE_PATTERNS:
            raise CommandError(f"write pattern must be one of {', '.join(WRITE_PATTERNS)}")
        self.manager(host)
        key = (host, domain)
        started = key in self._rates
        if pages_per_tick <= 0:
            self._rates.pop(key, None)
            return
        self._rates[key] = (pages_per_tick, pattern)
        if not started:
            self._schedule_activity(key)

    def _schedule_activity(self, key: tuple[str, str]) -> None:
        def act() -> None:
            if key not in self._rates:
                return
            rate, pattern = self._rates[key]
            self.guest_write(key[0], key[1], rate, pattern)
            self._schedule_activity(key)

        self.scheduler.after(1, f"guest {key[1]}@{key[0]} writes", act, background=True)

    # --- faults ---------------------------------------------------------------------
    def drop(self, a: str, b: str) -> None:
        """Cut the link between hosts ``a`` and ``b``."""
        self._hosts(a, b)
        self.network.drop(a, b)

    def heal(self, a: str, b: str) -> None:
        self._hosts(a, b)
        self.network.heal(a, b)

    def partition(self, side: Iterable[str], other: Iterable[str]) -> None:
        side, other = tuple(side), tuple(other)
        self._hosts(*side, *other)
        self.network.partition(side, other)

    def heal_all(self) -> None:
        self.network.heal_all()

    def delay(self, a: str, b: str, ticks: int) -> None:
        self._hosts(a, b)
        if ticks < 0:
            raise CommandError(f"a link delay is at least 0 ticks, got {ticks}")
        self.network.delay(a, b, ticks)

    def lose_next_ack(self, source: str | None = None) -> None:
        """Lose the next hand-off acknowledgement sent to ``source`` (any source if None)."""
        if source is not None:
            self._hosts(source)
        self.network.lose_next("HandOffAck", target=source)

    def kill(self, host: str, domain: str | None = None) -> bool:
        """KILL to one ``ldm migrate-domain`` on ``host``: the one migrating ``domain``
        (None: the oldest running there); False if none runs.

        Until the source sent the hand-off a KILL cancels the migration; from then on it
        ends only the command (its notice says ``killed``) and the migration goes on.
        """
        return self.manager(host).kill(domain)

    def set_password(self, host: str, secret: str | None) -> None:
        """What ``host`` accepts as the target password (None: any)."""
        self.manager(host).password = secret

    def set_ldm_version(self, host: str, version: str) -> None:
        """Upgrade or downgrade ``host``'s Logical Domains Manager (``2.1``, ``3.6``...).

        Migrations already past their pre-checks carry on; later pre-checks see the new
        version. A malformed version is an :class:`~ldmspec.errors.InputError`.
        """
        manager = self.manager(host)
        manager.facts = replace(manager.facts, ldm_version=LdmVersion.parse(version))

    def schedule_fault(self, fault: Fault, delay: int = 0) -> None:
        """Apply ``fault`` as a scheduler event ``delay`` ticks from now."""
        arity = _FAULT_HOSTS.get(fault.kind)
        if arity is None or not arity[0] <= len(fault.hosts) <= arity[1]:
            raise CommandError(
                f"fault {fault}: expected drop S T, heal S T, kill HOST, lose-ack [HOST] "
                "or cancel HOST (with a domain)"
            )
        for host in fault.hosts:
            self.manager(host)
        self.scheduler.after(delay, f"fault {fault}", lambda: self.apply_fault(fault))

    def apply_fault(self, fault: Fault) -> None:
        kind, hosts = fault.kind, fault.hosts
        if kind == "drop":
            self.drop(*hosts)
        elif kind == "heal":
            self.heal(*hosts)
        elif kind == "kill":
            self.kill(hosts[0], fault.domain or None)
        elif kind == "lose-ack":
            self.lose_next_ack(hosts[0] if hosts else None)
        elif kind == "cancel":
            self.run_ldm(hosts[0], f"cancel-operation migration {fault.domain}")
        else:
            raise CommandError(f"unknown fault {kind!r}: drop, heal, kill, lose-ack or cancel")

    # --- called by the managers ---------------------------------------------------------
    def transmit(self, source: str, target: str, message: object) -> None:
        if target not in self.managers:
            return
        receiver = self.managers[target]
        self.network.send(source, target, message, lambda m: receiver.receive(source, m))

    def next_migration_id(self) -> int:
        self._next_mid += 1
        return self._next_mid

    def migration_started(self, manager: Manager, migration: OutgoingMigration) -> None:
        target = self.managers[migration.target]
        domain = self._domain_view(manager, manager.domains[migration.domain])
        self._before[(manager.name, migration.mid)] = (domain, self._free(target))

    def migration_ended(self, manager: Manager, migration: OutgoingMigration) -> None:
        if migration.command_killed:
            return  # its command ended when it was killed: nobody is left to print
        self._notices.append(
            Notice(
                self.scheduler.now,
                manager.name,
                migration.domain,
                migration.target,
                migration.outcome or "",
                migration.lines,
            )
        )

    def command_killed(self, manager: Manager, migration: OutgoingMigration) -> None:
        """A KILL ended ``migration``'s command after the hand-off; the migration goes on."""
        self._notices.append(
            Notice(
                self.scheduler.now,
                manager.name,
                migration.domain,
                migration.target,
                "killed",
                (text.KILLED,),
            )
        )

    def domain_moved(self, incoming: IncomingMigration) -> None:
        """A domain resumed on its target: its guest's steady writes follow it."""
        old = (incoming.source, incoming.request.domain.name)
        if old in self._rates:
            new = (incoming.manager.name, incoming.domain)
            self._rates[new] = self._rates.pop(old)
            self._schedule_activity(new)

    # --- observation ----------------------------------------------------------------
    def observe(self) -> Observation:
        """A frozen snapshot of every host and every migration."""
        hosts = tuple(self._host_view(m) for m in self.managers.values())
        migrations = tuple(
            self._migration_view(m, out)
            for m in self.managers.values()
            for out in m.outgoing.values()
        )
        return Observation(
            self.scheduler.now,
            self.scheduler.executed,
            self.scheduler.pending(),
            hosts,
            tuple(sorted(migrations, key=lambda v: v.id)),
            self.network.down_links,
        )

    def to_inventory(self, host: str) -> Host:
        """``host`` as an inventory fact now (suspended counts as active, a target as bound)."""
        return self.manager(host).to_inventory()

    def to_fleet(self) -> Fleet:
        return Fleet(tuple(m.to_inventory() for m in self.managers.values()))

    def _domain_view(self, manager: Manager, record: DomainRecord) -> DomainView:
        guest = manager.hv.guests.get(record.name)
        return DomainView(
            name=record.name,
            state=record.state,
            flags=record.flags,
            vcpus=record.vcpus,
            memory=record.memory_size,
            console_port=record.port,
            strands=tuple(record.strands),
            blocks=tuple(record.blocks),
            digest=guest.memory.digest() if guest else None,
            running=bool(guest and guest.running),
        )

    def _free(self, manager: Manager) -> Resources:
        return Resources(
            len(manager.hv.free_strands), manager.hv.free_memory_size, manager.free_ports()
        )

    def _host_view(self, manager: Manager) -> HostView:
        hv = manager.hv
        return HostView(
            name=manager.name,
            domains=tuple(self._domain_view(manager, r) for r in manager.domains.values()),
            strands_total=hv.total_strands,
            strands_free=len(hv.free_strands),
            memory_total=hv.total_memory,
            memory_free=hv.free_memory_size,
            ports_total=manager.total_ports(),
            ports_free=manager.free_ports(),
            unscrubbed_bytes=hv.unscrubbed,
            memory_scrubbing=hv.scrubbing_memory,
            free_ranges=tuple(hv.free_memory),
        )

    def _migration_view(self, manager: Manager, out: OutgoingMigration) -> MigrationView:
        target = self.managers[out.target]
        inc = target.incoming.get(out.mid)
        before_domain, before_free = self._before[(manager.name, out.mid)]
        return MigrationView(
            id=out.mid,
            domain=out.domain,
            target_name=out.target_name,
            source=manager.name,
            target=out.target,
            live=out.live,
            phase=out.phase,
            outcome=out.outcome,
            resolution=out.resolution,
            progress=out.progress,
            target_phase=inc.phase if inc else None,
            target_progress=inc.progress if inc else None,
            target_outcome=inc.outcome if inc else None,
            rounds=out.rounds,
            pages_sent=out.pages_sent,
            dirty_pages_per_round=tuple(out.dirty_per_round),
            pages_dirtied_while_suspended=out.dirtied_while_suspended,
            suspended_digest=out.suspended_digest,
            resumed_digest=self.behaviour.reported_resumed_digest(
                inc.resumed_digest if inc else None, out.suspended_digest
            ),
            cancelled_by=out.cancelling,
            started_at=out.started_at,
            ended_at=out.ended_at,
            source_domain_before=before_domain,
            target_free_before=before_free,
            lines=out.lines,
            suspended_at=out.suspended_at,
            resumed_at=inc.resumed_at if inc else None,
            command_killed=out.command_killed,
            target_settled=inc.settled if inc else None,
        )
