"""Physical memory with contents, and the reads the property suites' oracles rely on.

``PhysicalContents`` is checked against a brute-force reference (one value per unit of
a small address space); the datacenter's reads against what the guests were told to
write: a domain's memory follows it through a migration, a destroyed copy's memory can
be read back until it is scrubbed, and freed memory reads zero.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ldmspec.inventory.facts import Fleet
from ldmspec.system.datacenter import Datacenter
from ldmspec.system.physical import Extent, PhysicalContents

UNITS = 64  # the reference's address space: 64 units of 1 byte

operations = st.lists(
    st.tuples(
        st.integers(0, UNITS - 1),
        st.integers(1, 16),
        st.lists(st.tuples(st.integers(0, 15), st.integers(1, 4), st.integers(0, 3)), max_size=4),
    ),
    max_size=20,
)


def as_extents(pa: int, size: int, pieces: list[tuple[int, int, int]]) -> list[Extent]:
    """Sorted disjoint extents inside ``[pa, pa + size)`` from (offset, length, value)."""
    out: list[Extent] = []
    cursor = pa
    for offset, length, value in pieces:
        start = max(cursor, pa + offset)
        end = min(pa + size, start + length)
        if start < end:
            out.append(Extent(start, end - start, value))
            cursor = end
    return out


@settings(max_examples=200, deadline=None)
@given(operations)
def test_physical_contents_agree_with_a_brute_force_reference(ops) -> None:  # type: ignore[no-untyped-def]
    contents, reference = PhysicalContents(), [0] * (UNITS + 16)
    for pa, size, pieces in ops:
        extents = as_extents(pa, size, pieces)
        contents.replace(pa, size, extents)
        reference[pa : pa + size] = [0] * size
        for e in extents:
            reference[e.pa : e.end] = [e.value] * e.size
        for lo in range(0, UNITS, 7):
            read = [0] * 9
            for e in contents.read(lo, 9):
                assert lo <= e.pa and e.end <= lo + 9 and e.value
                read[e.pa - lo : e.end - lo] = [e.value] * e.size
            assert read == reference[lo : lo + 9]


def test_a_domain_s_memory_follows_it_through_a_migration(fleet: Fleet) -> None:
    dc = Datacenter.from_fleet(fleet, seed=4)
    dc.watch_writes()
    dc.guest_write("t4-a", "ldom01", 5000, "random")
    dc.set_dirty_rate("t4-a", "ldom01", 3000, "hot")
    dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
    dc.run_until_quiescent()
    dc.set_dirty_rate("t4-b", "ldom01", 0)
    assert dc.read_memory("t4-a", "ldom01") is None  # the source copy is gone
    held = dc.read_memory("t4-b", "ldom01")
    assert held is not None and len(held) == 32768
    writes = dc.drain_writes()
    assert len({w.host for w in writes}) == 2  # the steady writes followed the domain
    latest = {g: w.value for w in writes for g in w.groups}
    assert all(held[g] == value for g, value in latest.items())
    assert {g for g, value in enumerate(held) if value} == set(latest)


def test_a_grown_domain_migrates_with_the_grouping_its_new_size_gets(fleet: Fleet) -> None:
    # Found by the adapter example: ldom02 (32G, 65,536 groups of 64 pages) grown to 33G
    # kept 64-page groups (67,584 of them); the target created a 33G guest with 66-page
    # groups (the most a domain gets is 65,536) and crashed on group 65,536 in pre-copy.
    dc = Datacenter.from_fleet(fleet, seed=4)
    for _ in range(3):
        dc.guest_write("t4-a", "ldom02", 1 << 20, "sequential")
    before = dc.read_memory("t4-a", "ldom02")
    assert before is not None and len(before) == 65536
    assert dc.run_ldm("t4-a", "set-memory 33792M ldom02").status == 0
    grown = dc.read_memory("t4-a", "ldom02")
    # Page by page (the reference): a page reads what its 64-page group read; a 66-page
    # group holds the highest value of its pages, the new pages read 0.
    pages = [before[p // 64] for p in range(1 << 22)] + [0] * ((33792 << 20) // 8192 - (1 << 22))
    assert grown == tuple(max(pages[j * 66 : (j + 1) * 66]) for j in range(65536))
    dc.run_ldm("t4-a", "migrate ldom02 root@t4-b")
    dc.run_until_quiescent()
    assert [m.outcome for m in dc.observe().migrations] == ["completed"]
    assert dc.read_memory("t4-b", "ldom02") == grown
    assert dc.run_ldm("t4-b", "set-memory 512M ldom02").status == 0
    shrunk = dc.read_memory("t4-b", "ldom02")
    assert shrunk == tuple(
        max(grown[p // 66] for p in range(j * 64, (j + 1) * 64)) for j in range(1024)
    )


def test_a_guest_s_contents_sit_at_its_physical_addresses(fleet: Fleet) -> None:
    dc = Datacenter.from_fleet(fleet, seed=4)
    dc.watch_writes()
    dc.guest_write("t4-a", "ldom01", 1)  # one page: one page group
    (write,) = dc.drain_writes()
    (group,) = write.groups
    domain = dc.observe().host("t4-a").domain("ldom01")
    assert domain is not None
    offset, at = group * 64 * 8192, None
    for block in sorted(domain.blocks, key=lambda b: b.ra):  # the guest's memory, RA order
        if offset < block.size:
            at = block.pa + offset
            break
        offset -= block.size
    assert at is not None
    for block in domain.blocks:
        found = dc.read_physical("t4-a", block.pa, block.size)
        inside = block.pa <= at < block.end_pa
        assert found == ((Extent(at, 64 * 8192, write.value),) if inside else ())


def test_a_stopped_domain_keeps_its_memory_and_unbinding_scrubs_it(fleet: Fleet) -> None:
    dc = Datacenter.from_fleet(fleet, seed=4)
    dc.guest_write("t4-a", "ldom03", 500, "random")
    before = dc.read_memory("t4-a", "ldom03")
    (block,) = dc.observe().host("t4-a").domain("ldom03").blocks  # type: ignore[union-attr]
    assert dc.run_ldm("t4-a", "stop ldom03").status == 0
    assert dc.read_memory("t4-a", "ldom03") is None  # bound: no guest to ask
    assert dc.read_physical("t4-a", block.pa, block.size)  # but the memory holds it
    assert dc.run_ldm("t4-a", "start ldom03").status == 0
    assert dc.read_memory("t4-a", "ldom03") == before
    assert dc.run_ldm("t4-a", "stop ldom03").status == 0
    assert dc.run_ldm("t4-a", "unbind ldom03").status == 0
    assert dc.read_physical("t4-a", block.pa, block.size) == ()


def test_a_destroyed_copy_can_be_read_back_until_it_is_scrubbed(fleet: Fleet) -> None:
    from ldmspec.system.config import SystemConfig

    dc = Datacenter.from_fleet(fleet, seed=4, config=SystemConfig(scrub_ticks_per_gib=1))
    dc.guest_write("t4-a", "ldom01", 32768, "random")
    (block,) = dc.observe().host("t4-a").domain("ldom01").blocks  # type: ignore[union-attr]
    dc.run_ldm("t4-a", "migrate ldom01 root@t4-b")
    assert dc.run_until(lambda: dc.observe().migrations[0].outcome == "completed")
    # Destroyed and being scrubbed: neither held nor free, still readable.
    assert dc.observe().host("t4-a").memory_scrubbing == block.size
    assert sum(e.size for e in dc.read_physical("t4-a", block.pa, block.size)) == block.size
    dc.run_until_quiescent()
    assert dc.read_physical("t4-a", block.pa, block.size) == ()
    free = dc.observe().host("t4-a").free_ranges
    assert any(r.pa <= block.pa and block.end_pa <= r.end for r in free)


def test_writes_are_kept_only_when_watched(fleet: Fleet) -> None:
    dc = Datacenter.from_fleet(fleet, seed=4)
    dc.guest_write("t4-a", "ldom01", 10)
    assert dc.drain_writes() == ()
    dc.watch_writes()
    dc.guest_write("t4-a", "ldom01", 10)
    assert [(w.host, w.domain, w.value) for w in dc.drain_writes()] == [("t4-a", "ldom01", 2)]
    assert dc.drain_writes() == ()
