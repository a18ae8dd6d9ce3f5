"""The invariants of DESIGN.md ("Invariants") as checkers over observations.

Every checker reads frozen :class:`ldmspec.system.Observation` values only, so it works
for any implementation behind the adapter interface. A checker returns the
:class:`InvariantViolation` values it finds (empty when the invariant holds); each names its
stable id and says in one line what was observed.

* state invariants, after every step: :func:`single_active`, :func:`cleanup`,
  :func:`flags`, :func:`progress`, :func:`conservation`, all
  run in that order by :func:`check_step`;
* step invariants, around one command: :func:`source_control` (a cancel on the target)
  and :func:`dry_run` (``ldm migrate-domain -n``);
* liveness, at teardown once the links are healed and the system ran to quiescence:
  :func:`terminates` and :func:`converges`.

How the words of DESIGN.md are read here:

* INV-SINGLE-ACTIVE: the source and target copies of one migration never run at once;
  a completed migration leaves no copy on its source; a completed live migration
  suspended the source before the target resumed (a copy never ran on both hosts
  between two observations).
* INV-CLEANUP: once a cancelled or failed migration is settled on both ends there is
  no remnant on the target, the target's free vCPUs, memory and console ports are what
  they were before (unless the operator changed the target meanwhile) and the source
  domain is unchanged and active if it was; a domain copy destroyed in a step gives
  back everything it held; destroyed memory is scrubbed before it is free again (read
  back by :mod:`ldmspec.properties.memory_witness`).
  (So a console port leaked by a destroyed copy is a cleanup failure, even though the
  books no longer balance either: the cleanup check runs first.)
* INV-CONSERVATION: on every host free + held = total for strands, memory and console
  ports, and no strand or physical byte is held twice.
* INV-FLAGS: FLAGS column 6 is ``s`` exactly on the source of a migration past its
  checks, ``t`` exactly on a target copy its migration still holds, ``e`` exactly on a
  source copy in the error state after a lost hand-off acknowledgement.
* INV-PROGRESS: each side's progress never decreases, stays within 0-100, and is 100
  only once that side completed.
* LIVE-CONVERGES: a live migration nobody disturbed (no cancel, fault, or change to its
  hosts) completes, suspending within the round limit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

from ldmspec.system.observation import HostView, MigrationView, Observation
from ldmspec.testing.records import InvariantViolation

__all__ = [
    "INVARIANT_IDS",
    "InvariantViolation",
    "cancels_obeyed",
    "check_step",
    "cleanup",
    "conservation",
    "converges",
    "dry_run",
    "flags",
    "progress",
    "recovery_settled",
    "settled",
    "single_active",
    "source_control",
    "terminates",
]

INVARIANT_IDS = (
    "INV-SINGLE-ACTIVE",
    "INV-CLEANUP",
    "INV-NO-LOST-WRITES",
    "INV-CONSERVATION",
    "INV-FLAGS",
    "INV-PROGRESS",
    "INV-SOURCE-CONTROL",
    "INV-DRY-RUN",
    "INV-DEVICES",
    "INV-LOCK",
    "INV-AUTH",
    "LIVE-TERMINATES",
    "LIVE-CONVERGES",
)
"""The ids the machine's checkers report (INV-DEVICES, INV-LOCK and INV-AUTH in
:mod:`ldmspec.properties.host_invariants`, INV-NO-LOST-WRITES and INV-CLEANUP's scrub
half also in :mod:`ldmspec.properties.memory_witness`; INV-PRECHECK-AGREES has its own
property suites)."""


def _name(m: MigrationView) -> str:
    target = m.target if m.target_name == m.domain else f"{m.target}:{m.target_name}"
    return f"migration #{m.id} ({m.domain} {m.source} -> {target})"


def _later_from(obs: Observation, m: MigrationView, host: str, domain: str) -> bool:
    """A later migration took the domain ``domain`` away from ``host``."""
    return any(o.id > m.id and (o.source, o.domain) == (host, domain) for o in obs.migrations)


def _later_to(obs: Observation, m: MigrationView, host: str, domain: str) -> bool:
    """A later migration brought a domain called ``domain`` to ``host``."""
    return any(o.id > m.id and (o.target, o.target_name) == (host, domain) for o in obs.migrations)


def settled(m: MigrationView) -> bool:
    """Both ends are done: the source ended and the target ended or never took part."""
    return m.ended and (m.target_phase is None or m.target_outcome is not None)


# --- INV-SINGLE-ACTIVE ---------------------------------------------------------------------
def single_active(obs: Observation) -> list[InvariantViolation]:
    found: list[InvariantViolation] = []
    for m in obs.migrations:
        source = obs.host(m.source).domain(m.domain)
        # Before the target created its copy, a domain of that name there is another one.
        created = (m.target_phase or 0) >= 2
        target = obs.host(m.target).domain(m.target_name) if created else None
        # Both copies are this migration's unless a later one moved either of them.
        own = not any(
            _later_from(obs, m, *copy) or _later_to(obs, m, *copy)
            for copy in ((m.source, m.domain), (m.target, m.target_name))
        )
        if own and source and target and source.running and target.running:
            found.append(InvariantViolation(
                "INV-SINGLE-ACTIVE",
                f"{m.domain} runs on {m.source} and on {m.target} at once ({_name(m)}, "
                f"{m.status})",
            ))  # fmt: skip
        taken_over = m.outcome in ("cancelled", "failed") and m.target_outcome == "completed"
        if own and taken_over and source is not None and target is not None:
            found.append(InvariantViolation(
                "INV-SINGLE-ACTIVE",
                f"{_name(m)} {m.outcome} on {m.source} but {m.target} completed it: "
                f"{m.domain} exists on both ({source.state} and {target.state})",
            ))  # fmt: skip
        if m.outcome == "error" and m.resolution is None and source is None:
            found.append(InvariantViolation(
                "INV-SINGLE-ACTIVE",
                f"{m.domain}'s copy in error state is gone from {m.source} but {_name(m)} "
                "is not recorded as recovered: the recovery left it unsettled",
            ))  # fmt: skip
        moved_on = _later_from(obs, m, m.target, m.target_name)
        came_back = _later_to(obs, m, m.source, m.domain)
        if m.outcome == "completed" and not came_back and source is not None:
            found.append(InvariantViolation(
                "INV-SINGLE-ACTIVE",
                f"{m.domain} still exists on {m.source} ({source.state}) after {_name(m)} "
                "completed",
            ))  # fmt: skip
        if m.outcome == "completed" and created and not moved_on and target is None:
            found.append(InvariantViolation(
                "INV-SINGLE-ACTIVE",
                f"no copy of {m.target_name} on {m.target} after {_name(m)} completed",
            ))  # fmt: skip
    return found


# --- INV-CLEANUP ---------------------------------------------------------------------------
def _books(host: HostView) -> tuple[int, int, int]:
    """Free plus held, per resource: constant while nothing leaks."""
    return (
        host.strands_free + host.strands_held,
        host.memory_free + host.memory_held,
        host.ports_free + host.ports_held,
    )


_RESOURCES = ("vCPUs (strands)", "bytes of memory", "console ports")


def cleanup(
    before: Observation | None,
    obs: Observation,
    *,
    disturbed: Callable[[MigrationView], bool] = lambda m: False,
) -> list[InvariantViolation]:
    """INV-CLEANUP; ``disturbed(m)`` says the operator changed m's hosts during m."""
    # The scrub half is judged from memory read back (ldmspec.properties.memory_witness),
    # never from the implementation's count of what it did not scrub.
    found: list[InvariantViolation] = []
    if before is not None:
        found += _destroyed_copies_give_back(before, obs)
    earlier = {m.id: m for m in before.migrations} if before is not None else {}
    for m in obs.migrations:
        if m.outcome not in ("cancelled", "failed"):
            continue
        was = earlier.get(m.id)
        if was is None or not (was.ended and was.outcome == m.outcome):
            found += _source_restored(obs, m)
        if settled(m) and (was is None or not settled(was)):
            # A later migration involving the target overlapped this one (the check runs
            # when this one settles): the target's books are not this one's alone.
            overlapped = any(
                o.id > m.id and m.target in (o.source, o.target) for o in obs.migrations
            )
            found += _target_clean(obs, m, disturbed(m) or overlapped)
    return found


