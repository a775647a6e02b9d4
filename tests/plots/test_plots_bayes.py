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
