"""Property tests of the CSV cell parsers: every string parses or raises ValueError."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evisynth.review import _cells

PARSERS = [
    _cells.parse_text,
    _cells.parse_float,
    _cells.parse_int,
    _cells.parse_count,
    _cells.parse_bool,
    _cells.parse_id,
    _cells.parse_keys,
    _cells.parse_source_rows,
    _cells.parse_doi_or_pmid,
    lambda raw: _cells.parse_choice(raw, ("primary", "lead")),
]


@pytest.mark.parametrize("parser", PARSERS)
@given(text=st.text(max_size=40))
def test_any_text_parses_or_raises_value_error(parser, text: str) -> None:
    try:
        parser(text)
    except ValueError as exc:
        assert str(exc), "an error must say what was wrong"


@given(x=st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trips_its_repr(x: float) -> None:
    got = _cells.parse_float(f"  {x!r} ")
    assert got == x and math.copysign(1, got) == math.copysign(1, x)


@given(text=st.text(max_size=20))
def test_float_result_is_finite_or_none(text: str) -> None:
    try:
        got = _cells.parse_float(text)
    except ValueError:
        return
    assert got is None or math.isfinite(got)
    if got is None:
        assert not text.strip()


@pytest.mark.parametrize(
    ("cell", "hint"),
    [("0,73", "decimal separator"), ("<0.001", "inequality"), ("65%", "percent sign"),
     ("NR", "leave the cell empty"), ("nan", "leave the cell empty"), ("inf", "leave")],
)
def test_float_errors_say_what_would_be_right(cell: str, hint: str) -> None:
    with pytest.raises(ValueError, match=hint):
        _cells.parse_float(cell)


@given(n=st.integers(min_value=-(10**12), max_value=10**12))
def test_int_round_trips(n: int) -> None:
    assert _cells.parse_int(str(n)) == n


@given(n=st.integers(max_value=-1))
def test_negative_count_is_rejected(n: int) -> None:
    with pytest.raises(ValueError, match="negative"):
        _cells.parse_count(str(n))


@given(x=st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: v != int(v)))
def test_count_with_decimals_is_rejected(x: float) -> None:
    with pytest.raises(ValueError, match="whole number"):
        _cells.parse_int(repr(x))


@given(flag=st.booleans(), upper=st.booleans())
def test_bool_round_trips(flag: bool, upper: bool) -> None:
    text = str(flag).upper() if upper else str(flag).lower()
    assert _cells.parse_bool(text) is flag


IDS = st.from_regex(_cells.ID_PATTERN, fullmatch=True)


@given(keys=st.lists(IDS, min_size=1, max_size=5, unique=True))
def test_keys_round_trip(keys: list[str]) -> None:
    assert _cells.parse_keys(" ; ".join(keys)) == tuple(keys)


@given(key=IDS)
def test_repeated_key_is_rejected(key: str) -> None:
    with pytest.raises(ValueError, match="twice"):
        _cells.parse_keys(f"{key};{key}")


@given(rows=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=6))
def test_source_rows_round_trip(rows: list[int]) -> None:
    assert _cells.parse_source_rows(";".join(map(str, rows))) == tuple(rows)


@given(text=st.text(max_size=30))
def test_text_is_stripped_and_empty_is_none(text: str) -> None:
    try:
        got = _cells.parse_text(text)
    except ValueError:
        assert "\n" in text.strip() or "\r" in text.strip()
        return
    assert got is None or (got == got.strip() and got)


@given(pmid=st.integers(min_value=1, max_value=99_999_999), remark=st.text(max_size=10))
def test_doi_or_pmid_keeps_text_with_an_identifier(pmid: int, remark: str) -> None:
    cell = f"PMID:{pmid} {remark}".replace("\n", " ").replace("\r", " ")
    # control characters become spaces (they never belong in a review's words)
    assert _cells.parse_doi_or_pmid(cell) == _cells.clean_text(cell).strip()


@given(text=st.text(max_size=30))
def test_control_characters_never_survive_a_text_cell(text: str) -> None:
    try:
        got = _cells.parse_text(text)
    except ValueError:
        return
    assert got is None or not any(
        (ord(c) < 32 and c != "\t") or 0x7F <= ord(c) <= 0x9F for c in got)


def test_doi_or_pmid_without_identifier_is_rejected() -> None:
    with pytest.raises(ValueError, match="no identifier"):
        _cells.parse_doi_or_pmid("DOI not seen in retrieved text")


def test_choice_names_the_right_spelling() -> None:
    with pytest.raises(ValueError, match="must be spelled 'primary'"):
        _cells.parse_choice("Primary", ("primary", "lead"))
    with pytest.raises(ValueError, match="not one of: primary, lead"):
        _cells.parse_choice("main", ("primary", "lead"))


_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True)
_VALUE = st.text(alphabet=st.characters(blacklist_characters=";=\n\r",
                                        blacklist_categories=("Cc", "Cs", "Zs")),
                 min_size=1, max_size=10)


@given(items=st.dictionaries(_NAME, _VALUE, max_size=4))
def test_features_round_trip(items: dict[str, str]) -> None:
    text = "; ".join(f"{k}={v}" for k, v in items.items())
    assert _cells.parse_features(text) == tuple(items.items())


@given(text=st.text(max_size=30))
def test_features_parse_or_say_why(text: str) -> None:
    try:
        out = _cells.parse_features(text)
    except ValueError as exc:
        assert "feature" in str(exc)
        return
    names = [k for k, _ in out]
    assert len(names) == len(set(names))
