"""A ratio with its confidence interval and p-value, checked jointly against rounding.

With ``m = log(ratio)`` and ``s = z_crit * se`` every rule is a linear inequality in
``(m, s)``, so "consistent with rounding" is the non-emptiness of a small polygon, found
exactly by enumerating its vertices (:func:`_vertices`).
"""

from __future__ import annotations

import math
from itertools import combinations

from scipy.special import ndtr, ndtri

from evisynth.audit.numbers import Num
from evisynth.audit.rules import (
    _EPS,
    TEST_Z_SLACK,
    Check,
    _g,
    _tol,
    make_check,
)

__all__ = ["ratio_checks"]


# ----------------------------------------------------------- 2-D linear feasibility


def _vertices(rows: list[tuple[float, float, float]]) -> list[tuple[float, float]]:
    """Vertices of the polygon ``{x: a*x0 + b*x1 <= c for (a, b, c) in rows}``."""
    out = []
    for (a1, b1, c1), (a2, b2, c2) in combinations(rows, 2):
        det = a1 * b2 - a2 * b1
        if abs(det) < 1e-15:
            continue
        x0 = (c1 * b2 - c2 * b1) / det
        x1 = (a1 * c2 - a2 * c1) / det
        if all(a * x0 + b * x1 <= c + _EPS * (1 + abs(c)) for a, b, c in rows):
            out.append((x0, x1))
    return out


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -1e6


def _ratio_rows(est: Num, lb: Num, ub: Num) -> list[tuple[float, float, float]]:
    """(m, s) constraints: m = log ratio, s = z_crit * se, rounding of all three numbers."""
    rows = [
        (-1.0, 0.0, -_log(est.lo)), (1.0, 0.0, _log(est.hi)),  # log est.lo <= m <= log est.hi
        (-1.0, 1.0, -_log(lb.lo)), (1.0, -1.0, _log(lb.hi)),  # lb: log lb.lo <= m - s <= log lb.hi
        (-1.0, -1.0, -_log(ub.lo)), (1.0, 1.0, _log(ub.hi)),  # ub: log ub.lo <= m + s <= log ub.hi
        (0.0, -1.0, 0.0),  # s >= 0
    ]  # fmt: skip
    return rows


def _z_of_p(p: float) -> float:
    return math.inf if p <= 0 else float(-ndtri(p / 2.0)) if p < 1 else 0.0


def _p_of_z(z: float) -> float:
    return float(2.0 * ndtr(-abs(z)))


def _z_range(rows: list[tuple[float, float, float]], zc: float) -> tuple[float, float] | None:
    """Range of z = zc*|m|/s over the polygon (None if the polygon is empty)."""
    zs: list[float] = []
    for sign in (1.0, -1.0):
        verts = _vertices([*rows, (-sign, 0.0, 0.0)])  # sign*m >= 0
        for m, s in verts:
            zs.append(math.inf if s <= 1e-15 else zc * abs(m) / s)
    if not zs:
        return None
    return min(zs), max(zs)


def _p_feasible(
    rows: list[tuple[float, float, float]],
    zc: float,
    p: Num,
    factor: float = 1.0,
    slack: float = 0.0,
) -> bool:
    """Is some (m, s) in the polygon with its two-sided p in factor * [p.lo, p.hi]?

    ``slack`` widens the matching z range by that fraction on each side.
    """
    plo, phi = min(1.0, p.lo * factor), min(1.0, p.hi * factor)
    if phi <= 0:
        return False  # "p = 0.000" or "p < 0": no test gives p = 0
    zlo, zhi = _z_of_p(phi), _z_of_p(plo)  # p large -> z small
    zlo, zhi = zlo * (1 - slack), zhi * (1 + slack)
    for sign in (1.0, -1.0):
        extra = [(-sign, 0.0, 0.0), (-sign * zc, zlo, 0.0)]  # sign*zc*m >= zlo*s
        if math.isfinite(zhi):
            extra.append((sign * zc, -zhi, 0.0))  # sign*zc*m <= zhi*s
        if _vertices(rows + extra):
            return True
    return False


# -------------------------------------------------------------------------- ratios


