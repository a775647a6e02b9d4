"""The versioned layout of ``results.json`` and the rules that make it regular.

``results.json`` is described by the JSON Schema (draft 2020-12) shipped next to
this module, ``results.schema.json`` (:func:`schema_path`, :func:`load_schema`).
:func:`normalise` applies its two naming rules to the dictionary a review's
results give (:meth:`evisynth.review.analyse.ReviewResults.to_dict`):

* **One key for a test statistic.** ``zval``/``tval`` become ``stat`` with
  ``stat_name`` (``"zval"`` or ``"tval"``, as :attr:`evisynth.RMAResult.stat_name`).
* **An explicit scale.** Every object with an ``estimate`` or a ``ci_lb`` inside an outcome (or
  a Summary of Findings row) gets ``scale``: the analysis scale (``"log"``,
  ``"logit"``, ``"arcsine"``, ``"double arcsine"``, or the measure code such as
  ``"MD"`` when it is pooled as it is) for fits, and the reporting scale (the
  ratio code ``"HR"``/``"RR"``/``"OR"``..., or ``"proportion"``) for the
  back-transformed blocks: ``transformed``, ``headline``, its
  ``prior_sensitivity`` rows, interval ``readings``, GLMM subgroup rates and
  Summary of Findings rows. A fit's ``scale`` also applies to its
  ``studies[].yi``/``vi`` and its ``leave_one_out`` values.

The document starts with ``schema_version`` (:data:`SCHEMA_VERSION`); a change
that removes or renames a key raises its major number.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from evisynth.meta._scale import analysis_scale, natural_scale

__all__ = ["SCHEMA_VERSION", "load_schema", "normalise", "reporting_scale", "schema_path"]

#: Version of the results.json layout (``major.minor``).
SCHEMA_VERSION = "1.0"

#: Containers whose numbers are on the reporting (back-transformed) scale.
_NATURAL = frozenset({"transformed", "headline", "prior_sensitivity", "readings"})


def reporting_scale(measure: str) -> str:
    """The scale a measure is reported on: its ratio code, ``"proportion"``, or the code.

    Parameters
    ----------
    measure
        Effect measure code.

    Returns
    -------
    str

    Raises
    ------
    Nothing.

    References
    ----------
    Viechtbauer W (2010). J Stat Softw 36(3), ``transf`` back-transforms.

    Examples
    --------
    >>> reporting_scale("HR"), reporting_scale("PFT"), reporting_scale("MD")
    ('HR', 'proportion', 'MD')
    """
    m = measure.upper()
    nat = natural_scale(m)
    if nat is not None:
        return nat
    return "proportion" if m in ("PFT", "PR") else m


def _walk(x: Any, measure: str | None, path: tuple[str, ...]) -> Any:
    if isinstance(x, list):
        return [_walk(v, measure, path) for v in x]
    if not isinstance(x, dict):
        return x
    m = x["measure"] if isinstance(x.get("measure"), str) else measure
    out: dict[str, Any] = {}
    for k, v in x.items():
        if k in ("zval", "tval") and "stat" not in x:
            out["stat"] = _walk(v, m, (*path, k))
            out["stat_name"] = k
        else:
            out[k] = _walk(v, m, (*path, k))
    if m is not None and ("estimate" in out or "ci_lb" in out) and "scale" not in out:
        natural = (bool(_NATURAL & set(path[-2:])) and path[-1] != "result") or \
            path[-2:] == ("glmm", "groups") or path[:2] == ("summary_of_findings", "rows")
        out["scale"] = reporting_scale(m) if natural else analysis_scale(m)
    return out


def normalise(results: dict[str, Any]) -> dict[str, Any]:
    """``results`` with ``schema_version`` first, ``stat``/``stat_name`` and ``scale`` keys.

    Parameters
    ----------
    results
        The dictionary of :meth:`ReviewResults.to_dict` (not modified).

    Returns
    -------
    dict
        A new dictionary following ``results.schema.json``.

    Raises
    ------
    Nothing.

    References
    ----------
    JSON Schema draft 2020-12 (the layout's description).

    Examples
    --------
    >>> d = {"outcomes": {"os": {"measure": "HR", "estimate": -0.3, "zval": -2.0,
    ...                          "transformed": {"estimate": 0.74}}}}
    >>> out = normalise(d)["outcomes"]["os"]
    >>> out["stat"], out["stat_name"], out["scale"], out["transformed"]["scale"]
    (-2.0, 'zval', 'log', 'HR')
    """
    body = _walk(results, None, ())
    return {"schema_version": SCHEMA_VERSION, **body}


def schema_path() -> Path:
    """Path of ``results.schema.json`` in the installed package.

    Examples
    --------
    >>> schema_path().name
    'results.schema.json'
    """
    return Path(str(resources.files("evisynth").joinpath("report/results.schema.json")))


def load_schema() -> dict[str, Any]:
    """The results.json JSON Schema as a dictionary.

    Examples
    --------
    >>> s = load_schema()
    >>> s["$schema"], s["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    ('https://json-schema.org/draft/2020-12/schema', True)
    """
    return dict(json.loads(schema_path().read_text(encoding="utf-8")))
