"""``interval_check``: which interval to trust for *this* meta-analysis.

A design-matched simulation: the fit's own number of studies and sampling
variances (taken as known), true mean effect equal to its estimate, and a grid
of tau spanning its Q-profile confidence interval for tau² (Viechtbauer 2007).
For every tau on the grid and every method, the coverage of the nominal
interval is estimated from ``reps`` replications. A method whose coverage is
close to nominal over the whole plausible range of tau is one whose interval
can be trusted for data like these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evisynth._html import result_html
from evisynth._validation import check_int
from evisynth.engine import make_batch, qprofile_tau2
from evisynth.engine.intercept import fit_intercept
from evisynth.errors import InputError
from evisynth.simulate.design import FixedVariances, SimDesign
from evisynth.simulate.methods import Method, parse_methods
from evisynth.simulate.run import simulate

#: Methods checked by default besides the fit's own.
DEFAULT_METHODS = (("REML", "knha"), ("REML", "z"), ("REML", "adhoc"))


@dataclass(frozen=True)
class IntervalCheck:
    """Result of :func:`interval_check`.

    Attributes
    ----------
    table
        The simulation table (one row per tau x method; columns of
        :func:`evisynth.simulate`).
    figure
        Coverage and median width against tau per method
        (:func:`evisynth.plots.simulation.coverage_plot`).
    tau_grid
        The tau values simulated.
    tau_lb, tau_ub
        The fit's Q-profile confidence interval for tau.
    reps, seed, level
        Replications per tau, seed of the run, nominal level (percent).
    """

    table: Any = field(repr=False)
    figure: Any = field(repr=False)
    tau_grid: tuple[float, ...]
    tau_lb: float
    tau_ub: float
    reps: int
    seed: int
    level: float

    def coverage(self, method: str) -> dict[float, float]:
        """Coverage of ``method`` (label such as ``"REML-knha"``) at each tau of the grid."""
        sub = self.table[self.table["method"] == method]
        if sub.empty:
            have = ", ".join(dict.fromkeys(self.table["method"]))
            raise InputError(
                f"argument 'method': {method!r} was not checked; checked: {have}",
                where="method",
            )
        return {float(t): float(c) for t, c in zip(sub["tau"], sub["coverage"], strict=True)}

    def worst(self) -> dict[str, float]:
        """Lowest coverage over the tau grid, per method."""
        g = self.table.groupby("method", sort=False)["coverage"].min()
        return {str(k): float(v) for k, v in g.items()}

    def to_dict(self) -> dict[str, Any]:
        """``tau_grid``, ``tau_lb``, ``tau_ub``, ``reps``, ``seed``, ``level`` and the rows."""
        return {
            "tau_grid": list(self.tau_grid),
            "tau_lb": self.tau_lb,
            "tau_ub": self.tau_ub,
            "reps": self.reps,
            "seed": self.seed,
            "level": self.level,
            "rows": self.table.to_dict("records"),
        }

    def summary(self) -> str:
        """Coverage per method and tau as a small text table."""
        piv = self.table.pivot_table(
            index="method", columns="tau", values="coverage", sort=False
        )
        taus = list(piv.columns)
        w = max(len(str(m)) for m in piv.index)
        lines = [
            f"Design-matched coverage of {self.level:g}% intervals ({self.reps} replications "
            f"per tau; Q-profile interval of tau: [{self.tau_lb:.4f}, {self.tau_ub:.4f}])",
            "",
            f"{'tau':>{w}s} " + " ".join(f"{t:7.4f}" for t in taus) + "   worst",
        ]
        for m, row in piv.iterrows():
            vals = [float(row[t]) for t in taus]
            lines.append(
                f"{m!s:>{w}s} " + " ".join(f"{v:7.3f}" for v in vals) + f"   {min(vals):.3f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return result_html(f"Interval check ({self.reps} replications per tau)",
                           text=self.summary())


def _tau_grid(yi: np.ndarray, vi: np.ndarray, level: float, n: int) -> tuple[float, float,
                                                                           tuple[float, ...]]:
    batch = make_batch(yi, vi)
    reml = fit_intercept(yi[None, :], vi[None, :], "REML", "z")
    ci = qprofile_tau2(batch, reml.tau2, level)
    lb, ub = float(np.sqrt(ci.lb[0])), float(np.sqrt(ci.ub[0]))
    if ub <= lb:
        # An empty or degenerate Q-profile interval: check homogeneity and a
        # modest spread around the largest within-study SD.
        ub = lb + float(np.sqrt(np.max(vi)))
    tau_hat = float(np.sqrt(reml.tau2[0]))
    grid = tuple(sorted({float(x) for x in np.linspace(lb, ub, n)} | {tau_hat}))
    return lb, ub, grid


def interval_check(
    fit: Any,
    reps: int = 4000,
    tau: Any = None,
    *,
    methods: Any = None,
    n_tau: int = 6,
    seed: int = 20140218,
    mu: float | None = None,
    plot: bool = True,
    **kwargs: Any,
) -> IntervalCheck:
    """Design-matched coverage of interval methods for one meta-analysis.

    Parameters
    ----------
    fit
        Result of :func:`evisynth.rma` (intercept-only model) or of
        :func:`evisynth.bayesmeta`.
    reps
        Replications per tau value (the Monte-Carlo SE of a coverage near 95%
        is about ``0.22 / sqrt(reps)``).
    tau
        Tau values to simulate; default ``n_tau`` equally spaced values from the
        lower to the upper bound of the fit's Q-profile interval for tau (REML
        estimate of tau², level of the fit), plus the REML estimate of tau.
    methods
        Methods to compare (as in :func:`evisynth.simulate`, e.g.
        ``("bayes", "halfnormal:0.5")``); default the fit's own method and test
        (for a Bayesian fit: its prior) plus REML with ``knha``, ``z`` and
        ``adhoc``. A Bayesian method costs about a millisecond per replication
        (numerical integration), far more than the others.
    n_tau
        Number of tau values in the default grid.
    seed
        Seed of the simulation (fixed default: the same check gives the same table).
    mu
        True mean effect; default the fit's estimate (coverage does not depend
        on it for location-equivariant methods; the rejection rate is then the
        power at the estimated effect).
    plot
        Also draw the figure (``figure`` is ``None`` otherwise).
    **kwargs
        Passed to :func:`evisynth.simulate` (``backend``, ``client``,
        ``chunk_size``, ``progress``).

    Returns
    -------
    IntervalCheck
        ``table``, ``figure``, ``tau_grid``, the Q-profile bounds of tau,
        ``coverage(method)``, ``worst()``, ``summary()``.

    Raises
    ------
    InputError
        If ``fit`` is not an intercept-only ``rma`` or a ``bayesmeta`` result with ``k >= 2``, or
        ``tau``/``methods``/``reps`` are invalid.

    References
    ----------
    Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity
    in meta-analysis. Stat Med 26:37-52. IntHout J, Ioannidis JPA, Borm GF
    (2014). The Hartung-Knapp-Sidik-Jonkman method for random effects
    meta-analysis is straightforward and considerably outperforms the standard
    DerSimonian-Laird method. BMC Med Res Methodol 14:25.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07])
    >>> chk = fit.interval_check(reps=1000, plot=False)
    >>> sorted(chk.worst())
    ['REML-adhoc', 'REML-knha', 'REML-z']
    """
    from evisynth.meta.bayes import BayesMetaResult
    from evisynth.meta.results import RMAResult

    if not isinstance(fit, RMAResult | BayesMetaResult):
        raise InputError(
            f"argument 'fit': expected the result of evisynth.rma (an RMAResult) or of "
            f"evisynth.bayesmeta, got {type(fit).__name__}",
            where="fit",
        )
    if fit.k < 2:
        raise InputError(
            f"argument 'fit': interval_check needs k >= 2 studies, the fit has k = {fit.k}",
            where="fit",
        )
    n = check_int("reps", reps, lo=1)
    nt = check_int("n_tau", n_tau, lo=1)
    yi, vi = np.asarray(fit.yi, dtype=float), np.asarray(fit.vi, dtype=float)
    lb, ub, grid = _tau_grid(yi, vi, fit.level, nt)
    if tau is not None:
        design_tau: Any = tau
    else:
        design_tau = grid
    own: Any
    if isinstance(fit, RMAResult):
        own = (fit.method, fit.test)
    else:
        from evisynth.simulate.bayes import BayesSpec

        mp = None if fit.mu_prior is None else (fit.mu_prior.mean, fit.mu_prior.sd)
        own = ("bayes", BayesSpec(fit.tau_prior, mp, fit.shortest))
    specs = list(methods) if methods is not None else [own, *DEFAULT_METHODS]
    ms: tuple[Method, ...] = parse_methods(specs)
    design = SimDesign(
        k=fit.k, tau=design_tau, mu=fit.estimate if mu is None else mu,
        vi=FixedVariances(vi),
    )
    table = simulate(design, ms, reps=n, seed=seed, level=fit.level, **kwargs)
    fig = None
    if plot:
        from evisynth.plots.simulation import coverage_plot

        fig = coverage_plot(
            table, title=f"Design-matched coverage (k = {fit.k}, {n} replications per τ)"
        )
    return IntervalCheck(
        table=table,
        figure=fig,
        tau_grid=tuple(float(t) for t in design.tau),
        tau_lb=lb,
        tau_ub=ub,
        reps=n,
        seed=seed,
        level=fit.level,
    )