def _destroyed_copies_give_back(before: Observation, obs: Observation) -> list[InvariantViolation]:
    found: list[InvariantViolation] = []
    for host in obs.hosts:
        old = before.host(host.name)
        gone = {d.name for d in old.domains} - {d.name for d in host.domains}
        if not gone or _books(old) == _books(host):
            continue
        for what, was, now in zip(_RESOURCES, _books(old), _books(host), strict=True):
            if now < was:
                found.append(InvariantViolation(
                    "INV-CLEANUP",
                    f"destroying {', '.join(sorted(gone))} on {host.name} did not give back "
                    f"{was - now} {what}",
                ))  # fmt: skip
    return found


def _source_restored(obs: Observation, m: MigrationView) -> list[InvariantViolation]:
    before = m.source_domain_before
    now = obs.host(m.source).domain(m.domain)
    if now is None:
        return [InvariantViolation(
            "INV-CLEANUP", f"{m.domain} is gone from {m.source} after {_name(m)} was {m.outcome}"
        )]  # fmt: skip
    found: list[InvariantViolation] = []
    if before.state == "active" and now.state != "active":
        found.append(InvariantViolation(
            "INV-CLEANUP",
            f"{m.domain} is {now.state} on {m.source} after {_name(m)} was {m.outcome} "
            "(it was active)",
        ))  # fmt: skip
    for field_name in ("vcpus", "memory", "strands", "blocks", "console_port"):
        if getattr(now, field_name) != getattr(before, field_name):
            found.append(InvariantViolation(
                "INV-CLEANUP",
                f"{m.domain}'s {field_name.replace('_', ' ')} on {m.source} changed after "
                f"{_name(m)} was {m.outcome}",
            ))  # fmt: skip
    return found


