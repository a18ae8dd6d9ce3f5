"""Every fault variant differs from the correct implementation in the behaviour it names."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ldmspec.errors import InputError
from ldmspec.inventory import Fleet
from ldmspec.system import VARIANTS, Datacenter, MigrationView

CORRECT = None


def migration(dc: Datacenter) -> MigrationView:
    return dc.observe().migrations[-1]


def system(fleet: Fleet, variant: str | None) -> Datacenter:
    return Datacenter.from_fleet(fleet, variant=variant, seed=3)


def until_phase(dc: Datacenter, phase: int, *, dirty: int = 3000) -> None:
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    assert dc.run_until(lambda: migration(dc).phase == 3)
    if dirty:
        dc.guest_write("t4-a", "ldom01", dirty, "hot")  # pages already sent in round 1
    assert dc.run_until(lambda: migration(dc).phase == phase)


def cancelled_in(fleet: Fleet, variant: str | None, phase: int) -> Datacenter:
    dc = system(fleet, variant)
    until_phase(dc, phase)
    dc.run_ldm("t4-a", "cancel-operation migration ldom01")
    dc.run_until_quiescent()
    return dc


def test_there_are_at_least_eight_documented_variants() -> None:
    assert len(VARIANTS) >= 8
    for name, variant in VARIANTS.items():
        assert variant.name == name and variant.description
        assert variant.violates.startswith(("INV-", "LIVE-")) or variant.violates == "CONFORMANCE"


def test_an_unknown_variant_is_an_input_error(fleet: Fleet) -> None:
    with pytest.raises(InputError) as caught:
        system(fleet, "no-such-variant")
    assert caught.value.one_line().startswith(
        "argument --variant: expected a variant name: keep-target-on-cancel, "
    )
    assert caught.value.one_line().endswith(', got "no-such-variant"')


def test_keep_target_on_cancel_leaves_the_target_domain(fleet: Fleet) -> None:
    for variant, remnant in ((CORRECT, False), ("keep-target-on-cancel", True)):
        dc = cancelled_in(fleet, variant, 3)
        assert (dc.observe().host("t4-b").domain("ldom01") is not None) is remnant


def test_no_resume_after_cancel_leaves_the_source_suspended(fleet: Fleet) -> None:
    for variant, state in ((CORRECT, "active"), ("no-resume-after-cancel", "suspended")):
        dc = cancelled_in(fleet, variant, 4)
        assert dc.observe().host("t4-a").domain("ldom01").state == state  # type: ignore[union-attr]


def test_skip_last_round_dirty_loses_the_last_rounds_writes(fleet: Fleet) -> None:
    for variant, same in ((CORRECT, True), ("skip-last-round-dirty", False)):
        dc = system(fleet, variant)
        until_phase(dc, 3)  # the guest dirties pages in round 1, the last round here
        dc.run_until_quiescent()
        view = migration(dc)
        assert view.outcome == "completed"
        assert (view.resumed_digest == view.suspended_digest) is same


def test_early_target_resume_runs_two_copies_at_once(fleet: Fleet) -> None:
    for variant, most in ((CORRECT, 1), ("early-target-resume", 2)):
        dc = system(fleet, variant)
        dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
        copies = [len(dc.observe().running_copies("ldom01"))]
        while dc.tick():
            copies.append(len(dc.observe().running_copies("ldom01")))
        assert max(copies) == most and copies[-1] == 1


def test_target_accepts_cancel_lets_the_target_drop_its_copy(fleet: Fleet) -> None:
    for variant, status in ((CORRECT, 1), ("target-accepts-cancel", 0)):
        dc = system(fleet, variant)
        until_phase(dc, 3, dirty=0)
        result = dc.run_ldm("t4-b", "cancel-operation migration ldom01")
        assert result.status == status
        assert (dc.observe().host("t4-b").domain("ldom01") is None) is (status == 0)


def test_leak_console_port_loses_a_port_on_the_target(fleet: Fleet) -> None:
    for variant, lost in ((CORRECT, 0), ("leak-console-port", 1)):
        before = system(fleet, variant).observe().host("t4-b").ports_free
        dc = cancelled_in(fleet, variant, 3)
        assert before - dc.observe().host("t4-b").ports_free == lost


def test_ignore_stick_frequency_accepts_a_solaris_10_guest_across_sticks(fleet: Fleet) -> None:
    for variant, found in ((CORRECT, True), ("ignore-stick-frequency", False)):
        dc = system(fleet, variant)
        output = dc.run_ldm("t4-a", "migrate -n ldom03 root@t4-c").output
        assert ("CPU-3: " in output) is found


def test_progress_backwards_when_the_guest_redirties(fleet: Fleet) -> None:
    for variant, monotone in ((CORRECT, True), ("progress-backwards", False)):
        dc = system(fleet, variant)
        dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
        seen: list[int] = []
        burst = False
        while dc.tick():
            view = migration(dc)
            seen.append(view.progress)
            if not burst and view.phase == 3 and view.progress > 50:
                burst = dc.guest_write("t4-a", "ldom01", 20_000, "random") > 0
        assert (seen == sorted(seen)) is monotone


def test_resume_on_lost_ack_runs_two_copies(fleet: Fleet) -> None:
    for variant, copies in ((CORRECT, ("t4-b",)), ("resume-on-lost-ack", ("t4-a", "t4-b"))):
        dc = system(fleet, variant)
        dc.lose_next_ack()
        dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
        dc.run_until_quiescent()
        assert dc.observe().running_copies("ldom01") == copies


def written_then_cancelled(fleet: Fleet, variant: str | None) -> Datacenter:
    """ldom01 written all over, then migrated to t4-b and cancelled in pre-copy."""
    dc = system(fleet, variant)
    dc.guest_write("t4-a", "ldom01", 32768, "random")  # one page in each of its groups
    assert 0 not in (dc.read_memory("t4-a", "ldom01") or (0,))
    until_phase(dc, 3)
    dc.run_ldm("t4-a", "cancel-operation migration ldom01")
    dc.run_until_quiescent()
    return dc


def freed_contents(dc: Datacenter, host: str) -> int:
    """Bytes of ``host``'s free memory that do not read zero."""
    free = dc.observe().host(host).free_ranges
    return sum(e.size for r in free for e in dc.read_physical(host, r.pa, r.size))


