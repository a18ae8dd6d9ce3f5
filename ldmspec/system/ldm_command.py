"""The ``ldm`` command grammar: from a command line to a parsed :class:`LdmCommand`.

``migrate-domain -f`` is accepted and changes nothing: which checks it skips was not
retrieved (dossier U12). ``-c`` (certificates) is refused with a clear message.

Only parsing lives here; :mod:`ldmspec.system.manager` executes. A line that does not
parse raises :class:`UsageError`, whose text is what ``ldm`` prints (``Usage:`` and the
synopsis of the subcommand, or ``Unknown command``); the manager turns it into output
with exit status 1, never a traceback.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

from ldmspec.errors import InputError
from ldmspec.inventory.units import parse_size

__all__ = ["SYNOPSIS", "LdmCommand", "UsageError", "parse_ldm"]

# Subcommand -> synopsis, in the order `ldm` with no arguments lists them.
SYNOPSIS: dict[str, str] = {
    "list-domain": "ldm list-domain [-e] [-l] [-o <format>] [-p] [<ldom>...]",
    "migrate-domain": (
        "ldm migrate-domain [-f] [-n] [-p <password_file>] <source_ldom> "
        "[<user>@]<target_host>[:<target_ldom>]"
    ),
    "list-services": "ldm list-services -p",
    "list-devices": "ldm list-devices -a -p | ldm list-devices [-p] memory",
    "list-constraints": "ldm list-constraints -x",
    "cancel-operation": "ldm cancel-operation (migration | reconf) <ldom>",
    "bind-domain": "ldm bind-domain <ldom>",
    "unbind-domain": "ldm unbind-domain <ldom>",
    "start-domain": "ldm start-domain <ldom>",
    "stop-domain": "ldm stop-domain [-f] <ldom>",
    "remove-domain": "ldm remove-domain <ldom>",
    "add-vdsdev": "ldm add-vdsdev <backend> <volume_name>@<service_name>",
    "remove-vdsdev": "ldm remove-vdsdev <volume_name>@<service_name>",
    "add-vsw": "ldm add-vsw [net-dev=<device>] <vswitch_name> <ldom>",
    "remove-vsw": "ldm remove-vsw <vswitch_name>",
    "add-vcc": "ldm add-vcc port-range=<x>-<y> <vcc_name> <ldom>",
    "remove-vcc": "ldm remove-vcc <vcc_name>",
    "set-domain": "ldm set-domain cpu-arch=<native|generic|migration-class1|sparc64-class1> <ldom>",
    "set-vcpu": "ldm set-vcpu <number> <ldom>",
    "set-memory": "ldm set-memory <size>[unit] <ldom>",
}

ALIASES: dict[str, str] = {
    "list": "list-domain",
    "ls": "list-domain",
    "ls-dom": "list-domain",
    "migrate": "migrate-domain",
    "ls-services": "list-services",
    "ls-devices": "list-devices",
    "ls-constraints": "list-constraints",
    "bind": "bind-domain",
    "unbind": "unbind-domain",
    "start": "start-domain",
    "stop": "stop-domain",
    "rm-domain": "remove-domain",
    "destroy": "remove-domain",
    "rm-vdsdev": "remove-vdsdev",
    "rm-vsw": "remove-vsw",
    "rm-vcc": "remove-vcc",
    "set-vcpus": "set-vcpu",
    "set-mem": "set-memory",
}

# The `-o` formats ldmspec prints (system.listing); others (core, domain...) print usage.
LIST_FORMATS = ("status", "memory", "console", "disk", "network")


class UsageError(Exception):
    """A command line ``ldm`` rejects; ``str()`` is what it prints."""


@dataclass(frozen=True)
class LdmCommand:
    """A parsed ``ldm`` command.

    ``name`` is the canonical subcommand; ``domains`` the domain operands; ``options``
    the flags given (``-n``, ``-l``, ...); ``values`` the ``key=value`` and option
    arguments (``password_file``, ``format``, ``cpu-arch``, ``net-dev``, ...).
    """

    name: str
    domains: tuple[str, ...] = ()
    options: frozenset[str] = frozenset()
    values: tuple[tuple[str, str], ...] = ()
    target_host: str = ""
    target_user: str = ""
    new_name: str | None = None
    number: int = 0
    operand: str = ""  # a device, volume@vds, vsw/vcc name, operation kind

    def value(self, key: str) -> str | None:
        return dict(self.values).get(key)


_Parser = Callable[[str, list[str]], LdmCommand]


def usage(name: str) -> UsageError:
    return UsageError(f"Usage:\n    {SYNOPSIS[name]}")


def parse_ldm(line: str) -> LdmCommand:
    """Parse the arguments after ``ldm`` (``"migrate -n ldom01 root@t4-b"``)."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"Invalid command line: {exc}") from None
    if not words:
        raise UsageError("Usage:\n" + "\n".join(f"    {s}" for s in SYNOPSIS.values()))
    if words == ["-V"]:
        return LdmCommand("version")
    name = ALIASES.get(words[0], words[0])
    if name not in SYNOPSIS:
        raise UsageError(f"Unknown command {words[0]}; use ldm --help to list the commands")
    return _PARSERS[name](name, words[1:])


