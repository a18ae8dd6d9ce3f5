"""The fleet strategies produce valid fleets and reach the boundaries they promise."""

from hypothesis import HealthCheck, Phase, find, given, settings

from ldmspec.inventory import load_fleet_text
from ldmspec.inventory.writer import fleet_to_toml
from ldmspec.testing.sizing import examples
from ldmspec.testing.strategies import domains, fleets, host_pairs, hosts

FIND = settings(
    max_examples=600,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@examples(30)
@given(fleets(min_hosts=2, max_hosts=4))
def test_fleets_are_valid_and_sized(fleet):
    assert 2 <= len(fleet.hosts) <= 4
    assert load_fleet_text(fleet_to_toml(fleet)) == fleet
    for host in fleet.hosts:
        assert host.free_vcpus >= 0 and host.free_memory_size >= 0
        assert host.domain("primary") is not None
    for plan in fleet.plans:
        source = fleet.host(plan.source)
        assert source is not None and source.domain(plan.domain) is not None


@examples(20)
@given(hosts(min_domains=7, max_domains=7))
def test_hosts_hold_the_domains_asked_for(host):
    assert len([d for d in host.domains if not d.is_control]) == 7


@examples(20)
@given(hosts(), domains())
def test_hosts_and_domains(host, domain):
    assert host.name == "h0"
    assert domain.vcpus >= 1 and domain.memory_size > 0
    assert len(host.used_strands) == host.strands - host.free_vcpus


@examples(40)
@given(host_pairs())
def test_host_pairs_are_a_guest_of_the_source_and_another_host(pair):
    fleet, domain, source, target = pair
    assert fleet.hosts == (source, target) and source.name != target.name
    assert source.domain(domain.name) == domain and not domain.is_control


def test_host_pairs_reach_exact_memory_fit():
    find(host_pairs(), lambda p: p[3].free_memory_size == p[1].memory_size, settings=FIND)


def test_host_pairs_reach_exact_vcpu_fit():
    find(host_pairs(), lambda p: p[3].free_vcpus == p[1].vcpus, settings=FIND)


def test_host_pairs_reach_the_last_free_console_port():
    find(host_pairs(), lambda p: len(p[3].free_console_ports()) == 1, settings=FIND)


def test_host_pairs_reach_same_cpu_other_stick():
    find(
        host_pairs(),
        lambda p: p[2].cpu == p[3].cpu and p[2].stick_frequency != p[3].stick_frequency,
        settings=FIND,
    )


def test_host_pairs_reach_adjacent_and_distant_versions():
    find(
        host_pairs(),
        lambda p: (
            p[2].ldm_version != p[3].ldm_version and p[2].ldm_version.adjacent(p[3].ldm_version)
        ),
        settings=FIND,
    )
    find(host_pairs(), lambda p: not p[2].ldm_version.adjacent(p[3].ldm_version), settings=FIND)


def test_host_pairs_reach_solaris_10_and_11_guests():
    find(host_pairs(), lambda p: p[1].os.is_solaris10 and p[1].live, settings=FIND)
    find(host_pairs(), lambda p: not p[1].os.is_solaris10 and p[1].live, settings=FIND)


def test_host_pairs_reach_missing_volume_on_target():
    def lacks_volume(p):
        domain, target = p[1], p[3]
        return any(
            (vds := target.vds_named(d.service)) is None or vds.volume(d.volume) is None
            for d in domain.vdisks
        )

    find(host_pairs(), lacks_volume, settings=FIND)


def test_host_pairs_reach_a_manager_below_2_1():
    find(host_pairs(), lambda p: not p[3].ldm_version.at_least(2, 1), settings=FIND)


def test_host_pairs_reach_direct_io_and_a_name_taken_on_the_target():
    find(host_pairs(), lambda p: bool(p[1].io), settings=FIND)
    find(host_pairs(), lambda p: p[3].domain(p[1].name) is not None, settings=FIND)
