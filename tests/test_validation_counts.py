"""The shared count reader of escalc and rma_mh/rma_peto (_validation.counts._two_by_two)
and the first-offending-study helpers of _validation.arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evisynth._validation as v
from evisynth._validation import _two_by_two, first_true, reject_first
from evisynth.errors import InputError

tables = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
    .filter(lambda t: t[0] + t[1] > 0 and t[2] + t[3] > 0),
    min_size=1, max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(tables)
def test_cells_or_group_sizes_give_the_same_table(rows: list[tuple[int, int, int, int]]) -> None:
    a, b, c, d = (list(x) for x in zip(*rows, strict=True))
    by_cells = _two_by_two("OR", {"ai": a, "bi": b, "ci": c, "di": d}, None)
    n1 = [x + y for x, y in zip(a, b, strict=True)]
    n2 = [x + y for x, y in zip(c, d, strict=True)]
    by_sizes = _two_by_two("OR", {"ai": a, "ci": c, "n1i": n1, "n2i": n2}, None)
    both = _two_by_two("OR", {"ai": a, "bi": b, "ci": c, "di": d, "n1i": n1, "n2i": n2}, None)
    for x, y, z in zip(by_cells[:4], by_sizes[:4], both[:4], strict=True):
        assert np.array_equal(x, y) and np.array_equal(x, z)
    assert np.array_equal(by_cells[1], b) and np.array_equal(by_cells[3], d)


@settings(max_examples=60, deadline=None)
@given(tables, st.data())
def test_events_above_group_size_name_the_study(rows: list[tuple[int, int, int, int]],
                                               data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(rows) - 1))
    a, _, c, _ = (list(x) for x in zip(*rows, strict=True))
    n1 = [x + 1 for x in a]
    n1[i] = a[i] - 1
    n1 = [max(x, 0) for x in n1]
    if a[i] == 0:
        return  # 0 events cannot exceed any size
    labels = tuple(f"S{j}" for j in range(len(rows)))
    with pytest.raises(InputError) as e:
        _two_by_two("RR", {"ai": a, "ci": c, "n1i": n1, "n2i": [x + 1 for x in c]}, labels)
    first = min(j for j in range(len(rows)) if a[j] > n1[j])
    assert f"study {first + 1} ('S{first}')" in str(e.value) and e.value.where == "ai"


def test_no_tables_message_only_when_asked() -> None:
    empty = {"ai": [], "bi": [], "ci": [], "di": []}
    with pytest.raises(InputError, match="no tables here"):
        _two_by_two("OR", empty, None, empty="no tables here")
    out = _two_by_two("OR", empty, None)
    assert [x.size for x in out[:4]] == [0, 0, 0, 0] and out[4] is None


def test_missing_argument() -> None:
    with pytest.raises(InputError, match=r"missing: bi") as e:
        _two_by_two("OR", {"ai": [1], "ci": [1], "di": [2]}, None)
    assert e.value.where == "bi"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.booleans(), max_size=30))
def test_first_true_is_the_first_index(mask: list[bool]) -> None:
    want = next((j for j, x in enumerate(mask) if x), None)
    assert first_true(np.array(mask, dtype=bool)) == want
    if want is None:
        reject_first(np.array(mask, dtype=bool), "x", None, lambda j: "bad")
    else:
        with pytest.raises(InputError, match=rf"argument 'x', subject {want + 1}: bad {want}"):
            reject_first(np.array(mask, dtype=bool), "x", None, lambda j: f"bad {j}",
                         unit="subject")


def test_every_name_of_the_former_module_is_still_here() -> None:
    # The package re-exports what evisynth/_validation.py defined (its __all__ lists them).
    for name in v.__all__:
        assert hasattr(v, name), name
    for name in ("_need", "_vectors", "_check_counts", "_events_and_rest", "_check_group_size",
                 "_check_add_to", "_is_na", "_not_a_number", "MAX_COUNT", "TOL_RANGE",
                 "MAXITER_MAX", "FloatArray", "as_float_vector", "check_level"):
        assert name in v.__all__
