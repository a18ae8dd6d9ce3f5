"""The Logical Domains Manager of one host: its domains, services and ``ldm`` commands.

A :class:`Manager` executes parsed ``ldm`` commands against its domain records and its
:class:`~ldmspec.system.hypervisor.Hypervisor`, and plays both roles of the migration
protocol (source: :class:`OutgoingMigration`, target: :class:`IncomingMigration`).
Everything it prints is a :class:`CommandResult`; wrong commands print ``ldm``'s usage
and exit 1, never raise.

While a migration holds a host's lock (the source from ``ldm migrate-domain``, the
target from the moment its pre-check accepts the domain, both until the migration ends
there), commands that change domains or services on that host are refused with one
line (dossier §7.4); ``ldm list``, ``ldm -V``, ``cancel-operation`` and removing a source
copy in error state keep working. A host takes part in at most
``SystemConfig.max_migrations_per_host`` migrations at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import ldmspec.inventory.render as render
import ldmspec.system.listing as listing
import ldmspec.system.messages as text
from ldmspec.errors import InputError
from ldmspec.inventory.facts import Console, Host, MemoryBlock, Vcc, Vds, Volume, Vsw
from ldmspec.inventory.placement import RA_BASE
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.units import format_size
from ldmspec.system.behaviour import Behaviour
from ldmspec.system.config import SystemConfig
from ldmspec.system.domain import ACTIVE, BOUND, INACTIVE, DomainRecord
from ldmspec.system.hypervisor import Hypervisor
from ldmspec.system.ldm_command import LdmCommand, UsageError, parse_ldm
from ldmspec.system.precheck import may_split, needs_whole_cores
from ldmspec.system.protocol import CheckReply, CheckRequest, IncomingMigration, OutgoingMigration
from ldmspec.system.result import CommandResult
from ldmspec.system.result import error as _error
from ldmspec.system.result import ok as _ok
from ldmspec.system.scheduler import Scheduler
from ldmspec.system.services import ServiceCommands

__all__ = ["CommandResult", "Fabric", "Manager"]


# Commands a running migration never blocks (they change no domain, or resolve one).
_NEVER_BLOCKED = ("migrate-domain", "cancel-operation")


class Fabric(Protocol):
    """What joins the Managers: the network, the clock, the fleet's book of migrations.

    :class:`~ldmspec.system.datacenter.Datacenter` is one.
    """

    @property
    def config(self) -> SystemConfig: ...

    @property
    def scheduler(self) -> Scheduler: ...

    @property
    def behaviour(self) -> Behaviour: ...

    def manager(self, host: str) -> Manager: ...

    def reachable(self, source: str, target: str) -> bool: ...

    def transmit(self, source: str, target: str, message: object) -> None: ...

    def next_migration_id(self) -> int: ...

    def migration_started(self, manager: Manager, migration: OutgoingMigration) -> None: ...

    def migration_ended(self, manager: Manager, migration: OutgoingMigration) -> None: ...

    def command_killed(self, manager: Manager, migration: OutgoingMigration) -> None: ...

    def domain_moved(self, incoming: IncomingMigration) -> None: ...


class Manager(ServiceCommands):
    """``ldmd`` on one host's control domain."""

    def __init__(self, host: Host, datacenter: Fabric) -> None:
        self.datacenter = datacenter
        self.name = host.name
        self.facts = host  # processor, versions, sizes: what never changes
        self.password: str | None = None
        self.vds: dict[str, dict[str, str]] = {
            s.name: {v.name: v.device for v in s.volumes} for s in host.vds
        }
        self.vsw: dict[str, str] = {s.name: s.net_dev for s in host.vsw}
        self.vcc: dict[str, tuple[int, int]] = {s.name: (s.port_lo, s.port_hi) for s in host.vcc}
        self.used_ports: dict[str, set[int]] = {name: set() for name in self.vcc}
        self.hv = Hypervisor(
            cores=host.cores,
            threads_per_core=host.threads_per_core,
            memory=host.memory,
            largest_page=host.largest_page,
            group_pages=self.config.group_pages,
            max_groups=self.config.max_groups,
            scrub_on_release=self.behaviour.scrub_on_destroy(),
            admit_unscrubbed=self.behaviour.admit_unscrubbed(),
        )
        self.domains: dict[str, DomainRecord] = {}
        for fact in host.domains:
            record = DomainRecord.from_inventory(fact)
            self.domains[record.name] = record
            if record.holds_resources:
                self.hv.take_strands(record.strands)
                self.hv.take_memory(record.blocks)
                if record.port is not None and record.console is not None:
                    self.used_ports.setdefault(record.console.vcc, set()).add(record.port)
            if record.state == ACTIVE:
                guest = self.hv.create_guest(record.name, record.memory_size, record.blocks)
                guest.running = True
        self._mark_service_domain()
        self.outgoing: dict[int, OutgoingMigration] = {}
        self.incoming: dict[int, IncomingMigration] = {}

    # --- wiring ---------------------------------------------------------------------
    @property
    def config(self) -> SystemConfig:
        return self.datacenter.config

    @property
    def scheduler(self) -> Scheduler:
        return self.datacenter.scheduler

    @property
    def behaviour(self) -> Behaviour:
        return self.datacenter.behaviour

    def send(self, peer: str, message: object) -> None:
        self.datacenter.transmit(self.name, peer, message)

    def receive(self, sender: str, message: object) -> None:
        """A protocol message from ``sender``'s manager."""
        if isinstance(message, CheckRequest):
            reply = self.check_incoming(message)
            if reply is not None:
                self.send(sender, reply)
            return
        mid = getattr(message, "mid", None)
        if mid in self.outgoing and self.outgoing[mid].target == sender:
            self.outgoing[mid].receive(message)
        elif mid in self.incoming and self.incoming[mid].source == sender:
            self.incoming[mid].receive(message)

    # --- the target's phase 1 -------------------------------------------------------
    def check_incoming(self, request: CheckRequest) -> CheckReply | None:
        """Authenticate and pre-check a domain a source wants to send here (None: the
        answer comes later)."""
        if not self.behaviour.password_accepted(self.password, request.password):
            return CheckReply(request.mid, refusal=text.AUTH_FAILED.format(target=self.name))
        if self.hv.scrubbing:
            size = format_size(self.hv.scrubbing_memory)
            return CheckReply(request.mid, refusal=text.SCRUBBING.format(size=size))
        if not request.dry_run and self.busy(excluding=request.mid):
            if self.behaviour.wait_for_busy_target():
                label = f"{self.name} holds the checks of #{request.mid} until it is free"
                self.scheduler.after(1, label, lambda: self.receive(request.source, request))
                return None
            return CheckReply(request.mid, refusal=text.BUSY_HOST.format(host=self.name))
        problems = self.behaviour.precheck(
            request.source_host, self.to_inventory(), request.domain.name, request.new_name
        )
        if not problems and not request.dry_run:
            self.incoming[request.mid] = IncomingMigration(self, request)
        return CheckReply(request.mid, problems)

    def create_target_domain(self, request: CheckRequest, name: str) -> DomainRecord | str:
        """Phase 2: the domain created bound (FLAGS ``t``) to receive ``request``'s domain."""
        fact = request.domain
        # The checks ran a while ago: another migration may have taken the name or the host.
        if name in self.domains:
            return f"a domain named {name} already exists"
        if self.busy(excluding=request.mid):
            return "another migration is in progress on this machine"
        record = DomainRecord.from_inventory(fact)
        record.name = name
        if record.console is not None and record.console.group == fact.name:
            # A console group named after the domain (the default) follows its new name.
            record.console = Console(record.console.vcc, record.console.port, name)
        record.state = BOUND if fact.holds_resources else INACTIVE
        record.migration = "t"
        record.strands, record.blocks, record.port = (), (), None
        if fact.holds_resources:
            split = may_split(fact, request.source_host, self.to_inventory())
            failure = self._allocate_for_migration(record, fact.memory, split=split)
            if failure:
                return failure
        self.domains[name] = record
        if fact.state.value == ACTIVE:
            self.hv.create_guest(name, record.memory_size, record.blocks)
        return record

    def _allocate_for_migration(
        self, record: DomainRecord, blocks: tuple[MemoryBlock, ...], *, split: bool
    ) -> str | None:
        if record.console is not None and record.state == BOUND and not self.free_ports():
            # VIO-3/VIO-4 bind live migrations only, and a migration recreates the console
            # on any free port (dossier 6.2): a cold arrival with none free arrives without one.
            record.console = None
        strands = self.hv.allocate_strands(
            record.vcpus, whole_core=needs_whole_cores(record.to_inventory())
        )
        if strands is None:
            return "not enough free vCPUs"
        placed = self.hv.allocate_congruent(blocks, may_split=split)
        if placed is None:
            self.hv.release_strands(strands)
            return "no congruent free memory"
        record.strands, record.blocks = strands, placed
        if record.console is not None and record.state == BOUND:
            self._take_console_port(record, prefer_vcc=record.console.vcc)
        return None

    def domain_arrived(self, incoming: IncomingMigration) -> None:
        self.datacenter.domain_moved(incoming)

    # --- the source's side ----------------------------------------------------------
    def migration_ended(self, migration: OutgoingMigration) -> None:
        self.datacenter.migration_ended(self, migration)

    def command_killed(self, migration: OutgoingMigration) -> None:
        self.datacenter.command_killed(self, migration)

    def running_migrations(self) -> list[OutgoingMigration | IncomingMigration]:
        """The migrations that hold this host's lock now."""
        out: list[OutgoingMigration | IncomingMigration] = [
            m for m in self.outgoing.values() if m.outcome is None
        ]
        out += [m for m in self.incoming.values() if m.holds_lock]
        return out

    def busy(self, *, excluding: int | None = None) -> bool:
        """Whether this host takes part in as many migrations as it may (not counting
        migration ``excluding``: a host migrating a domain to itself)."""
        running = [m for m in self.running_migrations() if m.mid != excluding]
        return len(running) >= self.behaviour.migration_cap(self.config.max_migrations_per_host)

    def kill(self, domain: str | None = None) -> bool:
        """KILL to one ``ldm migrate-domain`` running here: the one migrating ``domain``
        (None: the oldest); False when there is none."""
        running = [
            m
            for m in self.outgoing.values()
            if m.outcome is None and not m.command_killed and domain in (None, m.domain)
        ]
        if running:
            running[0].kill()
        return bool(running)

    # --- resources ------------------------------------------------------------------
    def destroy_domain(self, name: str) -> None:
        """Remove ``name``: stop its guest, scrub its memory, free everything it held."""
        record = self.domains.pop(name)
        self._release(record)

    def _release(self, record: DomainRecord) -> None:
        had_contents = record.name in self.hv.guests
        self.hv.destroy_guest(record.name)  # its contents stay in its memory until scrubbed
        if record.holds_resources:
            self.hv.release_strands(record.strands)
            rate = self.config.scrub_ticks_per_gib
            if rate and had_contents and self.hv.scrub_on_release and record.blocks:
                self._scrub_later(record.blocks, rate)
            else:
                self.hv.release_memory(record.blocks)
            if (
                record.port is not None
                and record.console is not None
                and self.behaviour.release_console_port()
            ):
                self.used_ports.get(record.console.vcc, set()).discard(record.port)
        record.strands, record.blocks, record.port = (), (), None

    def _scrub_later(self, blocks: tuple[MemoryBlock, ...], ticks_per_gib: int) -> None:
        size = sum(b.size for b in blocks)
        ticks = max(1, -(-size * ticks_per_gib // (1 << 30)))
        self.hv.begin_scrub(blocks)
        self.scheduler.after(
            ticks,
            f"scrubbed {self.name} {format_size(size)}",
            lambda: self.hv.end_scrub(blocks),
        )

    def _take_console_port(self, record: DomainRecord, prefer_vcc: str) -> None:
        assert record.console is not None
        order = sorted(self.vcc, key=lambda n: n != prefer_vcc)
        for vcc in order:
            lo, hi = self.vcc[vcc]
            used = self.used_ports.setdefault(vcc, set())
            wanted = record.console.port
            free = [p for p in range(lo, hi + 1) if p not in used]
            if not free:
                continue
            port = wanted if wanted in free and vcc == record.console.vcc else free[0]
            used.add(port)
            record.port = port
            record.console = Console(vcc, record.console.port, record.console.group)
            return

    def free_ports(self) -> int:
        return sum(
            (hi - lo + 1) - len(self.used_ports.get(name, set()))
            for name, (lo, hi) in self.vcc.items()
        )

    def total_ports(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.vcc.values())

    # --- inventory view -------------------------------------------------------------
    def to_inventory(self) -> Host:
        """This host as an inventory fact, as the manager sees it now."""
        return Host(
            name=self.name,
            cpu=self.facts.cpu,
            clock_mhz=self.facts.clock_mhz,
            stick_frequency=self.facts.stick_frequency,
            ldm_version=self.facts.ldm_version,
            os=self.facts.os,
            cores=self.facts.cores,
            threads_per_core=self.facts.threads_per_core,
            memory=self.facts.memory,
            largest_page=self.facts.largest_page,
            vds=tuple(
                Vds(n, tuple(sorted(Volume(v, d) for v, d in vols.items())))
                for n, vols in self.vds.items()
            ),
            vsw=tuple(Vsw(n, dev) for n, dev in self.vsw.items()),
            vcc=tuple(Vcc(n, lo, hi) for n, (lo, hi) in self.vcc.items()),
            domains=tuple(r.to_inventory() for r in self.domains.values()),
        )

    # --- ldm ------------------------------------------------------------------------
    def run(self, line: str, *, password: str | None = None) -> CommandResult:
        """Run ``ldm LINE`` on this host. ``password`` answers ``Target Password:``."""
        try:
            command = parse_ldm(line)
        except UsageError as exc:
            return _error(str(exc))
        if self.hv.scrubbing:
            # Dossier §11.4: ldm is unresponsive until the hypervisor finished scrubbing.
            return _error(text.SCRUBBING.format(size=format_size(self.hv.scrubbing_memory)))
        if command.name == "version":
            return _ok(render.ldm_version(self.to_inventory()).rstrip("\n"))
        handler = self._handlers()[command.name]
        if not command.name.startswith("list") and command.name not in _NEVER_BLOCKED:
            refusal = self._refuse_change(command)
            if refusal is not None:
                return refusal
        return handler(command, password)

    def _handlers(self) -> dict[str, Callable[[LdmCommand, str | None], CommandResult]]:
        return {
            "list-domain": lambda c, _: self._list(c),
            # Whole-host listings in the capture formats of ldmspec.inventory.render.
            "list-services": lambda c, _: _ok(render.ldm_list_services_p(self.to_inventory())),
            "list-devices": lambda c, _: _ok(self._list_devices(c)),
            "list-constraints": lambda c, _: _ok(
                render.ldm_list_constraints_x(self.to_inventory())
            ),
            "migrate-domain": self._migrate,
            "cancel-operation": lambda c, _: self._cancel(c),
            "bind-domain": lambda c, _: self._bind(c.domains[0]),
            "unbind-domain": lambda c, _: self._unbind(c.domains[0]),
            "start-domain": lambda c, _: self._start(c.domains[0]),
            "stop-domain": lambda c, _: self._stop(c.domains[0]),
            "remove-domain": lambda c, _: self._remove(c.domains[0]),
            "add-vdsdev": lambda c, _: self._add_vdsdev(c),
            "remove-vdsdev": lambda c, _: self._rm_vdsdev(c),
            "add-vsw": lambda c, _: self._add_vsw(c),
            "remove-vsw": lambda c, _: self._rm_vsw(c),
            "add-vcc": lambda c, _: self._add_vcc(c),
            "remove-vcc": lambda c, _: self._rm_vcc(c),
            "set-domain": lambda c, _: self._set_domain(c),
            "set-vcpu": lambda c, _: self._set_vcpu(c),
            "set-memory": lambda c, _: self._set_memory(c),
        }

    def _refuse_change(self, command: LdmCommand) -> CommandResult | None:
        record = self._record(command.domains[0]) if command.domains else None
        if command.name == "remove-domain" and record is not None and record.migration == "e":
            return None  # the operator's recovery stays available under any lock
        for name in command.domains:
            record = self.domains.get(name)
            if record is not None and record.migration != "-" and command.name != "remove-domain":
                return _error(text.BUSY_DOMAIN.format(domain=name))
            arrived = self._arrived_unsettled(name)
            if arrived is not None:
                # T keeps D locked until S settled the hand-off: S's recovery advice reads
                # whether D runs here, so D must not stop or go while S may act on it.
                arrived.ask_settled()  # the Settled message may have been lost
                return _error(text.UNSETTLED_CHANGE.format(domain=name, source=arrived.source))
        if self.running_migrations():
            return _error(text.BUSY_HOST.format(host=self.name))
        return None

    def _record(self, name: str) -> DomainRecord | None:
        return self.domains.get(name)

    def _error_copy(self, domain: str) -> OutgoingMigration | None:
        """The migration whose lost acknowledgement left ``domain`` here in error state."""
        return next(
            (
                out
                for out in self.outgoing.values()
                if out.domain == domain
                and out.outcome == "error"
                and out.resolution is None
                and domain in self.domains
            ),
            None,
        )

    def _arrived_unsettled(self, domain: str) -> IncomingMigration | None:
        """The migration that brought ``domain`` here whose source has not settled yet."""
        return next((m for m in self.incoming.values() if m.domain == domain and m.unsettled), None)

    def _migration_lock(self, domain: str, *, dry_run: bool) -> str | None:
        """Why the locks refuse ``migrate-domain domain`` here now (one line), or None."""
        arrived = self._arrived_unsettled(domain)
        if arrived is not None:
            if not dry_run:  # INV-DRY-RUN: -n sends nothing
                arrived.ask_settled()  # the Settled message may have been lost
            return text.UNSETTLED.format(domain=domain, source=arrived.source)
        if not dry_run and self.busy():
            return text.BUSY_HOST.format(host=self.name)
        return None

    # --- list -----------------------------------------------------------------------
    def _list(self, command: LdmCommand) -> CommandResult:
        records = list(self.domains.values())
        if command.domains:
            missing = [n for n in command.domains if n not in self.domains]
            if missing:
                return _error(*(text.LIST_NOT_FOUND.format(domain=n) for n in missing))
            records = [self.domains[n] for n in command.domains]
        fmt = command.value("format")
        now = self.scheduler.now
        version = self.facts.ldm_version.release
        if fmt:
            return _ok(listing.render_formats(
                records, fmt.split(","), self._status_of, version, parseable="p" in command.options
            ))  # fmt: skip
        if "p" in command.options:
            long = "l" in command.options
            return _ok(listing.render_parseable(records, now, version, long=long))
        if "l" in command.options:
            return _ok(listing.render_long(records, now, self))
        return _ok(listing.render_list(records, now, version))

    def _list_devices(self, command: LdmCommand) -> str:
        host = self.to_inventory()
        if command.operand == "memory":
            return render.ldm_list_devices_memory(host, parseable="p" in command.options)
        return render.ldm_list_devices_a_p(host)

    def _status_of(self, domain: str) -> tuple[str, int, str, str] | None:
        """``(operation, progress, TARGET|SOURCE, peer)`` of a running migration of ``domain``."""
        for out in self.outgoing.values():
            if out.domain == domain and out.outcome is None:
                return ("migration", out.progress, "TARGET", out.target)
        for inc in self.incoming.values():
            if inc.domain == domain and inc.outcome is None and inc.phase >= 2:
                return ("migration", inc.progress, "SOURCE", inc.source)
        return None

    # --- migrate --------------------------------------------------------------------
    def _migrate(self, command: LdmCommand, password: str | None) -> CommandResult:
        domain = command.domains[0]
        dry_run = "n" in command.options
        refusal = self._migration_lock(domain, dry_run=dry_run)
        if refusal is not None:
            return _error(refusal)
        verdict = text.WOULD_FAIL if dry_run else text.FAILED
        lines: list[str] = []
        path = command.value("password_file")
        if path is None:
            lines.append(text.PASSWORD_PROMPT)
        else:
            try:
                password = read_password_file(path)
            except InputError:
                return _error(text.PASSWORD_FILE.format(path=path), verdict.format(domain=domain))
        record = self._record(domain)
        if record is None:
            return _error(
                *lines,
                text.NOT_ON_SOURCE.format(domain=domain, host=self.name),
                verdict.format(domain=domain),
            )
        if record.migration != "-" or any(
            m.domain == domain and m.outcome is None for m in self.outgoing.values()
        ):
            return _error(
                *lines,
                text.ALREADY_MIGRATING.format(domain=domain),
                verdict.format(domain=domain),
            )
        target = command.target_host
        if not self.datacenter.reachable(self.name, target):
            return _error(
                *lines, text.UNREACHABLE.format(target=target), verdict.format(domain=domain)
            )
        if dry_run:
            return self._dry_run(record, command, password, lines)
        mid = self.datacenter.next_migration_id()
        migration = OutgoingMigration(self, mid, record, target, command.new_name, password)
        self.outgoing[mid] = migration
        self.datacenter.migration_started(self, migration)
        migration.start()
        return _ok(*lines)

    def _dry_run(
        self, record: DomainRecord, command: LdmCommand, password: str | None, lines: list[str]
    ) -> CommandResult:
        # Phase 1 only, answered by the target at once: a dry run sends no pages and
        # creates nothing, so it needs no background work.
        target = self.datacenter.manager(command.target_host)
        request = CheckRequest(
            0,
            self.name,
            record.to_inventory(),
            self.to_inventory(),
            command.new_name,
            dry_run=True,
            password=password,
        )
        reply = target.check_incoming(request)
        assert reply is not None  # a dry run is answered at once
        if self.behaviour.dry_run_creates_target() and not reply.problems and not reply.refusal:
            created = target.create_target_domain(request, command.new_name or record.name)
            if isinstance(created, DomainRecord):
                created.migration = "-"
        if reply.refusal or reply.problems:
            found = [reply.refusal] if reply.refusal else [str(p) for p in reply.problems]
            return _error(*lines, *found, text.WOULD_FAIL.format(domain=record.name))
        return _ok(*lines)

    # --- cancel ---------------------------------------------------------------------
    def _cancel(self, command: LdmCommand) -> CommandResult:
        domain = command.domains[0]
        if command.operand == "reconf":
            return _error(text.NO_RECONF.format(domain=domain))
        for out in self.outgoing.values():
            if out.domain == domain and out.outcome is None:
                if not out.cancellable:
                    return _error(text.IN_HANDOFF.format(domain=domain, target=out.target))
                out.cancel("cancel")
                return _ok()
        error_copy = self._error_copy(domain)
        if error_copy is not None:
            error_copy.resume_after_error()
            return _ok()
        record = self._record(domain)
        if record is not None and record.migration == "e":
            # In error since before this system started (a capture): clear the error.
            record.migration = "-"
            return _ok()
        for inc in self.incoming.values():
            if inc.domain == domain and inc.outcome is None and inc.phase >= 2:
                if self.behaviour.target_forwards_cancel():
                    inc.forward_cancel()
                    return _ok()
                if self.behaviour.target_accepts_cancel():
                    inc.cancel_here()
                    return _ok()
                return _error(
                    text.CANCEL_ON_TARGET.format(domain=domain, host=self.name, source=inc.source)
                )
        if domain not in self.domains:
            return _error(text.NOT_FOUND.format(domain=domain))
        return _error(text.NO_MIGRATION.format(domain=domain))

    # --- domain life cycle ----------------------------------------------------------
    def _bind(self, name: str) -> CommandResult:
        record = self._record(name)
        if record is None:
            return _error(text.NOT_FOUND.format(domain=name))
        if record.state != INACTIVE:
            return _error(text.ALREADY_BOUND.format(domain=name))
        if record.console is not None and not self.free_ports():
            return _error(text.BIND_NO_PORT.format(domain=name))  # bound holds its port
        if missing := [f"{d.volume}@{d.service}" for d in record.vdisks if d.volume not in self.vds.get(d.service, {})] + [n.service for n in record.vnets if n.service not in self.vsw]:  # noqa: E501  # fmt: skip
            return _error(text.BIND_NO_SERVICE.format(domain=name, service=missing[0]))
        strands = self.hv.allocate_strands(record.vcpus, whole_core=record.whole_core)
        if strands is None:
            return _error(text.BIND_NO_VCPUS.format(domain=name))
        blocks = self.hv.allocate_memory(record.memory_size)
        if blocks is None:
            self.hv.release_strands(strands)
            return _error(text.BIND_NO_MEMORY.format(domain=name))
        record.strands, record.blocks, record.state = strands, blocks, BOUND
        if record.console is not None:
            self._take_console_port(record, prefer_vcc=record.console.vcc)
        return _ok()

    def _unbind(self, name: str) -> CommandResult:
        record = self._record(name)
        if record is None:
            return _error(text.NOT_FOUND.format(domain=name))
        if record.state != BOUND:
            return _error(text.UNBIND_STATE.format(domain=name))
        self._release(record)
        record.state = INACTIVE
        return _ok()

    def _start(self, name: str) -> CommandResult:
        record = self._record(name)
        if record is None:
            return _error(text.NOT_FOUND.format(domain=name))
        if record.state != BOUND:
            return _error(text.START_STATE.format(domain=name))
        record.state = ACTIVE
        record.started_at = self.scheduler.now
        self.hv.create_guest(name, record.memory_size, record.blocks).running = True
        return _ok(text.STARTED.format(domain=name))

    def _stop(self, name: str) -> CommandResult:
        record = self._record(name)
        if record is None:
            return _error(text.NOT_FOUND.format(domain=name))
        if record.is_control:
            return _error(text.STOP_CONTROL)
        if record.state != ACTIVE:
            return _error(text.NOT_ACTIVE.format(domain=name))
        self.hv.destroy_guest(name)
        record.state = BOUND
        return _ok(text.STOPPED.format(domain=name))

    def _remove(self, name: str) -> CommandResult:
        record = self._record(name)
        if record is None:
            return _error(text.NOT_FOUND.format(domain=name))
        error_copy = self._error_copy(name)
        if error_copy is not None:
            # Recovery after a lost hand-off acknowledgement: the domain runs on the target.
            error_copy.destroy_after_error()
            return _ok()
        if record.migration == "e":  # in error since before this system started
            self.destroy_domain(name)
            return _ok()
        if record.migration != "-":
            return _error(text.BUSY_DOMAIN.format(domain=name))
        if record.is_control or record.state != INACTIVE:
            return _error(text.REMOVE_STATE.format(domain=name))
        del self.domains[name]
        return _ok()

    # --- set ------------------------------------------------------------------------
    def _set_domain(self, command: LdmCommand) -> CommandResult:
        record = self._record(command.domains[0])
        if record is None:
            return _error(text.NOT_FOUND.format(domain=command.domains[0]))
        try:
            arch = CpuArch.parse(command.value("cpu-arch"))
        except InputError:
            return _error(text.BAD_CPU_ARCH)
        if record.state == ACTIVE:
            return _error(text.CPU_ARCH_ACTIVE.format(domain=record.name))
        record.cpu_arch = arch
        return _ok()

    def _set_vcpu(self, command: LdmCommand) -> CommandResult:
        record = self._record(command.domains[0])
        if record is None:
            return _error(text.NOT_FOUND.format(domain=command.domains[0]))
        want = command.number
        if record.holds_resources:
            if want > len(record.strands):
                extra = self.hv.allocate_strands(want - len(record.strands), whole_core=False)
                if extra is None:
                    return _error(text.NO_VCPUS_FOR.format(domain=record.name, count=want))
                record.strands = tuple(sorted(record.strands + extra))
            else:
                self.hv.release_strands(record.strands[want:])
                record.strands = record.strands[:want]
        record.vcpus = want
        return _ok()

    def _set_memory(self, command: LdmCommand) -> CommandResult:
        record = self._record(command.domains[0])
        if record is None:
            return _error(text.NOT_FOUND.format(domain=command.domains[0]))
        want = command.number
        if record.holds_resources:
            held = record.held_memory
            if want > held:
                top = max((b.ra + b.size for b in record.blocks), default=RA_BASE)
                extra = self.hv.allocate_memory(want - held, ra_base=top)
                if extra is None:
                    return _error(text.NO_MEMORY_FOR.format(domain=record.name, size=want))
                record.blocks = tuple(sorted(record.blocks + extra, key=lambda b: b.ra))
            elif want < held:
                record.blocks = self._shrink(record.blocks, held - want)
            guest = self.hv.guests.get(record.name)
            if guest is not None:
                guest.memory.resize(want)
                self.hv.move_guest(record.name, record.blocks)
        record.memory_size = want
        return _ok()

    def _shrink(self, blocks: tuple[MemoryBlock, ...], cut: int) -> tuple[MemoryBlock, ...]:
        """Give back ``cut`` bytes from the top real addresses."""
        kept: list[MemoryBlock] = []
        freed: list[MemoryBlock] = []
        for block in sorted(blocks, key=lambda b: -b.ra):
            if cut >= block.size:
                freed.append(block)
                cut -= block.size
            elif cut > 0:
                kept.append(MemoryBlock(block.ra, block.pa, block.size - cut))
                freed.append(
                    MemoryBlock(block.ra + block.size - cut, block.pa + block.size - cut, cut)
                )
                cut = 0
            else:
                kept.append(block)
        self.hv.release_memory(freed)
        return tuple(sorted(kept, key=lambda b: b.ra))


def read_password_file(path: str) -> str:
    """The first line of ``path`` (``ldm migrate-domain -p``); InputError if unreadable."""
    try:
        with Path(path).open(encoding="utf-8") as handle:
            return handle.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        raise InputError("a readable password file", got=path) from None
