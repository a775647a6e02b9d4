"""Figures of a Bayesian fit: prior/posterior densities and the forest dispatch."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

import evisynth as ev
from evisynth.errors import InputError
from evisynth.plots import bayes_posterior, forest_bayes
from tests.plots._checks import non_grey_colours, outside_figure, overlapping_texts


@pytest.fixture(scope="module")
def fit() -> ev.BayesMetaResult:
    es = ev.escalc("HR", hr=[0.40, 0.41, 1.10], ci_lb=[0.31, 0.29, 0.77],
                   ci_ub=[0.51, 0.58, 1.57], labels=["A", "B", "C"])
    return ev.bayesmeta(es, tau_prior="halfnormal:0.5", mu_prior=(0, 2))


def test_forest_dispatches_to_the_bayes_forest(fit: ev.BayesMetaResult) -> None:
    fig = ev.forest(fit, title="Bayes")
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.texts] + [
        t.get_text() for ax in fig.axes for t in ax.texts]
    # the shrunken interval of study A is printed as computed (ratio scale, 2 decimals)
    lo, hi = np.exp([fit.theta_lb[0], fit.theta_ub[0]])
    assert any(f"[{lo:.2f}, {hi:.2f}]" in s for s in texts)
    assert "Pooled effect (mu)" in texts
    assert sum(isinstance(p, Polygon) for p in fig.axes[0].patches) == 1
    assert not outside_figure(fig)
    assert not overlapping_texts(fig)
    assert not non_grey_colours(fig)


def test_posterior_plot_draws_prior_and_posterior(fit: ev.BayesMetaResult) -> None:
    fig = bayes_posterior(fit)
    ax_t, ax_m = fig.axes
    tau_lines = [ln for ln in ax_t.get_lines() if len(ln.get_xdata()) > 10]
    assert len(tau_lines) == 2  # posterior and prior
    x, y = tau_lines[1].get_xdata(), tau_lines[1].get_ydata()
    assert np.allclose(y, fit.tau_prior.pdf(np.asarray(x)))
    mu_lines = [ln for ln in ax_m.get_lines() if len(ln.get_xdata()) > 10]
    assert len(mu_lines) == 3  # mu, predictive, normal prior
    assert not non_grey_colours(fig)
    assert all(isinstance(ln, Line2D) for ln in mu_lines)


def test_bad_figure_arguments(fit: ev.BayesMetaResult) -> None:
    with pytest.raises(InputError, match="BayesMetaResult"):
        forest_bayes(ev.rma(yi=[0.1, 0.2], vi=[0.1, 0.1]))
    with pytest.raises(InputError, match="labels"):
        ev.forest(fit, labels=["only one"])
    with pytest.raises(InputError, match="show_prior"):
        bayes_posterior(fit, show_prior="yes")


def _svg_texts(svg: str) -> list[str]:
    """The contents of every <text> element of an SVG (text stays text)."""
    import re
    from html import unescape

    return [unescape(re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S)]


def test_forest_bayes_draws_favours_counts_and_notes(fit: ev.BayesMetaResult) -> None:
    from evisynth.plots import get_alt, to_svg

    counts = [(30, 100, 55, 101), (12, 60, 25, 58), None]
    fig = forest_bayes(fit, favours=("new", "old"), counts=counts,
                       counts_labels=("New arm", "Old arm"),
                       study_notes=["checked", "", "derived"], notes_title="Verification")
    svg = to_svg(fig)
    texts = _svg_texts(svg)
    assert "← Favours new" in texts and "Favours old →" in texts
    for e, n in [(30, 100), (55, 101), (12, 60), (25, 58)]:
        assert f"{e}/{n}" in texts
    # pooled row: the sums over the studies, shown only when every study gives the arm
    assert "42/160" not in texts and "Events/N" in texts
    assert "New arm" in texts and "Verification" in texts and "checked" in texts
    assert not outside_figure(fig)
    assert not overlapping_texts(fig)
    assert not non_grey_colours(fig)
    # the left label ends left of the null line and the right one starts right of it
    fig.canvas.draw()
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = {t.get_text(): t.get_window_extent(r) for t in fig.texts}
    null_px = fig.axes[0].transData.transform((1.0, 0.0))[0]
    assert boxes["← Favours new"].x1 < null_px < boxes["Favours old →"].x0
    alt = get_alt(fig) or ""
    assert alt.startswith("Bayesian forest plot.")
    assert "Values below 1 favour new, above old." in alt
    lo, hi = np.exp([fit.ci_lb, fit.ci_ub])
    assert f"95% credible interval: {np.exp(fit.estimate):.2f} [{lo:.2f}, {hi:.2f}]" in alt


def test_forest_bayes_sums_counts_when_every_study_has_them(fit: ev.BayesMetaResult) -> None:
    from evisynth.plots import to_svg

    counts = [(30, 100, 55, 101), (12, 60, 25, 58), (8, 40, 9, 41)]
    texts = _svg_texts(to_svg(forest_bayes(fit, counts=counts)))
    assert f"{30 + 12 + 8}/{100 + 60 + 40}" in texts
    assert f"{55 + 25 + 9}/{101 + 58 + 41}" in texts


def test_forest_dispatch_passes_the_keywords(fit: ev.BayesMetaResult) -> None:
    from evisynth.plots import get_alt, to_svg

    kw = dict(favours=("new", "old"), counts=[(30, 100, 55, 101), None, None],
              counts_labels=("X", "Y"), study_notes=["n1", "n2", "n3"], title="T",
              show_pi=False)
    via = ev.forest(fit, **kw)  # type: ignore[arg-type]
    direct = forest_bayes(fit, **kw)  # type: ignore[arg-type]
    assert to_svg(via) == to_svg(direct)
    texts = _svg_texts(to_svg(via))
    assert "Favours old →" in texts and "30/100" in texts and "n2" in texts
    assert "Prediction (new study)" not in texts
    assert get_alt(ev.forest(fit, alt="custom")) == "custom"
    with pytest.raises(InputError, match="show_weights"):
        ev.forest(fit, show_weights=True)
    with pytest.raises(InputError, match="favours"):
        ev.forest(fit, favours=("only one",))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="counts"):
        ev.forest(fit, counts=[(1, 10, 2, 10)])
    with pytest.raises(InputError, match="annotate"):
        ev.forest(fit, annotate="no")  # type: ignore[arg-type]
