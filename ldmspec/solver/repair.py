"""The smallest repair of an infeasible migration: a minimal correction set, with z3.

The requirement formulas stay exactly those of the check
(:func:`ldmspec.models.preconditions.build_requirements`); only the *facts* are relaxed:
each admissible change is a Boolean, and a fact becomes "its value, or what the change
makes it". One ``z3.Optimize`` then solves the textbook minimal-correction-set problem:
every requirement literal is a soft constraint (first objective: satisfy as many
requirements as possible), every change a soft ``Not(change)`` weighted by its cost
(second: the cheapest changes that do it), then the amounts removed from running
domains (third). The requirements the optimum leaves unsatisfied are the unrepairable
ones (a smallest set whose removal makes the rest satisfiable); the changes repair
all the others. An optimiser that does not finish answers ``unknown``, never "no
admissible change".

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
itself, a name already taken on the target, a migration under way) come out of the
optimum unsatisfied; the other violations still get their cheapest repair ("partial").

MEM-2 is relaxed only when the check found it violated (no change takes memory from
the target, so a placement that exists stays). The relaxed placement
(:mod:`ldmspec.solver.repair_memory`) splits blocks exactly when the check would at the
Manager releases the repair chooses (a guest at Solaris 11.3 or later, both Managers
3.6 or later), so upgrading a Manager competes with freeing memory. Where the check's
splitting is not modelled (blocks of different alignments) blocks stay whole and the
repair's note says the Manager may need less.

:func:`ldmspec.solver.repair_apply.apply_repair` makes the changes on a :class:`Fleet`
(new frozen values), so a test can re-check the repaired fleet and see it feasible.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

import z3

from ldmspec.inventory.facts import (
    Fleet,
    Host,
)
from ldmspec.inventory.placement import GRANULE
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.units import format_size
from ldmspec.inventory.versions import LDM_RELEASES, LdmVersion
from ldmspec.models.memory_fit import single_alignment
from ldmspec.models.preconditions import (
    ARCH_CODE,
    DomainSide,
    Symbols,
    cpu_code,
    cpu_family,
    ldm_code,
    os_code,
)
from ldmspec.solver.engine import DomainModel
from ldmspec.solver.repair_apply import NEW_VCC
from ldmspec.solver.repair_memory import mem2_constraint, split_on
from ldmspec.solver.verdict import Change, PrecheckVerdict, Repair

__all__ = ["admissible_changes", "find_repair"]

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
    "CPU-9": "UltraSPARC T2/T2+/SPARC T3 and SPARC T5 or later: migrate the domain cold",
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
        self.most: list[int] = []  # the largest amount of each sized change
        self.sized_costs: list[tuple[z3.BoolRef, int]] = []

    def add(self, name: str, change: Change) -> z3.BoolRef:
        var = z3.Bool(f"change_{len(self.vars)}_{name}")
        self.vars.append((var, change))
        return var

    def add_sized(
        self, name: str, amount: z3.ArithRef, make: Callable[[int], Change], cost: int, most: int
    ) -> z3.BoolRef:
        var = z3.Bool(f"sized_{len(self.sized)}_{name}")
        self.sized.append((var, amount, make))
        self.most.append(most)
        self.sized_costs.append((var, cost))
        return var

    def soft(self) -> list[tuple[z3.BoolRef, int]]:
        """Each change variable with the cost of making it."""
        return [(var, change.cost) for var, change in self.vars] + self.sized_costs

    def every(self) -> tuple[Change, ...]:
        """Every admissible change, a sized one at its largest amount."""
        sized = [make(most) for (_, _, make), most in zip(self.sized, self.most, strict=True)]
        return (*(change for _, change in self.vars), *sized)

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


def admissible_changes(
    verdict: PrecheckVerdict, model: DomainModel, target: Host
) -> tuple[Change, ...]:
    """Every change the repair of ``verdict`` may choose (sized ones at their largest)."""
    changes = _Changes()
    _relaxed_facts(verdict, model, target, changes)
    return changes.every()


def _relaxed_facts(
    verdict: PrecheckVerdict, model: DomainModel, target: Host, changes: _Changes
) -> list[z3.BoolRef]:
    d = model.facts
    v = Symbols(d)
    facts = _domain_facts(v, changes, d)
    facts += _target_facts(v, d, target, verdict.target_name)
    facts += _versions(v, changes, model.source, target)
    facts += _services(v, changes, model, target)
    facts += _resources(v, changes, model, target, "MEM-2" in verdict.violated_ids)
    return facts


def _repair(verdict: PrecheckVerdict, model: DomainModel, target: Host, timeout_ms: int) -> Repair:
    changes = _Changes()
    facts = _relaxed_facts(verdict, model, target, changes)
    opt = z3.Optimize()
    opt.set("timeout", timeout_ms)
    opt.add(*facts, *model.tracked.values())
    for rid in model.tracked:
        opt.add_soft(z3.Bool(rid), 1, id="requirements")
    for var, cost in changes.soft():
        opt.add_soft(z3.Not(var), cost, id="cost")
    # Then, among the cheapest sets, remove as little as possible from running domains.
    if changes.sized:
        opt.minimize(z3.Sum([amount for _, amount, _ in changes.sized]))
    if opt.check() != z3.sat:
        reason = opt.reason_unknown() or "unknown"
        return Repair("unknown", (), 0, (), f"the optimiser did not finish ({reason})")
    m = opt.model()
    dropped = [rid for rid in model.tracked if not z3.is_true(m.eval(z3.Bool(rid), True))]
    unrepairable = tuple(_why_not(rid, verdict, target) for rid in dropped)
    chosen = changes.chosen(m)
    cost = sum(c.cost for c in chosen)
    note = ""
    d = model.facts
    if (
        "MEM-2" in verdict.violated_ids
        and z3.is_true(m.eval(split_on(Symbols(d), d), model_completion=True))
        and not single_alignment(d.blocks, target.largest_page)
    ):
        note = (
            "MEM-2 repaired keeping blocks whole (its blocks have different alignments, "
            "splitting is not modelled): the Manager may need less"
        )
    if not unrepairable:
        return Repair("found", chosen, cost, note=note)
    return Repair("partial" if chosen else "none", chosen, cost, unrepairable, note)


def _why_not(rid: str, verdict: PrecheckVerdict, target: Host) -> str:
    if rid in _NEVER:
        return f"{rid}: {_NEVER[rid]}"
    if rid == "ST-2":
        return "ST-2: the control domain cannot be migrated"
    if rid in verdict.violated_ids:
        return f"{rid}: no admissible change satisfies it on {target.name}"
    return f"{rid}: no admissible change satisfies it together with the others on {target.name}"


def _domain_facts(v: Symbols, changes: _Changes, d: DomainSide) -> list[z3.BoolRef]:
    """The domain's and the source's facts; direct I/O and cpu-arch as changes."""
    facts: list[z3.BoolRef] = [
        v.d_state_ok,
        v.d_in_migration == d.in_migration,
        v.d_control == d.is_control,
    ]
    facts += [v.d_os == os_code(d.guest), v.s_os == os_code(d.s_os)]
    if d.blocking_io and not d.is_control:
        rm_io = changes.add(
            "rm_io",
            Change(
                "remove-io",
                d.source,
                f"remove the direct I/O devices of {d.domain}",
                tuple(f"ldm rm-io {dev.path} {d.domain}" for dev in d.blocking_io),
                COST_REMOVE_IO,
                ("IO-1",),
                (("domain", d.domain),),
            ),
        )
        facts.append(v.d_io == z3.Not(rm_io))
    else:
        facts.append(v.d_io == bool(d.blocking_io))
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
        v.s_family == cpu_family(d.s_cpu),
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
        v.t_family == cpu_family(t.cpu),
        v.t_fujitsu == t.cpu.fujitsu,
        v.t_stick == t.stick_frequency,
        v.t_os == os_code(t.os),
    ]


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


def _resources(
    v: Symbols, changes: _Changes, model: DomainModel, t: Host, mem2: bool
) -> list[z3.BoolRef]:
    """vCPUs, whole cores, memory (with MEM-2's placement when ``mem2``) and console ports."""
    unbind = _unbind_changes(changes, t)

    def freed(name: str) -> z3.BoolRef:
        return unbind.get(name, z3.BoolVal(False))

    facts = _cpu_facts(v, changes, t, unbind, freed)
    facts += _memory_facts(v, changes, model, t, unbind, freed, mem2)
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
    removed: dict[str, z3.ArithRef] = {}  # vCPUs removed from the end of each domain's
    for x in t.holders():
        if x.name not in unbind:
            continue
        cpus: z3.ArithRef = z3.IntVal(0)
        if not x.whole_core and len(x.strands) > 1:
            cpus = z3.Int(f"remove_vcpus_{x.name}")
            remove = functools.partial(_remove_vcpus, t.name, x.name)
            shrink = changes.add_sized("cpus", cpus, remove, COST_SHRINK, len(x.strands) - 1)
            facts += [cpus >= 0, cpus < len(x.strands), shrink == (cpus > 0)]
            facts.append(z3.Implies(unbind[x.name], cpus == 0))
        removed[x.name] = cpus
        given_cpus.append(z3.If(unbind[x.name], len(x.strands), cpus))
    facts.append(v.t_free_vcpus == t.free_vcpus + z3.Sum(given_cpus))
    # whole cores: a held core becomes free when every domain holding it lets go of all
    # its strands there: unbound, or shrunk past the first of them (ldm remove-vcpu
    # gives back a domain's last strands)
    tpc = t.threads_per_core
    owners: dict[int, dict[str, int]] = {}  # core -> domain -> index of its first strand
    for x in t.holders():
        for k, s in enumerate(x.strands):
            owners.setdefault(s // tpc, {}).setdefault(x.name, k)
    holders = {x.name: x for x in t.holders()}

    def lets_go(name: str, first: int) -> z3.BoolRef:
        cpus = removed.get(name, z3.IntVal(0))
        return z3.Or(freed(name), cpus >= len(holders[name].strands) - first)

    extra = [
        z3.If(z3.And(*(lets_go(n, k) for n, k in sorted(names.items()))), 1, 0)
        for names in owners.values()
    ]
    facts.append(v.t_free_core_strands == tpc * (len(t.free_cores) + z3.Sum(extra)))
    return facts


def _memory_facts(
    v: Symbols,
    changes: _Changes,
    model: DomainModel,
    t: Host,
    unbind: dict[str, z3.BoolRef],
    freed: Callable[[str], z3.BoolRef],
    mem2: bool,
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
            (last.size - GRANULE) // GRANULE,
        )
        facts += [steps >= 0, steps * GRANULE <= last.size - GRANULE, shrink == (steps > 0)]
        facts.append(z3.Implies(unbind[x.name], steps == 0))
        cut[x.name] = steps * GRANULE
        given_mem.append(z3.If(unbind[x.name], sum(b.size for b in x.memory), steps * GRANULE))
    facts.append(v.t_free_memory == t.free_memory_size + z3.Sum(given_mem))
    if mem2 and "MEM-2" in model.tracked:
        facts += mem2_constraint(v, model.facts, t, freed, cut)
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
