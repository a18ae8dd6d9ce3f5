"""Capture bundles: the example bundles equal the example fleet; contradictions are refused."""

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given

from ldmspec.errors import InputError
from ldmspec.inventory import MigrationFlag, load_fleet
from ldmspec.inventory.captures import load_bundle, load_bundles
from ldmspec.inventory.render import bundle_files, write_bundles
from ldmspec.inventory.writer import fleet_to_toml
from ldmspec.testing.sizing import examples
from ldmspec.testing.strategies import fleets

EXAMPLES = Path("examples")


def test_example_captures_load_to_the_example_fleet():
    from_toml = load_fleet(EXAMPLES / "fleet.toml")
    from_captures = load_fleet(EXAMPLES / "captures")
    assert from_captures == from_toml
    assert from_captures.plans == from_toml.plans and len(from_toml.plans) == 9
    assert from_captures.host_names == ("t4-a", "t4-b", "t4-c", "t5-a", "m10-a", "t2-old")


def test_example_captures_are_what_the_renderer_writes(tmp_path):
    """examples/captures is not edited by hand: rendering the fleet again gives it back."""
    write_bundles(load_fleet(EXAMPLES / "fleet.toml"), tmp_path)
    for written in sorted(tmp_path.rglob("*")):
        if written.is_file():
            committed = EXAMPLES / "captures" / written.relative_to(tmp_path)
            assert committed.read_text() == written.read_text(), (
                f"{committed} is stale: run"
                " `ldmspec collect --render examples/fleet.toml examples/captures`"
            )


def test_one_bundle_folder_is_a_one_host_fleet():
    fleet = load_fleet(EXAMPLES / "captures" / "t4-c")
    assert fleet.host_names == ("t4-c",)
    assert fleet.hosts[0] == load_fleet(EXAMPLES / "fleet.toml").host("t4-c")
    assert load_bundle(EXAMPLES / "captures" / "t4-c") == fleet


@pytest.fixture
def bundles(tmp_path):
    copy = tmp_path / "caps"
    shutil.copytree(EXAMPLES / "captures", copy)
    return copy


def _edit(folder, name, old, new):
    path = folder / name
    text = path.read_text()
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1))
    return path


def _error(folder):
    with pytest.raises(InputError) as caught:
        load_bundles(folder)
    return str(caught.value)


def _line(path, needle, nth=0):
    return [n for n, t in enumerate(path.read_text().splitlines(), start=1) if needle in t][nth]


def test_ncpu_contradiction_names_both_files(bundles):
    short = _edit(bundles, "t4-a/ldm-list-p.txt", "ncpu=8|", "ncpu=9|")
    long = bundles / "t4-a/ldm-list-l-p.txt"
    assert _error(bundles) == (
        f"{short}:3: expected the ncpu of ldom01 as {long}:{_line(long, 'name=ldom01')}"
        ' says (8), got "9"'
    )


def test_state_contradiction(bundles):
    short = _edit(
        bundles, "t4-b/ldm-list-p.txt", "name=web02|state=bound", "name=web02|state=active"
    )
    long = bundles / "t4-b/ldm-list-l-p.txt"
    assert _error(bundles) == (
        f"{short}:4: expected the state of web02 as {long}:{_line(long, 'name=web02')}"
        ' says (bound), got "active"'
    )


def test_services_contradiction(bundles):
    long = _edit(bundles, "t4-a/ldm-list-l-p.txt", "port-range=5000-5100", "port-range=5000-5101")
    services = bundles / "t4-a/ldm-list-services-p.txt"
    assert _error(bundles) == (
        f"{long}:{_line(long, 'VCC|')}: expected the vcc services that {services} lists"
        ' (primary-vcc0=5000-5100), got "primary-vcc0=5000-5101"'
    )


def test_strand_contradiction(bundles):
    devices = _edit(bundles, "t4-a/ldm-list-devices-a-p.txt", "|pid=20|free=0", "|pid=20|free=100")
    long = bundles / "t4-a/ldm-list-l-p.txt"
    assert _error(bundles) == (
        f"{devices}:{_line(devices, '|pid=20|')}: expected strand 20 held by ldom01, as"
        f' {long}:{_line(long, "VCPU", 1)} says, got "free=100"'
    )