def _split_options(
    name: str, args: list[str], flags: str, with_value: str = ""
) -> tuple[set[str], dict[str, str], list[str]]:
    """``-x`` flags and ``-y VALUE`` options before the operands; anything else is usage."""
    options: set[str] = set()
    values: dict[str, str] = {}
    rest = list(args)
    while rest and rest[0].startswith("-") and len(rest[0]) > 1:
        word = rest.pop(0)
        for i, letter in enumerate(word[1:]):
            if letter in with_value:
                value = word[i + 2 :] or (rest.pop(0) if rest else "")
                if not value:
                    raise usage(name)
                values[letter] = value
                break
            if letter not in flags:
                raise usage(name)
            options.add(letter)
    return options, values, rest


def _parse_list(name: str, args: list[str]) -> LdmCommand:
    options, values, rest = _split_options(name, args, "elp", "o")
    fmt = values.get("o")
    if fmt is not None and any(f not in LIST_FORMATS for f in fmt.split(",")):
        raise usage(name)
    return LdmCommand(name, tuple(rest), frozenset(options), (("format", fmt),) if fmt else ())


def _parse_migrate(name: str, args: list[str]) -> LdmCommand:
    options, values, rest = _split_options(name, args, "fnc", "p")
    if "c" in options:
        raise UsageError("ldmspec does not model certificate authentication (-c); use -p")
    if len(rest) != 2:
        raise usage(name)
    domain, spec = rest
    user, _, host_part = spec.rpartition("@")
    host, _, new_name = host_part.partition(":")
    if not host or (":" in host_part and not new_name):
        raise usage(name)
    vals = (("password_file", values["p"]),) if "p" in values else ()
    return LdmCommand(
        name,
        (domain,),
        frozenset(options),
        vals,
        target_host=host,
        target_user=user,
        new_name=new_name or None,
    )


def _parse_listing(flags: str, required: str) -> _Parser:
    """``list-services -p``, ``list-devices -a -p``, ``list-constraints -x``: whole-host."""

    def parse(name: str, args: list[str]) -> LdmCommand:
        options, _, rest = _split_options(name, args, flags)
        if rest or not set(required) <= options:
            raise usage(name)
        return LdmCommand(name, options=frozenset(options))

    return parse


def _parse_devices(name: str, args: list[str]) -> LdmCommand:
    """``list-devices -a -p`` (every device, whole host) or ``list-devices [-p] memory``
    (free memory; ``mem`` is its alias)."""
    options, _, rest = _split_options(name, args, "ap")
    if rest in (["memory"], ["mem"]) and "a" not in options:
        return LdmCommand(name, options=frozenset(options), operand="memory")
    if rest or options != {"a", "p"}:
        raise usage(name)
    return LdmCommand(name, options=frozenset(options))


