"""``ldmspec collect``: the shell script that captures a control domain for ldmspec."""

from __future__ import annotations

import argparse
import sys

from ldmspec import __version__
from ldmspec.errors import InputError
from ldmspec.inventory.captures import OPTIONAL_FILES, REQUIRED_FILES
from ldmspec.inventory.loader import load_fleet
from ldmspec.inventory.render import write_bundles

__all__ = ["DESCRIPTION", "HELP", "collect_script", "configure", "run"]

HELP = "print a POSIX sh script that captures a control domain as a bundle for ldmspec"

DESCRIPTION = f"""\
Print a POSIX sh script. An administrator runs it on each control domain
(the `primary` domain of a machine); it runs only read-only commands and
writes HOST.tar holding the folder HOST/ with their raw output:

  ldm-list-l-p.txt            ldm list -l -p          domains, strands, memory, I/O, devices
  ldm-list-constraints-x.xml  ldm list-constraints -x cpu-arch, whole-core
  ldm-list-services-p.txt     ldm list-services -p    vds volumes, vsw, vcc port ranges
  ldm-list-devices-a-p.txt    ldm list-devices -a -p  cores, strands, physical memory
  ldm-V.txt                   ldm -V                  Logical Domains Manager version
  prtconf-pv.txt              prtconf -pv             stick-frequency
  psrinfo-pv.txt              psrinfo -pv             processor type and clock
  ldm-list-p.txt              ldm list -p             cross-checked against ldm list -l -p
  etc-release.txt             cat /etc/release        the control domain's Solaris release
  ldm-list-o-domain.txt       ldm list -o domain primary   hardware-max-pagesize (3.6+)
  facts.toml                  a skeleton to fill in   what no command shows

The script never asks for, reads or stores a password (no command it runs
needs one; standard input is closed for each), and changes nothing on the
machine. Fill in facts.toml afterwards: each guest's Solaris release
([domains.NAME] os = "11.4"; default: the control domain's release) and the
hardware largest page (largest-page = "2G", the default).

how to use it:
  ldmspec collect > ldmspec-collect.sh
  scp ldmspec-collect.sh root@t4-a:/var/tmp/
  ssh root@t4-a sh /var/tmp/ldmspec-collect.sh /var/tmp   # writes /var/tmp/t4-a.tar
  scp root@t4-a:/var/tmp/t4-a.tar .
  ldmspec inventory t4-a.tar                 # one host, straight from the tar file
  mkdir -p captures && tar -xf t4-a.tar -C captures
  (repeat per host; optionally add captures/plans.toml with [[plans]] tables)
  ldmspec inventory captures                 # the whole fleet

A folder of bundles is used wherever a fleet file is (ldmspec inventory, check,
verify...). captures/plans.toml may give `hosts = [...]` (the host order) and
[[plans]] tables as in a fleet file.

--render FLEET DIR writes synthetic bundles for the hosts of a fleet file
instead (how examples/captures was made); they follow the published output
shapes but are not captures of real machines.

(ldmspec {__version__})
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--render",
        nargs=2,
        metavar=("FLEET", "DIR"),
        help="write synthetic capture bundles for FLEET's hosts into DIR instead",
    )


def run(args: argparse.Namespace) -> int:
    if args.render:
        fleet_path, folder = args.render
        fleet = load_fleet(fleet_path)
        try:
            write_bundles(fleet, folder)
        except OSError as exc:
            raise InputError(
                f"a folder ldmspec can write ({exc.strerror})", source=folder
            ) from None
        print(f"wrote {len(fleet.hosts)} bundles and plans.toml into {folder}")
        return 0
    sys.stdout.write(collect_script())
    return 0


def _run_lines() -> str:
    lines = [f"capture required {name} {command}" for name, command in REQUIRED_FILES.items()]
    for name, command in OPTIONAL_FILES.items():
        if name == "etc-release.txt":
            command = 'cat "$release_file"'
        if name == "ldm-list-o-domain.txt":
            command = "ldm list -o domain primary"
        if name != "facts.toml":
            lines.append(f"capture optional {name} {command}")
    return "\n".join(lines)


def collect_script() -> str:
    """The capture script (POSIX sh)."""
    return _SCRIPT.replace("@VERSION@", __version__).replace("@RUN@", _run_lines())


_SCRIPT = r"""#!/bin/sh
# ldmspec capture script (ldmspec @VERSION@): run on a control domain as a user allowed to
# run `ldm list` (root, or a user with the LDoms Review rights profile):
#
#     sh ldmspec-collect.sh [OUTPUT-DIR]         # writes OUTPUT-DIR/HOST.tar (default /var/tmp)
#
# It runs read-only commands only, never asks for or stores a password (standard input is
# closed for every command), and writes nothing but its temporary folder and the tar file.
# Written for the Bourne shell as well (backquotes, plain `read`): Solaris 10 /bin/sh runs it.
# LDMSPEC_RELEASE_FILE overrides /etc/release (for testing the script elsewhere).
set -u
umask 077
PATH="$PATH:/usr/sbin:/usr/bin:/opt/SUNWldm/bin"
export PATH

out="${1:-/var/tmp}"
release_file="${LDMSPEC_RELEASE_FILE:-/etc/release}"
host=`uname -n 2>/dev/null`
case "$host" in
    ''|.*|*/*|*' '*) echo "ldmspec-collect: cannot use host name '$host'" >&2; exit 2 ;;
esac
if [ ! -d "$out" ]; then
    echo "ldmspec-collect: $out is not a folder" >&2
    exit 2
fi

work="${TMPDIR:-/tmp}/ldmspec-collect.$$"
mkdir "$work" || exit 1
trap 'rm -rf "$work"' 0
trap 'exit 130' 1 2 15
bundle="$work/$host"
mkdir "$bundle" || exit 1
failed=0

capture() {
    need=$1 file=$2
    shift 2
    if "$@" </dev/null >"$bundle/$file" 2>"$work/stderr"; then
        return 0
    fi
    rm -f "$bundle/$file"
    reason=`sed -n 1p "$work/stderr" 2>/dev/null`
    if [ "$need" = required ]; then
        echo "ldmspec-collect: '$*' failed: $reason" >&2
        failed=1
    else
        echo "ldmspec-collect: (optional) '$*' failed: $reason" >&2
    fi
}

@RUN@

if [ "$failed" -ne 0 ]; then
    echo "ldmspec-collect: required output missing; no tar file written" >&2
    exit 1
fi

# facts.toml: what no command shows. Fill it in before giving the bundle to ldmspec.
{
    echo "# Facts no command shows (see 'ldmspec collect --help')."
    echo "# largest-page = \"2G\"   # hardware largest page (ldm list -o domain)"
    echo "# os = \"11.4\"           # only when etc-release.txt is missing"
    sed -n 's/^DOMAIN|name=\([^|]*\)|.*/\1/p' "$bundle/ldm-list-l-p.txt" |
    while read domain; do
        [ "$domain" = primary ] && continue
        echo ""
        echo "# [domains.$domain]"
        echo "# os = \"11.4\"           # the guest's Solaris release, e.g. \"10 1/13\" or \"11.4\""
    done
} >"$bundle/facts.toml"

(cd "$work" && tar -cf "$host.tar" "$host") || exit 1
mv "$work/$host.tar" "$out/$host.tar" || exit 1
echo "wrote $out/$host.tar"
echo "next: tar -xf $host.tar -C captures, then fill in captures/$host/facts.toml"
"""