def test_memory_contradiction(bundles):
    devices = _edit(
        bundles,
        "t4-b/ldm-list-devices-a-p.txt",
        "|bound=web01",
        "|bound=web02",
    )
    long = bundles / "t4-b/ldm-list-l-p.txt"
    assert _error(bundles) == (
        f"{devices}:{_line(devices, 'bound=web02')}: expected memory at PA 0x410000000 of size"
        f" 8589934592 bound to web01, as {long}:{_line(long, 'MEMORY', 1)} says,"
        ' got "size=8589934592|bound=web02"'
    )


def test_constraints_contradiction(bundles):
    xml = _edit(
        bundles,
        "t4-a/ldm-list-constraints-x.xml",
        '<gprop:GenericProperty key="cpu-arch">generic',
        '<gprop:GenericProperty key="cpu-arch">native',
    )
    long = bundles / "t4-a/ldm-list-l-p.txt"
    content = _line(xml, 'ovf:id="ldom02"')
    assert _error(bundles) == (
        f"{xml}:{content}: expected the cpu-arch of ldom02 as"
        f' {long}:{_line(long, "cpu-arch=generic")} says (generic), got "native"'
    )


def test_psrinfo_contradiction_with_facts(bundles):
    facts = bundles / "t4-a/facts.toml"
    facts.write_text('cpu = "SPARC-T5"\n' + facts.read_text())
    psrinfo = bundles / "t4-a/psrinfo-pv.txt"
    assert _error(bundles) == (
        f'{facts}:1: expected the processor as {psrinfo}:4 says (SPARC-T4), got "SPARC-T5"'
    )


def test_release_contradiction_with_facts(bundles):
    facts = bundles / "t2-old/facts.toml"
    facts.write_text('os = "11.4"\n' + facts.read_text())
    release = bundles / "t2-old/etc-release.txt"
    assert _error(bundles) == (
        f"{facts}:1: expected the control domain's release as {release}:1 says (10 9/10),"
        ' got "11.4"'
    )


def test_loader_checks_are_located_in_capture_files(bundles):
    long = _edit(bundles, "t4-a/ldm-list-l-p.txt", "port=5001", "port=5000")
    assert _error(bundles) == (
        f"{long}:{_line(long, 'port=5000', 1)}: hosts.t4-a.domains.ldom02.console.port:"
        " expected a console port not already used by ldom01, got 5000"
    )
    facts = _edit(bundles, "t4-b/facts.toml", 'os = "11.4"', 'os = "eleven"')
    (bundles / "t4-a").joinpath("ldm-list-l-p.txt").write_text(
        long.read_text().replace("port=5000", "port=5001", 2).replace("port=5001", "port=5000", 1)
    )
    assert _error(bundles) == (
        f"{facts}:5: hosts.t4-b.domains.web01.os: expected a Solaris release like"
        ' "10 9/10", "10 1/13", "11.1" or "11.4", got "eleven"'
    )


def test_missing_required_file(bundles):
    (bundles / "t4-a/ldm-V.txt").unlink()
    assert _error(bundles) == (
        f"{bundles / 't4-a/ldm-V.txt'}: expected the output of `ldm -V` in this file"
        " (`ldmspec collect` writes it)"
    )


def test_missing_release_needs_facts(bundles):
    (bundles / "t4-a/etc-release.txt").unlink()
    assert _error(bundles) == (
        f"{bundles / 't4-a/etc-release.txt'}: expected the control domain's Solaris release:"
        " `cat /etc/release` in this file or os in facts.toml"
    )
    facts = bundles / "t4-a/facts.toml"
    facts.write_text('os = "11.4"\n' + facts.read_text())
    assert load_bundles(bundles) == load_fleet(EXAMPLES / "fleet.toml")


