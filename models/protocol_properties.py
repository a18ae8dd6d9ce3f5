"""The properties of the abstract migration protocol (DESIGN.md "Invariants").

Each invariant is a small predicate over one domain (:class:`ModelDomain`) or one
state; :func:`protocol_properties` lifts them to the explorer's
:class:`~ldmspec.explorer.model.Property` values for a model's layout. The lifted
predicates read the packed state directly or memoise per packed domain, because the
explorer calls them once per state or per transition.
"""

from __future__ import annotations

from collections.abc import Callable

from ldmspec.models.protocol_actions import BIND_OTHER, CANCEL_T, NO_PROGRESS
from ldmspec.models.protocol_domain import (
    BOUND,
    CANCELLED,
    CHECKS,
    COMPLETED,
    DOMAIN_MASK,
    ERROR,
    FAILED,
    HANDOFF,
    IDLE,
    NONE,
    PHASE_SHIFT,
    PRECOPY,
    PREPARE,
    RECOVERED_ON_SOURCE,
    ROUNDS_SHIFT,
    RUNNING,
    SUSPENDED,
    TARGET_FULL,
    TARGET_RUNNING,
    ModelDomain,
    expected_source_flag,
)
from ldmspec.models.protocol_layout import State, StateLayout

from ldmspec.explorer.model import Property

__all__ = [
    "cleaned_up",
    "flags_match_phase",
    "lock_holders",
    "no_lost_writes",
    "progress_monotone",
    "protocol_properties",
    "single_active",
    "slots_conserved",
    "target_cancel_refused",
]

# --- the predicates -----------------------------------------------------------------------

_ENDING = frozenset((CHECKS, PREPARE, SUSPENDED, HANDOFF))
_PRECOPY = frozenset((PRECOPY,))
_ACTIVE = frozenset((CHECKS, PREPARE, PRECOPY, SUSPENDED, HANDOFF))


def single_active(d: ModelDomain) -> bool:
    """INV-SINGLE-ACTIVE: never two running copies; an idle domain has one copy."""
    if (d.source_copy == RUNNING) + (d.target_copy == TARGET_RUNNING) > 1:
        return False
    return not (d.phase == IDLE and (d.source_copy == NONE or d.target_copy != NONE))


def cleaned_up(d: ModelDomain) -> bool:
    """INV-CLEANUP: after cancel or failure, no target copy and the source running."""
    ended_badly = d.outcome in (CANCELLED, FAILED, TARGET_FULL, RECOVERED_ON_SOURCE)
    if ended_badly and d.phase == IDLE:
        return d.source_copy == RUNNING and d.target_copy == NONE
    return True


def flags_match_phase(d: ModelDomain) -> bool:
    """INV-FLAGS: ``s`` on a migrating source, ``t`` on its bound target, ``e`` in error."""
    wanted_t = int(d.target_copy == BOUND and d.phase != IDLE)
    return d.source_flag == expected_source_flag(d) and d.target_flag == wanted_t


def no_lost_writes(d: ModelDomain) -> bool:
    """INV-NO-LOST-WRITES: the target never runs the domain while pages are dirty."""
    return d.target_copy != TARGET_RUNNING or d.dirty == 0


def slots_conserved(layout: StateLayout, state: State) -> bool:
    """INV-CONSERVATION: each host's used slots are the copies it holds, within capacity."""
    _, _, hosts, domains = layout.decode(state)
    copies = [0] * layout.hosts
    for d in domains:
        if d.source_copy != NONE:
            copies[d.home] += 1
        if d.phase != IDLE and d.target_copy != NONE:
            copies[d.target] += 1
    capacity = layout.config.capacity
    return all(
        used <= capacity and used == copies[h] + foreign for h, (used, foreign) in enumerate(hosts)
    )


def progress_monotone(layout: StateLayout, before: State, act: int, after: State) -> bool:
    """INV-PROGRESS: a migration's (phase, rounds) never goes backwards."""
    # hot: runs on every edge, so it reads the packed fields directly
    if act >> 8 == BIND_OTHER:
        return True
    offset = layout.domain_offsets[(act >> 4) & 15]
    old = (before >> offset) & DOMAIN_MASK
    new = (after >> offset) & DOMAIN_MASK
    old_phase = (old >> PHASE_SHIFT) & 7
    new_phase = (new >> PHASE_SHIFT) & 7
    if not old_phase or not new_phase:
        return True
    if new_phase != old_phase:
        return new_phase > old_phase
    return (new >> ROUNDS_SHIFT) & 3 >= (old >> ROUNDS_SHIFT) & 3


