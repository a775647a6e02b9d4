"""The ``[inputs]`` tables of a model file, and the overrides a caller gives."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from evisynth.econ.modelfile._context import _Doc
from evisynth.econ.params import DISTRIBUTIONS, Param
from evisynth.errors import InputError

_INPUT_KEYS = {"value", "distribution", "se", "low", "high", "source", "assumption", "unit",
               "price_year", "note"}


def read_inputs(ctx: _Doc, doc: Mapping[str, Any]) -> dict[str, Param]:
    """Every ``[inputs.<name>]`` table as a named :class:`Param` with its source."""
    inputs: dict[str, Param] = {}
    for name, spec in ctx.table(doc.get("inputs", {}), "inputs").items():
        spec = ctx.table(spec, "inputs", name)
        ctx.known(spec, _INPUT_KEYS, f"input {name!r}", "inputs", name)
        if "value" not in spec:
            raise ctx.err(f"input {name!r}: needs a 'value'", "inputs", name)
        dist = spec.get("distribution", "fixed")
        if dist not in DISTRIBUTIONS:
            raise ctx.err(f"input {name!r}: distribution {dist!r} is unknown; use one of "
                          f"{', '.join(DISTRIBUTIONS)}", "inputs", name, "distribution")
        for k in ("value", "se", "low", "high"):
            v = spec.get(k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)
                                  or not math.isfinite(v)):
                raise ctx.err(f"input {name!r}: {k} must be a finite number, got {v!r:.40}",
                              "inputs", name, k)
        a = spec.get("assumption", False)
        if not isinstance(a, bool):
            raise ctx.err(f"input {name!r}: assumption must be true or false", "inputs", name,
                          "assumption")
        py = spec.get("price_year")
        if py is not None and (isinstance(py, bool) or not isinstance(py, int)):
            raise ctx.err(f"input {name!r}: price_year must be a year like 2021", "inputs", name,
                          "price_year")
        if not a and not str(spec.get("source", "")).strip():
            raise ctx.err(f"input {name!r}: no source; give 'source' or mark 'assumption = true'",
                          "inputs", name)
        inputs[name] = Param(
            spec["value"], name=name, dist=dist, se=spec.get("se"), low=spec.get("low"),
            high=spec.get("high"), source=str(spec.get("source", "")), assumption=a,
            unit=str(spec.get("unit", "")), price_year=py,
            line=ctx.lines.line("inputs", name), file=ctx.fname)
    return inputs


def apply_overrides(inputs: dict[str, Param], overrides: Mapping[str, Any] | None,
                    fname: str) -> None:
    """Replace inputs by a caller's values (see :func:`~evisynth.econ.modelfile.load_model`)."""
    for name, ov in (overrides or {}).items():
        if name not in inputs:
            raise InputError(f"overrides: {name!r} is not an input of {fname}; inputs are "
                             f"{', '.join(sorted(inputs))}", where=f"overrides.{name}")
        old = inputs[name]
        if isinstance(ov, Mapping):
            allowed = {"value", "low", "high", "se", "distribution", "source"}
            bad = set(ov) - allowed
            if bad:
                raise InputError(f"overrides, {name!r}: unknown key {sorted(bad)[0]!r}",
                                 where=f"overrides.{name}")
            kw = {k if k != "distribution" else "dist": v for k, v in ov.items()}
            if "value" in kw and "se" not in kw and ("low" not in kw or "high" not in kw):
                kw.setdefault("se", None)
                if "low" not in kw:
                    kw["low"] = None
                    kw["high"] = None
            kw.setdefault("source", f"override of {old.source}")
            kw["assumption"] = False
            inputs[name] = replace(old, **kw)
        else:
            if isinstance(ov, bool) or not isinstance(ov, int | float):
                raise InputError(f"overrides, {name!r}: {ov!r} is not a number",
                                 where=f"overrides.{name}")
            try:
                inputs[name] = replace(old, value=float(ov), dist="fixed", se=None, low=None,
                                       high=None, source=f"override (fixed); file value "
                                       f"{old.value:g} from {old.source}")
            except InputError as exc:
                raise InputError(f"overrides, {name!r}: {exc}", where=f"overrides.{name}"
                                 ) from None
            except (TypeError, ValueError):
                raise InputError(f"overrides, {name!r}: {ov!r} is not a number",
                                 where=f"overrides.{name}") from None