def test_optional_files_may_be_missing(bundles):
    for name in ("ldm-list-p.txt", "psrinfo-pv.txt"):
        (bundles / "t5-a" / name).unlink()
    facts = bundles / "t5-a/facts.toml"
    facts.write_text('cpu = "SPARC-T5"\nclock-mhz = 3600\n' + facts.read_text())
    assert load_bundles(bundles) == load_fleet(EXAMPLES / "fleet.toml")


def test_facts_errors(bundles):
    facts = _edit(bundles, "t4-a/facts.toml", "[domains.ldom02]", "[domains.ldom99]")
    long = bundles / "t4-a/ldm-list-l-p.txt"
    assert _error(bundles) == f'{facts}:8: expected a domain that {long} lists, got "ldom99"'
    facts.write_text('colour = "red"\n')
    assert _error(bundles) == (
        f"{facts}:1: expected one of the keys os, largest-page, cpu, clock-mhz, domains,"
        ' got "colour"'
    )
    facts.write_text("largest-page = = 2\n")
    assert _error(bundles) == f"{facts}:1: expected valid TOML (Invalid value)"


def test_plans_errors(bundles):
    plans = _edit(bundles, "plans.toml", '"t2-old"]', '"t2-new"]')
    assert _error(bundles) == (
        f"{plans}:2: hosts: expected hosts = [...] listing each bundle folder once: m10-a,"
        ' t2-old, t4-a, t4-b, t4-c, t5-a, got "t4-a, t4-b, t4-c, t5-a, m10-a, t2-new"'
    )
    plans.write_text('[[plans]]\ndomain = "ldom01"\nsource = "t4-a"\ntarget = "t4-z"\n')
    assert _error(bundles) == (
        f"{plans}:4: plans[0].target: expected a host of this fleet: m10-a, t2-old, t4-a,"
        ' t4-b, t4-c, t5-a, got "t4-z"'
    )


def test_without_plans_hosts_are_in_name_order(bundles):
    (bundles / "plans.toml").unlink()
    fleet = load_bundles(bundles)
    assert fleet.host_names == ("m10-a", "t2-old", "t4-a", "t4-b", "t4-c", "t5-a")
    assert fleet.plans == ()


def test_empty_folder(tmp_path):
    with pytest.raises(InputError) as caught:
        load_bundles(tmp_path)
    assert str(caught.value) == (
        "expected a capture bundle folder (with ldm-list-l-p.txt) or a folder of them,"
        f' got "{tmp_path}"'
    )


def test_bundle_files_render_every_command():
    host = load_fleet(EXAMPLES / "fleet.toml").hosts[0]
    files = bundle_files(host)
    assert set(files) == {
        "ldm-list-p.txt",
        "ldm-list-l-p.txt",
        "ldm-list-constraints-x.xml",
        "ldm-list-services-p.txt",
        "ldm-list-devices-a-p.txt",
        "ldm-V.txt",
        "psrinfo-pv.txt",
        "prtconf-pv.txt",
        "etc-release.txt",
        "facts.toml",
    }
    assert files["ldm-list-p.txt"].splitlines()[1] == (
        "DOMAIN|name=primary|state=active|flags=-n-cv-|cons=UART|ncpu=16|mem=34359738368"
        "|util=0.1|uptime=86400|norm_util=0.1"
    )
    assert files["ldm-V.txt"].startswith("Logical Domains Manager (v 3.6)\n")


@examples(25)
@given(fleets(max_hosts=3, max_domains=4))
def test_rendered_bundles_load_to_the_same_fleet(fleet):
    with tempfile.TemporaryDirectory() as folder:
        write_bundles(fleet, folder)
        assert load_bundles(folder) == fleet


def test_system_reserved_memory_is_not_host_memory(bundles):
    devices = bundles / "t2-old/ldm-list-devices-a-p.txt"
    lines = devices.read_text().splitlines()
    memory = lines.index("MEMORY")
    lines.insert(memory + 1, "|pa=0x1000000000|size=268435456|bound=_sys_")
    devices.write_text("\n".join(lines) + "\n")
    assert load_bundles(bundles) == load_fleet(EXAMPLES / "fleet.toml")