def lock_holders(d: ModelDomain) -> frozenset[int]:
    """The hosts whose lock ``d``'s migration holds, as DESIGN.md defines the lock: the
    source from ``ldm migrate-domain`` until the migration ends there, the target from
    its pre-check's acceptance (phase 2 begins) until it resumes the domain or cleans
    up. Written from DESIGN.md, not taken from the model's own lock."""
    held = set()
    if d.phase in _ACTIVE:
        held.add(d.home)
    if d.phase != IDLE and (d.target_copy == BOUND or (d.phase == PREPARE and not d.target_copy)):
        held.add(d.target)
    return frozenset(held)


def locks_respected(layout: StateLayout) -> Callable[[State, int, State], bool]:
    """INV-LOCK as a step predicate: another bind is never accepted on a host some
    migration holds the lock of, and a step that takes a lock never leaves a host
    holding more than ``per_host`` (``max_migrations_per_host``)."""
    known: dict[int, frozenset[int]] = {}
    offsets = layout.domain_offsets
    cap = layout.config.per_host

    def held(packed: int) -> frozenset[int]:
        hosts = known.get(packed)
        if hosts is None:
            hosts = known[packed] = lock_holders(ModelDomain.unpack(packed))
        return hosts

    def holds(before: State, act: int, after: State) -> bool:
        if act >> 8 == BIND_OTHER:
            host = act & 15
            return not any(host in held((before >> o) & DOMAIN_MASK) for o in offsets)
        offset = offsets[(act >> 4) & 15]
        taken = held((after >> offset) & DOMAIN_MASK) - held((before >> offset) & DOMAIN_MASK)
        if not taken:
            return True
        domains = [held((after >> o) & DOMAIN_MASK) for o in offsets]
        return all(sum(host in hosts for hosts in domains) <= cap for host in taken)

    return holds


def target_cancel_refused(before: State, act: int, after: State) -> bool:
    """INV-SOURCE-CONTROL: a cancel on the target changes nothing."""
    return act >> 8 != CANCEL_T or before == after


# --- lifting them to properties -------------------------------------------------------------


def every_domain(
    layout: StateLayout, check: Callable[[ModelDomain], bool]
) -> Callable[[State], bool]:
    """A state predicate true when ``check`` holds for every domain (memoised per
    packed domain: a model has a few thousand of them, and many states)."""
    known: dict[int, bool] = {}
    offsets = layout.domain_offsets

    def holds(state: State) -> bool:
        for offset in offsets:
            packed = (state >> offset) & DOMAIN_MASK
            ok = known.get(packed)
            if ok is None:
                ok = known[packed] = check(ModelDomain.unpack(packed))
            if not ok:
                return False
        return True

    return holds


def phase_count(layout: StateLayout, state: State, phases: frozenset[int]) -> int:
    """How many domains are in one of ``phases``."""
    return sum((p >> PHASE_SHIFT) & 7 in phases for p in layout.domain_fields(state))


def outcome_seen(
    layout: StateLayout, *outcomes: int, burst: bool = False
) -> Callable[[State], bool]:
    """Some idle domain's last migration ended in one of ``outcomes`` (after a burst)."""

    def seen(state: State) -> bool:
        return any(
            d.outcome in outcomes and d.phase == IDLE and (d.burst or not burst)
            for d in layout.decode(state)[3]
        )

    return seen


def protocol_properties(layout: StateLayout) -> list[Property]:
    """The properties of the protocol model of ``layout``, as DESIGN.md names them.

    Invariants (``always``) and action properties (``step``) from DESIGN.md
    "Invariants", liveness (``eventually`` for each migration, under weak fairness of
    each migration's own steps) and ``sometimes`` targets guarding against a vacuous
    model; targets a
    configuration cannot reach (two migrations with one domain...) are left out.
    """
    return [*invariants(layout), *liveness(layout), *reachability_targets(layout)]


