"""Seeded random runs of the correct implementation: its books always balance.

A small net under the property suites (which drive the system far harder): random
migrations, cancels, KILLs, link faults, lost acknowledgements, guest writes and
configuration changes, with the basic conservation and single-copy facts checked after
every step, and every migration ended once the links heal.
"""

from __future__ import annotations

import random
from collections import Counter
from itertools import pairwise

import pytest

from ldmspec.inventory import Fleet
from ldmspec.system import Datacenter, Observation

HOSTS = ("t4-a", "t4-b", "t4-c", "t5-a")


def books_balance(obs: Observation) -> list[str]:
    problems: list[str] = []
    for host in obs.hosts:
        if host.strands_free + host.strands_held != host.strands_total:
            problems.append(f"{host.name}: strands do not balance")
        if host.memory_free + host.memory_held != host.memory_total:
            problems.append(f"{host.name}: memory does not balance")
        if host.ports_free + host.ports_held != host.ports_total:
            problems.append(f"{host.name}: console ports do not balance")
        strands = Counter(s for d in host.domains for s in d.strands)
        if any(n > 1 for n in strands.values()):
            problems.append(f"{host.name}: a strand is held twice")
        ranges = sorted((b.pa, b.pa + b.size) for d in host.domains for b in d.blocks)
        if any(a[1] > b[0] for a, b in pairwise(ranges)):
            problems.append(f"{host.name}: memory is held twice")
    for m in obs.migrations:
        # Before phase 2 a domain of that name on the target is another domain (ST-3).
        if m.ended or (m.target_phase or 0) < 2:
            continue
        source = obs.host(m.source).domain(m.domain)
        target = obs.host(m.target).domain(m.target_name)
        if source and target and source.running and target.running:
            problems.append(f"migration #{m.id}: two running copies")
    return problems


def random_step(dc: Datacenter, rng: random.Random) -> None:
    host = rng.choice(HOSTS)
    domains = [n for n in dc.managers[host].domains if n != "primary"]
    roll = rng.random()
    if roll < 0.15 and domains:
        target = rng.choice(HOSTS)
        dc.run_ldm(host, f"migrate {rng.choice(domains)} root@{target}")
    elif roll < 0.2 and domains:
        dc.run_ldm(host, f"cancel-operation migration {rng.choice(domains)}")
    elif roll < 0.23:
        dc.kill(host)
    elif roll < 0.28:
        dc.drop(*rng.sample(HOSTS, 2))
    elif roll < 0.36:
        dc.heal(*rng.sample(HOSTS, 2))
    elif roll < 0.4:
        dc.lose_next_ack()
    elif roll < 0.5 and domains:
        dc.guest_write(host, rng.choice(domains), rng.choice((100, 5000, 50000)), "sequential")
    elif roll < 0.55 and domains:
        name = rng.choice(domains)
        verb = rng.choice(("stop", "unbind", "bind", "start", "set-vcpu 4", "set-memory 4G"))
        dc.run_ldm(host, f"{verb} {name}")
    else:
        dc.tick(rng.randint(1, 25))


@pytest.mark.parametrize("seed", range(8))
def test_random_runs_keep_the_books_and_end_every_migration(fleet: Fleet, seed: int) -> None:
    rng = random.Random(seed)
    dc = Datacenter.from_fleet(fleet, seed=seed)
    for step in range(80):
        random_step(dc, rng)
        assert books_balance(dc.observe()) == [], f"seed {seed}, step {step}"
    dc.heal_all()
    dc.run_until_quiescent()
    obs = dc.observe()
    assert books_balance(obs) == []
    assert all(m.ended for m in obs.migrations)
    for m in obs.migrations:
        assert m.progress == 100 if m.outcome == "completed" else m.progress < 100