def test_console_without_a_port_is_no_console(bundles):
    long = bundles / "t5-a/ldm-list-l-p.txt"
    assert long.read_text().splitlines()[-1].startswith("VDISK|name=vdisk0|vol=app02@")
    long.write_text(long.read_text() + "VCONS|group=app02|service=primary-vcc0|port=\n")
    app02 = load_bundles(bundles).host("t5-a").domain("app02")
    assert app02 is not None and app02.console is None


def _tar(path, members):
    import io
    import tarfile

    with tarfile.open(path, "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.SYMTYPE
                info.linkname = "/etc/passwd"
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def _bundle_members(host):
    folder = EXAMPLES / "captures" / host
    return [(f"{host}/{p.name}", p.read_bytes()) for p in sorted(folder.iterdir())]


def test_capture_tar_loads_like_its_folder(tmp_path):
    tar = _tar(tmp_path / "t4-c.tar", _bundle_members("t4-c"))
    fleet = load_fleet(tar)
    assert fleet == load_fleet(EXAMPLES / "captures" / "t4-c") and fleet.source == str(tar)


def test_capture_tar_errors_name_the_file_inside_the_tar(tmp_path):
    members = [
        (name, b"junk\n" if name.endswith("ldm-V.txt") else data)
        for name, data in _bundle_members("t4-c")
    ]
    tar = _tar(tmp_path / "t4-c.tar", members)
    with pytest.raises(InputError) as caught:
        load_fleet(tar)
    assert str(caught.value) == (
        f'{tar}/t4-c/ldm-V.txt:1: expected a line like "Logical Domains Manager'
        ' (v 3.6.0.0.24)", got "junk"'
    )


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (("../evil.txt", b"x"), 'expected relative names inside the tar, got "../evil.txt"'),
        (("/etc/evil", b"x"), 'expected relative names inside the tar, got "/etc/evil"'),
        (("t4-c/link", None), 'expected only plain files and folders in the tar, got "t4-c/link"'),
    ],
)
def test_unsafe_tar_members_are_refused(tmp_path, member, message):
    tar = _tar(tmp_path / "evil.tar", [member, *_bundle_members("t4-c")])
    with pytest.raises(InputError) as caught:
        load_fleet(tar)
    assert str(caught.value) == f"{tar}: {message}"
    assert not (tmp_path / "evil.txt").exists()


def test_unreadable_tar(tmp_path):
    bad = tmp_path / "bad.tar"
    bad.write_text("not a tar\n")
    with pytest.raises(InputError) as caught:
        load_fleet(bad)
    assert str(caught.value) == (
        f"{bad}: expected a tar file of capture bundles (tar cannot read this one)"
    )


def test_a_domain_in_a_migration_keeps_its_column_6_flag(bundles):
    _edit(bundles, "t4-b/ldm-list-p.txt", "flags=-n----", "flags=-n---s")
    _edit(bundles, "t4-b/ldm-list-l-p.txt", "name=web01|state=active|flags=normal|",
          "name=web01|state=active|flags=normal,source|")  # fmt: skip
    web01 = load_bundles(bundles).host("t4-b").domain("web01")
    assert web01.migration is MigrationFlag.SOURCE
    expected = load_fleet(EXAMPLES / "fleet.toml")
    assert load_bundles(bundles) != expected  # the flag is kept, not dropped


def test_short_and_long_listings_must_agree_on_column_6(bundles):
    short = _edit(bundles, "t4-b/ldm-list-p.txt", "flags=-n----", "flags=-n---e")
    long = bundles / "t4-b/ldm-list-l-p.txt"
    assert _error(bundles) == (
        f"{short}:3: expected the migration flag of web01 as {long}:32 says (none),"
        ' got "error"'
    )


def test_a_flag_in_a_migration_goes_through_to_the_fleet_file(bundles):
    _edit(bundles, "t4-b/ldm-list-l-p.txt", "name=web01|state=active|flags=normal|",
          "name=web01|state=active|flags=normal,error|")  # fmt: skip
    (bundles / "t4-b/ldm-list-p.txt").unlink()
    fleet = load_bundles(bundles)
    assert fleet.host("t4-b").domain("web01").migration is MigrationFlag.ERROR
    assert 'migration = "error"' in fleet_to_toml(fleet)


