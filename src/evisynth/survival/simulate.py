"""Simulated trials: patient data with cure fractions, and digitised KM curves.

Used to build the bundled, clearly-labelled *synthetic* example trial and the
round-trip tests of :func:`evisynth.survival.reconstruct_ipd`. Nothing here is
real patient data.

Model per arm: a fraction ``cure`` never has the event; the others have Weibull
event times ``scale * (-log U)^(1/shape)``. Patients enter uniformly over
``accrual`` time units and are followed to a data cut ``accrual + follow_up``
after the first entry (administrative censoring), with independent exponential
drop-out at rate ``dropout``. Times are rounded to ``decimals``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evisynth.errors import InputError
from evisynth.survival.km import kaplan_meier

__all__ = ["ArmSpec", "digitise", "example_trial", "km_corners", "simulate_trial"]


@dataclass(frozen=True)
class ArmSpec:
    """How to simulate one arm (see the module docstring)."""

    name: str
    n: int
    shape: float
    scale: float
    cure: float = 0.0


def simulate_trial(
    arms: list[ArmSpec],
    *,
    accrual: float = 24.0,
    follow_up: float = 18.0,
    dropout: float = 0.005,
    decimals: int = 2,
    seed: int = 1,
) -> pd.DataFrame:
    """Simulate a parallel-arm trial; returns a DataFrame ``arm, time, event``.

    Examples
    --------
    >>> df = simulate_trial([ArmSpec("A", 50, 1.0, 10.0)], seed=3)
    >>> sorted(df.columns)
    ['arm', 'event', 'time']
    """
    if not arms:
        raise InputError("argument 'arms': give at least one ArmSpec", where="arms")
    rng = np.random.default_rng(seed)
    rows = []
    for a in arms:
        if a.n < 1 or not 0 <= a.cure < 1 or a.shape <= 0 or a.scale <= 0:
            raise InputError(f"arm {a.name!r}: need n >= 1, 0 <= cure < 1, shape, scale > 0")
        u = rng.uniform(size=a.n)
        t_event = a.scale * (-np.log(rng.uniform(size=a.n))) ** (1 / a.shape)
        t_event = np.where(u < a.cure, np.inf, t_event)
        entry = rng.uniform(0, accrual, size=a.n)
        admin = accrual + follow_up - entry
        drop = rng.exponential(1 / dropout, size=a.n) if dropout > 0 else np.full(a.n, np.inf)
        cens = np.minimum(admin, drop)
        time = np.minimum(t_event, cens)
        event = (t_event <= cens).astype(int)
        time = np.maximum(np.round(time, decimals), 10.0**-decimals)
        rows.append(pd.DataFrame({"arm": a.name, "time": time, "event": event}))
    return pd.concat(rows, ignore_index=True)


def km_corners(time: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """Exact step corners of the KM curve: ``(0, 1)``, then at each event time the
    top and bottom of the drop, and the last observed time (a perfect digitisation)."""
    km = kaplan_meier(time, event)
    ts, ss = [0.0], [1.0]
    prev = 1.0
    for t, d, s in zip(km.time, km.n_event, km.survival, strict=True):
        if d > 0:
            ts += [float(t), float(t)]
            ss += [prev, float(s)]
            prev = float(s)
    if km.time[-1] > ts[-1]:
        ts.append(float(km.time[-1]))
        ss.append(prev)
    return pd.DataFrame({"time": ts, "survival": ss})


def digitise(
    curve: pd.DataFrame,
    *,
    time_sd: float,
    surv_sd: float,
    keep: float = 1.0,
    seed: int = 1,
) -> pd.DataFrame:
    """Imitate a human digitising a KM figure: keep a fraction of the corners,
    add Gaussian noise to time (sd ``time_sd``) and survival (sd ``surv_sd``),
    clip to the plot area. The (0, 1) start is kept exact."""
    rng = np.random.default_rng(seed)
    c = curve.iloc[1:]
    sel = rng.uniform(size=len(c)) < keep
    c = c[sel]
    t = np.maximum(c["time"].to_numpy() + rng.normal(0, time_sd, len(c)), 0.0)
    s = np.clip(c["survival"].to_numpy() + rng.normal(0, surv_sd, len(c)), 0.0, 1.0)
    out = pd.DataFrame({"time": np.concatenate([[0.0], t]), "survival": np.concatenate([[1.0], s])})
    return out.round({"time": 3, "survival": 4})


def example_trial() -> pd.DataFrame:
    """The bundled synthetic trial ``SIM-CART-01`` (simulated, not real data).

    Two arms of 180 patients, times in months: "CAR-T" (cure fraction 0.40,
    Weibull shape 1.2, scale 5) and "Standard care" (cure 0.15, shape 1.1,
    scale 4.5); 24 months accrual, 18 months minimum follow-up, drop-out 0.5%
    per month, seed 20260101.
    """
    return simulate_trial(
        [
            ArmSpec("CAR-T", 180, shape=1.2, scale=5.0, cure=0.40),
            ArmSpec("Standard care", 180, shape=1.1, scale=4.5, cure=0.15),
        ],
        accrual=24.0,
        follow_up=18.0,
        dropout=0.005,
        decimals=2,
        seed=20260101,
    )


EXAMPLE_ARMS = {"CAR-T": "cart", "Standard care": "soc"}
EXAMPLE_NAR_TIMES = (0.0, 6.0, 12.0, 18.0, 24.0, 30.0, 36.0)


def example_files() -> dict[str, pd.DataFrame]:
    """The bundled example inputs, regenerated from :func:`example_trial`.

    ``simulated_trial_ipd.csv`` (the simulated patients), and per arm
    ``simulated_trial_km_<arm>.csv`` (a noisy digitisation of the KM curve:
    85% of the corners kept, time noise sd 0.08 months, survival noise sd 0.003)
    and ``simulated_trial_nar_<arm>.csv`` (numbers at risk every 6 months).
    """
    ipd = example_trial()
    out = {"simulated_trial_ipd.csv": ipd}
    for k, (arm, short) in enumerate(EXAMPLE_ARMS.items()):
        g = ipd[ipd["arm"] == arm]
        t, e = g["time"].to_numpy(), g["event"].to_numpy()
        corners = km_corners(t, e)
        out[f"simulated_trial_km_{short}.csv"] = digitise(
            corners, time_sd=0.08, surv_sd=0.003, keep=0.85, seed=100 + k
        )
        out[f"simulated_trial_nar_{short}.csv"] = pd.DataFrame(
            {
                "time": list(EXAMPLE_NAR_TIMES),
                "n_risk": [int((t >= x).sum()) for x in EXAMPLE_NAR_TIMES],
            }
        )
    return out
