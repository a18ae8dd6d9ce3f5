"""The adapter interface and the recording driver: what is recorded replays exactly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ldmspec.errors import InputError
from ldmspec.inventory import load_fleet
from ldmspec.system import Datacenter
from ldmspec.system.transcript import Shell
from ldmspec.testing.adapter import Driver, MigrationSystemAdapter, reference_factory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fleet.toml"


def test_the_reference_implementation_is_an_adapter():
    system = reference_factory()(load_fleet(EXAMPLE), 3)
    assert isinstance(system, MigrationSystemAdapter)
    assert isinstance(system, Datacenter)
    assert system.variant is None


def test_unknown_variant_is_refused_when_the_factory_is_made():
    with pytest.raises(InputError) as caught:
        reference_factory("no-such-variant")
    assert "expected a variant name: keep-target-on-cancel," in str(caught.value)


def _drive(driver: Driver) -> None:
    driver.migrate("t4-a", "migrate-domain ldom01 root@t4-b", "pw")
    driver.rate("t4-a", "ldom01", 2000, "sequential")
    driver.until_phase(3)
    driver.write("t4-a", "ldom01", 5000, "hot")
    driver.tick(7)
    driver.drop("t4-a", "t4-b")
    driver.tick(3)
    driver.heal("t4-a", "t4-b")
    driver.ldm("t4-a", "cancel-operation migration ldom01")
    driver.lose_ack("t4-b")
    driver.kill("t4-b")
    driver.run()


@pytest.mark.parametrize("event_by_event", [False, True])
def test_recorded_lines_replay_to_the_same_system(event_by_event):
    fleet = load_fleet(EXAMPLE)
    driver = Driver(Datacenter.from_fleet(fleet, seed=11))
    seen: list[str] = []
    if event_by_event:
        driver.after_each = seen.append
    _drive(driver)
    replayed = Datacenter.from_fleet(fleet, seed=11)
    for _ in Shell(replayed).steps(driver.lines):
        pass
    assert replayed.observe() == driver.system.observe()
    assert driver.lines[:3] == [
        "t4-a# ldm migrate-domain ldom01 root@t4-b",
        "pw",
        ".rate ldom01@t4-a 2000 sequential",
    ]
    assert driver.steps == 12
    if event_by_event:
        assert seen[0] == "t4-a# ldm migrate-domain ldom01 root@t4-b"  # never the password
        assert "pw" not in seen
        assert len(seen) > 12


def test_ticks_with_nothing_between_them_are_recorded_as_one():
    fleet = load_fleet(EXAMPLE)
    driver = Driver(Datacenter.from_fleet(fleet, seed=5))
    driver.migrate("t4-a", "migrate-domain ldom01 root@t4-b", "pw")
    for n in (1, 1, 3):
        driver.tick(n)
    driver.write("t4-a", "ldom01", 10, "hot")
    driver.tick(1)
    assert driver.lines[2:] == [".tick 5", ".write ldom01@t4-a 10 hot", ".tick 1"]
    replayed = Datacenter.from_fleet(fleet, seed=5)
    for _ in Shell(replayed).steps(driver.lines):
        pass
    assert replayed.observe() == driver.system.observe()


def test_a_password_that_looks_like_a_shell_line_is_refused():
    driver = Driver(Datacenter.from_fleet(load_fleet(EXAMPLE), seed=0))
    with pytest.raises(ValueError, match="must not look like a shell line"):
        driver.migrate("t4-a", "migrate-domain ldom01 root@t4-b", ".tick")


def test_the_adapter_example_runs():
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "adapter_example.py")],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"20 programs passed every invariant; \d+ ldm commands were sent\n", done.stdout
    )
