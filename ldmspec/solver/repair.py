"""The smallest repair of an infeasible migration, with z3 ``Optimize``.

The requirement formulas stay exactly those of the check
(:func:`ldmspec.models.preconditions.build_requirements`); only the *facts* are relaxed:
each admissible change is a Boolean, and a fact becomes "its value, or what the change
makes it". Each change is a soft ``Not(change)`` weighted by its cost, so the optimum is
the cheapest set of changes under which every requirement holds.

Admissible changes (cost):

* ``cpu-arch=generic`` on the source (3): stop, set, start when the domain is active;
* add a missing vds (1), vds volume (1), vsw (1) or vcc (1) on the target;
* extend the target's vcc by one port when none is free (1);
* remove N vCPUs (``ldm remove-vcpu``) or N bytes of memory (``ldm remove-memory``,
  the end of its last block, 256M steps) from a running guest of the target (4 each;
  the amounts are then minimised): "free N vCPUs / N GB" done concretely;
* stop and unbind a guest domain of the target, freeing its vCPUs, cores, memory and
  console port (10 each);
* upgrade a Logical Domains Manager to a published release (5 per host, +1 per
  release skipped);
* remove the domain's direct I/O devices with ``ldm rm-io`` (8).

Requirements no admissible change can satisfy (a different processor or
stick-frequency, the guest's or a control domain's Solaris release, the control domain
itself, a name already taken on the target, a migration under way) are reported as
unrepairable; the other violations still get their cheapest repair ("partial").

:func:`ldmspec.solver.repair_apply.apply_repair` makes the changes on a :class:`Fleet`
(new frozen values), so a test can re-check the repaired fleet and see it feasible.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

import z3

from ldmspec.inventory.facts import (
    Domain,
    Fleet,
    Host,
    MemoryBlock,
)
from ldmspec.inventory.placement import GRANULE
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.units import format_size
from ldmspec.inventory.versions import LDM_RELEASES, LdmVersion
from ldmspec.models.memory_fit import k_name, pa_name
from ldmspec.models.preconditions import (
    ARCH_CODE,
    DomainSide,
    Symbols,
    cpu_code,
    ldm_code,
    os_code,
)
from ldmspec.solver.engine import DomainModel
from ldmspec.solver.repair_apply import NEW_VCC
from ldmspec.solver.verdict import Change, PrecheckVerdict, Repair

__all__ = ["find_repair"]

COST_ARCH = 3
COST_SERVICE = 1
COST_UNBIND = 10
COST_SHRINK = 4
COST_UPGRADE = 5
COST_REMOVE_IO = 8

_NEVER = {
    "ST-1": "a migration is under way or in error for the domain: resolve it first",
    "ST-3": "choose another target, or rename on migration (TARGET:NEW-NAME)",
    "SW-4": "the guest's Solaris release: upgrade the guest, or migrate it cold",
    "CPU-2": "the processor types differ: choose another target or run Solaris 11",
    "CPU-3": "the stick-frequencies differ: choose another target or run Solaris 11",
    "CPU-5": "a processor older than UltraSPARC T2+: choose another target",
    "CPU-6": "a Solaris 10 guest or control domain: upgrade it to Solaris 11",
}


class _Changes:
    """The change variables of one repair problem and what each one means.

    Most changes are fixed (a Boolean: made or not). A *sized* change (remove N vCPUs or
    N bytes from a domain) has an amount the optimiser chooses; its Change is made from
    the model's amount.
    """

    def __init__(self) -> None:
        self.vars: list[tuple[z3.BoolRef, Change]] = []
        self.sized: list[tuple[z3.BoolRef, z3.ArithRef, Callable[[int], Change]]] = []
        self.sized_costs: list[tuple[z3.BoolRef, int]] = []

    def add(self, name: str, change: Change) -> z3.BoolRef:
        var = z3.Bool(f"change_{len(self.vars)}_{name}")
        self.vars.append((var, change))
        return var

    def add_sized(
        self, name: str, amount: z3.ArithRef, make: Callable[[int], Change], cost: int
    ) -> z3.BoolRef:
        var = z3.Bool(f"sized_{len(self.sized)}_{name}")
        self.sized.append((var, amount, make))
        self.sized_costs.append((var, cost))
        return var

    def soft(self) -> list[tuple[z3.BoolRef, int]]:
        """Each change variable with the cost of making it."""
        return [(var, change.cost) for var, change in self.vars] + self.sized_costs

    def chosen(self, m: z3.ModelRef) -> tuple[Change, ...]:
        def made(var: z3.BoolRef) -> bool:
            return z3.is_true(m.eval(var, model_completion=True))

        fixed = [change for var, change in self.vars if made(var)]
        sized = [
            make(m.eval(amount, model_completion=True).as_long())
            for var, amount, make in self.sized
            if made(var)
        ]
        return (*fixed, *sized)


def find_repair(
    fleet: Fleet,
    verdict: PrecheckVerdict,
    model: DomainModel,
    target: Host,
    new_name: str | None,
    *,
    timeout_ms: int,
) -> PrecheckVerdict:
    """``verdict`` with ``repair`` set to the cheapest admissible repair."""
    return replace(verdict, repair=_repair(verdict, model, target, timeout_ms))


def _repair(verdict: PrecheckVerdict, model: DomainModel, target: Host, timeout_ms: int) -> Repair:
    d = model.facts
    v = Symbols(d)
    changes = _Changes()
    unrepairable = [f"{rid}: {_NEVER[rid]}" for rid in verdict.violated_ids if rid in _NEVER]
    if "ST-2" in verdict.violated_ids and d.is_control:
        unrepairable.append("ST-2: the control domain cannot be migrated")
    facts = _domain_facts(v, changes, d)
    facts += _target_facts(v, d, target, verdict.target_name)
    facts += _versions(v, changes, model.source, target)
    facts += _services(v, changes, model, target)
    facts += _resources(v, changes, model, target)
    # --- which violations some admissible change can fix at all ----------------------
    hard = [rid for rid in model.tracked if not _is_unrepairable(rid, verdict, d.is_control)]
    feasible = z3.SolverFor("QF_LIA")
    feasible.set("timeout", timeout_ms)
    feasible.set("unsat_core", True)
    feasible.add(*facts, *model.tracked.values())
    try:
        stuck = _beyond_repair(feasible, hard)
    except TimeoutError as exc:
        return Repair("unknown", (), 0, tuple(unrepairable), str(exc))
    unrepairable += [f"{rid}: no admissible change satisfies it on {target.name}" for rid in stuck]
    hard = [rid for rid in hard if rid not in stuck]
    return _cheapest(facts, changes, model, hard, unrepairable, timeout_ms)


def _cheapest(
    facts: list[z3.BoolRef],
    changes: _Changes,
    model: DomainModel,
    hard: list[str],
    unrepairable: list[str],
    timeout_ms: int,
) -> Repair:
    """The cheapest changes under which every id of ``hard`` holds."""
    opt = z3.Optimize()
    opt.set("timeout", timeout_ms)
    opt.add(*facts, *model.tracked.values())
    for var, cost in changes.soft():
        opt.add_soft(z3.Not(var), cost)
    # Then, among the cheapest sets, remove as little as possible from running domains.
    if changes.sized:
        opt.minimize(z3.Sum([amount for _, amount, _ in changes.sized]))
    result = opt.check(*(z3.Bool(rid) for rid in hard))
    if result != z3.sat:
        return Repair("unknown", (), 0, tuple(unrepairable), opt.reason_unknown())
    chosen = changes.chosen(opt.model())
    cost = sum(c.cost for c in chosen)
    if not unrepairable:
        return Repair("found", chosen, cost)
    return Repair("partial" if chosen else "none", chosen, cost, tuple(unrepairable))


def _domain_facts(v: Symbols, changes: _Changes, d: DomainSide) -> list[z3.BoolRef]:
    """The domain's and the source's facts; direct I/O and cpu-arch as changes."""
    facts: list[z3.BoolRef] = [
        v.d_state_ok,
        v.d_in_migration == d.in_migration,
        v.d_control == d.is_control,
    ]
    facts += [v.d_os == os_code(d.guest), v.s_os == os_code(d.s_os)]
    if d.io and not d.is_control:
        rm_io = changes.add(
            "rm_io",
            Change(
                "remove-io",
                d.source,
                f"remove the direct I/O devices of {d.domain}",
                tuple(f"ldm rm-io {dev} {d.domain}" for dev in d.io),
                COST_REMOVE_IO,
                ("ST-2", "IO-1"),
                (("domain", d.domain),),
            ),
        )
        facts.append(v.d_io == z3.Not(rm_io))
    else:
        facts.append(v.d_io == bool(d.io))
    arch = ARCH_CODE[d.arch]
    if d.arch is not CpuArch.GENERIC:
        commands = [f"ldm set-domain cpu-arch=generic {d.domain}"]
        if d.live:
            commands = [f"ldm stop-domain {d.domain}", *commands, f"ldm start-domain {d.domain}"]
        generic = changes.add(
            "generic",
            Change(
                "cpu-arch",
                d.source,
                f"set cpu-arch=generic on {d.domain}",
                tuple(commands),
                COST_ARCH,
                ("CPU-4", "CPU-7"),
                (("domain", d.domain),),
            ),
        )
        facts.append(v.d_arch == z3.If(generic, ARCH_CODE[CpuArch.GENERIC], arch))
    else:
        facts.append(v.d_arch == arch)
    facts += [
        v.s_cpu == cpu_code(d.s_cpu),
        v.s_gen == d.s_cpu.generation,
        v.s_fujitsu == d.s_cpu.fujitsu,
        v.s_stick == d.s_stick,
    ]
    return facts


def _target_facts(v: Symbols, d: DomainSide, t: Host, target_name: str) -> list[z3.BoolRef]:
    """The target's facts no admissible change touches."""
    return [
        v.t_same_host == (t.name == d.source),
        v.t_name_taken == (t.domain(target_name) is not None),
        v.t_cpu == cpu_code(t.cpu),
        v.t_gen == t.cpu.generation,
        v.t_fujitsu == t.cpu.fujitsu,
        v.t_stick == t.stick_frequency,
        v.t_os == os_code(t.os),
    ]


