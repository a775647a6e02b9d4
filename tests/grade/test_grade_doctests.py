"""The runnable examples in the grade and plots docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "evisynth.grade.absolute",
    "evisynth.grade.certainty",
    "evisynth.grade.domains",
    "evisynth.grade.ois",
    "evisynth.grade.sof",
    "evisynth.plots._io",
    "evisynth.plots.forest",
    "evisynth.plots.funnel",
    "evisynth.plots.prisma",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"no examples in {name}"
    assert result.failed == 0