def _target_clean(obs: Observation, m: MigrationView, disturbed: bool) -> list[InvariantViolation]:
    found: list[InvariantViolation] = []
    target = obs.host(m.target)
    took_part = m.target_phase is not None
    replaced = _later_to(obs, m, m.target, m.target_name)  # a later migration brought one
    remnant = target.domain(m.target_name) if took_part and not replaced else None
    if remnant is not None:
        found.append(InvariantViolation(
            "INV-CLEANUP",
            f"{m.target_name} is still on {m.target} ({remnant.state}, FLAGS {remnant.flags}) "
            f"after {_name(m)} was {m.outcome}",
        ))  # fmt: skip
    if took_part and not disturbed and remnant is None and target.free != m.target_free_before:
        was, now = m.target_free_before, target.free
        found.append(InvariantViolation(
            "INV-CLEANUP",
            f"{m.target} has {now.strands} free vCPUs, {now.memory} bytes and {now.ports} "
            f"console ports free after {_name(m)} was {m.outcome}; before it: "
            f"{was.strands}, {was.memory} and {was.ports}",
        ))  # fmt: skip
    return found


# --- INV-NO-LOST-WRITES --------------------------------------------------------------------
# Judged from the harness's own writes and reads (ldmspec.properties.memory_witness), never
# from digests the implementation records about itself.


# --- INV-CONSERVATION ----------------------------------------------------------------------
def conservation(obs: Observation) -> list[InvariantViolation]:
    found: list[InvariantViolation] = []
    for host in obs.hosts:
        totals = (host.strands_total, host.memory_total, host.ports_total)
        for what, total, books in zip(_RESOURCES, totals, _books(host), strict=True):
            if books != total:
                found.append(InvariantViolation(
                    "INV-CONSERVATION",
                    f"{host.name}: free + held = {books} {what}, but it has {total}",
                ))  # fmt: skip
        found += _held_once(host)
    return found


def _held_once(host: HostView) -> list[InvariantViolation]:
    found: list[InvariantViolation] = []
    owner: dict[int, str] = {}
    for d in host.domains:
        for s in d.strands:
            if s in owner:
                found.append(InvariantViolation(
                    "INV-CONSERVATION",
                    f"{host.name}: strand {s} is held by {owner[s]} and by {d.name}",
                ))  # fmt: skip
            owner[s] = d.name
    ranges = sorted((b.pa, b.pa + b.size, d.name) for d in host.domains for b in d.blocks)
    for (_, end, first), (start, _, second) in itertools.pairwise(ranges):
        if start < end:
            found.append(InvariantViolation(
                "INV-CONSERVATION",
                f"{host.name}: physical memory at {start:#x} is held by {first} and by {second}",
            ))  # fmt: skip
    return found


