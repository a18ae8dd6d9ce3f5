"""The properties a report can name: stable ids of DESIGN.md "Invariants", with words and kind.

A counterexample carries its own words; this table supplies them when the caller gives
only the id (``counterexample_from_transcript(..., property_id="INV-CLEANUP")``).
"""

from __future__ import annotations

from typing import NamedTuple

from ldmspec.report.values import Kind

__all__ = ["PROPERTIES", "PropertyText", "property_text"]


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
