"""The ldm grammar and the configuration commands, as an administrator sees them."""

from __future__ import annotations

import pytest

from ldmspec.system import Datacenter


def run(dc: Datacenter, line: str, host: str = "t4-a") -> tuple[int, str]:
    result = dc.run_ldm(host, line)
    return result.status, result.output


@pytest.mark.parametrize(
    ("line", "output"),
    [
        ("frobnicate", "Unknown command frobnicate; use ldm --help to list the commands"),
        ("migrate", "Usage:\n    ldm migrate-domain [-f] [-n] [-p <password_file>] <source_ldom> "
                    "[<user>@]<target_host>[:<target_ldom>]"),
        ("migrate ldom01 t4-b:", "Usage:\n    ldm migrate-domain [-f] [-n] [-p <password_file>] "
                                 "<source_ldom> [<user>@]<target_host>[:<target_ldom>]"),
        ("list -x", "Usage:\n    ldm list-domain [-e] [-l] [-o <format>] [-p] [<ldom>...]"),
        ("list -o bogus", "Usage:\n    ldm list-domain [-e] [-l] [-o <format>] [-p] [<ldom>...]"),
        ("list -o core", "Usage:\n    ldm list-domain [-e] [-l] [-o <format>] [-p] [<ldom>...]"),
        ("list -o memory,domain",
         "Usage:\n    ldm list-domain [-e] [-l] [-o <format>] [-p] [<ldom>...]"),
        ("set-vcpu many ldom01", "Usage:\n    ldm set-vcpu <number> <ldom>"),
        ("set-memory lots ldom01", "Usage:\n    ldm set-memory <size>[unit] <ldom>"),
        ("cancel-operation everything ldom01",
         "Usage:\n    ldm cancel-operation (migration | reconf) <ldom>"),
        ("migrate -c ldom01 t4-b",
         "ldmspec does not model certificate authentication (-c); use -p"),
        ("list 'unterminated", "Invalid command line: No closing quotation"),
        ("list nosuch", "LDom nosuch not found"),
        ("stop primary", "The control domain cannot be stopped with ldm stop-domain"),
    ],
)  # fmt: skip
def test_bad_commands_print_usage_and_exit_1(dc: Datacenter, line: str, output: str) -> None:
    assert run(dc, line) == (1, output)


def test_version(dc: Datacenter) -> None:
    assert run(dc, "-V")[1].splitlines()[0] == "Logical Domains Manager (v 3.6)"
    assert run(dc, "-V", "t2-old")[1].splitlines()[0] == "Logical Domains Manager (v 2.1)"


def test_whole_host_listings_use_the_capture_formats(dc: Datacenter) -> None:
    assert run(dc, "list-services -p", "t4-c")[1].splitlines()[:2] == [
        "VERSION 1.6",
        "VCC|name=primary-vcc0|ldom=primary|port-range=5000-5000",
    ]
    devices = run(dc, "list-devices -a -p", "t4-c")[1].splitlines()
    assert devices[:3] == ["VERSION 1.6", "CORE", "|cid=0|free=0|cpuset=(0,1,2,3,4,5,6,7)"]
    assert run(dc, "list-constraints -x", "t4-c")[1].startswith('<?xml version="1.0"?>')
    assert run(dc, "list-services") == (1, "Usage:\n    ldm list-services -p")
    assert run(dc, "list-devices", "t4-c") == (
        1, "Usage:\n    ldm list-devices -a -p | ldm list-devices [-p] memory",
    )  # fmt: skip


def test_list_shows_every_domain_with_six_flag_columns(dc: Datacenter) -> None:
    assert run(dc, "list", "t4-b") == (0, "\n".join([
        "NAME             STATE   FLAGS   CONS  VCPU  MEMORY  UTIL  NORM  UPTIME",
        "primary          active  -n-cv-  UART  16    16G     0.0%  0.0%  0s",
        "web01            active  -n----  5000  8     8G      0.0%  0.0%  0s",
        "web02            bound   ------  5001  4     4G",
    ]))  # fmt: skip


def test_parseable_list(dc: Datacenter) -> None:
    assert run(dc, "list -p", "t5-a")[1].splitlines() == [
        "VERSION 1.6",
        "DOMAIN|name=primary|state=active|flags=-n-cv-|cons=UART|ncpu=32|mem=68719476736"
        "|util=0.0|uptime=0|norm_util=0.0",
        "DOMAIN|name=app01|state=active|flags=-n----|cons=5000|ncpu=32|mem=68719476736"
        "|util=0.0|uptime=0|norm_util=0.0",
        "DOMAIN|name=app02|state=inactive|flags=------|cons=|ncpu=|mem="
        "|util=|uptime=|norm_util=",
    ]
    assert (
        run(dc, "list -l -p primary", "t5-a")[1]
        .splitlines()[1]
        .startswith("DOMAIN|name=primary|state=active|flags=normal,control,vio-service|cons=UART|")
    )


def test_domain_life_cycle_frees_and_takes_resources(dc: Datacenter) -> None:
    before = dc.observe().host("t4-a").free
    assert run(dc, "stop ldom01") == (0, "LDom ldom01 stopped")
    assert run(dc, "unbind ldom01") == (0, "")
    freed = dc.observe().host("t4-a").free
    assert (freed.strands - before.strands, freed.memory - before.memory) == (8, 16 * 2**30)
    assert freed.ports - before.ports == 1
    assert run(dc, "set-vcpu 4 ldom01") == (0, "")
    assert run(dc, "set-memory 8G ldom01") == (0, "")
    assert run(dc, "bind ldom01") == (0, "")
    assert run(dc, "start ldom01") == (0, "LDom ldom01 started")
    view = dc.observe().host("t4-a").domain("ldom01")
    assert view is not None
    assert (view.state, view.vcpus, view.held_memory, view.console_port) == (
        "active", 4, 8 * 2**30, 5000,
    )  # fmt: skip