def test_no_scrub_returns_unscrubbed_memory_to_the_pool(fleet: Fleet) -> None:
    for variant, unscrubbed in ((CORRECT, 0), ("no-scrub", 16 * 2**30)):
        dc = written_then_cancelled(fleet, variant)
        assert dc.observe().host("t4-b").unscrubbed_bytes == unscrubbed
        # What arrived before the cancel (the first 512M message) is still there.
        assert freed_contents(dc, "t4-b") == (unscrubbed and 512 * 2**20)


def test_quiet_no_scrub_hides_the_unscrubbed_memory_from_its_own_counter(fleet: Fleet) -> None:
    for variant, left in ((CORRECT, 0), ("quiet-no-scrub", 512 * 2**20)):
        dc = written_then_cancelled(fleet, variant)
        assert dc.observe().host("t4-b").unscrubbed_bytes == 0
        assert freed_contents(dc, "t4-b") == left


def test_dry_run_creates_target_changes_the_target(fleet: Fleet) -> None:
    for variant, changed in ((CORRECT, False), ("dry-run-creates-target", True)):
        dc = system(fleet, variant)
        before = dc.observe()
        assert dc.run_ldm("t4-a", "migrate -n ldom01 root@t4-b").status == 0
        assert (dc.observe() != before) is changed


def test_source_flag_stays_after_cancel(fleet: Fleet) -> None:
    for variant, flags in ((CORRECT, "-n----"), ("source-flag-stays", "-n---s")):
        dc = cancelled_in(fleet, variant, 3)
        assert dc.observe().host("t4-a").domain("ldom01").flags == flags  # type: ignore[union-attr]


def test_old_lock_window_lets_the_target_change_between_acceptance_and_phase_2(
    fleet: Fleet,
) -> None:
    for variant, status in ((CORRECT, 1), ("old-lock-window", 0)):
        dc = system(fleet, variant)
        assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
        assert dc.run_until(lambda dc=dc: migration(dc).phase == 2)  # type: ignore[misc]
        assert migration(dc).target_phase == 1  # accepted; Prepare not there yet
        assert dc.run_ldm("t4-b", "rm-vdsdev vol01@primary-vds0").status == status


def test_cancel_in_hand_off_accepts_a_cancel_it_cannot_obey(fleet: Fleet) -> None:
    for variant, status in ((CORRECT, 1), ("cancel-in-hand-off", 0)):
        dc = system(fleet, variant)
        until_phase(dc, 5)
        assert dc.run_ldm("t4-a", "cancel-operation migration ldom01").status == status
        dc.run_until_quiescent()
        assert migration(dc).outcome == "completed"


