"""Checked event counts for :func:`evisynth.rma_glmm`: one count vector per argument.

Counts are whole numbers (binomial and Poisson models need them), events never
exceed their group, and each measure takes only its own arguments; every error
names the argument and the study.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evisynth._validation import (
    FloatArray,
    as_float_vector,
    as_labels,
    check_same_length,
    study_name,
)
from evisynth.errors import InputError

#: Count arguments of each measure.
ARGUMENTS = {
    "PLO": ("xi", "ni", "mi"),
    "OR": ("ai", "bi", "ci", "di", "n1i", "n2i"),
    "IRR": ("x1i", "t1i", "x2i", "t2i"),
}


def _counts(
    name: str, value: Any, labels: tuple[str, ...] | None, *, positive: bool = False
) -> FloatArray:
    arr = as_float_vector(name, value, labels=labels)
    bad = arr <= 0 if positive else arr < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        need = "greater than 0" if positive else "0 or greater"
        raise InputError(
            f"argument {name!r}, {study_name(i, labels)}: value is {arr[i]:g}; must be {need}",
            where=name,
        )
    return arr


def _whole(name: str, arr: FloatArray, labels: tuple[str, ...] | None) -> None:
    frac = arr != np.round(arr)
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise InputError(
            f"argument {name!r}, {study_name(i, labels)}: count {arr[i]:g} is not a whole "
            "number; a binomial or Poisson model needs whole counts",
            where=name,
        )


def _not_above(
    ev_name: str, ev: FloatArray, tot_name: str, tot: FloatArray, labels: tuple[str, ...] | None
) -> None:
    over = ev > tot
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise InputError(
            f"argument {ev_name!r}, {study_name(i, labels)}: {ev[i]:g} events exceed the "
            f"total {tot_name}={tot[i]:g}; events must be at most the total",
            where=ev_name,
        )


def _events_total(
    ev_name: str,
    ev: Any,
    rest_name: str,
    rest: Any,
    tot_name: str,
    tot: Any,
    labels: tuple[str, ...] | None,
) -> tuple[FloatArray, FloatArray]:
    """Events and group size from ``events`` with either ``non-events`` or ``total``."""
    if ev is None:
        raise InputError(f"missing argument {ev_name!r} (event counts)", where=ev_name)
    if (rest is None) == (tot is None):
        raise InputError(
            f"give exactly one of {rest_name!r} (non-events) or {tot_name!r} (group size)",
            where=tot_name,
        )
    e = _counts(ev_name, ev, labels)
    _whole(ev_name, e, labels)
    if tot is not None:
        n = _counts(tot_name, tot, labels, positive=True)
        _whole(tot_name, n, labels)
        check_same_length({ev_name: e, tot_name: n})
        _not_above(ev_name, e, tot_name, n, labels)
    else:
        r = _counts(rest_name, rest, labels)
        _whole(rest_name, r, labels)
        check_same_length({ev_name: e, rest_name: r})
        n = e + r
        if np.any(n <= 0):
            i = int(np.flatnonzero(n <= 0)[0])
            raise InputError(
                f"argument {rest_name!r}, {study_name(i, labels)}: the group has no "
                "participants (0 events and 0 non-events)",
                where=rest_name,
            )
    return e, n



def count_columns(
    measure: str, given: dict[str, Any], labels: Any
) -> tuple[dict[str, FloatArray], tuple[str, ...] | None]:
    """The checked counts of ``measure`` from the arguments ``given`` (name to value).

    Returns the columns (``xi, ni`` for PLO; ``ai, bi, ci, di`` for OR; ``x1i, t1i,
    x2i, t2i`` for IRR) and the study labels.

    Raises
    ------
    InputError
        An argument of another measure, a missing argument, a negative,
        fractional or inconsistent count, or no studies.
    """
    lab0 = as_labels(labels)
    allowed = ARGUMENTS[measure]
    extra = [n for n, v in given.items() if v is not None and n not in allowed]
    if extra:
        raise InputError(
            f"argument {extra[0]!r} is not used with measure={measure!r} (it takes "
            f"{', '.join(allowed)})",
            where=extra[0],
        )
    g = given.get
    cols: dict[str, FloatArray]
    if measure == "PLO":
        x, n = _events_total("xi", g("xi"), "mi", g("mi"), "ni", g("ni"), lab0)
        cols = {"xi": x, "ni": n}
    elif measure == "OR":
        a, n1 = _events_total("ai", g("ai"), "bi", g("bi"), "n1i", g("n1i"), lab0)
        c, n2 = _events_total("ci", g("ci"), "di", g("di"), "n2i", g("n2i"), lab0)
        check_same_length({"ai": a, "ci": c})
        cols = {"ai": a, "bi": n1 - a, "ci": c, "di": n2 - c}
    else:
        for nm in allowed:
            if g(nm) is None:
                raise InputError(f"missing argument {nm!r} for measure='IRR'", where=nm)
        e1 = _counts("x1i", g("x1i"), lab0)
        _whole("x1i", e1, lab0)
        e2 = _counts("x2i", g("x2i"), lab0)
        _whole("x2i", e2, lab0)
        tt1 = _counts("t1i", g("t1i"), lab0, positive=True)
        tt2 = _counts("t2i", g("t2i"), lab0, positive=True)
        check_same_length({"x1i": e1, "t1i": tt1, "x2i": e2, "t2i": tt2})
        cols = {"x1i": e1, "t1i": tt1, "x2i": e2, "t2i": tt2}
    k_all = len(next(iter(cols.values())))
    lab = as_labels(labels, k_all)
    if k_all < 1:
        raise InputError("no studies: the count vectors are empty", where=allowed[0])
    return cols, lab


def _check_estimable_plo(
    x: FloatArray, n: FloatArray, X: FloatArray, labels: tuple[str, ...] | None
) -> None:
    if np.all(x == 0) or np.all(x == n):
        what = "no events" if np.all(x == 0) else "only events"
        raise InputError(
            f"arguments 'xi'/'ni': every study has {what}, so the maximum-likelihood pooled "
            f"proportion is {'0' if np.all(x == 0) else '1'} with no finite logit and no "
            "interval; report the per-study exact intervals (evisynth.proportion_ci) instead",
            where="xi",
        )


def _check_estimable_two(
    e1: FloatArray, e2: FloatArray, r1: FloatArray | None, r2: FloatArray | None, n1: str, n2: str
) -> None:
    for nm, e in ((n1, e1), (n2, e2)):
        if np.all(e == 0):
            raise InputError(
                f"argument {nm!r}: no events in this group in any study, so the ratio has no "
                "finite maximum-likelihood estimate",
                where=nm,
            )
    if r1 is not None and r2 is not None:
        for nm, r in ((n1, r1), (n2, r2)):
            if np.all(r == 0):
                raise InputError(
                    f"argument {nm!r}: only events in this group in every study, so the odds "
                    "ratio has no finite maximum-likelihood estimate",
                    where=nm,
                )