# --- INV-FLAGS -----------------------------------------------------------------------------
def flags(obs: Observation) -> list[InvariantViolation]:
    expected: dict[tuple[str, str], str] = {}
    for m in obs.migrations:
        if not m.ended and m.phase >= 2:
            expected[(m.source, m.domain)] = "s"
        if m.outcome == "error" and m.resolution is None:
            expected[(m.source, m.domain)] = "e"
        if (m.target_phase or 0) >= 2 and m.target_outcome is None:
            expected[(m.target, m.target_name)] = "t"
    # A copy the target gave up on but did not destroy is a remnant: INV-CLEANUP's.
    remnants = {
        (m.target, m.target_name)
        for m in obs.migrations
        if m.target_outcome in ("aborted", "timed-out")
        and not _later_to(obs, m, m.target, m.target_name)
    }
    found: list[InvariantViolation] = []
    for host in obs.hosts:
        for d in host.domains:
            if (host.name, d.name) in remnants:
                continue
            want = expected.get((host.name, d.name), "-")
            if d.migration_flag != want:
                found.append(InvariantViolation(
                    "INV-FLAGS",
                    f"{d.name} on {host.name} shows FLAGS {d.flags} (column 6 "
                    f"'{d.migration_flag}'), expected '{want}'{_why(obs, host.name, d.name)}",
                ))  # fmt: skip
    for (host_name, domain), want in expected.items():
        # An error-state copy that is gone is an unsettled recovery: INV-SINGLE-ACTIVE's.
        if obs.host(host_name).domain(domain) is None and want != "e":
            found.append(
                InvariantViolation(
                    "INV-FLAGS", f"{domain} should show '{want}' on {host_name} but is not there"
                )
            )
    return found


def _why(obs: Observation, host: str, domain: str) -> str:
    for m in reversed(obs.migrations):
        if (host, domain) in ((m.source, m.domain), (m.target, m.target_name)):
            return f" ({_name(m)} is {m.status})"
    return ""


# --- INV-PROGRESS --------------------------------------------------------------------------
def progress(before: Observation | None, obs: Observation) -> list[InvariantViolation]:
    found: list[InvariantViolation] = []
    old = {m.id: m for m in before.migrations} if before is not None else {}
    for m in obs.migrations:
        was = old.get(m.id)
        sides = (
            ("source", m.progress, m.outcome == "completed", was.progress if was else None),
            ("target", m.target_progress, m.target_outcome == "completed",
             was.target_progress if was else None),
        )  # fmt: skip
        for side, value, done, previous in sides:
            if value is None:
                continue
            if not 0 <= value <= 100:
                found.append(
                    InvariantViolation("INV-PROGRESS", f"{_name(m)}: {side} progress {value}%")
                )
            elif value == 100 and not done:
                found.append(InvariantViolation(
                    "INV-PROGRESS", f"{_name(m)}: {side} shows 100% but is {m.status}"
                ))  # fmt: skip
            if previous is not None and value < previous:
                found.append(InvariantViolation(
                    "INV-PROGRESS",
                    f"{_name(m)}: {side} progress went back from {previous}% to {value}%",
                ))  # fmt: skip
    return found


# --- everything after a step ---------------------------------------------------------------
def check_step(
    before: Observation | None,
    obs: Observation,
    *,
    disturbed: Callable[[MigrationView], bool] = lambda m: False,
) -> list[InvariantViolation]:
    """Every state invariant, most specific first (the first one names the failure)."""
    return [
        *single_active(obs),
        *cleanup(before, obs, disturbed=disturbed),
        *flags(obs),
        *progress(before, obs),
        *conservation(obs),
    ]


# --- step invariants -----------------------------------------------------------------------
def source_control(
    before: Observation, after: Observation, status: int, command: str
) -> list[InvariantViolation]:
    """INV-SOURCE-CONTROL: ``command``, a cancel run on a migration's target."""
    found: list[InvariantViolation] = []
    if status == 0:
        found.append(
            InvariantViolation("INV-SOURCE-CONTROL", f"'{command}' on the target was accepted")
        )
    if after != before:
        found.append(InvariantViolation(
            "INV-SOURCE-CONTROL",
            f"'{command}' on the target changed the system: {_difference(before, after)}",
        ))  # fmt: skip
    return found


def dry_run(before: Observation, after: Observation, command: str) -> list[InvariantViolation]:
    """INV-DRY-RUN: ``command``, an ``ldm migrate-domain -n``, changed nothing."""
    if after == before:
        return []
    return [InvariantViolation("INV-DRY-RUN", f"'{command}' changed {_difference(before, after)}")]


def _difference(before: Observation, after: Observation) -> str:
    for old, new in zip(before.hosts, after.hosts, strict=True):
        if old == new:
            continue
        added = sorted({d.name for d in new.domains} - {d.name for d in old.domains})
        removed = sorted({d.name for d in old.domains} - {d.name for d in new.domains})
        if added:
            return f"{new.name}: domain {', '.join(added)} appeared"
        if removed:
            return f"{new.name}: domain {', '.join(removed)} disappeared"
        for d in new.domains:
            was = old.domain(d.name)
            if was != d and was is not None:
                return (
                    f"{new.name}: {d.name} went from {was.state} {was.flags} to {d.state} {d.flags}"
                )
        return f"{new.name}: free resources {old.free} -> {new.free}"
    if before.migrations != after.migrations:
        return "the migrations"
    return "the scheduler or the network"


