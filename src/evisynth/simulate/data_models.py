"""The data-generating models of a simulation design.

Each model produces, for one scenario, every study's estimate ``yi`` and
sampling variance ``vi`` (study-major ``(k, n)`` arrays):


* :class:`FixedVariances` — the random-effects model with known variances,
  ``yi ~ N(mu, vi + tau²)``; ``vi`` the same in every replication (one value
  for all studies, or one per study: design-matched to a real meta-analysis).
* :class:`RandomVariances` — as above, ``vi`` drawn afresh for every study of
  every replication (uniform or log-uniform between two bounds).
* :class:`BinaryData` — two-arm trials with binomial counts: study log odds
  ratio ``theta_i ~ N(mu, tau²)``, control risk ``p0``, treatment risk
  ``expit(logit(p0) + theta_i)``; ``yi, vi`` are the log odds ratio and its
  Woolf variance, with 1/2 added to every cell of a study with a zero cell
  (metafor's ``escalc`` default, ``add = 1/2, to = "only0"``). The small-sample
  bias of the log odds ratio is therefore part of the simulation.
* :class:`ContinuousData` — two-arm trials with normal outcomes: study mean
  difference ``theta_i ~ N(mu, tau²)``, sample means and variances of ``n``
  patients per arm; ``yi`` the mean difference, ``vi`` its estimated variance.
* :class:`SurvivalData` — two-arm trials with exponential event times: study
  log hazard ratio ``theta_i ~ N(mu, tau²)``, control hazard ``hazard``,
  administrative censoring at ``follow_up``; ``yi`` is the log ratio of the
  event rates (events / person-time), ``vi = 1/d_1 + 1/d_0`` (the
  exponential-model estimate and its variance), with 1/2 added to both event
  counts of a study with an arm without events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evisynth._validation import check_int, check_number
from evisynth.errors import InputError

Array = NDArray[np.float64]


class _AnyK:
    """A data model that serves any number of studies."""

    def check_k(self, k: int) -> None:
        return None


def _positive(name: str, value: Any) -> float:
    """A number greater than 0."""
    x = check_number(name, value, lo=0.0)
    if x <= 0:
        raise InputError(f"argument {name!r}: must be greater than 0", where=name)
    return x


def _pair(name: str, value: Any, *, lo: float, hi: float | None = None) -> tuple[float, float]:
    """A number or a ``(low, high)`` range, both within ``[lo, hi]``."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise InputError(
                f"argument {name!r}: expected a number or a [low, high] pair, got "
                f"{len(value)} values",
                where=name,
            )
        a = check_number(name, value[0], lo=lo, hi=hi)
        b = check_number(name, value[1], lo=lo, hi=hi)
        if b < a:
            raise InputError(
                f"argument {name!r}: range [{a:g}, {b:g}] has its high end below its low end",
                where=name,
            )
        return a, b
    x = check_number(name, value, lo=lo, hi=hi)
    return x, x


def _draw(rng: np.random.Generator, lohi: tuple[float, float], shape: tuple[int, int]) -> Any:
    lo, hi = lohi
    if lo == hi:
        return lo
    return rng.uniform(lo, hi, shape)


@dataclass(frozen=True)
class FixedVariances:
    """Known sampling variances: one value for all studies, or one per study.

    Parameters
    ----------
    vi
        A positive number, or a sequence of ``k`` positive numbers (then every
        ``k`` of the design must equal its length).

    Examples
    --------
    >>> FixedVariances([0.1, 0.2]).label
    'vi=[0.1, 0.2]'
    """

    vi: tuple[float, ...]

    def __init__(self, vi: float | Sequence[float] | NDArray[np.floating]) -> None:
        vals = np.atleast_1d(np.asarray(vi, dtype=object))
        if vals.ndim != 1 or vals.size == 0:
            raise InputError("argument 'vi': expected a number or a list of numbers", where="vi")
        out = tuple(
            check_number(f"vi[{i}]" if vals.size > 1 else "vi", float(v)
                         if isinstance(v, np.floating) else v, lo=0.0)
            for i, v in enumerate(vals.tolist())
        )
        for i, v in enumerate(out):
            if v <= 0:
                raise InputError(
                    f"argument 'vi', value {i + 1}: {v:g}; sampling variances must be "
                    "greater than 0",
                    where="vi",
                )
        object.__setattr__(self, "vi", out)

    @property
    def label(self) -> str:
        if len(self.vi) == 1:
            return f"vi={self.vi[0]:g}"
        return "vi=[" + ", ".join(f"{v:.4g}" for v in self.vi) + "]"

    def check_k(self, k: int) -> None:
        if len(self.vi) > 1 and len(self.vi) != k:
            raise InputError(
                f"argument 'vi': {len(self.vi)} variances given but the design has k = {k}; "
                "give one variance per study for a single k, or one number",
                where="vi",
            )

    def generate(
        self, rng: np.random.Generator, k: int, n: int, mu: float, tau: float
    ) -> tuple[Array, Array]:
        v = np.asarray(self.vi, dtype=np.float64)
        V = np.broadcast_to((v if v.size == k else np.full(k, v[0]))[:, None], (k, n))
        Y = mu + np.sqrt(V + tau * tau) * rng.standard_normal((k, n))
        return Y, np.ascontiguousarray(V)


