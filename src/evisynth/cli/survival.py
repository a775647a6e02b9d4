"""``evisynth reconstruct`` (patient data from a digitised KM curve) and
``evisynth survival`` (two-arm reanalysis of patient data)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from evisynth.cli._app import app
from evisynth.cli._io import cell_text, check_outputs, json_text, show_path, write_output
from evisynth.errors import InputError


def _read_csv(path: Path) -> pd.DataFrame:
    shown = show_path(path)
    if not path.is_file():
        what = "is not a file" if path.exists() else "file not found"
        raise InputError(f"{shown}: {what}", where=shown)
    try:
        df = pd.read_csv(path, skipinitialspace=True, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        why = " ".join(str(exc).split())[:160]
        raise InputError(f"{shown}: cannot be read as CSV ({why})", where=shown) from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot be read ({exc.strerror})", where=shown) from None
    if df.empty:
        raise InputError(f"{shown}: has a header but no data rows", where=shown)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _columns(df: pd.DataFrame) -> str:
    return ", ".join(cell_text(c)[1:-1] for c in df.columns[:30])


def _numeric(df: pd.DataFrame, col: str, path: Path) -> np.ndarray:
    """Column as floats; a bad cell is reported as file:row:column (header = row 1)."""
    shown = show_path(path)
    if col not in df.columns:
        raise InputError(
            f"{shown}: no column {cell_text(col)}; the file has columns: {_columns(df)}",
            where=f"{shown}:{col}",
        )
    vals = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(vals))
    if bad.size:
        i = int(bad[0])
        cell = df[col].iloc[i]
        what = "is empty" if pd.isna(cell) else f"is {cell_text(cell)}, not a " + (
            "finite number" if np.isinf(vals[i]) else "number")
        raise InputError(
            f"{shown}, row {i + 2}, column {cell_text(col)}: cell {what}",
            where=f"{shown}:{i + 2}:{col}",
        )
    return vals


@app.command()
def reconstruct(
    curve: Annotated[Path, typer.Argument(help="CSV of digitised points: time, survival.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the IPD CSV.")],
    at_risk: Annotated[
        Path | None, typer.Option("--at-risk", help="CSV numbers-at-risk table: time, n_risk.")
    ] = None,
    events: Annotated[
        int | None, typer.Option("--events", help="Total number of events in the arm.")
    ] = None,
    n: Annotated[
        int | None, typer.Option("-n", "--n", help="Patients in the arm (needed without a table).")
    ] = None,
    scale: Annotated[
        str, typer.Option("--scale", help="'proportion' (0-1) or 'percent' (0-100).")
    ] = "proportion",
    arm_label: Annotated[
        str | None, typer.Option("--arm-label", help="Add an 'arm' column with this label.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print diagnostics as JSON.")] = False,
) -> None:
    """Reconstruct patient data (time, event) from a digitised Kaplan–Meier curve (Guyot 2012)."""
    from evisynth.survival.reconstruct import reconstruct_ipd

    check_outputs({"--output": output}, [curve, at_risk])
    cdf = _read_csv(curve)
    cdf = pd.DataFrame({"time": _numeric(cdf, "time", curve),
                        "survival": _numeric(cdf, "survival", curve)})
    ar = None
    if at_risk is not None:
        adf = _read_csv(at_risk)
        ar = pd.DataFrame({"time": _numeric(adf, "time", at_risk),
                           "n_risk": _numeric(adf, "n_risk", at_risk)})
    rec = reconstruct_ipd(cdf, ar, total_events=events, n=n, scale=scale)
    ipd = rec.ipd.copy()
    if arm_label is not None:
        ipd.insert(0, "arm", arm_label)
    write_output(output, ipd.to_csv(index=False))
    if as_json:
        out = {"output": str(output), "case": rec.case, "changes": list(rec.changes),
               "diagnostics": rec.diagnostics.to_dict()}
        typer.echo(json_text(out))
        return
    d = rec.diagnostics
    typer.echo(f"Reconstructed {d.n_patients} patients, {d.n_events} events "
               f"(inputs: {rec.case.replace('+', ' + ')}) -> {output}")
    for c in rec.changes:
        typer.echo(f"  note: {c}")
    typer.echo(f"  curve error: max {d.curve_max_abs_error:.4f}, RMSE {d.curve_rmse:.4f} "
               "(reconstructed KM vs digitised points)")
    if d.at_risk_time is not None:
        assert d.at_risk_published is not None and d.at_risk_reconstructed is not None
        pairs = ", ".join(f"t={t:g}: {p}/{r}" for t, p, r in
                          zip(d.at_risk_time, d.at_risk_published, d.at_risk_reconstructed,
                              strict=True))
        typer.echo(f"  at risk (published/reconstructed): {pairs}")
    if d.total_events_given is not None:
        typer.echo(f"  events: given {d.total_events_given}, reconstructed {d.n_events}")


@app.command()
def survival(
    ipd: Annotated[Path, typer.Argument(help="CSV of patient data: arm, time, event columns.")],
    arm: Annotated[str, typer.Option("--arm", help="Column holding the arm label.")],
    time: Annotated[str, typer.Option("--time", help="Column of follow-up times.")] = "time",
    event: Annotated[str, typer.Option("--event", help="Column of events (1/0).")] = "event",
    reference: Annotated[
        str | None, typer.Option("--reference", help="Reference (control) arm.")
    ] = None,
    landmark: Annotated[
        list[float] | None, typer.Option("--landmark", help="Landmark time (repeatable).")
    ] = None,
    tau: Annotated[float | None, typer.Option("--tau", help="RMST horizon.")] = None,
    conf_type: Annotated[
        str, typer.Option("--conf-type", help="KM CI transform: log, log-log or plain.")
    ] = "log",
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a KM figure (.png, .svg or .pdf).")
    ] = None,
    extrapolate: Annotated[
        float | None,
        typer.Option("--extrapolate", help="Fit parametric and cure models per arm; report "
                     "survival and restricted mean to this horizon."),
    ] = None,
    models: Annotated[
        str | None,
        typer.Option("--models", help="Comma-separated distributions for --extrapolate "
                     "(default: all six, each with and without cure)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Two-arm survival reanalysis: KM, medians, landmarks, log-rank, Cox HR, PH check, RMST."""
    from evisynth.survival.compare import compare_arms
    from evisynth.survival.parametric import DISTRIBUTIONS, fit_parametric_models

    check_outputs({"--plot": plot}, [ipd])
    df = _read_csv(ipd)
    shown = show_path(ipd)
    if arm not in df.columns:
        raise InputError(
            f"{shown}: no column {cell_text(arm)} (--arm); the file has columns: "
            f"{_columns(df)}",
            where=f"{shown}:{arm}",
        )
    blank = np.flatnonzero(df[arm].isna().to_numpy()
                           | (df[arm].astype(str).str.strip() == "").to_numpy())
    if blank.size:
        i = int(blank[0])
        raise InputError(
            f"{shown}, row {i + 2}, column {cell_text(arm)}: cell is empty; every patient "
            "needs an arm label",
            where=f"{shown}:{i + 2}:{arm}",
        )
    t = _numeric(df, time, ipd)
    e = _numeric(df, event, ipd)
    for i in range(len(df)):
        if t[i] < 0:
            raise InputError(f"{shown}, row {i + 2}, column {cell_text(time)}: {t[i]:g} is "
                             "negative", where=f"{shown}:{i + 2}:{time}")
        if e[i] not in (0, 1):
            raise InputError(
                f"{shown}, row {i + 2}, column {cell_text(event)}: {e[i]:g}; use 1 for an event, "
                "0 for censored", where=f"{shown}:{i + 2}:{event}")
    data = pd.DataFrame({"arm": df[arm].astype(str), "time": t, "event": e})
    res = compare_arms(data, reference=reference, landmarks=landmark or (), tau=tau,
                       conf_type=conf_type)
    extra: dict[str, Any] = {}
    if extrapolate is not None:
        if not np.isfinite(extrapolate) or extrapolate <= 0:
            raise InputError(f"--extrapolate {extrapolate:g}: give a positive horizon",
                             where="extrapolate")
        dists = tuple(DISTRIBUTIONS) if models is None else tuple(
            m.strip() for m in models.split(",") if m.strip())
        for name in (res.reference, res.experimental):
            sub = data[data["arm"] == name]
            mc = fit_parametric_models(sub["time"], sub["event"], distributions=dists)
            extra[name] = mc
    if plot is not None:
        from evisynth.plots.survival import km_figure

        suffix = plot.suffix.lower().lstrip(".")
        if suffix not in ("png", "svg", "pdf"):
            raise InputError(f"--plot {plot}: use a .png, .svg or .pdf file name", where="plot")
        import io

        fits = {name: [mc.best("aic")] for name, mc in extra.items()}
        fig = km_figure(res, xlabel=time, fits=fits or None, horizon=extrapolate)
        buf = io.BytesIO()
        fig.savefig(buf, format=suffix, dpi=150)
        write_output(plot, buf.getvalue())
    if as_json:
        out = res.to_dict()
        if extra:
            assert extrapolate is not None
            out["extrapolation"] = {
                name: {
                    "horizon": extrapolate,
                    **mc.to_dict(),
                    "survival_at_horizon": {f.label: float(f.survival([extrapolate])[0])
                                            for f in mc.fits},
                    "restricted_mean": mc.restricted_means(extrapolate),
                }
                for name, mc in extra.items()
            }
        typer.echo(json_text(out))
        return
    typer.echo(res.summary())
    for name, mc in extra.items():
        assert extrapolate is not None
        typer.echo(f"  Extrapolation, {name} (sorted by AIC; S and mean survival to "
                   f"{extrapolate:g}):")
        tab = mc.table
        for _, row in tab.iterrows():
            f = next(x for x in mc.fits if x.label == row["model"])
            typer.echo(
                f"    {row['model']:<28} AIC {row['aic']:9.2f} (Δ {row['delta_aic']:6.2f})  "
                f"BIC {row['bic']:9.2f}  S={float(f.survival([extrapolate])[0]):.3f}  "
                f"mean={f.restricted_mean(extrapolate):.4g}"
                + (f"  cure={f.params['cure_fraction']:.3f}" if f.cure else "")
            )
        for label, why in mc.failed.items():
            typer.echo(f"    {label:<28} not fitted: {why}")
    if plot is not None:
        typer.echo(f"  KM figure -> {plot}")
