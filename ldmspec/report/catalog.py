"""The properties a report can name: stable ids of DESIGN.md "Invariants", with words and kind.

A counterexample carries its own words; this table supplies them when the caller gives
only the id (``counterexample_from_transcript(..., property_id="INV-CLEANUP")``). The
glossaries below explain protocol messages and ``ldm list`` columns to a reader.
"""

from __future__ import annotations

from typing import NamedTuple

from ldmspec.report.values import Kind

__all__ = ["LISTING_LEGEND", "MESSAGES", "PROPERTIES", "PropertyText", "property_text"]


class PropertyText(NamedTuple):
    kind: Kind
    words: str


PROPERTIES: dict[str, PropertyText] = {
    "INV-SINGLE-ACTIVE": PropertyText(
        "safety",
        "at no step are two copies of a domain running; after a migration ends exactly one "
        "copy exists (or S's copy is in the documented error state)",
    ),
    "INV-CLEANUP": PropertyText(
        "safety",
        "after cancel or failure: no remnant on T, T's free vCPUs, memory and console ports "
        "equal their values before the migration, D on S unchanged and active if it was",
    ),
    "INV-NO-LOST-WRITES": PropertyText(
        "safety",
        "after hand-off T's memory equals S's memory at suspension; no write acknowledged to "
        "the guest is lost",
    ),
    "INV-CONSERVATION": PropertyText(
        "safety",
        "on every host free + allocated = total for strands, memory and console ports; "
        "nothing allocated twice",
    ),
    "INV-FLAGS": PropertyText(
        "safety",
        "FLAGS column 6 is s exactly on a migrating source, t exactly on a migrating target, "
        "e only after a lost hand-off acknowledgement",
    ),
    "INV-PROGRESS": PropertyText(
        "safety", "progress is monotone, within 0-100, and 100 only at completion"
    ),
    "INV-SOURCE-CONTROL": PropertyText(
        "safety", "cancel on the target is refused and changes nothing"
    ),
    "INV-DRY-RUN": PropertyText("safety", "-n changes nothing anywhere"),
    "INV-PRECHECK-AGREES": PropertyText(
        "agreement",
        "the implementation's pre-check accepts exactly when z3 says feasible, naming the "
        "same requirement ids",
    ),
    "LIVE-TERMINATES": PropertyText(
        "liveness",
        "every migration ends (completed, cancelled, failed) under fair scheduling",
    ),
    "LIVE-CONVERGES": PropertyText(
        "liveness",
        "with dirty rate below bandwidth, pre-copy reaches suspension within the round limit",
    ),
}


def property_text(property_id: str) -> PropertyText:
    """The kind and words of ``property_id``; an unknown id is a safety property named by id."""
    return PROPERTIES.get(property_id, PropertyText("safety", property_id))


#: What each protocol message of the reference implementation means, for readers of the
#: sequence diagram (``ldmspec.system.protocol`` documents the protocol itself).
MESSAGES: dict[str, str] = {
    "CheckRequest": "phase 1: the source asks the target to pre-check the domain",
    "CheckReply": "phase 1: the target's pre-check problems, or a refusal",
    "Prepare": "phase 2: the source asks the target to create the domain bound",
    "Prepared": "phase 2: the target created it (FLAGS column 6 t on the target)",
    "Pages": "phases 3-4: memory pages, in pre-copy rounds, then the final copy",
    "PagesAck": "phases 3-4: the target acknowledges a batch of pages",
    "HandOff": "phase 5: the source hands the suspended domain's CPU state over",
    "HandOffAck": "phase 5: the target resumed the domain; the source may destroy its copy",
    "Abort": "cancel or failure: the source tells the target to destroy what it created",
    "Aborted": "the target destroyed its copy",
}

#: How to read ``ldm list``: its FLAGS positions and STATE values.
LISTING_LEGEND = (
    "FLAGS has six positions: 1 s starting or stopping; 2 n normal, t transition, "
    "d degraded; 3 d delayed reconfiguration, r memory reconfiguration; 4 c control domain; "
    "5 v virtual I/O service domain; 6 s source of a migration, t target of a migration, "
    "e error after a lost hand-off acknowledgement; - means no flag. STATE is active, "
    "bound, inactive or suspended (the source during phase 4)."
)
