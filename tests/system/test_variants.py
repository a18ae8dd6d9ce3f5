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
        assert variant.name == name and variant.description and variant.violates.startswith("INV-")


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


def test_no_scrub_returns_unscrubbed_memory_to_the_pool(fleet: Fleet) -> None:
    for variant, unscrubbed in ((CORRECT, 0), ("no-scrub", 16 * 2**30)):
        dc = cancelled_in(fleet, variant, 3)
        assert dc.observe().host("t4-b").unscrubbed_bytes == unscrubbed


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
    "dry-run-creates-target": test_dry_run_creates_target_changes_the_target,
    "source-flag-stays": test_source_flag_stays_after_cancel,
    "old-lock-window": test_old_lock_window_lets_the_target_change_between_acceptance_and_phase_2,
    "cancel-in-hand-off": test_cancel_in_hand_off_accepts_a_cancel_it_cannot_obey,
    "onward-before-settled": test_onward_before_settled_moves_a_domain_its_source_may_resume,
}


def test_every_variant_has_a_test_naming_its_behaviour() -> None:
    assert set(NAMED) == set(VARIANTS)
