"""The rows of a forest plot: what each one says, before anything is drawn.

A forest is a list of :class:`_Row` on the display scale: studies, pooled and
subtotal rows, the prediction interval, group headers and lines of text. This
module builds them from fits (with the numbers in their columns: estimate and
interval, weight, events/N per arm), checks the arguments that fill the
columns, writes the heterogeneity and test lines, and describes the rows as the
figure's alternative text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from evisynth.errors import InputError
from evisynth.meta.results import RMAResult
from evisynth.meta.subgroup import SubgroupResult
from evisynth.plots._common import Scale, fmt, fmt_num, fmt_p, fmt_pct, tick_label

#: One study's counts: (events, n) in the intervention arm, then in the comparator arm.
Counts = tuple[int | None, int | None, int | None, int | None]


@dataclass(frozen=True)
class _Row:
    """One row of the forest, already on the display scale."""

    kind: str  # study | pooled | subtotal | pi | header | text
    label: str
    est: float = math.nan
    lb: float = math.nan
    ub: float = math.nan
    weight: float = math.nan
    weight_text: str = ""
    ci_text: str = ""
    note: str = ""
    counts: tuple[str, str] = ("", "")


def _num(x: float, digits: int, percent: bool = False) -> str:
    """Numbers for the CI column: never E notation (:func:`fmt_num`, :func:`fmt_pct`)."""
    if percent:
        return fmt_pct(x, max(digits - 1, 0))
    return fmt_num(x, digits)


def _ci_text(est: float, lb: float, ub: float, digits: int, percent: bool = False) -> str:
    return (f"{_num(est, digits, percent)} [{_num(lb, digits, percent)}, "
            f"{_num(ub, digits, percent)}]")


def _check_counts(counts: Any, k: int, name: str = "counts") -> list[tuple[str, str]]:
    """Per study ``("events/n" of the intervention arm, same of the comparator)``."""
    if isinstance(counts, str) or not isinstance(counts, Sequence | np.ndarray):
        raise InputError(
            f"argument {name!r}: expected a sequence of {k} tuples (events_int, n_int, "
            f"events_comp, n_comp), one per study (None for a study without counts), got "
            f"{type(counts).__name__}",
            where=name,
        )
    if len(counts) != k:
        raise InputError(
            f"argument {name!r}: has {len(counts)} entries but the fit has {k} studies; give "
            "one (events_int, n_int, events_comp, n_comp) tuple per study",
            where=name,
        )
    out = []
    for i, c in enumerate(counts):
        if c is None:
            out.append(("", ""))
            continue
        if isinstance(c, str) or not isinstance(c, Sequence) or len(c) != 4:
            raise InputError(
                f"argument {name!r}, study {i + 1}: expected (events_int, n_int, events_comp, "
                f"n_comp) or None, got {c!r}",
                where=f"{name}[{i}]",
            )
        arms = []
        for arm, (e, n) in (("intervention", c[:2]), ("comparator", c[2:])):
            for what, v in (("events", e), ("n", n)):
                if v is not None and (isinstance(v, bool) or not isinstance(v, int | np.integer)
                                      or v < 0):
                    raise InputError(
                        f"argument {name!r}, study {i + 1}: {arm} {what} is {v!r}; give a "
                        "whole number ≥ 0 or None",
                        where=f"{name}[{i}]",
                    )
            if (e is None) != (n is None):
                raise InputError(
                    f"argument {name!r}, study {i + 1}: the {arm} arm has events {e!r} and n "
                    f"{n!r}; give both or neither",
                    where=f"{name}[{i}]",
                )
            if e is not None and n is not None and e > n:
                raise InputError(
                    f"argument {name!r}, study {i + 1}: {e} events in the {arm} arm of "
                    f"{n} participants; events cannot exceed n",
                    where=f"{name}[{i}]",
                )
            arms.append("" if e is None or n is None else f"{int(e):,}/{int(n):,}")
        out.append((arms[0], arms[1]))
    return out


def _count_totals(texts: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """Pooled row: summed events/n of an arm when every study gives that arm's counts."""
    tot = []
    for j in (0, 1):
        col = [t[j] for t in texts]
        if col and all(col):
            ev = sum(int(c.split("/")[0].replace(",", "")) for c in col)
            n = sum(int(c.split("/")[1].replace(",", "")) for c in col)
            tot.append(f"{ev:,}/{n:,}")
        else:
            tot.append("")
    return tot[0], tot[1]


def _check_favours(favours: Any, scale: Scale, measure: str) -> tuple[str, str] | None:
    if favours is None:
        return None
    if (isinstance(favours, str) or not isinstance(favours, Sequence) or len(favours) != 2
            or not all(isinstance(f, str) and f.strip() for f in favours)):
        raise InputError(
            "argument 'favours': expected two non-empty labels (left_label, right_label), "
            f"e.g. ('intervention', 'comparator'), got {favours!r}",
            where="favours",
        )
    if scale.null is None:
        raise InputError(
            f"argument 'favours': a {measure} analysis on this scale has no null effect to "
            "put the labels either side of; leave 'favours' out",
            where="favours",
        )
    return favours[0].strip(), favours[1].strip()


def _model_label(fit: RMAResult, prefix: str = "") -> str:
    tests = {"knha": "Hartung–Knapp", "adhoc": "Hartung–Knapp ad hoc", "t": "t test"}
    if fit.method == "FE":
        what = "Common-effect model"
    else:
        what = f"Random-effects model ({fit.method}"
        what += f", {tests[fit.test]})" if fit.test in tests else ")"
    return prefix + what


