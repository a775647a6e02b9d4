"""Checks for survival data (times, event indicators, arm labels).

Built on :mod:`evisynth._validation`; only the survival-specific rules live here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evisynth._validation import FloatArray, as_float_vector, check_level
from evisynth.errors import InputError

__all__ = ["as_survival_data", "check_conf_type", "z_value"]

CONF_TYPES = ("log", "log-log", "plain")


def as_survival_data(time: Any, event: Any) -> tuple[FloatArray, FloatArray]:
    """Return ``(time, event)`` as float arrays after checking them.

    Times must be finite and >= 0; events must be 0 (censored) or 1 (event);
    both must have the same length (at least one subject).

    Raises
    ------
    InputError
        On any violation, naming the argument and the first offending subject.
    """
    t = as_float_vector("time", time, unit="subject")
    e = as_float_vector("event", event, unit="subject", allow_bool=True)
    if len(t) != len(e):
        raise InputError(
            f"arguments 'time' and 'event' have different lengths ({len(t)} and {len(e)}); "
            "give one event indicator per subject",
            where="time,event",
        )
    if len(t) == 0:
        raise InputError("argument 'time': no subjects; give at least one", where="time")
    neg = np.flatnonzero(t < 0)
    if neg.size:
        i = int(neg[0])
        raise InputError(
            f"argument 'time', subject {i + 1}: time is {t[i]:g}; times must be 0 or greater",
            where="time",
        )
    bad = np.flatnonzero((e != 0) & (e != 1))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"argument 'event', subject {i + 1}: value is {e[i]:g}; use 1 for an event "
            "and 0 for a censored time",
            where="event",
        )
    return t, e


def check_conf_type(conf_type: str) -> str:
    """Return the confidence-interval transform, one of ``log``, ``log-log``, ``plain``."""
    if conf_type not in CONF_TYPES:
        raise InputError(
            f"argument 'conf_type': {conf_type!r} is not one of {', '.join(CONF_TYPES)} "
            "('log' is R survfit's default, 'log-log' is lifelines')",
            where="conf_type",
        )
    return conf_type


def z_value(level: float) -> float:
    """Two-sided normal quantile for a confidence level given in percent (or as 0.95)."""
    from scipy.stats import norm

    lv = check_level(level)
    return float(norm.ppf(1 - (1 - lv / 100) / 2))
