"""Plain-Python, standard-JSON-ready values (one converter for the CLI and the report).

JSON (RFC 8259) has no NaN or infinity. Infinite floats become the strings ``"inf"``
and ``"-inf"``; NaN (a value that is not defined) becomes what the caller names:
``null`` on the command line, ``"not computed"`` in a review's ``results.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def plain_json(x: Any, *, nan: Any = None) -> Any:
    """``x`` with numpy values made Python and non-finite floats mapped as above.

    Parameters
    ----------
    x
        Any nesting of mappings, lists, tuples, numpy arrays and scalars.
    nan
        What a NaN becomes (default ``None``, written as ``null``).

    Returns
    -------
    Any
        The same structure of dicts, lists, str, int, float, bool and None.

    Examples
    --------
    >>> plain_json({"a": float("inf"), "b": [np.float64("nan"), np.int64(3)]})
    {'a': 'inf', 'b': [None, 3]}
    >>> plain_json([float("nan"), -math.inf], nan="not computed")
    ['not computed', '-inf']
    """
    if isinstance(x, Mapping):
        return {str(k): plain_json(v, nan=nan) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain_json(v, nan=nan) for v in x]
    if isinstance(x, np.ndarray):
        return [plain_json(v, nan=nan) for v in x.tolist()]
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        v = float(x)
        if math.isnan(v):
            return nan
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(x, np.generic):
        return x.item()
    return x
