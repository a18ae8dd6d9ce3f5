"""The five-phase migration protocol between two Logical Domains Managers.

The source's :class:`OutgoingMigration` and the target's :class:`IncomingMigration`
exchange the messages below over the :class:`~ldmspec.system.network.Network`:

1. checks: ``CheckRequest`` (domain description, source facts, password) ->
   ``CheckReply`` (the target's pre-check problems, or a refusal);
2. target creation: ``Prepare`` -> ``Prepared``: the target creates the domain
   bound with FLAGS column 6 ``t``; the source shows ``s``;
3. pre-copy (live only): ``Pages`` -> ``PagesAck`` in rounds while the guest runs and
   dirties pages; a round re-sends what the previous one left dirty; the source stops
   when the dirty set is small enough for one message, stops shrinking, or after
   ``round_limit`` rounds;
4. suspension: the source suspends the domain and sends the rest (``Pages`` final);
5. hand-off: ``HandOff`` (CPU state) -> the target resumes the domain and answers
   ``HandOffAck``; the source then destroys its copy and tells the target ``Settled``.
   A bound or inactive domain skips from phase 2 to phase 5.

Every request has a timer. A source that hears nothing fails the migration (phases 1-4:
the target is told to ``Abort``, the source resumes) or, waiting for the hand-off
acknowledgement, puts its copy in error state ``e``. A target that hears nothing from
its source before the hand-off destroys what it created. Cancellation (``ldm
cancel-operation`` or KILL) is a source-side ``Abort`` until the source sends the
hand-off; from then on ``cancel-operation`` is refused and a KILL ends only the command.

The target holds its lock from the moment its pre-check accepts the domain, and keeps
the arrived domain from migrating on until the source says the hand-off is settled
(``Settled``: the source destroyed its copy, or the operator resolved its error state);
a target that is asked to move such a domain asks the source again (``SettleQuery``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import ldmspec.system.messages as text
from ldmspec.inventory.facts import Domain, Host
from ldmspec.system.behaviour import Behaviour
from ldmspec.system.config import SystemConfig
from ldmspec.system.domain import ACTIVE, SUSPENDED, DomainRecord
from ldmspec.system.hypervisor import GuestMemory, Hypervisor
from ldmspec.system.precheck import Problem
from ldmspec.system.scheduler import EventHandle, Scheduler

__all__ = [
    "Abort",
    "Aborted",
    "CancelRequest",
    "CheckReply",
    "CheckRequest",
    "Endpoint",
    "HandOff",
    "HandOffAck",
    "IncomingMigration",
    "OutgoingMigration",
    "Pages",
    "PagesAck",
    "Prepare",
    "Prepared",
    "SettleQuery",
    "Settled",
]


# --- messages ------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckRequest:
    mid: int
    source: str
    domain: Domain = field(repr=False)
    source_host: Host = field(repr=False)
    new_name: str | None = None
    dry_run: bool = False
    # Never printed: repr=False keeps it out of traces, reports and assertion messages.
    password: str | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return f"CheckRequest #{self.mid} {self.domain.name}"


@dataclass(frozen=True)
class CheckReply:
    mid: int
    problems: tuple[Problem, ...] = ()
    refusal: str | None = None

    def __str__(self) -> str:
        verdict = "refused" if self.refusal else f"{len(self.problems)} problems"
        return f"CheckReply #{self.mid} {verdict}"


@dataclass(frozen=True)
class Prepare:
    mid: int

    def __str__(self) -> str:
        return f"Prepare #{self.mid}"


@dataclass(frozen=True)
class Prepared:
    mid: int
    failure: str | None = None

    def __str__(self) -> str:
        return f"Prepared #{self.mid}" + (" failed" if self.failure else "")


@dataclass(frozen=True)
class Pages:
    mid: int
    round: int
    groups: tuple[int, ...] = field(repr=False)
    stamps: tuple[int, ...] = field(repr=False)
    pages: int = 0
    progress: int = 0
    final: bool = False

    def __str__(self) -> str:
        kind = "final" if self.final else f"round {self.round}"
        return f"Pages #{self.mid} {kind} {self.pages} pages"


@dataclass(frozen=True)
class PagesAck:
    mid: int
    round: int

    def __str__(self) -> str:
        return f"PagesAck #{self.mid}"


@dataclass(frozen=True)
class HandOff:
    mid: int
    state: str
    writes: int = 0

    def __str__(self) -> str:
        return f"HandOff #{self.mid}"


@dataclass(frozen=True)
class HandOffAck:
    mid: int

    def __str__(self) -> str:
        return f"HandOffAck #{self.mid}"


@dataclass(frozen=True)
class Settled:
    """The source's copy is gone or resolved: the target may let the domain move on."""

    mid: int

    def __str__(self) -> str:
        return f"Settled #{self.mid}"


