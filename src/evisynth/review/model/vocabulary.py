"""The words a review folder may use: analysis sets, measures, verification, risk-of-bias tools."""

from __future__ import annotations

__all__ = [
    "ANALYSES",
    "MEASURES",
    "ROB_DOMAINS",
    "ROB_JUDGEMENTS",
    "VERIFICATION",
]

#: Analysis sets an outcome row can belong to (column ``analysis`` of outcomes.csv).
#: ``primary``: used in the primary analysis (one row per trial and outcome).
#: ``earlier-cut``, ``crossover-adjusted``, ``lead``: replace the trial's primary row
#: in the sensitivity analysis of that name. ``alternative``: kept for the record
#: (another rounding, source or version of a number), never analysed.
ANALYSES: tuple[str, ...] = ("primary", "earlier-cut", "crossover-adjusted", "lead", "alternative")

#: Effect measures an outcome can use, with the data each row must give.
MEASURES: dict[str, str] = {
    "HR": "reported-ratio",
    "RR": "two-arm-counts",
    "OR": "two-arm-counts",
    "PLO": "one-arm-counts",
    "PFT": "one-arm-counts",
    "PR": "one-arm-counts",
    "PAS": "one-arm-counts",
}

#: Verification status of a number (as in the shared extraction table).
VERIFICATION: tuple[str, ...] = ("verified-in-source", "from-secondary-source")

#: Risk-of-bias domains per tool (``overall`` is required as well).
ROB_DOMAINS: dict[str, dict[str, str]] = {
    "RoB 2": {
        "D1": "Bias arising from the randomization process",
        "D2": "Bias due to deviations from intended interventions",
        "D3": "Bias due to missing outcome data",
        "D4": "Bias in measurement of the outcome",
        "D5": "Bias in selection of the reported result",
        "overall": "Overall risk of bias",
    },
    "ROBINS-I": {
        "D1": "Bias due to confounding",
        "D2": "Bias in selection of participants into the study",
        "D3": "Bias in classification of interventions",
        "D4": "Bias due to deviations from intended interventions",
        "D5": "Bias due to missing data",
        "D6": "Bias in measurement of outcomes",
        "D7": "Bias in selection of the reported result",
        "overall": "Overall risk of bias",
    },
}

#: Allowed judgements per tool, from least to most concern.
ROB_JUDGEMENTS: dict[str, tuple[str, ...]] = {
    "RoB 2": ("low", "some concerns", "high", "no information"),
    "ROBINS-I": ("low", "moderate", "serious", "critical", "no information"),
}
