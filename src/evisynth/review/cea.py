"""The ``[cea]`` section of review.toml: a cost-effectiveness model fed by the review.

A review may name a model file (the layout of :mod:`evisynth.econ.modelfile`)
and say which of its inputs are the review's own pooled results::

    [cea]
    model = "model.toml"          # inside the review folder, or a bundled model name
    wtp = [100000, 150000]        # willingness-to-pay thresholds reported (per QALY)
    psa_draws = 2000              # probabilistic draws (kept small: the report stays fast)
    seed = 20260101
    [cea.overrides]               # model input = outcome key of the review
    hr_os = "os"                  # the primary analysis' pooled estimate, its
                                  # interval as the input's low/high
    [[cea.claims]]                # published cost-per-QALY claims to examine
    label = "..."
    icer = 45000
    horizon = 5                   # years
    exclusion = "X-1"             # optional: the exclusion-log entry it comes from
    note = "..."

:func:`check_cea` validates it when the review is loaded (every problem names
``review.toml`` and the key); :func:`run_cea` runs the model with the overrides
(base case, one-way sensitivity, PSA, claims) after the review is analysed.

References
----------
Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic
Evaluation. OUP, 2006 (PSA, CEAC, EVPI). Woods B et al. NICE DSU TSD 19 (2017)
(partitioned survival).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evisynth.errors import InputError
from evisynth.review.errors import Problem, ReviewError

if TYPE_CHECKING:
    from evisynth.econ import CEAResult, DSAResult, EconSummary, HorizonCheck, PSAResult
    from evisynth.econ.modelfile import ModelFile
    from evisynth.review._review import Review

__all__ = ["CEAClaim", "CEAInputOverride", "CEAResults", "CEASpec", "check_cea",
           "model_source", "run_cea"]

_TOML = "review.toml"
_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class CEAClaim(BaseModel):
    """A published cost-per-QALY claim over a stated horizon (``[[cea.claims]]``)."""

    model_config = _FROZEN

    label: str
    icer: float = Field(gt=0, allow_inf_nan=False)
    horizon: float = Field(gt=0, le=200, allow_inf_nan=False)
    exclusion: str | None = None
    note: str | None = None


class CEASpec(BaseModel):
    """The ``[cea]`` section of review.toml (see the module docstring).

    Examples
    --------
    >>> CEASpec(model="m.toml", overrides={"hr": "os"}).wtp
    (100000.0, 150000.0)
    """

    model_config = _FROZEN

    model: str = Field(min_length=1)
    overrides: dict[str, str] = Field(default_factory=dict)
    wtp: tuple[float, ...] = (100_000.0, 150_000.0)
    psa_draws: int = Field(default=2000, ge=100, le=100_000)
    seed: int = Field(default=20260101, ge=0)
    claims: tuple[CEAClaim, ...] = ()

    @field_validator("wtp")
    @classmethod
    def _wtp(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("give at least one willingness to pay per QALY, e.g. [100000]")
        for w in value:
            if not math.isfinite(w) or w <= 0:
                raise ValueError(f"{w!r} is not a positive willingness to pay per QALY")
        if len(set(value)) != len(value):
            raise ValueError("each willingness to pay may appear only once")
        return tuple(sorted(value))


def model_source(folder: str | Path | None, name: str) -> tuple[str | None, str | None]:
    """Where the ``[cea]`` model is: ``(path or bundled name, None)`` or ``(None, reason)``.

    A name without ``/`` or ``.toml`` is a bundled model
    (:func:`evisynth.econ.bundled_models`); anything else is a ``.toml`` file
    relative to the review folder that must resolve (through any symbolic link)
    to a regular file inside it.

    Examples
    --------
    >>> model_source(".", "../elsewhere.toml")[1]
    'leads outside the review folder; the model file must lie inside it'
    """
    from evisynth.econ.modelfile import bundled_models

    if "/" not in name and "\\" not in name and not name.endswith(".toml"):
        if name in bundled_models():
            return name, None
        return None, (f"{name!r} is neither a .toml file in the review folder nor a bundled "
                      f"model ({', '.join(bundled_models())})")
    if not name.endswith(".toml"):
        return None, "the model file must be a .toml file"
    if folder is None:
        return None, "a model file needs the review folder (the review was not loaded from one)"
    if Path(name).is_absolute():
        return None, "give the model file relative to the review folder, not an absolute path"
    try:
        base = Path(folder).resolve(strict=True)
        real = (Path(folder) / name).resolve()
        if base not in real.parents:
            return None, "leads outside the review folder; the model file must lie inside it"
        if not real.exists():
            return None, "file not found in the review folder"
        if not real.is_file():
            return None, "is not a regular file"
    except (OSError, RuntimeError, ValueError):
        return None, "cannot be resolved (a looping symbolic link or a bad name); give a file"
    return str(real), None


def _load(folder: str | Path | None, spec: CEASpec,
          overrides: dict[str, Any] | None = None) -> tuple[ModelFile | None, list[Problem]]:
    from evisynth.econ.modelfile import load_model

    src, why = model_source(folder, spec.model)
    if src is None:
        return None, [Problem(_TOML, None, "cea.model", f"{spec.model!r}: {why}")]
    try:
        return load_model(src, overrides=overrides), []
    except InputError as exc:
        key = "cea.model"
        if exc.where and exc.where.startswith("overrides."):
            key = "cea." + exc.where
        return None, [Problem(_TOML, None, key, str(exc).splitlines()[0])]


def check_cea(folder: str | Path, spec: CEASpec | None, outcome_keys: Sequence[str],
              exclusion_ids: Sequence[str] = ()) -> list[Problem]:
    """Problems of a ``[cea]`` section: the model file, the override names, claims.

    Parameters
    ----------
    folder
        The review folder.
    spec
        The parsed section (``None``: nothing to check).
    outcome_keys
        The review's outcome keys (what overrides may name).
    exclusion_ids
        The exclusion-log ids (what claims may name).

    Returns
    -------
    list of Problem
        Each names review.toml and the key (``cea.model``, ``cea.overrides.<input>``,
        ``cea.claims[i].exclusion``).

    Raises
    ------
    Nothing: problems are returned.

    Examples
    --------
    >>> s = CEASpec(model="no_such_model")
    >>> [p.column for p in check_cea(".", s, ["os"])]
    ['cea.model']

    References
    ----------
    TOML v1.0.0 (https://toml.io/en/v1.0.0).
    """
    if spec is None:
        return []
    mf, problems = _load(folder, spec)
    for name, outcome in spec.overrides.items():
        key = f"cea.overrides.{name}"
        if outcome not in outcome_keys:
            problems.append(Problem(_TOML, None, key, f"{outcome!r} is not an outcome of the "
                                    f"review; outcomes: {', '.join(outcome_keys) or 'none'}"))
        if mf is not None and name not in mf.inputs:
            problems.append(Problem(_TOML, None, key, f"{name!r} is not an input of the model "
                                    f"file; inputs: {', '.join(sorted(mf.inputs))}"))
    for i, c in enumerate(spec.claims):
        if c.exclusion is not None and c.exclusion not in exclusion_ids:
            problems.append(Problem(_TOML, None, f"cea.claims[{i}].exclusion",
                                    f"{c.exclusion!r} is not an id of the exclusion log"))
    return problems


@dataclass(frozen=True)
class CEAInputOverride:
    """One model input replaced by a pooled result of the review."""

    input: str
    outcome: str
    outcome_label: str
    model: str
    estimate: float
    ci_lb: float
    ci_ub: float
    interval: str
    file_value: float
    file_low: float | None
    file_high: float | None
    file_source: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, eq=False)
class CEAResults:
    """The review's cost-effectiveness analysis: what :func:`run_cea` computed.

    ``summaries`` holds one :class:`~evisynth.econ.EconSummary` per willingness to
    pay of ``spec.wtp`` (same base case and PSA draws); ``claims`` pairs each claim
    with its :func:`~evisynth.econ.horizon_check`; ``notes`` are the model file's
    ``[notes]`` by key; ``file_icer`` is the base-case ICER with the model file's own
    values (no override), for comparison.
    """

    spec: CEASpec
    model_file: ModelFile = field(repr=False)
    overrides: tuple[CEAInputOverride, ...]
    base: CEAResult = field(repr=False)
    psa: PSAResult = field(repr=False)
    dsa: DSAResult = field(repr=False)
    summaries: tuple[EconSummary, ...]
    claims: tuple[tuple[CEAClaim, HorizonCheck], ...]
    notes: dict[str, str]
    file_icer: float | None = None

    def summary_at(self, wtp: float) -> EconSummary:
        """The summary at one of the spec's thresholds."""
        for s in self.summaries:
            if s.wtp == wtp:
                return s
        raise InputError(f"argument 'wtp': {wtp:g} is not one of the [cea] thresholds "
                         f"{', '.join(f'{w:g}' for w in self.spec.wtp)}", where="wtp")

    def summary(self) -> str:
        """The headline sentences at each threshold, the overrides and the claims."""
        lines = [f"{self.model_file.title} ({self.psa.n:,} PSA draws, seed {self.spec.seed})"]
        lines += [f"  {o.input} = {o.estimate:.4g} ({o.ci_lb:.4g} to {o.ci_ub:.4g}): pooled "
                  f"{o.outcome_label}" for o in self.overrides]
        lines.append("  " + self.summaries[0].sentences[0])
        lines += ["  " + x for s in self.summaries for x in s.sentences[1:3]]
        lines += ["  " + x for _, h in self.claims for x in h.sentences]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"

    def to_dict(self) -> dict[str, Any]:
        """``results.json``'s ``cost_effectiveness``: summaries, overrides, claims."""
        mf = self.model_file
        first = self.summaries[0]
        return {
            "model": self.spec.model,
            "title": mf.title,
            "perspective": mf.perspective,
            "intervention": first.intervention,
            "comparator": first.comparator,
            "currency": first.currency,
            "horizon": first.horizon,
            "discount": first.discount,
            "icer": first.icer,
            "icer_without_overrides": self.file_icer,
            "inc_cost": first.inc_cost,
            "inc_qaly": first.inc_qaly,
            "psa_draws": self.psa.n,
            "seed": self.spec.seed,
            "overrides": {o.input: o.to_dict() for o in self.overrides},
            "by_wtp": {f"{s.wtp:.0f}": s.to_dict() for s in self.summaries},
            "claims": [{"label": c.label, "icer": c.icer, "horizon": c.horizon,
                        "exclusion": c.exclusion, "check": h.to_dict()}
                       for c, h in self.claims],
            "one_way": self.dsa.to_dict()["rows"],
        }


def _notes(path: str) -> dict[str, str]:
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    notes = doc.get("notes", {})
    return {str(k): str(v) for k, v in notes.items()} if isinstance(notes, dict) else {}


def _blame(p: Problem, spec: CEASpec, values: dict[str, Any]) -> Problem:
    """A model that loads without the overrides but not with them: name the override."""
    if p.column != "cea.model":
        return p
    names = [n for n in spec.overrides if repr(n) in p.reason or f"{n}." in p.reason]
    key = f"cea.overrides.{names[0]}" if names else "cea.overrides"
    v = values.get(names[0], {}) if names else {}
    what = (f"the pooled value {v['value']:.4g} ({v['low']:.4g} to {v['high']:.4g}) of outcome "
            f"{spec.overrides[names[0]]!r} does not fit this input: " if v else
            "the pooled values do not fit the model: ")
    return Problem(p.file, p.row, key, what + p.reason)


def run_cea(review: Review, outcomes: Sequence[Any]) -> CEAResults | None:
    """Run the review's ``[cea]`` model with its pooled results (``None`` without ``[cea]``).

    Each override sets the model input to the pooled estimate of the named
    outcome's primary analysis (the headline the report leads with), with its
    interval as the input's low/high; the input keeps the model file's
    distribution family. Then: base case (exact integration), one-way
    sensitivity (net monetary benefit at the highest threshold), PSA
    (``psa_draws``, ``seed``), and each claim checked over its horizon.

    Parameters
    ----------
    review
        The loaded review.
    outcomes
        Its :class:`~evisynth.review.analyse.OutcomeAnalysis` objects.

    Returns
    -------
    CEAResults or None

    Raises
    ------
    ReviewError
        An override names an outcome without a primary analysis, or the pooled value
        is not valid for the input (e.g. a proportion above 1): names review.toml and
        the key.

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> from evisynth.review.analyse import analyse_review
    >>> r = load_bundled("bcg_vaccine")
    >>> run_cea(r, []) is None
    True

    References
    ----------
    Briggs, Claxton & Sculpher (2006) ch. 4-7.
    """
    from evisynth.econ import horizon_check, report_summary

    spec = review.cea
    if spec is None:
        return None
    folder = review.path or "."
    by_key = {oa.outcome.key: oa for oa in outcomes}
    base_mf, problems = _load(review.path, spec)
    if base_mf is None:
        raise ReviewError(folder, problems)
    values: dict[str, Any] = {}
    used: list[CEAInputOverride] = []
    for name, key in spec.overrides.items():
        oa = by_key.get(key)
        st = None if oa is None else oa.primary
        if oa is None or st is None:
            raise ReviewError(folder, [Problem(_TOML, None, f"cea.overrides.{name}",
                                               f"outcome {key!r} has no primary analysis")])
        rep = st.reported
        est, lb, ub = (float(rep[k]) for k in ("estimate", "ci_lb", "ci_ub"))
        values[name] = {"value": est, "low": lb, "high": ub,
                        "source": f"this review: pooled {oa.outcome.label} "
                                  f"({st.design_label}, k = {st.k})"}
        old = base_mf.inputs[name]
        h = st.headline
        used.append(CEAInputOverride(
            name, key, oa.outcome.label, h.label if h is not None else "", est, lb, ub,
            h.interval if h is not None else "confidence interval", old.value, old.low,
            old.high, old.source))
    mf, problems = _load(review.path, spec, values)
    if mf is None:
        raise ReviewError(folder, [_blame(p, spec, values) for p in problems])
    model = mf.model
    base = mf.run("exact")
    psa = model.psa(spec.psa_draws, seed=spec.seed)
    dsa = model.dsa(mf.intervention, mf.comparator, wtp=max(spec.wtp), method="cycles")
    summaries = tuple(report_summary(base, psa=psa, wtp=w, model_file=mf) for w in spec.wtp)
    claims = tuple((c, horizon_check(model, mf.intervention, mf.comparator,
                                     claimed_icer=c.icer, horizon=c.horizon))
                   for c in spec.claims)
    file_icer = (base_mf.run("exact").icer(mf.intervention, mf.comparator) if used
                 else None)
    return CEAResults(spec, mf, tuple(used), base, psa, dsa, summaries, claims,
                      _notes(mf.path), file_icer)
