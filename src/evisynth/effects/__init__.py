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
Correlations (``ri, ni``):
    ``COR`` raw, ``UCOR`` bias-corrected (Olkin–Pratt), ``ZCOR`` Fisher's z.
Partial correlations (``ti, mi, ni``: a regression t-statistic, the number of
other predictors and the sample size):
    ``PCOR`` raw, ``ZPCOR`` Fisher's z.
More two-group measures:
    ``SMDH`` SMD with unequal variances (means), ``AS`` arcsine square-root risk
    difference and ``PETO`` Peto log odds ratio (2x2 counts), ``IRD`` incidence
    rate difference and ``IRSD`` square-root rate difference (events, person-time).
One group, a rate or a mean:
    ``IRLN`` log incidence rate (``xi, ti``), ``MN`` raw mean and ``MNLN`` log mean
    (``mi, sdi, ni``).

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
* ``UCOR``: metafor 3.8-1 evaluates the hypergeometric function with
  ``gsl::hyperg_2F1``, which is off by up to 1e-3 relative for even ``ni`` and
  ``|ri| <= 0.05`` (and up to 1e-8 at ``ri = 0`` for large ``ni``, which the UB
  variance magnifies); evisynth sums the power series there (scipy's
  ``hyp2f1`` elsewhere) and matches an independent quadrature to 1e-10.
