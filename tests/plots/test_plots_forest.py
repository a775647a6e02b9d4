"""Forest plots: content, layout (no text outside or overlapping), grayscale, determinism."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

import evisynth as ev
from evisynth.errors import InputError
from evisynth.plots import forest, forest_subgroups, to_svg
from tests.plots._checks import non_grey_colours, outside_figure, overlapping_texts, text_boxes

BCG = Path(ev.__file__).parent / "data" / "examples" / "bcg.csv"


@pytest.fixture(scope="module")
def bcg() -> tuple[pd.DataFrame, ev.RMAResult]:
    d = pd.read_csv(BCG)
    es = ev.escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    return d, ev.rma(es, labels=d.author + " " + d.year.astype(str))


def _fits() -> dict[str, ev.RMAResult]:
    hr = ev.escalc("HR", hr=[0.40, 0.41, 1.10], ci_lb=[0.31, 0.29, 0.77], ci_ub=[0.51, 0.58, 1.57])
    return {
        "k1_fe": ev.rma(yi=[np.log(0.5)], vi=[0.01], method="FE", labels=["Only"]),
        "k2_knha": ev.rma(yi=[0.3, -0.1], vi=[0.2, 0.3], test="knha"),
        "k3_hr": ev.rma(hr, test="knha", labels=["ZUMA-7", "TRANSFORM", "BELINDA"]),
        "md": ev.rma(yi=[1.5, -0.4, 0.8, 2.2], vi=[0.3, 0.5, 0.2, 0.9]),
    }


def _all_texts(fig: Figure) -> list[str]:
    return [s for s, _ in text_boxes(fig)]


@pytest.mark.parametrize("name", ["k1_fe", "k2_knha", "k3_hr", "md"])
def test_small_forests_lay_out_cleanly(name: str) -> None:
    fig = forest(_fits()[name], title="A title that is fairly long for a small plot")
    assert isinstance(fig, Figure)
    assert outside_figure(fig) == []
    assert overlapping_texts(fig) == []
    assert non_grey_colours(fig) == []


def test_bcg_forest_13_studies_with_notes(bcg: tuple[pd.DataFrame, ev.RMAResult]) -> None:
    _, fit = bcg
    notes = ["verified-in-source"] * 12 + ["from-secondary-source"]
    fig = forest(fit, title="BCG vaccine", study_notes=notes, notes_title="Verification")
    assert outside_figure(fig) == []
    assert overlapping_texts(fig) == []
    assert non_grey_colours(fig) == []
    texts = _all_texts(fig)
    for label in fit.labels or ():
        assert label in texts
    assert "from-secondary-source" in texts and "Verification" in texts
    # metafor (REML, BCG): exp(-0.7145) = 0.49, CI exp(-1.0708, -0.3582) = 0.34, 0.70
    assert "0.49 [0.34, 0.70]" in texts
    assert any(t.startswith("Heterogeneity: τ² = 0.3132 (REML); I² = 92.2%") for t in texts)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert "Risk ratio (log scale)" == ax.get_xlabel()


def test_study_ci_text_is_the_wald_interval_on_the_ratio_scale() -> None:
    # yi = log 0.5, se = 0.1: CI = 0.5·exp(±1.959964·0.1) = 0.5·1.21653^±1 = [0.4110, 0.6083]
    fit = ev.rma(yi=[np.log(0.5), np.log(0.8)], vi=[0.01, 0.04])
    texts = _all_texts(forest(fit, transf="exp"))
    assert "0.50 [0.41, 0.61]" in texts
    # yi = log 0.8, se = 0.2: 0.8·exp(±0.391993) = 0.8·1.47990^±1 = [0.5406, 1.1839]
    assert "0.80 [0.54, 1.18]" in texts


def test_square_area_proportional_to_weight(bcg: tuple[pd.DataFrame, ev.RMAResult]) -> None:
    _, fit = bcg
    fig = forest(fit)
    (squares,) = [c for c in fig.findobj(PathCollection) if c.get_gid() == "study-squares"]
    sizes = np.asarray(squares.get_sizes())  # points² = area of each square
    ratio = sizes / np.asarray(fit.weights)
    # BCG weights span 3.8%-10.2%, so no square is at the minimum size: exact proportionality
    assert np.allclose(ratio, ratio[0], rtol=1e-12)


def test_shapes_distinguish_studies_pooled_and_prediction_interval() -> None:
    fit = _fits()["k3_hr"]
    fig = forest(fit)
    (squares,) = [c for c in fig.findobj(PathCollection) if c.get_gid() == "study-squares"]
    diamonds = [p for p in fig.findobj(Polygon) if p.get_gid() == "pooled-diamond"]
    assert len(diamonds) == 1 and len(diamonds[0].get_xy()) >= 4
    pi = [ln for ln in fig.findobj(Line2D) if ln.get_gid() == "prediction-interval"]
    assert len(pi) == 1
    caps = [ln for ln in fig.findobj(Line2D) if ln.get_marker() == "|"]
    assert len(caps) == 2  # the prediction interval's end caps; study CIs have none
    assert len(squares.get_offsets()) == 3


def test_prediction_interval_hidden_when_asked_or_fixed_effect() -> None:
    fits = _fits()
    for fig in (forest(fits["k3_hr"], show_pi=False), forest(fits["k1_fe"])):
        assert not [ln for ln in fig.findobj(Line2D) if ln.get_gid() == "prediction-interval"]
        assert not any("prediction interval" in t for t in _all_texts(fig))


def test_log_axis_contains_null_and_every_unclipped_interval() -> None:
    fit = _fits()["k3_hr"]
    ax = forest(fit).axes[0]
    lo, hi = ax.get_xlim()
    assert lo <= 0.29 and hi >= 1.57 and lo < 1 < hi
    assert 1.0 in list(ax.get_xticks())


def test_very_wide_intervals_are_cut_with_arrows() -> None:
    # one study with a CI of exp(±1.96·3): far beyond the rest; drawn to the limit with arrows
    fit = ev.rma(yi=[-0.5, -0.3, -0.6, 0.0], vi=[0.02, 0.03, 0.02, 9.0])
    fig = forest(fit, transf="exp")
    arrows = [ln for ln in fig.findobj(Line2D) if ln.get_gid() == "study-ci-arrow"]
    assert {ln.get_marker() for ln in arrows} == {"<", ">"}
    lo, hi = fig.axes[0].get_xlim()
    assert lo > math.exp(-1.96 * 3) and hi < math.exp(1.96 * 3)


def test_non_log_measure_uses_linear_axis_with_null_at_zero() -> None:
    fig = forest(_fits()["md"])
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear"
    null = [ln for ln in fig.findobj(Line2D) if ln.get_gid() == "null-line"]
    assert null and all(list(ln.get_xdata()) == [0.0, 0.0] for ln in null)


def test_labels_override_and_long_labels_do_not_overlap() -> None:
    fit = _fits()["k3_hr"]
    labels = ["A very long trial label, 2022 (primary analysis, blinded review)", "B", "C"]
    fig = forest(fit, labels=labels, study_notes=["x", "a long note here", ""])
    assert labels[0] in _all_texts(fig)
    assert overlapping_texts(fig) == [] and outside_figure(fig) == []


def test_twenty_studies_no_overlap() -> None:
    rng = np.random.default_rng(1)
    yi = rng.normal(-0.3, 0.4, 20)
    vi = rng.uniform(0.01, 0.5, 20)
    fit = ev.rma(yi=yi, vi=vi, labels=[f"Trial number {i + 1} (2001)" for i in range(20)])
    fig = forest(fit, transf="exp")
    assert overlapping_texts(fig) == [] and outside_figure(fig) == []


def test_bad_inputs_name_the_argument() -> None:
    fit = _fits()["k3_hr"]
    with pytest.raises(InputError, match=r"'labels'.*2 entries.*3 studies"):
        forest(fit, labels=["a", "b"])
    with pytest.raises(InputError, match="'study_notes'"):
        forest(fit, study_notes="verified")
    with pytest.raises(InputError, match=r"'transf'.*'log'"):
        forest(fit, transf="log")
    with pytest.raises(InputError, match=r"'fit'.*RMAResult.*dict"):
        forest(fit.to_dict())  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'annotate'"):
        forest(fit, annotate=1)  # type: ignore[arg-type]


def test_subgroup_forest(bcg: tuple[pd.DataFrame, ev.RMAResult]) -> None:
    d, overall = bcg
    es = ev.escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    groups = {}
    for a in ("random", "alternate", "systematic"):
        m = (d.alloc == a).to_numpy()
        groups[a] = ev.rma(
            ev.escalc("RR", ai=d.tpos[m], bi=d.tneg[m], ci=d.cpos[m], di=d.cneg[m]),
            labels=list(d.author[m]),
        )
    assert es.measure == "RR"
    line = "Test for subgroup differences: Q = 1.23, df = 2, p = 0.540"
    fig = forest_subgroups(groups, overall=overall, between=line, title="By allocation")
    texts = _all_texts(fig)
    assert line in texts
    assert {"random", "alternate", "systematic"} <= set(texts)
    assert sum(t.startswith("Subtotal (k = ") for t in texts) == 3
    open_d = [p for p in fig.findobj(Polygon) if p.get_gid() == "subtotal-diamond"]
    filled = [p for p in fig.findobj(Polygon) if p.get_gid() == "pooled-diamond"]
    assert len(open_d) == 3 and len(filled) == 1
    # grayscale: subtotals are open (white), the overall is filled (grey): told apart by fill
    assert all(tuple(p.get_facecolor()[:3]) == (1.0, 1.0, 1.0) for p in open_d)
    assert tuple(filled[0].get_facecolor()[:3]) != (1.0, 1.0, 1.0)
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []
    assert non_grey_colours(fig) == []


def test_subgroup_forest_bad_inputs() -> None:
    fits = _fits()
    with pytest.raises(InputError, match=r"'result'.*non-empty mapping"):
        forest_subgroups({})
    with pytest.raises(InputError, match="mix measures"):
        forest_subgroups({"a": fits["k3_hr"], "b": fits["md"]})
    with pytest.raises(InputError, match="'study_notes'"):
        forest_subgroups({"a": fits["k3_hr"]}, study_notes={"b": ["x"]})


def test_svg_is_deterministic(bcg: tuple[pd.DataFrame, ev.RMAResult]) -> None:
    _, fit = bcg
    a = to_svg(forest(fit, title="BCG"))
    b = to_svg(forest(fit, title="BCG"))
    assert a == b
    assert a.startswith("<?xml") and "<dc:date>" not in a
    c = to_svg(forest(fit, title="BCG, other title"))
    assert c != a  # the check above is not vacuous: different input, different SVG


def test_layout_checks_are_not_vacuous() -> None:
    # the helpers used above must flag a text outside the figure, an overlap and a colour
    from evisynth.plots._common import new_figure

    fig = new_figure(2, 1)
    fig.text(0.1, 0.5, "overlapping text")
    fig.text(0.15, 0.5, "overlapping text")
    fig.text(0.9, 0.5, "sticks out on the right", color="red")
    assert overlapping_texts(fig)
    assert outside_figure(fig) == ["sticks out on the right"]
    assert non_grey_colours(fig)


def test_numbers_round_half_away_from_zero_with_true_minus() -> None:
    from evisynth.plots._common import fmt

    # 0.625 is exact in binary; Python's format would give 0.62 (half to even)
    assert fmt(0.625, 2) == "0.63" and fmt(-0.625, 2) == "−0.63"
    assert fmt(-0.001, 2) == "0.00"  # no negative zero
    assert fmt(float("inf")) == "∞" and fmt(float("nan")) == "NA"


def test_subgroup_forest_from_subgroup_result(bcg: tuple[pd.DataFrame, ev.RMAResult]) -> None:
    d, overall = bcg
    es = ev.escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    res = ev.subgroup(es, d.alloc, labels=d.author)
    fig = forest_subgroups(res, overall=overall)
    texts = _all_texts(fig)
    # the between-group line is built from the result's own Q, df and p
    from evisynth.plots._common import fmt

    expected = (f"Test for subgroup differences: Q = {fmt(res.Q_between, 2)}, "
                f"df = {res.Q_between_df}, p = {fmt(res.Q_between_pval, 3)}")
    assert expected in texts
    assert [t for t in texts if t in res.groups] == list(res.groups)  # group order kept
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []
    res_f = ev.subgroup(es, d.alloc, labels=d.author, tau2="common", test="knha")
    texts_f = _all_texts(forest_subgroups(res_f))
    assert any(t.startswith(f"Test for subgroup differences: F(2, {res_f.Q_between_ddf}) = ")
               for t in texts_f)
