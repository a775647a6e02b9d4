"""``evisynth meta``: pool an ad-hoc CSV table; ``evisynth example``: the bundled example."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from evisynth.cli._app import app
from evisynth.cli._io import cell_text, json_text, show_path
from evisynth.effects import EffectSizes, escalc
from evisynth.errors import InputError
from evisynth.meta import bayesmeta, rma
from evisynth.meta.bayes import BayesMetaResult
from evisynth.meta.glmm import GLMMResult, rma_glmm
from evisynth.meta.results import RMAResult

#: Raw-data columns each measure family can use (metafor argument names).
RAW_COLUMNS = (
    "ai", "bi", "ci", "di", "n1i", "n2i", "xi", "mi", "ni", "x1i", "x2i", "t1i", "t2i",
    "m1i", "m2i", "sd1i", "sd2i", "yi", "vi", "sei", "hr", "rr", "or_", "irr", "ratio",
    "ci_lb", "ci_ub", "pval",
)


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV file; errors name the file."""
    shown = show_path(path)
    if not path.is_file():
        what = "is not a file" if path.exists() else "file not found"
        raise InputError(f"{shown}: {what}", where=shown)
    try:
        # Only an empty cell is missing; "NA", "NaN", "null" stay text, so that a
        # message can tell them apart from an empty cell.
        df = pd.read_csv(path, skipinitialspace=True, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        why = " ".join(str(exc).split())[:160]
        raise InputError(f"{shown}: cannot be read as CSV ({why})", where=shown) from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot be read ({exc.strerror})", where=shown) from None
    if df.empty:
        raise InputError(f"{shown}: has a header but no data rows", where=shown)
    return df


#: Cell texts that mean "missing" (R, pandas, JSON spellings).
MISSING_TOKENS = ("na", "nan", "null", "none", "n/a", "")

#: Columns whose cells may be empty: a study reports a CI or a p-value, not necessarily both.
OPTIONAL_CELLS = frozenset({"ci_lb", "ci_ub", "pval"})


def numeric_column(
    df: pd.DataFrame, column: str, path: Path, *, required: bool = True, allow_empty: bool = False
) -> Any:
    """Column as floats; an empty or non-numeric cell is reported by file, row and column.

    Rows are counted as in a spreadsheet: the header is row 1, the first data row is row 2.
    With ``allow_empty`` empty cells become NaN (escalc then uses the other statistic).
    """
    shown = show_path(path)
    if column not in df.columns:
        if not required:
            return None
        have = ", ".join(cell_text(c)[1:-1] for c in df.columns[:30])
        raise InputError(
            f"{shown}: no column {cell_text(column)}; the file has columns: {have}",
            where=f"{shown}:{column}",
        )
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=np.float64,
                                                                   na_value=np.nan))
    if allow_empty:
        missing = raw.isna().to_numpy() | raw.astype(str).str.strip().str.lower().isin(
            MISSING_TOKENS).to_numpy()
        bad = bad & ~missing
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        cell = raw.iloc[i]
        if _is_blank(cell):
            what = "is empty"
        elif str(cell).strip().lower() in MISSING_TOKENS:
            what = f"is {cell_text(cell)} (a missing value); give a number"
        else:
            what = f"is {cell_text(cell)}, not a " + (
                "finite number" if pd.notna(values.iloc[i]) else "number")
        raise InputError(
            f"{shown}, row {i + 2}, column {cell_text(column)}: cell {what}",
            where=f"{shown}:{i + 2}:{column}",
        )
    return values.to_numpy(dtype=np.float64)


def _is_blank(cell: Any) -> bool:
    """True for a cell that was empty in the file (pandas reads it as NaN)."""
    return cell is None or (isinstance(cell, float) and np.isnan(cell)) or str(cell).strip() == ""


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """``["ai=tpos", "bi=tneg"]`` -> ``{"ai": "tpos", "bi": "tneg"}``."""
    out: dict[str, str] = {}
    for item in items or []:
        arg, sep, col = item.partition("=")
        if not sep or not arg or not col:
            raise InputError(
                f"option --col: {item!r} is not of the form ARGUMENT=COLUMN (e.g. ai=tpos)",
                where="--col",
            )
        if arg not in RAW_COLUMNS:
            raise InputError(
                f"option --col: {arg!r} is not a data argument; "
                f"use one of {', '.join(RAW_COLUMNS)}",
                where="--col",
            )
        out[arg] = col
    return out


