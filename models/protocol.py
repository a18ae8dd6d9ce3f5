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
nothing); burst the guest's dirty pages; and, within a fault budget, drop a message,
partition the link (then heal it), lose the hand-off acknowledgement (source copy in
error state ``e``, target running), fail the hand-off on the target (source ``e``,
target cleaned up), or bind another domain on a host, taking its capacity while a
migration is under way. The operator resolves the error state as documented: destroy
the source copy when the target runs the domain, ``cancel-operation`` otherwise.

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
  between the same hosts see independent faults, which only adds behaviours). Losing
  the hand-off acknowledgement is its own fault because its outcome differs.
* Budgets keep the graph finite: ``migrations`` starts in total and ``faults`` faults.
  Terminal states have no migration under way or in error and no start possible.
* Progress percentages are abstracted by (phase, rounds), ordered lexicographically.

Every action has a one-line docstring; :data:`ACTION_KINDS` lists them. A state is
one int (budgets, a 4-bit field per host, a 25-bit packed :class:`Domain` per domain)
so that the explorer hashes it cheaply and a step is an addition; use
:meth:`Protocol.decode` or :meth:`Protocol.describe_state` to read one.

Phase 5 is two steps here, as in the implementation: the source sends the hand-off
(from then on a cancel is too late), then the target resumes the guest. A target
that never gets the hand-off destroys its bound copy on its own timer.

The properties are in :mod:`ldmspec.models.protocol_properties`. Liveness is split
the way a proof would split it: LIVE-CONVERGES says every pre-copy ends (suspension,
cancel or failure), LIVE-TERMINATES that every migration ends once outside pre-copy;
together, every migration ends, and a broken model breaks the one that names its bug.
Fairness is weak fairness per kind of protocol step; operators, guests and faults
are never obliged to act.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ldmspec.errors import InputError
from ldmspec.explorer import Model, Property

__all__ = [
    "ACTION_KINDS",
    "FAULTS",
    "STANDARD",
    "Domain",
    "Protocol",
    "ProtocolConfig",
]

# --- the vocabulary ------------------------------------------------------------------------

# Migration phase of a domain. 0 = no migration; 6 = the source's error state after a
# hand-off whose outcome it could not learn (FLAGS column 6 "e").
IDLE, CHECKS, PREPARE, PRECOPY, SUSPENDED, HANDOFF, ERROR = range(7)
PHASE_NAMES = ("idle", "checks", "prepare", "precopy", "suspended", "handoff", "error")
# A copy of the domain on a host.
NONE, RUNNING, SUSPENDED_COPY = 0, 1, 2  # source copy
BOUND = 1  # target copy: NONE, BOUND, RUNNING (2)
TARGET_RUNNING = 2
COPY_NAMES = ("none", "running", "suspended")
TARGET_COPY_NAMES = ("none", "bound", "running")
# FLAGS column 6 on the source's copy.
FLAG_NONE, FLAG_SOURCE, FLAG_ERROR = 0, 1, 2
SOURCE_FLAGS = ("-", "s", "e")
# Dirty-set bucket.
DIRTY_NAMES = ("none", "small", "large")
LARGE = 2
# How the last migration of a domain ended.
(
    NO_OUTCOME,
    COMPLETED,
    CANCELLED,
    FAILED,
    TARGET_FULL,
    RECOVERED_ON_TARGET,
    RECOVERED_ON_SOURCE,
) = range(7)
OUTCOME_NAMES = (
    "none",
    "completed",
    "cancelled",
    "failed",
    "target-full",
    "recovered-on-target",
    "recovered-on-source",
)

FAULTS = ("drop", "partition", "lost-ack", "handoff-failure", "foreign-bind")
"""Fault kinds a configuration can enable."""


