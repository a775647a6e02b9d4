"""Load a review folder into a :class:`~evisynth.review.Review`, reporting every problem.

The loader reads ``review.toml`` and the CSV tables, parses every cell
(:mod:`~evisynth.review.load.read`), then checks the links between them
(:mod:`~evisynth.review.load.check`: outcome rows naming unknown studies, CIs
that do not contain the estimate, events above the group size, duplicate keys,
unknown measures or designs...) and builds the review
(:mod:`~evisynth.review.load.assemble`). It never stops at the first problem:
all problems are collected and raised together as one
:class:`~evisynth.review.ReviewError`. Input files are only read, never modified.
"""

from evisynth.review.load.assemble import bundled_path, load_bundled, load_review
from evisynth.review.load.read import CSV_FILES, FORMAT_VERSIONS, TOML_FILE, V1_COLUMNS

__all__ = ["CSV_FILES", "FORMAT_VERSIONS", "TOML_FILE", "V1_COLUMNS", "bundled_path",
           "load_bundled", "load_review"]
