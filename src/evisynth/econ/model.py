"""The three-state partitioned-survival model: :class:`PartitionedSurvival`.

States: progression- (or event-) free ``pf``, progressed ``pd``, dead. At time
``t`` (years) the share in ``pf`` is ``PFS(t)``, in ``pd`` ``OS(t) - PFS(t)``,
dead ``1 - OS(t)`` (Woods et al., NICE DSU TSD 19). PFS is clipped to OS where
it would exceed it, and the result records where.

What each arm accrues (costs, QALYs, life-years) is in
:mod:`evisynth.econ.outcomes`; the joint draws of the probabilistic analysis in
:mod:`evisynth.econ.sampling`; one-way sensitivity in :mod:`evisynth.econ.dsa` and
the threshold analysis in :mod:`evisynth.econ.threshold`.

References
----------
Woods B, Sideris E, Palmer S, Latimer N, Soares M. NICE DSU Technical Support
Document 19: partitioned survival analysis for decision modelling in health
care, 2017.
Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic
Evaluation. OUP, 2006.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from evisynth._validation import FloatArray, check_number
from evisynth.econ._draws import Draws
from evisynth.econ.arm import Arm
from evisynth.econ.background import LifeTable, us_life_table_2021
from evisynth.econ.integrate import (
    CORRECTIONS,
    Integrals,
    Setting,
    integrate_cycles,
    integrate_exact,
)
from evisynth.econ.outcomes import _Out, _outcomes
from evisynth.econ.params import Param
from evisynth.econ.results import CEAResult
from evisynth.econ.sampling import draw_inputs
from evisynth.econ.threshold import solve_threshold
from evisynth.errors import InputError

__all__ = ["PartitionedSurvival"]


def _check_horizon(horizon: Any) -> float:
    return check_number("horizon", horizon, lo=1e-9, unit="years",
                        hint="the horizon must be > 0 years")


def _check_correction(correction: Any) -> str:
    if correction not in CORRECTIONS:
        raise InputError(f"argument 'correction': {correction!r} is not one of "
                         f"{', '.join(CORRECTIONS)}", where="correction")
    return str(correction)




class PartitionedSurvival:
    """A three-state partitioned-survival cost-effectiveness model.

    Parameters
    ----------
    arms
        ``{name: Arm}``; two or more strategies.
    horizon
        Time horizon in years (> 0).
    cycle
        Cycle length in years for ``method="cycles"`` and the PSA (default 1/12).
    discount
        Annual discount rate of costs (and QALYs unless ``discount_qalys``);
        the factor at time t is ``(1 + discount)^-t``.
    discount_qalys
        Annual discount rate of QALYs (default: ``discount``).
    start_age
        Age at the start (years); needed for background mortality and age adjustment.
    background
        ``None`` (no population mortality), a :class:`LifeTable`, or ``"us_2021"``
        (the bundled US 2021 table).
    age_adjust_male
        If given, utilities are multiplied by ``U(age)/U(start_age)`` (Ara & Brazier
        2010 norms for a cohort with this share of men).
    correction
        ``half-cycle`` (default), ``life-table`` or ``none`` (cycles method).
    correlation
        Optional ``{(param_a, param_b): rho}`` for the PSA (Gaussian copula).
    wtp
        Default willingness to pay per QALY.
    currency
        Label for printing.

    Raises
    ------
    InputError
        Horizon <= 0, discount outside [0, 1), fewer than two arms, an increasing
        curve, missing start age, and every invalid cost/utility/rate (named).

    Examples
    --------
    >>> import evisynth as ev
    >>> c = ev.parametric_curve
    >>> arms = {
    ...     "new": ev.Arm(pfs=c("exponential", rate=0.3), os=c("exponential", rate=0.1),
    ...                   one_off_cost=50_000, state_costs={"pf": 1_000, "pd": 10_000},
    ...                   utilities={"pf": 0.8, "pd": 0.5}),
    ...     "old": ev.Arm(pfs=c("exponential", rate=0.6), os=c("exponential", rate=0.2),
    ...                   state_costs={"pf": 1_000, "pd": 10_000},
    ...                   utilities={"pf": 0.8, "pd": 0.5})}
    >>> res = ev.PartitionedSurvival(arms=arms, horizon=20, discount=0.03).run()
    >>> res.icer("new", "old") > 0
    True

    References
    ----------
    Woods et al. (2017) NICE DSU TSD 19; Briggs, Claxton & Sculpher (2006).
    """

    def __init__(
        self,
        arms: Mapping[str, Arm],
        *,
        horizon: float,
        cycle: float = 1 / 12,
        discount: float = 0.03,
        discount_qalys: float | None = None,
        start_age: float | None = None,
        background: LifeTable | str | None = None,
        age_adjust_male: float | None = None,
        correction: str = "half-cycle",
        correlation: Mapping[tuple[Param, Param], float] | None = None,
        wtp: float | None = None,
        currency: str = "",
    ) -> None:
        if not isinstance(arms, Mapping) or len(arms) < 2:
            raise InputError("argument 'arms': give a mapping {name: Arm} of at least two arms",
                             where="arms")
        for k, a in arms.items():
            if not isinstance(a, Arm):
                raise InputError(f"argument 'arms', {k!r}: expected an evisynth Arm, got "
                                 f"{type(a).__name__}", where="arms")
        self.horizon = _check_horizon(horizon)
        self.cycle = check_number("cycle", cycle, lo=1e-6, hi=self.horizon, unit="years")
        self.discount = check_number("discount", discount, lo=0.0, hi=0.999)
        self.discount_qalys = self.discount if discount_qalys is None else check_number(
            "discount_qalys", discount_qalys, lo=0.0, hi=0.999)
        self.correction = _check_correction(correction)
        if isinstance(background, str):
            if background not in ("us_2021",):
                raise InputError(f"argument 'background': {background!r} is unknown; use "
                                 "'us_2021', a LifeTable or None", where="background")
            background = us_life_table_2021()
        if background is not None and not isinstance(background, LifeTable):
            raise InputError("argument 'background': expected a LifeTable, 'us_2021' or None",
                             where="background")
        self.background = background
        if (background is not None or age_adjust_male is not None) and start_age is None:
            raise InputError("argument 'start_age': needed with background mortality or age "
                             "adjustment", where="start_age")
        self.start_age = None if start_age is None else check_number(
            "start_age", start_age, lo=0.0, hi=120.0, unit="years")
        self.age_adjust_male = None if age_adjust_male is None else check_number(
            "age_adjust_male", age_adjust_male, lo=0.0, hi=1.0)
        self.arms: dict[str, Arm] = {str(k): a.rename(str(k)) for k, a in arms.items()}
        self.correlation = dict(correlation or {})
        self.wtp = None if wtp is None else check_number("wtp", wtp, lo=0.0)
        self.currency = currency
        self._check_curves()

    # ------------------------------------------------------------------ helpers
    @property
    def setting(self) -> Setting:
        return Setting(self.horizon, self.discount, self.discount_qalys, self.start_age,
                       self.background, self.age_adjust_male)

    def with_horizon(self, horizon: float) -> PartitionedSurvival:
        """The same model with another horizon."""
        m = object.__new__(PartitionedSurvival)
        m.__dict__.update(self.__dict__)
        m.horizon = _check_horizon(horizon)
        m.cycle = min(self.cycle, m.horizon)
        return m

    def _check_curves(self) -> None:
        t = np.linspace(0.0, self.horizon, 2001)
        for name, arm in self.arms.items():
            for which, c in (("pfs", arm.pfs), ("os", arm.os)):
                s = c.survival(t)
                bad = ~np.isfinite(s) | (s < -1e-12) | (s > 1 + 1e-9)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise InputError(f"arm {name!r}, {which} curve: S({t[i]:.3g}) = {s[i]!r}; "
                                     "survival must lie in [0, 1]", where=f"{name}.{which}")
                if abs(s[0] - 1) > 1e-9:
                    raise InputError(f"arm {name!r}, {which} curve: S(0) = {s[0]:.6g}; a "
                                     "survival curve starts at 1", where=f"{name}.{which}")
                up = np.flatnonzero(np.diff(s) > 1e-10)
                if up.size:
                    i = int(up[0])
                    raise InputError(
                        f"arm {name!r}, {which} curve: survival increases from {s[i]:.4g} at "
                        f"t = {t[i]:.3g} to {s[i + 1]:.4g} at t = {t[i + 1]:.3g} years; a "
                        "survival curve never increases", where=f"{name}.{which}")

    def inputs(self) -> list[tuple[str, str, Param]]:
        """Every input once: ``(arm, role, Param)`` (the first arm that uses it)."""
        seen: set[int] = set()
        out = []
        for name, arm in self.arms.items():
            for role, p in arm.inputs():
                if id(p) not in seen:
                    seen.add(id(p))
                    out.append((name, role, p))
        return out

    def _check_values(self, vals: Mapping[int, float]) -> None:
        for arm in self.arms.values():
            arm.check_values(vals)

    def _evaluate(self, draws: Draws, method: str, cycle: float, correction: str
                  ) -> tuple[dict[str, _Out], dict[str, Integrals]]:
        outs, its = {}, {}
        for name, arm in self.arms.items():
            if method == "exact":
                it = integrate_exact(arm.pfs, arm.os, self.setting, draws)
            else:
                it = integrate_cycles(arm.pfs, arm.os, self.setting, draws, cycle, correction)
            its[name] = it
            outs[name] = _outcomes(arm, it, draws)
        return outs, its

    # ------------------------------------------------------------------ run
    def run(
        self,
        method: str = "exact",
        *,
        cycle: float | None = None,
        correction: str | None = None,
        overrides: Mapping[Param, float] | None = None,
    ) -> CEAResult:
        """Deterministic results.

        Parameters
        ----------
        method
            ``exact`` (quadrature, the reference) or ``cycles``.
        cycle, correction
            For ``cycles``; default the model's.
        overrides
            ``{Param: value}`` to change inputs for this run.

        Returns
        -------
        CEAResult

        Raises
        ------
        InputError
            Unknown method or invalid override values.

        Examples
        --------
        >>> import math
        >>> import evisynth as ev
        >>> e = ev.parametric_curve
        >>> arm = lambda r: ev.Arm(pfs=e("exponential", rate=2 * r), os=e("exponential", rate=r),
        ...                        utilities={"pf": 1.0, "pd": 1.0})
        >>> m = ev.PartitionedSurvival(arms={"a": arm(0.1), "b": arm(0.2)}, horizon=10,
        ...                            discount=0.0)
        >>> round(m.run().life_years["a"], 9) == round((1 - math.exp(-1.0)) / 0.1, 9)
        True

        References
        ----------
        Woods et al. (2017) NICE DSU TSD 19.
        """
        if method not in ("exact", "cycles"):
            raise InputError(f"argument 'method': {method!r} is not 'exact' or 'cycles'",
                             where="method")
        cyc = self.cycle if cycle is None else check_number("cycle", cycle, lo=1e-6,
                                                             hi=self.horizon, unit="years")
        corr = self.correction if correction is None else _check_correction(correction)
        ov = {id(p): float(v) for p, v in (overrides or {}).items()}
        self._check_values(ov)
        outs, its = self._evaluate(Draws.base(ov), method, cyc, corr)
        f = lambda d: {k: float(v[0]) for k, v in d.items()}  # noqa: E731
        traces = {}
        for a, it in its.items():
            t, pf, os_ = it.trace_t, it.trace_pf, it.trace_os
            traces[a] = (t, pf, os_ - pf, 1 - os_)
        return CEAResult(
            arms=tuple(self.arms),
            costs={a: float(o.cost[0]) for a, o in outs.items()},
            qalys={a: float(o.qaly[0]) for a, o in outs.items()},
            life_years={a: float(o.ly[0]) for a, o in outs.items()},
            costs_undiscounted={a: float(o.cost_u[0]) for a, o in outs.items()},
            qalys_undiscounted={a: float(o.qaly_u[0]) for a, o in outs.items()},
            life_years_discounted={a: float(o.ly_d[0]) for a, o in outs.items()},
            cost_breakdown={a: f(o.parts) for a, o in outs.items()},
            life_years_by_state={a: f(o.ly_state) for a, o in outs.items()},
            qalys_by_state={a: f(o.q_state) for a, o in outs.items()},
            traces=traces,
            clipped={a: it.clipped for a, it in its.items()},
            method=method, cycle=None if method == "exact" else cyc,
            correction=None if method == "exact" else corr,
            horizon=self.horizon, discount=self.discount, discount_qalys=self.discount_qalys,
            wtp=self.wtp, currency=self.currency,
        )

    # ------------------------------------------------------------------ batch
    def evaluate_batch(self, draws: Draws, *, cycle: float | None = None,
                       correction: str | None = None) -> tuple[FloatArray, FloatArray]:
        """Discounted costs and QALYs ``(B, arms)`` for a batch of inputs (cycles method)."""
        outs, _ = self._evaluate(draws, "cycles", self.cycle if cycle is None else cycle,
                                 self.correction if correction is None else correction)
        return (np.stack([o.cost for o in outs.values()], axis=1),
                np.stack([o.qaly for o in outs.values()], axis=1))

    def psa(self, n: int = 10_000, *, seed: int | None = None, cycle: float | None = None,
            correction: str | None = None, wtp: float | None = None) -> Any:
        """Probabilistic sensitivity analysis, vectorised over draws (cycles method).

        Every input with a distribution is drawn (Gaussian copula with the
        model's correlations); curve coefficients with a covariance matrix are
        drawn multivariate normal; inputs shared between arms are drawn once.

        Parameters
        ----------
        n
            Number of draws.
        seed
            Seed of ``numpy.random.default_rng``; the same seed gives the same draws.
        cycle, correction
            Cycle length and within-cycle correction (default: the model's).
        wtp
            Default willingness to pay for the result.

        Returns
        -------
        PSAResult

        Raises
        ------
        InputError
            ``n`` < 1, or draws outside an input's allowed range.

        Examples
        --------
        >>> import evisynth as ev
        >>> e = ev.parametric_curve
        >>> hr = ev.Param(0.7, name="hr", dist="lognormal", low=0.5, high=0.98)
        >>> base = e("exponential", rate=0.2)
        >>> arms = {"new": ev.Arm(pfs=base.with_hazard_ratio(hr), os=base.with_hazard_ratio(hr),
        ...                       one_off_cost=10_000, utilities={"pf": 0.8}),
        ...         "old": ev.Arm(pfs=base, os=base, utilities={"pf": 0.8})}
        >>> p = ev.PartitionedSurvival(arms=arms, horizon=10).psa(200, seed=1)
        >>> p.costs.shape
        (200, 2)

        References
        ----------
        Briggs, Claxton & Sculpher (2006) ch. 4-5.
        """
        from evisynth._validation import check_int
        from evisynth.econ.psa import PSAResult
        n = check_int("n", n, lo=1)
        rng = np.random.default_rng(seed)
        draws = self.draw(n, rng)
        costs, qalys = self.evaluate_batch(draws, cycle=cycle, correction=correction)
        inputs = {(p.name or role): draws.value(p) for _, role, p in self.inputs()
                  if p.dist != "fixed"}
        return PSAResult(arms=tuple(self.arms), costs=costs, qalys=qalys, inputs=inputs,
                         seed=seed, wtp=self.wtp if wtp is None else wtp,
                         currency=self.currency)

    def draw(self, n: int, rng: np.random.Generator) -> Draws:
        """Joint draws of every uncertain input and curve coefficient block.

        Inputs shared between arms are drawn once (Gaussian copula with the model's
        correlations); coefficient blocks with a covariance are drawn multivariate
        normal (:mod:`evisynth.econ.sampling`).

        Parameters
        ----------
        n
            Number of draws.
        rng
            Source of randomness; the same seed gives the same draws.

        Returns
        -------
        Draws
            ``values[id(param)]`` of shape ``(n,)``, ``coefs[id(curve)]`` of shape ``(n, p)``.

        Raises
        ------
        InputError
            A coefficient covariance that is not positive semi-definite, or draws outside
            an input's allowed range (utilities in [-0.6, 1], costs >= 0).

        Examples
        --------
        >>> import numpy as np
        >>> import evisynth as ev
        >>> e = ev.parametric_curve
        >>> hr = ev.Param(0.7, name="hr", dist="lognormal", low=0.5, high=0.98)
        >>> base = e("exponential", rate=0.2)
        >>> arms = {"new": ev.Arm(pfs=base.with_hazard_ratio(hr), os=base.with_hazard_ratio(hr)),
        ...         "old": ev.Arm(pfs=base, os=base)}
        >>> m = ev.PartitionedSurvival(arms=arms, horizon=10)
        >>> m.draw(5, np.random.default_rng(1)).value(hr).shape
        (5,)

        References
        ----------
        Briggs, Claxton & Sculpher (2006) ch. 4.
        """
        return draw_inputs(self, n, rng)

    # ------------------------------------------------------------------ DSA
    def dsa(self, intervention: str, comparator: str, *, wtp: float | None = None,
            method: str = "cycles", outcome: str = "nmb") -> Any:
        """One-way sensitivity analysis: every uncertain input, one at a time.

        Each input goes to the ends of its low/high range, or, without a range, to
        the 2.5% and 97.5% points of its distribution.

        Parameters
        ----------
        intervention, comparator
            The two arms compared.
        wtp
            Willingness to pay (for the net monetary benefit).
        method
            ``cycles`` (one batched evaluation of all rows) or ``exact`` (a loop).
        outcome
            ``nmb`` (incremental net monetary benefit) or ``icer``.

        Returns
        -------
        DSAResult

        Raises
        ------
        InputError
            Unknown arms or outcome; no input has a range.

        Examples
        --------
        >>> import evisynth as ev
        >>> e = ev.parametric_curve
        >>> price = ev.Param(10_000, name="price", low=5_000, high=15_000)
        >>> arms = {"new": ev.Arm(pfs=e("exponential", rate=0.1), os=e("exponential", rate=0.1),
        ...                       one_off_cost=price, utilities={"pf": 0.8}),
        ...         "old": ev.Arm(pfs=e("exponential", rate=0.2), os=e("exponential", rate=0.2),
        ...                       utilities={"pf": 0.8})}
        >>> d = ev.PartitionedSurvival(arms=arms, horizon=10).dsa("new", "old", wtp=50_000)
        >>> d.table["input"].tolist()
        ['price']

        References
        ----------
        Briggs, Claxton & Sculpher (2006) ch. 4 (one-way sensitivity analysis).
        """
        from evisynth.econ.dsa import run_dsa

        return run_dsa(self, intervention, comparator, wtp=wtp, method=method, outcome=outcome)

    def threshold(self, param: Param, intervention: str, comparator: str, *, wtp: float,
                  lo: float | None = None, hi: float | None = None,
                  method: str = "exact") -> float:
        """Value of ``param`` at which the ICER of ``intervention`` vs ``comparator`` = ``wtp``.

        Solved by root finding on the incremental net monetary benefit
        (exact for inputs that enter linearly, e.g. a price).

        Parameters
        ----------
        param
            The input to vary.
        intervention, comparator
            The arms.
        wtp
            Willingness to pay per QALY.
        lo, hi
            Search bracket (default: 0 to 10 x the value, or the input's range).
        method
            ``exact`` or ``cycles``.

        Returns
        -------
        float

        Raises
        ------
        InputError
            If the input is not in the model, or no threshold lies in the bracket.

        Examples
        --------
        >>> import evisynth as ev
        >>> e = ev.parametric_curve
        >>> price = ev.Param(10_000, name="price")
        >>> arms = {"new": ev.Arm(pfs=e("exponential", rate=0.1), os=e("exponential", rate=0.1),
        ...                       one_off_cost=price, utilities={"pf": 1.0}),
        ...         "old": ev.Arm(pfs=e("exponential", rate=0.2), os=e("exponential", rate=0.2),
        ...                       utilities={"pf": 1.0})}
        >>> m = ev.PartitionedSurvival(arms=arms, horizon=10, discount=0.0)
        >>> p = m.threshold(price, "new", "old", wtp=50_000)
        >>> r = m.run(overrides={price: p}); round(r.icer("new", "old"))
        50000

        References
        ----------
        Briggs, Claxton & Sculpher (2006) ch. 4 (threshold analysis).
        """
        return solve_threshold(self, param, intervention, comparator, wtp=wtp, lo=lo, hi=hi,
                               method=method)
