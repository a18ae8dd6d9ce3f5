"""INV-LOCK, INV-AUTH and INV-DEVICES of DESIGN.md, judged from the harness's side.

The locks are judged from the observation before a command, not from the
implementation's idea of them: a migration holds its source's lock from
``ldm migrate-domain`` until the source ends it, and its target's lock from the moment
the target accepted the pre-check (it shows a target side) until the target ended it;
the target keeps the arrived domain locked against moving on until the source settled
its own copy (destroyed it, or the operator resolved its error state).

* :func:`lock_command`: a command that changes a domain or a service on a locked host
  was refused (exit status not 0); so was a migration beyond the cap, and a migration of
  an arrived domain whose source has not settled;
* :func:`lock_cap`: after every event no host takes part in more than
  ``max_migrations_per_host`` migrations;
* :func:`auth`: a migration started with a wrong password never got a target side and
  ended failed, its domain unchanged on the source;
* :func:`devices`: every bound or active domain's vdisks, vnets and console port exist
  on its host (read from the hosts as inventory facts, what ``ldm list-*`` prints).
"""

from __future__ import annotations

from collections.abc import Iterable

from ldmspec.inventory.facts import CONTROL_DOMAIN, Fleet, Host
from ldmspec.system.observation import MigrationView, Observation
from ldmspec.testing.records import InvariantViolation

__all__ = [
    "auth",
    "changes_state",
    "devices",
    "lock_cap",
    "lock_command",
    "lock_holders",
    "two_copies",
]

_CHANGING_PREFIXES = ("bind", "unbind", "start", "stop", "remove-", "rm-", "add-", "set-")


def changes_state(command: str) -> bool:
    """Whether ``ldm COMMAND`` changes a domain or a service (a dry run does not)."""
    words = command.split()
    if not words:
        return False
    verb = words[0]
    if verb in ("migrate-domain", "migrate"):
        return "-n" not in words[1:]
    return verb.startswith(_CHANGING_PREFIXES)


def lock_holders(obs: Observation) -> dict[str, list[MigrationView]]:
    """Per host, the migrations holding its lock in ``obs``."""
    holders: dict[str, list[MigrationView]] = {}
    for m in obs.migrations:
        if m.outcome is None:
            holders.setdefault(m.source, []).append(m)
        if m.target_phase is not None and m.target_outcome is None:
            holders.setdefault(m.target, []).append(m)
    return holders


def _unsettled_arrival(obs: Observation, host: str, domain: str) -> MigrationView | None:
    """The migration that brought ``domain`` to ``host`` whose source has not settled."""
    for m in obs.migrations:
        if (m.target, m.target_name) != (host, domain) or m.target_outcome != "completed":
            continue
        if m.outcome is None or (m.outcome == "error" and m.resolution is None):
            return m
    return None


def _recovery(obs: Observation, host: str, words: list[str]) -> bool:
    """``remove-domain D`` of a source copy in error state: allowed under any lock."""
    if len(words) < 2 or words[0] not in ("remove-domain", "rm-domain"):
        return False
    return any(
        m.source == host and m.domain == words[-1] and m.outcome == "error" and m.resolution is None
        for m in obs.migrations
    )


def lock_command(
    before: Observation, host: str, command: str, status: int, cap: int
) -> list[InvariantViolation]:
    """INV-LOCK for ``ldm COMMAND`` run on ``host`` from ``before``, exit ``status``."""
    if status != 0 or not changes_state(command):
        return []
    words = command.split()
    holders = lock_holders(before).get(host, [])
    if words[0] in ("migrate-domain", "migrate"):
        domain = next((w for w in words[1:] if not w.startswith("-") and "@" not in w), "")
        arrival = _unsettled_arrival(before, host, domain)
        if arrival is not None:
            # DESIGN.md's lock paragraph: so D never moves on while S may still resume
            # its own copy (the second running copy INV-SINGLE-ACTIVE forbids).
            return [InvariantViolation(
                "INV-SINGLE-ACTIVE",
                f"'{host}# ldm {command}' was accepted while migration #{arrival.id} had not "
                f"settled {domain}'s copy on {arrival.source}",
            )]  # fmt: skip
        if len(holders) >= cap:
            return [InvariantViolation(
                "INV-LOCK",
                f"'{host}# ldm {command}' was accepted while {host} takes part in "
                f"{_ids(holders)} (max_migrations_per_host {cap})",
            )]  # fmt: skip
        return []
    if holders and not _recovery(before, host, words):
        return [InvariantViolation(
            "INV-LOCK",
            f"'{host}# ldm {command}' was accepted while {_ids(holders)} held {host}'s lock",
        )]  # fmt: skip
    return []


def _ids(migrations: Iterable[MigrationView]) -> str:
    return ", ".join(f"migration #{m.id} ({m.domain} {m.source} -> {m.target})" for m in migrations)


