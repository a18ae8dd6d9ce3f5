"""One domain's part of the protocol model's state: phases, copies, flags, outcomes.

A :class:`ModelDomain` is the model's view of one guest domain and its migration (the
implementation's view of the same domain is the conformance abstraction's). It packs
into 26 bits so that a whole state is one int: :meth:`ModelDomain.pack` and
:meth:`ModelDomain.unpack` convert, :data:`FIELDS` gives each field's bit offset.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
    "DOMAIN_BITS",
    "DOMAIN_MASK",
    "FIELDS",
    "PHASE_NAMES",
    "PHASE_SHIFT",
    "ModelDomain",
    "describe_domain",
    "expected_source_flag",
]

# Migration phase of a domain. 0 = no migration; 6 = the source's error state after a
# hand-off whose outcome it could not learn (FLAGS column 6 "e").
IDLE, CHECKS, PREPARE, PRECOPY, SUSPENDED, HANDOFF, ERROR = range(7)
PHASE_NAMES = ("idle", "checks", "prepare", "precopy", "suspended", "handoff", "error")
# A copy of the domain on a host.
NONE, RUNNING, SUSPENDED_COPY = 0, 1, 2  # source copy
BOUND = 1  # target copy: NONE, BOUND, RUNNING (2)
TARGET_RUNNING = 2
COPY_NAMES = ("none", "running", "suspended")
TARGET_COPY_NAMES = ("none", "bound", "running")
# FLAGS column 6 on the source's copy.
FLAG_NONE, FLAG_SOURCE, FLAG_ERROR = 0, 1, 2
SOURCE_FLAGS = ("-", "s", "e")
# The link of a migration. LINK_HEALED: up again after a partition, with a message of
# this migration lost in it: the sender's timer runs until the protocol answers.
LINK_UP, LINK_DOWN, LINK_HEALED = 0, 1, 2
LINK_NAMES = ("up", "partitioned", "healed")
# Dirty-set bucket.
DIRTY_NAMES = ("none", "small", "large")
LARGE = 2
# How the last migration of a domain ended.
(
    NO_OUTCOME,
    COMPLETED,
    CANCELLED,
    FAILED,
    TARGET_FULL,
    RECOVERED_ON_TARGET,
    RECOVERED_ON_SOURCE,
) = range(7)
OUTCOME_NAMES = (
    "none",
    "completed",
    "cancelled",
    "failed",
    "target-full",
    "recovered-on-target",
    "recovered-on-source",
)


class ModelDomain(NamedTuple):
    """One domain's part of the model state, unpacked."""

    home: int  # the host holding the source copy
    target: int  # the migration's target host (0 when idle)
    phase: int
    source_copy: int  # NONE, RUNNING, SUSPENDED_COPY
    source_flag: int  # FLAG_NONE, FLAG_SOURCE, FLAG_ERROR
    target_copy: int  # NONE, BOUND, TARGET_RUNNING
    target_flag: int  # 0 or 1 ("t")
    dirty: int  # 0 none, 1 small, 2 large
    rounds: int  # pre-copy rounds done
    burst: int  # 1 when the guest burst its dirty pages during this migration
    partitioned: int  # the migration's link: LINK_UP, LINK_DOWN or LINK_HEALED
    outcome: int  # how the last migration ended

    def pack(self) -> int:
        value = 0
        for (shift, _), part in zip(FIELDS, self, strict=True):
            value |= part << shift
        return value

    @classmethod
    def unpack(cls, value: int) -> ModelDomain:
        known = _UNPACKED.get(value)
        if known is None:
            known = cls(*((value >> shift) & mask for shift, mask in FIELDS))
            _UNPACKED[value] = known
        return known


# Packed domains seen so far, unpacked; a model reaches at most a few thousand.
_UNPACKED: dict[int, ModelDomain] = {}

# (bit offset, mask) of each ModelDomain field in the packed int.
_WIDTHS = (3, 3, 3, 2, 2, 2, 1, 2, 2, 1, 2, 3)
FIELDS = tuple((sum(_WIDTHS[:i]), (1 << width) - 1) for i, width in enumerate(_WIDTHS))
PHASE_SHIFT = FIELDS[2][0]
ROUNDS_SHIFT = FIELDS[8][0]
DOMAIN_BITS = sum(_WIDTHS)
DOMAIN_MASK = (1 << DOMAIN_BITS) - 1


def expected_source_flag(d: ModelDomain) -> int:
    """FLAGS column 6 of the source's copy in ``d``'s phase (what INV-FLAGS demands)."""
    if d.phase == ERROR:
        return FLAG_ERROR
    if PREPARE <= d.phase <= HANDOFF:
        return FLAG_SOURCE
    return FLAG_NONE


def describe_domain(number: int, d: ModelDomain) -> dict[str, Any]:
    """A JSON view of domain number ``number``."""
    view: dict[str, Any] = {
        "domain": f"d{number}",
        "host": f"h{d.home}",
        "phase": PHASE_NAMES[d.phase],
        "source_copy": COPY_NAMES[d.source_copy],
        "flags": SOURCE_FLAGS[d.source_flag],
        "outcome": OUTCOME_NAMES[d.outcome],
    }
    if d.phase != IDLE:
        view.update(
            {
                "target": f"h{d.target}",
                "target_copy": TARGET_COPY_NAMES[d.target_copy],
                "target_flags": "t" if d.target_flag else "-",
                "dirty": DIRTY_NAMES[d.dirty],
                "rounds": d.rounds,
                "burst": bool(d.burst),
                "link": LINK_NAMES[d.partitioned],
            }
        )
    elif d.burst:
        view["burst"] = True
    return view
