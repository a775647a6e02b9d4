"""The result of :func:`evisynth.escalc`: study-level effect sizes ``yi``, ``vi``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr, ndtri

from evisynth import transforms
from evisynth._validation import (
    FloatArray,
    as_float_vector,
    as_labels,
    check_level,
    check_positive,
    check_same_length,
)
from evisynth.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


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
        >>> from evisynth import escalc
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

        >>> from evisynth import escalc
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
