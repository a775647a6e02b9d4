"""The CLI shell: exit codes and one-line errors for bad usage."""

from __future__ import annotations

import pytest

from evisynth.cli import main


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["meta"], "Missing argument"),
        (["meta", "x.csv", "--bogus"], "No such option: --bogus"),
        (["no-such-command"], "No such command"),
        (["meta", "x.csv", "--level", "abc"], "--level"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args, fragment, capsys) -> None:
    assert main(args) == 2
    _, err = capsys.readouterr()
    assert err.startswith("evisynth: usage error:") and err.count("\n") == 1, err
    assert fragment in err and "Traceback" not in err


def test_help_exits_0(capsys) -> None:
    assert main(["--help"]) == 0
    assert "meta" in capsys.readouterr().out


def test_bare_command_prints_help_and_exits_0(capsys) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "Usage: evisynth" in out and "meta" in out


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_short_and_long_help(flag, capsys) -> None:
    assert main([flag]) == 0
    assert "Commands" in capsys.readouterr().out
    assert main(["meta", flag]) == 0
    assert "Usage: evisynth meta" in capsys.readouterr().out


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag, capsys) -> None:
    from importlib.metadata import version

    assert main([flag]) == 0
    assert capsys.readouterr().out == f"evisynth {version('evisynth')}\n"
