"""Transformations between the analysis scale and the natural scale of an effect measure.

Effect sizes are pooled on an analysis scale on which they are roughly normal
(log ratio, logit, arcsine, Freeman–Tukey double arcsine). Results are reported
on the natural scale by the back-transforms here, which follow R metafor's
``transf.*`` functions (same definitions, same clamping at the boundaries).

>>> import numpy as np
>>> from evisynth import transforms
>>> float(transforms.ilogit(0.0))
0.5
>>> back = transforms.back_transform("PLO")
>>> float(back(np.log(0.25 / 0.75)))
0.25

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3). Functions ``transf.ilogit``, ``transf.iarcsin``,
``transf.pft``, ``transf.ipft``, ``transf.ipft.hm``, ``transf.rtoz``, ``transf.ztor``.

Miller JJ (1978). The inverse of the Freeman–Tukey double arcsine
transformation. Am Stat 32(4):138.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit

from evisynth._validation import FloatArray, as_float_vector, check_positive, first_true
from evisynth.errors import InputError

Transform = Callable[[ArrayLike], FloatArray]

__all__ = [
    "BACK_TRANSFORMS",
    "Transform",
    "arcsin",
    "back_transform",
    "exp",
    "iarcsin",
    "identity",
    "ilogit",
    "ipft",
    "ipft_hm",
    "logit",
    "pft",
    "rtoz",
    "ztor",
]


def _arr(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def identity(x: ArrayLike) -> FloatArray:
    """Return ``x`` unchanged (measures already on their natural scale: RD, MD, SMD, PR).

    >>> float(identity(0.3))
    0.3
    """
    return _arr(x).copy()


def exp(x: ArrayLike) -> FloatArray:
    """Exponential: log ratio (RR, OR, HR, IRR, ROM) to ratio.

    >>> float(exp(0.0))
    1.0
    """
    return np.exp(_arr(x))


def logit(p: ArrayLike) -> FloatArray:
    """Logit ``log(p / (1 - p))`` (metafor ``transf.logit``).

    >>> float(logit(0.5))
    0.0
    """
    pa = _arr(p)
    with np.errstate(divide="ignore"):
        return np.log(pa / (1.0 - pa))


def ilogit(x: ArrayLike) -> FloatArray:
    """Inverse logit ``1 / (1 + exp(-x))``: PLO to proportion (metafor ``transf.ilogit``).

    >>> float(ilogit(0.0))
    0.5
    """
    return np.asarray(expit(_arr(x)), dtype=np.float64)


def arcsin(p: ArrayLike) -> FloatArray:
    """Arcsine square-root ``asin(sqrt(p))`` (metafor ``transf.arcsin``, measure PAS).

    >>> round(float(arcsin(0.5)), 6)
    0.785398
    """
    return np.arcsin(np.sqrt(_arr(p)))


def iarcsin(x: ArrayLike) -> FloatArray:
    """Inverse arcsine ``sin(x)^2``: PAS to proportion (metafor ``transf.iarcsin``).

    Values below 0 map to 0 and above pi/2 to 1, as in metafor: ``sin^2`` is not
    monotone outside ``[0, pi/2]``, and a pooled estimate or CI bound there
    means "at the boundary".

    >>> round(float(iarcsin(np.pi / 4)), 12)
    0.5
    """
    xa = _arr(x)
    out = np.sin(xa) ** 2
    return np.where(xa < 0, 0.0, np.where(xa > np.pi / 2, 1.0, out))


def rtoz(r: ArrayLike) -> FloatArray:
    """Fisher's r-to-z, ``atanh(r) = log((1 + r)/(1 - r))/2`` (metafor ``transf.rtoz``).

    >>> round(float(rtoz(0.5)), 6)
    0.549306
    """
    ra = _arr(r)
    with np.errstate(divide="ignore"):
        return np.arctanh(ra)


def ztor(z: ArrayLike) -> FloatArray:
    """Fisher's z-to-r, ``tanh(z)``: ZCOR to correlation (metafor ``transf.ztor``).

    >>> round(float(ztor(rtoz(0.3))), 12)
    0.3
    """
    return np.tanh(_arr(z))


def pft(p: ArrayLike, ni: ArrayLike) -> FloatArray:
    """Freeman–Tukey double arcsine of a proportion ``p`` observed in ``ni`` subjects.

    ``0.5 * (asin(sqrt(x / (n + 1))) + asin(sqrt((x + 1) / (n + 1))))`` with
    ``x = p * n`` (metafor ``transf.pft``; equals escalc's PFT ``yi``).

    >>> round(float(pft(0.5, 10)), 6)
    0.785398
    """
    n = _arr(ni)
    xi = _arr(p) * n
    return 0.5 * (np.arcsin(np.sqrt(xi / (n + 1))) + np.arcsin(np.sqrt((xi + 1) / (n + 1))))


def ipft(x: ArrayLike, ni: ArrayLike) -> FloatArray:
    """Inverse Freeman–Tukey double arcsine for sample size(s) ``ni`` (Miller 1978).

    ``p = 0.5 * (1 - sign(cos 2x) * sqrt(1 - (sin 2x + (sin 2x - 1/sin 2x) / n)^2))``,
    set to 0 below ``pft(0, n)`` and to 1 above ``pft(1, n)`` (metafor ``transf.ipft``).

    Parameters
    ----------
    x
        Values on the double-arcsine scale.
    ni
        Sample size(s), broadcast against ``x``; must be positive.

    Returns
    -------
    numpy.ndarray
        Proportions in ``[0, 1]``.

    Raises
    ------
    InputError
        If a sample size is not positive, or a value inside the valid range has
        no inverse (cannot happen for finite input; guards against NaN).

    >>> round(float(ipft(pft(0.3, 20), 20)), 12)
    0.3
    """
    xa = _arr(x)
    n = _arr(ni)
    check_positive("ni", np.atleast_1d(n))
    s = np.sin(2 * xa)
    # outside [pft(0, n), pft(1, n)] the formula may overflow or be undefined;
    # those values are replaced by the boundaries just below
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = 0.5 * (1 - np.sign(np.cos(2 * xa)) * np.sqrt(1 - (s + (s - 1 / s) / n) ** 2))
    z = np.where(xa > pft(1.0, n), 1.0, np.where(xa < pft(0.0, n), 0.0, z))
    i = first_true(np.isnan(np.atleast_1d(z)))
    if i is not None:
        raise InputError(
            f"argument 'x': value {np.atleast_1d(xa)[i]!r} has no Freeman–Tukey inverse "
            "for the given sample size",
            where="x",
        )
    return np.asarray(z, dtype=np.float64)


def ipft_hm(x: ArrayLike, ni: ArrayLike) -> FloatArray:
    """Inverse Freeman–Tukey transform with the harmonic mean of the study sizes.

    A pooled PFT estimate has no sample size of its own; metafor
    (``transf.ipft.hm``) uses the harmonic mean ``1 / mean(1 / ni)`` of the
    studies' sizes, and so do we.

    Parameters
    ----------
    x
        Values on the double-arcsine scale (pooled estimate, CI bounds).
    ni
        Sample sizes of all studies in the analysis.

    Returns
    -------
    numpy.ndarray
        Proportions in ``[0, 1]``.

    Raises
    ------
    InputError
        If ``ni`` is empty, holds NaN or non-positive values.

    >>> round(float(ipft_hm(pft(0.3, 20), [10, 30, 20, 60])), 12)  # nhm = 20
    0.3
    """
    n = as_float_vector("ni", ni)
    if n.size == 0:
        raise InputError("argument 'ni': no sample sizes given", where="ni")
    check_positive("ni", n)
    nhm = 1.0 / float(np.mean(1.0 / n))
    return ipft(x, nhm)


#: Back-transform for each measure, for those that need no extra information.
BACK_TRANSFORMS: dict[str, Transform] = {
    "RR": exp,
    "OR": exp,
    "HR": exp,
    "IRR": exp,
    "ROM": exp,
    "PLO": ilogit,
    "PAS": iarcsin,
    "PR": identity,
    "RD": identity,
    "MD": identity,
    "SMD": identity,
    "GEN": identity,
    "ZCOR": ztor,
    "ZPCOR": ztor,
    "PCOR": identity,
    "COR": identity,
    "UCOR": identity,
    "SMDH": identity,
    "AS": identity,
    "IRD": identity,
    "IRSD": identity,
    "MN": identity,
    "PETO": exp,
    "IRLN": exp,
    "MNLN": exp,
}


def back_transform(measure: str, ni: Sequence[float] | Any | None = None) -> Transform:
    """The function that maps a measure's analysis scale to its natural scale.

    Parameters
    ----------
    measure
        Effect measure code (``"RR"``, ``"PLO"``, ``"PFT"``, ...).
    ni
        Study sample sizes; required for ``"PFT"`` (harmonic-mean inverse).

    Returns
    -------
    Callable
        Vectorised function of the analysis-scale values.

    Raises
    ------
    InputError
        Unknown measure, or ``"PFT"`` without ``ni``.

    >>> float(back_transform("HR")(0.0))
    1.0
    """
    key = measure.upper() if isinstance(measure, str) else measure
    if key == "PFT":
        if ni is None:
            raise InputError(
                "argument 'ni': the PFT back-transform needs the studies' sample sizes "
                "(harmonic-mean inverse, as metafor's transf.ipft.hm)",
                where="ni",
            )
        sizes = as_float_vector("ni", ni)
        check_positive("ni", sizes)

        def _ipft_hm(x: ArrayLike) -> FloatArray:
            return ipft_hm(x, sizes)

        return _ipft_hm
    try:
        return BACK_TRANSFORMS[key]
    except KeyError:
        known = ", ".join([*BACK_TRANSFORMS, "PFT"])
        raise InputError(
            f"argument 'measure': {measure!r} is not one of {known}", where="measure"
        ) from None
