"""The facts the z3 model is given match what the inventory says about a host."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from ldmspec.models.preconditions import _free_core_count, _free_port_count, os_code

from ldmspec.inventory import SolarisRelease
from ldmspec.testing.fleets import generated_fleet
from ldmspec.testing.strategies import hosts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hosts())
def test_free_core_and_port_counts_match_the_inventory(host):
    assert _free_core_count(host) == len(host.free_cores)
    assert _free_port_count(host) == len(host.free_console_ports())


def test_free_counts_on_a_generated_fleet():
    for host in generated_fleet(50, seed=2).hosts:
        assert _free_core_count(host) == len(host.free_cores)
        assert _free_port_count(host) == len(host.free_console_ports())


def test_solaris_releases_keep_their_order_as_integers():
    names = ["10 10/09", "10 9/10", "10 8/11", "10 1/13", "11", "11.1", "11.3", "11.4"]
    codes = [os_code(SolarisRelease.parse(n)) for n in names]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