def test_five_column_flags_are_accepted(bundles):
    _edit(bundles, "t4-b/ldm-list-p.txt", "flags=-n----", "flags=-n---")
    assert load_bundles(bundles) == load_fleet(EXAMPLES / "fleet.toml")


def test_largest_page_from_the_domain_listing(bundles):
    listing = bundles / "t2-old/ldm-list-o-domain.txt"
    listing.write_text("NAME\nprimary\n\n    hardware-max-pagesize=256M\n")
    assert load_bundles(bundles) == load_fleet(EXAMPLES / "fleet.toml")
    facts = bundles / "t2-old/facts.toml"
    listing.write_text("    hardware-max-pagesize: 2G\n")
    assert _error(bundles) == (
        f'{facts}:2: expected the largest page as {listing}:1 says (2G), got "256M"'
    )
    facts.write_text("")  # the listing alone decides
    host = load_bundles(bundles).host("t2-old")
    assert host is not None and host.largest_page == 2 << 30


def _without_core_section(path):
    lines = path.read_text().splitlines(keepends=True)
    start = lines.index("CORE\n")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("|"))
    path.write_text("".join(lines[:start] + lines[end:]))


def test_devices_of_ldoms_1x_without_cores_take_the_processors_strands_per_core(bundles):
    _without_core_section(bundles / "t2-old/ldm-list-devices-a-p.txt")
    assert load_bundles(bundles) == load_fleet(EXAMPLES / "fleet.toml")


def test_an_ultrasparc_t1_bundle(bundles):
    _without_core_section(bundles / "t2-old/ldm-list-devices-a-p.txt")
    (bundles / "t2-old/psrinfo-pv.txt").write_text(
        "The physical processor has 8 virtual processors (0-7)\n"
        "  UltraSPARC-T1 (cpuid 0 clock 1000 MHz)\n"
    )
    host = load_bundles(bundles).host("t2-old")
    assert (host.cpu.name, host.clock_mhz, host.cores, host.threads_per_core) == (
        "UltraSPARC-T1", 1000, 16, 4,
    )  # fmt: skip


def test_an_inactive_domain_takes_its_sizes_from_its_constraints(bundles):
    fleet = load_bundles(bundles)
    inactive = [
        (h.name, d) for h in fleet.hosts for d in h.domains if d.state.value == "inactive"
    ]
    assert inactive, "the example captures hold an inactive domain"
    host, domain = inactive[0]
    listing = (bundles / host / "ldm-list-l-p.txt").read_text()
    assert f"DOMAIN|name={domain.name}|state=inactive|flags=|cons=|ncpu=|mem=|" in listing
    expected = load_fleet(EXAMPLES / "fleet.toml").host(host).domain(domain.name)
    assert (domain.vcpus, domain.memory_size) == (expected.vcpus, expected.memory_size)


def test_an_empty_ncpu_without_a_constraint_is_an_error(bundles):
    xml = bundles / "t5-a/ldm-list-constraints-x.xml"
    text = xml.read_text()
    fleet = load_fleet(EXAMPLES / "fleet.toml")
    name = next(d.name for d in fleet.host("t5-a").domains if d.state.value == "inactive")
    assert "<rasd:OtherResourceType>cpu</rasd:OtherResourceType>" in text
    start = text.index(f'ovf:id="{name}"')
    cpu = text.index("<rasd:OtherResourceType>cpu</rasd:OtherResourceType>", start)
    item_start = text.rindex("<Item>", start, cpu)
    item_end = text.index("</Item>", cpu) + len("</Item>")
    xml.write_text(text[:item_start] + text[item_end:])
    long = bundles / "t5-a/ldm-list-l-p.txt"
    assert _error(bundles) == (
        f"{long}:{_line(long, f'name={name}|')}: expected the vCPUs of {name}: ncpu= is empty"
        f" and {xml} gives no cpu number"
    )
