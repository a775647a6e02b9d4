"""The README's code runs, and CI runs the README's test command verbatim."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced_after(marker: str) -> str:
    m = re.search(re.escape(marker) + r"\s*```[a-z]*\n(.*?)```", README, re.S)
    assert m, f"no code block after {marker}"
    return m.group(1).strip()


def test_quick_start_has_exactly_two_one_line_commands() -> None:
    main_cmd = fenced_after("<!-- main-command -->")
    test_cmd = fenced_after("<!-- test-command -->")
    assert "\n" not in main_cmd and "\n" not in test_cmd
    assert main_cmd.startswith("python3 -m venv") and test_cmd.startswith("python3 -m venv")
    assert "pytest" in test_cmd


def test_ci_extracts_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    awk = re.search(r"cmd=\$\(awk '(.*?)' README.md\)", script)
    assert awk, "CI no longer extracts the command from README.md"
    out = subprocess.run(["awk", awk.group(1), str(ROOT / "README.md")],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == fenced_after("<!-- test-command -->")


@pytest.mark.parametrize(
    "block", re.findall(r"```python\n(.*?)```", README, re.S), ids=lambda b: b.split("\n")[0]
)
def test_python_examples_run(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    exec(compile(block, "README.md", "exec"), {})
