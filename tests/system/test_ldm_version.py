"""Changing a host's Logical Domains Manager version: the pre-checks see the new release."""

from __future__ import annotations

from ldmspec.cli import main


def test_a_downgraded_target_fails_sw3_and_a_bad_version_is_refused(capsys, monkeypatch):
    import io

    transcript = (
        ".ldm-version t4-b 3.4\n"
        ".password t4-b pw\n"
        "t4-a# ldm migrate-domain -n ldom01 root@t4-b\n"
        "pw\n"
        ".ldm-version t4-b three\n"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(transcript))
    assert main(["shell", "examples/fleet.toml"]) == 2
    captured = capsys.readouterr()
    assert "SW-3: Logical Domains Manager versions are not compatible (t4-a 3.6, t4-b 3.4)" in (
        captured.out
    )
    assert "Domain Migration of LDom ldom01 would fail if attempted" in captured.out
    assert captured.err == (
        '<stdin>:5: expected .ldm-version HOST VERSION, got ".ldm-version t4-b three"\n'
    )
