"""Effect sizes: raw extracted data to ``yi`` (estimate) and ``vi`` (sampling variance).

``escalc`` follows R metafor's ``escalc`` (and ``conv.wald`` for reported ratios
with confidence intervals or p-values): same measure names, argument names and
defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evisynth._validation import FloatArray, as_float_vector, as_labels, check_same_length


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
    """

    yi: FloatArray
    vi: FloatArray
    measure: str = "GEN"
    labels: tuple[str, ...] | None = None
    ni: FloatArray | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        labels = as_labels(self.labels)
        yi = as_float_vector("yi", self.yi, labels=labels)
        vi = as_float_vector("vi", self.vi, labels=labels)
        k = check_same_length({"yi": yi, "vi": vi})
        labels = as_labels(self.labels, k)
        object.__setattr__(self, "yi", yi)
        object.__setattr__(self, "vi", vi)
        object.__setattr__(self, "labels", labels)
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