def test_state_errors(dc: Datacenter) -> None:
    assert run(dc, "bind ldom01") == (1, "Domain ldom01 is already bound")
    assert run(dc, "start ldom01") == (1, "Domain ldom01 must be bound before it can be started")
    assert run(dc, "unbind ldom01") == (
        1, "Domain ldom01 must be stopped and bound before it can be unbound",
    )  # fmt: skip
    assert run(dc, "rm-domain ldom01") == (
        1,
        "Domain ldom01 must be unbound before it can be removed",
    )
    assert run(dc, "set-domain cpu-arch=generic ldom01") == (
        1, "Domain ldom01 must be stopped to change cpu-arch",
    )  # fmt: skip
    assert run(dc, "set-domain cpu-arch=fast ldom01") == (
        1, "Invalid cpu-arch: expected native, generic, migration-class1 or sparc64-class1",
    )  # fmt: skip


def test_growing_a_running_domain_beyond_the_host_fails(dc: Datacenter) -> None:
    assert run(dc, "set-vcpu 500 ldom01") == (1, "Not enough free vCPUs to give ldom01 500")
    assert run(dc, "set-memory 1T ldom01") == (
        1, "Not enough free memory to give ldom01 1099511627776 bytes",
    )  # fmt: skip
    assert run(dc, "set-memory 20G ldom01") == (0, "")
    assert dc.observe().host("t4-a").domain("ldom01").held_memory == 20 * 2**30  # type: ignore[union-attr]


def test_services_can_be_added_and_removed_to_create_mismatches(dc: Datacenter) -> None:
    assert run(dc, "rm-vdsdev vol01@primary-vds0", "t4-b") == (0, "")
    assert run(dc, "rm-vdsdev vol01@primary-vds0", "t4-b") == (
        1, "Volume vol01 not found in service primary-vds0",
    )  # fmt: skip
    result = dc.run_ldm("t4-a", "migrate -n ldom01 t4-b")
    assert result.output.splitlines()[1] == (
        "VIO-1: Volume vol01 of service primary-vds0 is not available on target t4-b"
    )
    assert run(dc, "add-vdsdev /dev/dsk/c9t0d0s2 vol01@primary-vds0", "t4-b") == (0, "")
    assert dc.run_ldm("t4-a", "migrate -n ldom01 t4-b").status == 0
    assert run(dc, "rm-vsw primary-vsw0", "t4-b") == (
        1, "Virtual switch primary-vsw0 is in use by domain web01",
    )  # fmt: skip
    assert run(dc, "add-vsw net-dev=net1 backup-vsw0 primary", "t4-b") == (0, "")
    assert run(dc, "add-vcc port-range=6000-6001 extra-vcc primary", "t4-b") == (0, "")
    assert run(dc, "rm-vcc primary-vcc0", "t4-b") == (
        1, "Virtual console concentrator primary-vcc0 has ports in use",
    )  # fmt: skip
    host = dc.to_inventory("t4-b")
    assert [s.name for s in host.vsw] == ["primary-vsw0", "backup-vsw0"]
    assert [(v.name, v.port_range) for v in host.vcc] == [
        ("primary-vcc0", "5000-5100"), ("extra-vcc", "6000-6001"),
    ]  # fmt: skip


def test_changes_are_refused_while_a_migration_runs(dc: Datacenter) -> None:
    assert dc.run_ldm("t4-a", "migrate ldom01 t4-b").status == 0
    dc.run_until(lambda: dc.observe().migrations[0].phase == 3)
    assert run(dc, "set-vcpu 4 ldom01") == (
        1, "Domain ldom01 is being migrated: its configuration cannot change",
    )  # fmt: skip
    busy = "A migration is in progress on {}: operations that change domains are blocked"
    assert run(dc, "stop ldom02") == (1, busy.format("t4-a"))
    assert run(dc, "stop web01", "t4-b") == (1, busy.format("t4-b"))
    assert run(dc, "migrate ldom02 t5-a") == (1, busy.format("t4-a"))
    assert run(dc, "list ldom02")[0] == 0
    dc.run_until_quiescent()
    assert run(dc, "stop ldom02") == (0, "LDom ldom02 stopped")


def test_to_inventory_reflects_the_running_system(dc: Datacenter) -> None:
    assert dc.run_ldm("t4-a", "migrate ldom01 t4-b").status == 0
    dc.run_until(lambda: dc.observe().migrations[0].phase == 3)
    target = dc.to_inventory("t4-b").domain("ldom01")
    assert target is not None and target.state.value == "bound"
    dc.run_until_quiescent()
    fleet = dc.to_fleet()
    assert fleet.host("t4-a").domain("ldom01") is None  # type: ignore[union-attr]
    moved = fleet.host("t4-b").domain("ldom01")  # type: ignore[union-attr]
    assert moved is not None and moved.state.value == "active" and len(moved.strands) == 8


def test_parseable_listings_read_back_with_the_capture_parsers(dc: Datacenter) -> None:
    from ldmspec.inventory.listing_parsers import parse_ldm_list

    for option in ("-p", "-l -p"):
        listed = parse_ldm_list(dc.run_ldm("t4-b", f"list {option}").output + "\n", "sim")
        assert [(d.name, d.state, d.ncpu) for d in listed] == [
            ("primary", "active", 16), ("web01", "active", 8), ("web02", "bound", 4),
        ]  # fmt: skip
