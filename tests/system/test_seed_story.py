"""The seed's story: states, FLAGS, status output, cancel, dry run, rename, passwords."""

from __future__ import annotations

from pathlib import Path

from ldmspec.system import Datacenter, MigrationView


def migration(dc: Datacenter) -> MigrationView:
    return dc.observe().migrations[-1]


def start(dc: Datacenter, line: str = "migrate ldom01 root@t4-b") -> None:
    assert dc.run_ldm("t4-a", line).status == 0


def test_migration_completes_and_moves_the_domain(dc: Datacenter) -> None:
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").output == "Target Password:"
    dc.run_until_quiescent()
    (notice,) = dc.drain_messages()
    assert (notice.outcome, notice.status, notice.lines) == ("completed", 0, ())
    obs = dc.observe()
    assert obs.host("t4-a").domain("ldom01") is None
    moved = obs.host("t4-b").domain("ldom01")
    assert moved is not None and (moved.state, moved.flags) == ("active", "-n----")
    assert migration(dc).resumed_digest == migration(dc).suspended_digest
    # Nothing was left to copy while suspended: the hand-off message is all the downtime.
    assert migration(dc).downtime == 1


def test_source_lists_s_and_target_lists_bound_t_during_precopy(dc: Datacenter) -> None:
    start(dc)
    assert dc.run_until(lambda: migration(dc).phase == 3)
    source = dc.run_ldm("t4-a", "list ldom01").output.splitlines()
    target = dc.run_ldm("t4-b", "list ldom01").output.splitlines()
    assert source[0].split() == ["NAME", "STATE", "FLAGS", "CONS", "VCPU", "MEMORY", "UTIL",
                                 "NORM", "UPTIME"]  # fmt: skip
    assert source[1].split()[:6] == ["ldom01", "active", "-n---s", "5000", "8", "16G"]
    assert target[1].split() == ["ldom01", "bound", "-----t", "5002", "8", "16G"]


def test_source_is_suspended_with_s_while_the_target_is_bound_with_t(dc: Datacenter) -> None:
    start(dc)
    assert dc.run_until(lambda: migration(dc).phase == 5)
    # The seed's own listing: a suspended source shows an empty CONS.
    assert dc.run_ldm("t4-a", "list ldom01").output.splitlines()[1].split()[:4] == [
        "ldom01", "suspended", "-n---s", "8",
    ]  # fmt: skip
    assert dc.run_ldm("t4-b", "list -p ldom01").output.splitlines() == [
        "VERSION 1.6",
        "DOMAIN|name=ldom01|state=bound|flags=-----t|cons=5002|ncpu=8|mem=17179869184"
        "|util=|uptime=|norm_util=",
    ]


def test_status_on_the_target_shows_migration_percentage_and_source(dc: Datacenter) -> None:
    start(dc)
    assert dc.run_until(lambda: (migration(dc).target_progress or 0) >= 30)
    lines = dc.run_ldm("t4-b", "list -o status ldom01").output.splitlines()
    progress = migration(dc).target_progress
    assert lines == [
        "NAME",
        "ldom01",
        "",
        "STATUS",
        "    OPERATION    PROGRESS    SOURCE",
        f"    migration    {progress}%         t4-a",
    ]
    assert dc.run_ldm("t4-a", "list -o status ldom01").output.splitlines()[4:] == [
        "    OPERATION    PROGRESS    TARGET",
        f"    migration    {migration(dc).progress}%         t4-b",
    ]


def test_status_without_a_migration_has_no_status_section(dc: Datacenter) -> None:
    assert dc.run_ldm("t4-a", "list -o status ldom01").output == "NAME\nldom01"


def test_cancel_on_the_target_is_refused_and_changes_nothing(dc: Datacenter) -> None:
    start(dc)
    assert dc.run_until(lambda: migration(dc).phase == 3)
    before = dc.observe()
    result = dc.run_ldm("t4-b", "cancel-operation migration ldom01")
    assert result.status == 1
    assert result.output == (
        "Migration of ldom01 cannot be controlled from t4-b: it is the target machine; "
        "cancel it on the source machine t4-a"
    )
    assert dc.observe() == before
    dc.run_until_quiescent()
    assert migration(dc).outcome == "completed"


def test_after_cancel_the_target_domain_is_gone_and_the_source_is_active(dc: Datacenter) -> None:
    before = dc.observe()
    start(dc)
    assert dc.run_until(lambda: migration(dc).phase == 3)
    assert dc.run_ldm("t4-a", "cancel-operation migration ldom01").status == 0
    dc.run_until_quiescent()
    after = dc.observe()
    assert after.host("t4-b").domain("ldom01") is None
    assert after.host("t4-b").free == before.host("t4-b").free
    source = after.host("t4-a").domain("ldom01")
    assert source is not None and (source.state, source.flags, source.running) == (
        "active", "-n----", True,
    )  # fmt: skip
    (notice,) = dc.drain_messages()
    assert notice.lines == ("Migration of LDom ldom01 cancelled by cancel-operation",)