_DISTS = ("uniform", "loguniform")


@dataclass(frozen=True)
class RandomVariances(_AnyK):
    """Sampling variances drawn for every study of every replication.

    Parameters
    ----------
    low, high
        Bounds of the variances, ``0 < low <= high``.
    dist
        ``"uniform"`` or ``"loguniform"`` (uniform on the log scale).

    Examples
    --------
    >>> RandomVariances(0.01, 0.5, "loguniform").label
    'vi~loguniform(0.01, 0.5)'
    """

    low: float
    high: float
    dist: str = "uniform"

    def __post_init__(self) -> None:
        lo = check_number("vi.low", self.low, lo=0.0)
        hi = check_number("vi.high", self.high, lo=0.0)
        if lo <= 0 or hi < lo:
            raise InputError(
                f"argument 'vi': bounds [{lo:g}, {hi:g}] must satisfy 0 < low <= high",
                where="vi",
            )
        if self.dist not in _DISTS:
            raise InputError(
                f"argument 'vi.dist': {self.dist!r} is not one of {', '.join(_DISTS)}",
                where="vi.dist",
            )
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    @property
    def label(self) -> str:
        return f"vi~{self.dist}({self.low:g}, {self.high:g})"

    def generate(
        self, rng: np.random.Generator, k: int, n: int, mu: float, tau: float
    ) -> tuple[Array, Array]:
        if self.dist == "uniform":
            V = rng.uniform(self.low, self.high, (k, n))
        else:
            V = np.exp(rng.uniform(math.log(self.low), math.log(self.high), (k, n)))
        Y = mu + np.sqrt(V + tau * tau) * rng.standard_normal((k, n))
        return Y, V


@dataclass(frozen=True)
class BinaryData(_AnyK):
    """Two-arm trials with binomial counts, analysed as log odds ratios.

    Parameters
    ----------
    n
        Patients per arm: a whole number, or ``(low, high)`` for sizes drawn
        uniformly (integers) per study.
    p_control
        Control-arm event risk in ``(0, 1)``, or ``(low, high)`` drawn uniformly
        per study.

    Examples
    --------
    >>> BinaryData(n=50, p_control=0.2).label
    'binary(n=50, p0=0.2)'
    """

    n: int | tuple[int, int] = 100
    p_control: float | tuple[float, float] = 0.2

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", _int_pair("n", self.n))
        lo, hi = _pair("p_control", self.p_control, lo=0.0, hi=1.0)
        if lo <= 0 or hi >= 1:
            raise InputError(
                "argument 'p_control': risks must lie strictly between 0 and 1", where="p_control"
            )
        object.__setattr__(self, "p_control", (lo, hi) if lo != hi else lo)

    @property
    def label(self) -> str:
        return f"binary(n={_fmt_pair(self.n)}, p0={_fmt_pair(self.p_control)})"

    def generate(
        self, rng: np.random.Generator, k: int, n: int, mu: float, tau: float
    ) -> tuple[Array, Array]:
        size = _draw_int(rng, _as_pair(self.n), (k, n))
        p0 = np.broadcast_to(_draw(rng, _as_pair(self.p_control), (k, n)), (k, n))
        theta = mu + tau * rng.standard_normal((k, n))
        lp0 = np.log(p0) - np.log1p(-p0)
        p1 = 1.0 / (1.0 + np.exp(-(lp0 + theta)))
        a = rng.binomial(size, p1).astype(np.float64)
        c = rng.binomial(size, p0).astype(np.float64)
        b = size - a
        d = size - c
        zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
        add = np.where(zero, 0.5, 0.0)
        a, b, c, d = a + add, b + add, c + add, d + add
        Y = np.log(a) - np.log(b) - np.log(c) + np.log(d)
        V = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d
        return Y, V


