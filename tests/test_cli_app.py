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
