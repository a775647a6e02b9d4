"""Shared test fixtures: frozen oracle values from tests/reference/."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REFERENCE_DIR = Path(__file__).parent / "reference"


def load_reference(name: str) -> Any:
    """Parse ``tests/reference/<name>.json`` (written by the R script next to it)."""
    with open(REFERENCE_DIR / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="session")
def reference() -> Callable[[str], Any]:
    """``reference("rma")`` returns the parsed oracle JSON of that name."""
    return load_reference


# Property tests draw new examples on every run; in CI they are derandomised so a
# red build always reproduces (the failing example is printed either way).
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
