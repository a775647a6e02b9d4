"""Figures: each function takes result objects and returns a matplotlib Figure.

No function here fits a model or writes a file; serialise a figure with
:func:`to_svg` (deterministic SVG string, text kept as text, ids prefixed per
figure, the figure's alternative text as ``<title>``/``<desc>``) or
:func:`to_png` (bytes).
"""

from evisynth.plots._io import get_alt, set_alt, to_png, to_svg
from evisynth.plots.bayes import bayes_posterior, forest_bayes
from evisynth.plots.forest import forest, forest_subgroups
from evisynth.plots.funnel import FUNNEL_MIN_K, funnel, funnel_refusal
from evisynth.plots.prisma import PrismaCounts, prisma, prisma_counts
from evisynth.plots.rob import ROB2_DOMAINS, rob_traffic_light

__all__ = [
    "FUNNEL_MIN_K",
    "ROB2_DOMAINS",
    "PrismaCounts",
    "bayes_posterior",
    "forest",
    "forest_bayes",
    "forest_subgroups",
    "funnel",
    "funnel_refusal",
    "get_alt",
    "prisma",
    "prisma_counts",
    "rob_traffic_light",
    "set_alt",
    "to_png",
    "to_svg",
]