def test_a_dry_run_changes_nothing(dc: Datacenter) -> None:
    before = dc.observe()
    result = dc.run_ldm("t4-a", "migrate -n ldom01 root@t4-b")
    assert (result.output, result.status) == ("Target Password:", 0)
    assert dc.observe() == before
    assert dc.pending() == 0


def test_a_failing_dry_run_names_the_requirements_and_would_fail(dc: Datacenter) -> None:
    before = dc.observe()
    result = dc.run_ldm("t4-a", "migrate -n ldom03 root@t4-c")
    assert result.status == 1
    assert result.output.splitlines() == [
        "Target Password:",
        "CPU-3: Domain ldom03 runs Solaris 10: stick-frequency differs "
        "(0x5f5e100 on t4-a, 0x5f4bc08 on t4-c)",
        "VIO-4: No free console port on target t4-c",
        "Domain Migration of LDom ldom03 would fail if attempted",
    ]
    assert dc.observe() == before


def test_a_failed_migration_prints_reasons_and_failed(dc: Datacenter) -> None:
    before = dc.observe()
    start(dc, "migrate iodom root@t4-b")
    dc.run_until_quiescent()
    (notice,) = dc.drain_messages()
    assert notice.lines == (
        "IO-1: Domain iodom has direct I/O devices: endpoint:/SYS/MB/PCIE1",
        "VIO-1: Volume iovol of service primary-vds0 is not available on target t4-b",
        "Domain Migration of LDom iodom failed",
    )
    after = dc.observe()
    assert after.hosts == before.hosts


def test_rename_on_migration(dc: Datacenter) -> None:
    start(dc, "migrate ldom02 root@t5-a:ldom02-t5")
    dc.run_until_quiescent()
    obs = dc.observe()
    assert migration(dc).outcome == "completed"
    assert obs.host("t4-a").domain("ldom02") is None
    renamed = obs.host("t5-a").domain("ldom02-t5")
    assert renamed is not None and renamed.state == "active"
    assert obs.host("t5-a").domain("ldom02") is None


def test_target_name_taken_fails_with_st3(dc: Datacenter) -> None:
    start(dc, "migrate ldom01 root@t4-b:web01")
    dc.run_until_quiescent()
    assert dc.drain_messages()[0].lines[0] == (
        "ST-3: A domain named web01 already exists on target t4-b"
    )


def test_wrong_password_changes_nothing_and_is_never_printed(dc: Datacenter) -> None:
    dc.set_password("t4-b", "s3cret-right")
    before = dc.observe()
    result = dc.run_ldm("t4-a", "migrate ldom01 root@t4-b", password="s3cret-wrong")
    dc.run_until_quiescent()
    (notice,) = dc.drain_messages()
    assert notice.lines == (
        "Authentication to target t4-b failed: bad user name or password",
        "Domain Migration of LDom ldom01 failed",
    )
    assert dc.observe().hosts == before.hosts
    everything = "\n".join([result.output, *notice.lines, *dc.scheduler.trace, repr(dc.observe())])
    assert "s3cret" not in everything


def test_right_password_from_a_password_file(dc: Datacenter, tmp_path: Path) -> None:
    dc.set_password("t4-b", "s3cret-right")
    secret = tmp_path / "pw"
    secret.write_text("s3cret-right\nsecond line ignored\n")
    result = dc.run_ldm("t4-a", f"migrate -p {secret} ldom01 root@t4-b")
    assert (result.output, result.status) == ("", 0)
    dc.run_until_quiescent()
    assert migration(dc).outcome == "completed"


def test_a_missing_password_file_is_a_clean_error(dc: Datacenter, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    result = dc.run_ldm("t4-a", f"migrate -p {missing} ldom01 root@t4-b")
    assert result.status == 1
    assert result.output.splitlines() == [
        f"Unable to read password file {missing}",
        "Domain Migration of LDom ldom01 failed",
    ]
    assert dc.observe().migrations == ()


def test_cold_migration_of_a_bound_domain(dc: Datacenter) -> None:
    start_host = "t4-b"
    assert dc.run_ldm(start_host, "migrate web02 root@t4-a").status == 0
    dc.run_until_quiescent()
    obs = dc.observe()
    view = obs.migrations[-1]
    assert (view.outcome, view.live, view.rounds, view.pages_sent) == ("completed", False, 0, 0)
    moved = obs.host("t4-a").domain("web02")
    assert moved is not None and (moved.state, moved.flags) == ("bound", "------")
    assert obs.host("t4-b").domain("web02") is None


def test_cold_migration_of_an_inactive_domain_takes_nothing_on_the_target(
    dc: Datacenter,
) -> None:
    before = dc.observe().host("t4-a").free
    assert dc.run_ldm("t5-a", "migrate app02 root@t4-a").status == 0
    dc.run_until_quiescent()
    obs = dc.observe()
    assert migration(dc).outcome == "completed"
    moved = obs.host("t4-a").domain("app02")
    assert moved is not None and (moved.state, moved.flags, moved.strands) == (
        "inactive", "------", (),
    )  # fmt: skip
    assert obs.host("t4-a").free == before
