"""The harness-side oracles: they judge from what the harness did and read back.

Each checker is given a real system (the reference implementation) and, where it must
catch a lie, an adapter that lies the way a broken implementation would.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis.stateful import run_state_machine_as_test
from ldmspec.properties import host_invariants as hosts_inv
from ldmspec.properties.listing_check import listing_agrees, spelled
from ldmspec.properties.machine import machine_for
from ldmspec.properties.machine_base import names_unique
from ldmspec.properties.memory_witness import MemoryWitness

from ldmspec.inventory import load_fleet
from ldmspec.inventory.facts import VDisk
from ldmspec.inventory.listing_parsers import parse_ldm_list
from ldmspec.system.datacenter import Datacenter
from ldmspec.testing.fleet_cases import FleetCase, default_fleet_cases, unique_guest_names
from ldmspec.testing.records import PropertyViolation
from ldmspec.testing.sizing import examples

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"


@pytest.fixture(scope="module")
def fleet():
    return load_fleet(EXAMPLE)


def until(dc, condition, limit=2000):
    assert dc.run_until(condition, limit), "the system never got there"


class ForgetfulWrites:
    """A system that acknowledges guest writes but does not perform them."""

    def __init__(self, inner: Datacenter) -> None:
        self.inner = inner

    def guest_write(self, host, domain, n_pages, pattern="sequential"):
        return n_pages

    def __getattr__(self, name):
        return getattr(self.inner, name)


# --- INV-NO-LOST-WRITES from the harness's reads ---------------------------------------------
def test_an_acknowledged_write_must_show_in_memory(fleet):
    system = ForgetfulWrites(Datacenter.from_fleet(fleet))
    witness = MemoryWitness(system)
    before = witness.read(("t4-a", "ldom01"))
    written = system.guest_write("t4-a", "ldom01", 64)
    [violation] = witness.written(("t4-a", "ldom01"), before, written)
    assert str(violation) == (
        "INV-NO-LOST-WRITES: a write of 64 pages to ldom01 on t4-a was acknowledged but its "
        "memory reads the same as before"
    )


def test_the_target_resumes_with_what_the_source_held_at_suspension(fleet):
    dc = Datacenter.from_fleet(fleet)
    witness = MemoryWitness(dc)
    copy = ("t4-a", "ldom01")
    assert witness.written(copy, witness.read(copy), dc.guest_write(*copy, 5000)) == []
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b", password="pw")
    found = []
    while dc.pending():
        before = dc.observe()
        dc.tick()
        found += witness.after_event(before, dc.observe())
    assert found == []
    [m] = dc.observe().migrations
    assert m.outcome == "completed" and m.id in witness.suspended and m.id in witness.resumed
    assert witness.floors[("t4-b", "ldom01")] == witness.suspended[m.id]


class Rewound:
    """A system whose reads show page group ``group`` at 0 (a lost write), when set."""

    def __init__(self, inner: Datacenter) -> None:
        self.inner = inner
        self.group: int | None = None

    def read_memory(self, host, domain):
        memory = self.inner.read_memory(host, domain)
        if memory is None or self.group is None:
            return memory
        return (*memory[: self.group], 0, *memory[self.group + 1 :])

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_resized_guest_is_read_anew(fleet):
    # Found by the adapter example: ldom02 (32G: 65,536 groups of 64 pages) grown to 33G
    # has 65,536 groups of 66 pages; the floor read before compared group by group.
    dc = Datacenter.from_fleet(fleet)
    witness, copy = MemoryWitness(dc), ("t4-a", "ldom02")
    assert witness.written(copy, witness.read(copy), dc.guest_write(*copy, 4096, "hot")) == []
    before = dc.observe()
    assert dc.run_ldm("t4-a", "set-memory 33792M ldom02").status == 0
    assert witness.after_event(before, dc.observe()) == []
    assert witness.written(copy, witness.read(copy), dc.guest_write(*copy, 1)) == []


def test_a_guest_that_boots_again_counts_its_writes_from_one(fleet):
    # Found by the adapter example: after stop and start, the first write stored 1 where
    # the earlier boot had left 14, and the witness called that a lost write.
    system = Rewound(Datacenter.from_fleet(fleet))
    witness, copy = MemoryWitness(system), ("t4-a", "ldom01")
    for _ in range(3):
        assert witness.written(copy, witness.read(copy), system.guest_write(*copy, 1 << 21)) == []
    for command in ("stop ldom01", "start ldom01"):
        before = system.observe()
        assert system.run_ldm("t4-a", command).status == 0
        assert witness.after_event(before, system.observe()) == []
    old = witness.read(copy)
    assert witness.written(copy, old, system.guest_write(*copy, 64)) == []
    new = witness.read(copy)
    assert old is not None and new is not None
    grown = Rewound(Datacenter.from_fleet(fleet))  # the same, then grown while it runs
    grown_witness = MemoryWitness(grown)
    steps = ["write"] * 3 + ["stop ldom01", "start ldom01", "write", "set-memory 20G ldom01"]
    for step in [*steps, "write"]:
        if step == "write":
            read = grown_witness.read(copy)
            assert grown_witness.written(copy, read, grown.guest_write(*copy, 1 << 21)) == []
            continue
        before = grown.observe()
        assert grown.run_ldm("t4-a", step).status == 0
        assert grown_witness.after_event(before, grown.observe()) == [], step
    system.group = next(g for g, (a, b) in enumerate(zip(old, new, strict=True)) if a != b)
    before = witness.read(copy)
    [violation, *_] = witness.written(copy, before, system.guest_write(*copy, 1))
    assert str(violation) == (
        f"INV-NO-LOST-WRITES: ldom01 on t4-a after a write reads 0 in page group "
        f"{system.group}, where the harness read {new[system.group]} before: an acknowledged "
        "write was lost"
    )


def test_a_target_missing_the_final_pages_is_caught_without_any_digest(fleet):
    dc = Datacenter.from_fleet(fleet, variant="skip-last-round-dirty")
    witness = MemoryWitness(dc)
    dc.set_dirty_rate("t4-a", "ldom01", 2000)  # pages stay dirty until suspension
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b", password="pw")
    found = []
    while dc.pending() and not found:
        before = dc.observe()
        dc.tick()
        found += witness.after_event(before, dc.observe())
    assert found, "the lost final pages went unnoticed"
    assert found[0].id == "INV-NO-LOST-WRITES"
    assert found[0].message.startswith(
        "t4-b resumed ldom01 with memory that differs from what t4-a held at suspension"
    )


# --- INV-LOCK, INV-AUTH, INV-DEVICES --------------------------------------------------------
def test_a_change_accepted_on_a_target_that_accepted_the_precheck_breaks_the_lock(fleet):
    dc = Datacenter.from_fleet(fleet)
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b", password="pw")
    until(dc, lambda: dc.observe().migrations[0].target_phase == 1)
    before = dc.observe()
    command = "remove-vdsdev vol01@primary-vds0"
    [violation] = hosts_inv.lock_command(before, "t4-b", command, status=0, cap=1)
    assert str(violation) == (
        "INV-LOCK: 't4-b# ldm remove-vdsdev vol01@primary-vds0' was accepted while "
        "migration #1 (ldom01 t4-a -> t4-b) held t4-b's lock"
    )
    assert hosts_inv.lock_command(before, "t4-b", command, status=1, cap=1) == []
    assert hosts_inv.lock_command(before, "t4-b", "list -l -p", status=0, cap=1) == []
    assert dc.run_ldm("t4-b", command).status == 1  # and the implementation refuses it


def test_no_host_takes_part_in_more_migrations_than_the_cap(fleet):
    dc = Datacenter.from_fleet(fleet)
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b", password="pw")
    until(dc, lambda: dc.observe().migrations[0].target_phase == 1)
    obs = dc.observe()
    assert hosts_inv.lock_cap(obs, 1) == []
    found = hosts_inv.lock_cap(replace(obs, migrations=obs.migrations * 2), 1)
    assert [v.message.split(" (")[0] for v in found] == [
        "t4-a takes part in 2 migrations at once",
        "t4-b takes part in 2 migrations at once",
    ]
    assert {v.id for v in found} == {"INV-LOCK"}


def test_a_wrong_password_migration_is_refused_and_changes_nothing(fleet):
    dc = Datacenter.from_fleet(fleet)
    dc.set_password("t4-b", "secret")
    before = dc.observe()
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b", password="wrong")
    dc.run_until_quiescent()
    after = dc.observe()
    [m] = after.migrations
    assert (m.outcome, m.target_phase) == ("failed", None)
    assert hosts_inv.auth(before, after, {m.id}) == []
    accepted = replace(m, target_phase=2)
    [violation] = hosts_inv.auth(before, replace(after, migrations=(accepted,)), {m.id})
    assert str(violation) == (
        "INV-AUTH: t4-b accepted migration #1 (ldom01 t4-a -> t4-b, wrong password) "
        "(its target side reached phase 2)"
    )


def test_a_vdisk_whose_volume_is_gone_breaks_inv_devices(fleet):
    assert hosts_inv.devices(fleet) == []
    host = fleet.host("t4-a")
    ldom01 = host.domain("ldom01")
    broken = replace(ldom01, vdisks=(VDisk("vdisk0", "gone", "primary-vds0"),))
    domains = tuple(broken if d.name == "ldom01" else d for d in host.domains)
    [violation] = hosts_inv.devices(replace(fleet, hosts=(replace(host, domains=domains),)))
    assert str(violation) == (
        "INV-DEVICES: ldom01 (active) on t4-a: vdisk vdisk0 names gone@primary-vds0, which "
        "t4-a does not export"
    )


# --- what operators read --------------------------------------------------------------------
@pytest.mark.parametrize("command", ["list -p", "list -l -p"])
def test_the_printed_listing_agrees_with_the_observation(fleet, command):
    dc = Datacenter.from_fleet(fleet)
    dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b", password="pw")
    until(dc, lambda: dc.observe().migrations[0].phase == 3)
    listed = parse_ldm_list(dc.run_ldm("t4-a", command).output, "t4-a")
    host = dc.observe().host("t4-a")
    assert listing_agrees(host, listed, command) == []
    lying = tuple(replace(d, flags="-n----") if d.name == "ldom01" else d for d in host.domains)
    [violation] = listing_agrees(replace(host, domains=lying), listed, command)
    assert violation.id == "INV-FLAGS"
    shown = "normal,source" if "-l" in command else "-n---s"
    assert f"shows ldom01 active with FLAGS {shown};" in violation.message


def test_flags_are_spelled_as_the_long_listing_spells_them():
    assert spelled("-n-cv-") == "normal,control,vio-service"
    assert spelled("-----t") == "target"
    assert spelled("------") == ""


# --- the fleets the machine runs on ---------------------------------------------------------
def test_a_repeated_guest_name_is_renamed_with_its_host(fleet):
    twice = replace(fleet, hosts=(fleet.host("t4-a"), replace(fleet.host("t4-b"), domains=(
        *fleet.host("t4-b").domains, replace(fleet.host("t4-a").domain("ldom02"), strands=()),
    ))))  # fmt: skip
    assert not names_unique(twice)
    renamed = unique_guest_names(twice)
    assert names_unique(renamed)
    assert renamed.host("t4-b").domain("ldom02-t4-b") is not None


@examples(25)
@given(default_fleet_cases())
def test_no_generated_fleet_switches_conformance_off(case: FleetCase):
    assert names_unique(case.fleet), case.label


# --- every program is bounded ---------------------------------------------------------------
class NeverQuiet:
    """A system whose scheduler always has work pending: two managers waiting on each
    other by timers, for ever."""

    def __init__(self, inner: Datacenter) -> None:
        self.inner = inner

    def pending(self) -> int:
        return 1

    def tick(self, n: int = 1) -> int:
        return n

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_program_that_never_ends_is_a_live_terminates_failure_not_a_hang():
    def factory(fleet, seed):
        return NeverQuiet(Datacenter.from_fleet(fleet, seed=seed))

    machine = machine_for(factory, name="NeverQuiet")
    machine.program_events = 500
    once = settings(examples(5), phases=[Phase.generate], database=None)
    with pytest.raises(PropertyViolation) as caught:
        run_state_machine_as_test(machine, settings=once)  # the first program runs out
    assert caught.value.record.property_id == "LIVE-TERMINATES"
    assert "bounds 500 events" in caught.value.record.violation
