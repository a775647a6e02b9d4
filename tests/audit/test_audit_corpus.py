"""A small run of the generated corpus (bench/audit_corpus.py runs >= 10,000 statements).

Clean statements (exact values, random rounding, formats and Unicode) must give no
finding; an injected error that the independent oracle (scipy linprog, grids,
integer arithmetic) says no rounding can explain must be found.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth.audit import audit
from tests.audit.corpus import GENERATORS, corpus, feasible, inject

SEV = ("inconsistent", "implausible")


def _found(report):
    return any(f.severity in SEV for f in report.findings)


def test_small_corpus_recall_and_false_alarms():
    n_inj = hits = 0
    for clean, bad in corpus(400, seed=7):
        assert feasible(clean)
        assert not _found(audit(clean.text)), clean.text
        if bad is None or feasible(bad):
            continue
        n_inj += 1
        hits += _found(audit(bad.text))
    assert n_inj > 300
    assert hits / n_inj >= 0.99


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from(sorted(GENERATORS)))
def test_generated_statement_property(seed, kind):
    import random

    rng = random.Random(seed)
    clean = GENERATORS[kind](rng)
    assert not _found(audit(clean.text)), clean.text
    bad = inject(clean, rng)
    if bad is None or feasible(bad):
        return
    report = audit(bad.text)
    # every error beyond rounding is flagged; a swapped bound or a wrong p-value is
    # always more than a note (a changed digit can land within the z allowance of
    # p-values from other tests, or fit the arms in reverse order: then a note)
    assert report.findings, (bad.injected, bad.text)
    if bad.injected in ("swap", "p"):
        assert _found(report), (bad.injected, bad.text)


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_each_kind_is_extracted(kind):
    import random

    rng = random.Random(3)
    for _ in range(30):
        st_ = GENERATORS[kind](rng)
        assert audit(st_.text).checks, st_.text
