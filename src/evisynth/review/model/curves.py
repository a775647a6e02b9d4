"""Trials reanalysed from digitised Kaplan–Meier curves (``[[reanalyses]]``) and their tables."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from evisynth.review.model.fields import FROZEN, Id, VerificationName

__all__ = [
    "CurveTable",
    "Reanalysis",
    "ReanalysisArm",
]

class ReanalysisArm(BaseModel):
    """One arm of a digitised Kaplan–Meier figure (a table ``[[reanalyses.arms]]``).

    ``curve`` and ``at_risk`` are CSV files inside the review folder: ``time,
    survival`` (``scale`` says proportion or percent) and ``time, n_risk``.
    ``total_events`` and ``n`` are what the paper reports; give what is known.
    Every number carries its source, like an outcome row.
    """

    model_config = FROZEN
    arm: str
    curve: str
    at_risk: str | None = None
    total_events: int | None = Field(default=None, ge=0)
    n: int | None = Field(default=None, ge=1)
    scale: Literal["proportion", "percent"] = "proportion"
    source: str
    location: str
    verification: VerificationName


class Reanalysis(BaseModel):
    """A trial reanalysed from its published Kaplan–Meier curves (``[[reanalyses]]``).

    ``synthetic = true`` marks simulated example data; the report then says so in
    its heading and first line. ``reference`` names the control arm.

    Examples
    --------
    >>> arm = dict(curve="km.csv", source="Doe 2020", location="Fig 2",
    ...            verification="verified-in-source")
    >>> Reanalysis(key="t", label="T", reference="B",
    ...            arms=[dict(arm="A", **arm), dict(arm="B", **arm)]).reference
    'B'
    """

    model_config = FROZEN
    key: Id
    label: str
    synthetic: bool = False
    study_id: str | None = None
    outcome: str | None = None
    time_unit: str = "months"
    reference: str
    landmarks: tuple[float, ...] = ()
    tau: float | None = Field(default=None, gt=0)
    note: str | None = None
    arms: tuple[ReanalysisArm, ...]

    @field_validator("arms")
    @classmethod
    def _two_arms(cls, value: tuple[ReanalysisArm, ...]) -> tuple[ReanalysisArm, ...]:
        names = [a.arm for a in value]
        if len(names) != 2 or len(set(names)) != 2:
            raise ValueError(f"needs exactly two arms with different names, got {names}")
        return value


class CurveTable(BaseModel):
    """A numeric CSV file of the review folder (digitised curve or numbers at risk)."""

    model_config = FROZEN
    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))
