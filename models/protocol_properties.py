"""The properties of the abstract migration protocol (DESIGN.md "Invariants").

Kept apart from :mod:`ldmspec.models.protocol`, which holds the transition system;
each predicate reads the model's packed state directly or memoises per packed domain,
because the explorer calls them once per state or per transition.
"""

from __future__ import annotations

from collections.abc import Callable

from ldmspec.models.protocol import (
    _DOMAIN_MASK,
    _FIELDS,
    _NO_PROGRESS,
    _PHASE_SHIFT,
    BIND_OTHER,
    BOUND,
    CANCEL_T,
    CANCELLED,
    CHECKS,
    COMPLETED,
    ERROR,
    FAILED,
    HANDOFF,
    IDLE,
    NONE,
    PRECOPY,
    PREPARE,
    RECOVERED_ON_SOURCE,
    RUNNING,
    SUSPENDED,
    TARGET_FULL,
    TARGET_RUNNING,
    Domain,
    Protocol,
    State,
    expected_source_flag,
)

from ldmspec.explorer import Property

__all__ = ["protocol_properties"]


def protocol_properties(model: Protocol) -> list[Property]:
    """The properties of the protocol model ``model``, as DESIGN.md names them.

    Invariants (``always``) and action properties (``step``) from DESIGN.md
    "Invariants", liveness (``eventually``, under weak fairness of the protocol's own
    steps) and ``sometimes`` targets guarding against a vacuous model; targets a
    configuration cannot reach (two migrations with one domain...) are left out.
    """
    config = model.config
    decode = model.decode
    capacity = config.capacity
    n = model.hosts
    fields_of = model.domain_fields
    offsets = model._domain_offsets

    def doms(state: State) -> tuple[Domain, ...]:
        return tuple(Domain.unpack(p) for p in fields_of(state))

    def every_domain(check: Callable[[Domain], bool]) -> Callable[[State], bool]:
        """A state predicate true when ``check`` holds for every domain (memoised
        per packed domain: a model has a few thousand of them, and many states)."""
        known: dict[int, bool] = {}

        def holds(state: State) -> bool:
            for offset in offsets:
                packed = (state >> offset) & _DOMAIN_MASK
                ok = known.get(packed)
                if ok is None:
                    ok = known[packed] = check(Domain.unpack(packed))
                if not ok:
                    return False
            return True

        return holds

    @every_domain
    def single_active(d: Domain) -> bool:
        if (d.source_copy == RUNNING) + (d.target_copy == TARGET_RUNNING) > 1:
            return False
        return not (d.phase == IDLE and (d.source_copy == NONE or d.target_copy != NONE))

    @every_domain
    def cleanup(d: Domain) -> bool:
        ended_badly = d.outcome in (CANCELLED, FAILED, TARGET_FULL, RECOVERED_ON_SOURCE)
        if ended_badly and d.phase == IDLE:
            return d.source_copy == RUNNING and d.target_copy == NONE
        return True

    @every_domain
    def flags(d: Domain) -> bool:
        wanted_t = int(d.target_copy == BOUND and d.phase != IDLE)
        return d.source_flag == expected_source_flag(d) and d.target_flag == wanted_t

    def conservation(state: State) -> bool:
        _, _, hosts, domains = decode(state)
        copies = [0] * n
        for d in domains:
            if d.source_copy != NONE:
                copies[d.home] += 1
            if d.phase != IDLE and d.target_copy != NONE:
                copies[d.target] += 1
        return all(
            used <= capacity and used == copies[h] + foreign
            for h, (used, foreign) in enumerate(hosts)
        )

    @every_domain
    def no_lost_writes(d: Domain) -> bool:
        return d.target_copy != TARGET_RUNNING or d.dirty == 0

    phase_shift = _PHASE_SHIFT
    rounds_shift = _FIELDS[8][0]

    def progress(before: State, act: int, after: State) -> bool:
        # hot: runs on every edge, so it reads the packed fields directly
        if act >> 8 == BIND_OTHER:
            return True
        offset = offsets[(act >> 4) & 15]
        old = (before >> offset) & _DOMAIN_MASK
        new = (after >> offset) & _DOMAIN_MASK
        old_phase = (old >> phase_shift) & 7
        new_phase = (new >> phase_shift) & 7
        if not old_phase or not new_phase:
            return True
        if new_phase != old_phase:
            return new_phase > old_phase
        return (new >> rounds_shift) & 3 >= (old >> rounds_shift) & 3

    def source_control(before: State, act: int, after: State) -> bool:
        return act >> 8 != CANCEL_T or before == after

    def phase_count(state: State, phases: frozenset[int]) -> int:
        return sum((p >> phase_shift) & 7 in phases for p in fields_of(state))

    ending = frozenset((CHECKS, PREPARE, SUSPENDED, HANDOFF))
    precopy = frozenset((PRECOPY,))
    active = frozenset((CHECKS, PREPARE, PRECOPY, SUSPENDED, HANDOFF))

    def outcome_seen(*outcomes: int, burst: bool = False) -> Callable[[State], bool]:
        def seen(state: State) -> bool:
            return any(
                d.outcome in outcomes and d.phase == IDLE and (d.burst or not burst)
                for d in doms(state)
            )

        return seen

    props: list[Property] = [
        Property.always(
            "INV-SINGLE-ACTIVE",
            single_active,
            "no two copies of a domain run; an idle domain has exactly one copy",
        ),
        Property.always(
            "INV-CLEANUP",
            cleanup,
            "after cancel or failure: no target copy, the source copy running",
        ),
        Property.always(
            "INV-FLAGS",
            flags,
            "FLAGS column 6: s on a migrating source, t on its bound target, e only in error",
        ),
        Property.always(
            "INV-CONSERVATION",
            conservation,
            "on every host the used slots are exactly the copies held, within capacity",
        ),
        Property.always(
            "INV-NO-LOST-WRITES",
            no_lost_writes,
            "the target never runs the domain while pages are still dirty",
        ),
        Property.step(
            "INV-PROGRESS",
            progress,
            "a migration's progress (phase, rounds) never goes backwards",
            concerns=lambda act: act >> 8 not in _NO_PROGRESS,
        ),
        Property.step(
            "INV-SOURCE-CONTROL",
            source_control,
            "cancel on the target is refused and changes nothing",
            concerns=lambda act: act >> 8 == CANCEL_T,
        ),
        Property.eventually(
            "LIVE-TERMINATES",
            lambda s: phase_count(s, ending) == 0,
            trigger=lambda s: phase_count(s, ending) > 0,
            description="every migration outside pre-copy ends under weak fairness",
        ),
        Property.eventually(
            "LIVE-CONVERGES",
            lambda s: phase_count(s, precopy) == 0,
            trigger=lambda s: phase_count(s, precopy) > 0,
            description="pre-copy reaches suspension (or ends) within the round limit",
        ),
    ]
    if config.migrations == 0:
        return props
    faults = config.enabled_faults if config.faults else frozenset()
    props.append(
        Property.sometimes(
            "a completed migration", outcome_seen(COMPLETED), "a migration completes"
        )
    )
    props.append(
        Property.sometimes(
            "a cancelled migration after a dirty burst",
            outcome_seen(CANCELLED, burst=True),
            "a migration is cancelled after the guest burst its dirty pages",
        )
    )
    if config.concurrent >= 2 and config.migrations >= 2 and model.domains >= 2:
        props.append(
            Property.sometimes(
                "two concurrent migrations",
                lambda s: phase_count(s, active) >= 2,
                "two migrations are under way at once",
            )
        )
    if "lost-ack" in faults:
        props.append(
            Property.sometimes(
                "error state after a lost acknowledgement",
                lambda s: any(
                    d.phase == ERROR and d.target_copy == TARGET_RUNNING for d in doms(s)
                ),
                "the source copy is in error state e while the target runs the domain",
            )
        )
    if "handoff-failure" in faults:
        props.append(
            Property.sometimes(
                "recovery on the source after a failed hand-off",
                outcome_seen(RECOVERED_ON_SOURCE),
                "cancel-operation resumes the source after the target cleaned up",
            )
        )
    if "foreign-bind" in faults and (model.domains >= 2 or config.capacity == 1):
        props.append(
            Property.sometimes(
                "the target's room taken mid-migration",
                outcome_seen(TARGET_FULL),
                "another bind takes the target's room after the checks passed",
            )
        )
    return props
