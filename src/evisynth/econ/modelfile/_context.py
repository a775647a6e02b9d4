"""Where a model file's keys are, and the errors that name them.

tomllib keeps no line numbers, so :class:`_Lines` finds the line of every
table and key; :class:`_Doc` turns a key path into ``file line N: message``
and resolves a value that is a number or the name of an input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeGuard

from evisynth.econ.params import Param
from evisynth.errors import InputError


class _Lines:
    """Line numbers of TOML tables and keys (tomllib keeps none)."""

    _head = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _key = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")

    def __init__(self, text: str) -> None:
        self.tables: dict[tuple[str, ...], int] = {}
        self.keys: dict[tuple[str, ...], int] = {}
        counts: dict[tuple[str, ...], int] = {}
        path: tuple[str, ...] = ()
        for n, line in enumerate(text.splitlines(), start=1):
            m = self._head.match(line)
            if m:
                parts = tuple(self._split(m.group(2)))
                if m.group(1) == "[[":
                    i = counts.get(parts, 0)
                    counts[parts] = i + 1
                    parts = (*parts, str(i))
                path = parts
                self.tables.setdefault(path, n)
                continue
            k = self._key.match(line)
            if k:
                self.keys.setdefault((*path, *self._split(k.group(1))), n)

    @staticmethod
    def _split(dotted: str) -> list[str]:
        return [p.strip().strip("\"'") for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', dotted)]

    def line(self, *path: str) -> int | None:
        p = tuple(path)
        while p:
            if p in self.keys:
                return self.keys[p]
            if p in self.tables:
                return self.tables[p]
            p = p[:-1]
        return None


def _named(v: Any, names: Iterable[str]) -> TypeGuard[str]:
    """True if ``v`` is one of ``names`` (a list or table is never a name)."""
    return isinstance(v, str) and v in names


class _Doc:
    """One model file being parsed: its name, its lines and, once read, its inputs."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.fname = Path(file).name
        self.lines = _Lines(text)
        self.inputs: dict[str, Param] = {}

    def err(self, msg: str, *path: str) -> InputError:
        """``<file> line <n>: msg``, the line of the deepest of ``path`` that has one."""
        ln = self.lines.line(*path)
        at = f"{self.fname} line {ln}" if ln is not None else self.fname
        return InputError(f"{at}: {msg}", where=f"{self.file}:{ln}" if ln else self.file)

    def table(self, d: Any, *path: str) -> dict[str, Any]:
        """``d`` if it is a TOML table, else an error at ``path``."""
        if not isinstance(d, dict):
            raise self.err(f"[{'.'.join(path)}] must be a table", *path)
        return d

    def known(self, spec: Iterable[str], allowed: set[str], what: str, *path: str) -> None:
        """Every key of ``spec`` in ``allowed``, else an error naming the first other key."""
        for k in spec:
            if k not in allowed:
                raise self.err(f"{what}: unknown key {k!r}; known keys: "
                               f"{', '.join(sorted(allowed))}", *path, k)

    def ref(self, v: Any, what: str, *path: str) -> Param:
        """The input named ``v``, or a fixed input of the number ``v`` (named ``what``)."""
        if isinstance(v, str):
            if v not in self.inputs:
                raise self.err(f"{what}: refers to input {v!r}, which is not defined in "
                               "[inputs]", *path)
            return self.inputs[v]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.err(f"{what}: expected a number or an input name, got {v!r:.40}", *path)
        return Param(float(v), name=what, line=self.lines.line(*path), file=self.fname,
                     source="given in the model file")
