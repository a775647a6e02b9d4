"""KM figures (Agg, no pyplot): what is drawn, and bad input."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from evisynth.errors import InputError
from evisynth.plots.survival import km_figure
from evisynth.survival import compare_arms, fit_parametric, kaplan_meier
from evisynth.survival.simulate import example_trial


def test_two_arm_figure_with_fit_overlay() -> None:
    df = example_trial()
    res = compare_arms(df, reference="Standard care")
    cart = df[df["arm"] == "CAR-T"]
    fit = fit_parametric(cart["time"], cart["event"], "weibull", cure=True)
    fig = km_figure(res, fits={"CAR-T": [fit]}, horizon=120, title="SIM-CART-01 (simulated)")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 120.0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "CAR-T: weibull mixture cure" in labels
    assert any("95% CI (log)" in lab for lab in labels)
    # the dashed fit line ends at the horizon at the fitted survival
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "CAR-T: weibull mixture cure")
    x, y = line.get_data()
    assert x[-1] == 120.0 and y[-1] == pytest.approx(float(fit.survival([120.0])[0]))


def test_bad_curves() -> None:
    with pytest.raises(InputError):
        km_figure({})
    with pytest.raises(InputError):
        km_figure({"A": [1, 2, 3]})  # type: ignore[dict-item]
    fig = km_figure({"A": kaplan_meier([1, 2, 3], [1, 0, 1])}, ci=False, censor_marks=False)
    assert len(fig.axes[0].get_lines()) == 1
