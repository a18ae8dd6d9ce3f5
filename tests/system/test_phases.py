"""Cancel, KILL and network loss in each of the five phases, and the lost acknowledgement."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ldmspec.inventory.facts import Fleet, MigrationFlag
from ldmspec.system import Datacenter, HostView, MigrationView, Observation

FAILED = "Domain Migration of LDom ldom01 failed"
CANCELLED = "Migration of LDom ldom01 cancelled by cancel-operation"
LOST = "Lost connection to the Logical Domains Manager on target t4-b"
HANDOFF_LOST = (
    "No hand-off acknowledgement from target t4-b: domain ldom01 is in error state; "
    "if it runs on t4-b, destroy this copy (ldm rm-domain ldom01), "
    "otherwise resume it (ldm cancel-operation migration ldom01)"
)


def migration(dc: Datacenter) -> MigrationView:
    return dc.observe().migrations[-1]


def reach_phase(dc: Datacenter, phase: int) -> None:
    """Start ldom01 t4-a -> t4-b and stop as soon as the source is in ``phase``.

    The guest dirties a few pages during the first round, so the final copy of phase 4
    has pages to send and phase 4 lasts a while.
    """
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    if phase >= 4:
        assert dc.run_until(lambda: migration(dc).phase == 3)
        dc.guest_write("t4-a", "ldom01", 3000)
    assert dc.run_until(lambda: migration(dc).phase == phase)


def assert_clean(dc: Datacenter, before: Observation) -> None:
    """INV-CLEANUP: nothing left on the target, the source domain as it was."""
    after = dc.observe()
    assert after.host("t4-b").domain("ldom01") is None
    assert after.host("t4-b").free == before.host("t4-b").free
    # The guest may have written meanwhile: compare everything but the memory contents.
    assert without_digests(after.host("t4-a")) == without_digests(before.host("t4-a"))


def without_digests(host: HostView) -> HostView:
    return replace(host, domains=tuple(replace(d, digest=None) for d in host.domains))


@pytest.mark.parametrize("phase", [1, 2, 3, 4])
def test_cancel_before_hand_off_cleans_up(dc: Datacenter, phase: int) -> None:
    before = dc.observe()
    reach_phase(dc, phase)
    assert dc.run_ldm("t4-a", "cancel-operation migration ldom01").output == ""
    dc.run_until_quiescent()
    assert migration(dc).outcome == "cancelled"
    assert dc.drain_messages()[0].lines == (CANCELLED,)
    assert_clean(dc, before)


@pytest.mark.parametrize("phase", [1, 2, 3, 4])
def test_kill_before_hand_off_cleans_up(dc: Datacenter, phase: int) -> None:
    before = dc.observe()
    reach_phase(dc, phase)
    assert dc.kill("t4-a") is True
    dc.run_until_quiescent()
    assert (migration(dc).outcome, migration(dc).cancelled_by) == ("cancelled", "kill")
    assert dc.drain_messages()[0].lines == ("Killed",)
    assert_clean(dc, before)


IN_HANDOFF = "Migration of LDom ldom01 is in its hand-off to t4-b and can no longer be cancelled"


def test_cancel_after_the_hand_off_was_sent_is_refused_and_changes_nothing(
    dc: Datacenter,
) -> None:
    reach_phase(dc, 5)
    before = dc.observe()
    result = dc.run_ldm("t4-a", "cancel-operation migration ldom01")
    assert (result.output, result.status) == (IN_HANDOFF, 1)
    assert dc.observe() == before
    dc.run_until_quiescent()
    obs = dc.observe()
    assert (migration(dc).outcome, migration(dc).cancelled_by) == ("completed", None)
    assert obs.running_copies("ldom01") == ("t4-b",)
    assert obs.host("t4-a").domain("ldom01") is None
    assert [n.outcome for n in dc.drain_messages()] == ["completed"]


def test_kill_after_the_hand_off_was_sent_ends_only_the_command(dc: Datacenter) -> None:
    reach_phase(dc, 5)
    assert dc.kill("t4-a") is True
    assert [(n.outcome, n.lines, n.status) for n in dc.drain_messages()] == [
        ("killed", ("Killed",), 1)
    ]
    assert dc.kill("t4-a") is False  # that command is gone
    dc.run_until_quiescent()
    assert (migration(dc).outcome, migration(dc).cancelled_by) == ("completed", None)
    assert dc.observe().running_copies("ldom01") == ("t4-b",)
    assert dc.drain_messages() == ()  # nobody is left to print the end


def test_kill_with_no_migration_running_says_so(dc: Datacenter) -> None:
    assert dc.kill("t4-a") is False


@pytest.mark.parametrize("phase", [2, 3, 4])
def test_network_loss_before_hand_off_fails_and_both_sides_clean_up(
    dc: Datacenter, phase: int
) -> None:
    before = dc.observe()
    reach_phase(dc, phase)
    dc.drop("t4-a", "t4-b")
    dc.run_until_quiescent()
    view = migration(dc)
    assert (view.outcome, view.target_outcome) == ("failed", "timed-out")
    assert dc.drain_messages()[0].lines == (LOST, FAILED)
    assert_clean(dc, before)


def test_network_loss_during_checks_fails_without_touching_the_target(dc: Datacenter) -> None:
    before = dc.observe()
    reach_phase(dc, 1)
    dc.drop("t4-a", "t4-b")
    dc.run_until_quiescent()
    assert migration(dc).outcome == "failed"
    assert dc.drain_messages()[0].lines == (
        "Failed to establish connection with ldmd(1m) on target: t4-b",
        FAILED,
    )
    assert_clean(dc, before)


def test_network_loss_during_hand_off_leaves_the_source_in_error_state(dc: Datacenter) -> None:
    before = dc.observe()
    reach_phase(dc, 5)
    dc.drop("t4-a", "t4-b")
    dc.run_until_quiescent()
    obs = dc.observe()
    assert migration(dc).outcome == "error"
    assert dc.drain_messages()[0].lines == (HANDOFF_LOST, FAILED)
    source = obs.host("t4-a").domain("ldom01")
    assert source is not None and (source.state, source.flags) == ("suspended", "-n---e")
    # The hand-off never arrived: the target cleaned up, so the operator resumes the source.
    assert obs.host("t4-b").domain("ldom01") is None
    assert dc.run_ldm("t4-a", "cancel-operation migration ldom01").status == 0
    assert_clean(dc, before)
    assert migration(dc).resolution == "resumed"


def test_lost_acknowledgement_leaves_error_state_until_the_operator_acts(dc: Datacenter) -> None:
    before = dc.observe().host("t4-a").free
    dc.lose_next_ack("t4-a")
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    dc.run_until_quiescent()
    obs = dc.observe()
    assert migration(dc).outcome == "error"
    assert obs.running_copies("ldom01") == ("t4-b",)
    assert obs.host("t4-a").domain("ldom01").flags == "-n---e"  # type: ignore[union-attr]
    # A domain in error state cannot migrate again nor be reconfigured.
    refused = dc.run_ldm("t4-a", "migrate -n ldom01 root@t4-c")
    assert refused.output.splitlines()[1] == (
        "ST-1: Domain ldom01 is already being migrated or is in migration error state"
    )
    assert dc.run_ldm("t4-a", "set-vcpu 4 ldom01").output == (
        "Domain ldom01 is being migrated: its configuration cannot change"
    )
    # The domain runs on the target: destroy the source copy.
    assert dc.run_ldm("t4-a", "rm-domain ldom01").status == 0
    obs = dc.observe()
    assert obs.host("t4-a").domain("ldom01") is None
    assert migration(dc).resolution == "destroyed"
    freed = obs.host("t4-a").free
    assert (freed.strands, freed.memory, freed.ports) == (
        before.strands + 8, before.memory + 16 * 2**30, before.ports + 1,
    )  # fmt: skip


def test_link_heals_and_a_new_migration_succeeds(dc: Datacenter) -> None:
    dc.drop("t4-a", "t4-b")
    result = dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
    assert result.output.splitlines()[1:] == [
        "Failed to establish connection with ldmd(1m) on target: t4-b",
        FAILED,
    ]
    dc.heal("t4-a", "t4-b")
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    dc.run_until_quiescent()
    assert migration(dc).outcome == "completed"


def test_a_delayed_link_times_out_like_a_lost_one(dc: Datacenter) -> None:
    dc.delay("t4-a", "t4-b", 50)
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    dc.run_until_quiescent()
    assert migration(dc).outcome == "failed"
    assert dc.observe().host("t4-a").domain("ldom01").running  # type: ignore[union-attr]


def test_faults_scheduled_as_events(dc: Datacenter) -> None:
    from ldmspec.system import Fault

    dc.schedule_fault(Fault("drop", ("t4-a", "t4-b")), delay=10)
    dc.schedule_fault(Fault("heal", ("t4-a", "t4-b")), delay=40)
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    dc.run_until_quiescent()
    assert migration(dc).outcome == "failed"
    assert "t=10 fault drop t4-a t4-b" in dc.scheduler.trace
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    dc.schedule_fault(Fault("cancel", ("t4-a",), "ldom01"), delay=5)
    dc.run_until_quiescent()
    assert migration(dc).outcome == "cancelled"


def test_a_malformed_fault_is_refused_when_scheduled(dc: Datacenter) -> None:
    from ldmspec.errors import CommandError
    from ldmspec.system import Fault

    with pytest.raises(CommandError) as caught:
        dc.schedule_fault(Fault("drop", ("t4-a",)))
    assert str(caught.value) == (
        "fault drop t4-a: expected drop S T, heal S T, kill HOST, lose-ack [HOST] "
        "or cancel HOST (with a domain)"
    )
    assert dc.pending() == 0


def test_migrating_to_the_source_itself_fails_st3(dc: Datacenter) -> None:
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-a").status == 0
    dc.run_until_quiescent()
    assert dc.drain_messages()[0].lines == (
        "ST-3: Target t4-a is the source machine",
        FAILED,
    )


def test_an_unknown_target_host_is_unreachable(dc: Datacenter) -> None:
    result = dc.run_ldm("t4-a", "migrate ldom01 root@nowhere")
    assert (result.status, result.output.splitlines()[1:]) == (
        1, ["Failed to establish connection with ldmd(1m) on target: nowhere", FAILED],
    )  # fmt: skip


def test_two_migrations_racing_for_one_target_name(fleet) -> None:  # type: ignore[no-untyped-def]
    from ldmspec.system import SystemConfig

    dc = Datacenter.from_fleet(fleet, config=SystemConfig(max_migrations_per_host=3))
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b:twin").status == 0
    assert dc.run_ldm("t4-a", "migrate ldom03 root@t4-b:twin").status == 0
    again = dc.run_ldm("t4-a", "migrate -n ldom01 root@t5-a")
    assert again.output.splitlines()[1].startswith("ST-1: Domain ldom01 is already being migrated")
    dc.run_until_quiescent()
    outcomes = sorted((m.outcome, m.lines[:1]) for m in dc.observe().migrations)
    assert outcomes == [
        ("completed", ()),
        ("failed", ("Target t4-b could not create domain twin: "
                    "a domain named twin already exists",)),
    ]  # fmt: skip


def test_kill_on_the_target_host_kills_nothing(dc: Datacenter) -> None:
    reach_phase(dc, 3)
    before = dc.observe()
    assert dc.kill("t4-b") is False
    assert dc.observe() == before
    dc.run_until_quiescent()
    assert migration(dc).outcome == "completed"


def test_scrubbing_a_cancelled_target_takes_time_and_ldm_waits(fleet) -> None:  # type: ignore[no-untyped-def]
    from ldmspec.system import SystemConfig

    dc = Datacenter.from_fleet(fleet, config=SystemConfig(scrub_ticks_per_gib=1))
    before = dc.observe().host("t4-b")
    reach_phase(dc, 3)
    dc.run_ldm("t4-a", "cancel-operation migration ldom01")
    assert dc.run_until(lambda: migration(dc).ended)
    host = dc.observe().host("t4-b")
    assert host.memory_scrubbing == 16 * 2**30
    assert host.memory_free + host.memory_held + host.memory_scrubbing == host.memory_total
    assert dc.run_ldm("t4-b", "list").output == (
        "The hypervisor is scrubbing 16G of memory of a destroyed domain: "
        "ldm is unresponsive until it finishes"
    )
    dc.run_until_quiescent()
    after = dc.observe().host("t4-b")
    assert (after.memory_scrubbing, after.free) == (0, before.free)
    assert dc.run_ldm("t4-b", "list").status == 0
    (done,) = [line for line in dc.scheduler.trace if line.endswith("scrubbed t4-b 16G")]
    ended = migration(dc).ended_at
    # 16 ticks for 16G from the Abort's arrival; the source ended a tick after it.
    assert ended is not None and int(done.split()[0][2:]) == ended - 1 + 16


def test_concurrent_migrations_from_one_source_when_the_host_allows(fleet) -> None:  # type: ignore[no-untyped-def]
    from ldmspec.system.config import SystemConfig
    from ldmspec.system.manager import CommandResult

    dc = Datacenter.from_fleet(fleet, seed=2, config=SystemConfig(max_migrations_per_host=2))
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").output == "Target Password:"
    assert dc.run_ldm("t4-a", "migrate ldom02 root@t5-a").output == "Target Password:"
    assert dc.run_ldm("t4-a", "migrate ldom03 root@t4-b") == CommandResult(
        "A migration is in progress on t4-a: operations that change domains are blocked", 1
    )
    assert dc.run_until(lambda: all(m.phase >= 3 for m in dc.observe().migrations))
    dc.run_until_quiescent()
    assert [m.outcome for m in dc.observe().migrations] == ["completed", "completed"]


def test_bad_guest_activity_is_refused_at_once(dc: Datacenter) -> None:
    from ldmspec.errors import CommandError

    for call in (
        lambda: dc.set_dirty_rate("t4-a", "ldom01", 10, "bursty"),
        lambda: dc.guest_write("t4-a", "ldom01", 10, "bursty"),
    ):
        with pytest.raises(CommandError, match="write pattern must be one of sequential, random"):
            call()
    with pytest.raises(CommandError, match="no host 'mars' in this fleet; hosts: t4-a, t4-b"):
        dc.set_dirty_rate("mars", "ldom01", 10)
    assert dc.pending() == 0 and dc.scheduler.pending(include_background=True) == 0


def test_faults_name_hosts_of_the_fleet(dc: Datacenter) -> None:
    from ldmspec.errors import CommandError

    for call in (
        lambda: dc.drop("t4-a", "mars"),
        lambda: dc.heal("mars", "t4-a"),
        lambda: dc.partition(["t4-a"], ["mars"]),
        lambda: dc.delay("mars", "t4-b", 3),
        lambda: dc.lose_next_ack("mars"),
        lambda: dc.kill("mars"),
        lambda: dc.set_password("mars", "x"),
    ):
        with pytest.raises(CommandError, match=r"^no host 'mars' in this fleet; hosts: t4-a, "):
            call()
    assert dc.observe().down_links == ()


def test_kill_names_the_one_migrate_command_it_ends(fleet) -> None:  # type: ignore[no-untyped-def]
    from ldmspec.system.config import SystemConfig

    dc = Datacenter.from_fleet(fleet, seed=2, config=SystemConfig(max_migrations_per_host=2))
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    assert dc.run_ldm("t4-a", "migrate ldom02 root@t5-a").status == 0
    assert dc.kill("t4-a", "ldom02") is True
    assert dc.kill("t4-a", "ldom03") is False
    dc.run_until_quiescent()
    assert {m.domain: m.outcome for m in dc.observe().migrations} == {
        "ldom01": "completed",
        "ldom02": "cancelled",
    }


def test_a_renamed_domain_s_console_group_follows_its_new_name(dc: Datacenter) -> None:
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b:ldom09").status == 0
    dc.run_until_quiescent()
    console = dc.manager("t4-b").domains["ldom09"].console
    assert console is not None and console.group == "ldom09"


def test_a_bound_domain_arrives_without_a_console_where_no_port_is_free(dc: Datacenter) -> None:
    # VIO-3/VIO-4 bind live migrations only: the pre-check accepts web02 (bound) for t4-c,
    # whose only console port db01 holds, so phase 2 must not fail on the port either.
    assert dc.run_ldm("t4-c", "add-vdsdev /dev/dsk/c4t9d0s2 web02@primary-vds0").status == 0
    assert dc.run_ldm("t4-b", "migrate web02 root@t4-c").status == 0
    dc.run_until_quiescent()
    assert [(n.outcome, n.lines) for n in dc.drain_messages()] == [("completed", ())]
    arrived = dc.observe().host("t4-c").domain("web02")
    assert arrived is not None and (arrived.state, arrived.console_port) == ("bound", None)
    assert dc.manager("t4-c").domains["web02"].console is None


def test_a_lost_settled_message_is_asked_for_again(dc: Datacenter) -> None:
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    # The acknowledgement reaches t4-a; the Settled message after it is lost.
    assert dc.run_until(lambda: migration(dc).target_outcome == "completed")
    dc.drop("t4-a", "t4-b")
    dc.run_until_quiescent()
    assert migration(dc).outcome == "error"  # the acknowledgement was lost too
    dc.heal("t4-a", "t4-b")
    assert dc.run_ldm("t4-a", "rm-domain ldom01").status == 0
    dc.drop("t4-a", "t4-b")
    dc.run_until_quiescent()
    unsettled = "Domain ldom01 cannot migrate yet: its migration from t4-a is not settled on t4-a"
    assert dc.run_ldm("t4-b", "migrate ldom01 root@t4-a").output == unsettled
    dc.heal("t4-a", "t4-b")
    assert dc.run_ldm("t4-b", "migrate ldom01 root@t4-a").output == unsettled  # asks again
    dc.run_until_quiescent()
    assert dc.run_ldm("t4-b", "migrate ldom01 root@t4-a").status == 0


def test_the_target_keeps_an_arrived_domain_locked_until_its_source_settled(
    dc: Datacenter,
) -> None:
    # Found by the adapter example (CONFORMANCE): t4-b stopped ldom01 while t4-a's copy was
    # in error state, so t4-a's advice ("if it runs on t4-b, destroy this copy, otherwise
    # resume it") would have left two copies of ldom01.
    dc.lose_next_ack("t4-a")
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    dc.run_until_quiescent()
    assert migration(dc).outcome == "error"
    locked = "Domain ldom01 cannot change yet: its migration from t4-a is not settled on t4-a"
    for command in ("stop ldom01", "set-vcpu 4 ldom01", "rm-domain ldom01"):
        assert (dc.run_ldm("t4-b", command).output, dc.observe().pending) == (locked, 1)
        dc.run_until_quiescent()  # each refusal asks t4-a again; t4-a is still in error
    assert dc.observe().host("t4-b").domain("ldom01").state == "active"  # type: ignore[union-attr]
    assert dc.run_ldm("t4-a", "rm-domain ldom01").status == 0
    dc.run_until_quiescent()
    assert dc.run_ldm("t4-b", "stop ldom01").output == "LDom ldom01 stopped"


def test_a_dry_run_of_an_unsettled_arrived_domain_asks_nothing(dc: Datacenter) -> None:
    # INV-DRY-RUN (found by the adapter example): -n on the target of a migration whose
    # acknowledgement was lost sent a SettleQuery, so the scheduler changed.
    dc.lose_next_ack("t4-a")
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    dc.run_until_quiescent()
    before = dc.observe()
    refused = dc.run_ldm("t4-b", "migrate -n ldom01 root@t4-a")
    assert (refused.status, refused.output) == (
        1,
        "Domain ldom01 cannot migrate yet: its migration from t4-a is not settled on t4-a",
    )
    assert dc.observe() == before


def test_the_error_copy_can_be_removed_while_another_migration_holds_the_lock(
    dc: Datacenter,
) -> None:
    dc.lose_next_ack("t4-a")
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").status == 0
    dc.run_until_quiescent()
    assert migration(dc).outcome == "error"
    assert dc.run_ldm("t4-a", "migrate ldom02 root@t5-a").status == 0
    busy = "A migration is in progress on t4-a: operations that change domains are blocked"
    assert dc.run_ldm("t4-a", "stop ldom03").output == busy
    assert dc.run_ldm("t4-a", "rm-domain ldom01").status == 0
    assert dc.observe().migrations[0].resolution == "destroyed"


def test_a_domain_loaded_in_error_state_shows_e_and_recovers_as_documented(
    fleet: Fleet,
) -> None:

    source = fleet.host("t4-a")
    assert source is not None
    domains = tuple(
        replace(d, migration=MigrationFlag.ERROR) if d.name == "ldom01" else d
        for d in source.domains
    )
    hosts = tuple(replace(h, domains=domains) if h.name == "t4-a" else h for h in fleet.hosts)
    for recovery in ("rm-domain ldom01", "cancel-operation migration ldom01"):
        dc = Datacenter.from_fleet(replace(fleet, hosts=hosts), seed=1)
        assert dc.observe().host("t4-a").domain("ldom01").flags == "-n---e"  # type: ignore[union-attr]
        refused = dc.run_ldm("t4-a", "migrate ldom01 root@t4-b", password="x")
        assert refused.status == 1 and refused.output.splitlines()[1] == (
            "ST-1: Domain ldom01 is already being migrated or is in migration error state"
        )
        assert dc.run_ldm("t4-a", recovery).status == 0
        after = dc.observe().host("t4-a").domain("ldom01")
        assert (after is None) if recovery.startswith("rm") else (after.flags == "-n----")  # type: ignore[union-attr]
