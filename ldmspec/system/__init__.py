"""The reference implementation: hosts, hypervisors, Logical Domains Managers, migration.

This is the system under test of the property suites, the model-conformance check and
the reports. It is written like a real implementation (its own pre-check, its own
protocol code) and never imports :mod:`ldmspec.models`.

Build and drive::

    from ldmspec.inventory import load_fleet
    from ldmspec.system import Datacenter, SystemConfig

    dc = Datacenter.from_fleet(load_fleet("examples/fleet.toml"), seed=0)
    result = dc.run_ldm("t4-a", "migrate-domain ldom01 root@t4-b")  # CommandResult
    dc.guest_write("t4-a", "ldom01", 5000)        # pages; pattern sequential|random|hot
    dc.tick(5)                                     # run 5 scheduler events
    dc.observe()                                   # frozen Observation
    dc.run_until_quiescent()
    dc.drain_messages()                            # Notices: what migrate printed at its end

API:

* ``Datacenter.from_fleet(fleet, *, variant=None, seed=0, config=None)``
* ``Datacenter.run_ldm(host, command_line, *, password=None) -> CommandResult``
  (``output: str``, ``status: int``); ``migrate-domain`` returns at once and runs in
  the background; ``password`` answers ``Target Password:`` (``-p FILE`` reads a file).
* ``tick(n=1) -> int``, ``pending() -> int``, ``run_until_quiescent(limit) -> int``,
  ``run_until(condition, limit) -> bool``,
  ``drain_messages() -> tuple[Notice, ...]``
* guests: ``guest_write(host, domain, n_pages, pattern="sequential") -> int``,
  ``set_dirty_rate(host, domain, pages_per_tick, pattern="sequential")``
* faults, applied now: ``drop(a, b)``, ``heal(a, b)``, ``partition(side, other)``,
  ``heal_all()``, ``delay(a, b, ticks)``, ``lose_next_ack(source=None)``,
  ``kill(host, domain=None) -> bool``, ``set_password(host, secret)``; or scheduled as events:
  ``schedule_fault(Fault(kind, hosts, domain), delay)``
* observation: ``observe() -> Observation`` (hosts, domains, free resources and free
  physical ranges, memory digests, migrations with phase/outcome/progress on both ends);
* memory, for oracles that do not take the implementation's word: ``watch_writes()``
  then ``drain_writes() -> tuple[GuestWrite, ...]`` (every write a guest acknowledged:
  host, domain, page groups, value); ``read_memory(host, domain, groups=None)`` (what
  that copy holds per page group, None without a guest); ``read_physical(host, pa,
  size) -> tuple[Extent, ...]`` (the nonzero contents of a physical range, held or free:
  a destroyed copy reads back until scrubbed, freed memory must read zero);
  ``to_inventory(host) -> Host``, ``to_fleet() -> Fleet``
* the pre-check alone: ``precheck(source, target, domain, new_name) -> tuple[Problem, ...]``
* variants: ``VARIANTS: dict[str, Variant]`` (name, description, violated invariant)
* ``SystemConfig``: page-group size, bandwidth, round limit, latency, timeouts.
* transcripts (the ``ldmspec shell`` language): ``ldmspec.system.transcript.replay(fleet,
  text, variant=None, seed=0) -> str`` and ``Shell(dc).steps(lines)``.

Modules: ``scheduler`` (seeded events and clock), ``network`` (FIFO links, faults),
``hypervisor`` (strands, memory, page groups), ``physical`` (memory contents),
``domain`` (a manager's domain record and FLAGS), ``manager`` (``ldm`` commands and the
lock), ``services`` (the commands that change vds, vsw and vcc), ``result`` (what a
command prints),
``ldm_command`` (grammar), ``listing`` (output formats), ``messages`` (every printed
text), ``protocol`` (the five phases),
``precheck`` (one check per catalog id), ``congruence`` (MEM-2's placement search),
``behaviour`` and ``variants`` (decision hooks and the broken variants), ``observation``
(frozen snapshots), ``datacenter`` (the whole system). The modules import one another
directly, never through this package: the package only re-exports for users.
"""

from ldmspec.system.behaviour import Behaviour
from ldmspec.system.config import SystemConfig
from ldmspec.system.congruence import find_congruent_placement
from ldmspec.system.datacenter import WRITE_PATTERNS, Datacenter, Fault, GuestWrite, Notice
from ldmspec.system.manager import CommandResult
from ldmspec.system.observation import (
    DomainView,
    HostView,
    MigrationView,
    Observation,
    Resources,
)
from ldmspec.system.physical import Extent
from ldmspec.system.precheck import Problem, precheck
from ldmspec.system.variants import VARIANTS, Variant

__all__ = [
    "VARIANTS",
    "WRITE_PATTERNS",
    "Behaviour",
    "CommandResult",
    "Datacenter",
    "DomainView",
    "Extent",
    "Fault",
    "GuestWrite",
    "HostView",
    "MigrationView",
    "Notice",
    "Observation",
    "Problem",
    "Resources",
    "SystemConfig",
    "Variant",
    "find_congruent_placement",
    "precheck",
]
