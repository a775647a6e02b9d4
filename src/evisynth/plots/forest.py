"""Forest plots of a meta-analysis and of a subgroup analysis.

Layout (one row per study, as in RevMan and metafor's ``forest.rma``): study
label, optional note column (e.g. verification status), the estimate with its
confidence interval drawn on the display scale (log axis for ratio measures),
then the weight and the numbers. Squares have an *area* proportional to the
study's model weight (Lewis & Clarke 2001); the pooled estimate is a diamond
whose width is its confidence interval; the prediction interval (Higgins,
Thompson & Spiegelhalter 2009; IntHout et al. 2016) is a separate row drawn as a
bar with end caps. Under the axis: optional "← Favours A" / "Favours B →"
labels either side of the null (``favours=``; the left label is for values
below the null), the heterogeneity line (tau², I², Q, df, p) and the test of
the overall effect. Binary outcomes can show events/N per arm (``counts=``)
before the plot, RevMan style, with the sums on the pooled row. Numbers are
never in E notation (proportions as percentages). Every figure carries
alternative text describing the studies and the pooled result.

Everything is black or grey and every element is told apart by shape (square,
diamond, open diamond, capped bar, arrow), so the figure reads in grayscale.
The figure size is computed from the measured width of every text column, so no
text overlaps for any label length.

References
----------
Lewis S, Clarke M (2001). Forest plots: trying to see the wood and the trees.
BMJ 322:1479-1480.

IntHout J, Ioannidis JPA, Rovers MM, Goeman JJ (2016). Plea for routinely
presenting prediction intervals in meta-analysis. BMJ Open 6:e010247.

Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3) (``forest.rma``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from evisynth._validation import check_bool
from evisynth.errors import InputError
from evisynth.meta.bayes import BayesMetaResult
from evisynth.meta.results import RMAResult
from evisynth.meta.subgroup import SubgroupResult
from evisynth.plots._common import check_fit, check_texts, resolve_scale
from evisynth.plots._forest_layout import _layout
from evisynth.plots._forest_rows import (
    Counts,
    _between_text,
    _check_counts,
    _check_counts_labels,
    _check_favours,
    _count_totals,
    _describe,
    _effect_text,
    _het_text,
    _model_label,
    _pooled_rows,
    _Row,
    _study_rows,
)
from evisynth.plots._io import set_alt

__all__ = ["forest", "forest_subgroups"]


def _check_common(annotate: Any, show_weights: Any, show_pi: Any, digits: Any) -> int:
    check_bool("annotate", annotate)
    check_bool("show_weights", show_weights)
    check_bool("show_pi", show_pi)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 6:
        raise InputError(
            f"argument 'digits': expected a whole number from 0 to 6, got {digits!r}",
            where="digits",
        )
    return digits


def forest(
    fit: RMAResult | BayesMetaResult,
    *,
    transf: Any = None,
    labels: Sequence[str] | None = None,
    annotate: bool = True,
    show_weights: bool | None = None,
    show_pi: bool = True,
    title: str | None = None,
    study_notes: Sequence[str] | None = None,
    notes_title: str = "Note",
    xlabel: str | None = None,
    digits: int = 2,
    favours: tuple[str, str] | None = None,
    counts: Sequence[Counts | None] | None = None,
    counts_labels: tuple[str, str] = ("Intervention", "Comparator"),
    alt: str | None = None,
) -> Figure:
    """Forest plot of a meta-analysis.

    Parameters
    ----------
    fit
        Result of :func:`evisynth.rma` (or of :func:`evisynth.bayesmeta`: then
        :func:`evisynth.plots.bayes.forest_bayes` draws it).
    transf
        Display scale. ``None`` (default) chooses from ``fit.measure``: the ratio
        scale with a log axis for log-ratio measures (HR, RR, OR, ...), the
        proportion for ``PLO``/``PAS``/``PR``, the analysis scale otherwise.
        ``"exp"`` forces the ratio scale (e.g. for ``measure="GEN"`` log ratios),
        ``"identity"`` the analysis scale; a function (e.g.
        :func:`evisynth.transforms.ilogit`) is applied as given on a linear axis.
    labels
        Study labels, one per study; default ``fit.labels`` or ``Study 1, 2, ...``.
    annotate
        Show the column of estimates with their confidence intervals.
    show_weights
        Show the column of model weights (percent); default yes for an rma
        fit. A Bayesian fit has no weight column (``True`` is refused).
    show_pi
        Show the prediction interval row (random-effects models with k ≥ 2).
    title
        Title above the plot.
    study_notes
        One short text per study, shown in a column headed ``notes_title``
        (the report puts each estimate's verification status there).
    notes_title
        Header of the note column.
    xlabel
        Axis label; default the measure's name and the scale.
    digits
        Decimals of the numbers in the CI column. Numbers are never in E
        notation: ratios too small or too large for ``digits`` are written
        ``0.0015``, ``<0.0001``, ``1,235``, ``>100,000``
        (:func:`~evisynth.plots._common.fmt_num`); proportions are percentages
        with ``digits - 1`` decimals, ``<0.1%`` and ``>99.9%`` near the ends
        (:func:`~evisynth.plots._common.fmt_pct`).
    favours
        ``(left_label, right_label)``: printed under the axis as
        ``← Favours left_label`` ending at the null line and
        ``Favours right_label →`` starting from it. *Left is below the null*:
        for ratio measures (HR, RR, OR) values below 1, for differences values
        below 0. So for an outcome where fewer events are better (death,
        progression) and the intervention is the first arm, give
        ``(intervention, comparator)``; for a good outcome (response),
        ``(comparator, intervention)``. Refused for measures without a null
        effect (single-group proportions).
    counts
        Events and participants per arm for binary outcomes, one entry per
        study: ``(events_int, n_int, events_comp, n_comp)``, or ``None`` for a
        study without counts (e.g. one that reports only a hazard ratio);
        single-arm studies give ``(events, n, None, None)``. Shown as
        ``events/N`` columns before the plot, one per arm that has any
        counts; the pooled row shows the sums when every study gives them.
    counts_labels
        Headers of the two count columns (intervention, comparator).
    alt
        Alternative text of the figure (see :func:`evisynth.plots.to_svg`);
        default a description built from the fit: the number of studies, the
        pooled estimate, its interval and the heterogeneity.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (Agg canvas; serialise with :func:`evisynth.plots.to_svg`,
        which writes its alternative text, :func:`evisynth.plots.get_alt`).

    Raises
    ------
    InputError
        If ``fit`` is not an RMAResult, ``labels``/``study_notes``/``counts`` do
        not have one entry per study, a count is not a whole number ≥ 0 (or
        events exceed n), ``favours`` is not two labels or the measure has no
        null effect, ``transf`` is unknown, or a switch is not a boolean.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.5, -0.2, -0.9], vi=[0.04, 0.09, 0.06], labels=["A", "B", "C"])
    >>> fig = forest(fit, transf="exp", title="Example", favours=("treatment", "control"),
    ...              counts=[(10, 50, 18, 50), (7, 40, 9, 41), None])
    >>> bool(fig.get_figwidth() > 5)
    True
    >>> from evisynth.plots import get_alt
    >>> get_alt(fig).split(".")[0]
    'Forest plot: Example'
    """
    if isinstance(fit, BayesMetaResult):  # Bayesian fit: data and shrunken estimates
        from evisynth.plots.bayes import forest_bayes

        if show_weights:
            raise InputError("argument 'show_weights': a Bayesian forest plot has no weight "
                             "column; leave 'show_weights' out", where="show_weights")
        return forest_bayes(fit, transf=transf, labels=labels, annotate=annotate,
                            show_pi=show_pi, title=title, study_notes=study_notes,
                            notes_title=notes_title, xlabel=xlabel, digits=digits,
                            favours=favours, counts=counts, counts_labels=counts_labels,
                            alt=alt)
    fit = check_fit(fit)
    show_weights = True if show_weights is None else show_weights
    digits = _check_common(annotate, show_weights, show_pi, digits)
    if labels is not None:
        labs = check_texts("labels", labels, fit.k)
    elif fit.labels is not None:
        labs = tuple(fit.labels)
    else:
        labs = tuple(f"Study {i + 1}" for i in range(fit.k))
    notes = check_texts("study_notes", study_notes, fit.k) if study_notes is not None else None
    scale = resolve_scale(fit.measure, transf, xlabel)
    fav = _check_favours(favours, scale, fit.measure)
    cl = _check_counts_labels(counts_labels)
    ctexts = _check_counts(counts, fit.k) if counts is not None else None
    rows = _study_rows(fit, scale, labs, notes or ("",) * fit.k, digits, ctexts)
    rows += _pooled_rows(fit, scale, show_pi, digits, kind="pooled", label=_model_label(fit),
                         counts=_count_totals(ctexts) if ctexts else ("", ""))
    fig = _layout(
        rows,
        scale,
        level=fit.level,
        annotate=annotate,
        show_weights=show_weights,
        notes_title=notes_title if notes is not None else None,
        footer=[_het_text(fit), _effect_text(fit)],
        title=title,
        digits=digits,
        favours=fav,
        counts_labels=cl if ctexts is not None else None,
    )
    return set_alt(fig, alt if alt is not None else _describe(rows, scale, fav, title,
                                                                 [_het_text(fit)]))


def _check_per_group(name: str, value: Any, groups: Mapping[str, Any]) -> None:
    """``value`` (if given) must be a mapping with exactly the group names of ``groups``."""
    if value is not None and (not isinstance(value, Mapping) or set(value) != set(groups)):
        raise InputError(
            f"argument {name!r}: expected a mapping with the same group names as "
            f"'result' ({', '.join(repr(str(g)) for g in groups)})",
            where=name,
        )


def forest_subgroups(
    result: SubgroupResult | Mapping[str, RMAResult],
    *,
    between: str | None = None,
    overall: RMAResult | None = None,
    transf: Any = None,
    annotate: bool = True,
    show_weights: bool = True,
    show_pi: bool = False,
    title: str | None = None,
    study_notes: Mapping[str, Sequence[str]] | None = None,
    notes_title: str = "Note",
    xlabel: str | None = None,
    digits: int = 2,
    favours: tuple[str, str] | None = None,
    counts: Mapping[str, Sequence[Counts | None]] | None = None,
    counts_labels: tuple[str, str] = ("Intervention", "Comparator"),
    alt: str | None = None,
) -> Figure:
    """Forest plot of a subgroup analysis: one block of studies and a subtotal per group.

    Parameters
    ----------
    result
        The result of :func:`evisynth.subgroup` (its groups in their order, and
        its test for subgroup differences as the ``between`` line), or a mapping
        of group name → the :func:`evisynth.rma` fit of that group's studies, in
        the order to show. All fits must share one measure.
    between
        The test for subgroup differences as a line of text (e.g.
        ``"Test for subgroup differences: Q = 4.1, df = 1, p = 0.043"``), shown
        under the axis; default: built from a SubgroupResult, omitted for a mapping.
    overall
        Optional fit of all studies together, shown as a filled diamond after
        the groups.
    transf, annotate, show_pi, title, notes_title, xlabel, digits, favours, counts_labels, alt
        As in :func:`forest`. Prediction intervals are off by default here.
    show_weights
        Show each study's weight *within its group* (percent).
    study_notes
        Mapping of group name → one note per study of that group.
    counts
        Mapping of group name → one ``(events_int, n_int, events_comp, n_comp)``
        tuple (or ``None``) per study of that group, as in :func:`forest`;
        subtotals show the group sums.

    Returns
    -------
    matplotlib.figure.Figure
        The figure. Subtotal diamonds are open, the overall diamond is filled.

    Raises
    ------
    InputError
        If ``result`` is empty or not a mapping of fits, the fits mix measures,
        ``study_notes`` or ``counts`` do not match the groups, or as :func:`forest`.

    Examples
    --------
    >>> import evisynth as ev
    >>> a = ev.rma(yi=[-0.5, -0.2], vi=[0.04, 0.09], labels=["A", "B"])
    >>> b = ev.rma(yi=[-0.9, -0.1, -0.4], vi=[0.06, 0.05, 0.08], labels=["C", "D", "E"])
    >>> fig = forest_subgroups({"RCT": a, "Observational": b}, transf="exp")
    >>> bool(fig.get_figheight() > 3)
    True
    """
    if isinstance(result, SubgroupResult):
        if between is None:
            between = _between_text(result)
        result = result.groups
    if not isinstance(result, Mapping) or not result:
        raise InputError(
            "argument 'result': expected the result of evisynth.subgroup or a non-empty "
            f"mapping of group name → rma fit, got {type(result).__name__}",
            where="result",
        )
    groups: Mapping[str, RMAResult] = result
    fits = {str(g): check_fit(f, f"result[{g!r}]") for g, f in groups.items()}
    if overall is not None:
        check_fit(overall, "overall")
    measures = {f.measure for f in fits.values()} | ({overall.measure} if overall else set())
    if len(measures) > 1:
        raise InputError(
            f"argument 'result': the fits mix measures {sorted(measures)}; a subgroup forest "
            "shows one measure",
            where="result",
        )
    if between is not None and not isinstance(between, str):
        raise InputError(
            f"argument 'between': expected a line of text, got {type(between).__name__}",
            where="between",
        )
    _check_per_group("study_notes", study_notes, groups)
    _check_per_group("counts", counts, groups)
    digits = _check_common(annotate, show_weights, show_pi, digits)
    first = next(iter(fits.values()))
    scale = resolve_scale(first.measure, transf, xlabel)
    fav = _check_favours(favours, scale, first.measure)
    cl = _check_counts_labels(counts_labels)
    level = first.level
    rows: list[_Row] = []
    all_counts: list[tuple[str, str]] = []
    for (g, fit), key in zip(fits.items(), groups, strict=True):
        labs = fit.labels or tuple(f"Study {i + 1}" for i in range(fit.k))
        notes = (check_texts(f"study_notes[{g!r}]", study_notes[key], fit.k)
                 if study_notes is not None else ("",) * fit.k)
        ct = (_check_counts(counts[key], fit.k, f"counts[{g!r}]") if counts is not None
              else None)
        all_counts += ct or []
        rows.append(_Row("header", g))
        rows += _study_rows(fit, scale, labs, notes, digits, ct)
        rows += _pooled_rows(fit, scale, show_pi, digits, kind="subtotal",
                             label=f"Subtotal (k = {fit.k})",
                             counts=_count_totals(ct) if ct else ("", ""))
        rows.append(_Row("text", _het_text(fit)))
    if overall is not None:
        tot = ("", "")
        if counts is not None and len(all_counts) == overall.k:
            tot = _count_totals(all_counts)
        rows += _pooled_rows(overall, scale, show_pi, digits, kind="pooled",
                             label=_model_label(overall, "Overall: "), counts=tot)
    footer = []
    if overall is not None:
        footer += [_het_text(overall).replace("Heterogeneity", "Overall heterogeneity"),
                   _effect_text(overall)]
    if between:
        footer.append(between)
    fig = _layout(
        rows,
        scale,
        level=level,
        annotate=annotate,
        show_weights=show_weights,
        notes_title=notes_title if study_notes is not None else None,
        footer=footer,
        title=title,
        digits=digits,
        favours=fav,
        counts_labels=cl if counts is not None else None,
    )
    return set_alt(fig, alt if alt is not None else _describe(rows, scale, fav, title, footer))
