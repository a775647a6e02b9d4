"""Analysis scale and natural scale of a measure, shared by the result objects.

Estimates are pooled on an *analysis scale* (log ratio, logit, ...) and read on
the *natural scale* (the ratio, the proportion). This module names both scales,
maps location values (estimate, interval bounds) from one to the other, builds
the per-study rows (estimate, CI, weight) that the CLI, ``to_frame()`` and the
notebook tables show, and the table of location values on both scales that the
notebook HTML of every pooled result shows (rendered by
:func:`evisynth._html.result_html`), so that all of them show the natural scale
beside the analysis scale in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from evisynth import _html
from evisynth._html import Table
from evisynth.transforms import back_transform

#: Measures analysed on the log scale (natural scale: the ratio).
LOG_SCALE = frozenset({"RR", "OR", "HR", "IRR", "ROM", "PETO", "MH"})

#: Analysis-scale names of measures that are not on their natural scale.
_ANALYSIS = {"PLO": "logit", "PAS": "arcsine", "PFT": "double arcsine",
             "ZCOR": "Fisher's z", "ZPCOR": "Fisher's z", "IRLN": "log", "MNLN": "log"}

#: Natural-scale names of the transformed proportion measures.
_NATURAL = {"PLO": "proportion", "PAS": "proportion", "PFT": "proportion",
            "ZCOR": "correlation", "ZPCOR": "partial correlation", "IRLN": "rate",
            "MNLN": "mean"}

#: Keys of location values (on the analysis scale) that have a natural-scale value.
LOCATION_KEYS = ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")


def analysis_scale(measure: str) -> str:
    """Name of the scale a measure is pooled on.

    ``"log"`` for ratio measures, ``"logit"``/``"arcsine"``/``"double arcsine"``
    for transformed proportions, and the measure code itself (``"MD"``,
    ``"RD"``, ``"SMD"``, ``"PR"``, ``"GEN"``) for measures pooled as they are.

    Parameters
    ----------
    measure
        Effect measure code.

    Returns
    -------
    str

    Raises
    ------
    Nothing; an unknown code is returned unchanged (it is pooled as given).

    References
    ----------
    Viechtbauer W (2010). J Stat Softw 36(3), ``escalc`` measures and ``transf``.

    Examples
    --------
    >>> analysis_scale("HR"), analysis_scale("PLO"), analysis_scale("MD")
    ('log', 'logit', 'MD')
    """
    m = measure.upper()
    if m in LOG_SCALE:
        return "log"
    return _ANALYSIS.get(m, m)


def natural_scale(measure: str) -> str | None:
    """Name of a measure's natural scale, or ``None`` when it has no back-transform here.

    ``None`` for measures already on their natural scale (MD, RD, SMD, PR, GEN)
    and for ``PFT``, whose inverse needs the studies' sample sizes.

    Parameters
    ----------
    measure
        Effect measure code.

    Returns
    -------
    str or None
        The ratio code (``"HR"``, ``"OR"``, ...; ``"OR"`` for ``PETO``/``MH``
        odds ratios), ``"proportion"``, ``"correlation"`` (ZCOR), ``"partial
        correlation"`` (ZPCOR), ``"rate"`` (IRLN) or ``"mean"`` (MNLN).

    Raises
    ------
    Nothing.

    References
    ----------
    Viechtbauer W (2010). J Stat Softw 36(3), ``transf.exp.int``, ``transf.ilogit``.

    Examples
    --------
    >>> natural_scale("HR"), natural_scale("PLO"), natural_scale("MD")
    ('HR', 'proportion', None)
    """
    m = measure.upper()
    if m in LOG_SCALE:
        return "OR" if m in ("PETO", "MH") else m
    if m in ("PLO", "PAS", "ZCOR", "ZPCOR", "IRLN", "MNLN"):
        return _NATURAL[m]
    return None


def to_natural(measure: str, x: Any) -> Any:
    """Back-transform analysis-scale value(s) ``x`` to the natural scale of ``measure``.

    Parameters
    ----------
    measure
        Effect measure with a natural scale (see :func:`natural_scale`).
    x
        Number or array on the analysis scale; ``None`` stays ``None``.

    Returns
    -------
    float or numpy.ndarray or None

    Raises
    ------
    ValueError
        If the measure has no natural scale other than its analysis scale.

    References
    ----------
    Viechtbauer W (2010). J Stat Softw 36(3), ``transf.exp.int``, ``transf.ilogit``,
    ``transf.iarcsin``.

    Examples
    --------
    >>> import math
    >>> round(to_natural("HR", math.log(0.5)), 12)
    0.5
    >>> to_natural("PLO", 0.0)
    0.5
    """
    if natural_scale(measure) is None:
        raise ValueError(f"measure {measure!r} has no natural scale apart from its own")
    if x is None:
        return None
    m = measure.upper()
    f = np.exp if m in LOG_SCALE else back_transform(m)
    out = np.asarray(f(np.asarray(x, dtype=np.float64)), dtype=np.float64)
    return float(out) if out.ndim == 0 else out


def natural_block(measure: str, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{"scale": <natural scale>, key: back-transformed value, ...}`` for the location keys.

    Only keys of :data:`LOCATION_KEYS` present in ``values`` are transformed;
    ``None`` when the measure has no natural scale apart from its analysis scale.

    Parameters
    ----------
    measure
        Effect measure code.
    values
        Analysis-scale values, e.g. a result's ``to_dict()``.

    Returns
    -------
    dict or None

    Raises
    ------
    Nothing.

    References
    ----------
    Viechtbauer W (2010). J Stat Softw 36(3), ``predict.rma(transf=exp)``.

    Examples
    --------
    >>> import math
    >>> natural_block("OR", {"estimate": 0.0, "se": 0.1, "ci_lb": math.log(0.5)})
    {'scale': 'OR', 'estimate': 1.0, 'ci_lb': 0.5}
    >>> natural_block("MD", {"estimate": 1.0}) is None
    True
    """
    name = natural_scale(measure)
    if name is None:
        return None
    out: dict[str, Any] = {"scale": name}
    for key in LOCATION_KEYS:
        if key in values and values[key] is not None:
            out[key] = to_natural(measure, float(values[key]))
    return out


