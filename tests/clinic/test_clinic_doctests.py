"""The runnable examples in the clinic docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "crs",
    "icans",
    "dosing.products",
    "dosing.body_surface",
    "dosing.regimens",
    "dosing.tocilizumab",
    "eligibility",
    "schedule",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"evisynth.clinic.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"no examples in evisynth.clinic.{name}"
    assert result.failed == 0