def _beyond_repair(solver: z3.Solver, ids: list[str]) -> list[str]:
    """The ids no assignment of the change variables satisfies (every one, not one core)."""
    remaining, stuck = list(ids), []
    while remaining:
        result = solver.check(*(z3.Bool(rid) for rid in remaining))
        if result == z3.unknown:
            raise TimeoutError(solver.reason_unknown())
        if result == z3.sat:
            break
        core = [str(c) for c in solver.unsat_core()]
        alone = [rid for rid in core if solver.check(z3.Bool(rid)) == z3.unsat]
        # Fixable one by one but not together (e.g. upgrades): report the whole core.
        failing = alone or core
        stuck += failing
        remaining = [rid for rid in remaining if rid not in failing]
    return sorted(stuck, key=ids.index)


def _is_unrepairable(rid: str, verdict: PrecheckVerdict, control: bool) -> bool:
    if rid not in verdict.violated_ids:
        return False
    return rid in _NEVER or (rid == "ST-2" and control)


# --------------------------------------------------------------------------------------
def _upgrades(version: LdmVersion) -> list[LdmVersion]:
    """The version itself, then every later published release."""
    later = [LdmVersion(r) for r in LDM_RELEASES if r > version.release and r >= (2, 1)]
    return [version, *later]


def _versions(v: Symbols, changes: _Changes, source: Host, target: Host) -> list[z3.BoolRef]:
    facts: list[z3.BoolRef] = []
    choices: list[tuple[z3.ArithRef, list[LdmVersion]]] = []
    for host, term in ((source, v.s_ldm), (target, v.t_ldm)):
        options = _upgrades(host.ldm_version)
        pick = z3.Int(f"ldm_choice_{host.name}_{'s' if term is v.s_ldm else 't'}")
        facts += [pick >= 0, pick < len(options)]
        facts.append(term == _chain(pick, [ldm_code(o) for o in options]))
        for k, option in enumerate(options[1:], 1):
            var = changes.add(
                f"upgrade_{k}",
                Change(
                    "upgrade",
                    host.name,
                    f"upgrade the Logical Domains Manager on {host.name} from "
                    f"{host.ldm_version} to {option}",
                    (),
                    # The smallest upgrade wins a tie: one more per release skipped.
                    COST_UPGRADE + k - 1,
                    ("SW-1", "SW-2", "SW-3"),
                    (("version", str(option)),),
                ),
            )
            facts.append(var == (pick == k))
        choices.append((pick, options))
    (s_pick, s_opts), (t_pick, t_opts) = choices
    adjacent = [
        z3.And(s_pick == i, t_pick == j)
        for i, a in enumerate(s_opts)
        for j, b in enumerate(t_opts)
        if a.adjacent(b)
    ]
    facts.append(v.t_adjacent == (z3.Or(*adjacent) if adjacent else z3.BoolVal(False)))
    return facts