def fit_table(
    path: Path,
    *,
    measure: str | None,
    yi: str,
    vi: str,
    sei: str | None,
    labels: str | None,
    mapping: dict[str, str],
    method: str,
    test: str,
    level: float,
) -> RMAResult:
    """Read the table, compute effect sizes if asked, and pool them."""
    df = read_table(path)
    if labels is not None and labels not in df.columns:
        raise InputError(
            f"{path}: no label column {labels!r}; columns: {', '.join(map(str, df.columns))}",
            where=f"{path}:{labels}",
        )
    # Without a label column, studies are named by their CSV row so that every
    # error message points at the row to fix.
    lab = (
        df[labels].astype(str).tolist()
        if labels is not None
        else [f"row {i + 2}" for i in range(len(df))]
    )
    if measure is None or measure.upper() == "GEN":
        y = numeric_column(df, yi, path)
        spread = {"sei": numeric_column(df, sei, path)} if sei is not None else {
            "vi": numeric_column(df, vi, path)}
        try:
            return rma(yi=y, **spread, labels=lab, method=method, test=test, level=level)
        except InputError as exc:
            raise InputError(f"{show_path(path)}: {exc}", where=exc.where) from None
    data: dict[str, Any] = {}
    for arg in RAW_COLUMNS:
        col = mapping.get(arg, arg)
        if arg in mapping or col in df.columns:
            data[arg] = numeric_column(df, col, path, allow_empty=arg in OPTIONAL_CELLS)
    try:
        es = escalc(measure, labels=lab, **data)
        return rma(es, method=method, test=test, level=level)
    except InputError as exc:
        raise InputError(f"{show_path(path)}: {exc}", where=exc.where) from None


def fit_table_glmm(
    path: Path, *, measure: str | None, labels: str | None, mapping: dict[str, str],
    method: str, test: str, level: float,
) -> GLMMResult:
    """Read the table and fit a binomial/Poisson-normal GLMM (``rma_glmm``) to its counts."""
    if measure is None:
        raise InputError("option --glmm needs --measure PLO, OR or IRR", where="--measure")
    df = read_table(path)
    if labels is not None and labels not in df.columns:
        raise InputError(
            f"{path}: no label column {labels!r}; columns: {', '.join(map(str, df.columns))}",
            where=f"{path}:{labels}",
        )
    lab = (df[labels].astype(str).tolist() if labels is not None
           else [f"row {i + 2}" for i in range(len(df))])
    data: dict[str, Any] = {}
    for arg in GLMM_COLUMNS:
        col = mapping.get(arg, arg)
        if arg in mapping or col in df.columns:
            data[arg] = numeric_column(df, col, path)
    try:
        return rma_glmm(measure, labels=lab, method="FE" if method.upper() == "FE" else "ML",
                        test=test, level=level, **data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}", where=exc.where) from None


#: Count columns rma_glmm can use (metafor argument names).
GLMM_COLUMNS = ("xi", "ni", "mi", "ai", "bi", "ci", "di", "n1i", "n2i", "x1i", "t1i", "x2i",
                "t2i")


def render(fit: RMAResult | BayesMetaResult | GLMMResult, as_json: bool) -> str:
    if as_json:
        return json_text(fit.to_dict())
    return fit.summary()


def bayes_fit(fit: RMAResult, tau_prior: str | None, level: float) -> BayesMetaResult:
    """Bayesian random-effects analysis of the effect sizes of a pooled table."""
    es = EffectSizes(fit.yi, fit.vi, measure=fit.measure, labels=fit.labels)
    return bayesmeta(es, tau_prior=tau_prior, level=level)


