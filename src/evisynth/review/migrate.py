"""``evisynth migrate``: rewrite a version-1 review folder in format version 2.

Version 1 named the arms after one review (``product``, ``n_cart``,
``events_cart``, ``n_control``, ``events_control``); version 2 is arm-neutral
(``intervention``, ``n_int``, ``events_int``, ``n_comp``, ``events_comp``). The
loader still reads version-1 folders; this rewrites one so that it no longer
needs the translation. Only the header rows of the CSV files, the
``format_version`` line and subgroup ``column`` values change; every other
byte is kept.
"""

from __future__ import annotations

import csv
import io
import re
import stat
from pathlib import Path

from evisynth._io import write_atomic
from evisynth.review.errors import Problem, ReviewError
from evisynth.review.load import CSV_FILES, TOML_FILE, V1_COLUMNS, load_review

__all__ = ["migrate_review"]


def _write(path: Path, text: str) -> None:
    # Keep the file's own permissions: the migrated file replaces it in place.
    write_atomic(path, text, mode=stat.S_IMODE(path.stat().st_mode))


def _migrated_csv(text: str) -> str:
    first, sep, rest = text.partition("\n")
    eol = "\r\n" if first.endswith("\r") else "\n"
    header = next(csv.reader([first.rstrip("\r").removeprefix("\ufeff")]))
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol).writerow([V1_COLUMNS.get(c.strip(), c)
                                                   for c in header])
    return buf.getvalue() + rest if sep else buf.getvalue()


def _migrated_toml(text: str) -> str:
    text, n = re.subn(r"(?m)^(\s*format_version\s*=\s*)1(\s*(#.*)?)$", r"\g<1>2\2", text)
    if n != 1:
        raise ValueError("no 'format_version = 1' line")
    for old, new in V1_COLUMNS.items():
        text = re.sub(rf'(?m)^(\s*column\s*=\s*)"{old}"', rf'\1"{new}"', text)
    return text


def migrate_review(path: str | Path) -> list[str]:
    """Rewrite a version-1 review folder in place as format version 2.

    The folder is loaded first (it must be a valid version-1 review) and again
    after the rewrite; the files are replaced atomically.

    Parameters
    ----------
    path
        The review folder.

    Returns
    -------
    list of str
        The files that were rewritten (empty when the folder is already version 2).

    Raises
    ------
    ReviewError
        The folder is not a valid review, or its format version is not 1 or 2.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from evisynth.review import bundled_path
    >>> tmp = Path(tempfile.mkdtemp()) / "km"
    >>> _ = shutil.copytree(bundled_path("example_km"), tmp)
    >>> migrate_review(tmp)
    ['review.toml', 'studies.csv', 'outcomes.csv', 'risk_of_bias.csv']
    >>> load_review(tmp).format_version
    2
    """
    folder = Path(path)
    review = load_review(folder)
    if review.format_version == 2:
        return []
    toml_path = folder / TOML_FILE
    try:
        toml_text = _migrated_toml(toml_path.read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        raise ReviewError(str(folder), [Problem(TOML_FILE, None, "format_version",
                                                f"cannot migrate: {exc}")]) from None
    new = {TOML_FILE: toml_text}
    for name in CSV_FILES:
        p = folder / name
        if p.is_file():
            new[name] = _migrated_csv(p.read_text(encoding="utf-8-sig"))
    for name, text in new.items():
        _write(folder / name, text)
    load_review(folder)
    return list(new)
