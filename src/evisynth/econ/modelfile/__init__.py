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

Every error names the file, the line and the input. One module per part of
the file: ``inputs`` (the inputs and a caller's overrides), ``curves``, ``arms``;
``_context`` finds the line of every key; ``bundled`` lists the shipped models.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evisynth.econ.model import PartitionedSurvival
from evisynth.econ.modelfile._context import _Doc, _named
from evisynth.econ.modelfile.arms import read_arms
from evisynth.econ.modelfile.bundled import bundled_model_path, bundled_models
from evisynth.econ.modelfile.curves import read_curves
from evisynth.econ.modelfile.inputs import apply_overrides, read_inputs
from evisynth.econ.params import Param
from evisynth.errors import InputError

__all__ = ["ModelFile", "bundled_model_path", "bundled_models", "load_model", "parse_model"]

_MODEL_KEYS = {"title", "intervention", "comparator", "horizon", "cycle", "discount",
               "discount_qalys", "start_age", "background", "wtp", "currency", "population",
               "perspective", "sources", "correction", "age_adjust_male", "notes"}


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
    ctx = _Doc(text, file)
    fname = ctx.fname

    for k in doc:
        if k not in ("model", "inputs", "curves", "arms", "correlations", "benchmarks", "notes"):
            raise ctx.err(f"unknown top-level table {k!r}", k)
    model = ctx.table(doc.get("model", {}), "model")
    ctx.known(model, _MODEL_KEYS, "[model]", "model")
    inputs = ctx.inputs = read_inputs(ctx, doc)
    apply_overrides(inputs, overrides, fname)
    curves = read_curves(ctx, doc)
    arms = read_arms(ctx, doc, curves)

    # ---- settings
    def num(key: str, default: Any = None, required: bool = False) -> Any:
        if key not in model:
            if required:
                raise ctx.err(f"[model]: needs {key!r}", "model")
            return default
        v = model[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ctx.err(f"[model] {key}: expected a number, got {v!r:.40}", "model", key)
        return float(v)

    if len(arms) < 2:
        raise ctx.err(f"[arms]: a model needs at least two arms, found {len(arms)}",
                      "arms" if arms else "model")
    bg = model.get("background", "none")
    if bg not in ("us_2021", "none"):
        raise ctx.err(f"[model] background: {bg!r} is not 'us_2021' or 'none'", "model",
                      "background")
    inter, comp = model.get("intervention"), model.get("comparator")
    for key, a in (("intervention", inter), ("comparator", comp)):
        if not _named(a, arms):
            raise ctx.err(f"[model] {key}: {a!r} is not an arm; arms are "
                          f"{', '.join(map(repr, arms))}", "model", key)
    corr: dict[tuple[Param, Param], float] = {}
    for i, c in enumerate(doc.get("correlations", [])):
        pc = ("correlations", str(i))
        c = ctx.table(c, *pc)
        if set(c) != {"a", "b", "rho"} or not (_named(c["a"], inputs)
                                                and _named(c["b"], inputs)):
            raise ctx.err("correlation: needs a and b (input names) and rho", *pc)
        rho = c["rho"]
        if isinstance(rho, bool) or not isinstance(rho, int | float) or not -1 < rho < 1:
            raise ctx.err(f"correlation: rho {rho!r} must lie strictly between -1 and 1", *pc,
                          "rho")
        corr[(inputs[c["a"]], inputs[c["b"]])] = float(rho)
    pop = model.get("population")
    popp = None
    if pop is not None:
        popp = ctx.ref(pop, "population", "model", "population")
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
        raise ctx.err(msg, *path) from None
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
