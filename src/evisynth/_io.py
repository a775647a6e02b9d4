"""Files written whole or not at all: a temporary file in the same folder, then a rename.

The one writer behind every command's outputs and the review migration, so that a
reader never sees half a file and a failure (a full disk, an interrupt) leaves the
old file as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename,
    so that a reader never sees half a file and a failure leaves the old file as it was.

    Text is written as UTF-8 with its line ends unchanged. ``mode`` is the new file's
    permissions; by default those a plain ``open()`` would give (``0o666`` less the
    umask), not the private ``0o600`` of the temporary file.

    Parameters
    ----------
    path
        The file to write; its folder must exist.
    data
        Text (written as UTF-8) or bytes.
    mode
        Permission bits of the new file (``None``: as ``open()`` would create it).

    Raises
    ------
    OSError
        If the folder cannot be written; the temporary file is removed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(p, "a\\r\\nb\\n")
    >>> p.read_bytes()
    b'a\\r\\nb\\n'
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
