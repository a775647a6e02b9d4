"""Simulation designs: a grid of scenarios.

A scenario ("cell") fixes the number of studies ``k``, the between-study
standard deviation ``tau``, the mean effect ``mu`` and a data model that
produces each study's estimate ``yi`` and sampling variance ``vi``:

The data models (:class:`FixedVariances`, :class:`RandomVariances`,
:class:`BinaryData`, :class:`ContinuousData`, :class:`SurvivalData`) are in
:mod:`evisynth.simulate.data_models`.

Replications are generated in fixed blocks of :data:`BLOCK` replications, each
from its own random stream ``SeedSequence(seed).spawn``-style keyed by
(cell, block), so the data of a replication never depend on how the work is
chunked or where it runs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from evisynth._validation import check_int, check_number
from evisynth.errors import InputError
from evisynth.simulate.data_models import (
    Array,
    BinaryData,
    ContinuousData,
    FixedVariances,
    RandomVariances,
    SurvivalData,
)

__all__ = [
    "BLOCK",
    "BinaryData",
    "Cell",
    "ContinuousData",
    "DataModel",
    "FixedVariances",
    "RandomVariances",
    "SimDesign",
    "SurvivalData",
    "as_data_model",
    "block_rng",
    "generate_blocks",
]

#: Replications per random stream; chunks are whole numbers of blocks.
BLOCK = 8192


class DataModel(Protocol):
    """What a data model provides: a label and study-major ``(k, n)`` draws."""

    @property
    def label(self) -> str: ...

    def check_k(self, k: int) -> None: ...

    def generate(
        self, rng: np.random.Generator, k: int, n: int, mu: float, tau: float
    ) -> tuple[Array, Array]: ...


def as_data_model(vi: Any) -> DataModel:
    """A data model from ``vi``: a model object, a number or a list of numbers."""
    if isinstance(vi, FixedVariances | RandomVariances | BinaryData | ContinuousData
                  | SurvivalData):
        return vi
    if hasattr(vi, "generate") and hasattr(vi, "label") and hasattr(vi, "check_k"):
        return vi
    return FixedVariances(vi)


def _grid(name: str, value: Any, *, lo: float, integer: bool = False) -> tuple[Any, ...]:
    vals = list(value) if isinstance(value, Sequence | np.ndarray) and not isinstance(
        value, str) else [value]
    if not vals:
        raise InputError(f"argument {name!r}: empty list; give at least one value", where=name)
    if integer:
        return tuple(check_int(name, v.item() if isinstance(v, np.integer) else v, lo=int(lo))
                     for v in vals)
    return tuple(check_number(name, float(v) if isinstance(v, np.floating | np.integer)
                              else v, lo=lo) for v in vals)


@dataclass(frozen=True)
class Cell:
    """One scenario of a design."""

    index: int
    k: int
    tau: float
    mu: float
    data: DataModel


@dataclass(frozen=True)
class SimDesign:
    """A full-factorial grid of simulation scenarios.

    Parameters
    ----------
    k
        Number(s) of studies per meta-analysis (each >= 2).
    tau
        Between-study standard deviation(s) (>= 0), on the analysis scale.
    mu
        True mean effect(s).
    vi
        Data model(s): a number or a list of per-study variances
        (:class:`FixedVariances`), or :class:`RandomVariances`,
        :class:`BinaryData`, :class:`ContinuousData`, :class:`SurvivalData`; a
        list of models for several.

    Examples
    --------
    >>> d = SimDesign(k=[2, 3], tau=[0, 0.2], mu=0, vi=0.1)
    >>> len(d.cells())
    4
    """

    k: tuple[int, ...]
    tau: tuple[float, ...]
    mu: tuple[float, ...] = (0.0,)
    vi: tuple[DataModel, ...] = field(default_factory=lambda: (FixedVariances(0.1),))

    def __init__(
        self,
        k: int | Sequence[int] = (2, 3, 5, 10),
        tau: float | Sequence[float] = (0.0, 0.1, 0.3, 0.6),
        mu: float | Sequence[float] = 0.0,
        vi: Any = 0.1,
    ) -> None:
        ks = _grid("k", k, lo=2, integer=True)
        taus = _grid("tau", tau, lo=0.0)
        mus = _grid("mu", mu, lo=-math.inf)
        if isinstance(vi, list | tuple) and vi and all(
            hasattr(m, "generate") for m in vi
        ):
            models = tuple(as_data_model(m) for m in vi)
        else:
            models = (as_data_model(vi),)
        for m in models:
            for kk in ks:
                m.check_k(kk)
        object.__setattr__(self, "k", ks)
        object.__setattr__(self, "tau", taus)
        object.__setattr__(self, "mu", mus)
        object.__setattr__(self, "vi", models)

    def cells(self) -> list[Cell]:
        """All scenarios in grid order (``k`` slowest, then ``tau``, ``mu``, ``vi``)."""
        return [
            Cell(i, kk, t, m, d)
            for i, (kk, t, m, d) in enumerate(itertools.product(self.k, self.tau, self.mu, self.vi))
        ]


def block_rng(
    entropy: int | tuple[int, ...], spawn_key: tuple[int, ...], cell: int, block: int
) -> np.random.Generator:
    """The random stream of one block: child ``(cell, block)`` of the root SeedSequence."""
    ss = np.random.SeedSequence(entropy, spawn_key=(*spawn_key, cell, block))
    return np.random.Generator(np.random.PCG64(ss))


def generate_blocks(
    cell: Cell, entropy: int | tuple[int, ...], spawn_key: tuple[int, ...], blocks: range, reps: int
) -> tuple[Array, Array, list[int]]:
    """Data of consecutive blocks of a cell, study-major ``(k, n)``; also the block sizes."""
    Ys, Vs, sizes = [], [], []
    for b in blocks:
        n = min(BLOCK, reps - b * BLOCK)
        rng = block_rng(entropy, spawn_key, cell.index, b)
        Y, V = cell.data.generate(rng, cell.k, n, cell.mu, cell.tau)
        Ys.append(Y)
        Vs.append(V)
        sizes.append(n)
    if len(Ys) == 1:
        return Ys[0], Vs[0], sizes
    return np.concatenate(Ys, axis=1), np.concatenate(Vs, axis=1), sizes