@dataclass(frozen=True)
class ContinuousData(_AnyK):
    """Two-arm trials with normal outcomes, analysed as mean differences.

    Study mean difference ``theta_i ~ N(mu, tau²)``; each arm's sample mean is
    drawn from ``N(arm mean, sd²/n)`` and its sample variance from
    ``sd² chi²_{n-1} / (n-1)`` (their exact joint distribution for normal
    patients); ``yi`` is the difference of the means and
    ``vi = s_1²/n + s_0²/n`` (metafor's ``escalc("MD")``), so the sampling
    variances are estimated, as in practice.

    Parameters
    ----------
    n
        Patients per arm (a whole number >= 2 or a ``(low, high)`` range).
    sd
        Outcome standard deviation within arms (> 0).

    Examples
    --------
    >>> ContinuousData(n=10, sd=1).label
    'continuous(n=10, sd=1)'
    """

    n: int | tuple[int, int] = 50
    sd: float = 1.0

    def __post_init__(self) -> None:
        n = _int_pair("n", self.n)
        if min(_as_pair(n)) < 2:
            raise InputError("argument 'n': need at least 2 patients per arm", where="n")
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "sd", _positive("sd", self.sd))

    @property
    def label(self) -> str:
        return f"continuous(n={_fmt_pair(self.n)}, sd={self.sd:g})"

    def generate(
        self, rng: np.random.Generator, k: int, n: int, mu: float, tau: float
    ) -> tuple[Array, Array]:
        size = np.broadcast_to(_draw_int(rng, _as_pair(self.n), (k, n)), (k, n)).astype(float)
        theta = mu + tau * rng.standard_normal((k, n))
        sd = self.sd
        m1 = theta + sd / np.sqrt(size) * rng.standard_normal((k, n))
        m0 = sd / np.sqrt(size) * rng.standard_normal((k, n))
        v1 = sd * sd * rng.chisquare(size - 1) / (size - 1)
        v0 = sd * sd * rng.chisquare(size - 1) / (size - 1)
        return m1 - m0, v1 / size + v0 / size


@dataclass(frozen=True)
class SurvivalData(_AnyK):
    """Two-arm trials with exponential event times, analysed as log hazard ratios.

    Parameters
    ----------
    n
        Patients per arm (a whole number or a ``(low, high)`` range).
    hazard
        Control-arm hazard per unit of time (> 0).
    follow_up
        Administrative censoring time (> 0): every patient is followed until an
        event or this time.

    Examples
    --------
    >>> SurvivalData(n=80, hazard=0.1, follow_up=12).label
    'survival(n=80, hazard=0.1, follow_up=12)'
    """

    n: int | tuple[int, int] = 100
    hazard: float = 0.1
    follow_up: float = 12.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", _int_pair("n", self.n))
        for name in ("hazard", "follow_up"):
            object.__setattr__(self, name, _positive(name, getattr(self, name)))

    @property
    def label(self) -> str:
        return (
            f"survival(n={_fmt_pair(self.n)}, hazard={self.hazard:g}, "
            f"follow_up={self.follow_up:g})"
        )

    def generate(
        self, rng: np.random.Generator, k: int, n: int, mu: float, tau: float
    ) -> tuple[Array, Array]:
        size = _draw_int(rng, _as_pair(self.n), (k, n))
        theta = mu + tau * rng.standard_normal((k, n))
        nmax = int(size.max()) if np.ndim(size) else int(size)
        size_a = np.broadcast_to(size, (k, n))
        F = self.follow_up
        events = np.empty((2, k, n))
        ptime = np.empty((2, k, n))
        for arm in (0, 1):
            for j in range(k):
                rate = self.hazard * (np.exp(theta[j]) if arm else np.ones(n))
                t = rng.standard_exponential((n, nmax)) / rate[:, None]
                inside = np.arange(nmax)[None, :] < size_a[j][:, None]
                ev = (t < F) & inside
                events[arm, j] = ev.sum(axis=1)
                ptime[arm, j] = np.where(inside, np.minimum(t, F), 0.0).sum(axis=1)
        zero = (events[0] == 0) | (events[1] == 0)
        d = events + np.where(zero, 0.5, 0.0)
        Y = np.log(d[1] / ptime[1]) - np.log(d[0] / ptime[0])
        V = 1.0 / d[1] + 1.0 / d[0]
        return Y, V


def _int_pair(name: str, value: Any) -> int | tuple[int, int]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise InputError(
                f"argument {name!r}: expected a whole number or a [low, high] pair", where=name
            )
        a, b = check_int(name, value[0], lo=1), check_int(name, value[1], lo=1)
        if b < a:
            raise InputError(
                f"argument {name!r}: range [{a}, {b}] has its high end below its low end",
                where=name,
            )
        return (a, b) if a != b else a
    return check_int(name, value, lo=1)


def _as_pair(v: Any) -> tuple[Any, Any]:
    return (v[0], v[1]) if isinstance(v, tuple) else (v, v)


def _fmt_pair(v: Any) -> str:
    return f"{v[0]:g}-{v[1]:g}" if isinstance(v, tuple) else f"{v:g}"


def _draw_int(rng: np.random.Generator, lohi: tuple[int, int], shape: tuple[int, int]) -> Any:
    lo, hi = lohi
    if lo == hi:
        return np.int64(lo)
    return rng.integers(lo, hi, size=shape, endpoint=True)