def ratio_checks(
    measure: str,
    est: Num,
    lb: Num | None,
    ub: Num | None,
    p: Num | None,
    *,
    level: float = 95.0,
    sided: str | None = None,
) -> list[Check]:
    """Check a reported ratio against its confidence interval and p-value.

    Parameters
    ----------
    measure
        ``HR``, ``RR``, ``OR`` or ``IRR`` (the label only changes severities).
    est, lb, ub
        Estimate and confidence bounds as printed (bounds may be ``None``).
    p
        Printed p-value (:func:`~evisynth.audit.numbers.parse_p`), or ``None``.
    level
        Confidence level in percent.
    sided
        ``"one"`` if the text calls the p-value one-sided.

    Returns
    -------
    list of Check
        ``ci-order``, ``ci-contains-estimate``, ``ci-log-symmetric`` and ``p-fits-ci``
        (the last only with a p-value).

    References
    ----------
    Altman DG, Bland JM. How to obtain the P value from a confidence interval.
    BMJ 2011;343:d2304. Brown GW. Standard deviation, standard error: which 'standard'
    should we use? The log-scale symmetry is that of Wald intervals (Wald 1943).

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n, parse_p
    >>> p = parse_p("0.001", "<")
    >>> [c.passed for c in ratio_checks("HR", n("0.55"), n("0.42"), n("0.71"), p)]
    [True, True, True, True]
    """
    out: list[Check] = []
    zc = float(-ndtri((1 - level / 100.0) / 2.0))
    if est.value <= 0 or (lb is not None and lb.value <= 0) or (ub is not None and ub.value <= 0):
        out.append(make_check(
            "ci-order", False, "inconsistent",
            f"{measure} {est.text}: a ratio and its confidence bounds must be positive",
            nums=(est, lb, ub),
        ))  # fmt: skip
        return out
    if lb is not None and ub is not None:
        tol = _tol((measure, est), ("lower bound", lb), ("upper bound", ub))
        ordered = lb.lo < ub.hi
        out.append(make_check(
            "ci-order", ordered, "inconsistent",
            f"CI {lb.text} to {ub.text}: "
            + ("ordered" if ordered else "the lower bound is above the upper bound (swapped?)"),
            tolerance=_tol(("lower bound", lb), ("upper bound", ub)), nums=(lb, ub),
        ))  # fmt: skip
        if not ordered:
            return out
        contains = lb.lo <= est.hi and est.lo <= ub.hi
        out.append(make_check(
            "ci-contains-estimate", contains, "inconsistent",
            f"{measure} {est.text} " + ("lies in" if contains else "lies outside")
            + f" its CI {lb.text} to {ub.text}",
            tolerance=tol, nums=(est, lb, ub),
        ))  # fmt: skip
        if not contains:
            return out
        rows = _ratio_rows(est, lb, ub)
        zr = _z_range(rows, zc)
        gm_lo = math.sqrt(lb.lo * ub.lo)
        gm_hi = math.sqrt(lb.hi * ub.hi)
        sym = zr is not None
        sev = "inconsistent" if measure == "HR" else "implausible"
        out.append(make_check(
            "ci-log-symmetric", sym, sev,
            f"{measure} {est.text} with CI {lb.text} to {ub.text}: the CI's log-scale midpoint "
            f"is {_g(gm_lo)} to {_g(gm_hi)}"
            + ("" if sym else f", which cannot round to {est.text}"),
            tolerance=tol, nums=(est, lb, ub), implied=(("estimate", gm_lo, gm_hi),),
        ))  # fmt: skip
        if p is not None:
            if zr is None:  # fall back to the CI alone for the p-value check
                rows = rows[2:]
                zr = _z_range(rows, zc)
            if zr is None:
                return out
            p_lo, p_hi = _p_of_z(zr[1]), _p_of_z(zr[0])
            ptxt = f"p {p.relation} {p.text}"
            tol_p = tol + "; " + _tol(("p", p))
            implied = (("p", p_lo, p_hi),)
            nums = (est, lb, ub, p)
            head = f"{ptxt} with {measure} {est.text} (CI {lb.text} to {ub.text}): "
            imp = f"the two-sided Wald p-value they imply is {_g(p_lo)} to {_g(p_hi)}"
            one = sided == "one"
            fits = {
                (f, s): _p_feasible(rows, zc, p, factor=f, slack=s)
                for f in (1.0, 2.0) for s in (0.0, TEST_Z_SLACK)
            }  # fmt: skip
            as_stated, other = (2.0, 1.0) if one else (1.0, 2.0)
            if fits[as_stated, 0.0]:
                passed, sev, why = True, "inconsistent", "fits; " + imp
            elif fits[other, 0.0]:
                passed, sev = False, "implausible"
                why = (("called one-sided, but it is the two-sided value; " if one else
                        "fits only as a one-sided p-value; ") + imp)  # fmt: skip
            elif fits[as_stated, TEST_Z_SLACK]:
                passed, sev = False, "note"
                why = (f"beyond rounding, but within {100 * TEST_Z_SLACK:g}% on the z scale, "
                       "as a log-rank or score test p-value can differ from the Wald p-value "
                       "of the CI; " + imp)  # fmt: skip
            elif fits[other, TEST_Z_SLACK]:
                passed, sev = False, "implausible"
                why = ("fits only as a " + ("two" if one else "one")
                       + f"-sided p-value, and only within {100 * TEST_Z_SLACK:g}% on the z "
                       "scale (a log-rank or score test); " + imp)  # fmt: skip
            else:
                passed, sev, why = False, "inconsistent", "does not fit: " + imp
            if one:
                why += " (the text says one-sided)"
            out.append(make_check(
                "p-fits-ci", passed, sev, head + why,
                tolerance=tol_p, nums=nums, implied=implied,
            ))  # fmt: skip
    return out
