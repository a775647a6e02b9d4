"""Reported estimates: ratios with a confidence interval or p-value (metafor's
``conv.wald``), and ``yi`` with ``vi`` or ``sei`` (``GEN``)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import ndtri

from evisynth._validation import (
    FloatArray,
    _need,
    _vectors,
    as_float_vector,
    as_labels,
    check_level,
    check_positive,
    check_same_length,
    first_true,
    reject_first,
    study_name,
)
from evisynth.effects._common import _check_result
from evisynth.effects.sizes import EffectSizes
from evisynth.errors import EvisynthWarning, InputError

_RATIO_MEASURES = ("HR", "RR", "OR", "IRR")


_RATIO_ALIASES = {"hr": "HR", "rr": "RR", "or_": "OR", "irr": "IRR"}


def _levels(level: float | Sequence[float], k: int) -> FloatArray:
    if isinstance(level, str | bytes) or np.ndim(level) == 0:
        raw: list[Any] = [level]
    else:
        raw = list(level)  # type: ignore[arg-type]
    if len(raw) not in (1, k):
        raise InputError(
            f"argument 'level': has {len(raw)} entries but there are {k} studies; "
            "give one level or one per study",
            where="level",
        )
    out = np.array([check_level(v) for v in raw], dtype=np.float64)
    return np.repeat(out, k) if len(raw) == 1 else out


def _reported_ratio(
    code: str,
    given: dict[str, Any],
    ratio_args: list[str],
    labels: tuple[str, ...] | None,
    level: float | Sequence[float],
    ci_check: float | None,
) -> EffectSizes:
    if code not in _RATIO_MEASURES:
        raise InputError(
            f"argument {ratio_args[0]!r}: measure {code!r} is not a ratio; reported ratios "
            f"work for {', '.join(_RATIO_MEASURES)}",
            where=ratio_args[0],
        )
    if len(ratio_args) > 1:
        raise InputError(
            f"arguments {', '.join(ratio_args)}: give the reported ratio once",
            where=",".join(ratio_args),
        )
    rname = ratio_args[0]
    if rname != "ratio" and _RATIO_ALIASES[rname] != code:
        raise InputError(
            f"argument {rname!r} is for measure {_RATIO_ALIASES[rname]!r}, not {code!r}; "
            f"use ratio= or measure={_RATIO_ALIASES[rname]!r}",
            where=rname,
        )
    if not any(a in given for a in ("ci_lb", "ci_ub", "pval")):
        _need(code, given, ("ci_lb", "ci_ub"), f"{rname} with ci_lb and ci_ub, or with pval")
    r = as_float_vector(rname, given[rname], labels=labels)
    opt: dict[str, FloatArray] = {
        n: as_float_vector(n, given[n], labels=labels, allow_nan=True)
        for n in ("ci_lb", "ci_ub", "pval", "ni")
        if n in given
    }
    k = check_same_length({rname: r, **opt})
    labels = as_labels(labels, k)
    nan = np.full(k, np.nan)
    lb, ub, p = opt.get("ci_lb", nan), opt.get("ci_ub", nan), opt.get("pval", nan)
    ni = opt.get("ni")
    if ni is not None and np.isnan(ni).any():
        ni = as_float_vector("ni", ni, labels=labels)  # raises, naming the study
    check_positive(rname, r, labels=labels)
    lv = _levels(level, k)

    i = first_true(np.isnan(lb) != np.isnan(ub))
    if i is not None:
        have, lack = ("ci_lb", "ci_ub") if np.isnan(ub[i]) else ("ci_ub", "ci_lb")
        raise InputError(
            f"argument {lack!r}, {study_name(i, labels)}: {have} is given but {lack} is "
            "missing; give both bounds or neither (then pval is used)",
            where=lack,
        )
    has_ci = ~np.isnan(lb)
    has_p = ~np.isnan(p)
    i = first_true(~has_ci & ~has_p)
    if i is not None:
        raise InputError(
            f"arguments 'ci_lb', 'ci_ub', 'pval', {study_name(i, labels)}: no confidence "
            f"interval and no p-value; give one so the standard error of {rname} can be derived",
            where="ci_lb,ci_ub,pval",
        )
    for name, arr in (("ci_lb", lb), ("ci_ub", ub)):
        check_positive(name, np.where(has_ci, arr, 1.0), labels=labels)
    reject_first(has_ci & (lb >= ub), "ci_lb", labels, lambda i: (
        f"ci_lb={lb[i]:g} is not below ci_ub={ub[i]:g}; the lower bound must be the smaller"
    ))  # fmt: skip
    reject_first(has_ci & ((r < lb) | (r > ub)), rname, labels, lambda i: (
        f"{rname}={r[i]:g} lies outside its confidence interval ({lb[i]:g}, {ub[i]:g}); "
        "check for swapped or mistyped numbers"
    ))  # fmt: skip
    reject_first(has_p & ((p <= 0) | (p > 1)), "pval", labels, lambda i: (
        f"p-value {p[i]:g} is outside (0, 1]; give the two-sided p-value as a proportion"
    ))  # fmt: skip
    use_p = has_p & ~has_ci
    reject_first(use_p & (p == 1), "pval", labels, lambda i: (
        "p-value 1 gives no standard error (z = 0); give the confidence interval instead"
    ))  # fmt: skip
    reject_first(use_p & (r == 1), rname, labels, lambda i: (
        f"{rname}=1 with a p-value gives no standard error (log ratio 0); give the "
        "confidence interval instead"
    ))  # fmt: skip

    yi = np.log(r)
    # upper-tail quantiles as -ndtri(tail): 1 - tiny p would round to 1 in floating point
    crit = -ndtri((1 - lv / 100) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_lb, log_ub = np.log(lb), np.log(ub)
        vi_ci = ((log_ub - log_lb) / (2 * crit)) ** 2
        vi_p = (yi / -ndtri(p / 2)) ** 2
        vi = np.where(has_ci, vi_ci, vi_p)
        if ci_check is not None:
            off = np.abs((log_lb + log_ub) / 2 - yi) / (log_ub - log_lb)
            asym = has_ci & (off > float(ci_check))
            if asym.any():
                rows = ", ".join(
                    f"{study_name(int(i), labels)} ({rname} {r[i]:g}, CI {lb[i]:g}-{ub[i]:g})"
                    for i in np.flatnonzero(asym)
                )
                warnings.warn(
                    f"confidence interval not symmetric around the estimate on the log scale "
                    f"(off-centre by more than {float(ci_check):g} of its width) in {rows}; "
                    "check the numbers, or whether the CI is not a Wald interval",
                    EvisynthWarning,
                    stacklevel=3,
                )
    _check_result(code, yi, vi, labels, "check the ratio, CI and p-value")
    return EffectSizes(yi, vi, code, labels, ni)


def _generic(code: str, given: dict[str, Any], labels: tuple[str, ...] | None) -> EffectSizes:
    _need(code, given, ("yi",), "yi with vi or sei")
    if "vi" in given and "sei" in given:
        raise InputError("arguments 'vi' and 'sei': give one of them, not both", where="vi,sei")
    if "vi" not in given and "sei" not in given:
        _need(code, given, ("vi",), "yi with vi or sei (give vi or sei)")
    names = ("yi", "vi", "sei", "ni")
    arr, k = _vectors(given, names, labels)
    labels = as_labels(labels, k)
    if "sei" in arr:
        check_positive("sei", arr["sei"], labels=labels)
        vi = arr["sei"] ** 2
    else:
        check_positive("vi", arr["vi"], labels=labels)
        vi = arr["vi"]
    ni = arr.get("ni")
    if ni is not None:
        check_positive("ni", ni, labels=labels)
    return EffectSizes(arr["yi"], vi, code, labels, ni)