def test_onward_before_settled_moves_a_domain_its_source_may_resume(fleet: Fleet) -> None:
    for variant, status in ((CORRECT, 1), ("onward-before-settled", 0)):
        dc = system(fleet, variant)
        dc.lose_next_ack("t4-a")
        until_phase(dc, 5, dirty=0)
        assert dc.run_until(lambda dc=dc: migration(dc).target_outcome == "completed")  # type: ignore[misc]
        assert dc.run_ldm("t4-b", "migrate ldom01 root@t4-a:again").status == status


def test_lost_write_lying_digest_loses_a_write_its_digests_hide(fleet: Fleet) -> None:
    for variant, lost in ((CORRECT, False), ("lost-write-lying-digest", True)):
        dc = system(fleet, variant)
        dc.watch_writes()
        until_phase(dc, 4)
        dc.run_until_quiescent()
        view = migration(dc)
        assert view.outcome == "completed" and view.resumed_digest == view.suspended_digest
        held = dc.read_memory("t4-b", "ldom01")
        assert held is not None
        latest = {g: w.value for w in dc.drain_writes() for g in w.groups}
        assert any(held[g] != value for g, value in latest.items()) is lost


def test_suspended_writes_lost_acknowledges_a_write_it_drops(fleet: Fleet) -> None:
    for variant, written in ((CORRECT, 0), ("suspended-writes-lost", 100)):
        dc = system(fleet, variant)
        dc.watch_writes()
        until_phase(dc, 4)
        assert dc.guest_write("t4-a", "ldom01", 100) == written
        dc.run_until_quiescent()
        held = dc.read_memory("t4-b", "ldom01")
        assert held is not None
        for write in dc.drain_writes():
            assert all(held[g] == write.value for g in write.groups) is (write.value <= 1)


def test_accept_wrong_password_lets_a_wrong_password_in(fleet: Fleet) -> None:
    for variant, outcome in ((CORRECT, "failed"), ("accept-wrong-password", "completed")):
        dc = system(fleet, variant)
        dc.set_password("t4-b", "right")
        dc.run_ldm("t4-a", "migrate ldom01 root@t4-b", password="wrong")
        dc.run_until_quiescent()
        assert migration(dc).outcome == outcome


def test_cap_exceeded_lets_a_host_take_one_migration_more(fleet: Fleet) -> None:
    for variant, status in ((CORRECT, 1), ("cap-exceeded", 0)):
        dc = system(fleet, variant)
        assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
        assert dc.run_ldm("t4-a", "migrate ldom02 root@t5-a").status == status


def test_recovery_unsettled_removes_the_copy_and_settles_nothing(fleet: Fleet) -> None:
    for variant, settled in ((CORRECT, True), ("recovery-unsettled", False)):
        dc = system(fleet, variant)
        dc.lose_next_ack("t4-a")
        until_phase(dc, 5, dirty=0)
        dc.run_until_quiescent()
        assert dc.run_ldm("t4-a", "rm-domain ldom01").status == 0
        dc.run_until_quiescent()
        view = migration(dc)
        assert dc.observe().host("t4-a").domain("ldom01") is None
        assert (view.resolution == "destroyed", view.target_settled) == (settled, settled)


def test_extra_round_runs_one_round_past_the_limit(fleet: Fleet) -> None:
    from ldmspec.system.config import SystemConfig

    for variant, rounds in ((CORRECT, 1), ("extra-round", 2)):
        config = SystemConfig(round_limit=1)
        dc = Datacenter.from_fleet(fleet, variant=variant, seed=3, config=config)
        dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
        assert dc.run_until(lambda dc=dc: migration(dc).phase == 3)  # type: ignore[misc]
        dc.guest_write("t4-a", "ldom01", 200_000)  # far more than one message carries
        dc.run_until_quiescent()
        assert (migration(dc).outcome, migration(dc).rounds) == ("completed", rounds)


def test_cancel_ignored_answers_a_cancel_it_does_not_obey(fleet: Fleet) -> None:
    for variant, outcome in ((CORRECT, "cancelled"), ("cancel-ignored", "completed")):
        dc = system(fleet, variant)
        until_phase(dc, 3)
        assert dc.run_ldm("t4-a", "cancel-operation migration ldom01").status == 0
        dc.run_until_quiescent()
        assert migration(dc).outcome == outcome


def test_wait_for_busy_target_makes_two_hosts_wait_on_each_other(fleet: Fleet) -> None:
    from ldmspec.errors import CommandError

    dc = system(fleet, CORRECT)
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    assert dc.run_ldm("t4-b", "migrate web01 root@t4-a").status == 0
    dc.run_until_quiescent()
    assert all(m.ended for m in dc.observe().migrations)
    dc = system(fleet, "wait-for-busy-target")
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    assert dc.run_ldm("t4-b", "migrate web01 root@t4-a").status == 0
    with pytest.raises(CommandError, match="still 2 events pending after 5000"):
        dc.run_until_quiescent(limit=5000)
    assert not any(m.ended for m in dc.observe().migrations)