@dataclass(frozen=True)
class SettleQuery:
    """The target asks whether the source's side of a hand-off is settled yet."""

    mid: int

    def __str__(self) -> str:
        return f"SettleQuery #{self.mid}"


@dataclass(frozen=True)
class CancelRequest:
    """Only a faulty target asks its source to cancel (``cancel-operation`` on T)."""

    mid: int

    def __str__(self) -> str:
        return f"CancelRequest #{self.mid}"


@dataclass(frozen=True)
class Abort:
    mid: int

    def __str__(self) -> str:
        return f"Abort #{self.mid}"


@dataclass(frozen=True)
class Aborted:
    mid: int

    def __str__(self) -> str:
        return f"Aborted #{self.mid}"


# --- what a migration needs from its Manager ----------------------------------------
class Endpoint(Protocol):
    """The Logical Domains Manager a migration runs on, as the protocol sees it.

    :class:`~ldmspec.system.manager.Manager` is one; the protocol names only what it
    uses, so this module does not depend on the Manager that depends on it.
    """

    name: str
    domains: dict[str, DomainRecord]
    hv: Hypervisor

    @property
    def config(self) -> SystemConfig: ...

    @property
    def scheduler(self) -> Scheduler: ...

    @property
    def behaviour(self) -> Behaviour: ...

    def send(self, peer: str, message: object) -> None: ...

    def to_inventory(self) -> Host: ...

    def destroy_domain(self, name: str) -> None: ...

    def create_target_domain(self, request: CheckRequest, name: str) -> DomainRecord | str: ...

    def migration_ended(self, migration: OutgoingMigration) -> None: ...

    def command_killed(self, migration: OutgoingMigration) -> None: ...

    def domain_arrived(self, incoming: IncomingMigration) -> None: ...


