"""Shared pieces of the fuzz tests: junk values and the error-message contract.

The number of examples per test is ``EVISYNTH_FUZZ_EXAMPLES`` (default 40); CI
runs them derandomised through the ``ci`` hypothesis profile of tests/conftest.py.
A long randomised run (see the README's Development section)::

    EVISYNTH_FUZZ_EXAMPLES=3000 .venv/bin/python -m pytest -q -p no:randomly tests/fuzz
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

N_EXAMPLES = int(os.environ.get("EVISYNTH_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=N_EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

#: Things a message must never contain: numpy/pandas reprs and tracebacks.
REPR = re.compile(r"np\.(float|int|bool|str)|numpy\.|array\(|dtype[=(:]|\bSeries\b|Name: |"
                  r"Traceback|<[a-z_.]+ object at 0x")


def check_message(exc: BaseException, *names: str) -> str:
    """The contract of every InputError/ReviewError: one line, no reprs, names a place."""
    msg = str(exc)
    assert msg, "empty message"
    assert "\n" not in msg and "\r" not in msg, f"multi-line message: {msg!r}"
    assert not REPR.search(msg), f"repr in message: {msg!r}"
    assert len(msg) <= 1500, f"message too long ({len(msg)})"
    if names:
        assert any(n in msg for n in names), f"none of {names} named in {msg!r}"
    return msg


def finite_floats(lo: float = -1e6, hi: float = 1e6) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


#: A value that is not a sensible number: wrong types and special floats.
junk_scalar: st.SearchStrategy[Any] = st.one_of(
    st.booleans(),
    st.text(max_size=5),
    st.binary(max_size=3),
    st.none(),
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(-float("inf")),
    st.integers(min_value=10**309, max_value=10**400),
    st.just(np.float64("nan")),
    st.just(np.bool_(True)),
    st.just(1e308),
    st.just(-1e308),
    st.just(5e-324),
)


def maybe_junk(good: st.SearchStrategy[Any], p_junk: int = 4) -> st.SearchStrategy[Any]:
    """Mostly ``good`` values, sometimes junk (about 1 in ``p_junk``)."""

    @st.composite
    def pick(draw: st.DrawFn) -> Any:
        return draw(junk_scalar) if draw(st.integers(0, p_junk - 1)) == 0 else draw(good)

    return pick()


def vector(elem: st.SearchStrategy[Any], k: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(elem, min_size=k, max_size=k)
