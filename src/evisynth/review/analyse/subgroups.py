"""Pre-specified subgroup analyses within a stratum (and the design subgroup test across them)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from evisynth.effects import EffectSizes
from evisynth.errors import EvisynthWarning, InputError
from evisynth.meta import subgroup
from evisynth.meta.subgroup import SubgroupResult
from evisynth.review._review import Review
from evisynth.review.analyse.fits import select
from evisynth.review.analyse.reporting import PROPORTION_MEASURES, exact_proportion
from evisynth.review.analyse.stratum import StratumAnalysis
from evisynth.review.inputs import StudyInput
from evisynth.review.model import Outcome

__all__ = ["GlmmModerator", "SubgroupAnalysis", "analyse_subgroups", "glmm_moderator",
           "subgroup_value"]


@dataclass(frozen=True)
class SubgroupAnalysis:
    """One pre-specified subgroup variable within one design stratum of one outcome."""

    key: str
    label: str
    design: str
    design_label: str
    result: SubgroupResult | None
    note: str
    rationale: str | None = None
    k: int = 0
    column: str = ""
    glmm: GlmmModerator | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "design": self.design, "note": self.note,
                "column": self.column,
                "glmm": None if self.glmm is None else self.glmm.to_dict(),
                "rationale": self.rationale, "k": self.k,
                "result": None if self.result is None else self.result.to_dict()}


@dataclass(frozen=True)
class GlmmModerator:
    """A subgroup variable of one-arm rates as a GLMM moderator.

    ``test``: the omnibus Wald test of the moderator (QM, df, p) from
    :func:`evisynth.rma_glmm` with indicator columns for the groups;
    ``groups``: per group its k, events/total and rate with a 95% interval (the
    group's own GLMM when it has two or more studies, else the study's exact
    interval).
    """

    qm: float
    df: int
    pval: float
    groups: tuple[tuple[str, int, float, float, float, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"QM": self.qm, "df": self.df, "pval": self.pval,
                "groups": [{"group": g, "k": k, "estimate": e, "ci_lb": lb, "ci_ub": ub,
                            "method": m} for g, k, e, lb, ub, m in self.groups]}


def glmm_moderator(used: tuple[StudyInput, ...], groups: list[str],
                   level: float) -> GlmmModerator | None:
    """Group rates and the moderator test with the binomial-normal GLMM (if available)."""
    import evisynth as ev

    glmm = getattr(ev, "rma_glmm", None)
    if glmm is None:
        return None
    xi = [u.row.events_int for u in used]
    ni = [u.row.n_int for u in used]
    if any(v is None for v in xi + ni):
        return None
    levels = list(dict.fromkeys(groups))
    mods = np.array([[1.0 if g == lev else 0.0 for lev in levels[1:]] for g in groups])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvisynthWarning)
        try:
            fit = glmm("PLO", xi=xi, ni=ni, mods=mods, level=level)
        except InputError:
            return None
        rows = []
        for lev in levels:
            idx = [i for i, g in enumerate(groups) if g == lev]
            if len(idx) >= 2:
                g = glmm("PLO", xi=[xi[i] for i in idx], ni=[ni[i] for i in idx], level=level)
                t = g.transf()
                rows.append((lev, len(idx), t["estimate"], t["ci_lb"], t["ci_ub"], "GLMM"))
            else:
                ex = exact_proportion(xi[idx[0]], ni[idx[0]], level)
                lo, hi = ex["exact_ci"]
                rows.append((lev, 1, ex["proportion"], lo, hi, "exact"))
    if fit.QM is None or fit.QM_df is None or fit.QM_pval is None:
        return None
    return GlmmModerator(float(fit.QM), int(fit.QM_df), float(fit.QM_pval), tuple(rows))


def subgroup_value(study: StudyInput, column: str) -> str | None:
    """A study input's value of a subgroup column: ``feature:NAME``, a studies.csv column
    or an outcomes.csv column (in that order).

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> _, used = load_bundled("cart_dlbcl").effect_sizes("efs")
    >>> [subgroup_value(u, "feature:efs_week12") for u in used]
    ['no', 'no', 'yes']
    """
    if column.startswith("feature:"):
        return study.study.feature(column.removeprefix("feature:"))
    if column in type(study.study).model_fields:
        value = getattr(study.study, column)
    else:
        value = getattr(study.row, column, None)
    return None if value is None else str(value)


def analyse_subgroups(review: Review, outcome: Outcome,
                      strata: tuple[StratumAnalysis, ...]) -> tuple[SubgroupAnalysis, ...]:
    """The review's subgroup variables for one outcome, stratum by stratum."""
    out: list[SubgroupAnalysis] = []
    plan = review.analysis
    for sg in review.subgroups:
        if sg.outcomes and outcome.key not in sg.outcomes:
            continue
        if sg.column == "design":
            # The only analysis that spans strata: a test of their difference, never a pool.
            picked = select(review, outcome, None, "primary", False)
            targets = [("all", "all designs", picked)]
        else:
            targets = [(s.design, s.design_label, (s.es, s.studies)) for s in strata]
        for design, design_label, chosen in targets:
            if chosen is None:
                continue
            es, used = chosen
            values = [subgroup_value(s, sg.column) for s in used]
            keep = [i for i, v in enumerate(values) if v is not None]
            if len(used) < 2:
                continue
            groups = [str(values[i]) for i in keep]
            if len(set(groups)) < 2:
                shown = groups[0] if groups else "no value"
                out.append(SubgroupAnalysis(
                    sg.key, sg.label, design, design_label, None,
                    f"not run: all {len(used)} studies share {sg.column} = {shown!r}",
                    sg.rationale, len(used), sg.column))
                continue
            sub_es = es if len(keep) == len(used) else EffectSizes(
                yi=es.yi[keep], vi=es.vi[keep], measure=es.measure,
                labels=None if es.labels is None else tuple(es.labels[i] for i in keep))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EvisynthWarning)
                res = subgroup(sub_es, groups, method=plan.method, test="z", tau2="separate",
                               level=plan.level)
            if sg.column == "design":
                note = "Test for subgroup differences only; strata are not pooled together."
            else:
                note = f"Subgroups within the stratum: {design_label}."
            singles = sum(1 for g in set(groups) if groups.count(g) == 1)
            if singles:
                note += (f" {singles} of {len(set(groups))} subgroups hold a single study: "
                         "the test asks whether studies differ, it cannot say why (with so few "
                         "studies, design features, products and populations are confounded).")
            gm = None
            fs = plan.few_studies
            if (outcome.measure in PROPORTION_MEASURES and fs is not None
                    and fs.proportions == "glmm"):
                gm = glmm_moderator(tuple(used[i] for i in keep), groups, plan.level)
                if gm is not None:
                    note += (" Rates and the moderator test from the binomial-normal GLMM "
                             "(the figure shows the logit-normal subgroup analysis).")
            out.append(SubgroupAnalysis(sg.key, sg.label, design, design_label, res, note,
                                        sg.rationale, len(keep), sg.column, gm))
    return tuple(out)
