"""How an outcomes.csv row is built from source rows: a reported ratio, events/total
counts, or counts derived from a percentage and a known denominator (with the arithmetic
written out), each checked against the review's rules on the way."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..common import BuildError
from .provenance import joined, provenance
from .sources import Pick, Src, count_from_percent, exact_p, find, fmt, number


@dataclass(frozen=True)
class Denominator:
    """Where a known denominator comes from: a cell of a source row, or its location text."""

    pick: Pick
    cell: str = "value"
    pattern: str | None = None
    what: str = "randomised arm size (intention to treat)"

    def get(self, source: Sequence[Src]) -> tuple[int, Src]:
        r = find(source, self.pick)
        if self.pattern is not None:
            m = re.search(self.pattern, r[self.cell])
            if m is None:
                raise BuildError(f"source row {r.number}: no match for {self.pattern!r}")
            return int(m.group(1)), r
        value = number(r[self.cell], self.cell, r)
        if value.denominator != 1:
            raise BuildError(f"source row {r.number}: denominator {value} is not whole")
        return int(value), r


@dataclass(frozen=True)
class RowSpec:
    """One output row of outcomes.csv and how it is built from source rows.

    kind: ``ratio`` (a reported HR row), ``counts`` (events/total rows),
    ``percent`` (counts derived from percentage rows and known denominators).
    """

    row_id: str
    outcome: str
    study: str
    analysis: str
    kind: str
    cart: Pick
    control: Pick | None = None
    n_cart: Denominator | None = None
    n_control: Denominator | None = None
    use_p: bool = False
    grading: str = ""
    notes: str = ""


def _ratio_row(spec: RowSpec, source: Sequence[Src]) -> tuple[dict[str, str], list[Src]]:
    r = find(source, spec.cart)
    p_text = r["p_value"]
    out = {
        "estimate": fmt(number(r["value"], "value", r)),
        "ci_lb": fmt(number(r["ci_low"], "ci_low", r)) if r["ci_low"] else "",
        "ci_ub": fmt(number(r["ci_high"], "ci_high", r)) if r["ci_high"] else "",
        "pval": exact_p(p_text) if spec.use_p else "",
        "pval_text": p_text,
        "events_cart": r["events_cart"], "n_cart": r["n_cart"],
        "events_control": r["events_control"], "n_control": r["n_control"],
    }
    if spec.use_p and not out["pval"]:
        raise BuildError(f"source row {r.number}: p-value {p_text!r} is not exact")
    return out, [r]


def _counts_row(spec: RowSpec, source: Sequence[Src]) -> tuple[dict[str, str], list[Src]]:
    cart = find(source, spec.cart)
    out = {"events_cart": cart["events_cart"], "n_cart": cart["n_cart"]}
    rows = [cart]
    if spec.control is not None:
        ctrl = find(source, spec.control)
        out.update(events_control=ctrl["events_control"], n_control=ctrl["n_control"])
        rows.append(ctrl)
    return out, rows


def _derive(pct_row: Src, den: Denominator, source: Sequence[Src], arm: str) -> tuple[
    str, str, str, list[Src]
]:
    n, n_row = den.get(source)
    count, lo, hi = count_from_percent(pct_row["value"], n)
    compatible = f"{lo}" if lo == hi else f"{lo}-{hi}"
    where = f"source row {n_row.number}, {den.cell}"
    text = (f"{arm}: {count} = round({pct_row['value']}% x {n}) from source row "
            f"{pct_row.number}; n = {n} = {den.what} ({where}); counts compatible with the "
            f"rounded percentage: {compatible}")
    return str(count), str(n), text, [pct_row, n_row]


def _percent_row(spec: RowSpec, source: Sequence[Src]) -> tuple[dict[str, str], list[Src], str]:
    if spec.n_cart is None:
        raise BuildError(f"{spec.row_id}: a derived row needs n_cart")
    ev, n, text, rows = _derive(find(source, spec.cart), spec.n_cart, source, "events_int")
    out = {"events_cart": ev, "n_cart": n}
    texts = [text]
    if spec.control is not None:
        if spec.n_control is None:
            raise BuildError(f"{spec.row_id}: a derived two-arm row needs n_control")
        ev2, n2, text2, rows2 = _derive(find(source, spec.control), spec.n_control, source,
                                        "events_comp")
        out.update(events_control=ev2, n_control=n2)
        texts.append(text2)
        rows += rows2
    return out, rows, "; ".join(texts)


def _check_source_derivation(r: Src) -> str:
    """Recompute a count the source table derived from a percentage; say how."""
    n = int(number(r["n_cart"], "n_cart", r))
    count, lo, hi = count_from_percent(r["value"], n)
    if r["measure"] != "percent" or str(count) != r["events_cart"] or lo != hi:
        raise BuildError(f"source row {r.number} ({r.file}): derived count {r['events_cart']} "
                         f"does not follow from {r['value']}% of {n} uniquely")
    return (f"events_int: {count} = round({r['value']}% x {n}) from source row {r.number} "
            f"({r.file}); the only count compatible with the rounded percentage (the source "
            "table derived it the same way)")


OUTCOME_COLUMNS = (
    "row_id", "outcome", "study_id", "analysis", "definition", "estimate", "ci_lb", "ci_ub",
    "pval", "pval_text", "events_cart", "n_cart", "events_control", "n_control", "grading",
    "source_file", "derived", "derivation", "lead_only", "source", "doi_or_pmid", "location",
    "verification", "source_rows", "notes",
)


def outcome_row(spec: RowSpec, source: Sequence[Src], used: set[int]) -> dict[str, str]:
    """Build one outcomes.csv row; checks the review's rules on the way."""
    derivation = ""
    if spec.kind == "ratio":
        data, rows = _ratio_row(spec, source)
    elif spec.kind == "counts":
        data, rows = _counts_row(spec, source)
    elif spec.kind == "percent":
        data, rows, derivation = _percent_row(spec, source)
    else:
        raise BuildError(f"{spec.row_id}: unknown kind {spec.kind!r}")
    if spec.kind == "counts" and any(r.derived_in_source for r in rows):
        derivation = "; ".join(_check_source_derivation(r) for r in rows if r.derived_in_source)
    data_rows = [r for r in rows if r["study_id"] == spec.study] or rows
    prov = provenance(rows)
    if prov["lead_only"] == "true" and spec.analysis not in ("lead", "alternative"):
        raise BuildError(f"{spec.row_id}: a GitHub-only row cannot be {spec.analysis!r}")
    definitions = joined(r["outcome"] for r in data_rows if r["measure"] != "n")
    used.update(r.number for r in rows)
    row = {c: "" for c in OUTCOME_COLUMNS}
    row.update(data)
    row.update(prov)
    row.update(
        row_id=spec.row_id, outcome=spec.outcome, study_id=spec.study, analysis=spec.analysis,
        definition=definitions, grading=spec.grading,
        derived="true" if derivation else "false", derivation=derivation, notes=spec.notes,
    )
    return row