class Domain(NamedTuple):
    """One domain's part of the state, unpacked."""

    home: int  # the host holding the source copy
    target: int  # the migration's target host (0 when idle)
    phase: int
    source_copy: int  # NONE, RUNNING, SUSPENDED_COPY
    source_flag: int  # FLAG_NONE, FLAG_SOURCE, FLAG_ERROR
    target_copy: int  # NONE, BOUND, TARGET_RUNNING
    target_flag: int  # 0 or 1 ("t")
    dirty: int  # 0 none, 1 small, 2 large
    rounds: int  # pre-copy rounds done
    burst: int  # 1 when the guest burst its dirty pages during this migration
    partitioned: int  # 1 when the migration's link is partitioned
    outcome: int  # how the last migration ended

    def pack(self) -> int:
        value = 0
        for (shift, _), part in zip(_FIELDS, self, strict=True):
            value |= part << shift
        return value

    @classmethod
    def unpack(cls, value: int) -> Domain:
        known = _UNPACKED.get(value)
        if known is None:
            known = cls(*((value >> shift) & mask for shift, mask in _FIELDS))
            _UNPACKED[value] = known
        return known


# Packed domains seen so far, unpacked; a model reaches at most a few thousand.
_UNPACKED: dict[int, Domain] = {}


# (bit offset, mask) of each Domain field in the packed int.
_WIDTHS = (3, 3, 3, 2, 2, 2, 1, 2, 2, 1, 1, 3)
_FIELDS = tuple((sum(_WIDTHS[:i]), (1 << width) - 1) for i, width in enumerate(_WIDTHS))
_PHASE_SHIFT = _FIELDS[2][0]

# --- actions ---------------------------------------------------------------------------------
# An action is an int: kind << 8 | domain << 4 | argument (a host). Host-level actions
# use domain 15.


@dataclass(frozen=True)
class _Kind:
    name: str
    fair: bool  # the protocol must take it (weak fairness); False for the environment
    doc: str


_KINDS = (
    _Kind("start_migration", False, "The operator runs ldm migrate-domain D on the source."),
    _Kind("checks_pass", True, "Phase 1: the target's checks accept D; FLAGS s on S."),
    _Kind("checks_fail", True, "Phase 1: the target refuses D (no room); nothing changes."),
    _Kind("create_target", True, "Phase 2: the target creates D bound; FLAGS t on T."),
    _Kind("target_full", True, "Phase 2: the target's room was taken since the checks."),
    _Kind("begin_precopy", True, "Phase 3 starts: all of D's memory is dirty."),
    _Kind("precopy_round", True, "Phase 3: re-send the dirty pages; the set shrinks."),
    _Kind("dirty_burst", False, "The guest dirties many pages during pre-copy."),
    _Kind("suspend", True, "Phase 4: stop rule met (nothing dirty or round limit)."),
    _Kind("final_copy", True, "Phase 4: send the pages still dirty while suspended."),
    _Kind("resume_on_target", True, "Phase 5: the target resumes D (t cleared), acknowledges."),
    _Kind("complete_handoff", True, "Phase 5: the acknowledgement arrives; S destroys D."),
    _Kind("ack_timeout", True, "Phase 5: no acknowledgement over a partition: S in error."),
    _Kind("timeout", True, "Phases 1-4: the partitioned migration fails and cleans up."),
    _Kind("cancel_on_source", False, "ldm cancel-operation migration D on the source."),
    _Kind("cancel_on_target", False, "ldm cancel-operation on the target: refused."),
    _Kind("drop_message", False, "Fault: a protocol message is lost; the migration fails."),
    _Kind("partition", False, "Fault: the link between source and target goes down."),
    _Kind("heal", False, "The partitioned link comes back."),
    _Kind("lose_ack", False, "Fault: the hand-off acknowledgement is lost: S in error."),
    _Kind("handoff_failure", False, "Fault: the target fails to resume, cleans up, goes silent."),
    _Kind("destroy_source_copy", True, "Recovery: D runs on the target; destroy S's copy."),
    _Kind("recover_cancel", True, "Recovery: the target has no D; cancel-operation resumes S."),
    _Kind("bind_other", False, "Fault: another domain is bound on a host, taking a slot."),
    _Kind("send_handoff", True, "Phase 5 starts: S sends the CPU state; no cancel from now."),
    _Kind("target_gives_up", True, "T never got the hand-off: its timer destroys its copy."),
)
_KIND = {kind.name: number for number, kind in enumerate(_KINDS)}
START, CHECKS_PASS, CHECKS_FAIL, CREATE, FULL, BEGIN, ROUND, BURST = range(8)
SUSPEND, FINAL, RESUME, COMPLETE, ACK_TIMEOUT, TIMEOUT, CANCEL_S, CANCEL_T = range(8, 16)
DROP, PARTITION, HEAL, LOSE_ACK, HANDOFF_FAIL, DESTROY_SOURCE, RECOVER_CANCEL = range(16, 23)
BIND_OTHER = 23
SEND_HANDOFF, TARGET_GIVES_UP = 24, 25
HOST_LEVEL = 15
# Actions INV-PROGRESS need not look at, by construction of _domain_moves: a start
# leaves an idle domain (nothing to go back from), a partition or heal changes only
# the link, another bind no domain at all.
_NO_PROGRESS = frozenset({START, BIND_OTHER, PARTITION, HEAL})