def _chain(pick: z3.ArithRef, values: list[int]) -> z3.ArithRef:
    expr: z3.ArithRef = z3.IntVal(values[-1])
    for k in range(len(values) - 2, -1, -1):
        expr = z3.If(pick == k, values[k], expr)
    return expr


def _services(v: Symbols, changes: _Changes, model: DomainModel, t: Host) -> list[z3.BoolRef]:
    d = model.facts
    facts: list[z3.BoolRef] = []
    new_vds: dict[str, z3.BoolRef] = {}
    for k, (disk, device) in enumerate(zip(d.vdisks, d.s_volumes, strict=True)):
        vds = t.vds_named(disk.service)
        if vds is not None and vds.volume(disk.volume) is not None:
            facts.append(v.t_vol[k])
            continue
        if vds is None and disk.service not in new_vds:
            new_vds[disk.service] = changes.add(
                "vds",
                Change(
                    "add-vds",
                    t.name,
                    f"add virtual disk service {disk.service}",
                    (f"ldm add-vds {disk.service} primary",),
                    COST_SERVICE,
                    ("VIO-1",),
                    (("vds", disk.service),),
                ),
            )
        add = changes.add(
            "volume",
            Change(
                "add-vdsdev",
                t.name,
                f"export {disk.volume}@{disk.service} (the same storage as "
                f"{device or 'on the source'})",
                (f"ldm add-vdsdev {device or 'DEVICE'} {disk.volume}@{disk.service}",),
                COST_SERVICE,
                ("VIO-1",),
                (("vds", disk.service), ("volume", disk.volume), ("device", device)),
            ),
        )
        facts.append(v.t_vol[k] == add)
        if disk.service in new_vds:
            facts.append(z3.Implies(add, new_vds[disk.service]))
    new_vsw: dict[str, z3.BoolRef] = {}
    for k, (net, dev) in enumerate(zip(d.vnets, d.s_net_devs, strict=True)):
        if t.vsw_named(net.service) is not None:
            facts.append(v.t_vsw[k])
            continue
        if net.service not in new_vsw:
            net_dev = dev or "net0"
            new_vsw[net.service] = changes.add(
                "vsw",
                Change(
                    "add-vsw",
                    t.name,
                    f"add virtual switch {net.service}",
                    (f"ldm add-vsw net-dev={net_dev} {net.service} primary",),
                    COST_SERVICE,
                    ("VIO-2",),
                    (("vsw", net.service), ("net_dev", net_dev)),
                ),
            )
        facts.append(v.t_vsw[k] == new_vsw[net.service])
    return facts


