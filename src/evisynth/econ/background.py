"""Background (general-population) mortality and age-adjusted utility norms.

A :class:`LifeTable` holds annual probabilities of death ``q_x`` by single
year of age. Within each year of age the hazard is taken as constant,
``mu_x = -log(1 - q_x)`` (so that the year's survival is exactly
``1 - q_x``); the last age's rate applies beyond the table. A ``q_x`` of 1
(the open interval "100 and over") is read as ``q_x = 1 - 1e-15``, a hazard
of about 34.5 per year, so that survival stays positive and finite in
floating point while being nil for every practical purpose.

The cumulative hazard at model time ``t`` for a cohort that starts at age
``a0`` is the integral of this step function from ``a0`` to ``a0 + t``.

References
----------
Arias E, Xu J. United States Life Tables, 2021. National Vital Statistics
Reports 72(12), 2023 (Table 1, total population) - the bundled table, a
checked secondary copy (see ``data/econ/README.md``).
Ara R, Brazier JE. Populating an economic model with health state utility
values: moving toward better practice. Value Health 2010;13(5):509-518.
Rutherford MJ et al. NICE DSU Technical Support Document 21 (2020): a cured
fraction dies at the general-population rate.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from evisynth._validation import FloatArray
from evisynth.errors import InputError

__all__ = ["LifeTable", "ara_brazier_utility", "us_life_table_2021"]

_Q_CAP = 1.0 - 1e-15


@dataclass(frozen=True, eq=False)
class LifeTable:
    """Annual probabilities of death by single year of age.

    Parameters
    ----------
    ages
        Consecutive whole ages (years), increasing by 1.
    qx
        Probability of death within the year of age, in [0, 1].
    source
        Citation of the table.

    Examples
    --------
    >>> lt = LifeTable([60, 61], [0.01, 0.02])
    >>> round(float(lt.survival(60, [1.0])[0]), 12)
    0.99
    """

    ages: tuple[int, ...]
    qx: tuple[float, ...]
    source: str = ""

    def __post_init__(self) -> None:
        ages = tuple(int(a) for a in self.ages)
        q = tuple(float(x) for x in self.qx)
        if len(ages) == 0 or len(ages) != len(q):
            raise InputError("life table: give one qx per age (and at least one age)",
                             where="background")
        if any(b - a != 1 for a, b in itertools.pairwise(ages)):
            raise InputError("life table: ages must be consecutive whole years",
                             where="background")
        for a, x in zip(ages, q, strict=True):
            if not (0.0 <= x <= 1.0) or not np.isfinite(x):
                raise InputError(f"life table, age {a}: qx {x!r} must lie in [0, 1]",
                                 where="background")
        object.__setattr__(self, "ages", ages)
        object.__setattr__(self, "qx", q)

    @property
    def rates(self) -> FloatArray:
        """Constant hazard within each year of age, ``-log(1 - q_x)``."""
        return -np.log1p(-np.minimum(np.asarray(self.qx), _Q_CAP))

    @classmethod
    def from_csv(cls, path: str | Path) -> LifeTable:
        """Read a CSV with columns ``age`` and ``qx`` (other columns ignored).

        Raises
        ------
        InputError
            Missing file or columns, or a value that is not a number.

        Examples
        --------
        >>> us_life_table_2021().ages[:2]
        (0, 1)
        """
        p = Path(path)
        if not p.exists():
            raise InputError(f"{p}: life table file not found", where=str(p))
        ages: list[int] = []
        qx: list[float] = []
        source = ""
        with p.open(newline="", encoding="utf-8") as fh:
            rd = csv.DictReader(fh)
            if rd.fieldnames is None or not {"age", "qx"} <= set(rd.fieldnames):
                raise InputError(f"{p}: needs columns 'age' and 'qx'", where=str(p))
            for i, row in enumerate(rd, start=2):
                try:
                    ages.append(int(row["age"]))
                    qx.append(float(row["qx"]))
                except (TypeError, ValueError):
                    raise InputError(f"{p}, row {i}: age/qx is not a number",
                                     where=f"{p}:{i}") from None
                source = source or row.get("source", "") or ""
        return cls(tuple(ages), tuple(qx), source or str(p))

    def rate_at(self, age: Any) -> FloatArray:
        """Hazard at attained ``age`` (years); ages outside the table use its ends."""
        a = np.floor(np.asarray(age, dtype=float)).astype(int) - self.ages[0]
        a = np.clip(a, 0, len(self.ages) - 1)
        return np.asarray(self.rates[a], dtype=float)

    def cumhaz(self, start_age: float, t: Any) -> FloatArray:
        """Cumulative hazard from ``start_age`` over ``t`` years (exact for the step hazard)."""
        t = np.asarray(t, dtype=float)
        r = self.rates
        a0 = self.ages[0]
        # cumulative hazard from age a0 to age a0 + j, j = 0..len
        cum = np.concatenate([[0.0], np.cumsum(r)])

        def H_from_first(age: FloatArray) -> FloatArray:
            x = age - a0
            j = np.clip(np.floor(x).astype(int), 0, len(r) - 1)
            below = x < 0
            base = cum[j] + r[j] * (x - j)
            return np.where(below, r[0] * x, base)

        return np.asarray(H_from_first(start_age + t) - H_from_first(np.asarray(start_age)),
                          dtype=float)

    def survival(self, start_age: float, t: Any) -> FloatArray:
        """General-population survival from ``start_age`` over ``t`` years."""
        return np.asarray(np.exp(-self.cumhaz(start_age, t)), dtype=float)


def us_life_table_2021() -> LifeTable:
    """The bundled US 2021 life table (NCHS NVSR 72-12, Table 1, total population).

    Returns
    -------
    LifeTable

    Examples
    --------
    >>> round(us_life_table_2021().qx[65], 6)
    0.015666

    References
    ----------
    Arias E, Xu J. United States Life Tables, 2021. NVSR 72(12), 2023.
    """
    path = Path(str(resources.files("evisynth") / "data" / "econ" / "lifetable_us_2021.csv"))
    lt = LifeTable.from_csv(path)
    return LifeTable(lt.ages, lt.qx,
                     "NCHS, United States Life Tables, 2021 (NVSR 72-12, Table 1); secondary copy")


# Ara & Brazier (2010) EQ-5D-3L general-population regression (secondary copies; see README).
_AB = {"intercept": 0.9508566, "male": 0.0212126, "age": -0.0002587, "age2": -0.0000332}


def ara_brazier_utility(age: Any, male: float) -> FloatArray:
    """General-population EQ-5D-3L utility at ``age`` for a cohort with share ``male``.

    ``U = 0.9508566 + 0.0212126 male - 0.0002587 age - 0.0000332 age^2``.

    Parameters
    ----------
    age
        Attained age in years.
    male
        Proportion of men, in [0, 1].

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    InputError
        If ``male`` is outside [0, 1].

    Examples
    --------
    >>> u = float(ara_brazier_utility(60.0, 1.0)[0])
    >>> abs(u - (0.9508566 + 0.0212126 - 0.0002587 * 60 - 0.0000332 * 60**2)) < 1e-15
    True

    References
    ----------
    Ara R, Brazier JE. Value Health 2010;13(5):509-518.
    """
    if not 0.0 <= float(male) <= 1.0:
        raise InputError(f"argument 'male': {male!r} must be a proportion in [0, 1]",
                         where="male")
    a = np.atleast_1d(np.asarray(age, dtype=float))
    return np.asarray(_AB["intercept"] + _AB["male"] * float(male) + _AB["age"] * a
                      + _AB["age2"] * a**2, dtype=float)
