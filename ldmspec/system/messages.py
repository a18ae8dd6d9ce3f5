"""Every text the reference implementation's ``ldm`` prints, in one place.

Texts marked [V] are verbatim from Oracle documentation (dossier §13.2); texts marked
[R] follow the recollected shape of the dossier or are our own wording where no capture
exists. Keeping them here means a capture from a real system corrects them in one edit.
"""

from __future__ import annotations

__all__ = [
    "AUTH_FAILED",
    "BUSY_HOST",
    "CANCELLED",
    "CANCEL_ON_TARGET",
    "FAILED",
    "HANDOFF_LOST",
    "KILLED",
    "NOT_FOUND",
    "NO_MIGRATION",
    "PASSWORD_FILE",
    "PASSWORD_PROMPT",
    "UNREACHABLE",
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
NOT_FOUND = "Domain {domain} not found"
BUSY_HOST = "A migration is in progress on {host}: operations that change domains are blocked"
BUSY_DOMAIN = "Domain {domain} is being migrated: its configuration cannot change"
PASSWORD_FILE = "Unable to read password file {path}"