def _resources(v: Symbols, changes: _Changes, model: DomainModel, t: Host) -> list[z3.BoolRef]:
    """vCPUs, whole cores, memory (with MEM-2's placement) and console ports of ``t``."""
    unbind = _unbind_changes(changes, t)

    def freed(name: str) -> z3.BoolRef:
        return unbind.get(name, z3.BoolVal(False))

    facts = _cpu_facts(v, changes, t, unbind, freed)
    facts += _memory_facts(v, changes, model, t, unbind, freed)
    facts += _port_facts(v, changes, t, freed)
    return facts


def _unbind_changes(changes: _Changes, t: Host) -> dict[str, z3.BoolRef]:
    """Stop and unbind each guest of ``t`` that holds resources: one change each."""
    unbind: dict[str, z3.BoolRef] = {}
    for dom in t.holders():
        if dom.is_control:
            continue
        commands = [f"ldm unbind-domain {dom.name}"]
        if dom.live:
            commands.insert(0, f"ldm stop-domain {dom.name}")
        held = sum(b.size for b in dom.memory)
        unbind[dom.name] = changes.add(
            "unbind",
            Change(
                "unbind",
                t.name,
                f"stop and unbind {dom.name} (frees {len(dom.strands)} vCPUs, "
                f"{_gb(held)} memory{', a console port' if dom.console else ''})",
                tuple(commands),
                COST_UNBIND,
                ("CPU-1", "CPU-8", "MEM-1", "MEM-2", "VIO-4"),
                (("domain", dom.name),),
            ),
        )
    return unbind


