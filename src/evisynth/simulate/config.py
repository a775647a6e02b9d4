"""Simulation studies described in a TOML file (for ``evisynth simulate``).

Layout (every key but ``design.k`` and ``design.tau`` optional)::

    reps = 10000                       # replications per design cell
    seed = 1
    level = 95
    methods = ["REML-knha", ["DL", "z"], "PM-adhoc"]

    [design]
    k = [2, 3, 5, 10]
    tau = [0, 0.1, 0.3, 0.6]
    mu = 0
    vi = 0.1                           # or a list (one per study), or a table:

    [design.vi]                        # kind = fixed | random | binary | continuous | survival
    kind = "random"
    low = 0.01
    high = 0.5
    dist = "loguniform"

``kind = "fixed"`` takes ``vi``; ``"binary"`` takes ``n`` and ``p_control``;
``"continuous"`` takes ``n`` and ``sd``; ``"survival"`` takes ``n``, ``hazard``
and ``follow_up`` (see :mod:`evisynth.simulate.data_models`). Errors name the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evisynth.errors import InputError
from evisynth.simulate.design import (
    BinaryData,
    ContinuousData,
    DataModel,
    FixedVariances,
    RandomVariances,
    SimDesign,
    SurvivalData,
)
from evisynth.simulate.methods import Method, parse_methods

_TOP = ("reps", "seed", "level", "methods", "design")
_DESIGN = ("k", "tau", "mu", "vi")
_KINDS: dict[str, tuple[Callable[..., DataModel], tuple[str, ...]]] = {
    "fixed": (FixedVariances, ("vi",)),
    "random": (RandomVariances, ("low", "high", "dist")),
    "binary": (BinaryData, ("n", "p_control")),
    "continuous": (ContinuousData, ("n", "sd")),
    "survival": (SurvivalData, ("n", "hazard", "follow_up")),
}


@dataclass(frozen=True)
class SimConfig:
    """A simulation study read from a file: design, methods, reps, seed, level."""

    design: SimDesign
    methods: tuple[Method, ...]
    reps: int
    seed: int
    level: float


def _fail(path: Path, key: str, msg: str) -> InputError:
    return InputError(f"{path}: key {key!r}: {msg}", where=f"{path}:{key}")


def _strip(exc: InputError) -> str:
    s = str(exc)
    return s.split(": ", 1)[1] if s.startswith("argument ") and ": " in s else s


def _call(path: Path, key: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except InputError as exc:
        raise _fail(path, key, _strip(exc)) from None
    except TypeError as exc:
        raise _fail(path, key, f"wrong kind of value ({exc})") from None


def _unknown(path: Path, table: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise _fail(
                path, f"{prefix}{key}", f"unknown key; allowed here: {', '.join(allowed)}"
            )


def _data_model(path: Path, vi: Any) -> DataModel:
    if not isinstance(vi, dict):
        return _call(path, "design.vi", FixedVariances, vi)
    kind = vi.get("kind")
    if kind not in _KINDS:
        raise _fail(
            path, "design.vi.kind",
            f"{kind!r} is not one of {', '.join(_KINDS)}" if kind is not None
            else f"missing; one of {', '.join(_KINDS)}",
        )
    cls, keys = _KINDS[kind]
    _unknown(path, vi, ("kind", *keys), "design.vi.")
    args = {k: vi[k] for k in keys if k in vi}
    for k, v in args.items():
        if isinstance(v, list):
            args[k] = tuple(v)
    if kind == "fixed":
        if "vi" not in args:
            raise _fail(path, "design.vi.vi", "missing; give the sampling variance(s)")
        return _call(path, "design.vi.vi", FixedVariances, list(args["vi"]) if isinstance(
            args["vi"], tuple) else args["vi"])
    if kind == "random":
        for need in ("low", "high"):
            if need not in args:
                raise _fail(path, f"design.vi.{need}", "missing")
    try:
        return cls(**args)
    except InputError as exc:
        sub = (exc.where or "").split(".")[-1]
        key = f"design.vi.{sub}" if sub in keys else "design.vi"
        raise _fail(path, key, _strip(exc)) from None


def load_config(path: str | Path) -> SimConfig:
    """Read and check a simulation-study TOML file (see the module docstring).

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    SimConfig

    Raises
    ------
    InputError
        Missing file, invalid TOML (with line and column), unknown or missing
        keys, bad values; the message names the file and the key.

    References
    ----------
    TOML v1.0.0 specification, https://toml.io/en/v1.0.0.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "s.toml")
    >>> _ = open(p, "w").write('methods = ["REML-knha"]\\n[design]\\nk = [2, 3]\\ntau = 0.1\\n')
    >>> cfg = load_config(p)
    >>> cfg.design.k, cfg.reps
    ((2, 3), 10000)
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: file not found", where=str(p))
    try:
        with open(p, "rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: not valid TOML ({exc})", where=str(p)) from None
    except UnicodeDecodeError:
        raise InputError(f"{p}: not valid TOML (not UTF-8 text)", where=str(p)) from None
    _unknown(p, doc, _TOP, "")
    design = doc.get("design")
    if not isinstance(design, dict):
        raise _fail(p, "design", "missing table [design] with at least k and tau")
    _unknown(p, design, _DESIGN, "design.")
    for need in ("k", "tau"):
        if need not in design:
            raise _fail(p, f"design.{need}", "missing")
    from evisynth.simulate.design import _grid

    _call(p, "design.k", _grid, "k", design["k"], lo=2, integer=True)
    _call(p, "design.tau", _grid, "tau", design["tau"], lo=0.0)
    _call(p, "design.mu", _grid, "mu", design.get("mu", 0.0), lo=-float("inf"))
    model = _data_model(p, design.get("vi", 0.1))
    try:
        sim = SimDesign(k=design["k"], tau=design["tau"], mu=design.get("mu", 0.0), vi=model)
    except InputError as exc:
        sub = (exc.where or "").split(".")[0]
        raise _fail(p, f"design.{sub}" if sub in _DESIGN else "design", _strip(exc)) from None
    if "methods" not in doc:
        raise _fail(p, "methods", "missing; e.g. methods = [\"REML-knha\", \"DL-z\"]")
    methods = _call(p, "methods", parse_methods, doc["methods"])
    from evisynth._validation import check_int, check_level

    reps = _call(p, "reps", check_int, "reps", doc.get("reps", 10_000), lo=1)
    seed = _call(p, "seed", check_int, "seed", doc.get("seed", 0), lo=0)
    level = _call(p, "level", check_level, doc.get("level", 95.0))
    return SimConfig(sim, methods, reps, seed, level)
