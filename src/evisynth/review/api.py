"""Running a whole review from Python: ``ev.run_review(path)``.

A thin layer over what ``evisynth run`` does (:func:`~evisynth.review.load_review`,
:func:`~evisynth.review.analyse.analyse_review`,
:func:`~evisynth.report.build_report`): the results come back as an object that
shows itself in a notebook, lists its outcomes as a table and writes the report
folder.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import Any

from evisynth.errors import InputError
from evisynth.review.analyse import ReviewResults as _AnalysisResults
from evisynth.review.analyse import analyse_review
from evisynth.review.load import load_bundled, load_review

__all__ = ["ReviewResults", "review_format_doc", "run_review"]

#: Files :meth:`ReviewResults.write` puts in the output folder.
REPORT_FILES = ("report.html", "report.md", "results.json")


@dataclasses.dataclass(frozen=True)
class ReviewResults(_AnalysisResults):
    """Results of :func:`run_review`: every analysis of a review, ready to read or write.

    The same data as :class:`evisynth.review.analyse.ReviewResults` (``review``,
    ``outcomes``, ``sof``, ``reanalyses``, ``to_dict()`` = ``results.json``),
    with a notebook display, :meth:`to_frame`, :meth:`report` and :meth:`write`.
    """

    def to_frame(self) -> Any:
        """One row per outcome and design stratum (pandas DataFrame).

        Columns: ``outcome`` (key), ``label``, ``design``, ``measure``, ``k``
        (studies), ``estimate``, ``ci_lb``, ``ci_ub``, ``pi_lb``, ``pi_ub`` on the
        reporting (natural) scale, as the report leads with them (the headline
        model's numbers), ``model`` (``frequentist``, ``bayes`` or ``glmm``),
        ``tau2`` and ``I2`` of the plan's ``rma`` fit, and ``certainty`` (GRADE,
        empty when not rated). Outcomes without an analysis have one row with
        ``k = 0``.

        Examples
        --------
        >>> import evisynth as ev
        >>> res = ev.run_review("bcg_vaccine")
        >>> res.to_frame()[["outcome", "design", "k"]].values.tolist()
        [['tb', 'randomised', 7], ['tb', 'quasi-randomised', 6]]
        """
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for oa in self.outcomes:
            base = {"outcome": oa.outcome.key, "label": oa.outcome.label,
                    "measure": oa.outcome.measure}
            if not oa.strata:
                rows.append({**base, "design": None, "k": 0})
                continue
            for s in oa.strata:
                rep = s.reported
                rows.append({
                    **base, "design": s.design, "k": s.k,
                    **{key: rep[key] for key in ("estimate", "ci_lb", "ci_ub", "pi_lb",
                                                 "pi_ub")},
                    "model": "frequentist" if s.headline is None else s.headline.model,
                    "tau2": s.fit.tau2, "I2": s.fit.I2,
                    "certainty": None if s.certainty is None else s.certainty.certainty,
                })
        cols = ["outcome", "label", "design", "measure", "k", "estimate", "ci_lb", "ci_ub",
                "pi_lb", "pi_ub", "model", "tau2", "I2", "certainty"]
        return pd.DataFrame(rows, columns=cols)

    def report(self, *, version: str | None = None, compare: str | Path | None = None) -> Any:
        """The report texts (:class:`evisynth.report.ReviewReport`): HTML, Markdown, JSON.

        ``compare`` is the ``results.json`` of a previous run (adds "What changed").
        """
        import json

        import evisynth
        from evisynth.report import build_report, results_json
        from evisynth.review.compare import compare_results, read_results

        changes = None
        if compare is not None:
            previous = read_results(Path(compare))
            changes = compare_results(previous, json.loads(results_json(self)),
                                      previous=str(compare))
        return build_report(self, version=version or evisynth.__version__, changes=changes)

    def write(self, out_dir: str | Path, *, compare: str | Path | None = None) -> dict[str, Path]:
        """Write ``report.html``, ``report.md`` and ``results.json`` into ``out_dir``.

        The three files are replaced as one set (as ``evisynth run`` does): a
        reader never sees files of two runs mixed.

        Parameters
        ----------
        out_dir
            Folder (created if missing). It must not be the review folder itself.
        compare
            ``results.json`` of a previous run, for the "What changed" section.

        Returns
        -------
        dict
            File name → path written.

        Raises
        ------
        InputError
            ``out_dir`` is a file, or the review's own folder.

        Examples
        --------
        >>> import tempfile, evisynth as ev
        >>> res = ev.run_review("bcg_vaccine")
        >>> sorted(res.write(tempfile.mkdtemp()))
        ['report.html', 'report.md', 'results.json']
        """
        from evisynth.cli.run import replace_file_set

        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise InputError(f"argument 'out_dir': {out} exists and is not a folder; give a "
                             "folder path", where="out_dir")
        folder = getattr(self.review, "path", None)
        if folder is not None and out.resolve() == Path(folder).resolve():
            raise InputError(f"argument 'out_dir': {out} is the review folder; write the "
                             "report to another folder", where="out_dir")
        replace_file_set(out, self.report(compare=compare).files())
        return {name: out / name for name in REPORT_FILES}

    def summary(self) -> str:
        """One line per outcome and stratum: estimate [CI], k, certainty."""
        lines = [self.review.title, ""]
        for r in self.to_frame().to_dict("records"):
            if r["k"] == 0:
                lines.append(f"{r['label']}: not analysed")
                continue
            cert = f"; certainty {r['certainty']}" if r["certainty"] else ""
            lines.append(f"{r['label']} ({r['design']}, {r['measure']}, k = {r['k']}): "
                         f"{r['estimate']:.3g} [{r['ci_lb']:.3g}, {r['ci_ub']:.3g}]{cert}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        table = frame.to_html(index=False, na_rep="", float_format=lambda x: f"{x:.4g}")
        return (f"<div><strong>{html.escape(self.review.title)}</strong><br>"
                "Estimates on the reporting scale (ratios, proportions) from each "
                f"outcome's headline model; .write(folder) writes the report.{table}</div>")


def review_format_doc() -> Path:
    """Path of the review-format documentation installed with evisynth (Markdown).

    The same text as the documentation site's "Review folders" page; ``evisynth
    new`` and the ``review.toml`` template point to it.

    Returns
    -------
    pathlib.Path
        ``.../evisynth/data/docs/review-format.md`` inside the installed package.

    Raises
    ------
    FileNotFoundError
        In a broken installation without the package data.

    References
    ----------
    Python ``importlib.resources`` (package data).

    Examples
    --------
    >>> import evisynth as ev
    >>> p = ev.review_format_doc()
    >>> p.name, p.is_file(), p.read_text(encoding="utf-8").startswith("#")
    ('review-format.md', True, True)
    """
    from importlib import resources

    path = Path(str(resources.files("evisynth").joinpath("data/docs/review-format.md")))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the review-format page is missing from the "
                                "installation; reinstall evisynth")
    return path


def run_review(path: str | Path) -> ReviewResults:
    """Load a review folder, run every analysis and return the results.

    Parameters
    ----------
    path
        A review folder (``review.toml`` + CSV tables; see the review-format
        page, :func:`evisynth.review_format_doc`), or the name of a review
        bundled with evisynth (``"cart_dlbcl"``, ``"bcg_vaccine"``) when no
        folder of that name exists.

    Returns
    -------
    ReviewResults
        Shows itself in a notebook; :meth:`ReviewResults.write` writes the report.

    Raises
    ------
    evisynth.review.ReviewError
        The folder has problems (all of them are listed).
    InputError
        ``path`` is neither a folder nor a bundled review.

    References
    ----------
    Page MJ et al. (2021). The PRISMA 2020 statement. BMJ 372:n71.

    Examples
    --------
    >>> import evisynth as ev
    >>> res = ev.run_review("bcg_vaccine")
    >>> res.outcomes[0].outcome.key, res.outcomes[0].primary.k
    ('tb', 7)
    """
    p = Path(path)
    if p.is_dir():
        review = load_review(p)
    elif isinstance(path, str) and "/" not in path and "\\" not in path and not p.exists():
        review = load_bundled(path)
    else:
        raise InputError(f"argument 'path': {path} is not a review folder", where="path")
    res = analyse_review(review)
    return ReviewResults(**{f.name: getattr(res, f.name) for f in dataclasses.fields(res)})
