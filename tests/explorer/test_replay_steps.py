"""``explore --replay``: the driver's own commands are steps, each path has its status."""

from __future__ import annotations

from pathlib import Path

import pytest
from ldmspec.models.protocol import Protocol
from ldmspec.models.protocol_config import ProtocolConfig

from ldmspec.commands.explore import replay_status
from ldmspec.conformance.replay import replay, replay_document
from ldmspec.explorer import check_properties, explore
from ldmspec.inventory.loader import load_fleet

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet.toml"


@pytest.fixture(scope="module")
def small_model():
    model = Protocol(ProtocolConfig(hosts=2, domains=1, concurrent=1))
    exploration = explore(model)
    return model, exploration, check_properties(exploration)


def test_the_drivers_own_command_is_checked_as_a_step(small_model):
    # a target that obeys cancel-operation destroys its copy in the command itself,
    # before any event runs: the mismatch names the command and the step it took
    results = replay(load_fleet(FLEET), *small_model, system_variant="target-accepts-cancel")
    (wrong,) = [r for r in results if r.status == "mismatch"]
    assert wrong.goal == "fires cancel_on_target@precopy"
    assert wrong.mismatch == (
        "ldom01: after t4-b# ldm cancel-operation migration ldom01: no model state looks "
        "like the result: from [precopy on t4-a -> t4-b (source running s, target bound t)] "
        "to [precopy on t4-a -> t4-b (source running s, target none)]"
    )
    assert wrong.conforms is False


def test_each_replayed_path_has_its_own_status_and_unreached_goals_are_unknown(small_model):
    document = replay_document(str(FLEET), *small_model)
    statuses = {path["goal"]: path["status"] for path in document["paths"]}
    assert {goal for goal, status in statuses.items() if status == "skipped"} == {
        "fires bind_other"  # the fleet's t4-b has no spare inactive domain to bind
    }
    assert {goal for goal, status in statuses.items() if status == "diverged"} == {
        "fires cancel_on_source@suspended",
        "fires cancel_on_target@suspended",
    }
    assert set(statuses.values()) == {"ok", "skipped", "diverged"}
    assert document["conforms"] is True
    assert replay_status(document) == "unknown"
