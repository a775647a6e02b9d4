"""Reconstruct individual patient data from a published Kaplan–Meier curve.

The algorithm is that of Guyot, Ades, Ouwens & Welton (2012), written here from
the paper's description:

1. Clean the digitised points (:func:`clean_curve`) and the numbers-at-risk
   table (:func:`clean_at_risk`), reporting every change.
2. Split the curve at the at-risk times ``t_i``; each interval starts at the
   click at ``t_i`` (a point is inserted there on the flat curve if needed).
3. For each interval but the last, guess the number censored from the drop in
   the curve, ``c = round(n_i S(t_{i+1}) / S(t_i) - n_{i+1})``, spread the
   censorings evenly over the interval, and invert the KM recursion click by
   click: ``d_k = round(n_k (1 - S_k / KM_last))``, ``KM_k = KM_last (1 - d_k / n_k)``,
   ``n_{k+1} = n_k - d_k - c_k``. Correct ``c`` by the miss on the published
   ``n_{i+1}`` and repeat until it is hit (or cannot be: then the reconstructed
   count is kept and reported).
4. Last interval: with a total event count ``D``, the censoring is chosen so the
   reconstructed events add up to ``D`` as closely as possible; otherwise it
   is the average censoring per unit time of the earlier intervals (Guyot's
   assumption), or none at all when there is no at-risk table.
5. Events are placed at their click times, censorings at their evenly spread
   times; everyone still at risk at the end is censored at the last click.

An addition to Guyot's method (evisynth's own; used only with an at-risk
table): after step 3/4 each interval is also tried *exactly*. Every drop of the
curve is matched to whole numbers (d events among n at risk) that reproduce the
clicked survival to within the rounding of the input (half its last decimal),
and a small dynamic programme picks the consistent sequence with the fewest
events (then the one closest to Guyot's numbers at risk). A drop fixes only the
ratio d/n (1 of 2 at risk and 2 of 4 give the same step), so an interval can
have several exact solutions with different event counts: with a total number
of events a second dynamic programme, over the intervals, lets every interval
take any of its exact solutions so that the total is met whenever some
combination of them meets it (the one closest to Guyot's numbers at risk is
kept); only when none does is the fewest-events choice kept and the shortfall
reported. When the clicks are the exact step corners of a KM curve this
recovers the events at every time and the numbers at risk exactly; when no
consistent sequence exists (real, noisy digitisations) Guyot's result is kept.
``changes`` says how many intervals were resolved exactly.

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of
survival data: reconstructing the data from published Kaplan-Meier survival
curves. BMC Med Res Methodol 2012;12:9. doi:10.1186/1471-2288-12-9
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evisynth._validation import check_whole
from evisynth.errors import InputError
from evisynth.survival.km import kaplan_meier
from evisynth.survival.reconstruct.clean import (
    CleanedAtRisk,
    CleanedCurve,
    clean_at_risk,
    clean_curve,
)
from evisynth.survival.reconstruct.exact import _rounding_tolerance
from evisynth.survival.reconstruct.plan import _Grid, _plan_sequential, _plan_to_total

__all__ = [
    "CleanedAtRisk",
    "CleanedCurve",
    "Reconstruction",
    "ReconstructionDiagnostics",
    "clean_at_risk",
    "clean_curve",
    "reconstruct_ipd",
]


@dataclass(frozen=True)
class ReconstructionDiagnostics:
    """How well the reconstructed data reproduce the inputs.

    ``curve_max_abs_error``/``curve_rmse``/``curve_mean_abs_error``: KM of the
    reconstructed data against the cleaned digitised survival at every click.
    ``at_risk_time``/``at_risk_published``/``at_risk_reconstructed``: the table
    against the reconstructed numbers at risk (``None`` without a table).
    """

    n_patients: int
    n_events: int
    total_events_given: int | None
    curve_max_abs_error: float
    curve_rmse: float
    curve_mean_abs_error: float
    at_risk_time: tuple[float, ...] | None
    at_risk_published: tuple[int, ...] | None
    at_risk_reconstructed: tuple[int, ...] | None
    at_risk_max_abs_diff: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_patients": self.n_patients,
            "n_events": self.n_events,
            "total_events_given": self.total_events_given,
            "curve_max_abs_error": self.curve_max_abs_error,
            "curve_rmse": self.curve_rmse,
            "curve_mean_abs_error": self.curve_mean_abs_error,
            "at_risk_time": None if self.at_risk_time is None else list(self.at_risk_time),
            "at_risk_published": None
            if self.at_risk_published is None
            else list(self.at_risk_published),
            "at_risk_reconstructed": None
            if self.at_risk_reconstructed is None
            else list(self.at_risk_reconstructed),
            "at_risk_max_abs_diff": self.at_risk_max_abs_diff,
        }


@dataclass(frozen=True, eq=False)
class Reconstruction:
    """Reconstructed patient data for one arm.

    Attributes
    ----------
    ipd
        DataFrame ``time, event`` (1 = event, 0 = censored), one row per patient.
    table
        Per click: ``time, survival`` (cleaned input), ``n_risk, n_event, n_censor``.
    case
        Which inputs were used: ``"at_risk+events"``, ``"at_risk"``, ``"n+events"``, ``"n"``.
    changes
        Every repair made to the inputs, and every assumption forced by them.
    diagnostics
        :class:`ReconstructionDiagnostics`.
    """

    ipd: pd.DataFrame
    table: pd.DataFrame
    case: str
    changes: tuple[str, ...]
    diagnostics: ReconstructionDiagnostics

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "changes": list(self.changes),
            "diagnostics": self.diagnostics.to_dict(),
            "ipd": {
                "time": self.ipd["time"].tolist(),
                "event": self.ipd["event"].astype(int).tolist(),
            },
        }


MAX_PATIENTS = 1_000_000
"""Largest arm that :func:`reconstruct_ipd` reconstructs (memory grows with the patients)."""


def reconstruct_ipd(
    curve: Any,
    at_risk: Any = None,
    total_events: int | None = None,
    n: int | None = None,
    *,
    scale: str = "proportion",
    max_increase: float = 0.02,
    time_tolerance: float = 0.01,
) -> Reconstruction:
    """Reconstruct patient-level ``(time, event)`` data from a digitised KM curve.

    Parameters
    ----------
    curve
        DataFrame with columns ``time`` and ``survival`` (the digitised clicks;
        ideally both corners of every step).
    at_risk
        Optional numbers-at-risk table, DataFrame with columns ``time``, ``n_risk``.
    total_events
        Optional total number of events in the arm (``D``).
    n
        Number of patients; required without an at-risk table, optional with one
        (then it must agree with the time-0 count, or supplies it).
    scale
        ``"proportion"`` or ``"percent"`` for the survival column.
    max_increase, time_tolerance
        Digitising tolerances, see :func:`clean_curve`.

    Returns
    -------
    Reconstruction
        ``.ipd`` (DataFrame ``time, event``), ``.changes``, ``.diagnostics``.

    Raises
    ------
    InputError
        Bad curve or table (see :func:`clean_curve`, :func:`clean_at_risk`),
        neither table nor ``n``, ``total_events`` negative or above the arm size.

    Examples
    --------
    >>> curve = pd.DataFrame({"time": [0, 1, 1, 2, 2, 3],
    ...                       "survival": [1, 1, 0.9, 0.9, 0.8, 0.8]})
    >>> rec = reconstruct_ipd(curve, n=10, total_events=2)
    >>> int(rec.ipd["event"].sum()), len(rec.ipd)
    (2, 10)

    References
    ----------
    Guyot P et al. BMC Med Res Methodol 2012;12:9.
    """
    cc = clean_curve(curve, scale=scale, max_increase=max_increase, time_tolerance=time_tolerance)
    changes = list(cc.changes)
    T, S = cc.time.copy(), cc.survival.copy()
    if n is not None:
        n = check_whole("n", n, lo=1, hi=MAX_PATIENTS)
    if at_risk is not None:
        ar = clean_at_risk(at_risk, n=n, last_time=float(T[-1]))
        changes += list(ar.changes)
        nar_t, nar_n = ar.time, ar.n_risk.copy()
        case = "at_risk"
    else:
        if n is None:
            raise InputError(
                "argument 'n': without an at-risk table give n, the number of patients in the arm",
                where="n",
            )
        nar_t, nar_n = np.array([0.0]), np.array([n])
        case = "n"
    n_total = int(nar_n[0])
    if n_total > MAX_PATIENTS:
        raise InputError(
            f"argument 'at_risk': {n_total} patients at time 0; at most {MAX_PATIENTS} "
            "patients per arm can be reconstructed",
            where="at_risk",
        )
    if total_events is not None:
        total_events = check_whole("total_events", total_events, lo=0, hi=n_total)
        case += "+events"

    # make every at-risk time a click (the curve is flat up to it from the last click)
    inserted = 0
    for ti in nar_t[1:]:
        if not np.any(T == ti):
            j = int(np.searchsorted(T, ti, side="right"))
            T = np.insert(T, j, ti)
            S = np.insert(S, j, S[j - 1])
            inserted += 1
    if inserted:
        changes.append(
            f"inserted {inserted} point(s) on the flat curve at the at-risk table times"
        )
    grid = _Grid(T, S, nar_t, nar_n, _rounding_tolerance(cc.survival))
    plan = None
    if at_risk is not None and total_events is not None:
        plan = _plan_to_total(grid, n_total, total_events)
    if plan is None:
        plan = _plan_sequential(grid, n_total, total_events, at_risk is not None)
    n_int, K = grid.n_intervals, len(T)
    d_all = np.zeros(K, dtype=int)
    c_all = np.zeros(K, dtype=int)
    cen_all: list[list[float]] = [[] for _ in range(K)]
    for i, res in enumerate(plan.intervals):
        lo, hi = grid.bounds(i)
        if i + 1 < n_int and res.n_end != nar_n[i + 1]:
            changes.append(
                f"at-risk count at time {nar_t[i + 1]:g} cannot be matched: published "
                f"{int(nar_n[i + 1])}, reconstructed {res.n_end} (the curve and the table "
                "disagree); kept the reconstructed count"
            )
        d_all[lo : hi + 1] = res.d
        c_all[lo : hi + 1] = res.cen
        for j, ct in enumerate(res.cen_times):
            cen_all[lo + j] = ct
    n_start = plan.intervals[-1].n_end
    changes += list(plan.notes)
    n_exact = sum(plan.exact)
    if n_exact:
        changes.append(
            f"{n_exact} of {n_int} interval(s) resolved exactly (every drop matched whole "
            "numbers of events and patients at risk, or the curve was flat); Guyot's "
            "approximation used in the others"
        )
    if total_events is not None and int(d_all.sum()) != total_events:
        changes.append(
            f"the curve cannot give exactly {total_events} events: reconstructed "
            f"{int(d_all.sum())}"
        )
    # build the patient table
    ev_times = np.repeat(T, d_all)
    cen_times = np.array([x for lst in cen_all for x in lst], dtype=float)
    end_cens = np.full(n_start, T[-1])
    ipd = pd.DataFrame(
        {
            "time": np.concatenate([ev_times, cen_times, end_cens]),
            "event": np.concatenate(
                [np.ones(len(ev_times), int), np.zeros(len(cen_times) + n_start, int)]
            ),
        }
    )
    ipd = ipd.sort_values(["time", "event"], ascending=[True, False], kind="stable")
    ipd = ipd.reset_index(drop=True)
    n_risk_click = n_total - np.concatenate([[0], np.cumsum(d_all + c_all)[:-1]])
    table = pd.DataFrame(
        {
            "time": T,
            "survival": S,
            "n_risk": n_risk_click,
            "n_event": d_all,
            "n_censor": c_all,
        }
    )
    # diagnostics
    km = kaplan_meier(ipd["time"], ipd["event"])
    # distance from each click to the reconstructed step function (a click may sit
    # anywhere on a vertical drop, so compare with both S(t-) and S(t))
    s_right = km.survival_function(T)
    idx_left = np.searchsorted(km.time, T, side="left") - 1
    s_left = np.where(idx_left >= 0, km.survival[np.maximum(idx_left, 0)], 1.0)
    lo_s, hi_s = np.minimum(s_left, s_right), np.maximum(s_left, s_right)
    err = np.maximum.reduce([lo_s - S, S - hi_s, np.zeros_like(S)])
    if at_risk is not None:
        tt = ipd["time"].to_numpy()
        nar_recon = tuple(int((tt >= x).sum()) for x in nar_t)
        ar_diag: tuple[Any, ...] = (
            tuple(float(x) for x in nar_t),
            tuple(int(x) for x in nar_n),
            nar_recon,
            int(np.max(np.abs(np.array(nar_recon) - nar_n))),
        )
    else:
        ar_diag = (None, None, None, None)
    diag = ReconstructionDiagnostics(
        n_patients=len(ipd),
        n_events=int(ipd["event"].sum()),
        total_events_given=total_events,
        curve_max_abs_error=float(err.max()),
        curve_rmse=float(np.sqrt(np.mean(err**2))),
        curve_mean_abs_error=float(err.mean()),
        at_risk_time=ar_diag[0],
        at_risk_published=ar_diag[1],
        at_risk_reconstructed=ar_diag[2],
        at_risk_max_abs_diff=ar_diag[3],
    )
    return Reconstruction(ipd=ipd, table=table, case=case, changes=tuple(changes), diagnostics=diag)
