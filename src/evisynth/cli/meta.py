"""``evisynth meta``: pool an ad-hoc CSV table; ``evisynth example``: the bundled example."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from evisynth.cli._app import app
from evisynth.cli._io import cell_text, check_outputs, json_text, show_path, write_output
from evisynth.cli._table import (
    Problems,
    match_column,
    numeric_cells,
    read_format,
    read_table,
    suggest,
)
from evisynth.effects import EffectSizes, escalc
from evisynth.errors import InputError
from evisynth.meta import bayesmeta, rma
from evisynth.meta._scale import analysis_scale, natural_block, natural_scale, study_rows
from evisynth.meta.bayes import BayesMetaResult
from evisynth.meta.glmm import GLMMResult, rma_glmm
from evisynth.meta.results import RMAResult

#: Raw-data columns each measure family can use (metafor argument names).
RAW_COLUMNS = (
    "ai", "bi", "ci", "di", "n1i", "n2i", "xi", "mi", "ni", "x1i", "x2i", "t1i", "t2i",
    "m1i", "m2i", "sd1i", "sd2i", "yi", "vi", "sei", "hr", "rr", "or_", "irr", "ratio",
    "ci_lb", "ci_ub", "pval", "ri", "ti", "sdi",
)


#: Columns whose cells may be empty: a study reports a CI or a p-value, not necessarily both.
OPTIONAL_CELLS = frozenset({"ci_lb", "ci_ub", "pval"})


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


def _labels(df: pd.DataFrame, labels: str | None, problems: Problems) -> list[str]:
    """Study labels from the ``--labels`` column, or ``row N`` (the CSV row) without one."""
    if labels is not None:
        col, _ = match_column(labels, df.columns)
        if col is not None:
            return df[col].astype(str).tolist()
        problems.missing(labels, "--labels")
    # Without a label column, studies are named by their CSV row so that every
    # error message points at the row to fix.
    return [f"row {i + 2}" for i in range(len(df))]


def raw_columns(
    df: pd.DataFrame, mapping: dict[str, str], problems: Problems, names: tuple[str, ...],
) -> dict[str, Any]:
    """The data arguments found in the table (given with --col or named like the argument)."""
    data: dict[str, Any] = {}
    used = set(mapping.values())
    for arg in names:
        if arg in mapping:
            col, _ = match_column(mapping[arg], df.columns)
            if col is None:
                problems.missing(mapping[arg], f"--col {arg}={mapping[arg]}", exclude=used)
                continue
        else:
            col, _ = match_column(arg, df.columns)
            if col is None or col in used:
                continue
        used.add(col)
        data[arg] = numeric_cells(df, col, problems, allow_empty=arg in OPTIONAL_CELLS)
    return data


def _hints(df: pd.DataFrame, data: dict[str, Any], mapping: dict[str, str],
           labels: str | None, names: tuple[str, ...]) -> str:
    """``; column 'ci_upper' was not used: did you mean --col ci_ub=ci_upper?`` hints."""
    used = {match_column(a, df.columns)[0] for a in data} | set(mapping.values()) | {labels}
    unused = [c for c in df.columns if c not in used]
    out = []
    for arg in names:
        if arg in data:
            continue
        for c in suggest(arg, unused):
            out.append(f"column {cell_text(c)} was not used: did you mean --col {arg}={c}?")
            unused.remove(c)
            break
    return "".join(f"; {h}" for h in out)


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
    """Read the table, compute effect sizes if asked, and pool them.

    Every missing column and bad cell of the file is reported in one
    :class:`~evisynth.errors.InputError` (see :mod:`evisynth.cli._table`).
    """
    df = read_table(path)
    problems = Problems(path, list(df.columns))
    lab = _labels(df, labels, problems)
    shown = show_path(path)
    if measure is None or measure.upper() == "GEN":
        cols: dict[str, Any] = {}
        for arg, name, flag in (("yi", yi, "--yi"), ("sei", sei, "--sei") if sei is not None
                                else ("vi", vi, "--vi")):
            col, _ = match_column(name, df.columns)
            if col is None:
                problems.missing(name, flag)
            else:
                cols[arg] = numeric_cells(df, col, problems)
        problems.raise_if_any()
        try:
            return rma(**cols, labels=lab, method=method, test=test, level=level)
        except InputError as exc:
            raise InputError(f"{shown}: {exc}", where=exc.where) from None
    data = raw_columns(df, mapping, problems, RAW_COLUMNS)
    problems.raise_if_any()
    try:
        es = escalc(measure, labels=lab, **data)
        return rma(es, method=method, test=test, level=level)
    except InputError as exc:
        hints = _hints(df, data, mapping, labels, RAW_COLUMNS)
        raise InputError(f"{shown}: {exc}{hints}", where=exc.where) from None


def fit_table_glmm(
    path: Path, *, measure: str | None, labels: str | None, mapping: dict[str, str],
    method: str, test: str, level: float,
) -> GLMMResult:
    """Read the table and fit a binomial/Poisson-normal GLMM (``rma_glmm``) to its counts."""
    if measure is None:
        raise InputError("option --glmm needs --measure PLO, OR or IRR", where="--measure")
    df = read_table(path)
    problems = Problems(path, list(df.columns))
    lab = _labels(df, labels, problems)
    data = raw_columns(df, mapping, problems, GLMM_COLUMNS)
    problems.raise_if_any()
    try:
        return rma_glmm(measure, labels=lab, method="FE" if method.upper() == "FE" else "ML",
                        test=test, level=level, **data)
    except InputError as exc:
        hints = _hints(df, data, mapping, labels, GLMM_COLUMNS)
        raise InputError(f"{show_path(path)}: {exc}{hints}", where=exc.where) from None


#: Count columns rma_glmm can use (metafor argument names).
GLMM_COLUMNS = ("xi", "ni", "mi", "ai", "bi", "ci", "di", "n1i", "n2i", "x1i", "t1i", "x2i",
                "t2i")


Fit = RMAResult | BayesMetaResult | GLMMResult

#: File types of --plot / --funnel.
FIGURE_SUFFIXES = ("png", "svg", "pdf")


def result_json(fit: Fit) -> dict[str, Any]:
    """``to_dict()`` plus the scales: ``measure``, ``scale`` (the analysis scale), ``natural``
    (the back-transformed location values with their ``scale``, or ``None`` when the
    analysis scale is the natural one) and ``studies`` (per-study rows, both scales)."""
    out = dict(fit.to_dict())
    m = fit.measure
    out["measure"] = m
    out["scale"] = analysis_scale(m)
    out["natural"] = natural_block(m, out)
    if not isinstance(fit, GLMMResult):
        out["studies"] = _studies(fit)
    return out


def _studies(fit: RMAResult | BayesMetaResult) -> list[dict[str, Any]]:
    weights = fit.weights if isinstance(fit, RMAResult) else None
    return study_rows(fit.yi, fit.vi, measure=fit.measure, level=fit.level,
                      labels=fit.labels, weights=weights)


def study_table(fit: RMAResult | BayesMetaResult) -> str:
    """The per-study table of the readable output: estimate, CI and weight, on the natural
    scale for ratio and proportion measures (the analysis scale otherwise)."""
    rows = _studies(fit)
    nat = natural_scale(fit.measure)
    scale = nat if nat is not None else analysis_scale(fit.measure)
    w = max(5, *(len(r["label"]) for r in rows))
    has_w = rows[0]["weight"] is not None
    lines = [f"Studies ({scale} scale; {fit.level:g}% Wald CI"
             + ("; model weights in %):" if has_w else "):"),
             f"{'study':{w}s} {'estimate':>9s} {'ci.lb':>9s} {'ci.ub':>9s}"
             + (f" {'weight':>7s}" if has_w else "")]
    for r in rows:
        v = r["natural"] if nat is not None else {"estimate": r["yi"], "ci_lb": r["ci_lb"],
                                                  "ci_ub": r["ci_ub"]}
        line = f"{r['label']:{w}s} {v['estimate']:9.4f} {v['ci_lb']:9.4f} {v['ci_ub']:9.4f}"
        if has_w:
            line += f" {r['weight']:6.2f}%"
        lines.append(line)
    return "\n".join(lines)


def render(fit: Fit, as_json: bool, note: str = "") -> str:
    """JSON (:func:`result_json`) or the summary followed by the per-study table."""
    if as_json:
        return json_text(result_json(fit))
    text = fit.summary()
    if not isinstance(fit, GLMMResult):
        text += "\n\n" + study_table(fit)
    return (note + "\n\n" + text) if note else text


def _figure_path(path: Path | None, option: str) -> None:
    if path is not None and path.suffix.lower().lstrip(".") not in FIGURE_SUFFIXES:
        raise InputError(f"option {option} {show_path(path)}: use a .png, .svg or .pdf file "
                         "name", where=option)


def figure_bytes(fig: Any, path: Path) -> bytes:
    """A figure in the format named by ``path``'s suffix (SVG with its alternative text)."""
    from evisynth.plots import to_png, to_svg

    suffix = path.suffix.lower().lstrip(".")
    if suffix == "svg":
        return to_svg(fig).encode("utf-8")
    if suffix == "png":
        return to_png(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata={"Creator": "evisynth"})
    return buf.getvalue()


