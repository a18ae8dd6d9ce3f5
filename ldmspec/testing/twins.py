"""Teeth bookkeeping: each fault variant of the implementation and its model twin.

A fault variant of the reference implementation (``ldmspec.system.variants``) and a
wrong-on-purpose variant of the protocol model (``ldmspec.models.protocol_variants``)
can break the same invariant the same way; the model's shortest counterexample is then
the yardstick for how far the property suite's shrunk counterexample is from the
shortest possible one (``bench/bench_teeth.py``).
"""

from __future__ import annotations

from ldmspec.explorer.analysis import check_properties
from ldmspec.explorer.search import explore
from ldmspec.models.protocol_config import ProtocolConfig
from ldmspec.models.protocol_variants import protocol_model

__all__ = ["MODEL_VARIANT_FOR", "model_shortest"]

MODEL_VARIANT_FOR = {
    "no-resume-after-cancel": "cancel-leaves-suspended",
    "skip-last-round-dirty": "skip-final-copy",
    "early-target-resume": "early-resume",
    "target-accepts-cancel": "target-accepts-cancel",
    "source-flag-stays": "flag-left-on-cancel",
}
"""For a fault variant of the implementation, the model variant breaking the same
invariant the same way."""


def model_shortest(variant: str, invariant: str) -> int | None:
    """Steps of the model's shortest counterexample for ``invariant``, which the fault
    variant ``variant`` breaks (``ldmspec.system.VARIANTS[variant].violates``).

    None when no model variant breaks it the same way (see :data:`MODEL_VARIANT_FOR`).
    """
    model_variant = MODEL_VARIANT_FOR.get(variant)
    if model_variant is None:
        return None
    model = protocol_model(ProtocolConfig(hosts=2, domains=1, concurrent=1), model_variant)
    for verdict in check_properties(explore(model)):
        if verdict.id == invariant and verdict.counterexample is not None:
            return len(verdict.counterexample.actions)
    return None
