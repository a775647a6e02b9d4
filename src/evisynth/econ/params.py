"""Model inputs with their uncertainty: :class:`Param` and joint sampling.

A :class:`Param` is one number of a cost-effectiveness model (a price, a
utility, a hazard ratio, a probability) together with what is known about its
uncertainty: a distribution for the probabilistic analysis, a low/high range
for the one-way analysis, and where it came from.

Distributions are specified by the point value and a standard error (or,
when only a range is known, ``se = (high - low) / (2 * 1.959964)``, the range
read as a 95% interval), by the method of moments (Briggs, Claxton & Sculpher
2006, ch. 4):

============  ===============================================================
``fixed``     not sampled
``gamma``     mean ``value``, sd ``se``: shape ``(value/se)^2``, scale ``se^2/value``
``beta``      mean ``value``, sd ``se``: ``a = value*k``, ``b = (1-value)*k``,
              ``k = value*(1-value)/se^2 - 1``
``lognormal`` median ``value``; ``se`` is the sd of ``log`` (for a ratio with a CI,
              ``se = (log high - log low) / (2 * 1.959964)``)
``normal``    mean ``value``, sd ``se``
============  ===============================================================

Independent inputs are drawn directly from their distributions. Correlated
inputs use a Gaussian copula: one standard-normal vector per draw, correlated
by the user's correlation matrix, is mapped to every input through its
inverse CDF. Inputs used in several places are one object and are therefore
drawn once.

References
----------
Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic
Evaluation. Oxford University Press, 2006 (ch. 4, choosing distributions).
Nelsen RB. An Introduction to Copulas, 2nd ed. Springer, 2006 (Gaussian copula).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import special

from evisynth._validation import FloatArray
from evisynth.errors import InputError

__all__ = ["DISTRIBUTIONS", "Param", "as_param", "sample_params"]

#: Distributions a :class:`Param` may carry.
DISTRIBUTIONS = ("fixed", "gamma", "beta", "lognormal", "normal")

Z975 = float(special.ndtri(0.975))


def _where(p: Param | None) -> str:
    if p is None:
        return ""
    out = f" (input {p.name!r}" if p.name else " (input"
    if p.line is not None:
        out += f", {p.file or 'TOML'} line {p.line}"
    return out + ")" if (p.name or p.line is not None) else ""


@dataclass(frozen=True, eq=False)
class Param:
    """One model input: value, uncertainty and source.

    Parameters
    ----------
    value
        Point value (the mean; for ``lognormal`` the median).
    name
        Label used in tornado diagrams and error messages.
    dist
        One of :data:`DISTRIBUTIONS`.
    se
        Standard error (sd of the log for ``lognormal``); derived from
        ``low``/``high`` when omitted.
    low, high
        Range for the one-way sensitivity analysis.
    source
        Citation and where in it.
    assumption
        ``True`` when no source gives the number.
    unit, price_year
        Unit text and the price year of a cost.
    line, file
        Where the input was defined (TOML files), for error messages.

    Examples
    --------
    >>> p = Param(0.8, name="u_pf", dist="beta", low=0.7, high=0.9)
    >>> p.sd == (0.9 - 0.7) / (2 * Z975)   # the range read as a 95% interval
    True
    """

    value: float
    name: str | None = None
    dist: str = "fixed"
    se: float | None = None
    low: float | None = None
    high: float | None = None
    source: str = ""
    assumption: bool = False
    unit: str = ""
    price_year: int | None = None
    line: int | None = None
    file: str | None = None

    def __post_init__(self) -> None:
        w = _where(self)
        if isinstance(self.value, bool) or not isinstance(self.value, int | float | np.floating):
            raise InputError(f"value{w}: expected a number, got {self.value!r:.60}",
                             where=self.name)
        if not math.isfinite(float(self.value)):
            raise InputError(f"value{w}: {self.value!r} is not a finite number", where=self.name)
        object.__setattr__(self, "value", float(self.value))
        if self.dist not in DISTRIBUTIONS:
            raise InputError(
                f"distribution{w}: {self.dist!r} is unknown; use one of {', '.join(DISTRIBUTIONS)}",
                where=self.name,
            )
        for k in ("se", "low", "high"):
            v = getattr(self, k)
            if v is not None:
                if isinstance(v, bool) or not isinstance(v, int | float | np.floating) or not (
                    math.isfinite(float(v))
                ):
                    raise InputError(f"{k}{w}: expected a finite number, got {v!r:.60}",
                                     where=self.name)
                object.__setattr__(self, k, float(v))
        if self.low is not None and self.high is not None and self.low > self.high:
            raise InputError(f"low/high{w}: low {self.low:g} is above high {self.high:g}",
                             where=self.name)
        if self.se is not None and self.se < 0:
            raise InputError(f"se{w}: {self.se:g} is negative; a standard error is >= 0",
                             where=self.name)
        if self.dist != "fixed":
            sd = self.sd
            v = self.value
            if self.dist == "gamma" and (v <= 0 and sd > 0):
                raise InputError(f"distribution{w}: a gamma needs a positive value, got {v:g}",
                                 where=self.name)
            if self.dist == "lognormal" and v <= 0:
                raise InputError(
                    f"distribution{w}: a log-normal needs a positive value, got {v:g}",
                    where=self.name)
            if self.dist == "beta":
                if not 0 <= v <= 1:
                    raise InputError(
                        f"distribution{w}: a beta needs a value in [0, 1], got {v:g}",
                        where=self.name)
                if sd > 0 and (v in (0.0, 1.0) or sd**2 >= v * (1 - v)):
                    raise InputError(
                        f"distribution{w}: a beta with mean {v:g} needs se below "
                        f"sqrt(mean*(1-mean)) = {math.sqrt(v * (1 - v)):.4g}, got {sd:.4g}",
                        where=self.name)

    @property
    def sd(self) -> float:
        """Standard error of the distribution (0 when none is known)."""
        if self.se is not None:
            return self.se
        if self.low is None or self.high is None:
            return 0.0
        if self.dist == "lognormal":
            if self.low <= 0:
                raise InputError(f"low{_where(self)}: a log-normal range needs low > 0",
                                 where=self.name)
            return (math.log(self.high) - math.log(self.low)) / (2 * Z975)
        return (self.high - self.low) / (2 * Z975)

    @property
    def label(self) -> str:
        return self.name or f"{self.value:g}"

    def with_value(self, value: float) -> Param:
        """The same input with another point value (for overrides)."""
        return replace(self, value=float(value))

    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantiles of the input's distribution at probabilities ``u``.

        Degenerate distributions (``fixed`` or sd 0) return the value exactly.
        """
        u = np.asarray(u, dtype=float)
        sd = self.sd
        v = self.value
        if self.dist == "fixed" or sd == 0:
            return np.full(u.shape, v)
        if self.dist == "normal":
            return np.asarray(v + sd * special.ndtri(u), dtype=float)
        if self.dist == "lognormal":
            return np.asarray(v * np.exp(sd * special.ndtri(u)), dtype=float)
        if self.dist == "gamma":
            shape = (v / sd) ** 2
            return np.asarray(special.gammaincinv(shape, u) * (sd**2 / v), dtype=float)
        k = v * (1 - v) / sd**2 - 1
        return np.asarray(special.betaincinv(v * k, (1 - v) * k, u), dtype=float)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` independent draws (degenerate distributions give the value exactly)."""
        sd, v = self.sd, self.value
        if self.dist == "fixed" or sd == 0:
            return np.full(n, v)
        if self.dist == "normal":
            return v + sd * rng.standard_normal(n)
        if self.dist == "lognormal":
            return np.asarray(v * np.exp(sd * rng.standard_normal(n)), dtype=float)
        if self.dist == "gamma":
            return rng.gamma((v / sd) ** 2, sd**2 / v, n)
        k = v * (1 - v) / sd**2 - 1
        return rng.beta(v * k, (1 - v) * k, n)

    def mean(self) -> float:
        """Expectation of the input's distribution."""
        if self.dist == "lognormal":
            return self.value * math.exp(self.sd**2 / 2)
        return self.value

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "value": self.value, "distribution": self.dist,
            "se": self.sd, "low": self.low, "high": self.high, "source": self.source,
            "assumption": self.assumption, "unit": self.unit, "price_year": self.price_year,
        }


def as_param(value: Any, name: str) -> Param:
    """A :class:`Param` from a number (fixed) or a :class:`Param` (unchanged).

    Raises
    ------
    InputError
        If the value is neither.

    Examples
    --------
    >>> as_param(3.0, "cost").dist
    'fixed'
    """
    if isinstance(value, Param):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise InputError(
            f"argument {name!r}: expected a number or an evisynth Param, got {value!r:.60}",
            where=name,
        )
    if not math.isfinite(float(value)):
        raise InputError(f"argument {name!r}: {value!r} is not a finite number", where=name)
    return Param(float(value), name=name)


def sample_params(
    params: Sequence[Param],
    n: int,
    rng: np.random.Generator,
    correlation: Mapping[tuple[int, int], float] | None = None,
) -> FloatArray:
    """Joint draws of ``params``: an ``(n, len(params))`` array (Gaussian copula).

    Parameters
    ----------
    params
        The inputs, in a fixed order (the column order of the result).
    n
        Number of draws.
    rng
        Source of randomness; the same seed gives the same draws.
    correlation
        Optional ``{(i, j): rho}`` between columns ``i`` and ``j``.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    InputError
        If the correlation matrix is not positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> x = sample_params([Param(2.0, dist="gamma", se=0.5)], 4, np.random.default_rng(1))
    >>> x.shape
    (4, 1)

    References
    ----------
    Nelsen (2006), Gaussian copula; Briggs et al. (2006) ch. 4.
    """
    k = len(params)
    if not correlation:
        out = np.empty((n, k))
        for j, p in enumerate(params):
            out[:, j] = p.draw(rng, n)
        return out
    z = rng.standard_normal((n, k))
    if correlation:
        R = np.eye(k)
        for (i, j), rho in correlation.items():
            R[i, j] = R[j, i] = rho
        try:
            L = np.linalg.cholesky(R)
        except np.linalg.LinAlgError:
            raise InputError(
                "argument 'correlation': the correlation matrix is not positive definite",
                where="correlation",
            ) from None
        z = z @ L.T
    u = special.ndtr(z)
    out = np.empty((n, k))
    for j, p in enumerate(params):
        out[:, j] = p.ppf(u[:, j])
    return out
