"""Provenance strings of an output row: the citations, identifiers, locations,
verification status and source-row numbers of the source rows it was built from."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..common import BuildError
from .sources import SECONDARY, SOURCE_NAME, VERIFIED, Src


def weakest(rows: Iterable[Src]) -> str:
    return SECONDARY if any(r["confidence"] != VERIFIED for r in rows) else VERIFIED


def joined(values: Iterable[str]) -> str:
    return " | ".join(dict.fromkeys(v for v in values if v))


def identifiers(rows: Iterable[Src]) -> str:
    """DOI/PMID cells that hold an identifier (cells such as 'DOI not seen' are dropped)."""
    ids = [r["source_doi_or_pmid"] for r in rows]
    return "; ".join(dict.fromkeys(
        i for i in ids if re.search(r"doi:10\.|PMID:\d|OpenAlex:W\d", i)
    ))


def provenance(rows: Sequence[Src]) -> dict[str, str]:
    """source / doi_or_pmid / location / verification / source_rows of one output row."""
    unique = list(dict.fromkeys(rows))
    files = {r.file for r in unique}
    if len(files) != 1:
        raise BuildError(f"one output row cannot mix source tables: {sorted(files)}")
    if len(unique) == 1:
        location = unique[0]["source_location"]
    else:
        location = " | ".join(f"row {r.number}: {r['source_location']}" for r in unique)
    file = files.pop()
    return {
        "source_file": "" if file == SOURCE_NAME else file,
        "source": joined(r["source_citation"] for r in unique),
        "doi_or_pmid": identifiers(unique),
        "location": location,
        "verification": weakest(unique),
        "source_rows": ";".join(str(r.number) for r in unique),
        "lead_only": "true" if any(r.lead for r in unique) else "false",
    }
