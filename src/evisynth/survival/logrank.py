"""Log-rank test for two or more groups (R ``survival::survdiff`` with rho = 0).

At each distinct event time with ``d`` events among ``n`` at risk, group ``g``
contributes observed ``d_g`` and expected ``n_g d / n``; the hypergeometric
covariance is ``d (n - d) / (n - 1) * (n_g / n) (δ_gh - n_h / n)``. The
statistic is ``(O - E)' V^- (O - E)`` on ``k - 1`` df (Mantel 1966; Peto & Peto 1972),
where ``k`` counts the groups with expected events > 0 (a group whose subjects are
all censored before the first event is left out, as in ``survdiff``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from evisynth._validation import as_labels
from evisynth.errors import InputError
from evisynth.survival._input import as_survival_data

__all__ = ["LogRankResult", "logrank_test"]


@dataclass(frozen=True)
class LogRankResult:
    """Log-rank test: observed and expected events per group, chi-square, df, p."""

    groups: tuple[str, ...]
    n: tuple[int, ...]
    observed: tuple[float, ...]
    expected: tuple[float, ...]
    chisq: float
    df: int
    pval: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": list(self.groups),
            "n": list(self.n),
            "observed": list(self.observed),
            "expected": list(self.expected),
            "chisq": self.chisq,
            "df": self.df,
            "pval": self.pval,
        }


def logrank_test(time: Any, event: Any, group: Any) -> LogRankResult:
    """Log-rank test comparing survival between groups.

    Parameters
    ----------
    time, event
        Follow-up times and event indicators (1 event, 0 censored).
    group
        Group label per subject (at least two distinct labels).

    Returns
    -------
    LogRankResult

    Raises
    ------
    InputError
        Bad times/events, group length mismatch, fewer than two groups.

    Examples
    --------
    >>> r = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], ["a", "b"] * 3)
    >>> r.df
    1

    References
    ----------
    Mantel N. Cancer Chemother Rep 1966;50:163–170; R ``survival::survdiff``.
    """
    t, e = as_survival_data(time, event)
    raw = group.tolist() if hasattr(group, "tolist") else group
    if not isinstance(raw, str | bytes) and hasattr(raw, "__iter__"):
        for i, g in enumerate(raw):
            if g is None or (isinstance(g, float) and g != g):
                raise InputError(
                    f"argument 'group', subject {i + 1}: the group label is missing; every "
                    "subject needs one",
                    where="group",
                )
    labels = as_labels(group, len(t))
    assert labels is not None
    groups, gidx = np.unique(np.asarray(labels), return_inverse=True)
    k = len(groups)
    if k < 2:
        raise InputError("argument 'group': needs at least two distinct groups", where="group")
    uniq, inv = np.unique(t, return_inverse=True)
    m = len(uniq)
    d_g = np.zeros((m, k))
    tot_g = np.zeros((m, k))
    np.add.at(d_g, (inv, gidx), e)
    np.add.at(tot_g, (inv, gidx), 1.0)
    n_g = np.cumsum(tot_g[::-1], axis=0)[::-1]
    n = n_g.sum(axis=1)
    d = d_g.sum(axis=1)
    ev = d > 0
    n_g, d_g, n, d = n_g[ev], d_g[ev], n[ev], d[ev]
    frac = n_g / n[:, None]
    E = (frac * d[:, None]).sum(axis=0)
    obs = d_g.sum(axis=0)
    factor = np.where(n > 1, d * (n - d) / np.maximum(n - 1, 1), 0.0)
    V = (factor[:, None, None] * (frac[:, :, None] * (np.eye(k)[None] - frac[:, None, :]))).sum(0)
    # A group with no expected events (all its subjects censored before the first
    # event) has a zero row and column in V; as R's survdiff, leave it out.
    keep = np.flatnonzero(E > 0)
    kk = len(keep)
    sub = keep[: kk - 1]
    diff = (obs - E)[sub]
    Vs = V[np.ix_(sub, sub)]
    if kk < 2 or np.linalg.matrix_rank(Vs) < kk - 1:
        raise InputError(
            "log-rank test: the variance is zero (no event time with patients of more than "
            "one group at risk, or every event time has all at risk failing); the test is "
            "undefined for these data",
            where="time,event,group",
        )
    chisq = float(diff @ np.linalg.solve(Vs, diff))
    return LogRankResult(
        groups=tuple(str(g) for g in groups),
        n=tuple(int(x) for x in np.bincount(gidx, minlength=k)),
        observed=tuple(float(x) for x in obs),
        expected=tuple(float(x) for x in E),
        chisq=chisq,
        df=kk - 1,
        pval=float(stats.chi2.sf(chisq, kk - 1)),
    )
