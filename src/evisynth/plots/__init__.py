"""Figures: each function takes result objects and returns a matplotlib Figure.

No function here fits a model or writes a file; serialise a figure with
:func:`to_svg` (deterministic SVG string) or :func:`to_png` (bytes).
"""

from evisynth.plots._io import to_png, to_svg
from evisynth.plots.bayes import bayes_posterior, forest_bayes
from evisynth.plots.forest import forest, forest_subgroups
from evisynth.plots.funnel import funnel
from evisynth.plots.prisma import PrismaCounts, prisma, prisma_counts

__all__ = [
    "PrismaCounts",
    "bayes_posterior",
    "forest",
    "forest_bayes",
    "forest_subgroups",
    "funnel",
    "prisma",
    "prisma_counts",
    "to_png",
    "to_svg",
]
