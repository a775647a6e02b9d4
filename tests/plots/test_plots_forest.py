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


# ------------------------------------------------------------ favours, counts, numbers, alt


def _null_px(fig: Figure) -> float:
    ax = fig.axes[0]
    fig.canvas.draw()
    return float(ax.transData.transform((1.0, 0.0))[0])


def test_favours_labels_sit_either_side_of_the_null() -> None:
    fit = _fits()["k3_hr"]
    fig = forest(fit, favours=("CAR-T", "standard care"))
    boxes = dict(text_boxes(fig))
    left, right = boxes["← Favours CAR-T"], boxes["Favours standard care →"]
    x_null = _null_px(fig)
    assert left.x1 <= x_null <= right.x0  # left = below the null (HR < 1)
    # under the tick labels and above the axis label
    ticks = [b for s, b in text_boxes(fig) if s in {"0.1", "0.3", "1", "3"}]
    axis_label = boxes["Hazard ratio (log scale)"]
    assert all(left.y1 <= t.y0 for t in ticks) and axis_label.y1 <= left.y0
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []
    assert "Favours" in to_svg(fig)


def test_favours_with_the_null_at_the_edge_widens_the_figure() -> None:
    # every study far below 1: the null is at the right end of the axis
    fit = ev.rma(yi=[-2.0, -2.2, -1.9], vi=[0.01, 0.02, 0.015])
    long = ("a very long intervention name that needs room", "the comparator arm, also long")
    fig = forest(fit, transf="exp", favours=long, annotate=False, show_weights=False)
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []


def test_favours_on_subgroup_forest_and_refused_without_null(
        bcg: tuple[pd.DataFrame, ev.RMAResult]) -> None:
    d, overall = bcg
    res = ev.subgroup(ev.escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg), d.alloc,
                      labels=d.author)
    fig = forest_subgroups(res, overall=overall, favours=("vaccine", "control"))
    texts = _all_texts(fig)
    assert "← Favours vaccine" in texts and "Favours control →" in texts
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []
    prop = ev.rma(ev.escalc("PLO", xi=[3, 10], ni=[50, 60]))
    with pytest.raises(InputError, match=r"'favours'.*no null effect"):
        forest(prop, favours=("a", "b"))
    with pytest.raises(InputError, match=r"'favours'.*two non-empty labels"):
        forest(_fits()["k3_hr"], favours="CAR-T")  # type: ignore[arg-type]


def test_counts_columns_and_pooled_sums() -> None:
    fit = _fits()["k3_hr"]
    counts = [(101, 180, 131, 179), (49, 92, 62, 92), (90, 162, 91, 160)]
    fig = forest(fit, counts=counts, counts_labels=("CAR-T", "Standard care"))
    texts = _all_texts(fig)
    for e1, n1, e2, n2 in counts:
        assert f"{e1}/{n1}" in texts and f"{e2}/{n2}" in texts
    tot = [sum(c[j] for c in counts) for j in range(4)]  # closed form: column sums
    assert f"{tot[0]}/{tot[1]}" in texts and f"{tot[2]}/{tot[3]}" in texts
    assert {"CAR-T", "Standard care"} <= set(texts) and texts.count("Events/N") == 2
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []
    # a study without counts: blank cells and no pooled sums
    texts2 = _all_texts(forest(fit, counts=[counts[0], None, counts[2]]))
    assert "101/180" in texts2 and "49/92" not in texts2 and f"{tot[0]}/{tot[1]}" not in texts2


def test_single_arm_counts_show_one_column() -> None:
    fit = ev.rma(ev.escalc("PLO", xi=[13, 2], ni=[170, 131]), labels=["A", "B"])
    fig = forest(fit, counts=[(13, 170, None, None), (2, 131, None, None)],
                 counts_labels=("Treated", "unused"))
    texts = _all_texts(fig)
    assert "13/170" in texts and "15/301" in texts  # 13 + 2, 170 + 131
    assert "Treated" in texts and "unused" not in texts and texts.count("Events/N") == 1


def test_counts_subgroups() -> None:
    fits = _fits()
    fits["k2_knha"] = ev.rma(ev.escalc("HR", hr=[0.5, 0.7], ci_lb=[0.3, 0.4], ci_ub=[0.9, 1.2]))
    fig = forest_subgroups({"a": fits["k2_knha"], "b": fits["k3_hr"]},
                           counts={"a": [(1, 10, 2, 10), (3, 10, 4, 10)],
                                   "b": [(5, 20, 6, 20), None, (7, 20, 8, 20)]})
    texts = _all_texts(fig)
    assert "4/20" in texts and "6/20" in texts  # subtotal of group a: 1 + 3, 2 + 4
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []
    with pytest.raises(InputError, match=r"'counts'.*same group names"):
        forest_subgroups({"a": fits["k2_knha"]}, counts={"b": []})


