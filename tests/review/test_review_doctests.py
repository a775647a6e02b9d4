"""The examples in the review modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["evisynth.review", "evisynth.review._cells", "evisynth.review.model",
           "evisynth.review.model.rows", "evisynth.review.model.question",
           "evisynth.review.model.curves", "evisynth.review.errors", "evisynth.review.inputs",
           "evisynth.review.load", "evisynth.review.load.assemble",
           "evisynth.review._review", "evisynth.review.scaffold"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