def _cpu_facts(
    v: Symbols,
    changes: _Changes,
    t: Host,
    unbind: dict[str, z3.BoolRef],
    freed: Callable[[str], z3.BoolRef],
) -> list[z3.BoolRef]:
    """Free vCPUs and whole cores of ``t`` after unbinding and shrinking guests."""
    facts: list[z3.BoolRef] = []
    # vCPUs: a domain unbound gives all its strands; one shrunk gives some (never its
    # last; whole-core domains only give whole cores, so they are only unbound)
    given_cpus = []
    for x in t.holders():
        if x.name not in unbind:
            continue
        cpus: z3.ArithRef = z3.IntVal(0)
        if not x.whole_core and len(x.strands) > 1:
            cpus = z3.Int(f"remove_vcpus_{x.name}")
            shrink = changes.add_sized(
                "cpus", cpus, functools.partial(_remove_vcpus, t.name, x.name), COST_SHRINK
            )
            facts += [cpus >= 0, cpus < len(x.strands), shrink == (cpus > 0)]
            facts.append(z3.Implies(unbind[x.name], cpus == 0))
        given_cpus.append(z3.If(unbind[x.name], len(x.strands), cpus))
    facts.append(v.t_free_vcpus == t.free_vcpus + z3.Sum(given_cpus))
    # whole cores: a held core becomes free when every domain holding it is unbound
    tpc = t.threads_per_core
    owners: dict[int, set[str]] = {}
    for x in t.holders():
        for s in x.strands:
            owners.setdefault(s // tpc, set()).add(x.name)
    extra = [z3.If(z3.And(*(freed(n) for n in sorted(names))), 1, 0) for names in owners.values()]
    facts.append(v.t_free_core_strands == tpc * (len(t.free_cores) + z3.Sum(extra)))
    return facts


def _memory_facts(
    v: Symbols,
    changes: _Changes,
    model: DomainModel,
    t: Host,
    unbind: dict[str, z3.BoolRef],
    freed: Callable[[str], z3.BoolRef],
) -> list[z3.BoolRef]:
    """Free memory of ``t`` (and MEM-2's placement) after unbinding and shrinking guests."""
    facts: list[z3.BoolRef] = []
    # a domain unbound gives all of it; one shrunk gives the end of its last block, in
    # 256M steps (ldm remove-memory), keeping at least 256M
    given_mem = []
    cut: dict[str, z3.ArithRef] = {}
    for x in t.holders():
        if x.name not in unbind or not x.memory:
            continue
        last = max(x.memory)
        steps = z3.Int(f"remove_memory_{x.name}")
        shrink = changes.add_sized(
            "memory",
            steps,
            functools.partial(_remove_memory, t.name, x.name),
            COST_SHRINK,
        )
        facts += [steps >= 0, steps * GRANULE <= last.size - GRANULE, shrink == (steps > 0)]
        facts.append(z3.Implies(unbind[x.name], steps == 0))
        cut[x.name] = steps * GRANULE
        given_mem.append(z3.If(unbind[x.name], sum(b.size for b in x.memory), steps * GRANULE))
    facts.append(v.t_free_memory == t.free_memory_size + z3.Sum(given_mem))
    if "MEM-2" in model.tracked:
        facts += _placement(model.facts.blocks, t, freed, cut)
    return facts


def _port_facts(
    v: Symbols, changes: _Changes, t: Host, freed: Callable[[str], z3.BoolRef]
) -> list[z3.BoolRef]:
    """``t``'s vcc and free console ports: widen the vcc, or add one."""
    if t.vcc:
        vcc = t.vcc[0]
        extend = changes.add(
            "port",
            Change(
                "set-vcc",
                t.name,
                f"extend {vcc.name} by one console port",
                (f"ldm set-vcc port-range={vcc.port_lo}-{vcc.port_hi + 1} {vcc.name}",),
                COST_SERVICE,
                ("VIO-4",),
                (("vcc", vcc.name),),
            ),
        )
        ports = [z3.If(freed(x.name), 1, 0) for x in t.holders() if x.console is not None]
        free = len(t.free_console_ports()) + z3.If(extend, 1, 0) + z3.Sum(ports)
        return [v.t_vcc, v.t_free_ports == free]
    name, lo, hi = NEW_VCC
    add_vcc = changes.add(
        "vcc",
        Change(
            "add-vcc",
            t.name,
            f"add virtual console concentrator {name}",
            (f"ldm add-vcc port-range={lo}-{hi} {name} primary",),
            COST_SERVICE,
            ("VIO-3", "VIO-4"),
            (("vcc", name),),
        ),
    )
    return [v.t_vcc == add_vcc, v.t_free_ports == z3.If(add_vcc, hi - lo + 1, 0)]


def _placement(
    blocks: tuple[tuple[int, int], ...],
    t: Host,
    freed: Callable[[str], z3.BoolRef],
    cut: dict[str, z3.ArithRef],
) -> list[z3.BoolRef]:
    """MEM-2 with unbinding and shrinking: blocks inside T's memory, off what is held."""
    page = t.largest_page
    out: list[z3.BoolRef] = []
    for i, (ra, size) in enumerate(blocks):
        pa, k = z3.Int(pa_name(i)), z3.Int(k_name(i))
        inside = [z3.And(r.pa <= pa, pa + size <= r.end) for r in t.memory]
        off = [
            z3.Or(pa + size <= b.pa, b.pa + b.size - _cut(x, b, cut) <= pa, freed(x.name))
            for x in t.holders()
            for b in x.memory
        ]
        body = z3.And(pa == ra % page + page * k, z3.Or(*inside), *off)
        out.append(z3.Implies(z3.Bool("MEM-2"), body))
    return out


def _cut(x: Domain, block: MemoryBlock, cut: dict[str, z3.ArithRef]) -> z3.ArithRef | int:
    """How much of ``block``'s end a shrink of ``x`` frees (only its last block)."""
    if x.name in cut and block == max(x.memory):
        return cut[x.name]
    return 0


def _remove_vcpus(host: str, domain: str, count: int) -> Change:
    return Change(
        "remove-vcpu",
        host,
        f"remove {count} vCPUs from {domain}",
        (f"ldm remove-vcpu {count} {domain}",),
        COST_SHRINK,
        ("CPU-1",),
        (("domain", domain), ("count", count)),
    )


def _remove_memory(host: str, domain: str, steps: int) -> Change:
    size = format_size(steps * GRANULE)
    return Change(
        "remove-memory",
        host,
        f"remove {size} of memory from {domain}",
        (f"ldm remove-memory {size} {domain}",),
        COST_SHRINK,
        ("MEM-1", "MEM-2"),
        (("domain", domain), ("bytes", steps * GRANULE)),
    )


def _gb(size: int) -> str:
    return format_size(size) if size else "no"
