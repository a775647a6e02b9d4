"""Effect sizes: raw extracted data to ``yi`` (estimate) and ``vi`` (sampling variance).

``escalc`` follows R metafor's ``escalc`` (and ``conv.wald`` for reported ratios
with confidence intervals or p-values): same measure names, argument names,
formulas and defaults, including metafor's zero-cell handling.

>>> es = escalc("RR", ai=[4, 6], bi=[119, 300], ci=[11, 29], di=[128, 274])
>>> [round(float(y), 4) for y in es.yi]
[-0.8893, -1.5854]

Measures
--------
Two groups, counts (``ai, bi, ci, di`` or ``ai, n1i, ci, n2i``):
    ``RR`` log risk ratio, ``OR`` log odds ratio, ``RD`` risk difference.
One group, counts (``xi, ni`` or ``xi, mi``):
    ``PR`` raw proportion, ``PLO`` logit, ``PAS`` arcsine square root,
    ``PFT`` Freeman–Tukey double arcsine.
Two groups, means (``m1i, m2i, sd1i, sd2i, n1i, n2i``):
    ``MD`` mean difference, ``SMD`` Hedges' g, ``ROM`` log ratio of means.
Two groups, events and person-time (``x1i, t1i, x2i, t2i``):
    ``IRR`` log incidence rate ratio.
Reported ratios (``HR``, ``RR``, ``OR``, ``IRR``):
    the ratio (``hr=``, ``rr=``, ``or_=``, ``irr=`` or the generic ``ratio=``)
    with a confidence interval (``ci_lb``, ``ci_ub``, ``level``) or a two-sided
    p-value (``pval``), or the log ratio ``yi`` with ``sei`` or ``vi``.
Generic (``GEN``):
    ``yi`` with ``vi`` or ``sei``.

Where evisynth differs from metafor (on purpose)
-------------------------------------------------
* metafor returns ``NA`` (with a warning at most) for a study whose effect or
  variance cannot be computed (e.g. a zero cell with ``to="none"``, a zero
  variance, a non-positive mean for ``ROM``); evisynth raises
  :class:`~evisynth.errors.InputError` naming the study.
* Studies removed by ``drop00=True`` (metafor: ``NA`` rows) are left out of the
  returned :class:`EffectSizes`; their 0-based input positions are in
  ``EffectSizes.dropped`` and an :class:`~evisynth.errors.EvisynthWarning`
  names them.
* Non-integer counts are accepted (counts back-calculated from percentages
  occur in extraction) but raise an :class:`~evisynth.errors.EvisynthWarning`
  naming the study.
* Arguments that a measure does not use raise an error instead of being ignored,
  as do ``vi`` and ``sei`` given together, and a group with no participants.
* A p-value of exactly 1, or a ratio of exactly 1 with a p-value, identifies no
  standard error (metafor: infinite or zero variance); evisynth raises.
* ``add=None`` stands for metafor's per-measure default (1/2; 0 for PAS and PFT,
  which metafor leaves uncorrected unless ``add`` is given).
* Hedges' correction is evaluated as a Pochhammer ratio instead of metafor's
  ``lgamma`` difference: identical to ~1e-15 for real sample sizes, exact where
  the ``lgamma`` route loses digits (n in the millions).
* Reported ratios follow ``conv.wald`` of metafor >= 4.0 (``transf=log``); metafor
  3.8-1 itself has no ``conv.wald``. The asymmetry check uses its threshold
  (``cifac`` 0.1, argument ``ci_check`` here) but names the studies in a warning.

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03 (``escalc``, ``conv.wald``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr, ndtri, poch

from evisynth import transforms
from evisynth._validation import (
    FloatArray,
    as_float_vector,
    as_labels,
    check_choice,
    check_level,
    check_number,
    check_positive,
    check_same_length,
    describe,
    fmt_num,
    study_name,
)
from evisynth.errors import EvisynthWarning, InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MEASURES", "EffectSizes", "escalc", "hedges_correction"]


@dataclass(frozen=True)
class EffectSizes:
    """Study-level effect sizes on the analysis scale.

    Attributes
    ----------
    yi
        Estimates (log scale for ratio measures), shape ``(k,)``.
    vi
        Sampling variances, shape ``(k,)``, all > 0.
    measure
        Effect measure code as in metafor (``"RR"``, ``"HR"``, ``"PLO"``, ``"GEN"``, ...).
    labels
        Optional study labels, one per study.
    ni
        Optional total sample size per study (metafor's ``ni`` attribute: the
        counts before any zero-cell correction). Needed for the PFT back-transform.
    dropped
        0-based positions, in the input, of studies left out by ``drop00=True``.

    Raises
    ------
    InputError
        Non-finite ``yi``/``vi``, a variance that is not positive, ``ni`` that is
        not positive, or lengths that differ.
    """

    yi: FloatArray
    vi: FloatArray
    measure: str = "GEN"
    labels: tuple[str, ...] | None = None
    ni: FloatArray | None = field(default=None, compare=False)
    dropped: tuple[int, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        labels = as_labels(self.labels)
        yi = as_float_vector("yi", self.yi, labels=labels)
        vi = as_float_vector("vi", self.vi, labels=labels)
        arrays = {"yi": yi, "vi": vi}
        ni = None
        if self.ni is not None:
            ni = as_float_vector("ni", self.ni, labels=labels)
            arrays["ni"] = ni
        k = check_same_length(arrays)
        labels = as_labels(self.labels, k)
        check_positive("vi", vi, labels=labels)
        if ni is not None:
            check_positive("ni", ni, labels=labels)
            ni.setflags(write=False)
        object.__setattr__(self, "yi", yi)
        object.__setattr__(self, "vi", vi)
        object.__setattr__(self, "ni", ni)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "dropped", tuple(int(i) for i in self.dropped))
        yi.setflags(write=False)
        vi.setflags(write=False)

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.shape[0])

    @property
    def sei(self) -> FloatArray:
        """Standard errors, ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    def __len__(self) -> int:
        return self.k

    def back_transform(self) -> transforms.Transform:
        """The function mapping this measure's analysis scale to its natural scale.

        For ``PFT`` it is the harmonic-mean inverse over these studies' ``ni``.

        Examples
        --------
        >>> es = escalc("PLO", xi=[2, 5], ni=[10, 10])
        >>> [round(float(p), 2) for p in es.back_transform()(es.yi)]
        [0.2, 0.5]
        """
        return transforms.back_transform(self.measure, self.ni)

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (lists, JSON-ready): ``measure, k, labels, yi, vi, ni, dropped``."""
        return {
            "measure": self.measure,
            "k": self.k,
            "labels": list(self.labels) if self.labels is not None else None,
            "yi": self.yi.tolist(),
            "vi": self.vi.tolist(),
            "ni": self.ni.tolist() if self.ni is not None else None,
            "dropped": list(self.dropped),
        }

    def summary(self, level: float = 95, back_transform: bool = False) -> pd.DataFrame:
        """Per-study Wald statistics and confidence intervals (metafor ``summary.escalc``).

        Parameters
        ----------
        level
            Confidence level in percent.
        back_transform
            Report ``yi``, ``ci_lb``, ``ci_ub`` on the measure's natural scale
            (ratio, proportion) instead of ``yi, vi, sei, zi, pval, ci_lb, ci_ub``.
            For ``PFT`` each study uses its own ``ni`` (the exact inverse, which
            returns ``xi/ni``) rather than the harmonic mean that suits a pooled
            estimate.

        Returns
        -------
        pandas.DataFrame
            One row per study, indexed by label (or 1..k).

        Raises
        ------
        InputError
            Invalid level; ``PFT`` without ``ni``.

        References
        ----------
        Wald interval ``yi ± z sei``, ``z = Φ⁻¹(1 - (1 - level/100)/2)``,
        ``zi = yi / sei``, two-sided normal p-value.

        >>> es = escalc("RR", ai=[4, 6], bi=[119, 300], ci=[11, 29], di=[128, 274])
        >>> es.summary(back_transform=True).round(4).to_dict("list")["yi"]  # R: 0.4109 0.2049
        [0.4109, 0.2049]
        """
        import pandas as pd

        lv = check_level(level)
        crit = -ndtri((1 - lv / 100) / 2)
        sei = self.sei
        lb, ub = self.yi - crit * sei, self.yi + crit * sei
        index = pd.Index(
            list(self.labels) if self.labels is not None else range(1, self.k + 1), name="study"
        )
        if back_transform:
            f: transforms.Transform
            if self.measure == "PFT":
                if self.ni is None:
                    raise InputError(
                        "argument 'ni': the PFT back-transform needs the studies' sample sizes",
                        where="ni",
                    )
                ni = self.ni

                def _ipft_own_n(x: ArrayLike) -> FloatArray:
                    return transforms.ipft(x, ni)

                f = _ipft_own_n
            else:
                f = transforms.back_transform(self.measure)
            return pd.DataFrame({"yi": f(self.yi), "ci_lb": f(lb), "ci_ub": f(ub)}, index=index)
        zi = self.yi / sei
        return pd.DataFrame(
            {
                "yi": self.yi,
                "vi": self.vi,
                "sei": sei,
                "zi": zi,
                "pval": 2 * ndtr(-np.abs(zi)),
                "ci_lb": lb,
                "ci_ub": ub,
            },
            index=index,
        )


#: Measure codes accepted by :func:`escalc`.
MEASURES: tuple[str, ...] = (
    "RR", "OR", "RD", "PR", "PLO", "PAS", "PFT", "MD", "SMD", "ROM", "HR", "IRR", "GEN",
)  # fmt: skip

_TWO_GROUP = ("RR", "OR", "RD")
_ONE_GROUP = ("PR", "PLO", "PAS", "PFT")
_MEANS = ("MD", "SMD", "ROM")
_RATIO_MEASURES = ("HR", "RR", "OR", "IRR")
_RATIO_ALIASES = {"hr": "HR", "rr": "RR", "or_": "OR", "irr": "IRR"}
_TO = ("all", "only0", "if0all", "none")
_VTYPES: dict[str, tuple[str, ...]] = {
    "RD": ("LS", "UB", "AV"),
    "PR": ("LS", "UB", "AV"),
    "PLO": ("LS", "AV"),
    "MD": ("LS", "UB", "HO"),
    "SMD": ("LS", "UB", "LS2", "AV"),
    "ROM": ("LS", "HO", "AV", "AVHO"),
}
# metafor leaves PAS/PFT uncorrected unless 'add' is given explicitly: both
# transforms are finite at 0 and 1.
_NO_ADD_BY_DEFAULT = ("PAS", "PFT")


def escalc(
    measure: str,
    *,
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    n1i: Any = None,
    n2i: Any = None,
    xi: Any = None,
    mi: Any = None,
    ni: Any = None,
    x1i: Any = None,
    x2i: Any = None,
    t1i: Any = None,
    t2i: Any = None,
    m1i: Any = None,
    m2i: Any = None,
    sd1i: Any = None,
    sd2i: Any = None,
    yi: Any = None,
    vi: Any = None,
    sei: Any = None,
    ratio: Any = None,
    hr: Any = None,
    rr: Any = None,
    or_: Any = None,
    irr: Any = None,
    ci_lb: Any = None,
    ci_ub: Any = None,
    pval: Any = None,
    labels: Any = None,
    add: float | None = None,
    to: str = "only0",
    drop00: bool = False,
    vtype: str | Sequence[str] = "LS",
    level: float | Sequence[float] = 95,
    ci_check: float | None = 0.1,
) -> EffectSizes:
    """Compute effect sizes and sampling variances, as R metafor's ``escalc``.

    Parameters
    ----------
    measure
        ``"RR"``, ``"OR"``, ``"RD"``, ``"PR"``, ``"PLO"``, ``"PAS"``, ``"PFT"``,
        ``"MD"``, ``"SMD"``, ``"ROM"``, ``"HR"``, ``"IRR"`` or ``"GEN"``.
    ai, bi, ci, di
        2x2 counts: events and non-events in group 1 (``ai``, ``bi``) and group 2
        (``ci``, ``di``). ``bi``/``di`` may be replaced by group sizes ``n1i``/``n2i``.
    n1i, n2i
        Group sizes (two-group counts or means).
    xi, mi, ni
        One group: events ``xi`` with non-events ``mi`` or total ``ni``. For
        ``GEN`` and reported ratios ``ni`` is an optional total sample size.
    x1i, x2i, t1i, t2i
        Two groups, events and person-time (``IRR`` from counts).
    m1i, m2i, sd1i, sd2i
        Group means and standard deviations.
    yi, vi, sei
        Estimate on the analysis scale (log scale for HR/RR/OR/IRR) with its
        variance or standard error (give one of ``vi``, ``sei``).
    ratio, hr, rr, or_, irr
        A reported ratio on its natural scale (not logged). ``ratio`` works for
        any of HR/RR/OR/IRR; the named forms must match ``measure``.
    ci_lb, ci_ub
        Bounds of the reported Wald confidence interval of the ratio. Use
        ``None``/NaN for studies that report a p-value instead.
    pval
        Two-sided Wald p-value, used for studies without a CI (as ``conv.wald``).
    labels
        Study labels (metafor's ``slab``).
    add
        Amount added to cells (default: metafor's, 1/2, but 0 for PAS and PFT).
    to
        Which studies get ``add``: ``"only0"`` (studies with a zero cell),
        ``"all"``, ``"if0all"`` (all, if any study has a zero cell), ``"none"``.
    drop00
        Leave out two-group studies with no events in both groups (or only
        events in both groups); see ``EffectSizes.dropped``.
    vtype
        Variance estimator, one or one per study (metafor's names; default
        ``"LS"``, the large-sample variance): RD/PR ``LS|UB|AV``, PLO ``LS|AV``,
        MD ``LS|UB|HO``, SMD ``LS|UB|LS2|AV``, ROM ``LS|HO|AV|AVHO``.
    level
        Confidence level (percent) of the reported CIs, one or one per study.
    ci_check
        Warn when a reported CI is asymmetric on the log scale: when the distance
        between the log estimate and the midpoint of the log bounds exceeds this
        fraction of the log-CI width (default 0.1, metafor ``conv.wald``'s
        ``cifac``). ``None`` turns the check off.

    Returns
    -------
    EffectSizes
        ``yi``, ``vi``, ``measure``, ``labels``, ``ni`` (total sample size,
        before any zero-cell correction) and ``dropped``.

    Raises
    ------
    InputError
        Unknown measure; missing, superfluous or conflicting arguments;
        mismatched lengths; NaN/inf; negative counts; events above the group
        size; non-positive ratio, SD, sample size or variance; a CI with
        ``ci_lb >= ci_ub`` or not containing the ratio; a p-value outside (0, 1);
        an effect that cannot be computed (e.g. a zero cell with ``to="none"``).
        The message names the argument and the study.

    Warns
    -----
    EvisynthWarning
        Non-integer counts, asymmetric log-scale CIs, studies dropped by ``drop00``.

    Formulas
    --------
    RR: ``log((a/n1)/(c/n2))``, ``1/a - 1/n1 + 1/c - 1/n2``. OR:
    ``log(a d / (b c))``, ``1/a + 1/b + 1/c + 1/d``. RD: ``p1 - p2``,
    ``p1(1-p1)/n1 + p2(1-p2)/n2``. PLO: ``logit(p)``, ``1/x + 1/m``. PAS:
    ``asin(sqrt p)``, ``1/(4n)``. PFT: ``(asin sqrt(x/(n+1)) + asin
    sqrt((x+1)/(n+1)))/2``, ``1/(4n+2)``. MD: ``m1-m2``, ``sd1²/n1 + sd2²/n2``.
    SMD: ``g = c(m) d``, ``c(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2))``,
    ``m = n1+n2-2`` (Hedges 1981), ``vi = 1/n1 + 1/n2 + g²/(2(n1+n2))``.
    ROM: ``log(m1/m2)``, ``sd1²/(n1 m1²) + sd2²/(n2 m2²)``. IRR:
    ``log((x1/t1)/(x2/t2))``, ``1/x1 + 1/x2``. Reported ratio:
    ``yi = log(r)``, ``vi = ((log ub - log lb) / (2 z))²`` with
    ``z = Φ⁻¹(1 - (1 - level/100)/2)``, or ``vi = (yi / Φ⁻¹(1 - p/2))²``.

    Examples
    --------
    >>> es = escalc("HR", hr=[0.73, 0.80], ci_lb=[0.57, None], ci_ub=[0.94, None],
    ...             pval=[None, 0.04])
    >>> [round(float(v), 5) for v in es.vi]  # R: ((log(.94)-log(.57))/(2*qnorm(.975)))^2 ...
    [0.01629, 0.01181]
    >>> es = escalc("SMD", m1i=[10.0], m2i=[8.0], sd1i=[2.0], sd2i=[2.0], n1i=[10], n2i=[10])
    >>> round(float(es.yi[0]), 6)  # metafor escalc("SMD", ...): 0.9576464
    0.957646
    """
    code = check_choice("measure", measure, MEASURES)
    lab = as_labels(labels)
    given = {
        name: value
        for name, value in {
            "ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i,
            "xi": xi, "mi": mi, "ni": ni, "x1i": x1i, "x2i": x2i, "t1i": t1i, "t2i": t2i,
            "m1i": m1i, "m2i": m2i, "sd1i": sd1i, "sd2i": sd2i,
            "yi": yi, "vi": vi, "sei": sei,
            "ratio": ratio, "hr": hr, "rr": rr, "or_": or_, "irr": irr,
            "ci_lb": ci_lb, "ci_ub": ci_ub, "pval": pval,
        }.items()
        if value is not None
    }  # fmt: skip
    ratio_args = [a for a in ("ratio", *_RATIO_ALIASES) if a in given]
    count_args = [a for a in ("ai", "bi", "ci", "di", "x1i", "x2i") if a in given]

    if ci_check is not None:
        try:
            ci_check = float(ci_check)
        except (TypeError, ValueError):
            ci_check = float("nan")
        if not 0 < ci_check < 1:
            raise InputError(
                "argument 'ci_check': must be a fraction between 0 and 1 (default 0.1) or None",
                where="ci_check",
            )
    if ("yi" in given and not count_args and not ratio_args) or code == "GEN":
        # an estimate already on the analysis scale: any measure, as metafor's escalc(yi=)
        _check_used(code, given, ("yi", "vi", "sei", "ni"))
        return _generic(code, given, lab)
    if code in _TWO_GROUP and not ratio_args:
        _check_used(code, given, ("ai", "bi", "ci", "di", "n1i", "n2i"))
        add_, to_ = _check_add_to(code, add, to)
        return _two_group(code, given, lab, add_, to_, bool(drop00), vtype)
    if code == "IRR" and not ratio_args:
        _check_used(code, given, ("x1i", "x2i", "t1i", "t2i"))
        add_, to_ = _check_add_to(code, add, to)
        return _two_rates(code, given, lab, add_, to_, bool(drop00))
    if code in _ONE_GROUP:
        _check_used(code, given, ("xi", "mi", "ni"))
        add_, to_ = _check_add_to(code, add, to)
        return _one_group(code, given, lab, add_, to_, vtype)
    if code in _MEANS:
        _check_used(code, given, ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"))
        return _means(code, given, lab, vtype)
    if ratio_args:
        _check_used(code, given, (*ratio_args, "ci_lb", "ci_ub", "pval", "ni"))
        return _reported_ratio(code, given, ratio_args, lab, level, ci_check)
    alias = {"HR": "hr", "RR": "rr", "OR": "or_"}[code]
    raise InputError(
        f"argument 'measure': {code!r} needs the reported ratio ({alias}= or ratio=) with "
        "ci_lb and ci_ub or pval, or the log ratio yi= with sei= or vi=",
        where="measure",
    )


# ---------------------------------------------------------------- argument checks


def _check_used(code: str, given: dict[str, Any], allowed: Sequence[str]) -> None:
    extra = [a for a in given if a not in allowed]
    if extra:
        raise InputError(
            f"argument {extra[0]!r} is not used by measure {code!r} with these inputs "
            f"(it uses {', '.join(allowed)}); remove it or choose another measure",
            where=extra[0],
        )


def _need(code: str, given: dict[str, Any], names: Sequence[str], how: str) -> None:
    missing = [a for a in names if a not in given]
    if missing:
        raise InputError(
            f"measure {code!r} needs {how}; missing: {', '.join(missing)}",
            where=",".join(missing),
        )


def _check_add_to(code: str, add: float | None, to: str) -> tuple[float, str]:
    to_ = check_choice("to", to, _TO)
    if add is None:
        return (0.0 if code in _NO_ADD_BY_DEFAULT else 0.5), to_
    a = check_number("add", add, lo=0.0, hint="give a number >= 0 (metafor's default is 1/2)")
    return a, to_


def _vtypes(code: str, vtype: str | Sequence[str], k: int) -> np.ndarray:
    """Per-study variance types, validated against the measure's choices."""
    choices = _VTYPES.get(code, ("LS",))
    if isinstance(vtype, str):
        raw: list[Any] = [vtype]
    elif isinstance(vtype, list | tuple) or (isinstance(vtype, np.ndarray) and vtype.ndim == 1):
        raw = list(vtype)
    else:
        raise InputError(
            f"argument 'vtype': expected one of {', '.join(choices)} or a list with one per "
            f"study, got {describe(vtype)}",
            where="vtype",
        )
    if len(raw) not in (1, k):
        raise InputError(
            f"argument 'vtype': has {len(raw)} entries but there are {k} studies; "
            "give one vtype or one per study",
            where="vtype",
        )
    out = [check_choice("vtype", v, choices) for v in raw]
    return np.array(out * k if len(out) == 1 else out, dtype=object)


def _vectors(
    given: dict[str, Any], names: Sequence[str], labels: tuple[str, ...] | None
) -> tuple[dict[str, FloatArray], int]:
    arrays = {n: as_float_vector(n, given[n], labels=labels) for n in names if n in given}
    k = check_same_length(arrays)
    return arrays, k


MAX_COUNT = 1e15
"""Largest accepted count or group size (whole numbers are exact below 2**53, about 9e15)."""


def _check_counts(
    arrays: dict[str, FloatArray], names: Sequence[str], labels: tuple[str, ...] | None
) -> None:
    """Counts must be from 0 to :data:`MAX_COUNT`; non-integer counts are accepted
    with a warning."""
    for n in names:
        if n in arrays:
            check_positive(n, arrays[n], labels=labels, strict=False)
            big = arrays[n] > MAX_COUNT
            if big.any():
                i = int(np.flatnonzero(big)[0])
                raise InputError(
                    f"argument {n!r}, {study_name(i, labels)}: count {fmt_num(arrays[n][i])} "
                    f"is above {MAX_COUNT:.0e}, beyond which counts are not exact in double "
                    "precision; check the data",
                    where=n,
                )
    for n in names:
        if n in arrays:
            frac = arrays[n] != np.round(arrays[n])
            if frac.any():
                i = int(np.flatnonzero(frac)[0])
                warnings.warn(
                    f"argument {n!r}, {study_name(i, labels)}: count {arrays[n][i]:g} is not a "
                    "whole number; it is used as given (metafor does the same)",
                    EvisynthWarning,
                    stacklevel=4,
                )


def _events_and_rest(
    ev_name: str,
    rest_name: str,
    tot_name: str,
    arrays: dict[str, FloatArray],
    labels: tuple[str, ...] | None,
) -> FloatArray:
    """Non-events from the total when only the total is given; check consistency."""
    ev = arrays[ev_name]
    if tot_name in arrays:
        tot = arrays[tot_name]
        over = ev > tot
        if over.any():
            i = int(np.flatnonzero(over)[0])
            raise InputError(
                f"argument {ev_name!r}, {study_name(i, labels)}: {ev[i]:g} events exceed the "
                f"group size {tot_name}={tot[i]:g}; events must be at most the group size",
                where=ev_name,
            )
        if rest_name in arrays:
            bad = arrays[rest_name] != tot - ev
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    f"argument {tot_name!r}, {study_name(i, labels)}: {tot_name}={tot[i]:g} is "
                    f"not {ev_name} + {rest_name} = {ev[i] + arrays[rest_name][i]:g}; give "
                    "consistent numbers or only one of them",
                    where=tot_name,
                )
        return tot - ev
    return arrays[rest_name]


