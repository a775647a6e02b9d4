"""Find reported statistics in free text.

Each pattern turns a way abstracts print a statistic into an :class:`Item` that keeps
its numbers (as :class:`~evisynth.audit.numbers.Num`, with rounding intervals) and its
character span. Patterns run on :func:`~evisynth.audit.numbers.normalize`-d text, which
has the same length as the original, so spans point into the original text.

Recognised (examples are illustrative, not quotations):

- ratios with CI and p: ``HR 0.55 (95% CI 0.42-0.71; p < 0.001)``,
  ``hazard ratio, 0.40; 95% confidence interval, 0.31 to 0.51``, ``RR = 2.28 [1.82; 2.86]``,
  ``OR 2,1 (1,3-3,4)``;
- arm percentages: ``61% with the new drug versus 40% with usual care``,
  ``rates were 30% and 22%, respectively``;
- counts: ``46/162 (28.4%)``, ``28% (46 of 162)``, ``13 (7%) of 180``, ``7% of 224 patients``;
- totals and arms: ``310 patients (150 ..., 160 ...)``,
  ``310 patients ... (n = 150) ... (n = 160)``;
- medians with units and landmark survival: ``median OS 25.5 vs 11.1 months``,
  ``24-month PFS 41%``, ``OS at 2 years was 61% and 52%``;
- cost per QALY, incremental cost and QALYs, time horizon;
- design words (double-blind, placebo-controlled, open-label, single-arm, randomised) and
  the arms compared;
- drug doses (``fludarabine 30 mg/m² per day for 3 days``, ``8 mg/kg``).

One module per kind of statistic: :mod:`~evisynth.audit.extract_effects` (ratios,
differences, reductions), :mod:`~evisynth.audit.extract_arms` (arm percentages,
counts, arms), :mod:`~evisynth.audit.extract_medians`,
:mod:`~evisynth.audit.extract_costs`, :mod:`~evisynth.audit.extract_design` (design
words, doses); the shared pieces in :mod:`~evisynth.audit.patterns` and the results
(:class:`Item`, :class:`Document`) in :mod:`~evisynth.audit.items`. :func:`extract`
runs them all; every name stays importable from this module.
"""

from __future__ import annotations

import re

from evisynth.audit.extract_arms import (
    _arms,
    _fractions,
    _percent_groups,
)
from evisynth.audit.extract_costs import (
    _economics,
)
from evisynth.audit.extract_design import (
    _design,
    _doses,
)
from evisynth.audit.extract_effects import (
    _differences,
    _ratios,
)
from evisynth.audit.extract_medians import (
    _medians,
)
from evisynth.audit.items import (
    Document,
    Item,
)
from evisynth.audit.numbers import normalize
from evisynth.audit.patterns import ENDPOINTS as ENDPOINTS
from evisynth.audit.patterns import endpoint_in as endpoint_in
from evisynth.errors import InputError

__all__ = ["Document", "Item", "extract"]

_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[\"'])|\n\s*\n|\n(?=\s*[-*#•])")
_PARA_END = re.compile(r"\n\s*\n")


def _boundaries(norm: str, rx: re.Pattern[str]) -> list[tuple[int, int]]:
    out = []
    start = 0
    for m in rx.finditer(norm):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(norm)))
    return [(a, b) for a, b in out if b > a] or [(0, len(norm))]


def extract(text: str) -> Document:
    """Find every reported statistic in ``text``.

    Parameters
    ----------
    text
        Plain text (HTML already stripped).

    Returns
    -------
    Document
        The normalised text, sentence and paragraph boundaries, and the
        :class:`Item` list in reading order.

    Raises
    ------
    InputError
        If ``text`` is not a string.

    References
    ----------
    Reporting formats as in the ICMJE recommendations and CONSORT 2010 (items 17a-b):
    estimate, confidence interval and exact p-value.

    Examples
    --------
    >>> doc = extract("The hazard ratio was 0.62 (95% CI, 0.50 to 0.77).")
    >>> [(i.kind, i.num("estimate").value, i.num("ci_ub").value) for i in doc.items]
    [('ratio', 0.62, 0.77)]
    """
    if not isinstance(text, str):
        raise InputError(f"argument 'text': expected a string, got {type(text).__name__}",
                         where="text")  # fmt: skip
    norm = normalize(text)
    sentences = _boundaries(norm, _SENT_END)
    paragraphs = _boundaries(norm, _PARA_END)
    items: list[Item] = []
    in_ratio = bytearray(len(norm) + 1)
    for it in _ratios(norm):
        items.append(it)
        in_ratio[it.span[0] : it.span[1]] = b"\x01" * (it.span[1] - it.span[0])
    for gen in (_percent_groups(norm, sentences), _fractions(norm), _arms(norm, sentences),
                _medians(norm), _economics(norm), _design(norm), _doses(norm),
                _differences(norm)):  # fmt: skip
        for it in gen:
            inside = it.kind in ("percents", "fraction", "difference", "reduction")
            if inside and in_ratio[it.span[0]]:
                continue  # the "95%" of a CI inside a ratio statement
            items.append(it)
    in_frac = bytearray(len(norm) + 1)
    for i in items:
        if i.kind == "fraction":
            in_frac[i.span[0] : i.span[1]] = b"\x01" * (i.span[1] - i.span[0])
    items = [
        i for i in items
        if not (i.kind == "percents" and len(i.numbers) == 1 and in_frac[i.span[0]])
    ]  # fmt: skip
    items.sort(key=lambda i: (i.span[0], i.span[1]))
    fixed = tuple(
        Item(i.kind, i.span, text[i.span[0] : i.span[1]], i.numbers, i.attrs) for i in items
    )
    return Document(
        text, norm, fixed,
        tuple(a for a, _ in sentences), tuple(a for a, _ in paragraphs),
    )  # fmt: skip