def _het_text(fit: RMAResult) -> str:
    if fit.k < 2:
        return "Heterogeneity: not applicable (one study)"
    parts = []
    if fit.method != "FE":
        parts.append(f"τ² = {fmt(fit.tau2, 4)} ({fit.method})")
    parts.append(f"I² = {fmt(fit.I2, 1)}%")
    parts.append(f"Q = {fmt(fit.Q, 2)}, df = {fit.k - 1}, {fmt_p(fit.Q_pval)}")
    return "Heterogeneity: " + "; ".join(parts)


def _effect_text(fit: RMAResult) -> str:
    if fit.test == "z":
        stat = f"z = {fmt(fit.stat, 2)}"
    else:
        stat = f"t({fit.ddf:g}) = {fmt(fit.stat, 2)}"
    return f"Test for overall effect: {stat}, {fmt_p(fit.pval)}"


def _study_rows(
    fit: RMAResult,
    scale: Scale,
    labels: Sequence[str],
    notes: Sequence[str],
    digits: int,
    counts: Sequence[tuple[str, str]] | None = None,
) -> list[_Row]:
    z = float(norm.ppf(0.5 + fit.level / 200.0))
    yi = np.asarray(fit.yi, dtype=float)
    se = np.sqrt(np.asarray(fit.vi, dtype=float))
    est, lb, ub = scale(yi), scale(yi - z * se), scale(yi + z * se)
    wp = np.asarray(fit.weights_percent, dtype=float)
    return [
        _Row(
            "study",
            labels[i],
            float(est[i]),
            float(lb[i]),
            float(ub[i]),
            float(wp[i]),
            f"{wp[i]:.1f}%",
            _ci_text(float(est[i]), float(lb[i]), float(ub[i]), digits, scale.percent),
            notes[i],
            counts[i] if counts is not None else ("", ""),
        )
        for i in range(fit.k)
    ]


def _pooled_rows(
    fit: RMAResult, scale: Scale, show_pi: bool, digits: int, *, kind: str, label: str,
    counts: tuple[str, str] = ("", ""),
) -> list[_Row]:
    e, lb, ub = (float(v) for v in scale([fit.estimate, fit.ci_lb, fit.ci_ub]))
    rows = [_Row(kind, label, e, lb, ub, math.nan, "100.0%",
                 _ci_text(e, lb, ub, digits, scale.percent), counts=counts)]
    pi_ok = math.isfinite(fit.pi_lb) and math.isfinite(fit.pi_ub)
    if show_pi and fit.method != "FE" and fit.k >= 2 and pi_ok:
        plb, pub = (float(v) for v in scale([fit.pi_lb, fit.pi_ub]))
        rows.append(
            _Row("pi", f"{fit.level:g}% prediction interval", e, plb, pub,
                 ci_text=f"[{_num(plb, digits, scale.percent)}, "
                         f"{_num(pub, digits, scale.percent)}]")
        )
    return rows


def _check_counts_labels(labels: Any) -> tuple[str, str]:
    if (isinstance(labels, str) or not isinstance(labels, Sequence) or len(labels) != 2
            or not all(isinstance(x, str) for x in labels)):
        raise InputError(
            "argument 'counts_labels': expected two column headers (intervention, comparator), "
            f"got {labels!r}",
            where="counts_labels",
        )
    return labels[0], labels[1]


def _describe(rows: Sequence[_Row], scale: Scale, favours: tuple[str, str] | None,
              title: str | None, extra: Sequence[str], what: str = "Forest plot") -> str:
    """Alternative text: what is plotted, every study's estimate, the pooled result."""
    studies = [r for r in rows if r.kind == "study"]
    parts = [f"{what}{': ' + title if title else ''}."]
    axis = "log scale" if scale.log else "linear scale"
    parts.append(f"{len(studies)} {'study' if len(studies) == 1 else 'studies'}, "
                 f"{scale.label} on a {axis}"
                 + (f", null effect at {tick_label(scale.null)}" if scale.null is not None
                    else "") + ".")
    if favours is not None and scale.null is not None:
        parts.append(f"Values below {tick_label(scale.null)} favour {favours[0]}, above "
                     f"{favours[1]}.")
    shown = studies[:12]
    parts.append("Studies: " + "; ".join(f"{r.label} {r.ci_text}" for r in shown)
                 + ("; and more" if len(studies) > len(shown) else "") + ".")
    for r in rows:
        if r.kind in ("pooled", "subtotal", "header"):
            if r.kind == "header":
                parts.append(f"Group {r.label}:")
            else:
                parts.append(f"{r.label}: {r.ci_text}.")
        elif r.kind == "pi":
            parts.append(f"{r.label}: {r.ci_text}.")
    parts += [e if e.endswith(".") else e + "." for e in extra]
    return " ".join(parts)


def _between_text(res: SubgroupResult) -> str:
    """``Test for subgroup differences: Q = 1.86, df = 2, p = 0.394`` (or F with two df)."""
    if res.Q_between_ddf is None:
        stat = f"Q = {fmt(res.Q_between, 2)}, df = {res.Q_between_df}"
    else:
        stat = f"F({res.Q_between_df}, {res.Q_between_ddf}) = {fmt(res.Q_between, 2)}"
    return f"Test for subgroup differences: {stat}, {fmt_p(res.Q_between_pval)}"
