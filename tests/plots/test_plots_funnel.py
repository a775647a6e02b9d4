"""Funnel plots: points, contours, trim-and-fill, layout, grayscale, determinism."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D

import evisynth as ev
from evisynth.errors import InputError
from evisynth.plots import to_svg
from evisynth.plots.funnel import funnel
from tests.plots._checks import non_grey_colours, outside_figure, overlapping_texts, text_boxes

BCG = Path(ev.__file__).parent / "data" / "examples" / "bcg.csv"


@pytest.fixture(scope="module")
def bcg() -> ev.RMAResult:
    d = pd.read_csv(BCG)
    return ev.rma(ev.escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg))


def _points(fig: object, gid: str) -> np.ndarray:
    (pc,) = [c for c in fig.findobj(PathCollection) if c.get_gid() == gid]  # type: ignore[attr-defined]
    return np.asarray(pc.get_offsets())


def _clean(fig: object) -> None:
    assert outside_figure(fig) == []  # type: ignore[arg-type]
    assert overlapping_texts(fig) == []  # type: ignore[arg-type]
    assert non_grey_colours(fig) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fit",
    [
        ev.rma(yi=[0.2], vi=[0.04], method="FE"),
        ev.rma(yi=[0.2, -0.1], vi=[0.04, 0.09]),
        ev.rma(yi=[1.5, -0.4, 0.8, 2.2], vi=[0.3, 0.5, 0.2, 0.9]),
    ],
)
def test_small_funnels(fit: ev.RMAResult) -> None:
    fig = funnel(fit, title="Funnel")
    _clean(fig)
    assert fig.axes[0].get_xscale() == "linear"


def test_points_are_effect_against_standard_error_on_the_ratio_scale(bcg: ev.RMAResult) -> None:
    fig = funnel(bcg)
    pts = _points(fig, "observed-points")
    assert np.allclose(pts[:, 0], np.exp(bcg.yi), rtol=1e-12)
    assert np.allclose(pts[:, 1], np.sqrt(bcg.vi), rtol=1e-12)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    lo, hi = ax.get_ylim()
    assert lo > hi == 0.0  # standard error 0 at the top
    _clean(fig)


def test_contour_lines_are_centre_plus_minus_z_se(bcg: ev.RMAResult) -> None:
    fig = funnel(bcg)
    se_max = fig.axes[0].get_ylim()[0]
    c = bcg.estimate
    # 95%: z = 1.959964; at se_max the lines end at exp(c ± 1.959964·se_max)
    lines = [ln for ln in fig.findobj(Line2D) if ln.get_gid() == "contour-95"]
    ends = sorted(float(ln.get_xdata()[1]) for ln in lines)
    assert ends == pytest.approx([math.exp(c - 1.959964 * se_max), math.exp(c + 1.959964 * se_max)],
                                 rel=1e-6)
    # three levels, each with its own line style (grayscale: told apart without colour)
    styles = {
        L: {ln.get_linestyle() for ln in fig.findobj(Line2D) if ln.get_gid() == f"contour-{L}"}
        for L in (90, 95, 99)
    }
    assert all(len(v) == 1 for v in styles.values())
    assert len(set.union(*styles.values())) == 3


def test_contour_enhanced_centres_on_the_null(bcg: ev.RMAResult) -> None:
    fig = funnel(bcg, centre="null")
    lines = [ln for ln in fig.findobj(Line2D) if ln.get_gid() == "contour-95"]
    assert all(float(ln.get_xdata()[0]) == pytest.approx(1.0) for ln in lines)
    texts = [s for s, _ in text_boxes(fig)]
    assert "p = 0.05 contour" in texts
    _clean(fig)


def test_trimfill_result_adds_open_points_and_adjusted_line(bcg: ev.RMAResult) -> None:
    tf = ev.trimfill(bcg, side="right")
    assert tf.k0 >= 1
    fig = funnel(bcg, trimfill=tf)
    filled = _points(fig, "filled-points")
    assert np.allclose(filled[:, 0], np.exp(tf.filled_yi))
    assert np.allclose(filled[:, 1], np.sqrt(tf.filled_vi))
    (pc,) = [c for c in fig.findobj(PathCollection) if c.get_gid() == "filled-points"]
    assert tuple(pc.get_facecolors()[0][:3]) == (1.0, 1.0, 1.0)  # open: white fill
    (obs,) = [c for c in fig.findobj(PathCollection) if c.get_gid() == "observed-points"]
    assert tuple(obs.get_facecolors()[0][:3]) == (0.0, 0.0, 0.0)  # filled black
    (adj,) = [ln for ln in fig.findobj(Line2D) if ln.get_gid() == "adjusted-line"]
    assert float(adj.get_xdata()[0]) == pytest.approx(math.exp(tf.estimate))
    assert f"Filled by trim-and-fill ({tf.k0})" in [s for s, _ in text_boxes(fig)]
    _clean(fig)


def test_trimfill_as_arrays() -> None:
    fit = ev.rma(yi=[-0.6, -0.3, -0.9, -0.1, -0.5], vi=[0.04, 0.02, 0.09, 0.01, 0.05])
    fig = funnel(fit, trimfill=([0.2, 0.3], [0.09, 0.05]), contours=())
    assert len(_points(fig, "filled-points")) == 2
    assert not [ln for ln in fig.findobj(Line2D) if ln.get_gid() == "adjusted-line"]
    assert not [ln for ln in fig.findobj(Line2D) if str(ln.get_gid()).startswith("contour")]
    _clean(fig)


def test_without_trimfill_no_open_points(bcg: ev.RMAResult) -> None:
    fig = funnel(bcg)
    assert not [c for c in fig.findobj(PathCollection) if c.get_gid() == "filled-points"]


def test_bad_inputs(bcg: ev.RMAResult) -> None:
    with pytest.raises(InputError, match=r"'contours'.*between 0 and 100"):
        funnel(bcg, contours=(95, 120))
    with pytest.raises(InputError, match=r"'contours'"):
        funnel(bcg, contours="95")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"'trimfill'.*2 filled yi but 1"):
        funnel(bcg, trimfill=([0.1, 0.2], [0.1]))
    with pytest.raises(InputError, match=r"'trimfill'"):
        funnel(bcg, trimfill="yes")
    with pytest.raises(InputError, match=r"'centre'"):
        funnel(bcg, centre="zero")
    prop = ev.rma(ev.escalc("PLO", xi=[5, 12, 9], ni=[100, 150, 120]))
    with pytest.raises(InputError, match=r"'centre'.*no null"):
        funnel(prop, centre="null")


def test_svg_deterministic(bcg: ev.RMAResult) -> None:
    tf = ev.trimfill(bcg, side="right")
    assert to_svg(funnel(bcg, trimfill=tf)) == to_svg(funnel(bcg, trimfill=tf))
    assert to_svg(funnel(bcg)) != to_svg(funnel(bcg, trimfill=tf))


def test_funnel_refuses_fewer_than_min_k_studies() -> None:
    from evisynth.plots import FUNNEL_MIN_K, funnel_refusal

    assert FUNNEL_MIN_K == 10  # Sterne et al. 2011; Cochrane Handbook 13.3.5.4
    fit = ev.rma(yi=[0.2, -0.1, 0.4], vi=[0.04, 0.09, 0.05])
    with pytest.raises(InputError, match=r"'fit': No funnel plot: with 3 studies \(fewer than "
                                         r"10\), asymmetry cannot be told from chance\."):
        funnel(fit, min_k=FUNNEL_MIN_K)
    assert funnel_refusal(fit.k) is not None and funnel_refusal(fit.k, min_k=3) is None
    assert funnel_refusal(1) == ("No funnel plot: with 1 study (fewer than 10), asymmetry "
                                 "cannot be told from chance.")
    with pytest.raises(InputError, match="'min_k'"):
        funnel_refusal(3, min_k=0)
    funnel(fit, min_k=3)  # k = min_k is drawn
    funnel(fit)  # no minimum unless asked


def test_funnel_at_ten_studies_is_drawn(bcg: ev.RMAResult) -> None:
    from evisynth.plots import FUNNEL_MIN_K, get_alt

    fig = funnel(bcg, min_k=FUNNEL_MIN_K)  # k = 13
    alt = get_alt(fig) or ""
    assert alt.startswith("Funnel plot. 13 studies:") and "Contours at 99%, 95%, 90%" in alt
    svg = to_svg(fig)
    assert "<text" in svg and "<desc>Funnel plot." in svg
