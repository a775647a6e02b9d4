"""``evisynth cea``: run a cost-effectiveness model file (TOML) standalone."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from evisynth._validation import number_from_text
from evisynth.cli._app import app
from evisynth.cli._io import write_output
from evisynth.errors import InputError


def _save(fig: Any, path: Path, opt: str) -> None:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise InputError(f"{opt} {path}: use a .png, .svg or .pdf file name", where=opt)
    buf = io.BytesIO()
    fig.savefig(buf, format=suffix, dpi=150)
    write_output(path, buf.getvalue())


def _overrides(items: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for it in items or []:
        if "=" not in it:
            raise InputError(f"option --set: {it!r} is not NAME=VALUE", where="--set")
        k, v = it.split("=", 1)
        out[k.strip()] = float(number_from_text("--set", v))
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    raise TypeError(type(x).__name__)


@app.command()
def cea(
    model: Annotated[
        str, typer.Argument(help="Model TOML file, or the name of a bundled model "
                            "(see --list).")
    ] = "",
    method: Annotated[str, typer.Option("--method", help="'exact' or 'cycles'.")] = "exact",
    psa: Annotated[int, typer.Option("--psa", help="Probabilistic draws (0: none).")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="PSA seed.")] = 20260101,
    wtp: Annotated[
        float | None, typer.Option("--wtp", help="Willingness to pay per QALY.")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override an input: NAME=VALUE (repeatable)."),
    ] = None,
    dsa: Annotated[bool, typer.Option("--dsa", help="One-way sensitivity table.")] = False,
    tornado: Annotated[
        Path | None, typer.Option("--tornado", help="Write a tornado diagram (.png/.svg/.pdf).")
    ] = None,
    ceac: Annotated[
        Path | None, typer.Option("--ceac", help="Write the CEAC figure (.png/.svg/.pdf).")
    ] = None,
    plane: Annotated[
        Path | None, typer.Option("--plane", help="Write the CE plane (.png/.svg/.pdf).")
    ] = None,
    claim_icer: Annotated[
        float | None, typer.Option("--claim-icer", help="Check a claimed ICER ...")
    ] = None,
    claim_horizon: Annotated[
        float | None, typer.Option("--claim-horizon", help="... over this horizon (years).")
    ] = None,
    assumptions: Annotated[
        bool, typer.Option("--assumptions", help="List the inputs marked as assumptions.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the bundled models.")] = False,
) -> None:
    """Run a partitioned-survival cost-effectiveness model from a TOML file."""
    from evisynth.econ.modelfile import bundled_model_path, bundled_models, load_model

    if list_:
        for name in bundled_models():
            typer.echo(f"{name}  {bundled_model_path(name)}")
        return
    if not model:
        raise InputError("give a model TOML file or a bundled model name (evisynth cea "
                         "--list)", where="model")
    from evisynth.econ.summary import horizon_check, report_summary

    if method not in ("exact", "cycles"):
        raise InputError(f"option --method: {method!r} is not 'exact' or 'cycles'",
                         where="--method")
    if psa < 0:
        raise InputError("option --psa: give 0 or more draws", where="--psa")
    if (claim_icer is None) != (claim_horizon is None):
        raise InputError("options --claim-icer and --claim-horizon go together",
                         where="--claim-icer")
    mf = load_model(model, overrides=_overrides(set_))
    m = mf.model
    w = wtp if wtp is not None else m.wtp
    res = mf.run(method)
    p = m.psa(psa, seed=seed, wtp=w) if psa else None
    summ = report_summary(res, psa=p, wtp=w, model_file=mf)
    d = None
    if dsa or tornado is not None:
        if w is None:
            raise InputError("options --dsa/--tornado: give --wtp (the model sets none)",
                             where="--wtp")
        d = m.dsa(mf.intervention, mf.comparator, wtp=w)
    hc = None
    if claim_icer is not None and claim_horizon is not None:
        hc = horizon_check(m, mf.intervention, mf.comparator, claimed_icer=claim_icer,
                           horizon=claim_horizon, method=method)
    if tornado is not None and d is not None:
        from evisynth.plots.econ import tornado as tornado_fig

        _save(tornado_fig(d), tornado, "--tornado")
    for path, opt in ((ceac, "--ceac"), (plane, "--plane")):
        if path is None:
            continue
        if p is None:
            raise InputError(f"option {opt}: needs a PSA (--psa N with N > 0)", where=opt)
        from evisynth.plots.econ import ce_plane, ceac_figure

        if opt == "--ceac":
            top = max(3 * (w or 100_000), 1.0)
            _save(ceac_figure(p, np.linspace(0, top, 61)), path, opt)
        else:
            _save(ce_plane(p, mf.intervention, mf.comparator, wtp=w), path, opt)
    if as_json:
        out: dict[str, Any] = {"model": mf.path, "title": mf.title, "result": res.to_dict(),
                               "summary": summ.to_dict()}
        if p is not None:
            out["psa"] = p.to_dict()
        if d is not None:
            out["dsa"] = d.to_dict()
        if hc is not None:
            out["claim_check"] = hc.to_dict()
        out["assumptions"] = [q.to_dict() for q in mf.assumptions()]
        typer.echo(json.dumps(out, indent=2, default=_jsonable))
        return
    typer.echo(mf.title)
    typer.echo(res.summary())
    typer.echo("")
    for s in summ.sentences:
        typer.echo(s)
    if d is not None and dsa:
        typer.echo("")
        typer.echo(d.summary())
    if hc is not None:
        typer.echo("")
        for s in hc.sentences:
            typer.echo(s)
    if assumptions:
        typer.echo("")
        typer.echo("Inputs marked as assumptions:")
        for q in mf.assumptions():
            typer.echo(f"  {q.name} = {q.value:g} (line {q.line}): {q.source}")
