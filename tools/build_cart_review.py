#!/usr/bin/env python3
"""Build the bundled review ``cart_dlbcl`` from the shared extraction table.

Reads ``cart_dlbcl_studies.csv`` (one row per study x outcome x analysis x arm,
each with citation, DOI/PMID, location and confidence) and writes the review
folder ``src/evisynth/data/reviews/cart_dlbcl/`` in evisynth's review format.
Every number in the output is copied from a source row, or computed from source
rows by the arithmetic written next to it (counts from a percentage and a known
denominator, marked ``derived``); the output names the source rows it used
(spreadsheet numbering: header = row 1). Nothing is typed in by hand except the
review's decisions (which row is primary, which is a sensitivity input, which
design stratum a study belongs to, risk-of-bias judgements, thresholds), and
those are stated in the modules of ``tools/review_build/cart/`` (one per concept: the
study list, the outcome rows, risk of bias, exclusions, the review's text) and in the
review's ``review.toml``.

The build is deterministic: the same input gives byte-identical files.

Usage::

    python tools/build_cart_review.py [--source CSV] [--toxicity CSV] [--out DIR]

Defaults: the extraction shipped inside the review folder (``sources/``:
``cart_dlbcl_studies.csv``, ``cart_toxicity_cohorts.csv`` and their notes) and
the bundled review folder itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # the build's package sits here
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from review_build.cart.build import BUILT_FILES, V2_NAMES, build
from review_build.cart.sources import (
    DEFAULT_OUT,
    DEFAULT_SOURCE,
    DEFAULT_TOXICITY,
    NARRATIVE,
    SOURCE_NAME,
    TOX_NAME,
    count_from_percent,
)
from review_build.common import BuildError, build_and_write

__all__ = [
    "BUILT_FILES", "DEFAULT_OUT", "DEFAULT_SOURCE", "DEFAULT_TOXICITY", "NARRATIVE",
    "SOURCE_NAME", "TOX_NAME", "V2_NAMES", "BuildError", "build", "count_from_percent", "main",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--toxicity", type=Path, default=None,
                        help="toxicity cohorts table (default: next to --source)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    return build_and_write("build_cart_review", lambda: build(args.source, args.toxicity),
                           args.out)


if __name__ == "__main__":
    raise SystemExit(main())
