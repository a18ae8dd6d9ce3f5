"""Sample counterexamples for the report tests: a plain one and one with hostile names."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from ldmspec.report import Counterexample, Message, ModelStep, ReportStep

HEADER = "NAME             STATE    FLAGS   CONS    VCPU  MEMORY   UTIL  NORM  UPTIME"
PRIMARY = "primary          active   -n-cv-  UART    16    32G      0.5%  0.5%  3d 21h 7m"


def listing(*rows: str) -> str:
    return "\n".join([HEADER, PRIMARY, *rows]) + "\n"


SOURCE_BEFORE = listing("ldom01           active   -n----  5000    8     16G       23%   23%  2m")
SOURCE_DURING = listing("ldom01           active   -n---s  5000    8     16G       23%   23%  2m")
TARGET_BEFORE = listing()
TARGET_DURING = listing("ldom01           bound    -----t  5000    8     16G")

FIXED_TIME = datetime(2026, 11, 27, 6, 53, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_TIME


def make_counterexample(
    domain: str = "ldom01", source: str = "t4-a", target: str = "t4-b", secret: str = "hunter22"
) -> Counterexample:
    during_s = SOURCE_DURING.replace("ldom01", domain)
    during_t = TARGET_DURING.replace("ldom01", domain)
    return Counterexample(
        property_id="INV-CLEANUP",
        words="after cancel or failure: no remnant on T",
        kind="safety",
        steps=(
            ReportStep(host="", command=f".password {target} {secret}"),
            ReportStep(
                host=source,
                command=f"ldm migrate-domain -p password-1 {domain} root@{target}",
                messages=(
                    Message(source, target, "precheck", f"domain {domain}"),
                    Message(target, source, "precheck-ok"),
                ),
                listing={source: during_s, target: during_t},
                observation={source: {"flags": "-n---s", "free": frozenset({3, 1})}},
                note="the migration starts",
            ),
            ReportStep(
                host="",
                command=f".drop {source} {target}",
                messages=(Message(source, target, "precopy-round", "round 1", delivered=False),),
            ),
            ReportStep(
                host=source,
                command=f"ldm cancel-operation migration {domain}",
                output=f"Migration of {domain} cancelled",
                listing={source: SOURCE_BEFORE.replace("ldom01", domain), target: during_t},
            ),
        ),
        violation=f"{domain} is still bound on {target} after the cancel",
        fleet_path="examples/fleet.toml",
        fleet_text=f"[hosts.{source}]\n",
        variant="leak-target",
        seed=7,
        pytest_node="properties/test_migration_machine.py::TestMigration::runTest",
        reproduce="--hypothesis-seed=3",
        versions={"ldmspec": "0.1.0", "python": "3.11"},
        model_path=(
            ModelStep("init", {"phase": 0, "target": None}),
            ModelStep("start", {"phase": 2, "target": "bound"}),
            ModelStep("cancel", {"phase": 0, "target": "bound"}),
        ),
        password_files={"password-1": f"{secret}\n"},
        initial_listing={source: SOURCE_BEFORE.replace("ldom01", domain), target: TARGET_BEFORE},
    )


HOSTILE_DOMAIN = '<script>alert("x")</script>&\'dom'
HOSTILE_HOST = '<b>h"&</b>'


VOID_ELEMENTS = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "col", "source"})


class _TagBalance(HTMLParser):
    """Collects every tag and every nesting error of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            self.errors.append(f"line {self.getpos()[0]}: end tag for void element {tag}")
        elif not self.stack or self.stack[-1][0] != tag:
            open_tag = self.stack[-1] if self.stack else ("nothing", (0, 0))
            self.errors.append(
                f"line {self.getpos()[0]}: </{tag}> closes {open_tag[0]} "
                f"opened on line {open_tag[1][0]}"
            )
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(document: str) -> _TagBalance:
    """Parse ``document``; raise AssertionError listing unbalanced tags."""
    parser = _TagBalance()
    parser.feed(document)
    parser.close()
    errors = parser.errors + [
        f"<{tag}> opened on line {pos[0]} never closed" for tag, pos in parser.stack
    ]
    assert not errors, "\n".join(errors)
    return parser
