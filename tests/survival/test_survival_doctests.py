"""The examples in the survival docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "evisynth.survival.km",
    "evisynth.survival.cox",
    "evisynth.survival.logrank",
    "evisynth.survival.compare",
    "evisynth.survival.reconstruct",
    "evisynth.survival.reconstruct.clean",
    "evisynth.survival.reconstruct.guyot",
    "evisynth.survival.reconstruct.exact",
    "evisynth.survival.reconstruct.plan",
    "evisynth.survival.parametric",
    "evisynth.survival.parametric.families",
    "evisynth.survival.parametric.fit",
    "evisynth.survival.parametric.models",
    "evisynth.survival.pool",
    "evisynth.survival.simulate",
    "evisynth.plots.survival",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.failed == 0