def _check_group_size(name: str, n: FloatArray, labels: tuple[str, ...] | None) -> None:
    bad = n <= 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"argument {name!r}, {study_name(i, labels)}: group size is {n[i]:g}; "
            "each group needs at least one participant",
            where=name,
        )


def _check_result(
    code: str,
    yi: FloatArray,
    vi: FloatArray,
    labels: tuple[str, ...] | None,
    why: str,
    *,
    overflow: bool = False,
) -> None:
    """Refuse, naming the study, what metafor would return as NA (or a zero variance).

    ``why`` explains a zero or undefined variance. With ``overflow=True`` (the
    caller has ruled out every other cause of an infinity) an infinite value is
    reported as out of the range of double precision instead.
    """
    bad = ~np.isfinite(yi) | ~np.isfinite(vi) | (vi <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        if vi[i] == 0:
            why = "the variance is 0; " + why
        elif overflow and not (np.isnan(yi[i]) or np.isnan(vi[i])):
            why = ("a value is too large for a floating-point number (about 1.8e308); "
                   "rescale the data (e.g. other units)")
        raise InputError(
            f"measure {code!r}, {study_name(i, labels)}: effect size or variance cannot be "
            f"computed (yi = {fmt_num(yi[i])}, vi = {fmt_num(vi[i])}); {why}",
            where="measure",
        )


def _wmean(x: FloatArray, w: FloatArray) -> float:
    return float(np.sum(x * w) / np.sum(w))


def _add_cells(cells: list[FloatArray], add: float, to: str, keep: FloatArray) -> list[FloatArray]:
    """metafor's zero-cell rule: which studies get ``add`` in every cell."""
    zero = np.zeros_like(cells[0], dtype=bool)
    for c in cells:
        zero |= c == 0
    zero &= keep.astype(bool)
    if to == "all":
        mask = np.ones_like(zero)
    elif to == "only0":
        mask = zero
    elif to == "if0all":
        mask = np.full_like(zero, bool(zero.any()))
    else:
        mask = np.zeros_like(zero)
    return [c + add * mask for c in cells]


def _subset_labels(labels: tuple[str, ...] | None, keep: np.ndarray) -> tuple[str, ...] | None:
    if labels is None:
        return None
    return tuple(lab for lab, k in zip(labels, keep, strict=True) if k)


# ---------------------------------------------------------------- measures


def _two_group(
    code: str,
    given: dict[str, Any],
    labels: tuple[str, ...] | None,
    add: float,
    to: str,
    drop00: bool,
    vtype: str | Sequence[str],
) -> EffectSizes:
    how = "ai, ci and either bi, di or n1i, n2i (group sizes)"
    _need(code, given, ("ai", "ci"), how)
    if "bi" not in given and "n1i" not in given:
        _need(code, given, ("bi",), how + " (give bi or n1i)")
    if "di" not in given and "n2i" not in given:
        _need(code, given, ("di",), how + " (give di or n2i)")
    arrays, k = _vectors(given, ("ai", "bi", "ci", "di", "n1i", "n2i"), labels)
    labels = as_labels(labels, k)
    _check_counts(arrays, ("ai", "bi", "ci", "di", "n1i", "n2i"), labels)
    a = arrays["ai"]
    c = arrays["ci"]
    b = _events_and_rest("ai", "bi", "n1i", arrays, labels)
    d = _events_and_rest("ci", "di", "n2i", arrays, labels)
    _check_group_size("n1i" if "n1i" in arrays else "ai+bi", a + b, labels)
    _check_group_size("n2i" if "n2i" in arrays else "ci+di", c + d, labels)
    vt = _vtypes(code, vtype, k)

    keep = np.ones(k, dtype=bool)
    if drop00:
        keep = ~(((a == 0) & (c == 0)) | ((b == 0) & (d == 0)))
    if not keep.any():
        raise InputError(
            "argument 'drop00': every study has no events (or only events) in both groups, "
            "so none is left; use drop00=False",
            where="drop00",
        )
    ni = (a + b + c + d)[keep]
    a, b, c, d = _add_cells([a, b, c, d], add, to, keep)
    a, b, c, d, vt = a[keep], b[keep], c[keep], d[keep], vt[keep]
    labs = _subset_labels(labels, keep)
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if code == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif code == "OR":
            yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        else:
            yi = p1 - p2
            p1w, p2w = _wmean(p1, n1), _wmean(p2, n2)
            vi = np.select(
                [vt == "UB", vt == "AV"],
                [
                    p1 * (1 - p1) / (n1 - 1) + p2 * (1 - p2) / (n2 - 1),
                    p1w * (1 - p1w) / n1 + p2w * (1 - p2w) / n2,
                ],
                p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2,
            )
    _check_result(
        code, yi, vi, labs,
        f"a zero cell with add={add:g}, to={to!r}; use to='only0' (metafor default) "
        "with add > 0, or drop00=True for studies without events in both groups",
    )  # fmt: skip
    _warn_dropped(keep, labels)
    return EffectSizes(yi, vi, code, labs, ni, tuple(int(i) for i in np.flatnonzero(~keep)))


def _two_rates(
    code: str,
    given: dict[str, Any],
    labels: tuple[str, ...] | None,
    add: float,
    to: str,
    drop00: bool,
) -> EffectSizes:
    names = ("x1i", "x2i", "t1i", "t2i")
    _need(code, given, names, "events x1i, x2i and person-times t1i, t2i of both groups")
    arr, k = _vectors(given, names, labels)
    labels = as_labels(labels, k)
    _check_counts(arr, ("x1i", "x2i"), labels)
    for n in ("t1i", "t2i"):
        check_positive(n, arr[n], labels=labels)
    x1, x2, t1, t2 = (arr[n] for n in names)
    keep = ~((x1 == 0) & (x2 == 0)) if drop00 else np.ones(k, dtype=bool)
    if not keep.any():
        raise InputError(
            "argument 'drop00': every study has no events in both groups, so none is left; "
            "use drop00=False",
            where="drop00",
        )
    ni = (t1 + t2)[keep]  # metafor's ni attribute for rates: total person-time
    x1, x2 = _add_cells([x1, x2], add, to, keep)
    x1, x2, t1, t2 = x1[keep], x2[keep], t1[keep], t2[keep]
    labs = _subset_labels(labels, keep)
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log(x1 / t1) - np.log(x2 / t2)
        vi = 1 / x1 + 1 / x2
    _check_result(
        code, yi, vi, labs,
        f"no events in a group with add={add:g}, to={to!r}; use to='only0' with add > 0 "
        "(metafor default), or drop00=True",
    )  # fmt: skip
    _warn_dropped(keep, labels)
    return EffectSizes(yi, vi, code, labs, ni, tuple(int(i) for i in np.flatnonzero(~keep)))


def _warn_dropped(keep: np.ndarray, labels: tuple[str, ...] | None) -> None:
    dropped = np.flatnonzero(~keep)
    if dropped.size:
        names = ", ".join(study_name(int(i), labels) for i in dropped)
        warnings.warn(
            f"drop00=True: left out {dropped.size} studies with no events (or only events) "
            f"in both groups: {names}",
            EvisynthWarning,
            stacklevel=4,
        )


def _one_group(
    code: str,
    given: dict[str, Any],
    labels: tuple[str, ...] | None,
    add: float,
    to: str,
    vtype: str | Sequence[str],
) -> EffectSizes:
    how = "xi (events) and either ni (total) or mi (non-events)"
    _need(code, given, ("xi",), how)
    if "ni" not in given and "mi" not in given:
        _need(code, given, ("ni",), how)
    arrays, k = _vectors(given, ("xi", "mi", "ni"), labels)
    labels = as_labels(labels, k)
    _check_counts(arrays, ("xi", "mi", "ni"), labels)
    x = arrays["xi"]
    m = _events_and_rest("xi", "mi", "ni", arrays, labels)
    _check_group_size("ni" if "ni" in arrays else "xi+mi", x + m, labels)
    vt = _vtypes(code, vtype, k)
    ni = x + m
    x, m = _add_cells([x, m], add, to, np.ones(k))
    n = x + m
    p = x / n
    with np.errstate(divide="ignore", invalid="ignore"):
        if code == "PR":
            yi = p
            pw = _wmean(p, n)
            vi = np.select(
                [vt == "UB", vt == "AV"],
                [p * (1 - p) / (n - 1), np.full(k, pw * (1 - pw)) / n],
                p * (1 - p) / n,
            )
        elif code == "PLO":
            yi = np.log(p / (1 - p))
            pw = _wmean(p, n)
            vi = np.where(vt == "AV", 1 / (pw * n) + 1 / ((1 - pw) * n), 1 / x + 1 / m)
        elif code == "PAS":
            yi = np.arcsin(np.sqrt(p))
            vi = 1 / (4 * n)
        else:
            yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
            vi = 1 / (4 * n + 2)
    _check_result(
        code, yi, vi, labels,
        f"a proportion of 0 or 1 with add={add:g}, to={to!r}; use to='only0' with add > 0 "
        "(metafor default), or measure 'PFT'/'PAS'",
    )  # fmt: skip
    return EffectSizes(yi, vi, code, labels, ni)


def hedges_correction(m: FloatArray) -> FloatArray:
    """Exact small-sample bias correction of Cohen's d, ``Γ(m/2) / (sqrt(m/2) Γ((m-1)/2))``.

    ``Γ(m/2) / Γ((m-1)/2)`` is evaluated as the Pochhammer symbol
    ``poch((m-1)/2, 1/2)``: no overflow for large ``m``, and unlike a difference
    of ``lgamma`` values (metafor's route, which loses about 1e-10 relative at
    ``m = 1e6``) it keeps full precision.

    Parameters
    ----------
    m
        Degrees of freedom, ``n1 + n2 - 2``; must exceed 1.

    Returns
    -------
    numpy.ndarray
        Correction factors in (0, 1).

    References
    ----------
    Hedges LV (1981). Distribution theory for Glass's estimator of effect size
    and related estimators. J Educ Stat 6(2):107-128.

    >>> round(float(hedges_correction(np.array([18.0]))[0]), 6)  # metafor .cmicalc(18)
    0.957646
    """
    return np.asarray(poch((m - 1) / 2, 0.5) / np.sqrt(m / 2), dtype=np.float64)


def _means(
    code: str, given: dict[str, Any], labels: tuple[str, ...] | None, vtype: str | Sequence[str]
) -> EffectSizes:
    names = ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i")
    _need(code, given, names, "means, SDs and sizes of both groups (" + ", ".join(names) + ")")
    arr, k = _vectors(given, names, labels)
    labels = as_labels(labels, k)
    m1, m2, s1, s2, n1, n2 = (arr[n] for n in names)
    check_positive("sd1i", s1, labels=labels, strict=False)
    check_positive("sd2i", s2, labels=labels, strict=False)
    _check_group_size("n1i", n1, labels)
    _check_group_size("n2i", n2, labels)
    _check_counts(arr, ("n1i", "n2i"), labels)
    vt = _vtypes(code, vtype, k)
    ni = n1 + n2
    dfree = ni - 2
    why = "check the SDs and sizes"
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Pooled SD scaled by the larger SD, so that SDs above 1e154 do not overflow.
        smax = np.maximum(s1, s2)
        r1, r2 = np.where(smax > 0, s1 / smax, 0.0), np.where(smax > 0, s2 / smax, 0.0)
        sdp = smax * np.sqrt(((n1 - 1) * r1**2 + (n2 - 1) * r2**2) / dfree)
        if code == "SMD" and (sdp == 0).any():
            i = int(np.flatnonzero(sdp == 0)[0])
            raise InputError(
                f"arguments 'sd1i', 'sd2i', {study_name(i, labels)}: the pooled SD is 0 "
                "(both SDs are 0), so the standardised difference is undefined; check the SDs",
                where="measure",
            )
        if code == "MD":
            yi = m1 - m2
            vi = np.where(vt == "HO", sdp**2 * (1 / n1 + 1 / n2), s1**2 / n1 + s2**2 / n2)
            why = "both SDs are 0; check the SDs"
        elif code == "SMD":
            small = dfree <= 1
            if small.any():
                i = int(np.flatnonzero(small)[0])
                raise InputError(
                    f"arguments 'n1i', 'n2i', {study_name(i, labels)}: n1i + n2i = {ni[i]:g}; "
                    "SMD needs n1i + n2i >= 4 for the small-sample correction",
                    where="n1i,n2i",
                )
            cm = hedges_correction(dfree)
            diff = m1 - m2
            dd = np.where(np.isfinite(diff), diff / sdp, m1 / sdp - m2 / sdp)
            yi = cm * dd
            yw = np.float64(_wmean(yi, ni) if np.isfinite(yi).all() else 0.0)
            base = 1 / n1 + 1 / n2
            vi = np.select(
                [vt == "UB", vt == "AV", vt == "LS2"],
                [
                    base + (1 - (dfree - 2) / (dfree * cm**2)) * yi**2,
                    base + yw**2 / (2 * ni),
                    cm**2 * (base + dd**2 / (2 * ni)),
                ],
                base + yi**2 / (2 * ni),
            )
            why = "check the means and SDs"
        else:
            sign_bad = (m1 == 0) | (m2 == 0) | (np.sign(m1) != np.sign(m2))
            if sign_bad.any():
                i = int(np.flatnonzero(sign_bad)[0])
                raise InputError(
                    f"arguments 'm1i', 'm2i', {study_name(i, labels)}: means {m1[i]:g} and "
                    f"{m2[i]:g}; ROM (log ratio of means) needs non-zero means of the same "
                    "sign (ratio-scale outcomes)",
                    where="m1i,m2i",
                )
            ratio = m1 / m2
            yi = np.where(np.isfinite(ratio) & (ratio > 0), np.log(np.abs(ratio)),
                          np.log(np.abs(m1)) - np.log(np.abs(m2)))
            cv1, cv2 = s1 / m1, s2 / m2
            cv1w, cv2w = np.float64(_wmean(cv1, n1)), np.float64(_wmean(cv2, n2))
            cvw = np.float64((np.sum(n1 * cv1) + np.sum(n2 * cv2)) / np.sum(n1 + n2))
            vi = np.select(
                [vt == "HO", vt == "AV", vt == "AVHO"],
                [
                    (sdp / m1) ** 2 / n1 + (sdp / m2) ** 2 / n2,
                    cv1w**2 / n1 + cv2w**2 / n2,
                    cvw**2 * (1 / n1 + 1 / n2),
                ],
                cv1**2 / n1 + cv2**2 / n2,
            )
            why = "both SDs are 0 (variance 0); check the SDs"
    _check_result(code, yi, vi, labels, why, overflow=True)
    return EffectSizes(yi, vi, code, labels, ni)


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

    one_sided = np.isnan(lb) != np.isnan(ub)
    if one_sided.any():
        i = int(np.flatnonzero(one_sided)[0])
        have, lack = ("ci_lb", "ci_ub") if np.isnan(ub[i]) else ("ci_ub", "ci_lb")
        raise InputError(
            f"argument {lack!r}, {study_name(i, labels)}: {have} is given but {lack} is "
            "missing; give both bounds or neither (then pval is used)",
            where=lack,
        )
    has_ci = ~np.isnan(lb)
    has_p = ~np.isnan(p)
    neither = ~has_ci & ~has_p
    if neither.any():
        i = int(np.flatnonzero(neither)[0])
        raise InputError(
            f"arguments 'ci_lb', 'ci_ub', 'pval', {study_name(i, labels)}: no confidence "
            f"interval and no p-value; give one so the standard error of {rname} can be derived",
            where="ci_lb,ci_ub,pval",
        )
    for name, arr in (("ci_lb", lb), ("ci_ub", ub)):
        check_positive(name, np.where(has_ci, arr, 1.0), labels=labels)
    _first_bad(has_ci & (lb >= ub), "ci_lb", labels, lambda i: (
        f"ci_lb={lb[i]:g} is not below ci_ub={ub[i]:g}; the lower bound must be the smaller"
    ))  # fmt: skip
    _first_bad(has_ci & ((r < lb) | (r > ub)), rname, labels, lambda i: (
        f"{rname}={r[i]:g} lies outside its confidence interval ({lb[i]:g}, {ub[i]:g}); "
        "check for swapped or mistyped numbers"
    ))  # fmt: skip
    _first_bad(has_p & ((p <= 0) | (p > 1)), "pval", labels, lambda i: (
        f"p-value {p[i]:g} is outside (0, 1]; give the two-sided p-value as a proportion"
    ))  # fmt: skip
    use_p = has_p & ~has_ci
    _first_bad(use_p & (p == 1), "pval", labels, lambda i: (
        "p-value 1 gives no standard error (z = 0); give the confidence interval instead"
    ))  # fmt: skip
    _first_bad(use_p & (r == 1), rname, labels, lambda i: (
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


def _first_bad(bad: np.ndarray, name: str, labels: tuple[str, ...] | None, what: Any) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"argument {name!r}, {study_name(i, labels)}: {what(i)}", where=name)


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
