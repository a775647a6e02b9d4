"""What every command shares: standard JSON, output paths that never overwrite inputs,
files written whole or not at all, and short echoes of user text.

JSON rule (documented in the README): output is standard JSON (RFC 8259). A number
that is not finite is written as a string, ``"inf"`` or ``"-inf"``, and NaN (a
value that is not defined, e.g. the degrees of freedom of a z-test) as ``null``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from evisynth._io import write_atomic
from evisynth._json import plain_json
from evisynth._validation import shorten
from evisynth.errors import InputError

#: Longest path echoed in a message (its end, where the file name is, is kept).
MAX_PATH_ECHO = 120


def json_text(obj: Any, **kwargs: Any) -> str:
    """Standard JSON text of ``obj`` (see the module docstring for non-finite numbers).

    Raises
    ------
    ValueError
        Never for numbers (they are mapped first); ``allow_nan=False`` guards the rule.
    """
    kwargs.setdefault("indent", 2)
    return json.dumps(plain_json(obj), allow_nan=False, default=_default, **kwargs)


def _default(x: Any) -> Any:
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def show_path(path: Path | str) -> str:
    """A path for a message: one line, at most :data:`MAX_PATH_ECHO` characters (the end kept)."""
    text = shorten(str(path), 10**9)
    return text if len(text) <= MAX_PATH_ECHO else "..." + text[-(MAX_PATH_ECHO - 3):]


def _identity(path: Path) -> tuple[str, Any]:
    try:
        st = os.stat(path)
        return ("inode", (st.st_dev, st.st_ino))
    except (OSError, ValueError):
        pass
    try:
        return ("path", os.path.realpath(path))
    except (OSError, ValueError):
        return ("path", os.path.abspath(path))


def check_outputs(outputs: Mapping[str, Path | None], inputs: Iterable[Path | None]) -> None:
    """Refuse an output path that is one of the inputs or another output.

    Files are compared by device and inode when they exist (so hard links and
    symbolic links are caught), otherwise by their resolved path.

    Raises
    ------
    InputError
        If an output would overwrite an input or two outputs are the same file.
    """
    ins = {_identity(p): p for p in inputs if p is not None}
    seen: dict[tuple[str, Any], str] = {}
    for option, out in outputs.items():
        if out is None:
            continue
        ident = _identity(out)
        if ident in ins:
            raise InputError(
                f"{option} {show_path(out)}: is the input file {show_path(ins[ident])}; "
                "writing it would destroy the input, give another output path",
                where=option,
            )
        if ident in seen:
            raise InputError(
                f"{option} {show_path(out)}: is also the path of {seen[ident]}; give two "
                "different output paths",
                where=option,
            )
        seen[ident] = option


def write_output(path: Path, data: str | bytes) -> None:
    """:func:`write_atomic` to an output path whose folder must exist.

    Raises
    ------
    InputError
        If the folder of ``path`` does not exist.
    """
    path = Path(os.path.abspath(path))
    if not path.parent.is_dir():
        raise InputError(f"{show_path(path)}: the folder does not exist", where="output")
    write_atomic(path, data)


def cell_text(cell: Any) -> str:
    """A CSV cell for a message: quoted, one line, cut to a bounded length."""
    return repr(shorten(str(cell)))
