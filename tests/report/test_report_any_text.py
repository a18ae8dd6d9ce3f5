"""Any text a run or an inventory can hold survives every writer: escaped, valid, round trip."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from report_samples import HEADER, check_html, fixed_clock

from ldmspec.report import Counterexample, Message, ModelStep, ReportStep, validate, write_report
from ldmspec.testing.sizing import examples

# Printable text with the characters that break HTML, Markdown, DOT and shell quoting.
hostile = st.text(
    alphabet=st.sampled_from(list("ab01-_.<>&\"'`|*#[]\\$ é✗")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s)
line = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
hosts = st.lists(
    hostile.filter(lambda s: " " not in s and not s.startswith("#")),
    min_size=1,
    max_size=3,
    unique=True,
)


@st.composite
def counterexamples(draw: st.DrawFn) -> Counterexample:
    names = draw(hosts)
    host = st.sampled_from(names)
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        on = draw(st.one_of(host, st.just("")))
        command = ("ldm " if on else ".tick ") + draw(hostile)
        messages = tuple(
            Message(draw(host), draw(host), draw(hostile), draw(line), draw(st.booleans()))
            for _ in range(draw(st.integers(0, 2)))
        )
        domain = draw(hostile).replace(" ", "_")
        listing = {h: f"{HEADER}\n{domain:<16} active   -n----\n" for h in names[:2]}
        steps.append(
            ReportStep(
                host=on,
                command=command,
                output=draw(line),
                messages=messages,
                listing=listing,
                observation={names[0]: {"domain": domain, "n": draw(st.integers())}},
                note=draw(line),
            )
        )
    model = draw(
        st.one_of(
            st.none(),
            st.lists(st.builds(ModelStep, hostile, st.dictionaries(hostile, line)), min_size=1),
        )
    )
    return Counterexample(
        property_id=draw(hostile),
        words=draw(line),
        kind=draw(st.sampled_from(["safety", "liveness", "agreement"])),
        steps=tuple(steps),
        violation=draw(line),
        fleet_path=draw(hostile),
        fleet_text=draw(st.one_of(st.none(), line)),
        variant=draw(st.one_of(st.none(), hostile)),
        seed=draw(st.one_of(st.none(), st.integers(0, 2**32))),
        pytest_node=draw(st.one_of(st.none(), hostile)),
        versions={"ldmspec": "0.1.0"},
        model_path=None if model is None else tuple(model),
    )


@examples(40)
@given(counterexamples())
def test_every_writer_accepts_any_text(cx: Counterexample) -> None:
    assert Counterexample.from_json(cx.to_json()) == cx
    with tempfile.TemporaryDirectory() as directory:
        folder = write_report(cx, directory, clock=fixed_clock)
        validate(json.loads((folder / "counterexample.json").read_text()))
        for page in (folder / "report.html", Path(directory) / "index.html"):
            parsed = check_html(page.read_text())
            assert "script" not in parsed.tags
            assert parsed.tags.count("svg") == (1 if page.name == "report.html" else 0)
        # DOT: once its quoted strings are taken out, no quote is left and braces balance.
        bare = re.sub(r'"(?:[^"\\\n]|\\.)*"', "", (folder / "path.dot").read_text())
        assert '"' not in bare and bare.count("{") == bare.count("}")
        replay = (folder / "replay.ldm").read_text().splitlines()
        steps = [line for line in replay if not line.startswith("#")]
        assert steps == [s.transcript_line for s in cx.steps]
        assert re.fullmatch(r"\d{8}T\d{6}Z-[A-Za-z0-9._-]+-[0-9a-f]{8}", folder.name)


secrets = st.text(alphabet="xyzQ§7", min_size=6, max_size=10)


@examples(30)
@given(secret=secrets, typed=secrets, leak=st.sampled_from(["output", "note", "listing"]))
def test_no_password_reaches_any_file(secret: str, typed: str, leak: str) -> None:
    leaked = f"oops {secret} and {typed}"
    step = ReportStep(
        host="t4-a",
        command="ldm migrate ldom01 root@t4-b",
        password=typed,
        output=leaked if leak == "output" else "",
        note=leaked if leak == "note" else "",
        listing={"t4-a": f"{HEADER}\n{leaked}\n"} if leak == "listing" else {},
        observation={"t4-a": {"said": leaked}},
    )
    cx = Counterexample(
        property_id="INV-CLEANUP",
        words="w",
        kind="safety",
        steps=(ReportStep(host="", command=f".password t4-b {secret}"), step),
        violation=leaked,
        password_files={"password-1": f"{typed}\n"},
    )
    with tempfile.TemporaryDirectory() as directory:
        folder = write_report(cx, directory, clock=fixed_clock)
        for path in [*folder.iterdir(), Path(directory) / "index.html"]:
            text = path.read_text()
            assert secret not in text and typed not in text, path.name
        replay = (folder / "replay.ldm").read_text().splitlines()
        expected = "REDACTED-1" if typed == secret else "REDACTED-2"
        assert replay[replay.index("t4-a# ldm migrate ldom01 root@t4-b") + 1] == expected
        assert (folder / "password-1").read_text() == expected + "\n"
