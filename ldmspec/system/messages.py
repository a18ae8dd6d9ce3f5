"""Every text the reference implementation's ``ldm`` prints, in one place.

Texts marked [V] are verbatim from Oracle documentation (dossier §13.2); texts marked
[R] follow the recollected shape of the dossier or are our own wording where no capture
exists. Keeping them here means a capture from a real system corrects them in one edit.
"""

from __future__ import annotations

__all__ = [
    "ALREADY_BOUND",
    "ALREADY_MIGRATING",
    "AUTH_FAILED",
    "BAD_CPU_ARCH",
    "BAD_PORT_RANGE",
    "BIND_NO_MEMORY",
    "BIND_NO_PORT",
    "BIND_NO_SERVICE",
    "BIND_NO_VCPUS",
    "BUSY_DOMAIN",
    "BUSY_HOST",
    "CANCELLED",
    "CANCEL_ON_TARGET",
    "CONTROL_SERVICES_ONLY",
    "CPU_ARCH_ACTIVE",
    "FAILED",
    "HANDOFF_LOST",
    "IN_HANDOFF",
    "KILLED",
    "LIST_NOT_FOUND",
    "LOST_CONNECTION",
    "NOT_ACTIVE",
    "NOT_FOUND",
    "NOT_ON_SOURCE",
    "NO_MEMORY_FOR",
    "NO_MIGRATION",
    "NO_RECONF",
    "NO_VCC",
    "NO_VCPUS_FOR",
    "NO_VDS",
    "NO_VOLUME",
    "NO_VSW",
    "PASSWORD_FILE",
    "PASSWORD_PROMPT",
    "REMOVE_STATE",
    "SCRUBBING",
    "STARTED",
    "START_STATE",
    "STOPPED",
    "STOP_CONTROL",
    "TARGET_FAILED",
    "UNBIND_STATE",
    "UNREACHABLE",
    "UNSETTLED",
    "UNSETTLED_CHANGE",
    "VCC_EXISTS",
    "VCC_IN_USE",
    "VOLUME_EXISTS",
    "VOLUME_IN_USE",
    "VSW_EXISTS",
    "VSW_IN_USE",
    "WOULD_FAIL",
]

PASSWORD_PROMPT = "Target Password:"  # [V] E1
FAILED = "Domain Migration of LDom {domain} failed"  # [V] E3
WOULD_FAIL = "Domain Migration of LDom {domain} would fail if attempted"  # [V] E5

# [R] below: no capture of these texts was found (dossier §13.2 "Not found").
AUTH_FAILED = "Authentication to target {target} failed: bad user name or password"
UNREACHABLE = "Failed to establish connection with ldmd(1m) on target: {target}"
LOST_CONNECTION = "Lost connection to the Logical Domains Manager on target {target}"
HANDOFF_LOST = (
    "No hand-off acknowledgement from target {target}: domain {domain} is in error state; "
    "if it runs on {target}, destroy this copy (ldm rm-domain {domain}), "
    "otherwise resume it (ldm cancel-operation migration {domain})"
)
CANCELLED = "Migration of LDom {domain} cancelled by cancel-operation"
KILLED = "Killed"
TARGET_FAILED = "Target {target} could not create domain {domain}: {reason}"
CANCEL_ON_TARGET = (
    "Migration of {domain} cannot be controlled from {host}: it is the target machine; "
    "cancel it on the source machine {source}"
)
NO_MIGRATION = "No migration is in progress for domain {domain}"
IN_HANDOFF = (
    "Migration of LDom {domain} is in its hand-off to {target} and can no longer be cancelled"
)
UNSETTLED = (
    "Domain {domain} cannot migrate yet: its migration from {source} is not settled on {source}"
)
UNSETTLED_CHANGE = (
    "Domain {domain} cannot change yet: its migration from {source} is not settled on {source}"
)
NOT_FOUND = "Domain {domain} not found"
BUSY_HOST = "A migration is in progress on {host}: operations that change domains are blocked"
BUSY_DOMAIN = "Domain {domain} is being migrated: its configuration cannot change"
PASSWORD_FILE = "Unable to read password file {path}"
SCRUBBING = (
    "The hypervisor is scrubbing {size} of memory of a destroyed domain: "
    "ldm is unresponsive until it finishes"
)

# The configuration commands ([R]: ldm's own texts for these were not captured).
LIST_NOT_FOUND = "LDom {domain} not found"
NOT_ON_SOURCE = "Domain {domain} not found on {host}"  # an operand error, not ST-1
ALREADY_MIGRATING = "ST-1: Domain {domain} is already being migrated or is in migration error state"
NO_RECONF = "No delayed reconfiguration is pending for domain {domain}"
ALREADY_BOUND = "Domain {domain} is already bound"
BIND_NO_VCPUS = "Unable to bind domain {domain}: not enough free vCPUs"
BIND_NO_MEMORY = "Unable to bind domain {domain}: not enough free memory"
BIND_NO_PORT = "Unable to bind domain {domain}: no free console port"
BIND_NO_SERVICE = "Unable to bind domain {domain}: {service} does not exist on this system"
UNBIND_STATE = "Domain {domain} must be stopped and bound before it can be unbound"
START_STATE = "Domain {domain} must be bound before it can be started"
STARTED = "LDom {domain} started"
STOP_CONTROL = "The control domain cannot be stopped with ldm stop-domain"
NOT_ACTIVE = "Domain {domain} is not active"
STOPPED = "LDom {domain} stopped"
REMOVE_STATE = "Domain {domain} must be unbound before it can be removed"
NO_VDS = "Virtual disk service {service} not found"
VOLUME_EXISTS = "Volume {volume} already exists in service {service}"
NO_VOLUME = "Volume {volume} not found in service {service}"
VOLUME_IN_USE = "Volume {volume}@{service} is in use by domain {domain}"
CONTROL_SERVICES_ONLY = "ldmspec models services of the control domain primary only"
VSW_EXISTS = "Virtual switch {vsw} already exists"
NO_VSW = "Virtual switch {vsw} not found"
VSW_IN_USE = "Virtual switch {vsw} is in use by domain {domain}"
BAD_PORT_RANGE = "Invalid port-range: expected <x>-<y> with x <= y"
VCC_EXISTS = "Virtual console concentrator {vcc} already exists"
NO_VCC = "Virtual console concentrator {vcc} not found"
VCC_IN_USE = "Virtual console concentrator {vcc} has ports in use"
CPU_ARCH_ACTIVE = "Domain {domain} must be stopped to change cpu-arch"
NO_VCPUS_FOR = "Not enough free vCPUs to give {domain} {count}"
NO_MEMORY_FOR = "Not enough free memory to give {domain} {size} bytes"
BAD_CPU_ARCH = "Invalid cpu-arch: expected native, generic, migration-class1 or sparc64-class1"
