"""Property tests of the number formats, the Markdown escape and the DOI linker."""

from __future__ import annotations

import html
import math
import re

from hypothesis import given
from hypothesis import strategies as st

from evisynth.plots._common import fmt_num, fmt_pct, tick_label
from evisynth.report.blocks import link_ids, md_escape

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


def _value(s: str) -> float:
    return float(s.replace("−", "-").replace(",", "").lstrip("<>").rstrip("%"))


@given(finite)
def test_fmt_num_is_plain_and_close(x: float) -> None:
    s = fmt_num(x)
    assert "e" not in s.lower() and "E" not in s
    a = abs(x)
    if 1e-4 <= a < 1e5:
        v = _value(s)
        # within half a unit of the last shown digit (2 decimals or 2 significant digits)
        dec = len(s.split(".")[1]) if "." in s else 0
        assert abs(v - x) <= 0.5 * 10.0**-dec * (1 + 1e-9) + 1e-12
    elif a >= 1e5:
        assert s in (">100,000", "<−100,000")
    elif a > 0:
        assert s in ("<0.0001", ">−0.0001")


@given(st.floats(min_value=0.0, max_value=1.0))
def test_fmt_pct_never_claims_the_ends_falsely(p: float) -> None:
    s = fmt_pct(p)
    assert s.endswith("%") and "e" not in s.lower()
    if s == "0%":
        assert p == 0
    if s == "100%":
        assert p == 1
    if not s.startswith(("<", ">")):
        assert abs(_value(s) - 100 * p) <= 0.05 + 1e-9


@given(st.floats(min_value=1e-300, max_value=1e300))
def test_tick_labels_never_e_notation(v: float) -> None:
    s = tick_label(v)
    assert "e" not in s.lower()
    if 1e-4 <= v < 1e5:
        assert math.isclose(_value(s), v, rel_tol=1e-6, abs_tol=1e-10)


@given(st.text())
def test_md_escape_lets_no_tag_through(s: str) -> None:
    out = md_escape(s)
    assert "<" not in out and ">" not in out
    assert html.unescape(out) == s  # nothing lost: the entities decode to the input


@given(st.text())
def test_link_ids_only_adds_links(s: str) -> None:
    esc = html.escape(s)
    out = link_ids(esc)
    # removing the added <a ...> and </a> tags gives back the escaped text
    assert re.sub(r'<a href="[^"]*">|</a>', "", out) == esc
    assert "<" not in re.sub(r'<a href="https://[^"<>]*">|</a>', "", out)