def test_target_cancel_as_source_cancels_from_the_target(fleet: Fleet) -> None:
    for variant, status, outcome in (
        (CORRECT, 1, "completed"),
        ("target-cancel-as-source", 0, "cancelled"),
    ):
        dc = system(fleet, variant)
        until_phase(dc, 3)
        assert dc.run_ldm("t4-b", "cancel-operation migration ldom01").status == status
        dc.run_until_quiescent()
        assert migration(dc).outcome == outcome
        assert dc.observe().running_copies("ldom01") == (("t4-a",) if status == 0 else ("t4-b",))


def test_fail_when_healthy_fails_with_the_link_up(fleet: Fleet) -> None:
    for variant, outcome in ((CORRECT, "completed"), ("fail-when-healthy", "failed")):
        dc = system(fleet, variant)
        dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
        dc.run_until_quiescent()
        assert (migration(dc).outcome, dc.observe().down_links) == (outcome, ())


def test_cold_skips_phase_goes_from_the_checks_to_the_hand_off(fleet: Fleet) -> None:
    for variant, phases in ((CORRECT, [1, 2, 5]), ("cold-skips-phase", [1, 5])):
        dc = system(fleet, variant)
        dc.run_ldm("t4-b", "migrate web02 root@t4-a")
        seen = [1]
        while dc.tick():
            if migration(dc).phase != seen[-1]:
                seen.append(migration(dc).phase)
        assert (seen, migration(dc).outcome) == (phases, "completed")


NAMED: dict[str, Callable[[Fleet], None]] = {
    "keep-target-on-cancel": test_keep_target_on_cancel_leaves_the_target_domain,
    "no-resume-after-cancel": test_no_resume_after_cancel_leaves_the_source_suspended,
    "skip-last-round-dirty": test_skip_last_round_dirty_loses_the_last_rounds_writes,
    "early-target-resume": test_early_target_resume_runs_two_copies_at_once,
    "target-accepts-cancel": test_target_accepts_cancel_lets_the_target_drop_its_copy,
    "leak-console-port": test_leak_console_port_loses_a_port_on_the_target,
    "ignore-stick-frequency": test_ignore_stick_frequency_accepts_a_solaris_10_guest_across_sticks,
    "progress-backwards": test_progress_backwards_when_the_guest_redirties,
    "resume-on-lost-ack": test_resume_on_lost_ack_runs_two_copies,
    "no-scrub": test_no_scrub_returns_unscrubbed_memory_to_the_pool,
    "quiet-no-scrub": test_quiet_no_scrub_hides_the_unscrubbed_memory_from_its_own_counter,
    "dry-run-creates-target": test_dry_run_creates_target_changes_the_target,
    "source-flag-stays": test_source_flag_stays_after_cancel,
    "old-lock-window": test_old_lock_window_lets_the_target_change_between_acceptance_and_phase_2,
    "cancel-in-hand-off": test_cancel_in_hand_off_accepts_a_cancel_it_cannot_obey,
    "onward-before-settled": test_onward_before_settled_moves_a_domain_its_source_may_resume,
    "lost-write-lying-digest": test_lost_write_lying_digest_loses_a_write_its_digests_hide,
    "suspended-writes-lost": test_suspended_writes_lost_acknowledges_a_write_it_drops,
    "accept-wrong-password": test_accept_wrong_password_lets_a_wrong_password_in,
    "cap-exceeded": test_cap_exceeded_lets_a_host_take_one_migration_more,
    "recovery-unsettled": test_recovery_unsettled_removes_the_copy_and_settles_nothing,
    "extra-round": test_extra_round_runs_one_round_past_the_limit,
    "cancel-ignored": test_cancel_ignored_answers_a_cancel_it_does_not_obey,
    "wait-for-busy-target": test_wait_for_busy_target_makes_two_hosts_wait_on_each_other,
    "target-cancel-as-source": test_target_cancel_as_source_cancels_from_the_target,
    "fail-when-healthy": test_fail_when_healthy_fails_with_the_link_up,
    "cold-skips-phase": test_cold_skips_phase_goes_from_the_checks_to_the_hand_off,
}


def test_every_variant_has_a_test_naming_its_behaviour() -> None:
    assert set(NAMED) == set(VARIANTS)
