"""Per-study confidence intervals for proportions: Clopper–Pearson and Wilson.

``"exact"`` (Clopper & Pearson 1934), the interval of R's ``binom.test``:
``lb = B(α/2; x, n - x + 1)``, ``ub = B(1 - α/2; x + 1, n - x)`` with ``B(q; a, b)``
the beta quantile, and ``lb = 0`` for ``x = 0``, ``ub = 1`` for ``x = n``.

``"wilson"`` (Wilson 1927), the score interval of R's ``prop.test(correct=FALSE)``:
``(p̂ + z²/2n ± z sqrt(p̂(1 - p̂)/n + z²/4n²)) / (1 + z²/n)``.

References
----------
Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits
illustrated in the case of the binomial. Biometrika 26:404-413.
Wilson EB (1927). Probable inference, the law of succession, and statistical
inference. J Am Stat Assoc 22:209-212.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from evisynth._validation import FloatArray, as_labels, check_choice, check_level
from evisynth.meta.glmm import _counts, _not_above, _whole

__all__ = ["ProportionCI", "proportion_ci"]


@dataclass(frozen=True)
class ProportionCI:
    """Per-study proportions ``pi = xi / ni`` with ``ci_lb``, ``ci_ub`` (arrays ``(k,)``)."""

    xi: FloatArray
    ni: FloatArray
    pi: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    method: str
    level: float
    labels: tuple[str, ...] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python lists; the keys are part of the API."""
        return {
            "xi": self.xi.tolist(),
            "ni": self.ni.tolist(),
            "pi": self.pi.tolist(),
            "ci_lb": self.ci_lb.tolist(),
            "ci_ub": self.ci_ub.tolist(),
            "method": self.method,
            "level": self.level,
            "labels": list(self.labels) if self.labels is not None else None,
        }

    def to_frame(self) -> Any:
        """A pandas DataFrame with one row per study."""
        import pandas as pd

        return pd.DataFrame(
            {"xi": self.xi, "ni": self.ni, "pi": self.pi, "ci_lb": self.ci_lb,
             "ci_ub": self.ci_ub},
            index=pd.Index(list(self.labels) if self.labels else range(1, len(self.xi) + 1),
                           name="study"),
        )


def proportion_ci(
    xi: Any, ni: Any, *, method: str = "exact", level: float = 95, labels: Any = None
) -> ProportionCI:
    """Confidence interval of each study's proportion ``xi / ni``.

    Parameters
    ----------
    xi, ni
        Events and group sizes (whole numbers, ``0 <= xi <= ni``, ``ni > 0``).
    method
        ``"exact"`` (Clopper–Pearson, R ``binom.test``; default) or ``"wilson"``
        (score interval, R ``prop.test(correct=FALSE)``).
    level
        Confidence level in percent.
    labels
        Study labels (kept for tables and plots).

    Returns
    -------
    ProportionCI
        ``pi``, ``ci_lb``, ``ci_ub`` per study.

    Raises
    ------
    InputError
        Negative or non-integer counts, ``ni = 0``, ``xi > ni`` (naming the study),
        lengths that differ, an unknown method or a bad level.

    References
    ----------
    Clopper CJ, Pearson ES (1934). Biometrika 26:404-413.
    Wilson EB (1927). J Am Stat Assoc 22:209-212.

    Examples
    --------
    >>> import evisynth as ev
    >>> r = ev.proportion_ci([0, 3], [20, 10])
    >>> [round(float(v), 4) for v in r.ci_ub]
    [0.1684, 0.6525]
    >>> [round(float(v), 4) for v in ev.proportion_ci([0, 3], [20, 10], method="wilson").ci_lb]
    [0.0, 0.1078]
    """
    method = check_choice("method", method, ("exact", "wilson"))
    lv = check_level(level)
    lab0 = as_labels(labels)
    x = _counts("xi", xi, lab0)
    _whole("xi", x, lab0)
    n = _counts("ni", ni, lab0, positive=True)
    _whole("ni", n, lab0)
    from evisynth._validation import check_same_length

    check_same_length({"xi": x, "ni": n})
    lab = as_labels(labels, len(x))
    _not_above("xi", x, "ni", n, lab)
    alpha = 1 - lv / 100
    p = x / n
    if method == "exact":
        with np.errstate(invalid="ignore"):
            lb = np.where(x > 0, stats.beta.ppf(alpha / 2, np.maximum(x, 1), n - x + 1), 0.0)
            ub = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, np.maximum(n - x, 1)), 1.0)
    else:
        z = stats.norm.isf(alpha / 2)
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
        lb = np.clip(centre - half, 0.0, 1.0)
        ub = np.clip(centre + half, 0.0, 1.0)
    return ProportionCI(x, n, p, np.asarray(lb, float), np.asarray(ub, float), method, lv, lab)
