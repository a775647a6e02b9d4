"""Why the intervals differ: the same data under each interval method.

Also the simulation check of those methods on studies like the review's own.
"""

from __future__ import annotations

from collections.abc import Iterator

from evisynth.report.blocks import Block, BulletList, Para, Table
from evisynth.report.wording import (
    _fit_line,
    _h,
    _plain_line,
    _tests_used,
    primary_model_sentence,
)
from evisynth.review.analyse import (
    OutcomeAnalysis,
    ReviewResults,
    method_label,
)

__all__ = ["interval_explainer"]


def interval_explainer(res: ReviewResults) -> Iterator[Block]:
    pooled = [oa for oa in res.outcomes if oa.primary is not None and oa.primary.pooled]
    if not pooled:
        return
    plan = res.review.analysis
    yield _h(1, "Why the intervals differ")
    ks = sorted({oa.primary.k for oa in pooled if oa.primary is not None})
    tests = _tests_used(res)
    bayes = any(oa.primary is not None and oa.primary.headline is not None
                and oa.primary.headline.model == "bayes" for oa in pooled)
    text = [f"The primary analyses rest on {' or '.join(map(str, ks))} studies per outcome. "
            "A random-effects interval must then estimate the spread between studies from "
            "little information, and the choice of method decides how wide the interval is."]
    if "knha" in tests or "adhoc" in tests:
        text.append("The Hartung–Knapp interval uses a t distribution with k − 1 degrees of "
                    "freedom and rescales the standard error by a factor that measures how "
                    "much more the studies disagree than their own standard errors predict.")
    if "adhoc" in tests:
        text.append("The ad hoc variant never lets that factor fall below 1, so it is never "
                    "narrower than the z-based interval.")
    if "z" in tests:
        text.append("The z-based interval treats the between-study variance as known and is "
                    "known to be too narrow when studies disagree.")
    text.append("The fixed-effect interval assumes every study estimates the same effect. "
                "Where defensible methods lead to different conclusions about the decision "
                "thresholds, this review says so and rates the certainty down for imprecision.")
    if bayes:
        text.append("The Bayesian random-effects model does not have to estimate the spread "
                    "from the studies alone: it averages over every plausible spread, weighted "
                    "by a prior stated in advance, and its prior-sensitivity rows show how "
                    "much that choice matters.")
    text.append(primary_model_sentence(res))
    yield Para(" ".join(text))
    rows = []
    for oa in pooled:
        p = oa.primary
        assert p is not None
        o = oa.outcome
        h = p.headline
        line = [o.label, str(p.k),
                _fit_line(o, p) + ("" if h is None or h.model == "frequentist"
                                   else f" [{h.label}]"),
                _plain_line(o, p.fit)]
        line += [_plain_line(o, a.fit) for a in p.alternatives]
        fe = next((sn for sn in p.sensitivity if sn.fit is not None and sn.fit.method == "FE"),
                  None)
        line.append(_plain_line(o, fe.fit) if fe is not None else "—")
        agree = p.intervals
        line.append("—" if agree is None else
                    "no: rated down for imprecision" if agree.disagree else "yes")
        rows.append(tuple(line))
    checks = [_check_sentence(oa) for oa in pooled]
    alt = [a.label or method_label(a.method, a.test) for a in plan.alternatives]
    yield Table(("Outcome", "k", "Primary analysis", method_label(plan.method, plan.test), *alt,
                 "Fixed effect", "Same conclusion?"), tuple(rows),
                caption="The same data, different interval methods")
    checks = [c for c in checks if c]
    if checks:
        yield _h(2, "Do these intervals work for trials like ours?")
        yield Para("A simulation check matched to each outcome's own studies: the same number "
                   "of studies with the same precision, and a between-study spread (tau) "
                   "taken across the range the data allow (its Q-profile interval). For each "
                   "method it counts how often a 95% interval contains the true effect; a "
                   "method that works should do so about 95 times in 100 at every plausible "
                   "spread. Fixed seed, so the numbers repeat exactly. The check covers the "
                   "frequentist intervals; the Bayesian model's interval averages over the "
                   "spread instead of estimating it, and its prior-sensitivity rows show how "
                   "much the answer depends on that prior.")
        yield BulletList(tuple(checks))


def _check_sentence(oa: OutcomeAnalysis) -> str:
    s = oa.primary
    if s is None or s.interval_check is None:
        return ""
    c = s.interval_check
    worst = c.worst()
    names = {"knha": "Hartung–Knapp", "z": "z-based", "adhoc": "ad hoc Hartung–Knapp",
             "t": "t-based"}
    parts = []
    for m, cov in worst.items():
        test = m.split("-", 1)[1] if "-" in m else m
        verdict = " (too narrow for studies like these)" if cov < 0.9 else ""
        parts.append(f"{names.get(test, m)} at least {round(100 * cov)} in 100{verdict}")
    return (f"{oa.outcome.label} ({s.k} studies; tau from {c.tau_lb:.2f} to {c.tau_ub:.2f}): "
            + "; ".join(parts) + ".")