def study_rows(
    yi: Any, vi: Any, *, measure: str, level: float, labels: Sequence[str] | None = None,
    weights: Any = None,
) -> list[dict[str, Any]]:
    """One row per study: estimate, Wald CI, weight (percent) and the natural-scale values.

    The study interval is ``yi ± z sqrt(vi)`` with the standard normal quantile
    ``z`` at ``level`` (as metafor's ``forest``/``summary.escalc``); keys
    ``label, yi, vi, sei, ci_lb, ci_ub, weight`` and, for measures with a
    natural scale, ``natural`` with ``scale, estimate, ci_lb, ci_ub``.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances on the analysis scale.
    measure
        Effect measure code.
    level
        Confidence level in percent.
    labels
        Study labels; default ``Study 1, 2, ...``.
    weights
        Model weights (any positive scale; shown in percent), or ``None``.

    Returns
    -------
    list of dict

    Raises
    ------
    Nothing for valid result arrays.

    References
    ----------
    Viechtbauer W (2010). J Stat Softw 36(3), ``summary.escalc``.

    Examples
    --------
    >>> rows = study_rows([0.0], [1.0], measure="HR", level=95, weights=[2.0])
    >>> rows[0]["weight"], round(rows[0]["ci_ub"], 4), round(rows[0]["natural"]["ci_ub"], 4)
    (100.0, 1.96, 7.0991)
    """
    y = np.asarray(yi, dtype=np.float64)
    v = np.asarray(vi, dtype=np.float64)
    z = float(stats.norm.ppf(0.5 + level / 200.0))
    se = np.sqrt(v)
    lb, ub = y - z * se, y + z * se
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    wp = None if w is None else 100.0 * w / w.sum()
    names = list(labels) if labels is not None else [f"Study {i + 1}" for i in range(len(y))]
    nat = natural_scale(measure)
    rows: list[dict[str, Any]] = []
    for i in range(len(y)):
        row: dict[str, Any] = {
            "label": names[i], "yi": float(y[i]), "vi": float(v[i]), "sei": float(se[i]),
            "ci_lb": float(lb[i]), "ci_ub": float(ub[i]),
            "weight": None if wp is None else float(wp[i]),
        }
        if nat is not None:
            row["natural"] = {"scale": nat, "estimate": to_natural(measure, float(y[i])),
                              "ci_lb": to_natural(measure, float(lb[i])),
                              "ci_ub": to_natural(measure, float(ub[i]))}
        rows.append(row)
    return rows


