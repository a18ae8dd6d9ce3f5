"""The live-migration protocol of DESIGN.md as an abstract transition system.

What is modelled
----------------
N hosts and M guest domains; domain ``d`` starts active on host ``d mod N``. Up to K
migrations run at once. Each migration goes through the five phases of DESIGN.md
("Protocol semantics"): (1) pre-checks by the target, (2) the target creates the domain
bound (FLAGS column 6 ``t`` on the target, ``s`` on the source), (3) memory pre-copy in
rounds while the guest dirties pages, (4) suspension and the final copy, (5) hand-off:
the target resumes the domain and acknowledges, the source destroys its copy.

Around the protocol the environment may, at any moment it is enabled: cancel on the
source (accepted in phases 1-4: the target copy is destroyed, the source resumed;
too late once the hand-off started) or on the target (always refused, changes
nothing); burst the guest's dirty pages; drop a message, partition the link (then
heal it), lose the hand-off acknowledgement (source copy in error state ``e``, target
running), fail the hand-off on the target (source ``e``, target cleaned up), or bind
another domain on a host that no migration has locked. The operator resolves the error
state as documented: destroy the source copy when the target runs the domain,
``cancel-operation`` otherwise. None of this runs out: operators start migrations
again and again, links fail and heal again and again (see "Budgets" below).

Locks (DESIGN.md): a migration locks its source from the start and its target from the
moment the target's pre-check accepts the domain, each until the migration ends there
(:meth:`Protocol.locked_hosts`); a locked host refuses another bind, so the target's
room cannot go between the checks and the creation of the copy, and a host holding
``per_host`` locks (``max_migrations_per_host``) refuses ``ldm migrate-domain`` as a
source and the pre-check as a target. INV-LOCK checks both on every step. The
target keeps the domain locked until the hand-off is settled on the source: the domain
becomes idle on the target, free to migrate on, only in the step where the source
destroys its copy (``complete_handoff``) or the operator resolves the source's error
state; until then a new ``start_migration`` of it is not enabled.

What is abstracted away, and why
--------------------------------
* Resources are *slots*: each domain copy (source, target or a foreign domain) takes
  one of a host's ``capacity`` slots. vCPUs, memory blocks and console ports are all
  taken and freed together at the same protocol steps, so one counter per host shows a
  leak or a double allocation as well as three would; the exact fit is the z3 model's
  job (``models/preconditions.py``).
* Pre-checks are "the target has a free slot": every other requirement is static
  during a migration and is decided by the z3 model; only capacity can change under a
  running migration (another bind), which is the race this model must cover.
* Memory contents are a dirty-set *bucket*: none, small or large. A pre-copy round
  shrinks it by one bucket (the dirty rate is below the bandwidth, DESIGN.md
  LIVE-CONVERGES), a burst makes it large, the first round starts large (all memory).
  The stop rule suspends when nothing is dirty or after ``round_limit`` rounds; pages
  still dirty are sent while suspended. "No lost writes" becomes: the target never
  runs while pages are still dirty.
* Messages are not queued: a dropped message makes the migration fail at once (the
  sender's timeout), and a partition is a per-migration link state (two migrations
  between the same hosts see independent faults, which only adds behaviours): up,
  down, or healed with a message lost while it was down, so that the sender's timer
  runs until the peer answers (a link that flaps forever keeps the timeout enabled and
  weak fairness makes it fire). Losing the hand-off acknowledgement is its own fault
  because its outcome differs.
* Budgets: none by default. The graph is finite because every field is: a domain's
  phase, copies, flags, dirty bucket, rounds (up to the limit), link and last outcome,
  and one foreign bind per host. ``migrations`` and ``faults``, when set, bound the
  starts and faults of a run (a bounded run); terminal states are then those with no
  migration under way or in error and no start possible. Without budgets a terminal
  state is a quiescent one (nothing under way or in error), and behaviours need not
  end: liveness is per migration (LIVE-*), not "the run ends".
* Progress percentages are abstracted by (phase, rounds), ordered lexicographically.

Every action has a one-line docstring (:mod:`ldmspec.models.protocol_actions`);
:data:`ACTION_KINDS` lists them. A state is
one int (budgets, a 4-bit field per host, a 26-bit packed :class:`ModelDomain` per domain)
so that the explorer hashes it cheaply and a step is an addition; use
:meth:`Protocol.decode` or :meth:`Protocol.describe_state` to read one.

Phase 5 is two steps here, as in the implementation: the source sends the hand-off
(from then on a cancel is too late), then the target resumes the guest. A target
that never gets the hand-off destroys its bound copy on its own timer.

The properties are in :mod:`ldmspec.models.protocol_properties`. Liveness is split
the way a proof would split it: LIVE-CONVERGES says every pre-copy ends (suspension,
cancel or failure), LIVE-TERMINATES that every migration ends once outside pre-copy;
together, every migration ends, and a broken model breaks the one that names its bug.
Fairness is weak fairness per migration: the class of an action is (step, domain)
(:meth:`Protocol.fairness_class`); operators, guests and faults are never obliged to
act.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ldmspec.models.protocol_actions import (
    ACK_TIMEOUT,
    ACTION_KINDS,
    BEGIN,
    BIND_OTHER,
    BURST,
    CANCEL_S,
    CANCEL_T,
    CHECKS_FAIL,
    CHECKS_PASS,
    COMPLETE,
    CREATE,
    DESTROY_SOURCE,
    DROP,
    FINAL,
    FULL,
    HANDOFF_FAIL,
    HEAL,
    HOST_LEVEL,
    KINDS,
    LOSE_ACK,
    PARTITION,
    RECOVER_CANCEL,
    RESUME,
    ROUND,
    SEND_HANDOFF,
    START,
    SUSPEND,
    TARGET_GIVES_UP,
    TIMEOUT,
)
from ldmspec.models.protocol_config import STANDARD, ProtocolConfig
from ldmspec.models.protocol_domain import (
    BOUND,
    CANCELLED,
    CHECKS,
    COMPLETED,
    DOMAIN_BITS,
    DOMAIN_MASK,
    ERROR,
    FAILED,
    FLAG_ERROR,
    FLAG_NONE,
    FLAG_SOURCE,
    HANDOFF,
    IDLE,
    LARGE,
    LINK_DOWN,
    LINK_HEALED,
    LINK_UP,
    NO_OUTCOME,
    NONE,
    PHASE_NAMES,
    PHASE_SHIFT,
    PRECOPY,
    PREPARE,
    RECOVERED_ON_SOURCE,
    RECOVERED_ON_TARGET,
    RUNNING,
    SUSPENDED,
    SUSPENDED_COPY,
    TARGET_FULL,
    TARGET_RUNNING,
    ModelDomain,
)
from ldmspec.models.protocol_layout import State, StateLayout
from ldmspec.models.protocol_properties import protocol_properties
from ldmspec.models.protocol_symmetry import Renamings

from ldmspec.explorer.model import Model, Property

__all__ = ["Deltas", "Protocol", "State"]

Deltas = tuple[tuple[int, int, int], ...]
"""Slot changes of a step: (host, used slots delta, foreign delta) triples."""
# A move of one domain: (action kind, argument, new packed domain, host deltas, budget delta).
_Move = tuple[int, int, int, Deltas, int]


def _move(
    kind: int, new: ModelDomain, deltas: Deltas = (), spent: int = 0, argument: int = 0
) -> _Move:
    return (kind, argument, new.pack(), deltas, spent)


# The kinds that are another outcome of the same protocol step, for fairness.
_SAME_STEP = {CHECKS_FAIL: CHECKS_PASS, FULL: CREATE}


def _answered(move: _Move) -> _Move:
    """``move`` with the link's timer stopped (a guest's burst answers nothing)."""
    kind, argument, packed, deltas, spent = move
    new = ModelDomain.unpack(packed)
    if kind == BURST or new.partitioned != LINK_HEALED:
        return move
    return (kind, argument, new._replace(partitioned=LINK_UP).pack(), deltas, spent)


class Protocol(StateLayout, Model[State, int]):
    """The abstract migration protocol for one :class:`ProtocolConfig`.

    A state is one int, so that hashing and comparing it is cheap and a step is an
    addition: from the lowest bits up, the budgets (8 bits: ``starts_left << 4 |
    faults_left``), one 4-bit field per host (``foreign << 3 | used slots``), then one
    packed :class:`ModelDomain` per domain. :meth:`decode` and :meth:`encode` convert.
    """

    variant = "correct"

    def __init__(self, config: ProtocolConfig = STANDARD) -> None:
        super().__init__(config)
        # per domain: (packed domain, context) -> ((action, state delta), ...)
        self._moves: list[dict[int, tuple[tuple[int, int], ...]]] = [
            {} for _ in range(self.domains)
        ]
        self._busy = [False] * 8  # by phase: counts against the concurrency limit
        for phase in (CHECKS, PREPARE, PRECOPY, SUSPENDED, HANDOFF):
            self._busy[phase] = True
        self._renamings = Renamings(self.hosts)
        self._locks: dict[int, tuple[int, ...]] = {}  # packed domain -> locked_hosts
        self._properties: list[Property] | None = None

    # -- model interface ------------------------------------------------------------------------

    def init_states(self) -> Sequence[State]:
        config = self.config
        used = [0] * self.hosts
        domains = []
        for d in range(self.domains):
            home = d % self.hosts
            used[home] += 1
            domains.append(ModelDomain(home, 0, IDLE, RUNNING, 0, NONE, 0, 0, 0, 0, 0, 0).pack())
        return [self.pack_state(config.budget(), used, domains)]

    def actions(self, state: State) -> Iterable[int]:
        return [act for act, _ in self.successors(state)]

    def next_state(self, state: State, action: int) -> State | None:
        for act, after in self.successors(state):
            if act == action:
                return after
        return None

    def successors(self, state: State) -> list[tuple[int, State]]:
        budget = state & 255
        busy = self._busy
        domain_offsets = self.domain_offsets
        host_offsets = self.host_offsets
        domains = [(state >> offset) & DOMAIN_MASK for offset in domain_offsets]
        in_progress = 0
        for packed in domains:
            if busy[(packed >> PHASE_SHIFT) & 7]:
                in_progress += 1
        context = (1 if budget >> 4 and in_progress < self.config.concurrent else 0) | (
            2 if budget & 15 else 0
        )
        capacity = self.config.capacity
        out: list[tuple[int, State]] = []
        phases = [(packed >> PHASE_SHIFT) & 7 for packed in domains] if self.watches_others else ()
        # max_migrations_per_host binds only below the number of domains
        locks = self._lock_counts(domains) if self.config.per_host < self.domains else ()
        for d, packed in enumerate(domains):
            target = (packed >> 3) & 7
            free = 4 if ((state >> host_offsets[target]) & 7) < capacity else 0
            key = packed << 3 | context | free
            if locks:
                key &= self._within_cap(packed, target, locks)
            if phases:  # the phases other domains are in, for a variant that looks
                for other, phase in enumerate(phases):
                    if other != d:
                        key |= 8 << phase << DOMAIN_BITS << 3
            moves = self._moves[d].get(key)
            if moves is None:
                others = key >> DOMAIN_BITS >> 6
                moves = self._steps_of(d, packed, key & 7, others)
                self._moves[d][key] = moves
            for act, delta in moves:
                # a refused command gives back the very same state (a fast stutter)
                out.append((act, state + delta if delta else state))
        if context & 2 and "foreign-bind" in self.config.enabled_faults:
            locked = locks or self._lock_counts(domains)
            spent = 1 if self.config.faults is not None else 0
            for h, offset in enumerate(host_offsets):
                field_ = (state >> offset) & 15
                if not field_ >> 3 and (field_ & 7) < capacity and not locked[h]:
                    out.append(
                        (BIND_OTHER << 8 | HOST_LEVEL << 4 | h, state - spent + (9 << offset))
                    )
        return out

    def _lock_counts(self, domains: list[int]) -> list[int]:
        """How many migrations hold each host's lock (:meth:`locked_hosts`)."""
        counts = [0] * self.hosts
        known = self._locks
        for packed in domains:
            hosts = known.get(packed)
            if hosts is None:
                hosts = known[packed] = self.locked_hosts(ModelDomain.unpack(packed))
            for h in hosts:
                counts[h] += 1
        return counts

    def _within_cap(self, packed: int, target: int, locks: list[int]) -> int:
        """A mask for a domain's move-cache key that clears what the per-host cap
        refuses: ``ldm migrate-domain`` on a source that holds ``per_host`` locks (the
        start bit), a pre-check's acceptance by such a target (the free-room bit)."""
        phase = (packed >> PHASE_SHIFT) & 7
        cap = self.config.per_host
        if phase == IDLE and locks[packed & 7] >= cap:
            return ~1
        if phase == CHECKS and locks[target] >= cap:
            return ~4
        return -1

    def locked_hosts(self, d: ModelDomain) -> tuple[int, ...]:
        """The hosts whose lock ``d``'s migration holds (DESIGN.md): the source from
        ``ldm migrate-domain`` until the migration ends there (its error state is an
        end); the target from the moment its pre-check accepts the domain until the
        migration ends there (it resumes the domain, or cleans up). A locked host
        refuses another bind and counts the migration against ``per_host``."""
        hosts = []
        if CHECKS <= d.phase <= HANDOFF:
            hosts.append(d.home)
        accepted = d.phase == PREPARE and d.target_copy == NONE
        if accepted or (d.phase != IDLE and d.target_copy == BOUND):
            hosts.append(d.target)
        return tuple(hosts)

    def _steps_of(
        self, d: int, packed: int, context: int, others: int = 0
    ) -> tuple[tuple[int, int], ...]:
        """Domain ``d``'s moves as (action, what to add to the state)."""
        steps = []
        offset = self.domain_offsets[d]
        # an unbounded budget is never spent: it stays at its "never runs out" value
        starts_spent = self.config.migrations is not None
        faults_spent = self.config.faults is not None
        for kind, argument, new, deltas, spent in self._domain_moves(
            ModelDomain.unpack(packed), context & 1, context & 2, context & 4, others
        ):
            if (spent == -16 and not starts_spent) or (spent == -1 and not faults_spent):
                spent = 0
            delta = ((new - packed) << offset) + spent
            for host, used, foreign in deltas:
                delta += (used + (foreign << 3)) << self.host_offsets[host]
            steps.append((kind << 8 | d << 4 | argument, delta))
        return tuple(steps)

    @property
    def terminates(self) -> bool:  # type: ignore[override]
        """Only a bounded run must end: operators may start migrations forever."""
        return self.config.migrations is not None

    def is_terminal(self, state: State) -> bool:
        """Quiescent: nothing under way or in error (and, in a bounded run, no migration
        can start any more)."""
        domains = self.domain_fields(state)
        if any((packed >> PHASE_SHIFT) & 7 for packed in domains):
            return False
        if self.config.migrations is None:
            return True
        return not (state & 255) >> 4 or not any(
            ModelDomain.unpack(packed).source_copy == RUNNING for packed in domains
        )

    def is_fair(self, action: int) -> bool:
        return KINDS[action >> 8].fair

    def fairness_class(self, action: int) -> int:
        """(step, domain): weak fairness is promised to each migration's own steps,
        not to a kind of step as a whole (``step << 4 | domain``). A step with two
        outcomes is one class: the target answers the pre-check (pass or fail) and
        creates the domain (or finds its room gone) whatever the answer."""
        kind = action >> 8
        return _SAME_STEP.get(kind, kind) << 4 | (action >> 4) & 15

    def representative(self, state: State) -> State:
        """Canonical under renaming hosts and domains: the least relabelled state
        (:meth:`Renamings.canonical`)."""
        hosts, domains = self._renamings.canonical(
            self.host_fields(state), self.domain_fields(state)
        )
        return self.pack_fields(state & 255, hosts, domains)

    def action_kind(self, action: int) -> str:
        kind = action >> 8
        if kind in (CANCEL_S, CANCEL_T):
            return f"{KINDS[kind].name}@{PHASE_NAMES[action & 15]}"
        return KINDS[kind].name

    def action_kinds(self) -> Sequence[str]:
        enabled = self.config.enabled_faults
        needs = {
            DROP: "drop",
            PARTITION: "partition",
            HEAL: "partition",
            TIMEOUT: "partition",
            ACK_TIMEOUT: "partition",
            TARGET_GIVES_UP: "partition",
            LOSE_ACK: "lost-ack",
            HANDOFF_FAIL: "handoff-failure",
            BIND_OTHER: "foreign-bind",
        }
        missing = {KINDS[k].name for k, fault in needs.items() if fault not in enabled}
        if not self.config.bursts:
            missing.add("dirty_burst")
        if self.config.migrations == 0:
            return ()
        missing.add("target_full")  # the target's lock keeps its room from the checks on
        return tuple(kind for kind in ACTION_KINDS if kind not in missing)

    def describe_action(self, action: int) -> str:
        kind = action >> 8
        domain = (action >> 4) & 15
        argument = action & 15
        name = KINDS[kind].name
        if kind == BIND_OTHER:
            return f"{name}(h{argument})"
        if kind == START:
            return f"{name}(d{domain} -> h{argument})"
        return f"{name}(d{domain})"

    def explain_action(self, action: int) -> str:
        """The one-line docstring of ``action``'s kind."""
        return KINDS[action >> 8].doc

    # -- properties ---------------------------------------------------------------------------

    def properties(self) -> Sequence[Property]:
        if self._properties is None:
            self._properties = protocol_properties(self)
        return self._properties

    # -- one domain's moves (the protocol itself) ---------------------------------------------

    def _domain_moves(
        self, d: ModelDomain, can_start: int, can_fault: int, free: int, others: int = 0
    ) -> tuple[_Move, ...]:
        """Every move of domain ``d``, in a fixed order: the protocol's, then the
        operators' and the environment's.

        ``can_start``: a start is left and the concurrency limit allows one more;
        ``can_fault``: a fault is left; ``free``: d's target host has a free slot;
        ``others``: the phases other domains are in, as a bit mask (only for a model
        that :attr:`watches_others`).
        """
        if d.phase == IDLE:
            if not can_start or d.source_copy != RUNNING:
                return ()
            return tuple(
                _move(START, self.start_migration(d, target), spent=-16, argument=target)
                for target in range(self.hosts)
                if target != d.home
            )
        if d.phase == ERROR:
            if d.target_copy == TARGET_RUNNING:
                return (_move(DESTROY_SOURCE, *self.destroy_source_copy(d)),)
            if d.target_copy == BOUND:
                return (_move(TARGET_GIVES_UP, *self.target_gives_up(d)),)
            return (_move(RECOVER_CANCEL, self.recover_cancel(d)),)
        faults = self.config.enabled_faults if can_fault else frozenset()
        protocol = self._protocol_moves(d, free) if not self.waits(d, others) else []
        return (*protocol, *self._environment_moves(d, faults))

    def _protocol_moves(self, d: ModelDomain, free: int) -> list[_Move]:
        """The protocol's own steps of a migrating domain ``d`` (phases 1-5)."""
        moves: list[_Move] = []
        phase = d.phase
        link_up = d.partitioned != LINK_DOWN
        if phase == CHECKS and link_up:
            if free:
                moves.append(_move(CHECKS_PASS, d._replace(phase=PREPARE, source_flag=FLAG_SOURCE)))
            else:
                moves.append(_move(CHECKS_FAIL, self.end(d, FAILED)))
        elif phase == PREPARE and link_up:
            if d.target_copy != NONE:
                moves.append(_move(BEGIN, d._replace(phase=PRECOPY, dirty=LARGE, rounds=0)))
            elif free:
                moves.append(_move(CREATE, *self.create_target(d)))
            else:
                moves.append(_move(FULL, self.end(d, TARGET_FULL)))
        elif phase == PRECOPY:
            if link_up and d.dirty and self.round_allowed(d):
                moves.append(_move(ROUND, *self.precopy_round(d)))
            if self.config.bursts and d.dirty < LARGE:
                moves.append(_move(BURST, self.dirty_burst(d)))
            if self.stop_rule(d):
                moves.append(_move(SUSPEND, *self.suspend(d)))
        elif phase == SUSPENDED and link_up:
            if d.dirty:
                moves.append(_move(FINAL, d._replace(dirty=0)))
            if self.ready_to_resume(d):
                moves.append(_move(SEND_HANDOFF, d._replace(phase=HANDOFF)))
        elif phase == HANDOFF and link_up:
            if d.target_copy == BOUND:
                moves.append(_move(RESUME, *self.resume_on_target(d)))
            else:
                moves.append(_move(COMPLETE, *self.complete_handoff(d)))
        if d.partitioned == LINK_HEALED:
            # the peer answers: the sender's timer stops
            moves = [_answered(move) for move in moves]
        if d.partitioned != LINK_UP:  # a message was lost: the sender's timer runs
            if phase == HANDOFF:
                waited = self.ack_timeout(d)
                if waited is not None:
                    moves.append(_move(ACK_TIMEOUT, waited))
            else:
                moves.append(_move(TIMEOUT, *self.fail(d, FAILED)))
        return moves

    def _environment_moves(self, d: ModelDomain, faults: frozenset[str]) -> list[_Move]:
        """The operators' cancels and the faults that can hit a migrating ``d``."""
        phase = d.phase
        link_up = d.partitioned != LINK_DOWN
        moves = [
            _move(CANCEL_S, *self.cancel_on_source(d), argument=phase),
            _move(CANCEL_T, *self.cancel_on_target(d), argument=phase),
        ]
        if "drop" in faults and link_up and phase != HANDOFF:
            moves.append(_move(DROP, *self.fail(d, FAILED), spent=-1))
        if "partition" in faults and link_up:
            moves.append(_move(PARTITION, d._replace(partitioned=LINK_DOWN), spent=-1))
        if d.partitioned == LINK_DOWN:
            moves.append(_move(HEAL, d._replace(partitioned=LINK_HEALED)))
        if phase == HANDOFF and link_up:
            if "lost-ack" in faults and d.target_copy == TARGET_RUNNING:
                moves.append(_move(LOSE_ACK, self.ack_lost(d), spent=-1))
            if "handoff-failure" in faults and d.target_copy == BOUND:
                moves.append(_move(HANDOFF_FAIL, *self.handoff_failure(d), spent=-1))
        return moves

    #: Whether a domain's steps depend on the phases of the others (see :meth:`waits`);
    #: the correct model's do not, and it keeps its move cache small.
    watches_others = False

    def waits(self, d: ModelDomain, others: int) -> bool:
        """Whether ``d``'s protocol steps wait while the other domains are in the
        phases of the bit mask ``others`` (never, in the correct model)."""
        return False

    # Each step below returns the domain after it and, where slots change hands, the
    # host deltas. Variants override one of them to break one behaviour.

    def start_migration(self, d: ModelDomain, target: int) -> ModelDomain:
        """ldm migrate-domain: phase 1 begins towards ``target``."""
        return d._replace(
            target=target,
            phase=CHECKS,
            dirty=0,
            rounds=0,
            burst=0,
            partitioned=0,
            outcome=NO_OUTCOME,
        )

    def create_target(self, d: ModelDomain) -> tuple[ModelDomain, Deltas]:
        """The target creates the domain bound (FLAGS t) and takes a slot."""
        new = d._replace(target_copy=BOUND, target_flag=1)
        return new, ((d.target, 1, 0),)

    def round_allowed(self, d: ModelDomain) -> bool:
        """Another pre-copy round is allowed below the round limit."""
        return d.rounds < self.config.round_limit

    def dirty_burst(self, d: ModelDomain) -> ModelDomain:
        """The guest dirties many pages: the dirty set is large again."""
        return d._replace(dirty=LARGE, burst=1)

    def precopy_round(self, d: ModelDomain) -> tuple[ModelDomain]:
        """Re-send the dirty pages: one bucket smaller, one round more."""
        return (d._replace(dirty=d.dirty - 1, rounds=d.rounds + 1),)

    def stop_rule(self, d: ModelDomain) -> bool:
        """Suspend when nothing is dirty or the round limit is reached."""
        return d.dirty == 0 or d.rounds >= self.config.round_limit

    def suspend(self, d: ModelDomain) -> tuple[ModelDomain]:
        """The source suspends the guest; pages still dirty are sent next."""
        return (d._replace(phase=SUSPENDED, source_copy=SUSPENDED_COPY),)

    def ready_to_resume(self, d: ModelDomain) -> bool:
        """The hand-off (and so the target's resume) may start once every dirty page
        has been sent."""
        return d.dirty == 0

    def resume_on_target(self, d: ModelDomain) -> tuple[ModelDomain]:
        """The target resumes the guest (its migration is over: no t) and
        acknowledges."""
        return (d._replace(phase=HANDOFF, target_copy=TARGET_RUNNING, target_flag=0),)

    def complete_handoff(self, d: ModelDomain) -> tuple[ModelDomain, Deltas]:
        """The source destroys its copy: the target's copy is now the domain."""
        return self.moved(d, COMPLETED), ((d.home, -1, 0),)

    def ack_timeout(self, d: ModelDomain) -> ModelDomain | None:
        """Over a partition the acknowledgement never comes: the source times out."""
        return self.ack_lost(d)

    def ack_lost(self, d: ModelDomain) -> ModelDomain:
        """The source cannot tell whether the hand-off happened: error state e."""
        return d._replace(phase=ERROR, source_flag=FLAG_ERROR)

    def target_gives_up(self, d: ModelDomain) -> tuple[ModelDomain, Deltas]:
        """The target, never handed the domain, destroys its bound copy and frees it."""
        return d._replace(target_copy=NONE, target_flag=0), ((d.target, -1, 0),)

    def handoff_failure(self, d: ModelDomain) -> tuple[ModelDomain, Deltas]:
        """The target cleans up after failing to resume; the source is left in e."""
        new = d._replace(phase=ERROR, source_flag=FLAG_ERROR, target_copy=NONE, target_flag=0)
        return new, ((d.target, -1, 0),)

    def destroy_source_copy(self, d: ModelDomain) -> tuple[ModelDomain, Deltas]:
        """Operator recovery when the domain runs on the target."""
        return self.moved(d, RECOVERED_ON_TARGET), ((d.home, -1, 0),)

    def recover_cancel(self, d: ModelDomain) -> ModelDomain:
        """Operator recovery when the target has no copy: resume the source."""
        return self.end(d, RECOVERED_ON_SOURCE)

    def cancel_on_source(self, d: ModelDomain) -> tuple[ModelDomain, Deltas]:
        """Accepted in phases 1-4 (clean up, resume); too late in phase 5 (no change)."""
        if d.phase == HANDOFF:
            return d, ()
        return self.fail(d, CANCELLED)

    def cancel_on_target(self, d: ModelDomain) -> tuple[ModelDomain, Deltas]:
        """Refused: a system cannot control a migration it is the target of."""
        return d, ()

    def fail(self, d: ModelDomain, outcome: int) -> tuple[ModelDomain, Deltas]:
        """End before hand-off: destroy the target copy, free its slot, resume the source."""
        deltas = ((d.target, -1, 0),) if d.target_copy != NONE else ()
        return self.end(d, outcome), deltas

    def end(self, d: ModelDomain, outcome: int) -> ModelDomain:
        """The domain back on its source, running, with no migration state."""
        return ModelDomain(
            d.home,
            0,
            IDLE,
            RUNNING,
            FLAG_NONE,
            NONE,
            0,
            0,
            0,
            d.burst if outcome == CANCELLED else 0,
            0,
            outcome,
        )

    def moved(self, d: ModelDomain, outcome: int) -> ModelDomain:
        """The domain now lives on its former target, running, with no migration state."""
        return ModelDomain(d.target, 0, IDLE, RUNNING, FLAG_NONE, NONE, 0, 0, 0, 0, 0, outcome)