def two_copies(obs: Observation, repeated: frozenset[str]) -> list[InvariantViolation]:
    """INV-SINGLE-ACTIVE across migrations: a domain name (not one the fleet repeated
    from the start) runs on one host at most."""
    running: dict[str, list[str]] = {}
    for host in obs.hosts:
        for d in host.domains:
            if d.running and d.name not in repeated and d.name != CONTROL_DOMAIN:
                running.setdefault(d.name, []).append(host.name)
    return [
        InvariantViolation("INV-SINGLE-ACTIVE", f"{name} runs on {' and '.join(hosts)} at once")
        for name, hosts in running.items()
        if len(hosts) > 1
    ]


def lock_cap(obs: Observation, cap: int) -> list[InvariantViolation]:
    """INV-LOCK's cap: no host takes part in more than ``cap`` migrations at once."""
    return [
        InvariantViolation(
            "INV-LOCK",
            f"{host} takes part in {len(held)} migrations at once ({_ids(held)}; "
            f"max_migrations_per_host {cap})",
        )
        for host, held in lock_holders(obs).items()
        if len(held) > cap
    ]


def auth(before: Observation, obs: Observation, refused: Iterable[int]) -> list[InvariantViolation]:
    """INV-AUTH for the migrations ``refused`` (ids) started with a wrong password, on
    one step from ``before`` to ``obs``."""
    found: list[InvariantViolation] = []
    wrong = set(refused)
    ended_before = {m.id for m in before.migrations if m.ended}
    for m in obs.migrations:
        if m.id not in wrong:
            continue
        name = f"migration #{m.id} ({m.domain} {m.source} -> {m.target}, wrong password)"
        if m.target_phase is not None:
            found.append(InvariantViolation(
                "INV-AUTH", f"{m.target} accepted {name} (its target side reached phase "
                f"{m.target_phase})",
            ))  # fmt: skip
        elif m.ended and m.outcome not in ("failed", "cancelled"):  # cancelled: before T answered
            found.append(InvariantViolation("INV-AUTH", f"{name} ended {m.outcome}"))
        elif m.ended and m.phase > 1:
            found.append(InvariantViolation("INV-AUTH", f"{name} reached phase {m.phase}"))
        source = obs.host(m.source).domain(m.domain)
        was = m.source_domain_before
        ending = m.ended and m.id not in ended_before
        if ending and (source is None or (source.state, source.flags) != (was.state, was.flags)):
            now = "gone" if source is None else f"{source.state} {source.flags}"
            found.append(InvariantViolation(
                "INV-AUTH",
                f"{name} changed {m.domain} on {m.source}: {was.state} {was.flags} -> {now}",
            ))  # fmt: skip
    return found


def devices(fleet: Fleet) -> list[InvariantViolation]:
    """INV-DEVICES on every host of ``fleet`` (the hosts as the system shows them now)."""
    found: list[InvariantViolation] = []
    for host in fleet.hosts:
        found += _host_devices(host)
    return found


def _host_devices(host: Host) -> list[InvariantViolation]:
    volumes = {(v.name, s.name) for s in host.vds for v in s.volumes}
    switches = {s.name for s in host.vsw}
    ranges = {c.name: (c.port_lo, c.port_hi) for c in host.vcc}
    ports: dict[int, list[str]] = {}
    found: list[InvariantViolation] = []
    for d in host.domains:
        if not d.holds_resources:
            continue
        where = f"{d.name} ({d.state.value}) on {host.name}"
        for disk in d.vdisks:
            if (disk.volume, disk.service) not in volumes:
                found.append(InvariantViolation(
                    "INV-DEVICES",
                    f"{where}: vdisk {disk.name} names {disk.volume}@{disk.service}, which "
                    f"{host.name} does not export",
                ))  # fmt: skip
        for net in d.vnets:
            if net.service not in switches:
                found.append(InvariantViolation(
                    "INV-DEVICES",
                    f"{where}: vnet {net.name} names switch {net.service}, which {host.name} "
                    "does not have",
                ))  # fmt: skip
        if d.console is not None:
            ports.setdefault(d.console.port, []).append(d.name)
            lo, hi = ranges.get(d.console.vcc, (1, 0))
            if not lo <= d.console.port <= hi:
                found.append(InvariantViolation(
                    "INV-DEVICES",
                    f"{where}: console port {d.console.port} is not in a vcc "
                    f"{d.console.vcc} of {host.name}",
                ))  # fmt: skip
    for port, holders in ports.items():
        if len(holders) > 1:
            found.append(InvariantViolation(
                "INV-DEVICES",
                f"{host.name}: console port {port} is held by {' and '.join(holders)}",
            ))  # fmt: skip
    return found
