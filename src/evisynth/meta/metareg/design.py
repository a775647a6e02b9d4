"""The design of a meta-regression: the model matrix from moderators (arrays, DataFrames or
formulas), checked, and the coefficients ``btt`` its omnibus test covers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from evisynth._validation import FloatArray, study_name
from evisynth.errors import InputError

#: metafor's name of the intercept column.
INTERCEPT = "intrcpt"

def _from_formula(formula: str, data: Any, k: int) -> tuple[FloatArray, list[str]]:
    import pandas as pd
    from formulaic import model_matrix

    if data is None:
        raise InputError(
            f"argument 'mods': the formula {formula!r} needs data= (a DataFrame or a dict "
            "of columns with one row per study)",
            where="data",
        )
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    if len(frame) != k:
        raise InputError(
            f"argument 'data': has {len(frame)} rows but there are {k} studies; give one "
            "row per study, in the order of the effect sizes",
            where="data",
        )
    frame = frame.reset_index(drop=True)
    try:
        mm = model_matrix(formula, frame, na_action="ignore")
    except Exception as exc:  # formulaic raises several types; all are bad input here
        raise InputError(
            f"argument 'mods': cannot build the design from the formula {formula!r}: {exc} "
            f"(columns of data: {', '.join(map(str, frame.columns))})",
            where="mods",
        ) from None
    names = [INTERCEPT if c == "Intercept" else str(c) for c in mm.columns]
    return np.asarray(mm, dtype=np.float64), names


def _from_frame(frame: Any) -> tuple[FloatArray, list[str]]:
    import pandas as pd

    cols: list[FloatArray] = []
    names: list[str] = []
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            cols.append(np.asarray(s, dtype=np.float64))
            names.append(str(name))
            continue
        # Categorical moderator: treatment coding against the first level, named as formulaic does.
        cat = s.astype("category")
        if s.isna().any():
            i = int(np.flatnonzero(np.asarray(s.isna()))[0])
            raise InputError(
                f"argument 'mods', column {name!r}, {study_name(i, None)}: missing value; "
                "every study needs a moderator value",
                where="mods",
            )
        for level in cat.cat.categories[1:]:
            cols.append(np.asarray(cat == level, dtype=np.float64))
            names.append(f"{name}[T.{level}]")
    return np.column_stack(cols) if cols else np.empty((len(frame), 0)), names


def build_design(
    mods: Any,
    data: Any,
    intercept: bool,
    k: int,
    labels: Sequence[str] | None = None,
) -> tuple[FloatArray, tuple[str, ...], bool]:
    """Model matrix of a meta-regression, checked.

    Parameters
    ----------
    mods
        An array (``(k,)`` or ``(k, q)``), a pandas DataFrame (numeric columns
        as they are, other columns treatment-coded against their first level)
        or a formula string evaluated by formulaic on ``data``.
    data
        Table of moderators for a formula (one row per study).
    intercept
        Add an intercept column (ignored for formulas, whose own intercept
        rules apply: write ``"~ 0 + x"`` or ``"~ x - 1"`` for none).
    k
        Number of studies.
    labels
        Study labels for error messages.

    Returns
    -------
    (X, names, int_incl)
        Design ``(k, p)``, coefficient names, whether an intercept is included.

    Raises
    ------
    InputError
        Unknown formula columns, wrong number of rows, missing or non-finite
        values, or a rank-deficient design (naming the redundant columns).
    """
    import pandas as pd

    if isinstance(mods, str):
        if not intercept:
            raise InputError(
                "argument 'intercept': with a formula, the formula decides about the "
                "intercept; write e.g. '~ 0 + x' instead of passing intercept=False",
                where="intercept",
            )
        X, names = _from_formula(mods, data, k)
    else:
        if data is not None:
            raise InputError(
                "argument 'data' is only used with a formula string in mods=", where="data"
            )
        if isinstance(mods, pd.Series):
            mods = mods.to_frame()
        if isinstance(mods, pd.DataFrame):
            if len(mods) != k:
                raise InputError(
                    f"argument 'mods': has {len(mods)} rows but there are {k} studies",
                    where="mods",
                )
            X, names = _from_frame(mods)
        else:
            try:
                X = np.asarray(mods, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise InputError(
                    f"argument 'mods': expected numbers, a DataFrame or a formula string "
                    f"({exc})",
                    where="mods",
                ) from None
            if X.ndim == 1:
                X, names = X[:, None], ["mods"]
            elif X.ndim == 2:
                names = [f"X{j + 1}" for j in range(X.shape[1])]
            else:
                raise InputError(
                    f"argument 'mods': expected one column per moderator (a (k,) or (k, q) "
                    f"array), got shape {X.shape}",
                    where="mods",
                )
            if X.shape[0] != k:
                raise InputError(
                    f"argument 'mods': has {X.shape[0]} rows but there are {k} studies; give "
                    "one row per study",
                    where="mods",
                )
        if intercept:
            X = np.column_stack([np.ones(k), X])
            names = [INTERCEPT, *names]
    bad = ~np.isfinite(X)
    if bad.any():
        i, j = (int(a[0]) for a in np.nonzero(bad))
        raise InputError(
            f"argument 'mods', column {names[j]!r}, {study_name(i, labels)}: value is "
            f"{float(X[i, j])!r}; every moderator value must be a finite number",
            where="mods",
        )
    if X.shape[1] == 0:
        raise InputError(
            "argument 'mods': the model has no coefficients (no moderators and no intercept)",
            where="mods",
        )
    # A column of ones is the intercept whatever its name (metafor's rule); keep it first.
    ones = [j for j in range(X.shape[1]) if np.all(X[:, j] == 1.0)]
    int_incl = bool(ones)
    if len(ones) == 1 and ones[0] != 0:
        j = ones[0]
        order = [j, *[c for c in range(X.shape[1]) if c != j]]
        X = X[:, order]
        names = [INTERCEPT, *[names[c] for c in order[1:]]]
    _check_rank(X, names)
    return X, tuple(names), int_incl


def _check_rank(X: FloatArray, names: Sequence[str]) -> None:
    kept: list[int] = []
    redundant: list[str] = []
    scale = np.maximum(np.abs(X).max(axis=0), 1e-300)
    Xs = X / scale  # column scaling so the rank test does not depend on units
    for j in range(X.shape[1]):
        trial = Xs[:, [*kept, j]]
        if np.linalg.matrix_rank(trial) > len(kept):
            kept.append(j)
        else:
            redundant.append(names[j])
    if redundant:
        constant = [
            n for n in redundant if np.ptp(X[:, list(names).index(n)]) == 0 and n != INTERCEPT
        ]
        hint = (
            f" ({', '.join(repr(c) for c in constant)} is constant across studies and "
            "duplicates the intercept)"
            if constant
            else ""
        )
        raise InputError(
            "argument 'mods': the design matrix is rank-deficient: column(s) "
            f"{', '.join(repr(n) for n in redundant)} are linear combinations of the columns "
            f"before them{hint}; remove them or recode the moderator",
            where="mods",
        )


def resolve_btt(btt: Any, names: Sequence[str], int_incl: bool) -> tuple[int, ...]:
    """Coefficients tested by ``QM`` as 0-based positions (metafor's ``btt``).

    ``None``: all coefficients except the intercept. A string: the coefficient
    with exactly that name, or else all whose names contain it (metafor greps,
    so ``"alloc"`` selects every level of ``alloc``). Integers are 0-based
    positions; a sequence of strings names coefficients exactly.
    """
    p = len(names)
    if btt is None:
        return tuple(range(1, p)) if (int_incl and p > 1) else tuple(range(p))
    if isinstance(btt, str):
        if btt in names:
            return (list(names).index(btt),)
        hits = tuple(j for j, n in enumerate(names) if btt in n)
        if not hits:
            raise InputError(
                f"argument 'btt': no coefficient name contains {btt!r} "
                f"(coefficients: {', '.join(names)})",
                where="btt",
            )
        return hits
    items = [btt] if isinstance(btt, int | np.integer) else list(btt)
    out: set[int] = set()
    for b in items:
        if isinstance(b, str):
            if b not in names:
                raise InputError(
                    f"argument 'btt': {b!r} is not a coefficient (coefficients: "
                    f"{', '.join(names)})",
                    where="btt",
                )
            out.add(list(names).index(b))
        elif isinstance(b, int | np.integer) and not isinstance(b, bool) and 0 <= b < p:
            out.add(int(b))
        else:
            raise InputError(
                f"argument 'btt': {b!r} is not a coefficient position; give 0-based positions "
                f"from 0 to {p - 1} or names ({', '.join(names)})",
                where="btt",
            )
    if not out:
        raise InputError("argument 'btt': selects no coefficient", where="btt")
    return tuple(sorted(out))
