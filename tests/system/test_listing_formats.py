"""``ldm list`` as operators see it: NORM by Manager release, the seed's empty CONS of a
suspended source, and the ``-o memory`` / ``list-devices memory`` views of dossier §4."""

from __future__ import annotations

from ldmspec.system import Datacenter


def run(dc: Datacenter, line: str, host: str = "t4-a") -> tuple[int, str]:
    result = dc.run_ldm(host, line)
    return result.status, result.output


def test_a_2_1_manager_prints_no_norm_column(dc: Datacenter) -> None:
    # The seed's 2.1 listing: NAME STATE FLAGS CONS VCPU MEMORY UTIL UPTIME.
    assert run(dc, "list", "t2-old") == (0, "\n".join([
        "NAME             STATE   FLAGS   CONS  VCPU  MEMORY  UTIL  UPTIME",
        "primary          active  -n-cv-  SP    8     8G      0.0%  0s",
        "legacy01         active  -n----  5000  8     8G      0.0%  0s",
    ]))  # fmt: skip
    parseable = run(dc, "list -p legacy01", "t2-old")[1].splitlines()
    assert parseable == [
        "VERSION 1.4",
        "DOMAIN|name=legacy01|state=active|flags=-n----|cons=5000|ncpu=8|mem=8589934592"
        "|util=0.0|uptime=0",
    ]


def test_a_3_x_manager_prints_norm(dc: Datacenter) -> None:
    assert run(dc, "list primary")[1].splitlines()[0].split() == [
        "NAME", "STATE", "FLAGS", "CONS", "VCPU", "MEMORY", "UTIL", "NORM", "UPTIME",
    ]  # fmt: skip


def test_list_o_memory_is_the_published_layout(dc: Datacenter) -> None:
    # dossier §4.1: NAME, the domain, a blank line, MEMORY, RA PA SIZE.
    assert run(dc, "list -o memory ldom01 ldom03") == (0, "\n".join([
        "NAME",
        "ldom01",
        "",
        "MEMORY",
        "    RA               PA               SIZE",
        "    0x10000000       0x810000000      16G",
        "",
        "-" * 78,
        "NAME",
        "ldom03",
        "",
        "MEMORY",
        "    RA               PA               SIZE",
        "    0x10000000       0x1410000000     8G",
    ]))  # fmt: skip


def test_list_devices_memory_shows_free_memory(dc: Datacenter) -> None:
    # dossier §4.1/§4.2: `ldm list-devices memory` lists free memory, PA and SIZE.
    assert run(dc, "list-devices memory") == (0, "\n".join([
        "MEMORY",
        "    PA                   SIZE",
        "    0x0                  256M",
        "    0x1a10000000         155392M",
    ]))  # fmt: skip
    assert run(dc, "ls-devices -p mem") == (0, "\n".join([
        "VERSION 1.6",
        "MEMORY",
        "|pa=0x0|size=268435456",
        "|pa=0x1a10000000|size=162940321792",
    ]))  # fmt: skip


def test_free_memory_follows_an_unbind(dc: Datacenter) -> None:
    assert run(dc, "stop ldom03")[0] == 0 and run(dc, "unbind ldom03")[0] == 0
    assert "    0x1410000000         8G" in run(dc, "list-devices memory")[1].splitlines()


def test_other_sections_and_their_parseable_records(dc: Datacenter) -> None:
    human = run(dc, "list -o console,disk,network ldom01")[1].splitlines()
    assert human == [
        "NAME", "ldom01",
        "", "VCONS", "    NAME         SERVICE          PORT",
        "    ldom01       primary-vcc0     5000",
        "", "DISK", "    NAME         VOLUME", "    vdisk0       vol01@primary-vds0",
        "", "NETWORK", "    NAME         SERVICE", "    vnet0        primary-vsw0",
    ]  # fmt: skip
    assert run(dc, "list -p -o memory,console ldom01")[1].splitlines() == [
        "VERSION 1.6",
        "DOMAIN|name=ldom01|",
        "MEMORY",
        "|ra=0x10000000|pa=0x810000000|size=17179869184",
        "VCONS|group=ldom01|service=primary-vcc0|port=5000",
    ]


def test_an_inactive_domain_has_no_memory_section(dc: Datacenter) -> None:
    assert run(dc, "list -o memory app02", "t5-a") == (0, "NAME\napp02")
