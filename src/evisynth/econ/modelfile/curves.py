"""The ``[curves]`` tables of a model file: parametric curves and hazard-ratio curves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evisynth.econ.curves import CURVE_PARAMS, Curve, HazardRatioCurve, ParametricCurve
from evisynth.econ.curves.families import _unit_factor
from evisynth.econ.modelfile._context import _Doc, _named
from evisynth.errors import InputError


def read_curves(ctx: _Doc, doc: Mapping[str, Any]) -> dict[str, Curve]:
    """Every curve, in file order; a hazard-ratio curve may refer to a curve defined anywhere."""
    curves: dict[str, Curve] = {}
    cspecs = ctx.table(doc.get("curves", {}), "curves")
    pending = dict(cspecs)
    while pending:
        progressed = False
        for cname, spec in list(pending.items()):
            spec = ctx.table(spec, "curves", cname)
            if "base" in spec:
                b = spec["base"]
                if not _named(b, cspecs):
                    raise ctx.err(f"curve {cname!r}: base {b!r} is not a curve", "curves", cname,
                                  "base")
                if b not in curves:
                    continue
                if "hazard_ratio" not in spec:
                    raise ctx.err(f"curve {cname!r}: a 'base' curve needs 'hazard_ratio'",
                                  "curves", cname)
                hr = ctx.ref(spec["hazard_ratio"], f"curve {cname!r} hazard_ratio", "curves",
                             cname, "hazard_ratio")
                try:
                    curves[cname] = HazardRatioCurve(curves[b], hr)
                except InputError as exc:
                    raise ctx.err(str(exc), "curves", cname, "hazard_ratio") from None
            else:
                dist = spec.get("distribution")
                if not _named(dist, CURVE_PARAMS):
                    raise ctx.err(f"curve {cname!r}: distribution {dist!r} is not one of "
                                  f"{', '.join(CURVE_PARAMS)}", "curves", cname, "distribution")
                known = {"distribution", "cure_fraction", "time_unit", "relative",
                         *CURVE_PARAMS[dist]}
                for k in spec:
                    if k not in known:
                        raise ctx.err(f"curve {cname!r}: unknown key {k!r} for a {dist}", "curves",
                                      cname, k)
                nat = {}
                for k in CURVE_PARAMS[dist]:
                    if k not in spec:
                        raise ctx.err(f"curve {cname!r}: the {dist} needs {k!r}", "curves", cname)
                    nat[k] = ctx.ref(spec[k], f"curve {cname!r} {k}", "curves", cname, k)
                cf = (ctx.ref(spec["cure_fraction"], f"curve {cname!r} cure_fraction", "curves",
                              cname, "cure_fraction") if "cure_fraction" in spec else None)
                try:
                    f = _unit_factor(spec.get("time_unit", "years"))
                except InputError as exc:
                    raise ctx.err(str(exc), "curves", cname, "time_unit") from None
                rel = spec.get("relative")
                curves[cname] = ParametricCurve(dist, nat, cure_fraction=cf, per_year=f,
                                                relative=rel)
            del pending[cname]
            progressed = True
        if not progressed:
            raise ctx.err(f"curves {', '.join(map(repr, pending))}: their 'base' curves refer to "
                          "each other", "curves", next(iter(pending)))
    return curves