@app.command("meta")
def meta_command(
    file: Annotated[Path, typer.Argument(help="CSV table, one row per study.")],
    measure: Annotated[
        str | None,
        typer.Option(help="Effect measure to compute from raw columns (RR, OR, RD, HR, SMD, "
                     "PLO, ...); omit to pool yi/vi columns."),
    ] = None,
    yi: Annotated[str, typer.Option(help="Column of effect estimates.")] = "yi",
    vi: Annotated[str, typer.Option(help="Column of sampling variances.")] = "vi",
    sei: Annotated[str | None, typer.Option(help="Column of standard errors (instead of vi).")]
    = None,
    col: Annotated[
        list[str] | None,
        typer.Option("--col", help="Map a data argument to a column, e.g. --col ai=tpos "
                     "(repeatable). Columns named like the argument are used automatically."),
    ] = None,
    labels: Annotated[str | None, typer.Option(help="Column of study labels.")] = None,
    method: Annotated[str, typer.Option(help="tau² estimator: FE DL HE HS HSk SJ ML REML EB PM.")]
    = "REML",
    test: Annotated[str, typer.Option(help="z, t, knha or adhoc.")] = "z",
    level: Annotated[float, typer.Option(help="Confidence level in percent.")] = 95.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result keys as JSON.")]
    = False,
    bayes: Annotated[bool, typer.Option("--bayes", help="Bayesian random-effects analysis "
                     "(exact quadrature, as R bayesmeta) instead of rma.")] = False,
    tau_prior: Annotated[str | None, typer.Option(
        "--tau-prior", help="With --bayes: prior of tau, e.g. halfnormal:0.5, halfcauchy:1, "
        "lognormal:MEANLOG:SDLOG, turner:OUTCOME (default halfnormal:0.5 for log ratios).")]
    = None,
    glmm: Annotated[bool, typer.Option("--glmm", help="Fit a binomial/Poisson-normal GLMM to "
                    "the counts (rma_glmm; --measure PLO, OR or IRR; ML unless --method FE).")]
    = False,
) -> None:
    """Pool the studies of a CSV table (random- or fixed-effects meta-analysis)."""
    if glmm:
        gfit = fit_table_glmm(file, measure=measure, labels=labels, mapping=parse_mapping(col),
                              method=method, test=test, level=level)
        typer.echo(render(gfit, as_json))
        return
    fit = fit_table(
        file, measure=measure, yi=yi, vi=vi, sei=sei, labels=labels,
        mapping=parse_mapping(col), method="FE" if bayes else method, test=test, level=level,
    )
    if tau_prior is not None and not bayes:
        raise InputError("option --tau-prior needs --bayes", where="--tau-prior")
    typer.echo(render(bayes_fit(fit, tau_prior, level) if bayes else fit, as_json))


@app.command("example")
def example_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Run the bundled example: BCG vaccine trials (Colditz et al., JAMA 1994), log risk ratio.

    The 13 trials are the classic dataset of metafor's ``dat.bcg``; the analysis
    is REML with z and Hartung-Knapp intervals and the Q-profile CI of tau².
    """
    source = resources.files("evisynth").joinpath("data/examples/bcg.csv")
    with resources.as_file(source) as path:
        df = read_table(path)
    lab = [f"{a} {y}" for a, y in zip(df["author"], df["year"], strict=True)]
    es = escalc("RR", ai=df["tpos"], bi=df["tneg"], ci=df["cpos"], di=df["cneg"], labels=lab)
    z = rma(es, method="REML")
    knha = rma(es, method="REML", test="knha")
    if as_json:
        typer.echo(json_text({"REML_z": z.to_dict(), "REML_knha": knha.to_dict(),
                              "tau2_ci": z.confint().to_dict()}))
        return
    typer.echo(
        "Example: BCG vaccine against tuberculosis, 13 trials (Colditz et al., JAMA 1994; "
        "data as in R metadat::dat.bcg)\nEffect measure: log risk ratio (vaccinated vs not)\n"
    )
    typer.echo(z.summary())
    typer.echo("\nHeterogeneity (Q-profile confidence intervals):")
    typer.echo(str(z.confint()))
    typer.echo("\nSame model with Hartung-Knapp-Sidik-Jonkman intervals:\n")
    typer.echo(knha.summary())
