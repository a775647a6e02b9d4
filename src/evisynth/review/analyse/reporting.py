"""How results are reported: the reporting scale, method names, exact proportions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from evisynth.meta import RMAResult
from evisynth.transforms import back_transform

__all__ = ["METHOD_NAMES", "PROPORTION_MEASURES", "TEST_NAMES", "exact_proportion",
           "method_label", "method_sentence", "reporting_scale", "transformed"]


#: One-arm proportion measures (no null effect; pooled on their own scale).
PROPORTION_MEASURES = ("PLO", "PFT", "PR", "PAS")

#: Plain names of the tau² estimators and tests (the report's method sentences use them).
METHOD_NAMES = {
    "FE": "fixed (common) effect", "EE": "fixed (common) effect",
    "DL": "DerSimonian–Laird", "HE": "Hedges", "HS": "Hunter–Schmidt",
    "HSk": "Hunter–Schmidt (small-sample)", "SJ": "Sidik–Jonkman", "ML": "maximum likelihood",
    "REML": "restricted maximum likelihood (REML)", "EB": "empirical Bayes",
    "PM": "Paule–Mandel",
}
TEST_NAMES = {
    "z": "z-based (normal) intervals", "t": "t-based intervals",
    "knha": "Hartung–Knapp (t-based) intervals",
    "adhoc": "ad hoc Hartung–Knapp intervals (never narrower than the z-based interval)",
}


def method_label(method: str, test: str) -> str:
    """Short label of a pooling method.

    Examples
    --------
    >>> method_label("REML", "knha"), method_label("FE", "z")
    ('REML + Hartung–Knapp', 'Fixed effect')
    """
    if method in ("FE", "EE"):
        return "Fixed effect"
    short = {"z": "z", "t": "t", "knha": "Hartung–Knapp", "adhoc": "ad hoc Hartung–Knapp"}
    return f"{method} + {short.get(test, test)}"


def method_sentence(method: str, test: str) -> str:
    """The method in words, for the report.

    Examples
    --------
    >>> method_sentence("FE", "z")
    'fixed (common) effect model with z-based (normal) intervals'
    """
    if method in ("FE", "EE"):
        return f"fixed (common) effect model with {TEST_NAMES.get(test, test)}"
    return (f"random-effects model: {METHOD_NAMES.get(method, method)} estimate of the "
            f"between-study variance, {TEST_NAMES.get(test, test)}")


def reporting_scale(measure: str) -> Callable[[float], float]:
    """One number from the analysis scale of ``measure`` to its reporting scale."""
    f = back_transform(measure)

    def back(x: float) -> float:
        return float(np.asarray(f(x)).reshape(-1)[0])

    return back


def transformed(fit: RMAResult) -> dict[str, float]:
    """Estimate, CI and PI on the reporting scale (ratios, proportions)."""
    back = reporting_scale(fit.measure)
    keys = ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
    return {k: back(getattr(fit, k)) for k in keys}


def exact_proportion(events: int | None, n: int | None, level: float = 95) -> dict[str, Any]:
    """A study's proportion and its exact (Clopper–Pearson) interval.

    Parameters
    ----------
    events, n
        Events and participants (``None`` or ``n <= 0``: nothing to compute).
    level
        Confidence level in percent.

    Returns
    -------
    dict
        ``proportion`` and ``exact_ci`` ``(lower, upper)``; empty without counts.

    Examples
    --------
    >>> r = exact_proportion(0, 40)
    >>> r["proportion"], r["exact_ci"][0], round(r["exact_ci"][1], 4)
    (0.0, 0.0, 0.0881)

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in
    the case of the binomial. Biometrika 1934;26:404-413.
    """
    if events is None or n is None or n <= 0:
        return {}
    import evisynth as ev

    pci = getattr(ev, "proportion_ci", None)
    if pci is not None:
        r = pci([events], [n], method="exact", level=level)
        lo, hi = float(r.ci_lb[0]), float(r.ci_ub[0])
    else:  # Clopper-Pearson from the beta quantiles
        from scipy.stats import beta

        a = (1 - level / 100) / 2
        lo = 0.0 if events == 0 else float(beta.ppf(a, events, n - events + 1))
        hi = 1.0 if events == n else float(beta.ppf(1 - a, events + 1, n - events))
    return {"proportion": events / n, "exact_ci": (lo, hi)}
