"""The implementation agrees with itself: what its pre-check accepts, it can migrate.

For host pairs near every requirement boundary (:func:`ldmspec.testing.strategies.host_pairs`),
a migration the target's pre-check accepts must complete (the target can really create
the domain: strands, whole cores, congruent memory, a console port), and one it rejects
must fail in phase 1 with exactly the pre-check's requirement ids, changing nothing.
"""

from __future__ import annotations

from hypothesis import given

from ldmspec.system import Datacenter, precheck
from ldmspec.testing.sizing import examples
from ldmspec.testing.strategies import CATALOG_BOUNDARIES, host_pairs


@examples(60)
@given(host_pairs(CATALOG_BOUNDARIES))
def test_accepted_migrations_complete_and_rejected_ones_change_nothing(pair) -> None:  # type: ignore[no-untyped-def]
    fleet, domain, source, target = pair
    problems = precheck(source, target, domain.name)
    dc = Datacenter.from_fleet(fleet, seed=1)
    before = dc.observe()
    assert dc.run_ldm(source.name, f"migrate {domain.name} root@{target.name}").status == 0
    dc.run_until_quiescent()
    (notice,) = dc.drain_messages()
    if problems:
        assert notice.outcome == "failed"
        assert [line.split(":")[0] for line in notice.lines[:-1]] == [p.id for p in problems]
        assert dc.observe().hosts == before.hosts
    else:
        assert (notice.outcome, notice.lines) == ("completed", ())
        moved = dc.observe().host(target.name).domain(domain.name)
        assert moved is not None and moved.state == domain.state.value
