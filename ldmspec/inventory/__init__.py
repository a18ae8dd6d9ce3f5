"""The inventory: hosts, processors, memory, services and domains as frozen values.

Read a fleet with :func:`load_fleet` (a TOML/JSON file or a folder of capture bundles).
"""

from ldmspec.inventory.facts import (
    CONTROL_DOMAIN,
    Console,
    Domain,
    DomainState,
    Fleet,
    Host,
    IoDevice,
    IoKind,
    MemoryBlock,
    MemoryRange,
    MigrationFlag,
    Plan,
    Vcc,
    VDisk,
    Vds,
    VNet,
    Volume,
    Vsw,
)
from ldmspec.inventory.loader import load_fleet, load_fleet_text
from ldmspec.inventory.processors import PROCESSORS, CpuArch, Processor, processor
from ldmspec.inventory.units import format_size, parse_size
from ldmspec.inventory.versions import LdmVersion, SolarisRelease

__all__ = [
    "CONTROL_DOMAIN",
    "PROCESSORS",
    "Console",
    "CpuArch",
    "Domain",
    "DomainState",
    "Fleet",
    "Host",
    "IoDevice",
    "IoKind",
    "LdmVersion",
    "MemoryBlock",
    "MemoryRange",
    "MigrationFlag",
    "Plan",
    "Processor",
    "SolarisRelease",
    "VDisk",
    "VNet",
    "Vcc",
    "Vds",
    "Volume",
    "Vsw",
    "format_size",
    "load_fleet",
    "load_fleet_text",
    "parse_size",
    "processor",
]