* Reported ratios follow ``conv.wald`` of metafor >= 4.0 (``transf=log``); metafor
  3.8-1 itself has no ``conv.wald``. The asymmetry check uses its threshold
  (``cifac`` 0.1, argument ``ci_check`` here) but names the studies in a warning.

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03 (``escalc``, ``conv.wald``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evisynth._validation import _check_add_to, as_labels, check_choice
from evisynth.effects.correlations import _correlations, _partial
from evisynth.effects.counts import _two_group, _two_rates
from evisynth.effects.means import _means, hedges_correction
from evisynth.effects.proportions import _one_group
from evisynth.effects.reported import _RATIO_ALIASES, _generic, _reported_ratio
from evisynth.effects.single import _one_mean, _one_rate
from evisynth.effects.sizes import EffectSizes
from evisynth.errors import InputError

__all__ = ["MEASURES", "EffectSizes", "escalc", "hedges_correction"]


#: Measure codes accepted by :func:`escalc`.
MEASURES: tuple[str, ...] = (
    "RR", "OR", "RD", "PR", "PLO", "PAS", "PFT", "MD", "SMD", "ROM", "HR", "IRR", "GEN",
    "COR", "UCOR", "ZCOR", "SMDH", "IRD", "IRSD", "IRLN", "AS", "PETO", "MN", "MNLN",
    "PCOR", "ZPCOR",
)  # fmt: skip


_TWO_GROUP = ("RR", "OR", "RD", "AS", "PETO")


_ONE_GROUP = ("PR", "PLO", "PAS", "PFT")


_MEANS = ("MD", "SMD", "ROM", "SMDH")


_CORRELATIONS = ("COR", "UCOR", "ZCOR")


_TWO_RATES = ("IRR", "IRD", "IRSD")


_ONE_MEAN = ("MN", "MNLN")


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
    ri: Any = None,
    ti: Any = None,
    sdi: Any = None,
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
        ``"MD"``, ``"SMD"``, ``"ROM"``, ``"HR"``, ``"IRR"``, ``"GEN"``, ``"COR"``,
        ``"UCOR"``, ``"ZCOR"``, ``"SMDH"``, ``"IRD"``, ``"IRSD"``, ``"IRLN"``, ``"AS"``,
        ``"PETO"``, ``"MN"``, ``"MNLN"``, ``"PCOR"`` or ``"ZPCOR"``.
    ai, bi, ci, di
        2x2 counts: events and non-events in group 1 (``ai``, ``bi``) and group 2
        (``ci``, ``di``). ``bi``/``di`` may be replaced by group sizes ``n1i``/``n2i``.
    n1i, n2i
        Group sizes (two-group counts or means).
    xi, mi, ni
        One group: events ``xi`` with non-events ``mi`` or total ``ni``. For
        ``GEN`` and reported ratios ``ni`` is an optional total sample size.
        For ``MN``/``MNLN`` ``mi`` is the group's mean and ``ni`` its size; for
        ``PCOR``/``ZPCOR`` ``mi`` is the number of other predictors; for
        ``COR``/``UCOR``/``ZCOR`` ``ni`` is the sample size; for ``IRLN`` ``xi``
        counts events.
    ri
        Correlation coefficients (``COR``, ``UCOR``, ``ZCOR``), in ``[-1, 1]``.
    ti
        Person-time of one group (``IRLN``), or the t-statistic of the
        coefficient (``PCOR``, ``ZPCOR``).
    sdi
        Standard deviation of one group (``MN``, ``MNLN``).
    x1i, x2i, t1i, t2i
        Two groups, events and person-time (``IRR``, ``IRD``, ``IRSD``).
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
        Amount added to cells (default: metafor's, 1/2, but 0 for PAS, PFT, AS and IRSD).
    to
        Which studies get ``add``: ``"only0"`` (studies with a zero cell),
        ``"all"``, ``"if0all"`` (all, if any study has a zero cell), ``"none"``.
    drop00
        Leave out two-group studies with no events in both groups (or only
        events in both groups); see ``EffectSizes.dropped``.
    vtype
        Variance estimator, one or one per study (metafor's names; default
        ``"LS"``, the large-sample variance): RD/PR ``LS|UB|AV``, PLO ``LS|AV``,
        MD ``LS|UB|HO``, SMD ``LS|UB|LS2|AV``, ROM ``LS|HO|AV|AVHO``, COR
        ``LS|AV``, UCOR ``LS|UB|AV``, SMDH ``LS|LS2``, PCOR ``LS|AV``.
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
    COR: ``r``, ``(1 - r²)²/(n - 1)``. UCOR: ``r 2F1(1/2, 1/2; (n-2)/2; 1-r²)``
    (Olkin & Pratt 1958). ZCOR: ``atanh r``, ``1/(n - 3)``. SMDH (Bonett 2008):
    ``c(m)(m1 - m2)/sqrt((sd1² + sd2²)/2)``. AS: ``asin sqrt p1 - asin sqrt p2``,
    ``1/(4 n1) + 1/(4 n2)``. PETO: ``(a - E)/V``, ``1/V`` with ``E = (a+c) n1/N``,
    ``V = (a+c)(b+d) n1 n2 / (N² (N-1))``. IRD: ``x1/t1 - x2/t2``,
    ``x1/t1² + x2/t2²``. IRSD: ``sqrt(x1/t1) - sqrt(x2/t2)``, ``1/(4 t1) + 1/(4 t2)``.
    IRLN: ``log(x/t)``, ``1/x``. MN: ``m``, ``sd²/n``. MNLN: ``log m``, ``sd²/(n m²)``.
    PCOR: ``r = t/sqrt(t² + n - m - 1)``, ``(1 - r²)²/(n - m - 1)``. ZPCOR: ``atanh r``,
    ``1/(n - m - 1)`` (metafor 3.8-1).

    Examples
    --------
    >>> es = escalc("HR", hr=[0.73, 0.80], ci_lb=[0.57, None], ci_ub=[0.94, None],
    ...             pval=[None, 0.04])
    >>> [round(float(v), 5) for v in es.vi]  # R: ((log(.94)-log(.57))/(2*qnorm(.975)))^2 ...
    [0.01629, 0.01181]
    >>> es = escalc("SMD", m1i=[10.0], m2i=[8.0], sd1i=[2.0], sd2i=[2.0], n1i=[10], n2i=[10])
    >>> round(float(es.yi[0]), 6)  # metafor escalc("SMD", ...): 0.9576464
    0.957646
    >>> es = escalc("ZCOR", ri=[0.5, -0.2], ni=[23, 53])
    >>> [round(float(y), 6) for y in es.yi], [float(v) for v in es.vi]  # atanh(r), 1/(n-3)
    ([0.549306, -0.202733], [0.05, 0.02])
    """
    code = check_choice("measure", measure, MEASURES)
    lab = as_labels(labels)
    given = {
        name: value
        for name, value in {
            "ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i,
            "xi": xi, "mi": mi, "ni": ni, "x1i": x1i, "x2i": x2i, "t1i": t1i, "t2i": t2i,
            "ri": ri, "ti": ti, "sdi": sdi,
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
    if code in _TWO_RATES and not ratio_args:
        _check_used(code, given, ("x1i", "x2i", "t1i", "t2i"))
        add_, to_ = _check_add_to(code, add, to)
        return _two_rates(code, given, lab, add_, to_, bool(drop00))
    if code in _ONE_GROUP:
        _check_used(code, given, ("xi", "mi", "ni"))
        add_, to_ = _check_add_to(code, add, to)
        return _one_group(code, given, lab, add_, to_, vtype)
    if code in _CORRELATIONS:
        _check_used(code, given, ("ri", "ni"))
        return _correlations(code, given, lab, vtype)
    if code in ("PCOR", "ZPCOR"):
        _check_used(code, given, ("ti", "mi", "ni"))
        return _partial(code, given, lab, vtype)
    if code == "IRLN":
        _check_used(code, given, ("xi", "ti"))
        add_, to_ = _check_add_to(code, add, to)
        return _one_rate(code, given, lab, add_, to_)
    if code in _ONE_MEAN:
        _check_used(code, given, ("mi", "sdi", "ni"))
        return _one_mean(code, given, lab)
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


def _check_used(code: str, given: dict[str, Any], allowed: Sequence[str]) -> None:
    extra = [a for a in given if a not in allowed]
    if extra:
        raise InputError(
            f"argument {extra[0]!r} is not used by measure {code!r} with these inputs "
            f"(it uses {', '.join(allowed)}); remove it or choose another measure",
            where=extra[0],
        )
