"""The SPARC processors that migration rules distinguish, as ``psrinfo -pv`` names them.

Cross-CPU rules ask "is this an UltraSPARC T2+ or later" (CPU-5), "SPARC T4 or later"
for ``migration-class1`` and "a SPARC64 X, X+ or XII (Fujitsu M10/M12)" for
``sparc64-class1`` (CPU-7). The table below answers those questions; a processor name it
does not know is an input error that lists the known ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ldmspec.errors import InputError

__all__ = ["PROCESSORS", "CpuArch", "Processor", "processor"]


class CpuArch(Enum):
    """A domain's ``cpu-arch`` property (``ldm set-domain cpu-arch=...``)."""

    NATIVE = "native"
    GENERIC = "generic"
    MIGRATION_CLASS1 = "migration-class1"
    SPARC64_CLASS1 = "sparc64-class1"

    @classmethod
    def parse(cls, text: object) -> CpuArch:
        arch = _ARCHES.get(text) if isinstance(text, str) else None
        if arch is not None:
            return arch
        raise InputError("one of native, generic, migration-class1, sparc64-class1", got=text)


_ARCHES = {arch.value: arch for arch in CpuArch}


@dataclass(frozen=True)
class Processor:
    """One processor type. ``generation`` orders Oracle and Fujitsu sun4v parts by age."""

    name: str
    generation: int
    fujitsu: bool = False
    threads_per_core: int = 8  # strands per core: 4 on the UltraSPARC T1, 2 on SPARC64 X/X+

    @property
    def default_largest_page(self) -> int:
        """The hardware largest page when a fleet does not say: 256M before the T4, else 2G.

        Dossier §4.4: 256 MB on UltraSPARC T2/T2 Plus/SPARC T3, 2 GB from SPARC T4 (some
        later platforms have larger pages; give ``largest-page`` for those).
        """
        small = not self.fujitsu and self.generation < PROCESSORS["SPARC-T4"].generation
        return (256 if small else 2048) << 20

    @property
    def t2_plus_or_later(self) -> bool:
        return self.generation >= PROCESSORS["UltraSPARC-T2+"].generation

    @property
    def class1_capable(self) -> bool:
        """SPARC T4 or later (Oracle line): ``migration-class1`` applies."""
        return not self.fujitsu and self.generation >= PROCESSORS["SPARC-T4"].generation

    @property
    def sparc64_class1_capable(self) -> bool:
        return self.fujitsu

    def __str__(self) -> str:
        return self.name


_ORDER = (
    "UltraSPARC-T1", "UltraSPARC-T2", "UltraSPARC-T2+", "SPARC-T3", "SPARC-T4",
    "SPARC-T5", "SPARC-M5", "SPARC-M6", "SPARC-M7", "SPARC-T7", "SPARC-S7",
    "SPARC-M8", "SPARC-T8",
)  # fmt: skip
_FUJITSU = ("SPARC64-X", "SPARC64-X+", "SPARC64-XII")
# Used only where a listing shows no cores (the CORE section of `ldm list-devices`
# arrived after LDoms 1.x): 4 strands per core on the T1, 2 on SPARC64 X and X+.
_THREADS = {"UltraSPARC-T1": 4, "SPARC64-X": 2, "SPARC64-X+": 2}

PROCESSORS: dict[str, Processor] = {
    **{
        name: Processor(name, rank, threads_per_core=_THREADS.get(name, 8))
        for rank, name in enumerate(_ORDER)
    },
    # Fujitsu M10/M12 parts are newer than the T2+ (they support cross-CPU migration)
    # but are not Oracle "T4 or later" parts, hence their own flag.
    **{
        name: Processor(name, 4 + rank, fujitsu=True, threads_per_core=_THREADS.get(name, 8))
        for rank, name in enumerate(_FUJITSU)
    },
}


_BY_LOWER_NAME = {known.lower(): proc for known, proc in PROCESSORS.items()}


def processor(name: object) -> Processor:
    """The processor called ``name`` (case-insensitive), or an InputError listing them."""
    if isinstance(name, str):
        proc = _BY_LOWER_NAME.get(name.strip().lower())
        if proc is not None:
            return proc
    raise InputError("a processor type: " + ", ".join(PROCESSORS), got=name)
