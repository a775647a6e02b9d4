"""Reading text to audit: plain text, Markdown and HTML files, or standard input.

Errors are one line naming the file: a binary file, a file that is not UTF-8 text,
or one larger than the audit accepts.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from evisynth.errors import InputError

__all__ = ["MAX_BYTES", "SUFFIXES", "decode_text", "html_to_text", "read_text"]

#: Largest file accepted (bytes).
MAX_BYTES = 2_000_000
#: File types the command line reads.
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".text")
_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
          "article", "table", "ul", "ol", "blockquote", "title", "header", "footer"}  # fmt: skip


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag != "br" else "\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML document: tags stripped, entities decoded, blocks as paragraphs.

    Parameters
    ----------
    markup
        HTML source.

    Returns
    -------
    str
        Text without ``<script>``/``<style>`` content; block elements end paragraphs.

    References
    ----------
    WHATWG HTML Living Standard, section 13 (parsing); Python :mod:`html.parser`.

    Examples
    --------
    >>> html_to_text("<p>HR&nbsp;0.55 <b>(0.42&ndash;0.71)</b></p>").strip()
    'HR\\xa00.55 (0.42–0.71)'
    """
    p = _Text()
    try:
        p.feed(markup)
        p.close()
    except Exception:  # html.parser is lenient; anything it still rejects is read as text
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    text = "".join(p.parts)
    return re.sub(r"\n{3,}", "\n\n", text)


def decode_text(data: bytes, name: str) -> str:
    """Decode file bytes as UTF-8 text, refusing binary data with one clear line.

    Parameters
    ----------
    data
        The file's bytes.
    name
        File name for the message.

    Returns
    -------
    str
        The text (a UTF-8 byte-order mark is dropped).

    Raises
    ------
    InputError
        If the data hold NUL bytes, are not UTF-8, or exceed :data:`MAX_BYTES`.

    References
    ----------
    RFC 3629 (UTF-8).

    Examples
    --------
    >>> decode_text(b"HR 0.5", "x.txt")
    'HR 0.5'
    """
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{name}: {len(data):,} bytes is more than the {MAX_BYTES:,} an audit reads; "
            "audit one report (an abstract or article) at a time",
            where=name,
        )
    if b"\x00" in data[:65536]:
        raise InputError(f"{name}: is a binary file, not text; give a .txt, .md or .html file",
                         where=name)  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: is not UTF-8 text (byte {exc.start}); save it as UTF-8 .txt, .md or .html",
            where=name,
        ) from None
    return text


def read_text(path: Path) -> str:
    """Read a .txt, .md or .html file as plain text (HTML tags stripped).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        The text to audit.

    Raises
    ------
    InputError
        If the file is missing, a directory, of another type, binary, not UTF-8 or too large.

    References
    ----------
    RFC 3629 (UTF-8); WHATWG HTML Living Standard.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.html").write_text("<p>RR 1.5</p>")
    >>> read_text(d / "a.html").strip()
    'RR 1.5'
    """
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: file not found", where=name)
    if path.is_dir():
        raise InputError(f"{name}: is a directory; give a .txt, .md or .html file", where=name)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"{name}: file type {suffix or '(none)'!r} is not read; give a .txt, .md or .html file",
            where=name,
        )
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(
            f"{name}: {size:,} bytes is more than the {MAX_BYTES:,} an audit reads; "
            "audit one report (an abstract or article) at a time",
            where=name,
        )
    text = decode_text(path.read_bytes(), name)
    return html_to_text(text) if suffix in (".html", ".htm") else text