# --- the source side -----------------------------------------------------------------
class OutgoingMigration:
    """A migration as its source runs it (``ldm migrate-domain`` on the source)."""

    def __init__(
        self,
        manager: Endpoint,
        mid: int,
        record: DomainRecord,
        target: str,
        new_name: str | None,
        password: str | None,
    ) -> None:
        self.manager = manager
        self.mid = mid
        self.record = record
        self.domain = record.name
        self.target = target
        self.new_name = new_name
        self._password = password
        self.live = record.state == ACTIVE
        self.initial_state = record.state
        self.phase = 1
        self.outcome: str | None = None  # completed | cancelled | failed | error
        self.resolution: str | None = None  # after error: resumed | destroyed
        self.progress = 0
        self.rounds = 0
        self.pages_sent = 0
        self.dirty_per_round: list[int] = []
        self.dirtied_while_suspended = 0
        self.suspended_digest: str | None = None
        self.suspended_at: int | None = None
        self.cancelling: str | None = None  # "cancel" | "kill"
        self.command_killed = False  # KILL after the hand-off: the command ended, not this
        self.handoff_sent = False
        self.started_at = manager.scheduler.now
        self.ended_at: int | None = None
        self.lines: tuple[str, ...] = ()
        self._to_send: list[int] = []  # groups queued for sending, from _next on
        self._next = 0
        self._log: set[int] | None = None
        self._timer: EventHandle | None = None
        self._writes_at_suspend = 0

    # --- plumbing -------------------------------------------------------------------
    @property
    def target_name(self) -> str:
        return self.new_name or self.domain

    @property
    def behaviour(self) -> Behaviour:
        return self.manager.behaviour

    def _send(self, message: object) -> None:
        self.manager.send(self.target, message)

    def _arm(self, waiting_for: str) -> None:
        self._disarm()
        self._timer = self.manager.scheduler.after(
            self.manager.config.reply_timeout,
            f"timeout {self.manager.name} #{self.mid} {waiting_for}",
            lambda: self._timeout(waiting_for),
        )

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _guest_memory(self) -> GuestMemory | None:
        guest = self.manager.hv.guests.get(self.domain)
        return guest.memory if guest is not None else None

    # --- phase 1 --------------------------------------------------------------------
    def start(self) -> None:
        self._send(
            CheckRequest(
                self.mid,
                self.manager.name,
                self.record.to_inventory(),
                self.manager.to_inventory(),
                self.new_name,
                password=self._password,
            )
        )
        self._password = None  # needed once; do not keep it around
        if not self.behaviour.wait_for_busy_target():
            self._arm("CheckReply")

    @property
    def settled(self) -> bool:
        """The source's copy is destroyed, or the operator resolved its error state."""
        return self.outcome == "completed" or self.resolution is not None

    def receive(self, message: object) -> None:
        """A message from the target for this migration."""
        if isinstance(message, SettleQuery):
            if self.settled:
                self._send(Settled(self.mid))
            return
        if self.outcome is not None:
            # Late replies change nothing: in particular an acknowledgement arriving after
            # the error state was entered leaves the resolution to the operator.
            return
        if isinstance(message, CheckReply):
            self._on_check_reply(message)
        elif isinstance(message, Prepared):
            self._on_prepared(message)
        elif isinstance(message, PagesAck):
            self._on_pages_ack()
        elif isinstance(message, HandOffAck):
            self._disarm()
            self._complete()
        elif isinstance(message, Aborted):
            self._disarm()
            self._finish_cancel()
        elif isinstance(message, CancelRequest) and self.cancellable:
            self.cancel("cancel")

    def _on_check_reply(self, reply: CheckReply) -> None:
        self._disarm()
        if reply.refusal or reply.problems:
            lines = [reply.refusal] if reply.refusal else [str(p) for p in reply.problems]
            self._fail(*lines)
            return
        if not self.live and self.behaviour.cold_skips_preparation():
            self._send_handoff()
            return
        self.phase = 2
        self.record.migration = "s"
        self._send(Prepare(self.mid))
        self._arm("Prepared")

    # --- phase 2 --------------------------------------------------------------------
    def _on_prepared(self, reply: Prepared) -> None:
        if self.cancelling:
            return  # the Abort is on its way; wait for Aborted
        self._disarm()
        if reply.failure:
            self._fail(
                text.TARGET_FAILED.format(
                    target=self.target, domain=self.target_name, reason=reply.failure
                )
            )
            return
        memory = self._guest_memory()
        if not self.live or memory is None:
            self._send_handoff()
            return
        self.phase = 3
        self.rounds = 1
        self._log = memory.start_dirty_log()
        self._queue(range(memory.groups))
        self._send_chunk()

    # --- phases 3 and 4 -------------------------------------------------------------
    def _send_chunk(self) -> None:
        memory = self._guest_memory()
        assert memory is not None
        per_message = max(1, self.manager.config.bandwidth_pages // memory.group_pages)
        chunk = self._to_send[self._next : self._next + per_message]
        self._next += len(chunk)
        stamps = tuple(memory.stamps[g] for g in chunk)
        pages = len(chunk) * memory.group_pages
        self.pages_sent += pages
        self._update_progress(memory.groups)
        self._send(
            Pages(
                self.mid, self.rounds, tuple(chunk), stamps, pages, self.progress, self.phase == 4
            )
        )
        self._arm("PagesAck")

    def _queue(self, groups: Iterable[int]) -> None:
        self._to_send, self._next = list(groups), 0

    def _queued(self) -> int:
        return len(self._to_send) - self._next

    def _update_progress(self, groups: int) -> None:
        behind = self._queued() + (len(self._log) if self._log is not None else 0)
        computed = 99 * max(0, groups - behind) // groups
        self.progress = self.behaviour.next_progress(self.progress, computed)

    def _on_pages_ack(self) -> None:
        if self.cancelling:
            return
        self._disarm()
        if self.phase == 3 and self.behaviour.spurious_failure():
            self._fail(text.LOST_CONNECTION.format(target=self.target))
        elif self._queued():
            self._send_chunk()
        elif self.phase == 3:
            self._end_round()
        else:
            self._send_handoff()

    def _end_round(self) -> None:
        assert self._log is not None
        memory = self._guest_memory()
        assert memory is not None
        dirty = set(self._log)
        self._log.clear()
        self.dirty_per_round.append(len(dirty) * memory.group_pages)
        config = self.manager.config
        small = len(dirty) * memory.group_pages <= config.bandwidth_pages
        shrinking = (
            len(self.dirty_per_round) < 2 or self.dirty_per_round[-1] < self.dirty_per_round[-2]
        )
        if small or not shrinking or self.rounds >= self.behaviour.round_limit(config.round_limit):
            self._suspend_and_copy(dirty)
            return
        self.rounds += 1
        self._queue(sorted(dirty))
        self._send_chunk()

    def _suspend_and_copy(self, dirty: set[int]) -> None:
        memory = self._guest_memory()
        assert memory is not None and self._log is not None
        if self.behaviour.suspend_before_final_copy():
            self._suspend()
        self.phase = 4
        self._queue(sorted(self.behaviour.final_copy(dirty | self._log)))
        self._log.clear()
        if self._queued():
            self._send_chunk()
        else:
            self._send_handoff()

    def _suspend(self) -> None:
        guest = self.manager.hv.guests[self.domain]
        guest.running = False
        self.record.state = SUSPENDED
        self.suspended_digest = guest.memory.digest()
        self.suspended_at = self.manager.scheduler.now
        self._writes_at_suspend = guest.memory.writes

    # --- phase 5 --------------------------------------------------------------------
    def _send_handoff(self) -> None:
        self.phase = 5
        self.handoff_sent = True
        memory = self._guest_memory()
        writes = memory.writes if memory is not None else 0
        if memory is not None and self.suspended_digest is not None:
            self.dirtied_while_suspended = memory.writes - self._writes_at_suspend
        state = ACTIVE if self.live else self.initial_state
        self._send(HandOff(self.mid, state, writes))
        self._arm("HandOffAck")

    def _complete(self) -> None:
        self.progress = 100
        self._end("completed")
        self.manager.destroy_domain(self.domain)
        self._send(Settled(self.mid))

    # --- cancel, failure, error -----------------------------------------------------
    @property
    def cancellable(self) -> bool:
        """Whether a cancel still takes effect: until the source sent the hand-off."""
        return not self.handoff_sent or not self.behaviour.cancel_refused_in_handoff()

    def kill(self) -> None:
        """KILL to this ``ldm migrate-domain``: a cancel until the hand-off was sent, then
        the end of the command only (the migration goes on in ldmd)."""
        if self.cancellable:
            self.cancel("kill")
        elif not self.command_killed:
            self.command_killed = True
            self.manager.command_killed(self)

    def cancel(self, how: str) -> None:
        """``ldm cancel-operation migration`` (``how="cancel"``) or KILL (``"kill"``)."""
        if self.outcome is not None or self.cancelling or not self.behaviour.obey_cancel():
            return
        self.cancelling = how
        self._disarm()
        self._send(Abort(self.mid))
        if self.phase == 1:
            self._finish_cancel()  # nothing exists on the target yet: do not wait
        else:
            self._arm("Aborted")

    def _finish_cancel(self) -> None:
        self._restore_source(resume=self.behaviour.resume_source_after_cancel())
        line = (
            text.KILLED if self.cancelling == "kill" else text.CANCELLED.format(domain=self.domain)
        )
        self._end("cancelled", line)

    def _fail(self, *lines: str) -> None:
        if self.phase >= 2:
            self._send(Abort(self.mid))  # best effort; the target also times out
        self._restore_source(resume=True)
        self._end("failed", *lines, text.FAILED.format(domain=self.domain))

    def _timeout(self, waiting_for: str) -> None:
        self._timer = None
        if waiting_for == "HandOffAck" or (waiting_for == "Aborted" and self.handoff_sent):
            if self.behaviour.resume_source_on_lost_ack():
                self._restore_source(resume=True)
                self._end("failed", text.FAILED.format(domain=self.domain))
                return
            self.record.migration = "e"
            self._end(
                "error",
                text.HANDOFF_LOST.format(target=self.target, domain=self.domain),
                text.FAILED.format(domain=self.domain),
                keep_flag=True,
            )
            return
        if waiting_for == "Aborted":
            self._finish_cancel()  # the target cleans up on its own timer
            return
        self._fail(
            text.UNREACHABLE.format(target=self.target)
            if self.phase == 1
            else text.LOST_CONNECTION.format(target=self.target)
        )

    def _restore_source(self, *, resume: bool) -> None:
        self._stop_log()
        guest = self.manager.hv.guests.get(self.domain)
        if resume and self.record.state == SUSPENDED and guest is not None:
            guest.running = True
            self.record.state = ACTIVE

    def _stop_log(self) -> None:
        memory = self._guest_memory()
        if memory is not None and self._log is not None:
            memory.stop_dirty_log(self._log)
        self._log = None

    def _end(self, outcome: str, *lines: str, keep_flag: bool = False) -> None:
        self._disarm()
        self._stop_log()
        self.outcome = outcome
        self.ended_at = self.manager.scheduler.now
        self.lines = lines
        if not keep_flag and self.behaviour.clear_source_flag_on_end():
            self.record.migration = "-"
        self.manager.migration_ended(self)

    # --- operator recovery from the error state -------------------------------------
    def resume_after_error(self) -> None:
        """``ldm cancel-operation migration D`` on a source copy in error state."""
        guest = self.manager.hv.guests.get(self.domain)
        if guest is not None:
            guest.running = True
        self.record.state = ACTIVE if guest is not None else self.initial_state
        self.record.migration = "-"
        self._resolve("resumed")

    def destroy_after_error(self) -> None:
        """``ldm remove-domain D`` on a source copy in error state (it runs on the target)."""
        self.manager.destroy_domain(self.domain)
        if self.behaviour.settle_on_recovery():
            self._resolve("destroyed")

    def _resolve(self, how: str) -> None:
        self.resolution = how
        self._send(Settled(self.mid))


# --- the target side -----------------------------------------------------------------
class IncomingMigration:
    """A migration as its target receives it. The target never controls it."""

    def __init__(self, manager: Endpoint, request: CheckRequest) -> None:
        self.manager = manager
        self.request = request
        self.mid = request.mid
        self.source = request.source
        self.domain = request.new_name or request.domain.name
        self.live = request.domain.state.value == ACTIVE
        self.phase = 1
        self.progress = 0
        self.record: DomainRecord | None = None
        self.outcome: str | None = None  # completed | aborted | timed-out
        self.settled = False  # the source said its copy is gone or resolved
        self.resumed_digest: str | None = None
        self.resumed_at: int | None = None
        self._timer: EventHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.manager.scheduler.after(
            self.manager.config.target_timeout,
            f"timeout {self.manager.name} #{self.mid} source silent",
            self._timeout,
        )

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _reply(self, message: object) -> None:
        self.manager.send(self.source, message)

    def receive(self, message: object) -> None:
        if isinstance(message, Settled):
            self.settled = True
        elif isinstance(message, Abort):
            self._on_abort()
        elif self.outcome == "completed" and isinstance(message, HandOff):
            self._reply(HandOffAck(self.mid))
        elif self.outcome is not None:
            if isinstance(message, Prepare):
                self._reply(Prepared(self.mid, "the migration was aborted"))
        elif isinstance(message, Prepare):
            self._on_prepare()
        elif isinstance(message, Pages):
            self._on_pages(message)
        elif isinstance(message, HandOff):
            self._on_handoff(message)

    def _on_prepare(self) -> None:
        created = self.manager.create_target_domain(self.request, self.domain)
        if isinstance(created, str):
            self._end("aborted")
            self._reply(Prepared(self.mid, created))
            return
        self.record = created
        self.phase = 2
        self._arm()
        self._reply(Prepared(self.mid))

    def _on_pages(self, message: Pages) -> None:
        guest = self.manager.hv.guests.get(self.domain)
        if self.record is None or guest is None:
            return
        guest.memory.install(message.groups, message.stamps)
        self.phase = 4 if message.final else 3
        self.progress = max(self.progress, message.progress)
        self._arm()
        self._reply(PagesAck(self.mid, message.round))

    def _on_handoff(self, message: HandOff) -> None:
        if self.record is None and self.manager.behaviour.cold_skips_preparation():
            created = self.manager.create_target_domain(self.request, self.domain)
            self.record = created if isinstance(created, DomainRecord) else None
        if self.record is None:
            return
        guest = self.manager.hv.guests.get(self.domain)
        if guest is not None:
            guest.memory.writes = message.writes
        if message.state == ACTIVE and guest is not None:
            self.resumed_digest = guest.memory.digest()
            self.resumed_at = self.manager.scheduler.now
            guest.running = True
            self.record.started_at = self.manager.scheduler.now
        self.record.state = message.state if message.state != SUSPENDED else ACTIVE
        self.record.migration = "-"
        self.phase = 5
        self.progress = 100
        self._end("completed")
        self._reply(HandOffAck(self.mid))
        self.manager.domain_arrived(self)

    def _on_abort(self) -> None:
        if self.outcome == "completed":
            self._reply(HandOffAck(self.mid))  # the domain already runs here
            return
        if self.outcome is None:
            if self.manager.behaviour.target_cleans_up_on_abort(self.phase):
                self._destroy()
            self._end("aborted")
        self._reply(Aborted(self.mid))

    @property
    def holds_lock(self) -> bool:
        """T's lock: from the pre-check's acceptance until the migration ends here."""
        if self.outcome is not None:
            return False
        return self.phase >= 2 or self.manager.behaviour.target_locked_from_acceptance()

    @property
    def unsettled(self) -> bool:
        """The domain arrived but the source has not said its copy is settled."""
        return (
            self.outcome == "completed"
            and not self.settled
            and self.manager.behaviour.target_waits_for_settlement()
        )

    def ask_settled(self) -> None:
        self._reply(SettleQuery(self.mid))

    def forward_cancel(self) -> None:
        """Only a faulty target has its source cancel (``cancel-operation`` on T)."""
        self._reply(CancelRequest(self.mid))

    def cancel_here(self) -> None:
        """Only a faulty target accepts ``cancel-operation``: it drops its copy."""
        if self.outcome is None:
            self._destroy()
            self._end("aborted")

    def _timeout(self) -> None:
        self._timer = None
        if self.outcome is None:
            self._destroy()
            self._end("timed-out")

    def _destroy(self) -> None:
        if self.record is not None and self.record.name in self.manager.domains:
            self.manager.destroy_domain(self.record.name)

    def _end(self, outcome: str) -> None:
        self._disarm()
        self.outcome = outcome