def invariants(layout: StateLayout) -> list[Property]:
    """The ``always`` and ``step`` properties."""
    return [
        Property.always(
            "INV-SINGLE-ACTIVE",
            every_domain(layout, single_active),
            "no two copies of a domain run; an idle domain has exactly one copy",
        ),
        Property.always(
            "INV-CLEANUP",
            every_domain(layout, cleaned_up),
            "after cancel or failure: no target copy, the source copy running",
        ),
        Property.always(
            "INV-FLAGS",
            every_domain(layout, flags_match_phase),
            "FLAGS column 6: s on a migrating source, t on its bound target, e only in error",
        ),
        Property.always(
            "INV-CONSERVATION",
            lambda state: slots_conserved(layout, state),
            "on every host the used slots are exactly the copies held, within capacity",
        ),
        Property.always(
            "INV-NO-LOST-WRITES",
            every_domain(layout, no_lost_writes),
            "the target never runs the domain while pages are still dirty",
        ),
        Property.step(
            "INV-PROGRESS",
            lambda before, act, after: progress_monotone(layout, before, act, after),
            "a migration's progress (phase, rounds) never goes backwards",
            concerns=lambda act: act >> 8 not in NO_PROGRESS,
        ),
        Property.step(
            "INV-LOCK",
            locks_respected(layout),
            "no bind on a host a migration holds locked (the target from its pre-check's "
            "acceptance); no host in more than max_migrations_per_host migrations",
        ),
        Property.step(
            "INV-SOURCE-CONTROL",
            target_cancel_refused,
            "cancel on the target is refused and changes nothing",
            concerns=lambda act: act >> 8 == CANCEL_T,
        ),
    ]




def in_phase(layout: StateLayout, d: int, phases: frozenset[int]) -> Callable[[State], bool]:
    """Whether domain ``d`` is in one of ``phases``."""
    offset = layout.domain_offsets[d]

    def holds(state: State) -> bool:
        return (state >> offset >> PHASE_SHIFT) & 7 in phases

    return holds


def not_in_phase(layout: StateLayout, d: int, phases: frozenset[int]) -> Callable[[State], bool]:
    """Whether domain ``d`` is in none of ``phases``."""
    inside = in_phase(layout, d, phases)
    return lambda state: not inside(state)


def liveness(layout: StateLayout) -> list[Property]:
    """LIVE-TERMINATES and LIVE-CONVERGES, one ``eventually`` case per migration."""
    domains = range(layout.domains)
    return [
        Property.eventually_each(
            "LIVE-TERMINATES",
            [(not_in_phase(layout, d, _ENDING), in_phase(layout, d, _ENDING)) for d in domains],
            description="every migration outside pre-copy ends under weak fairness",
        ),
        Property.eventually_each(
            "LIVE-CONVERGES",
            [(not_in_phase(layout, d, _PRECOPY), in_phase(layout, d, _PRECOPY)) for d in domains],
            description="pre-copy reaches suspension (or ends) within the round limit",
        ),
    ]


def reachability_targets(layout: StateLayout) -> list[Property]:
    """The ``sometimes`` targets this configuration can reach."""
    config = layout.config
    if config.migrations == 0:
        return []
    faults = config.enabled_faults if config.faults != 0 else frozenset()
    props = [
        Property.sometimes(
            "a completed migration", outcome_seen(layout, COMPLETED), "a migration completes"
        ),
        Property.sometimes(
            "a cancelled migration after a dirty burst",
            outcome_seen(layout, CANCELLED, burst=True),
            "a migration is cancelled after the guest burst its dirty pages",
        ),
    ]
    if config.concurrent >= 2 and (config.migrations or 2) >= 2 and layout.domains >= 2:
        props.append(
            Property.sometimes(
                "two concurrent migrations",
                lambda s: phase_count(layout, s, _ACTIVE) >= 2,
                "two migrations are under way at once",
            )
        )
    if "lost-ack" in faults:
        props.append(
            Property.sometimes(
                "error state after a lost acknowledgement",
                lambda s: any(
                    d.phase == ERROR and d.target_copy == TARGET_RUNNING
                    for d in layout.decode(s)[3]
                ),
                "the source copy is in error state e while the target runs the domain",
            )
        )
    if "handoff-failure" in faults:
        props.append(
            Property.sometimes(
                "recovery on the source after a failed hand-off",
                outcome_seen(layout, RECOVERED_ON_SOURCE),
                "cancel-operation resumes the source after the target cleaned up",
            )
        )
    if "foreign-bind" in faults and (layout.domains >= 2 or config.capacity == 1):
        props.append(
            Property.sometimes(
                "the target's room taken before its checks",
                lambda s: (
                    any(d.outcome == FAILED and d.phase == IDLE for d in layout.decode(s)[3])
                    and any(foreign for _, foreign in layout.decode(s)[2])
                ),
                "another bind takes the target's room before its pre-check accepts",
            )
        )
    return props
