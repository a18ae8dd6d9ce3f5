"""The facts the z3 model is given match what the inventory says about a host."""

from __future__ import annotations

import re
from pathlib import Path

import z3
from hypothesis import given
from ldmspec.models.preconditions import (
    _free_core_count,
    _free_port_count,
    build_requirements,
    domain_facts_smt2,
    domain_side,
    os_code,
    target_facts_smt2,
    target_side,
)

from ldmspec.inventory import SolarisRelease, load_fleet
from ldmspec.testing.big_fleets import mixed_fleet
from ldmspec.testing.sizing import examples
from ldmspec.testing.strategies import hosts


@examples(40)
@given(hosts())
def test_free_core_and_port_counts_match_the_inventory(host):
    assert _free_core_count(host) == len(host.free_cores)
    assert _free_port_count(host) == len(host.free_console_ports())


def test_free_counts_on_a_generated_fleet():
    for host in mixed_fleet(50, seed=2).hosts:
        assert _free_core_count(host) == len(host.free_cores)
        assert _free_port_count(host) == len(host.free_console_ports())


def test_solaris_releases_keep_their_order_as_integers():
    names = ["10 10/09", "10 9/10", "10 8/11", "10 1/13", "11", "11.1", "11.3", "11.4"]
    codes = [os_code(SolarisRelease.parse(n)) for n in names]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)


def _constants(expr):
    seen, out, todo = set(), set(), [expr]
    while todo:
        e = todo.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            out.add(str(e))
        todo.extend(e.children())
    return out


def test_only_mem2_has_unknowns_so_requirements_cannot_interact():
    fleet = load_fleet(Path(__file__).resolve().parents[2] / "examples" / "fleet.toml")
    source, target = fleet.host("t4-a"), fleet.host("t5-a")
    assert source is not None and target is not None
    for domain in source.domains:
        d = domain_side(source, domain)
        facts = domain_facts_smt2(d) + target_facts_smt2(d, target_side(d, target))
        fixed = set(re.findall(r"\(assert \(= (\S+) ", facts))
        _, tracked = build_requirements(d)
        for rid, formula in tracked.items():
            names = _constants(formula) - {rid}
            # every fact a formula reads is fixed by an equality
            assert {n for n in names if n.startswith(("d_", "s_", "t_"))} <= fixed
            unknowns = {n for n in names if not n.startswith(("d_", "s_", "t_"))}
            if rid == "MEM-2":
                assert unknowns <= {f"{v}_{i}" for v in ("pa", "k") for i in range(8)}
            else:
                assert unknowns == set(), (rid, unknowns)
