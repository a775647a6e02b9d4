"""Assembling a :class:`~evisynth.review.Review` from a folder: read, check, build.

:func:`load_review` reads ``review.toml`` and the CSV tables
(:mod:`~evisynth.review.load.read`), checks the links between them
(:mod:`~evisynth.review.load.check` and the cost-effectiveness inputs), and
builds the review only when nothing is wrong; otherwise every problem is raised
together as one :class:`~evisynth.review.ReviewError`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from evisynth.review._review import Review, ReviewToml
from evisynth.review.cea import check_cea
from evisynth.review.errors import Problem, ReviewError
from evisynth.review.load.check import check_links
from evisynth.review.load.read import CSV_FILES, TOML_FILE, Rows, read_csv, read_curves, read_toml

__all__ = ["bundled_path", "load_bundled", "load_review"]


def load_review(path: str | Path) -> Review:
    """Load and check a review folder.

    Parameters
    ----------
    path
        The folder holding ``review.toml``, ``studies.csv``, ``outcomes.csv``,
        ``risk_of_bias.csv`` and optionally ``published.csv``.

    Returns
    -------
    Review
        The typed, immutable review.

    Raises
    ------
    ReviewError
        Listing every problem found (file, row, column and reason), not just the first.

    Examples
    --------
    >>> from evisynth.review import bundled_path
    >>> review = load_review(bundled_path("cart_dlbcl"))
    >>> review.analysis.method, review.analysis.test
    ('REML', 'knha')
    """
    folder = Path(path)
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise ReviewError(
            str(path), [Problem(str(path), None, None, f"{what}; give a review folder")]
        )
    problems: list[Problem] = []
    header = read_toml(folder, problems)
    version = 2 if header is None else header.toml.format_version
    tables = {name: read_csv(folder, name, model, required, problems, version)
              for name, (model, required) in CSV_FILES.items()}
    if header is not None:
        problems.extend(check_links(header, tables))
        if "cea" not in header.bad_fields:
            problems.extend(check_cea(folder, header.toml.cea,
                                      [o.key for o in header.toml.outcomes],
                                      [e.id for e in header.toml.exclusions]))
    curves = read_curves(folder, header, problems)
    if problems or header is None:
        raise ReviewError(str(path), problems)
    return Review(
        **{k: getattr(header.toml, k) for k in ReviewToml.model_fields},
        curve_tables=curves,
        studies=_items(tables["studies.csv"]),
        rows=_items(tables["outcomes.csv"]),
        risk_of_bias=_items(tables["risk_of_bias.csv"]),
        published=_items(tables["published.csv"]),
        path=str(folder),
    )


def bundled_path(name: str = "cart_dlbcl") -> Path:
    """Folder of a review shipped with evisynth (``evisynth/data/reviews/<name>``).

    Raises
    ------
    InputError
        No bundled review of that name.

    Examples
    --------
    >>> bundled_path("cart_dlbcl").name
    'cart_dlbcl'
    """
    base = Path(str(resources.files("evisynth") / "data" / "reviews"))
    folder = base / name
    if not (folder / TOML_FILE).is_file():
        have = sorted(p.name for p in base.iterdir() if (p / TOML_FILE).is_file())
        raise ReviewError(
            name,
            [Problem(name, None, None,
                     f"no bundled review of that name; bundled: {', '.join(have) or 'none'}")],
        )
    return folder


def load_bundled(name: str = "cart_dlbcl") -> Review:
    """Load a review shipped with evisynth (default: the CAR-T vs salvage chemotherapy review).

    Raises
    ------
    ReviewError
        No bundled review of that name (or, in a broken installation, its problems).

    Examples
    --------
    >>> load_bundled().title.startswith("CAR-T")
    True
    """
    return load_review(bundled_path(name))


def _items(rows: Rows) -> tuple[Any, ...]:
    """The parsed rows of one table, in file order."""
    return tuple(item for _, item in rows.items)