ACTION_KINDS: tuple[str, ...] = tuple(
    [k.name for k in _KINDS if k.name not in ("cancel_on_source", "cancel_on_target")]
    + [
        f"{side}@{PHASE_NAMES[p]}"
        for side in ("cancel_on_source", "cancel_on_target")
        for p in (CHECKS, PREPARE, PRECOPY, SUSPENDED, HANDOFF)
    ]
)
"""Every action kind coverage reports; cancels are split by the phase they hit."""


def action(kind: int, domain: int, argument: int = 0) -> int:
    """The int encoding of an action."""
    return kind << 8 | domain << 4 | argument


def action_kind_of(act: int) -> int:
    return act >> 8


def action_domain(act: int) -> int:
    return (act >> 4) & 15


def _in_range(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(
            f"--{name} between {low} and {high}", got=value, source=f"argument --{name}"
        )


# --- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtocolConfig:
    """The size of the model: hosts, domains, concurrency, budgets and enabled faults."""

    hosts: int = 3
    domains: int = 3
    concurrent: int = 2
    round_limit: int = 2
    capacity: int = 0  # 0: one more than the busiest host holds at the start
    migrations: int = 3
    faults: int = 2
    enabled_faults: frozenset[str] = field(default_factory=lambda: frozenset(FAULTS))
    bursts: bool = True

    def __post_init__(self) -> None:
        _in_range("hosts", self.hosts, 2, 6)
        _in_range("domains", self.domains, 1, 6)
        _in_range("concurrent", self.concurrent, 1, self.domains)
        _in_range("round-limit", self.round_limit, 1, 3)
        busiest = -(-self.domains // self.hosts)
        if self.capacity == 0:
            object.__setattr__(self, "capacity", busiest + 1)
        _in_range("capacity", self.capacity, busiest, 7)
        _in_range("migrations", self.migrations, 0, 15)
        _in_range("faults", self.faults, 0, 15)
        unknown = sorted(self.enabled_faults - set(FAULTS))
        if unknown:
            raise InputError(f"fault kinds among {', '.join(FAULTS)}", got=unknown[0])

    @property
    def name(self) -> str:
        """A short name: ``h3-d3-k2`` plus what differs from the defaults."""
        text = f"h{self.hosts}-d{self.domains}-k{self.concurrent}"
        defaults = ProtocolConfig(self.hosts, self.domains, self.concurrent)
        for key in ("round_limit", "capacity", "migrations", "faults", "bursts"):
            if getattr(self, key) != getattr(defaults, key):
                text += f"-{key.replace('_', '')}{int(getattr(self, key))}"
        if self.enabled_faults != defaults.enabled_faults:
            text += (
                "-" + "+".join(sorted(self.enabled_faults)) if self.enabled_faults else "-nofaults"
            )
        return text


STANDARD = ProtocolConfig()
"""The standard configuration: 3 hosts, 3 domains, 2 concurrent migrations, every fault."""


# --- the model ---------------------------------------------------------------------------------

# A move of one domain: (action kind, argument, new packed domain, host deltas, budget delta).
# Host deltas are (host, used slots delta, foreign delta) triples.
_Move = tuple[int, int, int, tuple[tuple[int, int, int], ...], int]
State = int
_HOST_BITS = 4  # foreign << 3 | used slots
_DOMAIN_BITS = sum(_WIDTHS)
_DOMAIN_MASK = (1 << _DOMAIN_BITS) - 1


class Protocol(Model[State, int]):
    """The abstract migration protocol for one :class:`ProtocolConfig`.

    A state is one int, so that hashing and comparing it is cheap and a step is an
    addition: from the lowest bits up, the budgets (8 bits: ``starts_left << 4 |
    faults_left``), one 4-bit field per host (``foreign << 3 | used slots``), then one
    packed :class:`Domain` per domain. :meth:`decode` and :meth:`encode` convert.
    """

    variant = "correct"

    def __init__(self, config: ProtocolConfig = STANDARD) -> None:
        self.config = config
        self.hosts = config.hosts
        self.domains = config.domains
        self._host_offsets = tuple(8 + _HOST_BITS * h for h in range(self.hosts))
        first = 8 + _HOST_BITS * self.hosts
        self._domain_offsets = tuple(first + _DOMAIN_BITS * d for d in range(self.domains))
        # per domain: (packed domain, context) -> ((action, state delta), ...)
        self._moves: list[dict[int, tuple[tuple[int, int], ...]]] = [
            {} for _ in range(self.domains)
        ]
        self._busy = [False] * 8  # by phase: counts against the concurrency limit
        for phase in (CHECKS, PREPARE, PRECOPY, SUSPENDED, HANDOFF):
            self._busy[phase] = True
        # every host renaming, with a cache of relabelled packed domains for each
        self._permutations = [
            (perm, _Relabel(perm)) for perm in itertools.permutations(range(self.hosts))
        ]
        self._sorting_renamings: dict[tuple[int, ...], tuple[tuple[int, ...], list[_Relabel]]] = {}

    # -- the layout -------------------------------------------------------------------------------

    def host_fields(self, state: State) -> tuple[int, ...]:
        """Each host's 4-bit field (``foreign << 3 | used``)."""
        return tuple([(state >> offset) & 15 for offset in self._host_offsets])

    def domain_fields(self, state: State) -> tuple[int, ...]:
        """Each domain, packed."""
        return tuple([(state >> offset) & _DOMAIN_MASK for offset in self._domain_offsets])

    def pack_state(self, budget: int, hosts: Iterable[int], domains: Iterable[int]) -> State:
        """The state of budget, host fields and packed domains (one of each)."""
        hosts, domains = tuple(hosts), tuple(domains)
        if len(hosts) != self.hosts or len(domains) != self.domains:
            raise ValueError(f"{self.hosts} hosts and {self.domains} domains expected")
        return self._pack(budget, hosts, domains)

    def _pack(self, budget: int, hosts: Iterable[int], domains: Iterable[int]) -> State:
        # the fields do not overlap, so shifting and adding is or-ing
        return (
            budget
            + sum(map(operator.lshift, hosts, self._host_offsets))
            + sum(map(operator.lshift, domains, self._domain_offsets))
        )

    # -- model interface ------------------------------------------------------------------------

    def init_states(self) -> Sequence[State]:
        config = self.config
        used = [0] * self.hosts
        domains = []
        for d in range(self.domains):
            home = d % self.hosts
            used[home] += 1
            domains.append(Domain(home, 0, IDLE, RUNNING, 0, NONE, 0, 0, 0, 0, 0, 0).pack())
        budget = config.migrations << 4 | config.faults
        return [self.pack_state(budget, used, domains)]

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
        domain_offsets = self._domain_offsets
        host_offsets = self._host_offsets
        domains = [(state >> offset) & _DOMAIN_MASK for offset in domain_offsets]
        in_progress = 0
        for packed in domains:
            if busy[(packed >> _PHASE_SHIFT) & 7]:
                in_progress += 1
        context = (1 if budget >> 4 and in_progress < self.config.concurrent else 0) | (
            2 if budget & 15 else 0
        )
        capacity = self.config.capacity
        out: list[tuple[int, State]] = []
        for d, packed in enumerate(domains):
            target = (packed >> 3) & 7
            free = 4 if ((state >> host_offsets[target]) & 7) < capacity else 0
            key = packed << 3 | context | free
            moves = self._moves[d].get(key)
            if moves is None:
                moves = self._steps_of(d, packed, context, free)
                self._moves[d][key] = moves
            for act, delta in moves:
                # a refused command gives back the very same state (a fast stutter)
                out.append((act, state + delta if delta else state))
        if context & 2 and "foreign-bind" in self.config.enabled_faults:
            for h, offset in enumerate(host_offsets):
                field_ = (state >> offset) & 15
                if not field_ >> 3 and (field_ & 7) < capacity:
                    out.append((BIND_OTHER << 8 | HOST_LEVEL << 4 | h, state - 1 + (9 << offset)))
        return out

    def _steps_of(
        self, d: int, packed: int, context: int, free: int
    ) -> tuple[tuple[int, int], ...]:
        """Domain ``d``'s moves as (action, what to add to the state)."""
        steps = []
        offset = self._domain_offsets[d]
        for kind, argument, new, deltas, spent in self._domain_moves(
            Domain.unpack(packed), context & 1, context & 2, free
        ):
            delta = ((new - packed) << offset) + spent
            for host, used, foreign in deltas:
                delta += (used + (foreign << 3)) << self._host_offsets[host]
            steps.append((kind << 8 | d << 4 | argument, delta))
        return tuple(steps)

    def is_terminal(self, state: State) -> bool:
        """Quiescent: nothing under way or in error, and no migration can start."""
        domains = self.domain_fields(state)
        if any((packed >> _PHASE_SHIFT) & 7 for packed in domains):
            return False
        return not (state & 255) >> 4 or not any(
            Domain.unpack(packed).source_copy == RUNNING for packed in domains
        )

    def is_fair(self, action: int) -> bool:
        return _KINDS[action >> 8].fair

    def fairness_class(self, action: int) -> str:
        # Weak fairness per kind of protocol step: symmetric, so sound under reduction.
        return _KINDS[action >> 8].name

    def representative(self, state: State) -> State:
        """Canonical under renaming hosts and domains: the least relabelled state.

        The least candidate lists the hosts' records in ascending order, so only the
        renamings that sort them need trying: one when the hosts differ, a few when
        some look alike. Domains are interchangeable outright and are sorted.
        """
        hosts = self.host_fields(state)
        known = self._sorting_renamings.get(hosts)
        if known is None:
            known = self._renamings_sorting(hosts)
        ordered, tables = known
        domains = self.domain_fields(state)
        if len(tables) == 1:
            best = sorted(map(tables[0].__getitem__, domains))
        else:
            best = min(sorted(map(table.__getitem__, domains)) for table in tables)
        return self._pack(state & 255, ordered, best)

    def _renamings_sorting(self, hosts: tuple[int, ...]) -> tuple[tuple[int, ...], list[_Relabel]]:
        """The hosts sorted, and the relabelling of every renaming that sorts them."""
        ordered = tuple(sorted(hosts))
        found = [
            table
            for perm, table in self._permutations
            if all(ordered[perm[h]] == hosts[h] for h in range(self.hosts))
        ]
        self._sorting_renamings[hosts] = (ordered, found)
        return ordered, found

    def action_kind(self, action: int) -> str:
        kind = action >> 8
        if kind in (CANCEL_S, CANCEL_T):
            return f"{_KINDS[kind].name}@{PHASE_NAMES[action & 15]}"
        return _KINDS[kind].name

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
        missing = {_KINDS[k].name for k, fault in needs.items() if fault not in enabled}
        if not self.config.bursts:
            missing.add("dirty_burst")
        if self.config.migrations == 0:
            return ()
        return tuple(kind for kind in ACTION_KINDS if kind not in missing)

    def describe_action(self, action: int) -> str:
        kind = action >> 8
        domain = (action >> 4) & 15
        argument = action & 15
        name = _KINDS[kind].name
        if kind == BIND_OTHER:
            return f"{name}(h{argument})"
        if kind == START:
            return f"{name}(d{domain} -> h{argument})"
        return f"{name}(d{domain})"

    def explain_action(self, action: int) -> str:
        """The one-line docstring of ``action``'s kind."""
        return _KINDS[action >> 8].doc

    def decode(
        self, state: State
    ) -> tuple[int, int, tuple[tuple[int, int], ...], tuple[Domain, ...]]:
        """``(starts_left, faults_left, ((used, foreign) per host), domains)``."""
        hosts = tuple((h & 7, h >> 3) for h in self.host_fields(state))
        domains = tuple(Domain.unpack(p) for p in self.domain_fields(state))
        return (state & 255) >> 4, state & 15, hosts, domains

    def encode(
        self,
        starts_left: int,
        faults_left: int,
        hosts: Sequence[tuple[int, int]],
        domains: Sequence[Domain],
    ) -> State:
        """The inverse of :meth:`decode`."""
        return self.pack_state(
            starts_left << 4 | faults_left,
            (used | foreign << 3 for used, foreign in hosts),
            (d.pack() for d in domains),
        )

    def describe_state(self, state: State) -> dict[str, Any]:
        starts, faults, hosts, domains = self.decode(state)
        return {
            "starts_left": starts,
            "faults_left": faults,
            "hosts": [
                {"host": f"h{h}", "used": used, "other_bound": bool(foreign)}
                for h, (used, foreign) in enumerate(hosts)
            ],
            "domains": [_describe_domain(d, dom) for d, dom in enumerate(domains)],
        }

    # -- properties ---------------------------------------------------------------------------

    def properties(self) -> Sequence[Property]:
        from ldmspec.models.protocol_properties import protocol_properties

        return protocol_properties(self)

    # -- one domain's moves (the protocol itself) ---------------------------------------------

    def _domain_moves(
        self, d: Domain, can_start: int, can_fault: int, free: int
    ) -> tuple[_Move, ...]:
        """Every move of domain ``d``, in a fixed order.

        ``can_start``: a start is left and the concurrency limit allows one more;
        ``can_fault``: a fault is left; ``free``: d's target host has a free slot.
        """
        moves: list[_Move] = []
        faults = self.config.enabled_faults if can_fault else frozenset()

        def add(
            kind: int,
            new: Domain,
            deltas: tuple[tuple[int, int, int], ...] = (),
            spent: int = 0,
            argument: int = 0,
        ) -> None:
            moves.append((kind, argument, new.pack(), deltas, spent))

        phase = d.phase
        if phase == IDLE:
            if can_start and d.source_copy == RUNNING:
                for target in range(self.hosts):
                    if target != d.home:
                        add(START, self.start_migration(d, target), spent=-16, argument=target)
            return tuple(moves)
        if phase == ERROR:
            if d.target_copy == TARGET_RUNNING:
                add(DESTROY_SOURCE, *self.destroy_source_copy(d))
            elif d.target_copy == BOUND:
                add(TARGET_GIVES_UP, *self.target_gives_up(d))
            else:
                add(RECOVER_CANCEL, self.recover_cancel(d))
            return tuple(moves)

        link_up = not d.partitioned
        if phase == CHECKS and link_up:
            if free:
                add(CHECKS_PASS, d._replace(phase=PREPARE, source_flag=FLAG_SOURCE))
            else:
                add(CHECKS_FAIL, self.end(d, FAILED))
        elif phase == PREPARE and link_up:
            if d.target_copy == NONE:
                if free:
                    add(CREATE, *self.create_target(d))
                else:
                    add(FULL, self.end(d, TARGET_FULL))
            else:
                add(BEGIN, d._replace(phase=PRECOPY, dirty=LARGE, rounds=0))
        elif phase == PRECOPY:
            if link_up and d.dirty and self.round_allowed(d):
                add(ROUND, *self.precopy_round(d))
            if self.config.bursts and d.dirty < LARGE:
                add(BURST, self.dirty_burst(d))
            if self.stop_rule(d):
                add(SUSPEND, *self.suspend(d))
        elif phase == SUSPENDED and link_up:
            if d.dirty:
                add(FINAL, d._replace(dirty=0))
            if self.ready_to_resume(d):
                add(SEND_HANDOFF, d._replace(phase=HANDOFF))
        elif phase == HANDOFF:
            if link_up and d.target_copy == BOUND:
                add(RESUME, *self.resume_on_target(d))
            elif link_up:
                add(COMPLETE, *self.complete_handoff(d))
            else:
                waited = self.ack_timeout(d)
                if waited is not None:
                    add(ACK_TIMEOUT, waited)
        if d.partitioned and phase != HANDOFF:
            add(TIMEOUT, *self.fail(d, FAILED))

        # the operators and the environment
        cancel = self.cancel_on_source(d)
        add(CANCEL_S, *cancel, argument=phase)
        add(CANCEL_T, *self.cancel_on_target(d), argument=phase)
        if "drop" in faults and link_up and phase != HANDOFF:
            add(DROP, *self.fail(d, FAILED), spent=-1)
        if "partition" in faults and link_up:
            add(PARTITION, d._replace(partitioned=1), spent=-1)
        if d.partitioned:
            add(HEAL, d._replace(partitioned=0))
        if phase == HANDOFF and link_up:
            if "lost-ack" in faults and d.target_copy == TARGET_RUNNING:
                add(LOSE_ACK, self.ack_lost(d), spent=-1)
            if "handoff-failure" in faults and d.target_copy == BOUND:
                add(HANDOFF_FAIL, *self.handoff_failure(d), spent=-1)
        return tuple(moves)

    # Each step below returns the domain after it and, where slots change hands, the
    # host deltas. Variants override one of them to break one behaviour.

    def start_migration(self, d: Domain, target: int) -> Domain:
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

    def create_target(self, d: Domain) -> tuple[Domain, tuple[tuple[int, int, int], ...]]:
        """The target creates the domain bound (FLAGS t) and takes a slot."""
        new = d._replace(target_copy=BOUND, target_flag=1)
        return new, ((d.target, 1, 0),)

    def round_allowed(self, d: Domain) -> bool:
        """Another pre-copy round is allowed below the round limit."""
        return d.rounds < self.config.round_limit

    def dirty_burst(self, d: Domain) -> Domain:
        """The guest dirties many pages: the dirty set is large again."""
        return d._replace(dirty=LARGE, burst=1)

    def precopy_round(self, d: Domain) -> tuple[Domain]:
        """Re-send the dirty pages: one bucket smaller, one round more."""
        return (d._replace(dirty=d.dirty - 1, rounds=d.rounds + 1),)

    def stop_rule(self, d: Domain) -> bool:
        """Suspend when nothing is dirty or the round limit is reached."""
        return d.dirty == 0 or d.rounds >= self.config.round_limit

    def suspend(self, d: Domain) -> tuple[Domain]:
        """The source suspends the guest; pages still dirty are sent next."""
        return (d._replace(phase=SUSPENDED, source_copy=SUSPENDED_COPY),)

    def ready_to_resume(self, d: Domain) -> bool:
        """The hand-off (and so the target's resume) may start once every dirty page
        has been sent."""
        return d.dirty == 0

    def resume_on_target(self, d: Domain) -> tuple[Domain]:
        """The target resumes the guest (its migration is over: no t) and
        acknowledges."""
        return (d._replace(phase=HANDOFF, target_copy=TARGET_RUNNING, target_flag=0),)

    def complete_handoff(self, d: Domain) -> tuple[Domain, tuple[tuple[int, int, int], ...]]:
        """The source destroys its copy: the target's copy is now the domain."""
        return self.moved(d, COMPLETED), ((d.home, -1, 0),)

    def ack_timeout(self, d: Domain) -> Domain | None:
        """Over a partition the acknowledgement never comes: the source times out."""
        return self.ack_lost(d)

    def ack_lost(self, d: Domain) -> Domain:
        """The source cannot tell whether the hand-off happened: error state e."""
        return d._replace(phase=ERROR, source_flag=FLAG_ERROR)

    def target_gives_up(self, d: Domain) -> tuple[Domain, tuple[tuple[int, int, int], ...]]:
        """The target, never handed the domain, destroys its bound copy and frees it."""
        return d._replace(target_copy=NONE, target_flag=0), ((d.target, -1, 0),)

    def handoff_failure(self, d: Domain) -> tuple[Domain, tuple[tuple[int, int, int], ...]]:
        """The target cleans up after failing to resume; the source is left in e."""
        new = d._replace(phase=ERROR, source_flag=FLAG_ERROR, target_copy=NONE, target_flag=0)
        return new, ((d.target, -1, 0),)

    def destroy_source_copy(self, d: Domain) -> tuple[Domain, tuple[tuple[int, int, int], ...]]:
        """Operator recovery when the domain runs on the target."""
        return self.moved(d, RECOVERED_ON_TARGET), ((d.home, -1, 0),)

    def recover_cancel(self, d: Domain) -> Domain:
        """Operator recovery when the target has no copy: resume the source."""
        return self.end(d, RECOVERED_ON_SOURCE)

    def cancel_on_source(self, d: Domain) -> tuple[Domain, tuple[tuple[int, int, int], ...]]:
        """Accepted in phases 1-4 (clean up, resume); too late in phase 5 (no change)."""
        if d.phase == HANDOFF:
            return d, ()
        return self.fail(d, CANCELLED)

    def cancel_on_target(self, d: Domain) -> tuple[Domain, tuple[tuple[int, int, int], ...]]:
        """Refused: a system cannot control a migration it is the target of."""
        return d, ()

    def fail(self, d: Domain, outcome: int) -> tuple[Domain, tuple[tuple[int, int, int], ...]]:
        """End before hand-off: destroy the target copy, free its slot, resume the source."""
        deltas = ((d.target, -1, 0),) if d.target_copy != NONE else ()
        return self.end(d, outcome), deltas

    def end(self, d: Domain, outcome: int) -> Domain:
        """The domain back on its source, running, with no migration state."""
        return Domain(
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

    def moved(self, d: Domain, outcome: int) -> Domain:
        """The domain now lives on its former target, running, with no migration state."""
        return Domain(d.target, 0, IDLE, RUNNING, FLAG_NONE, NONE, 0, 0, 0, 0, 0, outcome)


def expected_source_flag(d: Domain) -> int:
    """FLAGS column 6 of the source's copy in ``d``'s phase (what INV-FLAGS demands)."""
    if d.phase == ERROR:
        return FLAG_ERROR
    if PREPARE <= d.phase <= HANDOFF:
        return FLAG_SOURCE
    return FLAG_NONE


class _Relabel(dict[int, int]):
    """Packed domain -> the same domain with its hosts renamed by ``perm`` (memoised)."""

    def __init__(self, perm: tuple[int, ...]) -> None:
        super().__init__()
        self.perm = perm

    def __missing__(self, packed: int) -> int:
        d = Domain.unpack(packed)
        target = self.perm[d.target] if d.phase != IDLE else 0
        new = d._replace(home=self.perm[d.home], target=target).pack()
        self[packed] = new
        return new


def _describe_domain(number: int, d: Domain) -> dict[str, Any]:
    view: dict[str, Any] = {
        "domain": f"d{number}",
        "host": f"h{d.home}",
        "phase": PHASE_NAMES[d.phase],
        "source_copy": COPY_NAMES[d.source_copy],
        "flags": SOURCE_FLAGS[d.source_flag],
        "outcome": OUTCOME_NAMES[d.outcome],
    }
    if d.phase != IDLE:
        view.update(
            {
                "target": f"h{d.target}",
                "target_copy": TARGET_COPY_NAMES[d.target_copy],
                "target_flags": "t" if d.target_flag else "-",
                "dirty": DIRTY_NAMES[d.dirty],
                "rounds": d.rounds,
                "burst": bool(d.burst),
                "link": "partitioned" if d.partitioned else "up",
            }
        )
    elif d.burst:
        view["burst"] = True
    return view
