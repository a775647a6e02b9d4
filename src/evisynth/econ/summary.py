"""Numbers and sentences for a report: :func:`report_summary`; and :func:`horizon_check`,
which tests a claimed ICER over a short horizon against what the model allows.

:func:`horizon_check` bounds the ICER any model could give over a horizon H:
the most QALYs a patient can gain is ``int_0^H d_q(t) dt`` (full health for
the whole horizon, against a comparator whose patients all die at time 0), so
``ICER >= (incremental cost over H) / int_0^H d_q(t) dt``, with the
incremental cost taken from the model run over H.

References
----------
Drummond et al. (2015), ch. 4 (ICER, net monetary benefit).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from evisynth._validation import check_number
from evisynth.econ.psa import PSAResult
from evisynth.econ.results import CEAResult
from evisynth.errors import InputError

if TYPE_CHECKING:
    from evisynth.econ.model import PartitionedSurvival
    from evisynth.econ.modelfile import ModelFile

__all__ = ["EconSummary", "HorizonCheck", "horizon_check", "report_summary",
           "summarise_model"]


def _money(x: float, cur: str) -> str:
    return f"{cur + ' ' if cur else ''}{x:,.0f}"


@dataclass(frozen=True)
class EconSummary:
    """Headline cost-effectiveness numbers, with sentences ready for a report.

    ``prob_cost_effective``/``evpi_per_patient``/``n_psa`` are ``None`` without a PSA;
    ``evpi_per_year_population`` is the per-patient EVPI times the model file's
    ``population`` (patients per year), when both exist;
    ``assumptions`` lists inputs no source gives; ``benchmarks`` are published ICERs.
    """

    intervention: str
    comparator: str
    currency: str
    wtp: float | None
    horizon: float
    discount: float
    method: str
    cost_intervention: float
    cost_comparator: float
    qaly_intervention: float
    qaly_comparator: float
    ly_intervention: float
    ly_comparator: float
    inc_cost: float
    inc_qaly: float
    inc_ly: float
    icer: float
    inmb: float | None
    prob_cost_effective: float | None
    n_psa: int | None
    evpi_per_patient: float | None
    evpi_per_year_population: float | None
    assumptions: tuple[str, ...]
    benchmarks: tuple[tuple[str, float], ...]
    sentences: tuple[str, ...]

    @property
    def headline(self) -> str:
        return self.sentences[0]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["assumptions"] = list(self.assumptions)
        d["benchmarks"] = [list(b) for b in self.benchmarks]
        d["sentences"] = list(self.sentences)
        return d


def report_summary(
    result: CEAResult,
    *,
    intervention: str | None = None,
    comparator: str | None = None,
    psa: PSAResult | None = None,
    wtp: float | None = None,
    model_file: ModelFile | None = None,
) -> EconSummary:
    """Summarise a deterministic result (and optionally a PSA) for a report.

    Parameters
    ----------
    result
        A :class:`CEAResult`.
    intervention, comparator
        Arms to compare (default: those of ``model_file``, else the first two arms).
    psa
        Optional :class:`PSAResult` for the probability of cost-effectiveness and EVPI.
    wtp
        Willingness to pay (default: the result's).
    model_file
        Optional :class:`~evisynth.econ.modelfile.ModelFile` for assumptions and
        published benchmarks.

    Returns
    -------
    EconSummary

    Raises
    ------
    InputError
        Unknown arms.

    Examples
    --------
    >>> import evisynth as ev
    >>> e = ev.parametric_curve
    >>> arms = {"new": ev.Arm(pfs=e("exponential", rate=0.1), os=e("exponential", rate=0.1),
    ...                       one_off_cost=20_000, utilities={"pf": 0.8}),
    ...         "old": ev.Arm(pfs=e("exponential", rate=0.2), os=e("exponential", rate=0.2),
    ...                       utilities={"pf": 0.8})}
    >>> r = ev.PartitionedSurvival(arms=arms, horizon=10, wtp=50_000).run()
    >>> s = report_summary(r)
    >>> s.icer == r.icer("new", "old")
    True

    References
    ----------
    Drummond et al. (2015) ch. 4.
    """
    a = intervention or (model_file.intervention if model_file else result.arms[0])
    b = comparator or (model_file.comparator if model_file else result.arms[1])
    inc = result.incremental(a, b)
    w = wtp if wtp is not None else result.wtp
    cur = result.currency
    inmb = None if w is None else w * inc["inc_qaly"] - inc["inc_cost"]
    pce = evpi = evpi_pop = None
    n = None
    if psa is not None and w is not None:
        pce = psa.prob_cost_effective(w)[a]
        evpi = psa.evpi(w)["per_patient"]
        n = psa.n
        if model_file is not None and model_file.population is not None:
            evpi_pop = evpi * model_file.population.value
    dq, dc = inc["inc_qaly"], inc["inc_cost"]
    if dq > 0 and dc > 0:
        s1 = (f"Over {result.horizon:g} years, {a} costs {_money(dc, cur)} more than {b} and "
              f"gains {dq:.2f} QALYs: {_money(inc['icer'], cur)} per QALY gained.")
    elif dq >= 0 and dc <= 0:
        s1 = (f"Over {result.horizon:g} years, {a} dominates {b}: it costs "
              f"{_money(-dc, cur)} less and gains {dq:.2f} QALYs.")
    elif dq <= 0 and dc >= 0:
        s1 = f"Over {result.horizon:g} years, {a} is dominated by {b}."
    else:
        s1 = (f"Over {result.horizon:g} years, {a} saves {_money(-dc, cur)} and loses "
              f"{-dq:.2f} QALYs: {_money(inc['icer'], cur)} saved per QALY lost.")
    sents = [s1]
    if w is not None and inmb is not None:
        sents.append(f"At {_money(w, cur)} per QALY the incremental net monetary benefit is "
                     f"{_money(inmb, cur)}.")
    if pce is not None:
        sents.append(f"In {n:,} probabilistic draws, {a} is cost-effective at "
                     f"{_money(w or 0.0, cur)} per QALY with probability {pce:.2f}; the "
                     f"expected value of perfect information is {_money(evpi or 0.0, cur)} "
                     "per patient.")
    assumptions: tuple[str, ...] = ()
    benches: tuple[tuple[str, float], ...] = ()
    if model_file is not None:
        assumptions = tuple(p.name or "" for p in model_file.assumptions())
        benches = tuple((str(x.get("label", "")), float(x["icer"])) for x in
                        model_file.benchmarks if "icer" in x)
        if assumptions:
            sents.append(f"{len(assumptions)} inputs are marked as assumptions (no source "
                         "gives them, or they are another model's assumption) and are varied "
                         f"in the sensitivity analyses: {', '.join(assumptions)}.")
        if benches:
            lo, hi = min(v for _, v in benches), max(v for _, v in benches)
            sents.append(f"Published ICERs for the same comparison range from "
                         f"{_money(lo, cur)} to {_money(hi, cur)} per QALY.")
    return EconSummary(
        intervention=a, comparator=b, currency=cur, wtp=w, horizon=result.horizon,
        discount=result.discount, method=result.method,
        cost_intervention=result.costs[a], cost_comparator=result.costs[b],
        qaly_intervention=result.qalys[a], qaly_comparator=result.qalys[b],
        ly_intervention=result.life_years[a], ly_comparator=result.life_years[b],
        inc_cost=dc, inc_qaly=dq, inc_ly=inc["inc_ly"], icer=inc["icer"], inmb=inmb,
        prob_cost_effective=pce, n_psa=n, evpi_per_patient=evpi,
        evpi_per_year_population=evpi_pop, assumptions=assumptions,
        benchmarks=benches, sentences=tuple(sents))


def summarise_model(
    path: Any,
    *,
    overrides: dict[str, Any] | None = None,
    n_psa: int = 10_000,
    seed: int = 20260101,
) -> EconSummary:
    """Load a model file, run it (exact) and its PSA, and summarise: one call for a report.

    Parameters
    ----------
    path
        Model file, or the name of a bundled model.
    overrides
        Input overrides (e.g. a review's pooled hazard ratio), see
        :func:`~evisynth.econ.modelfile.load_model`.
    n_psa
        PSA draws (0 for none).
    seed
        PSA seed.

    Returns
    -------
    EconSummary

    Raises
    ------
    InputError
        As :func:`~evisynth.econ.modelfile.load_model`.

    Examples
    --------
    >>> from evisynth.econ.modelfile import bundled_models
    >>> s = summarise_model(bundled_models()[0], n_psa=200, seed=1)
    >>> 0 <= s.prob_cost_effective <= 1
    True

    References
    ----------
    Briggs, Claxton & Sculpher (2006).
    """
    from evisynth.econ.modelfile import load_model

    mf = load_model(path, overrides=overrides)
    res = mf.run("exact")
    psa = mf.model.psa(n_psa, seed=seed) if n_psa else None
    return report_summary(res, psa=psa, model_file=mf)


@dataclass(frozen=True)
class HorizonCheck:
    """A claimed ICER over a short horizon set against the model and the arithmetic bound."""

    claimed_icer: float
    horizon: float
    model_icer: float
    inc_cost: float
    inc_qaly: float
    qaly_needed: float
    max_qaly_gain: float
    icer_lower_bound: float
    lifetime_icer: float | None
    possible: bool
    sentences: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sentences"] = list(self.sentences)
        return d


def horizon_check(
    model: PartitionedSurvival,
    intervention: str,
    comparator: str,
    *,
    claimed_icer: float,
    horizon: float,
    method: str = "exact",
) -> HorizonCheck:
    """Test a claimed ICER over ``horizon`` years against the model.

    Runs the model truncated at ``horizon``; reports its ICER there, the QALY gain
    the claim would need given the model's incremental cost
    (``inc_cost / claimed_icer``), and the most QALYs any patient could gain in
    that time (``int_0^H (1 + r_q)^-t dt``). The claim is arithmetically impossible
    when the needed gain exceeds that maximum.

    Parameters
    ----------
    model
        The model.
    intervention, comparator
        Arms.
    claimed_icer
        The claimed cost per QALY.
    horizon
        The claimed horizon in years.
    method
        ``exact`` or ``cycles``.

    Returns
    -------
    HorizonCheck

    Raises
    ------
    InputError
        Non-positive claimed ICER or horizon.

    Examples
    --------
    >>> import evisynth as ev
    >>> e = ev.parametric_curve
    >>> arms = {"new": ev.Arm(pfs=e("exponential", rate=0.1), os=e("exponential", rate=0.1),
    ...                       one_off_cost=200_000, utilities={"pf": 0.8}),
    ...         "old": ev.Arm(pfs=e("exponential", rate=0.2), os=e("exponential", rate=0.2),
    ...                       utilities={"pf": 0.8})}
    >>> m = ev.PartitionedSurvival(arms=arms, horizon=30)
    >>> horizon_check(m, "new", "old", claimed_icer=20_000, horizon=5).possible
    False

    References
    ----------
    Drummond et al. (2015) ch. 4.
    """
    ci = check_number("claimed_icer", claimed_icer, lo=1e-9)
    h = check_number("horizon", horizon, lo=1e-9, unit="years")
    if intervention not in model.arms or comparator not in model.arms:
        raise InputError("horizon_check: unknown intervention or comparator", where="arms")
    short = model.with_horizon(h).run(method)
    inc = short.incremental(intervention, comparator)
    life = model.run(method).icer(intervention, comparator)
    rq = model.discount_qalys
    max_q = h if rq == 0 else -math.expm1(-math.log1p(rq) * h) / math.log1p(rq)
    need = inc["inc_cost"] / ci
    bound = inc["inc_cost"] / max_q
    possible = need <= max_q
    cur = model.currency
    sents = (
        f"Over {h:g} years the model gives {_money(inc['icer'], cur)} per QALY "
        f"(+{_money(inc['inc_cost'], cur)}, +{inc['inc_qaly']:.2f} QALYs); over "
        f"{model.horizon:g} years {_money(life, cur)}.",
        f"A claim of {_money(ci, cur)} per QALY over {h:g} years needs a gain of "
        f"{need:.2f} QALYs; no patient can gain more than {max_q:.2f} discounted QALYs in "
        f"{h:g} years, so no ICER below {_money(bound, cur)} is possible with this "
        "incremental cost." if not possible else
        f"A claim of {_money(ci, cur)} per QALY over {h:g} years needs a gain of "
        f"{need:.2f} QALYs, {need / max_q:.0%} of the most any patient could gain "
        f"({max_q:.2f}); the model's gain is {inc['inc_qaly']:.2f}.",
    )
    return HorizonCheck(ci, h, inc["icer"], inc["inc_cost"], inc["inc_qaly"], need, max_q,
                        bound, life, possible, sents)