# --- the operator's answers ------------------------------------------------------------
def recovery_settled(
    obs: Observation, mid: int, status: int, *, target_runs: bool
) -> list[InvariantViolation]:
    """INV-SINGLE-ACTIVE after the documented recovery of migration ``mid`` from the
    error state (``remove-domain`` on S when T runs the domain, else ``cancel-operation``
    on S): accepted, recorded as resolved on the right side, one copy left on S or T,
    no FLAGS left on it."""
    m = obs.migration(mid)
    command = "remove-domain" if target_runs else "cancel-operation migration"
    said = f"the recovery of {_name(m)} ({m.source}# ldm {command} {m.domain})"
    wanted = "destroyed" if target_runs else "resumed"
    if status != 0:
        return [InvariantViolation("INV-SINGLE-ACTIVE", f"{said} was refused (status {status})")]
    found: list[InvariantViolation] = []
    if m.resolution != wanted:
        found.append(InvariantViolation(
            "INV-SINGLE-ACTIVE",
            f"{said} left the migration {m.status} with resolution {m.resolution}, not {wanted}",
        ))  # fmt: skip
    source = obs.host(m.source).domain(m.domain)
    kept = obs.host(m.target).domain(m.target_name) if target_runs else source
    if target_runs and source is not None:
        found.append(InvariantViolation(
            "INV-SINGLE-ACTIVE", f"{said} left {m.domain} on {m.source} ({source.state})"
        ))  # fmt: skip
    if kept is None:
        found.append(InvariantViolation("INV-SINGLE-ACTIVE", f"{said} left no copy of it"))
    elif kept.migration_flag != "-":
        found.append(InvariantViolation(
            "INV-FLAGS", f"{said} left FLAGS {kept.flags} on the copy it kept"
        ))  # fmt: skip
    return found


def cancels_obeyed(obs: Observation, cancels: dict[int, str]) -> list[InvariantViolation]:
    """INV-CLEANUP: a migration whose source accepted a cancel (``cancels``: id -> how)
    before the hand-off ends cancelled."""
    return [
        InvariantViolation(
            "INV-CLEANUP",
            f"{_name(m)}: its source accepted a {cancels[m.id]} but it ended {m.outcome}",
        )
        for m in obs.migrations
        if m.id in cancels and m.ended and m.outcome != "cancelled"
    ]


# --- liveness ------------------------------------------------------------------------------
def terminates(obs: Observation, *, quiescent: bool) -> list[InvariantViolation]:
    """LIVE-TERMINATES, on the system after healing every link and running it."""
    found: list[InvariantViolation] = []
    if not quiescent:
        found.append(InvariantViolation(
            "LIVE-TERMINATES",
            f"{obs.pending} events still pending after running to quiescence with every link up",
        ))  # fmt: skip
    for m in obs.migrations:
        if not settled(m):
            end = "the source" if not m.ended else f"the target ({m.target_phase=})"
            found.append(InvariantViolation(
                "LIVE-TERMINATES", f"{_name(m)} never ended on {end}: {m.status}"
            ))  # fmt: skip
    return found


def converges(
    obs: Observation, round_limit: int, *, undisturbed: Iterable[int] = ()
) -> list[InvariantViolation]:
    """LIVE-CONVERGES: the undisturbed live migrations (ids) completed within the rounds."""
    found: list[InvariantViolation] = []
    calm = set(undisturbed)
    for m in obs.migrations:
        if not m.live:
            continue
        if m.rounds > round_limit:
            found.append(InvariantViolation(
                "LIVE-CONVERGES", f"{_name(m)} ran {m.rounds} pre-copy rounds (limit {round_limit})"
            ))  # fmt: skip
        if m.id in calm and m.phase >= 2 and m.outcome != "completed":
            found.append(InvariantViolation(
                "LIVE-CONVERGES",
                f"{_name(m)} was not disturbed but ended {m.status} in phase {m.phase} "
                f"after {m.rounds} rounds",
            ))  # fmt: skip
    return found


def first(violations: Sequence[InvariantViolation]) -> InvariantViolation | None:
    return violations[0] if violations else None
