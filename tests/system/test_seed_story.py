"""The seed's story: states, FLAGS and status output during a live migration."""

from __future__ import annotations

from ldmspec.system import Datacenter


def step_until(dc: Datacenter, predicate, limit: int = 10_000) -> None:
    for _ in range(limit):
        if predicate():
            return
        assert dc.tick() == 1, "the system went quiet before the condition held"
    raise AssertionError("condition not reached")


def test_migration_completes_and_moves_the_domain(dc: Datacenter) -> None:
    assert dc.run_ldm("t4-a", "migrate ldom01 root@t4-b").output == "Target Password:"
    dc.run_until_quiescent()
    (notice,) = dc.drain_messages()
    assert (notice.outcome, notice.status, notice.lines) == ("completed", 0, ())
    obs = dc.observe()
    assert obs.host("t4-a").domain("ldom01") is None
    moved = obs.host("t4-b").domain("ldom01")
    assert moved is not None and (moved.state, moved.flags) == ("active", "-n----")
