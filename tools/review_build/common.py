"""What every review build shares: numbered source rows, CSV and TOML text, the writing.

Both ``tools/build_cart_review.py`` and ``tools/build_bcg_review.py`` read a source
table whose rows are named by their spreadsheet number (header = row 1), write the
review folder's files as UTF-8 text with LF line ends, and stop with one error line
(exit 2, nothing written) when the source is not what the build expects.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any


class BuildError(Exception):
    """The source table does not match what the build expects (nothing is written)."""


# =========================================================================== reading


def numbered_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV table, numbered as in a spreadsheet (first data row = 2)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(enumerate(csv.DictReader(fh), start=2))


# =========================================================================== CSV writing


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, str]]) -> str:
    """A CSV table with these columns (missing cells empty), LF line ends."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buf.getvalue()


# =========================================================================== TOML writing


def toml_str(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise BuildError(f"cannot write {value!r} as TOML")


def toml_table(name: str | None, values: dict[str, Any], array: bool = False) -> list[str]:
    lines = [] if name is None else [f"[[{name}]]" if array else f"[{name}]"]
    for key, value in values.items():
        if value is None or value == "":
            continue
        if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
            key = toml_str(key)
        if isinstance(value, list) and len(toml_value(value)) > 90:
            items = [f"  {toml_value(v)}," for v in value]
            lines += [f"{key} = [", *items, "]"]
        else:
            lines.append(f"{key} = {toml_value(value)}")
    return [*lines, ""]


def comment(text: str) -> list[str]:
    words, lines, line = text.split(), [], "#"
    for w in words:
        if len(line) + 1 + len(w) > 92:
            lines.append(line)
            line = "#"
        line += " " + w
    return [*lines, line]


# =========================================================================== writing


def write(files: dict[str, str], out: Path) -> None:
    """Write the files (UTF-8, LF), each atomically (temporary file, then rename)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(text.encode("utf-8"))
        tmp.replace(out / name)


def build_and_write(
    prog: str,
    build: Callable[[], dict[str, str]],
    out: Path,
    errors: tuple[type[Exception], ...] = (BuildError, OSError),
) -> int:
    """Run a build and write its files; on ``errors`` one line to stderr, exit code 2.

    Nothing is written unless the whole build succeeded.
    """
    try:
        files = build()
    except errors as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    write(files, out)
    print(f"wrote {', '.join(files)} to {out}")
    return 0