def _figures(fit: Fit, plot: Path | None, funnel_path: Path | None) -> dict[Path, bytes]:
    """Draw the requested figures (nothing is written here, so a refusal writes nothing)."""
    from evisynth.plots import FUNNEL_MIN_K, forest, funnel, funnel_refusal

    out: dict[Path, bytes] = {}
    if plot is not None:
        if isinstance(fit, GLMMResult):
            raise InputError("option --plot: no forest plot for --glmm fits; drop --glmm to "
                             "plot the inverse-variance analysis", where="--plot")
        out[plot] = figure_bytes(forest(fit), plot)
    if funnel_path is not None:
        if not isinstance(fit, RMAResult):
            raise InputError("option --funnel: a funnel plot needs the rma fit; drop --bayes "
                             "and --glmm", where="--funnel")
        refusal = funnel_refusal(fit.k)
        if refusal is not None:
            raise InputError(f"option --funnel: {refusal}", where="--funnel")
        out[funnel_path] = figure_bytes(funnel(fit, min_k=FUNNEL_MIN_K), funnel_path)
    return out


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
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON: the keys "
                       "of to_dict() (analysis scale) plus measure, scale, natural "
                       "(back-transformed, with its scale) and studies.")]
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
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Write a forest plot (.png, .svg or .pdf).")] = None,
    funnel_file: Annotated[Path | None, typer.Option(
        "--funnel", help="Write a funnel plot (.png, .svg or .pdf); refused (exit 2, nothing "
        "written) with fewer than 10 studies.")] = None,
) -> None:
    """Pool the studies of a CSV table (random- or fixed-effects meta-analysis).

    The separator (comma, semicolon, tab) and a decimal comma are detected;
    columns match ignoring case; every problem of the file is reported at once.
    The output ends with a per-study table (natural scale for ratios and
    proportions); --json gives both the analysis scale and the natural scale.
    """
    _figure_path(plot, "--plot")
    _figure_path(funnel_file, "--funnel")
    check_outputs({"--plot": plot, "--funnel": funnel_file}, [file])
    if tau_prior is not None and not bayes:
        raise InputError("option --tau-prior needs --bayes", where="--tau-prior")
    result: Fit
    if glmm:
        result = fit_table_glmm(file, measure=measure, labels=labels,
                                mapping=parse_mapping(col), method=method, test=test,
                                level=level)
    else:
        fit = fit_table(
            file, measure=measure, yi=yi, vi=vi, sei=sei, labels=labels,
            mapping=parse_mapping(col), method="FE" if bayes else method, test=test,
            level=level,
        )
        result = bayes_fit(fit, tau_prior, level) if bayes else fit
    fmt = read_format(file)
    df_note = f"Read {show_path(file)} as {fmt}." if fmt else ""
    figures = _figures(result, plot, funnel_file)
    for path, data in figures.items():
        write_output(path, data)
    typer.echo(render(result, as_json, df_note))
    for path in figures:
        typer.echo(f"Wrote {show_path(path)}", err=True)


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
