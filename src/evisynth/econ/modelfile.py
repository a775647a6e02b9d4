"""A cost-effectiveness model in a TOML file: :func:`load_model`.

Layout (every number of the model is a named input with its source)::

    [model]
    title = "..."
    intervention = "new"            # arm names (keys of [arms])
    comparator = "old"
    horizon = 40                    # years
    cycle = 0.0833333333333333      # years (cycles method and PSA)
    discount = 0.03                 # costs and QALYs; discount_qalys = ... to differ
    start_age = 60
    background = "us_2021"          # or "none"
    wtp = 150000
    currency = "USD"
    population = "eligible_per_year"   # optional input name, for population EVPI
    [model.sources]                 # where the settings come from (text)
    discount = "..."

    [inputs.price]                  # one table per input
    value = 100000
    distribution = "gamma"          # fixed | gamma | beta | lognormal | normal
    se = 5000                       # or low/high (read as a 95% range)
    low = 80000
    high = 120000
    source = "citation, where in it"
    assumption = false              # true where no source gives the number
    unit = "USD"
    price_year = 2021

    [curves.os_old]                 # parametric: distribution + natural parameters
    distribution = "exponential"
    rate = "os_old_rate"            # a number or an input name
    cure_fraction = "os_old_cure"
    time_unit = "years"
    [curves.os_new]                 # or a baseline with a hazard ratio
    base = "os_old"
    hazard_ratio = "hr_os"

    [arms.new]
    pfs = "pfs_new"
    os = "os_new"
    one_off = { acquisition = "price", transplant = { share = "p_tx", cost = "c_tx" } }
    state_costs = { pf = "cost_pf", pd = "cost_pd" }
    utilities = { pf = "u_pf", pd = "u_pd" }
    terminal_cost = "cost_terminal"
    [[arms.new.adverse_events]]
    name = "grade >= 3 event"
    rate = "ae_rate"
    cost = "ae_cost"
    disutility = "ae_disutility"
    duration = "ae_days"            # years
    [[arms.new.subsequent]]
    name = "later therapy"
    share = "share_later"
    cost = ["price", "admission"]   # summed

    [[correlations]]
    a = "u_pf"
    b = "u_pd"
    rho = 0.5

    [[benchmarks]]                  # published results to set beside the model's
    label = "..."
    icer = 66381
    source = "..."

Every error names the file, the line and the input.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from evisynth.econ.arm import AdverseEvent, Arm, SubsequentTherapy
from evisynth.econ.curves import (
    CURVE_PARAMS,
    Curve,
    HazardRatioCurve,
    ParametricCurve,
    _unit_factor,
)
from evisynth.econ.model import PartitionedSurvival
from evisynth.econ.params import DISTRIBUTIONS, Param
from evisynth.errors import InputError

__all__ = ["ModelFile", "bundled_model_path", "bundled_models", "load_model", "parse_model"]

_INPUT_KEYS = {"value", "distribution", "se", "low", "high", "source", "assumption", "unit",
               "price_year", "note"}
_MODEL_KEYS = {"title", "intervention", "comparator", "horizon", "cycle", "discount",
               "discount_qalys", "start_age", "background", "wtp", "currency", "population",
               "perspective", "sources", "correction", "age_adjust_male", "notes"}
_ARM_KEYS = {"pfs", "os", "one_off", "state_costs", "utilities", "terminal_cost",
             "adverse_events", "subsequent", "label"}


def bundled_models() -> list[str]:
    """Names of the model files shipped with evisynth (``data/econ/*.toml``).

    Examples
    --------
    >>> len(bundled_models()) >= 1
    True
    """
    d = Path(str(resources.files("evisynth") / "data" / "econ"))
    return sorted(p.stem for p in d.glob("*.toml"))


def bundled_model_path(name: str) -> Path:
    """Path of a model file shipped with evisynth (``data/econ/<name>.toml``).

    Raises
    ------
    InputError
        If there is no such bundled model.

    Examples
    --------
    >>> bundled_model_path(bundled_models()[0]).suffix
    '.toml'
    """
    p = Path(str(resources.files("evisynth") / "data" / "econ" / f"{name}.toml"))
    if not p.exists():
        raise InputError(f"no bundled model {name!r}; bundled models: "
                         f"{', '.join(bundled_models())}", where="model")
    return p


class _Lines:
    """Line numbers of TOML tables and keys (tomllib keeps none)."""

    _head = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _key = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")

    def __init__(self, text: str) -> None:
        self.tables: dict[tuple[str, ...], int] = {}
        self.keys: dict[tuple[str, ...], int] = {}
        counts: dict[tuple[str, ...], int] = {}
        path: tuple[str, ...] = ()
        for n, line in enumerate(text.splitlines(), start=1):
            m = self._head.match(line)
            if m:
                parts = tuple(self._split(m.group(2)))
                if m.group(1) == "[[":
                    i = counts.get(parts, 0)
                    counts[parts] = i + 1
                    parts = (*parts, str(i))
                path = parts
                self.tables.setdefault(path, n)
                continue
            k = self._key.match(line)
            if k:
                self.keys.setdefault((*path, *self._split(k.group(1))), n)

    @staticmethod
    def _split(dotted: str) -> list[str]:
        return [p.strip().strip("\"'") for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', dotted)]

    def line(self, *path: str) -> int | None:
        p = tuple(path)
        while p:
            if p in self.keys:
                return self.keys[p]
            if p in self.tables:
                return self.tables[p]
            p = p[:-1]
        return None


@dataclass(frozen=True, eq=False)
class ModelFile:
    """A loaded model file: the model, its inputs by name and the file's metadata."""

    model: PartitionedSurvival
    inputs: dict[str, Param]
    intervention: str
    comparator: str
    title: str
    path: str
    population: Param | None = None
    benchmarks: tuple[dict[str, Any], ...] = ()
    settings_sources: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    perspective: str = ""

    def run(self, method: str = "exact", **kw: Any) -> Any:
        """:meth:`PartitionedSurvival.run` of the model."""
        return self.model.run(method, **kw)

    def assumptions(self) -> list[Param]:
        """Inputs marked ``assumption = true`` (no source gives them)."""
        return [p for p in self.inputs.values() if p.assumption]


def load_model(path: str | Path, *, overrides: Mapping[str, Any] | None = None) -> ModelFile:
    """Read a model TOML file (layout in the module docstring).

    Parameters
    ----------
    path
        The ``.toml`` file, or the name of a bundled model (:func:`bundled_models`).
    overrides
        ``{input name: value}`` (the input becomes fixed at that value: no distribution,
        no range) or ``{input name: {"value": ..., "low": ..., "high": ...,
        "distribution": ..., "se": ..., "source": ...}}`` (keys not given keep the file's
        distribution; a new value without se or low/high drops the old range); e.g. a
        review's pooled hazard ratio and toxicity rates.

    Returns
    -------
    ModelFile

    Raises
    ------
    InputError
        Unreadable file, a TOML syntax error, an unknown key or distribution, an input
        referred to but not defined, an invalid value: one line naming the file, the
        line and the input.

    Examples
    --------
    >>> mf = load_model(bundled_models()[0])
    >>> mf.intervention in mf.model.arms and mf.comparator in mf.model.arms
    True

    References
    ----------
    TOML v1.0.0 specification (https://toml.io/en/v1.0.0).
    """
    p = Path(path)
    if not p.suffix and not p.exists():
        p = bundled_model_path(str(path))
    if not p.exists():
        raise InputError(f"{p}: model file not found", where=str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot be read ({exc})", where=str(p)) from None
    return parse_model(text, file=str(p), overrides=overrides)


def parse_model(text: str, *, file: str = "model.toml",
                overrides: Mapping[str, Any] | None = None) -> ModelFile:
    """Parse model TOML text (see :func:`load_model`).

    Raises
    ------
    InputError
        As :func:`load_model`.

    Examples
    --------
    >>> try:
    ...     parse_model("[model]\\nhorizon = 0\\n", file="m.toml")
    ... except InputError as e:
    ...     print(e)
    m.toml line 1: [arms]: a model needs at least two arms, found 0
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{file}: not valid TOML ({exc})", where=file) from None
    L = _Lines(text)
    fname = Path(file).name

    def err(msg: str, *path: str) -> InputError:
        ln = L.line(*path)
        at = f"{fname} line {ln}" if ln is not None else fname
        return InputError(f"{at}: {msg}", where=f"{file}:{ln}" if ln else file)

    def table(d: Any, *path: str) -> dict[str, Any]:
        if not isinstance(d, dict):
            raise err(f"[{'.'.join(path)}] must be a table", *path)
        return d

    for k in doc:
        if k not in ("model", "inputs", "curves", "arms", "correlations", "benchmarks", "notes"):
            raise err(f"unknown top-level table {k!r}", k)
    model = table(doc.get("model", {}), "model")
    for k in model:
        if k not in _MODEL_KEYS:
            raise err(f"[model]: unknown key {k!r}; known keys: {', '.join(sorted(_MODEL_KEYS))}",
                      "model", k)

    # ---- inputs
    inputs: dict[str, Param] = {}
    for name, spec in table(doc.get("inputs", {}), "inputs").items():
        spec = table(spec, "inputs", name)
        for k in spec:
            if k not in _INPUT_KEYS:
                raise err(f"input {name!r}: unknown key {k!r}; known keys: "
                          f"{', '.join(sorted(_INPUT_KEYS))}", "inputs", name, k)
        if "value" not in spec:
            raise err(f"input {name!r}: needs a 'value'", "inputs", name)
        dist = spec.get("distribution", "fixed")
        if dist not in DISTRIBUTIONS:
            raise err(f"input {name!r}: distribution {dist!r} is unknown; use one of "
                      f"{', '.join(DISTRIBUTIONS)}", "inputs", name, "distribution")
        for k in ("value", "se", "low", "high"):
            v = spec.get(k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)
                                  or not math.isfinite(v)):
                raise err(f"input {name!r}: {k} must be a finite number, got {v!r:.40}",
                          "inputs", name, k)
        a = spec.get("assumption", False)
        if not isinstance(a, bool):
            raise err(f"input {name!r}: assumption must be true or false", "inputs", name,
                      "assumption")
        py = spec.get("price_year")
        if py is not None and (isinstance(py, bool) or not isinstance(py, int)):
            raise err(f"input {name!r}: price_year must be a year like 2021", "inputs", name,
                      "price_year")
        if not a and not str(spec.get("source", "")).strip():
            raise err(f"input {name!r}: no source; give 'source' or mark 'assumption = true'",
                      "inputs", name)
        inputs[name] = Param(
            spec["value"], name=name, dist=dist, se=spec.get("se"), low=spec.get("low"),
            high=spec.get("high"), source=str(spec.get("source", "")), assumption=a,
            unit=str(spec.get("unit", "")), price_year=py,
            line=L.line("inputs", name), file=fname)

    # ---- overrides
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

    def ref(v: Any, what: str, *path: str) -> Param:
        if isinstance(v, str):
            if v not in inputs:
                raise err(f"{what}: refers to input {v!r}, which is not defined in [inputs]",
                          *path)
            return inputs[v]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise err(f"{what}: expected a number or an input name, got {v!r:.40}", *path)
        return Param(float(v), name=what, line=L.line(*path), file=fname,
                     source="given in the model file")

    # ---- curves (in file order; a hazard-ratio curve may refer to an earlier one)
    curves: dict[str, Curve] = {}
    cspecs = table(doc.get("curves", {}), "curves")
    pending = dict(cspecs)
    while pending:
        progressed = False
        for cname, spec in list(pending.items()):
            spec = table(spec, "curves", cname)
            if "base" in spec:
                b = spec["base"]
                if b not in cspecs:
                    raise err(f"curve {cname!r}: base {b!r} is not a curve", "curves", cname,
                              "base")
                if b not in curves:
                    continue
                if "hazard_ratio" not in spec:
                    raise err(f"curve {cname!r}: a 'base' curve needs 'hazard_ratio'",
                              "curves", cname)
                hr = ref(spec["hazard_ratio"], f"curve {cname!r} hazard_ratio", "curves", cname,
                         "hazard_ratio")
                try:
                    curves[cname] = HazardRatioCurve(curves[b], hr)
                except InputError as exc:
                    raise err(str(exc), "curves", cname, "hazard_ratio") from None
            else:
                dist = spec.get("distribution")
                if dist not in CURVE_PARAMS:
                    raise err(f"curve {cname!r}: distribution {dist!r} is not one of "
                              f"{', '.join(CURVE_PARAMS)}", "curves", cname, "distribution")
                known = {"distribution", "cure_fraction", "time_unit", "relative",
                         *CURVE_PARAMS[dist]}
                for k in spec:
                    if k not in known:
                        raise err(f"curve {cname!r}: unknown key {k!r} for a {dist}", "curves",
                                  cname, k)
                nat = {}
                for k in CURVE_PARAMS[dist]:
                    if k not in spec:
                        raise err(f"curve {cname!r}: the {dist} needs {k!r}", "curves", cname)
                    nat[k] = ref(spec[k], f"curve {cname!r} {k}", "curves", cname, k)
                cf = (ref(spec["cure_fraction"], f"curve {cname!r} cure_fraction", "curves",
                          cname, "cure_fraction") if "cure_fraction" in spec else None)
                try:
                    f = _unit_factor(spec.get("time_unit", "years"))
                except InputError as exc:
                    raise err(str(exc), "curves", cname, "time_unit") from None
                rel = spec.get("relative")
                curves[cname] = ParametricCurve(dist, nat, cure_fraction=cf, per_year=f,
                                                relative=rel)
            del pending[cname]
            progressed = True
        if not progressed:
            raise err(f"curves {', '.join(map(repr, pending))}: their 'base' curves refer to "
                      "each other", "curves", next(iter(pending)))

    # ---- arms
    arms: dict[str, Arm] = {}
    for aname, spec in table(doc.get("arms", {}), "arms").items():
        spec = table(spec, "arms", aname)
        for k in spec:
            if k not in _ARM_KEYS:
                raise err(f"arm {aname!r}: unknown key {k!r}; known keys: "
                          f"{', '.join(sorted(_ARM_KEYS))}", "arms", aname, k)
        cv = {}
        for which in ("pfs", "os"):
            c = spec.get(which)
            if c not in curves:
                raise err(f"arm {aname!r}: {which} = {c!r} is not a curve in [curves]",
                          "arms", aname, which)
            cv[which] = curves[c]
        one_off: dict[str, Any] = {}
        for k, v in table(spec.get("one_off", {}), "arms", aname, "one_off").items():
            if isinstance(v, dict):
                if set(v) != {"share", "cost"}:
                    raise err(f"arm {aname!r}, one_off {k!r}: give share and cost", "arms",
                              aname, "one_off")
                one_off[k] = (ref(v["share"], f"{aname} one_off {k} share", "arms", aname,
                                  "one_off"),
                              ref(v["cost"], f"{aname} one_off {k} cost", "arms", aname,
                                  "one_off"))
            else:
                one_off[k] = ref(v, f"{aname} one_off {k}", "arms", aname, "one_off")

        def state_map(key: str, spec: dict[str, Any] = spec, aname: str = aname
                      ) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for s, v in table(spec.get(key, {}), "arms", aname, key).items():
                if isinstance(v, dict):
                    out[s] = {k2: ref(v2, f"{aname} {key} {s} {k2}", "arms", aname, key)
                              for k2, v2 in v.items()}
                else:
                    out[s] = ref(v, f"{aname} {key} {s}", "arms", aname, key)
            return out

        aes = []
        for i, ae in enumerate(spec.get("adverse_events", [])):
            pth = ("arms", aname, "adverse_events", str(i))
            ae = table(ae, *pth)
            bad = set(ae) - {"name", "rate", "cost", "disutility", "duration"}
            if bad or "rate" not in ae:
                raise err(f"arm {aname!r}, adverse event {i + 1}: needs name and rate, may have "
                          "cost, disutility, duration", *pth)
            nm = str(ae.get("name", f"AE {i + 1}"))
            aes.append(AdverseEvent(
                nm, *(ref(ae.get(k, 0.0), f"{aname} AE {nm} {k}", *pth, k)
                      for k in ("rate", "cost", "disutility", "duration"))))
        subs = []
        for i, st in enumerate(spec.get("subsequent", [])):
            pth = ("arms", aname, "subsequent", str(i))
            st = table(st, *pth)
            if set(st) - {"name", "share", "cost"} or not {"share", "cost"} <= set(st):
                raise err(f"arm {aname!r}, subsequent therapy {i + 1}: needs name, share, cost",
                          *pth)
            nm = str(st.get("name", f"therapy {i + 1}"))
            cost = st["cost"]
            costs = [ref(c, f"{aname} subsequent {nm} cost", *pth, "cost")
                     for c in (cost if isinstance(cost, list) else [cost])]
            subs.append(SubsequentTherapy(nm, ref(st["share"], f"{aname} subsequent {nm} share",
                                                  *pth, "share"), costs))
        try:
            arms[aname] = Arm(
                pfs=cv["pfs"], os=cv["os"], one_off_cost=one_off,
                state_costs=state_map("state_costs"), utilities=state_map("utilities"),
                adverse_events=aes, subsequent=subs,
                terminal_cost=ref(spec.get("terminal_cost", 0.0), f"{aname} terminal_cost",
                                  "arms", aname, "terminal_cost"),
                name=aname)
        except InputError as exc:
            msg = str(exc)
            raise InputError(msg if " line " in msg else
                             f"{fname} line {L.line('arms', aname)}: {msg}",
                             where=exc.where) from None

    # ---- settings
    def num(key: str, default: Any = None, required: bool = False) -> Any:
        if key not in model:
            if required:
                raise err(f"[model]: needs {key!r}", "model")
            return default
        v = model[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise err(f"[model] {key}: expected a number, got {v!r:.40}", "model", key)
        return float(v)

    if len(arms) < 2:
        raise err(f"[arms]: a model needs at least two arms, found {len(arms)}",
                  "arms" if arms else "model")
    bg = model.get("background", "none")
    if bg not in ("us_2021", "none"):
        raise err(f"[model] background: {bg!r} is not 'us_2021' or 'none'", "model",
                  "background")
    inter, comp = model.get("intervention"), model.get("comparator")
    for key, a in (("intervention", inter), ("comparator", comp)):
        if a not in arms:
            raise err(f"[model] {key}: {a!r} is not an arm; arms are "
                      f"{', '.join(map(repr, arms))}", "model", key)
    corr: dict[tuple[Param, Param], float] = {}
    for i, c in enumerate(doc.get("correlations", [])):
        pc = ("correlations", str(i))
        c = table(c, *pc)
        if set(c) != {"a", "b", "rho"} or c["a"] not in inputs or c["b"] not in inputs:
            raise err("correlation: needs a and b (input names) and rho", *pc)
        rho = c["rho"]
        if isinstance(rho, bool) or not isinstance(rho, int | float) or not -1 < rho < 1:
            raise err(f"correlation: rho {rho!r} must lie strictly between -1 and 1", *pc,
                      "rho")
        corr[(inputs[c["a"]], inputs[c["b"]])] = float(rho)
    pop = model.get("population")
    popp = None
    if pop is not None:
        popp = ref(pop, "population", "model", "population")
    try:
        m = PartitionedSurvival(
            arms=arms, horizon=num("horizon", required=True), cycle=num("cycle", 1 / 12),
            discount=num("discount", 0.03), discount_qalys=num("discount_qalys"),
            start_age=num("start_age"), background=None if bg == "none" else bg,
            age_adjust_male=num("age_adjust_male"),
            correction=str(model.get("correction", "half-cycle")), correlation=corr,
            wtp=num("wtp"), currency=str(model.get("currency", "")))
    except InputError as exc:
        key = exc.where.split(".")[0] if exc.where else ""
        msg = str(exc)
        if " line " in msg:
            raise
        path = ("model", key) if key in model else ("arms", key.split(".")[0])
        raise err(msg, *path) from None
    benches = tuple(dict(b) for b in doc.get("benchmarks", []))
    notes = doc.get("notes", {})
    return ModelFile(
        model=m, inputs=inputs, intervention=str(inter), comparator=str(comp),
        title=str(model.get("title", Path(file).stem)), path=file, population=popp,
        benchmarks=benches,
        settings_sources={str(k): str(v) for k, v in dict(model.get("sources", {})).items()},
        notes="\n".join(str(v) for v in notes.values()) if isinstance(notes, dict)
        else str(notes),
        perspective=str(model.get("perspective", "")))