def _parse_cancel(name: str, args: list[str]) -> LdmCommand:
    if len(args) != 2 or args[0] not in ("migration", "reconf"):
        raise usage(name)
    return LdmCommand(name, (args[1],), operand=args[0])


def _parse_one_domain(flags: str) -> _Parser:
    def parse(name: str, args: list[str]) -> LdmCommand:
        options, _, rest = _split_options(name, args, flags)
        if len(rest) != 1:
            raise usage(name)
        return LdmCommand(name, (rest[0],), frozenset(options))

    return parse


def _parse_add_vdsdev(name: str, args: list[str]) -> LdmCommand:
    _, _, rest = _split_options(name, args, "fq")
    rest = [a for a in rest if not a.startswith(("options=", "mpgroup="))]
    if len(rest) != 2 or "@" not in rest[1] or rest[1].startswith("@") or rest[1].endswith("@"):
        raise usage(name)
    return LdmCommand(name, values=(("device", rest[0]),), operand=rest[1])


def _parse_rm_vdsdev(name: str, args: list[str]) -> LdmCommand:
    _, _, rest = _split_options(name, args, "f")
    if len(rest) != 1 or "@" not in rest[0]:
        raise usage(name)
    return LdmCommand(name, operand=rest[0])


def _parse_add_service(key: str, required: bool) -> _Parser:
    def parse(name: str, args: list[str]) -> LdmCommand:
        props = dict(a.split("=", 1) for a in args if "=" in a)
        rest = [a for a in args if "=" not in a]
        if len(rest) != 2 or (required and key not in props):
            raise usage(name)
        return LdmCommand(name, (rest[1],), values=tuple(sorted(props.items())), operand=rest[0])

    return parse


def _parse_rm_service(name: str, args: list[str]) -> LdmCommand:
    _, _, rest = _split_options(name, args, "f")
    if len(rest) != 1:
        raise usage(name)
    return LdmCommand(name, operand=rest[0])


def _parse_set_domain(name: str, args: list[str]) -> LdmCommand:
    props = dict(a.split("=", 1) for a in args if "=" in a)
    rest = [a for a in args if "=" not in a]
    if len(rest) != 1 or set(props) != {"cpu-arch"}:
        raise usage(name)
    return LdmCommand(name, (rest[0],), values=(("cpu-arch", props["cpu-arch"]),))


def _parse_set_vcpu(name: str, args: list[str]) -> LdmCommand:
    if len(args) != 2 or not args[0].isdigit() or int(args[0]) < 1:
        raise usage(name)
    return LdmCommand(name, (args[1],), number=int(args[0]))


def _parse_set_memory(name: str, args: list[str]) -> LdmCommand:
    if len(args) != 2:
        raise usage(name)
    try:
        size = parse_size(args[0])
    except InputError:
        raise usage(name) from None
    return LdmCommand(name, (args[1],), number=size)


_PARSERS: dict[str, _Parser] = {
    "list-domain": _parse_list,
    "migrate-domain": _parse_migrate,
    "cancel-operation": _parse_cancel,
    "list-services": _parse_listing("ep", "p"),
    "list-devices": _parse_devices,
    "list-constraints": _parse_listing("x", "x"),
    "bind-domain": _parse_one_domain(""),
    "unbind-domain": _parse_one_domain(""),
    "start-domain": _parse_one_domain(""),
    "stop-domain": _parse_one_domain("f"),
    "remove-domain": _parse_one_domain(""),
    "add-vdsdev": _parse_add_vdsdev,
    "remove-vdsdev": _parse_rm_vdsdev,
    "add-vsw": _parse_add_service("net-dev", False),
    "remove-vsw": _parse_rm_service,
    "add-vcc": _parse_add_service("port-range", True),
    "remove-vcc": _parse_rm_service,
    "set-domain": _parse_set_domain,
    "set-vcpu": _parse_set_vcpu,
    "set-memory": _parse_set_memory,
}
