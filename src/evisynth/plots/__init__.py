"""Figures: each function takes result objects and returns a matplotlib Figure.

No function here fits a model or writes a file; serialise a figure with
:func:`to_svg` (deterministic SVG string) or :func:`to_png` (bytes).
"""

from evisynth.plots._io import to_png, to_svg
from evisynth.plots.forest import forest, forest_subgroups
from evisynth.plots.funnel import funnel

__all__ = ["forest", "forest_subgroups", "funnel", "to_png", "to_svg"]