def test_bad_counts_name_the_study() -> None:
    fit = _fits()["k3_hr"]
    with pytest.raises(InputError, match=r"'counts'.*2 entries.*3 studies"):
        forest(fit, counts=[None, None])
    with pytest.raises(InputError, match=r"study 2: 12 events in the intervention arm of 10"):
        forest(fit, counts=[None, (12, 10, 1, 10), None])
    with pytest.raises(InputError, match=r"study 1: comparator events is -1"):
        forest(fit, counts=[(1, 10, -1, 10), None, None])
    with pytest.raises(InputError, match=r"study 3: the comparator arm has events 1 and n None"):
        forest(fit, counts=[None, None, (1, 10, 1, None)])
    with pytest.raises(InputError, match=r"study 1: intervention events is 1.5"):
        forest(fit, counts=[(1.5, 10, 1, 10), None, None])  # type: ignore[list-item]


def test_proportions_are_percentages_never_e_notation() -> None:
    # the bundled review's case: two studies, Hartung–Knapp on t(1), interval reaching 0 and 1
    fit = ev.rma(ev.escalc("PLO", xi=[13, 2], ni=[170, 131]), test="knha")
    texts = _all_texts(forest(fit))
    joined = " ".join(texts)
    assert "E−" not in joined and "e−" not in joined
    from evisynth.transforms import ilogit

    est = 100 * float(ilogit(fit.estimate))
    pooled = [t for t in texts if t.startswith(f"{est:.1f}% [")]
    assert pooled and pooled[0].endswith("%]")
    assert "<0.1%" in pooled[0]  # the lower limit rounds to 0.0% but is not 0
    assert {"0%", "20%", "100%"} <= set(texts)  # percent ticks


def test_fmt_helpers_are_plain_and_readable() -> None:
    from evisynth.plots._common import fmt, fmt_num, fmt_pct, tick_label

    assert fmt(2.28e-7, 9) == "0.000000228"  # Decimal's str() would give 2.28E-7
    assert fmt_num(0.494) == "0.49" and fmt_num(-0.494) == "−0.49"
    assert fmt_num(0.00153) == "0.0015" and fmt_num(0.004) == "0.0040"
    assert fmt_num(2.28e-7) == "<0.0001" and fmt_num(-2e-9) == ">−0.0001"
    assert fmt_num(1234.5) == "1,235" and fmt_num(3e8) == ">100,000"
    assert fmt_num(0.0) == "0.00" and fmt_num(float("inf")) == "∞"
    assert fmt_pct(0.0357) == "3.6%" and fmt_pct(2.28e-7) == "<0.1%"
    assert fmt_pct(0.99999) == ">99.9%" and fmt_pct(1.0) == "100%" and fmt_pct(0.0) == "0%"
    assert fmt_pct(0.12345, 2) == "12.35%"  # half away from zero at the second decimal
    assert [tick_label(v) for v in (1e-7, 2e-6, 5e5, 0.0001)] == ["10⁻⁷", "2×10⁻⁶", "5×10⁵",
                                                                    "0.0001"]
    for v in np.geomspace(1e-12, 1e12, 97):
        for s in (fmt_num(float(v)), fmt_pct(float(v) / 1e12), tick_label(float(v))):
            assert "e" not in s.lower(), s


def test_alt_text_describes_the_forest() -> None:
    from evisynth.plots import get_alt

    fit = _fits()["k3_hr"]
    fig = forest(fit, title="EFS", favours=("A", "B"))
    alt = get_alt(fig) or ""
    assert alt.startswith("Forest plot: EFS. 3 studies, Hazard ratio (log scale) on a log scale")
    assert "ZUMA-7 0.40 [0.31, 0.51]" in alt and "Values below 1 favour A, above B." in alt
    assert "Random-effects model (REML, Hartung–Knapp):" in alt
    svg = to_svg(fig)
    assert "<title>Forest plot: EFS.</title>" in svg and 'role="img"' in svg
    assert 'aria-label="Forest plot: EFS.' in svg
    assert get_alt(forest(fit, alt="custom")) == "custom"
