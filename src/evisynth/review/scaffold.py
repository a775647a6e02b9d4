"""``evisynth new DIR``: an empty review folder with a commented review.toml."""

from __future__ import annotations

from pathlib import Path

from evisynth.errors import InputError
from evisynth.review.load import CSV_FILES, TOML_FILE

__all__ = ["TEMPLATE", "csv_header", "new_review"]

#: The commented review.toml of a new review. It loads as an empty review; the
#: commented tables show every key (see docs/review-format.md for the full format).
TEMPLATE = '''\
# review.toml — the review's question, outcomes and analysis plan.
# The data live in the CSV files next to this file:
#   studies.csv       one row per report (publication / data cut) of a study
#   outcomes.csv      one row per study x outcome x analysis, every number with its source
#   risk_of_bias.csv  RoB 2 (randomised) / ROBINS-I (non-randomised) judgements
#   published.csv     (optional) pooled results claimed by published meta-analyses
# Full description (installed with evisynth): print its path with
#   python -c "import evisynth; print(evisynth.review_format_doc())"
# Check the folder with
#   python -c "import evisynth; evisynth.load_review('THIS_FOLDER')"

format_version = 2
title = ""
# summary = "One paragraph for the report's opening."

[question]                # PICO
population = ""
intervention = ""
comparator = ""
outcomes = ""
# setting = ""

# Design strata. They are analysed separately and never pooled together unless
# [analysis] pool_across_designs = true.
[[designs]]
key = "RCT"
label = "Randomised controlled trials"
rob_tool = "RoB 2"            # "RoB 2" or "ROBINS-I"
certainty_start = "high"      # GRADE starting certainty: "high" or "low"

# [[designs]]
# key = "external-control"
# label = "Single-arm trials compared with external controls"
# rob_tool = "ROBINS-I"
# certainty_start = "low"

# One table per outcome; the key ("os") is what outcomes.csv uses.
# [outcomes.os]
# label = "Overall survival"
# measure = "HR"             # HR (reported ratio), RR / OR (two-arm counts),
#                            # PLO / PFT / PR / PAS (one-arm proportions)
# scale = "ratio"            # reporting scale: "ratio", "proportion" or "percent"
# favours = "lower"          # which direction favours the intervention
# importance = "critical"    # GRADE: "critical", "important", "not important"
# time_point_months = 48     # time point of the absolute effect
# [outcomes.os.control_risk] # control-arm risk for the absolute effect
# method = "reported"        # "reported" (give value and source) or "control-arms"
# quantity = "survival"      # "survival" (S_c at the time point) or "event"
# time_months = 48
# value = 0.46
# study_id = "TRIAL_Author2023"
# source = "Author et al. Journal 2023"
# doi_or_pmid = "doi:10.xxxx/yyyy"
# location = "abstract, Results"
# verification = "verified-in-source"
# source_rows = []
# [outcomes.os.imprecision]  # GRADE decision thresholds (reporting scale)
# null = 1.0
# thresholds = [0.8, 1.25]
# ois_relative_reduction = 0.25
# rationale = "why these thresholds"

[analysis]
method = "REML"               # tau² estimator (metafor names)
test = "knha"                 # "z", "t", "knha" or "adhoc"
level = 95
design = "RCT"                # design stratum of the primary analysis
pool_across_designs = false
# data_cut_rule = "which data cut of each trial the primary analysis uses"
# source_rule = "which sources are allowed in the primary analysis"

# [[analysis.alternatives]]   # other methods shown next to the primary one
# method = "REML"
# test = "z"
# label = "REML with z-based intervals"

# [[analysis.sensitivity]]
# key = "earlier-cut"
# label = "Earlier data cut of each trial"
# rows = "earlier-cut"        # "primary", "earlier-cut", "crossover-adjusted", "lead"
# method = "DL"               # optional: another estimator
# test = "z"                  # optional: another test
# leave_one_out = false
# verified_only = false
# outcomes = []               # empty: all outcomes

# [[subgroups]]
# key = "dose"
# label = "Dose"
# column = "intervention"     # a column of studies.csv, "feature:NAME" (studies.csv
#                             # features = "NAME=value; ..."), or an outcomes.csv column
# outcomes = []               # empty: all outcomes
# rationale = "why this variable was pre-specified"

# [report]                    # the review's own words in the report
# intervention = "drug X"     # short arm names: "Favours drug X", "with drug X"
# comparator = "placebo"
# intervention_arm_label = "people given drug X"
# limitations = ["..."]
# data_caveats = ["where the numbers come from and what that means"]
# safety_note = "how one-arm rates are pooled"
# published_note = "why published pooled claims may differ"
# [report.abbreviations]
# ABC = "what ABC means"

[prisma]                      # PRISMA 2020 counts; leave out what cannot be stated
search_reproduced = true
# records_databases = 0
# records_other_sources = 0
# duplicates_removed = 0
# records_screened = 0
# records_excluded = 0
# reports_sought = 0
# reports_not_retrieved = 0
# reports_assessed = 0
# reports_excluded = 0        # must equal the exclusions with stage = "reports"
# studies_included = 0        # must equal the distinct trials in studies.csv
# reports_included = 0        # must equal the rows of studies.csv
# note = ""

# [[exclusions]]
# id = "X2026"
# citation = "..."
# reason = "..."
# category = "not a real trial"
# stage = "reports"           # "records" or "reports"

# [[not_reported]]            # results no source gave (the report says they are missing)
# study_id = "TRIAL_Author2023"
# item = "OS hazard ratio"
# note = "not in the abstract"
'''


def csv_header(name: str) -> str:
    """Header line of one of the review's CSV files (its columns, in order).

    Raises
    ------
    KeyError
        ``name`` is not one of the review's CSV files.

    Examples
    --------
    >>> csv_header("risk_of_bias.csv")
    'study_id,outcomes,tool,domain,judgement,support\\n'
    """
    model, _ = CSV_FILES[name]
    return ",".join(model.model_fields) + "\n"


def new_review(folder: str | Path) -> Path:
    """Create an empty review folder: commented review.toml and header-only CSVs.

    Parameters
    ----------
    folder
        Folder to create. It may exist if it is empty.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    InputError
        The folder exists and is not empty (nothing is overwritten), or is a file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evisynth.review import load_review
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "my_review"
    >>> load_review(new_review(target)).outcomes
    ()
    """
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder; give a new folder name",
                         where=str(path))
    if path.is_dir() and any(path.iterdir()):
        raise InputError(f"{path}: folder is not empty; refusing to overwrite anything there "
                         "(give a new or empty folder)", where=str(path))
    path.mkdir(parents=True, exist_ok=True)
    (path / TOML_FILE).write_text(TEMPLATE, encoding="utf-8")
    for name in CSV_FILES:
        (path / name).write_text(csv_header(name), encoding="utf-8")
    return path
