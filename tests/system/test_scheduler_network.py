"""The seeded scheduler and the network: order, ties, cancellation, FIFO links, faults."""

from __future__ import annotations

import pytest

from ldmspec.system.network import Network
from ldmspec.system.scheduler import Scheduler


def order_of(seed: int, events: int = 6) -> list[int]:
    scheduler = Scheduler(seed)
    ran: list[int] = []
    for i in range(events):
        scheduler.after(1, f"e{i}", lambda i=i: ran.append(i))
    scheduler.run(events)
    return ran


@pytest.mark.parametrize("seed", range(3))
def test_earlier_events_run_first_whatever_the_seed(seed: int) -> None:
    scheduler = Scheduler(seed)
    ran: list[str] = []
    scheduler.after(3, "late", lambda: ran.append("late"))
    scheduler.after(1, "early", lambda: ran.append("early"))
    assert scheduler.run(10) == 2
    assert ran == ["early", "late"]
    assert scheduler.now == 3


def test_ties_are_broken_by_the_seed_and_reproducibly() -> None:
    assert order_of(7) == order_of(7)
    assert sorted(order_of(7)) == list(range(6))
    assert len({tuple(order_of(seed)) for seed in range(10)}) > 1


def test_cancelled_events_never_run_and_are_not_pending() -> None:
    scheduler = Scheduler(0)
    ran: list[str] = []
    timer = scheduler.after(2, "timer", lambda: ran.append("timer"))
    scheduler.after(1, "work", lambda: ran.append("work"))
    scheduler.after(1, "guest", lambda: ran.append("guest"), background=True)
    assert (scheduler.pending(), scheduler.pending(include_background=True)) == (2, 3)
    timer.cancel()
    timer.cancel()  # twice is harmless
    assert scheduler.pending() == 1
    scheduler.run(10)
    assert sorted(ran) == ["guest", "work"]
    assert scheduler.trace == ["t=1 work"]  # background events keep no trace


def test_events_scheduled_for_now_join_the_current_ties() -> None:
    scheduler = Scheduler(3)
    ran: list[str] = []
    scheduler.after(0, "a", lambda: scheduler.after(0, "c", lambda: ran.append("c")))
    scheduler.after(0, "b", lambda: ran.append("b"))
    scheduler.run(10)
    assert sorted(ran) == ["b", "c"] and scheduler.now == 0


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="delay must be >= 0, got -1"):
        Scheduler(0).after(-1, "x", lambda: None)


def network() -> tuple[Scheduler, Network, list[object]]:
    scheduler = Scheduler(5)
    return scheduler, Network(scheduler, latency=1), []


def test_a_link_delivers_in_order_even_when_delays_change() -> None:
    scheduler, net, got = network()
    net.delay("a", "b", 5)
    net.send("a", "b", "first", got.append)
    net.delay("a", "b", 0)
    net.send("a", "b", "second", got.append)
    scheduler.run(10)
    assert got == ["first", "second"]


def test_a_dropped_link_loses_messages_both_ways_until_healed() -> None:
    scheduler, net, got = network()
    net.drop("b", "a")
    net.send("a", "b", "lost", got.append)
    net.send("b", "a", "lost too", got.append)
    net.heal("a", "b")
    net.send("a", "b", "delivered", got.append)
    scheduler.run(10)
    assert got == ["delivered"]
    assert (net.sent, net.lost) == (3, 2)


def test_a_message_in_flight_is_lost_when_the_link_drops() -> None:
    scheduler, net, got = network()
    net.send("a", "b", "in flight", got.append)
    net.partition(["a"], ["b", "c"])
    assert net.down_links == (("a", "b"), ("a", "c"))
    scheduler.run(10)
    assert got == []
    net.heal_all()
    assert net.is_up("a", "b")


def test_lose_next_loses_one_message_of_that_kind() -> None:
    scheduler, net, got = network()
    net.lose_next("int", target="b")
    for message in (1, "text", 2, 3):
        net.send("a", "b", message, got.append)
    scheduler.run(10)
    assert got == ["text", 2, 3]
