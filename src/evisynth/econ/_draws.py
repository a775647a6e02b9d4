"""Values of every input for a batch of B model evaluations (base case, DSA rows, PSA draws)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from evisynth._validation import FloatArray
from evisynth.econ.params import Param


@dataclass
class Draws:
    """Batch of input values: ``values[id(param)]`` has shape ``(B,)``; ``coefs[key]`` ``(B, p)``.

    Inputs not in the batch take their point value; curve coefficients not in
    the batch take their point estimates.
    """

    n: int
    values: dict[int, FloatArray] = field(default_factory=dict)
    coefs: dict[int, FloatArray] = field(default_factory=dict)

    def value(self, p: Param) -> FloatArray:
        v = self.values.get(id(p))
        return np.full(self.n, p.value) if v is None else v

    def coef(self, key: object, base: FloatArray) -> FloatArray:
        c = self.coefs.get(id(key))
        return np.broadcast_to(base, (self.n, len(base))) if c is None else c

    @classmethod
    def base(cls, overrides: Mapping[int, float] | None = None) -> Draws:
        d = cls(1)
        for k, v in (overrides or {}).items():
            d.values[k] = np.array([float(v)])
        return d
