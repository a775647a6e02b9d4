"""Joint draws of a model's uncertain inputs for the probabilistic analysis.

Every input with a distribution is drawn once, however many arms use it
(Gaussian copula with the model's correlations, :func:`~evisynth.econ.params.sample_params`);
curve coefficients with a covariance matrix are drawn multivariate normal, through a
square root of the covariance that also serves a singular matrix.

References
----------
Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic
Evaluation. OUP, 2006, ch. 4 (correlated inputs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from evisynth._validation import FloatArray
from evisynth.econ._draws import Draws
from evisynth.econ.params import sample_params
from evisynth.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from evisynth.econ.model import PartitionedSurvival

__all__ = ["draw_inputs"]


def _coef_blocks(model: PartitionedSurvival) -> list[tuple[object, FloatArray, FloatArray]]:
    """Each curve coefficient block once: ``(key, mean, covariance)``."""
    seen: set[int] = set()
    out = []
    for arm in model.arms.values():
        for c in (arm.pfs, arm.os):
            for key, mean, cov in c.coef_blocks():
                if id(key) not in seen:
                    seen.add(id(key))
                    out.append((key, mean, cov))
    return out


def _check_draws(model: PartitionedSurvival, dr: Draws) -> None:
    """Utilities drawn within [-0.6, 1] and costs not below 0, or a named error."""
    for _, role, p in model.inputs():
        x = dr.values.get(id(p))
        if x is None:
            continue
        if "utility" in role and (x.min() < -0.6 or x.max() > 1):
            raise InputError(
                f"input {p.label!r}: its {p.dist} distribution gives utilities outside "
                "[-0.6, 1]; use a beta (or a narrower range)", where=p.name or role)
        if ("cost" in role) and x.min() < 0:
            raise InputError(f"input {p.label!r}: its {p.dist} distribution gives "
                             "negative costs; use a gamma", where=p.name or role)


def draw_inputs(model: PartitionedSurvival, n: int, rng: np.random.Generator) -> Draws:
    """The joint draws behind :meth:`PartitionedSurvival.draw
    <evisynth.econ.model.PartitionedSurvival.draw>`, which documents them."""
    params = [p for _, _, p in model.inputs() if p.dist != "fixed" and p.sd > 0]
    index = {id(p): i for i, p in enumerate(params)}
    corr = {}
    for (a, b), rho in model.correlation.items():
        if id(a) in index and id(b) in index:
            corr[(index[id(a)], index[id(b)])] = float(rho)
    x = sample_params(params, n, rng, corr)
    dr = Draws(n)
    for j, p in enumerate(params):
        dr.values[id(p)] = x[:, j]
    for key, mean, cov in _coef_blocks(model):
        w, V = np.linalg.eigh((cov + cov.T) / 2)
        if w.min() < -1e-10 * max(1.0, abs(w).max()):
            raise InputError("a curve's coefficient covariance matrix is not positive "
                             "semi-definite", where="vcov")
        L = V * np.sqrt(np.clip(w, 0.0, None))  # cov = L L^T, also when singular
        dr.coefs[id(key)] = mean[None, :] + rng.standard_normal((n, len(mean))) @ L.T
    _check_draws(model, dr)
    return dr
