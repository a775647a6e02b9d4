"""Shapes and weighted least squares over a batch of meta-analyses.

Every engine function works on a *batch*: ``yi`` and ``vi`` of shape ``(B, k)``,
a boolean ``mask`` of shape ``(B, k)`` (``True`` = study included) and a design
``X`` of shape ``(B, k, p)``. A single meta-analysis is ``B = 1``; leave-one-out
is ``B = k`` with one study masked out per row. Excluded studies simply get
weight 0, so every row can use a different subset without any Python loop.

Notation follows Viechtbauer (2005, 2010) and metafor: ``W = diag(w)``,
``P = W - W X (X'WX)^{-1} X'W``; then ``P y = w * (y - X b)`` with ``b`` the
weighted least-squares estimate, which is how quadratic forms in ``P`` are
computed here without ever forming a ``k x k`` matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Batch:
    """Validated engine input: ``yi, vi (B, k)``, ``X (B, k, p)``, ``mask (B, k)``."""

    yi: Array
    vi: Array
    X: Array
    mask: BoolArray

    @property
    def k(self) -> NDArray[np.int64]:
        """Number of included studies per batch member, shape ``(B,)``."""
        return self.mask.sum(axis=1)

    @property
    def p(self) -> int:
        """Number of model coefficients."""
        return int(self.X.shape[2])

    @property
    def B(self) -> int:
        return int(self.yi.shape[0])


def make_batch(
    yi: NDArray[np.floating] | list[float],
    vi: NDArray[np.floating] | list[float],
    X: NDArray[np.floating] | None = None,
    mask: NDArray[np.bool_] | None = None,
) -> Batch:
    """Broadcast inputs to engine shapes.

    ``yi``/``vi`` may be ``(k,)`` or ``(B, k)``; ``X`` may be ``None``
    (intercept only), ``(k, p)`` or ``(B, k, p)``; ``mask`` ``None`` means all
    included. Masked-out entries may hold any finite value; they are zeroed so
    that they cannot leak into sums.
    """
    y = np.atleast_2d(np.asarray(yi, dtype=np.float64))
    v = np.atleast_2d(np.asarray(vi, dtype=np.float64))
    m0 = np.ones((1, 1), dtype=bool) if mask is None else np.atleast_2d(np.asarray(mask, bool))
    y, v, m0 = np.broadcast_arrays(y, v, m0)
    B, k = y.shape
    if X is None:
        Xb = np.ones((B, k, 1))
    else:
        Xa = np.asarray(X, dtype=np.float64)
        if Xa.ndim == 1:
            Xa = Xa[:, None]
        Xb = np.broadcast_to(Xa, (B, k, Xa.shape[-1])) if Xa.ndim == 2 else Xa
    m = np.array(m0, dtype=bool)
    # Excluded studies get y = 0 and v = 1: harmless values whose weight is 0.
    y = np.where(m, y, 0.0)
    v = np.where(m, v, 1.0)
    Xb = np.where(m[:, :, None], Xb, 0.0)
    return Batch(yi=y, vi=v, X=Xb, mask=m)


def normalise(batch: Batch) -> tuple[Batch, Array, Array]:
    """Rescale every member so that its smallest sampling variance is near 1.

    Returns ``(scaled, s, s2)`` with ``yi / s`` and ``vi / s2`` (``s2 = s²``), where
    ``s`` is a power of 2 near ``sqrt(min(vi))``. Multiplying by a power of 2 is
    exact in binary floating point, so results computed on the scaled batch and
    scaled back (``tau² · s2``, ``beta · s``) are identical to unscaled ones
    wherever those do not overflow; on data with variances near 1e-300 or 1e300
    they are what the unscaled arithmetic cannot represent (``w²``, ``w⁴`` terms).
    """
    scale = power2_scale(np.where(batch.mask, batch.vi, np.inf).min(axis=1))
    if scale is None:
        ones = np.ones(batch.B)
        return batch, ones, ones
    sc, s2 = scale
    scaled = Batch(
        yi=batch.yi / sc[:, None],
        vi=np.where(batch.mask, batch.vi / s2[:, None], 1.0),
        X=batch.X,
        mask=batch.mask,
    )
    return scaled, sc, s2


def power2_scale(vmin: Array) -> tuple[Array, Array] | None:
    """Powers of 2 ``(s, s²)`` that bring each smallest variance ``vmin`` near 1.

    ``s = 2^(ex // 2)`` where ``vmin = m 2^ex`` with ``m`` in ``[0.5, 1)``
    (``frexp``), so ``vmin / s²`` lies in ``[1/2, 2)``; 1 where ``vmin`` is not a
    positive finite number. ``None`` when every factor is 1 (nothing to rescale).
    """
    ok = np.isfinite(vmin) & (vmin > 0)
    e = np.frexp(np.where(ok, vmin, 1.0))[1] // 2
    if not e.any():
        return None
    sc = np.ldexp(1.0, e)
    return sc, sc * sc


@dataclass(frozen=True)
class WLS:
    """Weighted least-squares fit of every batch member for given weights ``w``.

    Attributes
    ----------
    w
        Weights, ``(B, k)``; 0 for excluded studies.
    beta
        Coefficients ``(X'WX)^{-1} X'W y``, shape ``(B, p)``.
    XtWX_inv
        ``(X'WX)^{-1}``, shape ``(B, p, p)``.
    resid
        ``y - X beta`` (0 for excluded studies), shape ``(B, k)``.
    """

    w: Array
    beta: Array
    XtWX_inv: Array
    resid: Array
    X: Array

    @property
    def Py(self) -> Array:
        """``P y = W (y - X beta)``."""
        return self.w * self.resid

    @property
    def yPy(self) -> Array:
        """Weighted residual sum of squares ``y'Py``, shape ``(B,)``."""
        return np.einsum("bk,bk->b", self.w, self.resid**2)

    @property
    def yPPy(self) -> Array:
        """``y'PPy = |Py|^2``, shape ``(B,)``."""
        return np.einsum("bk,bk->b", self.Py, self.Py)

    def trace_P(self) -> Array:
        """``tr(P) = sum_i w_i (1 - h_ii)``, computed without cancellation.

        The textbook ``sum(w) - tr((X'WX)^{-1} X'W^2X)`` subtracts two nearly
        equal numbers when one weight dominates (``vi`` spanning many orders of
        magnitude) and can even come out negative. It is used where it keeps at
        least 12 digits (the result is above ``1e-4 sum(w)``); the other members
        are recomputed exactly: with one coefficient from exclusive sums
        (``1 - h_ii = sum_{j != i} w_j x_j^2 / sum_j w_j x_j^2``, prefix plus
        suffix sums of positive terms), otherwise from an orthonormal basis of
        the residual space.
        """
        XtW2X = np.einsum("bki,bk,bkj->bij", self.X, self.w**2, self.X)
        sw = self.w.sum(axis=1)
        tr = sw - np.einsum("bij,bji->b", self.XtWX_inv, XtW2X)
        bad = ~(tr > _KEEP * sw)
        if bad.any():
            tr = tr.copy()
            tr[bad] = self._stable_traces(bad)[0]
        return tr

    def trace_PP(self) -> Array:
        """``tr(PP) = sum_ij P_ij^2``, computed without cancellation (see :meth:`trace_P`).

        Textbook form ``sum(w^2) - 2 tr(A X'W^3X) + tr(A X'W^2X A X'W^2X)`` with
        ``A = (X'WX)^{-1}``, recomputed exactly where it cancels.
        """
        A = self.XtWX_inv
        XtW2X = np.einsum("bki,bk,bkj->bij", self.X, self.w**2, self.X)
        XtW3X = np.einsum("bki,bk,bkj->bij", self.X, self.w**3, self.X)
        AM2 = A @ XtW2X
        w2 = (self.w**2).sum(axis=1)
        tr = w2 - 2.0 * np.einsum("bij,bji->b", A, XtW3X) + np.einsum("bij,bji->b", AM2, AM2)
        bad = ~(tr > _KEEP * w2)
        if bad.any():
            tr = tr.copy()
            tr[bad] = self._stable_traces(bad)[1]
        return tr

    def _stable_traces(self, rows: np.ndarray) -> tuple[Array, Array]:
        w, X = self.w[rows], self.X[rows]
        if X.shape[2] == 1:
            return _trace_p1(w, X[:, :, 0])
        return _trace_qr(w, X)

    def hat_diag(self) -> Array:
        """Diagonal of the hat matrix ``X (X'WX)^{-1} X'W``, shape ``(B, k)``."""
        return np.einsum("bki,bij,bkj->bk", self.X, self.XtWX_inv, self.X) * self.w


def wls(X: Array, y: Array, w: Array) -> WLS:
    """Weighted least squares for every batch member at once.

    Parameters
    ----------
    X
        Design, ``(B, k, p)``; rows of excluded studies must carry weight 0.
    y
        Outcomes, ``(B, k)``.
    w
        Non-negative weights, ``(B, k)``.

    Raises
    ------
    numpy.linalg.LinAlgError
        If ``X'WX`` is singular for some batch member (callers check rank first).
    """
    XtWX = np.einsum("bki,bk,bkj->bij", X, w, X)
    XtWy = np.einsum("bki,bk,bk->bi", X, w, y)
    if XtWX.shape[1] == 1:
        inv = 1.0 / XtWX
    else:
        inv = np.linalg.inv(XtWX)
    beta = np.einsum("bij,bj->bi", inv, XtWy)
    resid = y - np.einsum("bkp,bp->bk", X, beta)
    resid = np.where(w > 0, resid, 0.0)
    return WLS(w=w, beta=beta, XtWX_inv=inv, resid=resid, X=X)


#: The textbook traces are kept where they exceed this fraction of their first
#: term (so that at most 4 of the 16 digits are lost to cancellation).
_KEEP = 1e-4


def _exclusive_sum(a: Array, axis: int = 1) -> Array:
    """``out[:, i] = sum_{j != i} a[:, j]`` from prefix and suffix sums (no subtraction).

    The sum runs along ``axis`` of a 2-d array (1: member-major ``(B, k)``; 0:
    study-major ``(k, B)``).
    """
    if axis == 0:
        return _exclusive_sum(a.T).T
    pre = np.cumsum(a, axis=1)
    suf = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
    out = np.zeros_like(a)
    out[:, 1:] += pre[:, :-1]
    out[:, :-1] += suf[:, 1:]
    return out


def _trace_p1(w: Array, x: Array) -> tuple[Array, Array]:
    """``tr(P)`` and ``tr(PP)`` of a one-coefficient model, from exclusive sums.

    With ``a_i = w_i x_i^2`` and ``S = sum a``: ``P_ii = w_i e_i / S`` where
    ``e_i = sum_{j != i} a_j``, and ``P_ij = -w_i x_i w_j x_j / S`` off the
    diagonal, so ``tr(PP) = (sum w_i^2 e_i^2 + sum w_i^2 x_i^2 f_i) / S^2`` with
    ``f_i = sum_{j != i} w_j^2 x_j^2``. Every sum has positive terms only.
    """
    a = w * x * x
    S = a.sum(axis=1)
    e = _exclusive_sum(a)
    f = _exclusive_sum(a * w)
    with np.errstate(divide="ignore", invalid="ignore"):
        trp = np.einsum("bk,bk->b", w, e) / S
        trpp = (np.einsum("bk,bk->b", w * w, e * e) + np.einsum("bk,bk->b", a * w, f)) / S**2
    return trp, trpp


def _trace_qr(w: Array, X: Array) -> tuple[Array, Array]:
    """``tr(P)``, ``tr(PP)`` from an orthonormal basis ``Q2`` of the residual space.

    ``P = W^{1/2} Q2 Q2' W^{1/2}`` where ``Q2`` completes the ``Q`` factor of
    ``W^{1/2} X`` (rows sorted by decreasing size, which makes Householder QR
    row-wise stable). Then ``tr(P) = sum_i w_i |Q2_i|^2`` and
    ``tr(PP) = |R'R|_F^2`` with ``R = W^{1/2} Q2``. Used only for the members
    where the fast formulas cancel.
    """
    p = X.shape[2]
    sw = np.sqrt(w)
    A = sw[:, :, None] * X
    order = np.argsort(-np.linalg.norm(A, axis=2), axis=1, kind="stable")
    A = np.take_along_axis(A, order[:, :, None], axis=1)
    sws = np.take_along_axis(sw, order, axis=1)
    Q, _ = np.linalg.qr(A, mode="complete")
    Q2 = Q[:, :, p:]
    R = sws[:, :, None] * Q2
    trp = np.einsum("bkj,bkj->b", R, R)
    RtR = np.einsum("bki,bkj->bij", R, R)
    return trp, np.einsum("bij,bij->b", RtR, RtR)


def weights(batch: Batch, tau2: Array) -> Array:
    """Inverse-variance weights ``1 / (vi + tau2)``, 0 for excluded studies."""
    return np.where(batch.mask, 1.0 / (batch.vi + tau2[:, None]), 0.0)