def study_frame(rows: list[dict[str, Any]]) -> Any:
    """The rows of :func:`study_rows` as a pandas DataFrame indexed by ``label``.

    Columns ``yi, vi, sei, ci_lb, ci_ub, weight`` and, with a natural scale,
    ``yi_natural, ci_lb_natural, ci_ub_natural`` (the frame's ``attrs["natural_scale"]``
    names that scale).

    Examples
    --------
    >>> study_frame(study_rows([0.0], [1.0], measure="RR", level=95)).attrs["natural_scale"]
    'RR'
    """
    import pandas as pd

    cols = ("yi", "vi", "sei", "ci_lb", "ci_ub", "weight")
    data: dict[str, list[Any]] = {c: [r[c] for r in rows] for c in cols}
    scale = rows[0]["natural"]["scale"] if rows and "natural" in rows[0] else None
    if scale is not None:
        data["yi_natural"] = [r["natural"]["estimate"] for r in rows]
        data["ci_lb_natural"] = [r["natural"]["ci_lb"] for r in rows]
        data["ci_ub_natural"] = [r["natural"]["ci_ub"] for r in rows]
    frame = pd.DataFrame(data, index=pd.Index([r["label"] for r in rows], name="label"))
    frame.attrs["natural_scale"] = scale
    return frame


# ---------------------------------------------------------------------- HTML


def location_table(
    measure: str, location: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> Table:
    """The location values of a result on both scales, for :func:`evisynth._html.result_html`.

    One row per location key (estimate, interval bounds) present in ``location``,
    a column for the analysis scale and, when the measure has one, the natural
    scale (headed e.g. ``log`` and ``HR``).

    Parameters
    ----------
    measure
        Effect measure code (chooses the scales).
    location
        Analysis-scale values keyed by :data:`LOCATION_KEYS` (others are ignored).
    names
        Row labels for the location keys (default the keys).

    Returns
    -------
    evisynth._html.Table
        Header ``("", analysis scale[, natural scale])``, one row per location key.

    Raises
    ------
    Nothing.

    References
    ----------
    Viechtbauer W (2010). J Stat Softw 36(3); metafor prints back-transformed
    estimates with ``predict(fit, transf=exp)``.

    Examples
    --------
    >>> t = location_table("HR", {"estimate": 0.0, "ci_lb": -0.5, "se": 0.1})
    >>> t.header, t.rows[0]
    (('', 'log', 'HR'), ('estimate', 0.0, 1.0))
    """
    nat = natural_scale(measure)
    header = ("", analysis_scale(measure), *((nat,) if nat else ()))
    rows = []
    for key in LOCATION_KEYS:
        if key not in location:
            continue
        v = location[key]
        row: tuple[Any, ...] = ((names or {}).get(key, key), v)
        if nat:
            row += (None if v is None else to_natural(measure, float(v)),)
        rows.append(row)
    return Table(tuple(rows), header)


def pooled_html(
    title: str,
    measure: str,
    values: Mapping[str, Any],
    *,
    location: Sequence[str] = LOCATION_KEYS,
    other: Mapping[str, Any] | None = None,
    names: Mapping[str, str] | None = None,
    note: str | None = None,
) -> str:
    """Notebook HTML of a pooled result: its location on both scales, then its other values.

    Parameters
    ----------
    title
        Bold first line.
    measure
        Effect measure code (chooses the scales).
    values
        The result's values, e.g. its ``to_dict()``.
    location
        The location keys to show in the first table (those present in ``values``).
    other
        The values of the second table; default every value that is not a
        location key.
    names
        Row labels for the location keys (default the keys).
    note
        Optional line under the title (test, level, prior).

    Returns
    -------
    str
        One ``<div>`` from :func:`evisynth._html.result_html`.

    Raises
    ------
    Nothing.

    References
    ----------
    IPython's rich display protocol (``_repr_html_``).

    Examples
    --------
    >>> h = pooled_html("Model", "HR", {"estimate": 0.0, "ci_lb": -0.5, "k": 3})
    >>> "<th>log</th><th>HR</th>" in h and "<td>1</td>" in h
    True
    """
    loc = {k: values[k] for k in location if k in values}
    rest = {k: v for k, v in values.items() if k not in LOCATION_KEYS} if other is None else other
    return _html.result_html(title, lines=[note] if note else (),
                             tables=[location_table(measure, loc, names), Table.of_mapping(rest)])
