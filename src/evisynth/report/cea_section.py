"""The report's cost-effectiveness section, from :class:`~evisynth.review.cea.CEAResults`.

No computation beyond formatting: the numbers are those :func:`evisynth.review.cea.run_cea`
computed (base case, one-way sensitivity, PSA, claims). Every word that belongs
to one model or review comes from the model file (title, perspective, sources,
``[notes]``, benchmarks) or from review.toml's ``[cea]`` (claims and their notes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from evisynth.plots import set_alt
from evisynth.plots._io import to_svg
from evisynth.plots.econ import ceac_figure, tornado
from evisynth.report.blocks import Block, BulletList, Figure, Heading, Para, Table, slug
from evisynth.review.cea import CEAResults

__all__ = ["cea_section"]

#: One-way sensitivity rows drawn in the tornado diagram.
TORNADO_ROWS = 12


def _h(level: int, text: str) -> Heading:
    return Heading(level, text, slug("cea " + text))


def _money(x: float, cur: str) -> str:
    if x != x:
        return "not computed"
    if x in (np.inf, -np.inf):
        return "undefined"
    return f"{cur + ' ' if cur else ''}{x:,.0f}"


def _g(x: float | None) -> str:
    if x is None:
        return "—"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def _range(p: Any) -> str:
    if p.low is not None and p.high is not None:
        r = f"{_g(p.low)} to {_g(p.high)}"
    elif p.se is not None and p.dist != "fixed":
        r = f"SE {_g(p.se)}"
    else:
        r = "—"
    return r if p.dist == "fixed" else f"{r} ({p.dist})"


def _alt_ceac(c: CEAResults, grid: np.ndarray) -> str:
    s0 = c.summaries[0]
    a = s0.intervention
    cur = s0.currency
    ceac = c.psa.ceac(grid)
    probs = ", ".join(f"{s.prob_cost_effective:.2f} at {_money(s.wtp or 0.0, cur)}"
                      for s in c.summaries)
    cross = ceac.loc[ceac[a] >= 0.5, "wtp"]
    half = (f"; it passes 0.5 at about {_money(float(cross.iloc[0]), cur)} per QALY"
            if len(cross) else "; it stays below 0.5 over the whole range")
    return (f"Cost-effectiveness acceptability curves from {c.psa.n:,} probabilistic draws. "
            f"The probability that {a} is cost-effective rises with the willingness to pay "
            f"per QALY (0 to {_money(float(grid[-1]), cur)}): {probs}{half}.")


def _alt_tornado(c: CEAResults, top: int) -> str:
    t = c.dsa.table.head(top)
    cur = c.summaries[0].currency
    parts = []
    for name, assumed, lo, hi in zip(t["input"].head(5), t["assumption"].head(5),
                                     t["out_low"].head(5), t["out_high"].head(5),
                                     strict=True):
        a, b = sorted((float(lo), float(hi)))
        parts.append(f"{name}{' (assumed)' if assumed else ''} {_money(a, cur)} to "
                     f"{_money(b, cur)}")
    return (f"Tornado diagram of the one-way sensitivity analysis: incremental net monetary "
            f"benefit at {_money(c.dsa.wtp or 0.0, cur)} per QALY, base case "
            f"{_money(c.dsa.base, cur)} (monthly cycles); the {top} inputs with the widest "
            "swing, widest first. "
            f"Widest: {'; '.join(parts)}.")


def _overrides(c: CEAResults) -> Iterator[Block]:
    if not c.overrides:
        return
    rows = []
    for o in c.overrides:
        file_rng = ("" if o.file_low is None or o.file_high is None
                    else f" ({_g(o.file_low)} to {_g(o.file_high)})")
        rows.append((o.input, f"{o.outcome_label} (outcome {o.outcome})",
                     f"{_g(o.estimate)} ({_g(o.ci_lb)} to {_g(o.ci_ub)}; {o.interval})",
                     o.model, f"{_g(o.file_value)}{file_rng} — {o.file_source}"))
    yield Table(("Model input", "This review's pooled result", "Value used (range)",
                 "Pooling model", "Model file's value and source (replaced)"), tuple(rows),
                caption="Inputs taken from this review's primary analyses")


def _results_table(c: CEAResults) -> Table:
    s = c.summaries[0]
    cur = s.currency
    b = c.base
    rows = []
    for arm in (s.intervention, s.comparator):
        rows.append((arm, _money(b.costs[arm], cur), f"{b.qalys[arm]:.2f}",
                     f"{b.life_years[arm]:.2f}"))
    rows.append((f"Difference ({s.intervention} − {s.comparator})", _money(s.inc_cost, cur),
                 f"{s.inc_qaly:.2f}", f"{s.inc_ly:.2f}"))
    return Table(("Strategy", "Cost (discounted)", "QALYs (discounted)",
                  "Life-years (undiscounted)"), tuple(rows),
                 caption=f"Base case, {c.model_file.perspective or 'payer'} perspective, "
                         f"{s.horizon:g} years, {100 * s.discount:g}% discounting "
                         f"(exact integration)")


def _wtp_table(c: CEAResults) -> Table:
    cur = c.summaries[0].currency
    rows = []
    for s in c.summaries:
        verdict = ("cost-effective" if (s.inmb or 0.0) > 0 else "not cost-effective")
        rows.append((f"{_money(s.wtp or 0.0, cur)} per QALY", _money(s.icer, cur),
                     _money(s.inmb or 0.0, cur), verdict,
                     f"{s.prob_cost_effective:.2f}" if s.prob_cost_effective is not None
                     else "—",
                     _money(s.evpi_per_patient or 0.0, cur)))
    return Table(("Willingness to pay", "ICER (base case)", "Incremental net monetary benefit",
                  "Base case", "Probability cost-effective (PSA)", "EVPI per patient"),
                 tuple(rows), caption=f"At each threshold ({c.psa.n:,} probabilistic draws, "
                                      f"seed {c.spec.seed})")


def _inputs_table(c: CEAResults) -> Table:
    over = {o.input for o in c.overrides}
    rows = []
    for name, p in c.model_file.inputs.items():
        status = ("this review's pooled result" if name in over else
                  "ASSUMPTION" if p.assumption else "sourced")
        year = f"; price year {p.price_year}" if p.price_year else ""
        rows.append((name, _g(p.value), _range(p), p.unit + year, status, p.source))
    return Table(("Input", "Value", "Range (distribution)", "Unit", "Status", "Source"),
                 tuple(rows), caption="Every input of the model: sourced, an ASSUMPTION (no "
                                      "source gives it), or this review's pooled result")


def _benchmarks(c: CEAResults) -> Iterator[Block]:
    s = c.summaries[0]
    cur = s.currency
    bench = c.model_file.benchmarks
    if not bench:
        return
    yield _h(2, "Beside the published ICERs")
    rows = [("This model, with this review's pooled results", _money(s.icer, cur),
             f"{s.inc_qaly:.2f}", _money(s.inc_cost, cur), "this report")]
    for b in bench:
        rows.append((str(b.get("label", "")),
                     _money(float(b["icer"]), cur) if "icer" in b else "—",
                     f"{float(b['inc_qaly']):.2f}" if "inc_qaly" in b else "—",
                     _money(float(b["inc_cost"]), cur) if "inc_cost" in b else "—",
                     str(b.get("source", ""))))
    yield Table(("Analysis", "ICER per QALY", "Incremental QALYs", "Incremental cost",
                 "Source"), tuple(rows), caption="Published cost-effectiveness results for "
                                                 "the same comparison")
    icers = [float(b["icer"]) for b in bench if "icer" in b]
    if icers:
        lo, hi = min(icers), max(icers)
        where = ("below" if s.icer < lo else "above" if s.icer > hi else "within")
        yield Para(f"This model's ICER ({_money(s.icer, cur)} per QALY) lies {where} the "
                   f"published range ({_money(lo, cur)} to {_money(hi, cur)})."
                   + (" Why the numbers differ: " + c.notes["comparison"]
                      if c.notes.get("comparison") else ""))
    if c.overrides:
        moved = "; ".join(
            f"{o.input} {_g(o.file_value)} → {_g(o.estimate)} ({o.outcome_label})"
            for o in c.overrides)
        without = ("" if c.file_icer is None else
                   f" With the model file's own values for these inputs the ICER would be "
                   f"{_money(c.file_icer, cur)} per QALY; the difference from "
                   f"{_money(s.icer, cur)} is due to these inputs alone.")
        yield Para(f"Inputs this review changed relative to the model file: {moved}. The "
                   "review's pooled values combine every trial of the primary analysis, while "
                   "the model file's values come from one trial (see the input sources)."
                   + without)


def _claims(c: CEAResults) -> Iterator[Block]:
    s = c.summaries[0]
    cur = s.currency
    for claim, h in c.claims:
        yield _h(2, f"A published claim: {claim.label}")
        if claim.note:
            yield Para(claim.note, kind="note")
        verdict = (f"The claim is arithmetically impossible with this model's incremental "
                   f"cost: no ICER below {_money(h.icer_lower_bound, cur)} per QALY can be "
                   f"reached in {h.horizon:g} years." if not h.possible else
                   f"The claim is not impossible arithmetically, but it needs "
                   f"{h.qaly_needed / h.inc_qaly:.1f} times the QALY gain the model gives "
                   f"over {h.horizon:g} years." if h.inc_qaly > 0 else
                   "The model gives no QALY gain over this horizon.")
        yield BulletList((*h.sentences, verdict,
                          "Over a short horizon the one-off cost is paid in full while most "
                          "of the survival gain lies beyond the horizon, so a short horizon "
                          f"raises the ICER ({_money(h.model_icer, cur)} over "
                          f"{h.horizon:g} years against {_money(h.lifetime_icer or 0.0, cur)} "
                          f"over {s.horizon:g} years); QALYs are gained, not saved."))


def cea_section(res: Any) -> Iterator[Block]:
    """The cost-effectiveness section (nothing when the review has no ``[cea]``).

    Parameters
    ----------
    res
        :class:`~evisynth.review.analyse.ReviewResults`.

    Returns
    -------
    iterator of Block

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> list(cea_section(SimpleNamespace(cost_effectiveness=None)))
    []
    """
    c: CEAResults | None = getattr(res, "cost_effectiveness", None)
    if c is None:
        return
    mf = c.model_file
    s0 = c.summaries[0]
    cur = s0.currency
    a, b = s0.intervention, s0.comparator
    yield _h(1, "Cost-effectiveness")
    src = mf.settings_sources
    setting = [f"{mf.title}. Perspective: {mf.perspective or 'not stated'}; horizon "
               f"{s0.horizon:g} years; costs and QALYs discounted at {100 * s0.discount:g}% "
               "a year; three-state partitioned-survival model (event-free or progression-"
               "free, progressed, dead), integrated exactly."]
    yield Para(setting[0])
    yield BulletList(tuple(f"Setting — {k.replace('_', ' ')}: {v}" for k, v in src.items()))
    yield from _overrides(c)
    yield _h(2, "Base case")
    yield Para(" ".join(s0.sentences[:1]))
    yield _results_table(c)
    yield _wtp_table(c)
    lines = [f"At {_money(s.wtp or 0.0, cur)} per QALY: incremental net monetary benefit "
             f"{_money(s.inmb or 0.0, cur)}; probability that {a} is cost-effective "
             f"{s.prob_cost_effective:.2f} in {c.psa.n:,} draws." for s in c.summaries]
    yield BulletList(tuple(lines))
    yield Para(f"The probabilistic analysis draws every uncertain input from its distribution "
               f"({c.psa.n:,} draws, seed {c.spec.seed}; review.toml's [cea] psa_draws keeps "
               "the whole report run a few seconds long — the probabilities carry a Monte "
               f"Carlo error of up to about {0.5 / np.sqrt(c.psa.n):.3f}).", kind="small")
    grid = np.linspace(0.0, 2 * max(c.spec.wtp), 61)
    fig = set_alt(ceac_figure(c.psa, grid), _alt_ceac(c, grid))
    yield Figure(to_svg(fig), f"Cost-effectiveness acceptability curves ({a} vs {b}); dashed: "
                 "the acceptability frontier.", "cea-ceac")
    yield _h(2, "One-way sensitivity")
    top = min(TORNADO_ROWS, len(c.dsa.table))
    fig = set_alt(tornado(c.dsa, top=top), _alt_tornado(c, top))
    yield Figure(to_svg(fig), f"Tornado diagram: incremental net monetary benefit of {a} vs {b} "
                 f"at {_money(c.dsa.wtp or 0.0, cur)} per QALY as each input goes to the ends "
                 "of its range (monthly cycles, so the centre line differs slightly from the "
                 "exact base case); * marks an ASSUMPTION.", "cea-tornado")
    n_ass = sum(1 for p in mf.inputs.values() if p.assumption)
    yield _h(2, "Inputs and their sources")
    yield Para(f"{n_ass} of {len(mf.inputs)} inputs are ASSUMPTIONS (no source gives them, or "
               "they are another model's assumption); they are varied in the one-way and "
               "probabilistic analyses.", kind="note")
    yield _inputs_table(c)
    yield from _benchmarks(c)
    yield from _claims(c)
    other = [f"{k.replace('_', ' ')}: {v}" for k, v in c.notes.items() if k != "comparison"]
    if other:
        yield _h(2, "About the model")
        yield BulletList(tuple(other))
