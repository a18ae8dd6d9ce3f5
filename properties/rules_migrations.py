"""The migration machine's rules for migrations, time and cancels.

Start migrations (feasible and infeasible pairs, ``-n``, ``target:new-name``, a wrong
password), advance the scheduler one or many events or up to a phase, cancel on the
source by command and by KILL (in every phase) and on the target.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from ldmspec.properties import invariants as inv
from ldmspec.properties.machine_base import START_MODES, MachineBase

from ldmspec.inventory.facts import CONTROL_DOMAIN
from ldmspec.system.precheck import precheck
from ldmspec.testing.records import InvariantViolation

__all__ = ["MigrationRules", "OnwardRules"]


class MigrationRules(MachineBase):
    """Rules that start, advance and cancel migrations."""

    # --- migrations -----------------------------------------------------------------------
    @rule(
        pick=st.integers(0, 63),
        to=st.integers(0, 7),
        mode=st.sampled_from(START_MODES),
        feasible=st.sampled_from((True, True, True, False)),
    )
    def start_migration(self, pick: int, to: int, mode: str, feasible: bool) -> None:
        self.settled = False
        pair = self._pick_pair(pick, to, feasible)
        if pair is None:
            self._count("start: no guest domain")
            return
        source, domain, target = pair
        name = f"{domain}-mv" if mode == "rename" else None
        where = f"root@{target}" + (f":{name}" if name else "")
        command = f"migrate-domain {'-n ' if mode == 'dry-run' else ''}{domain} {where}"
        if mode == "wrong-password" and target not in self.passwords:
            self.passwords[target] = f"pw-{target}"
            self.d.password(target, self.passwords[target])
        answer = "wrong-pw" if mode == "wrong-password" else self.passwords.get(target, "pw")
        before = self.d.system.observe()
        result = self._ldm(source, command, password=answer)
        self._count(f"start {mode}: {'accepted' if result.status == 0 else 'refused'}")
        if mode == "wrong-password":
            known = {m.id for m in before.migrations}
            self.wrong_auth |= {m.id for m in self.d.system.observe().migrations} - known
        if mode == "dry-run":
            self._check(inv.dry_run(before, self.d.system.observe(), f"{source}# ldm {command}"))
        else:
            self._disturb([source, target])  # a new migration shares these hosts

    def _pick_pair(self, pick: int, to: int, feasible: bool) -> tuple[str, str, str] | None:
        # The documented recovery comes first: a domain whose copy is in error state
        # (on any host) is not migrated again until the operator resolved it.
        in_error = {m.domain for m in self._in_error()} | {m.target_name for m in self._in_error()}
        guests = [
            (h.name, d.name)
            for h in self.now.hosts
            for d in h.domains
            if d.name != CONTROL_DOMAIN and d.migration_flag == "-" and d.name not in in_error
        ]
        if not guests:
            return None
        pairs = [
            (source, domain, target)
            for source, domain in guests[pick % len(guests) :] + guests[: pick % len(guests)]
            for target in _rotate([h for h in self.hosts if h != source], to)
        ]
        if feasible:
            fleet = self.d.system.to_fleet()
            hosts = {h.name: h for h in fleet.hosts}
            for source, domain, target in pairs:
                if not precheck(hosts[source], hosts[target], domain):
                    return source, domain, target
        return pairs[0]

    # --- time -----------------------------------------------------------------------------
    @rule(n=st.sampled_from((1, 1, 2, 3, 5, 8, 20)))
    def tick(self, n: int) -> None:
        self.settled = False
        self.d.tick(n)

    @precondition(lambda self: self.obs is not None and bool(self._running()))
    @rule(phase=st.integers(2, 5))
    def until_phase(self, phase: int) -> None:
        self.settled = False
        self.d.until_phase(phase)

    @precondition(lambda self: self.obs is not None and bool(self._running()))
    @rule()
    def until_next_phase(self) -> None:
        """Run the migrations on to the next phase: where cancels and faults hurt most."""
        self.settled = False
        self.d.until_phase(min(5, min(m.phase for m in self._running()) + 1))

    @rule()
    def run_to_quiescence(self) -> None:
        self.settled = False
        if self.d.run() is None:
            self._check([InvariantViolation(
                "LIVE-TERMINATES", f"still events pending after {self.d.run_limit} events"
            )])  # fmt: skip

    # --- cancels --------------------------------------------------------------------------
    @precondition(lambda self: self.obs is not None and bool(self._running()))
    @rule(pick=st.integers(0, 7), how=st.sampled_from(("command", "command", "kill")))
    def cancel_on_source(self, pick: int, how: str) -> None:
        self.settled = False
        running = self._running()
        m = running[pick % len(running)]
        self._count(f"{'cancel' if how == 'command' else 'KILL'} in phase {m.phase}")
        self.disturbed.add(m.id)
        before = self.d.system.observe().migration(m.id)
        if how == "command":
            accepted = self._ldm(m.source, f"cancel-operation migration {m.domain}").status == 0
        else:
            accepted = self.d.kill(m.source)
        if not accepted:
            self._count(f"{how} refused in phase {before.phase}")
        elif before.phase >= 5 and how == "command":
            self._check([InvariantViolation(
                "INV-SOURCE-CONTROL",
                f"'{m.source}# ldm cancel-operation migration {m.domain}' was accepted after "
                f"{m.source} sent the hand-off (migration #{m.id})",
            )])  # fmt: skip
        elif before.phase < 5:
            self.cancels[m.id] = f"{how} in phase {before.phase}"

    @precondition(lambda self: self.obs is not None and bool(self._running()))
    @rule(
        phase=st.integers(1, 5),
        how=st.sampled_from(("command", "kill")),
        fault=st.sampled_from(("none", "none", "lose-ack", "drop")),
    )
    def cancel_in_phase(self, phase: int, how: str, fault: str) -> None:
        """Run on to ``phase`` (``.until phase N``), maybe inject a fault, then cancel on
        the source: lands cancellations in every phase, the point of this machine."""
        self.settled = False
        first = self._running()[0]
        if phase == 4 and first.live and first.phase <= 3:
            self._dirty_before_suspension(first)
        if min(m.phase for m in self._running()) < phase:
            self.d.until_phase(phase)
            self.obs = self.d.system.observe()
        running = self._running()
        if not running:
            self._count("cancel in phase: the migration ended first")
            return
        m = running[0]
        if fault == "lose-ack":
            self._fault([m.source], f"hand-off acknowledgement to {m.source} will be lost")
            self.armed_acks.add(m.source)
            self.d.lose_ack(m.source)
        elif fault == "drop":
            self._fault([m.source, m.target], f"link {m.source}-{m.target} dropped")
            self.d.drop(m.source, m.target)
        self.cancel_on_source(0, how)

    @precondition(lambda self: self.obs is not None and bool(self._targets()))
    @rule(pick=st.integers(0, 7))
    def cancel_on_target(self, pick: int) -> None:
        self.settled = False
        unsettled = self._targets()
        m = unsettled[pick % len(unsettled)]
        self._count(f"cancel on the target in phase {m.target_phase or 0}")
        command = f"cancel-operation migration {m.target_name}"
        before = self.d.system.observe()
        result = self._ldm(m.target, command)
        after = self.d.system.observe()
        self._check(inv.source_control(before, after, result.status, f"{m.target}# ldm {command}"))


class OnwardRules(MachineBase):
    """Move an arrived domain on before its source settled the hand-off."""

    @precondition(lambda self: self.obs is not None and any(m.live for m in self._running()))
    @rule(to=st.integers(0, 7), lose_ack=st.booleans())
    def move_on_before_settled(self, to: int, lose_ack: bool) -> None:
        """Run a live migration to its hand-off (maybe losing the acknowledgement, which
        leaves the source in error state), then, once the target runs the domain, ask
        the target to migrate it on: refused until the source settled its copy."""
        self.settled = False
        m = next(m for m in self._running() if m.live)
        if lose_ack:
            self._fault([m.source], f"hand-off acknowledgement to {m.source} will be lost")
            self.armed_acks.add(m.source)
            self.d.lose_ack(m.source)
        self.d.until_phase(5)
        for _ in range(20):
            now = self.d.system.observe().migration(m.id)
            if now.target_outcome is not None:
                break
            self.d.tick(1)
        now = self.d.system.observe().migration(m.id)
        unsettled = now.outcome is None or (now.outcome == "error" and now.resolution is None)
        if now.target_outcome != "completed" or not unsettled:
            self._count("move on: the hand-off was settled first")
            return
        others = [h for h in self.hosts if h not in (m.target, m.source)] or [m.source]
        other = _rotate(others, to)[0]
        command = f"migrate-domain {m.target_name} root@{other}"
        result = self._ldm(m.target, command, password=self.passwords.get(other, "pw"))
        self._count(f"move on before settled: {'accepted' if result.status == 0 else 'refused'}")


def _rotate(items: list[str], by: int) -> list[str]:
    if not items:
        return items
    k = by % len(items)
    return items[k:] + items[:k]
