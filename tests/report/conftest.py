"""One run of the bundled review shared by the report tests (it takes a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evisynth.cli import main


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert main(["run", "-o", str(out), "--quiet"]) == 0
    return out
