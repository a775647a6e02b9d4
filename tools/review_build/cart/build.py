"""The whole build of the bundled review ``cart_dlbcl``: read the two source tables and
the narrative, build every row, check that every source row is used or explained, and
return the review folder's files as text."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..common import BuildError, csv_text
from .controls import CONTROL, control_risk
from .exclusions import gaps, unused_rows
from .outcome_rows import ROWS, belinda_os_lead
from .outcomes import OUTCOME_COLUMNS, outcome_row
from .published import PUBLISHED_COLUMNS, published_rows
from .review_toml import review_toml
from .rob import ROB_COLUMNS, rob_rows
from .sources import TOX_NAME, read_source
from .studies import STUDIES, TOX_STUDIES, study_row
from .toxicity import TOX_ROWS, tox_unused

#: Files of the review folder the build writes (``sources/`` is its input, not its output).
BUILT_FILES = ("review.toml", "studies.csv", "outcomes.csv", "risk_of_bias.csv", "published.csv")
#: Source-table column names -> the review format's (version 2) arm-neutral names.
V2_NAMES = {"product": "intervention", "n_cart": "n_int", "n_control": "n_comp",
            "events_cart": "events_int", "events_control": "events_comp"}


def v2(row: dict[str, str]) -> dict[str, str]:
    """A studies/outcomes row with the review format's arm-neutral column names."""
    return {V2_NAMES.get(k, k): v for k, v in row.items()}


def build(source_path: Path, tox_path: Path | None = None) -> dict[str, str]:
    """All files of the review folder as {name: text}; raises BuildError on any mismatch."""
    tox_path = tox_path or source_path.with_name("cart_toxicity_cohorts.csv")
    narrative_path = source_path.with_name("cart_dlbcl_studies.md")
    raw = source_path.read_bytes()
    tox_raw = tox_path.read_bytes()
    source = read_source(source_path)
    tox = read_source(tox_path, TOX_NAME)
    used: set[int] = set()
    used_tox: set[int] = set()
    studies = [study_row(s, source, used) for s in STUDIES]
    studies += [study_row(s, tox, used_tox) for s in TOX_STUDIES]
    included = {s["study_id"] for s in studies}
    outcome_rows = [outcome_row(spec, source, used) for spec in ROWS]
    outcome_rows.append(belinda_os_lead(narrative_path.read_text(encoding="utf-8")))
    outcome_rows += [outcome_row(spec, tox, used_tox) for spec in TOX_ROWS]
    for row in outcome_rows:
        if row["study_id"] not in included:
            raise BuildError(f"{row['row_id']}: study {row['study_id']} is not included")
    controls = {c.outcome: control_risk(c, source, used) for c in CONTROL}
    published = published_rows(source, used)
    cited: set[int] = set()
    rob = rob_rows(studies, cited)
    gap_list = gaps(source, included)
    used.update(n for g in gap_list for n in g["source_rows"])
    unused = unused_rows(source, used, cited) + tox_unused(tox, used_tox)
    studies = [v2(s) for s in studies]
    outcome_rows = [v2(r) for r in outcome_rows]
    tables = [{"file": TOX_NAME, "sha256": hashlib.sha256(tox_raw).hexdigest(),
               "rows": len(tox),
               "note": "CAR-T-treated cohorts beyond the randomised arms (grade >= 3 CRS and "
                       "neurological events); rows numbered as in a spreadsheet."}]
    columns = {
        "studies.csv": tuple(studies[0]),
        "outcomes.csv": tuple(V2_NAMES.get(c, c) for c in OUTCOME_COLUMNS),
        "risk_of_bias.csv": ROB_COLUMNS,
        "published.csv": PUBLISHED_COLUMNS,
    }
    return {
        "review.toml": review_toml(studies, controls, gap_list, unused,
                                   hashlib.sha256(raw).hexdigest(), len(source), tables),
        "studies.csv": csv_text(columns["studies.csv"], studies),
        "outcomes.csv": csv_text(columns["outcomes.csv"], outcome_rows),
        "risk_of_bias.csv": csv_text(columns["risk_of_bias.csv"], rob),
        "published.csv": csv_text(columns["published.csv"], published),
    }
