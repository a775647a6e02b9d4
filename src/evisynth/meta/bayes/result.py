"""The result of :func:`evisynth.bayesmeta`: :class:`BayesMetaResult`, the posterior."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evisynth._validation import FloatArray, check_choice
from evisynth.engine.bayes import BayesGrid, bayes_batch, posterior_grid
from evisynth.errors import InputError
from evisynth.meta.bayes.choice import check_proper
from evisynth.meta.priors import NormalEffectPrior, TauPrior
from evisynth.meta.results import LOG_MEASURES, exp_location

__all__ = ["BayesMetaResult"]


@dataclass(frozen=True)
class BayesMetaResult:
    """Result of :func:`evisynth.bayesmeta`: the posterior of a random-effects model.

    Location fields are on the analysis scale (e.g. log hazard ratio);
    :meth:`exp` gives the ratio scale. ``estimate`` is the posterior median of
    ``mu`` and ``ci_lb``/``ci_ub`` its credible interval (central, or the
    shortest with ``shortest=True``); ``tau`` is the posterior median of the
    between-study standard deviation with ``tau_lb``/``tau_ub``;
    ``pi_lb``/``pi_ub`` bound a new study's true effect (posterior
    predictive). ``bf01_tau0`` and ``bf01_mu0`` are Bayes factors *for* the
    null (``> 1`` favours ``tau = 0`` resp. ``mu = 0``); the latter needs a
    proper effect prior. ``theta_*`` are the shrunken study effects.
    """

    estimate: float
    mean: float
    sd: float
    ci_lb: float
    ci_ub: float
    tau: float
    tau_mean: float
    tau_lb: float
    tau_ub: float
    pi_median: float
    pi_lb: float
    pi_ub: float
    log_marglik: float
    bf01_tau0: float
    bf01_mu0: float
    k: int
    level: float
    shortest: bool
    tau_prior: TauPrior
    mu_prior: NormalEffectPrior | None
    yi: FloatArray = field(repr=False)
    vi: FloatArray = field(repr=False)
    theta_mean: FloatArray = field(repr=False)
    theta_sd: FloatArray = field(repr=False)
    theta_median: FloatArray = field(repr=False)
    theta_lb: FloatArray = field(repr=False)
    theta_ub: FloatArray = field(repr=False)
    labels: tuple[str, ...] | None = field(default=None, repr=False)
    measure: str = "GEN"
    grid: BayesGrid | None = field(default=None, repr=False, compare=False)

    # -- accessors -----------------------------------------------------------------
    @property
    def tau2(self) -> float:
        """Posterior median of ``tau²`` (the square of the median of ``tau``)."""
        return self.tau**2

    @property
    def study_labels(self) -> tuple[str, ...]:
        return self.labels or tuple(f"Study {i + 1}" for i in range(self.k))

    def _grid(self) -> BayesGrid:
        if self.grid is None:
            mp = None if self.mu_prior is None else (self.mu_prior.mean, self.mu_prior.sd)
            return posterior_grid(self.yi[None, :], self.vi[None, :],
                                  np.ones((1, self.k), bool), self.tau_prior, mp)
        return self.grid

    def cdf(self, x: Any, what: str = "mu") -> FloatArray:
        """Posterior CDF of ``mu``, ``tau`` or a new study's effect (``"pred"``) at ``x``.

        Raises
        ------
        InputError
            Unknown ``what``.
        """
        what = check_choice("what", what, ("mu", "tau", "pred"))
        g = self._grid()
        xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
        if what == "tau":
            return np.array([float(g.tau_cdf(np.array([t]))[0]) for t in xs])
        m, s = g.components(what)
        z = (xs[:, None] - m[0][None, :]) / s[0][None, :]
        from scipy.special import ndtr

        return np.asarray((g.weight[0] * ndtr(z)).sum(axis=1), dtype=np.float64)

    def prob(self, threshold: float = 0.0, side: str = "below", what: str = "mu") -> float:
        """Posterior probability that ``mu`` (or ``what``) lies below/above ``threshold``.

        For a hazard ratio, ``prob(0.0)`` is ``P(HR < 1)`` (the threshold is on
        the analysis scale: use ``math.log(0.8)`` for ``P(HR < 0.8)``).

        Parameters
        ----------
        threshold
            Value on the analysis scale.
        side
            ``"below"`` (``"<"``) or ``"above"`` (``">"``).
        what
            ``"mu"`` (default), ``"pred"`` (a new study's true effect) or ``"tau"``.

        Returns
        -------
        float

        Raises
        ------
        InputError
            Unknown ``side`` or ``what``, or a threshold that is not a number.
        """
        try:
            t = float(threshold)
        except (TypeError, ValueError):
            raise InputError(f"argument 'threshold': {threshold!r} is not a number",
                             where="threshold") from None
        sides = {"below": "below", "<": "below", "above": "above", ">": "above"}
        if side not in sides:
            raise InputError(f"argument 'side': {side!r} is not one of below, above, <, >",
                             where="side")
        F = float(self.cdf([t], what)[0])
        return F if sides[side] == "below" else 1.0 - F

    def density(self, what: str = "mu", x: Any = None, n: int = 401) -> tuple[FloatArray,
                                                                               FloatArray]:
        """Posterior density curve ``(x, f(x))`` of ``mu``, ``tau`` or ``"pred"``, for plots.

        Without ``x``, ``n`` points spanning the 0.05%..99.95% range (``tau``: from 0).
        """
        what = check_choice("what", what, ("mu", "tau", "pred"))
        g = self._grid()
        if x is None:
            if what == "tau":
                hi = float(g.tau_quantile(0.9995)[0])
                xs = np.linspace(0.0, hi * 1.1, n)
            else:
                m, s = g.components(what)
                lo = float(_q(g, what, 0.0005))
                hi = float(_q(g, what, 0.9995))
                pad = 0.05 * (hi - lo)
                xs = np.linspace(lo - pad, hi + pad, n)
        else:
            xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
        if what == "tau":
            return xs, g.tau_density(xs[None, :])[0]
        m, s = g.components(what)
        z = (xs[:, None] - m[0][None, :]) / s[0][None, :]
        f = (g.weight[0] * np.exp(-0.5 * z * z) / (s[0] * math.sqrt(2 * math.pi))).sum(axis=1)
        return xs, f

    def exp(self) -> dict[str, float]:
        """Median, credible and predictive bounds exponentiated (ratio scale).

        Quantiles transform exactly, so these are the posterior median and
        interval of ``exp(mu)``; the posterior mean is not (and is omitted).
        """
        return exp_location(self)

    def leave_one_out(self) -> dict[str, FloatArray]:
        """The analysis ``k`` times, each without one study, in one batched call.

        Returns
        -------
        dict
            Arrays of length ``k`` (row ``i`` omits study ``i``): ``estimate``,
            ``ci_lb``, ``ci_ub``, ``tau``, ``tau_lb``, ``tau_ub``, ``pi_lb``, ``pi_ub``.

        Raises
        ------
        InputError
            If dropping a study leaves an improper posterior (see
            :func:`bayesmeta`).
        """
        check_proper(self.tau_prior, self.mu_prior, self.k - 1)
        mask = ~np.eye(self.k, dtype=bool)
        mp = None if self.mu_prior is None else (self.mu_prior.mean, self.mu_prior.sd)
        r = bayes_batch(np.broadcast_to(self.yi, (self.k, self.k)),
                        np.broadcast_to(self.vi, (self.k, self.k)), mask, self.tau_prior,
                        mu_prior=mp, level=self.level, shortest=self.shortest)
        return {"estimate": r.estimate, "ci_lb": r.ci_lb, "ci_ub": r.ci_ub, "tau": r.tau_median,
                "tau_lb": r.tau_lb, "tau_ub": r.tau_ub, "pi_lb": r.pi_lb, "pi_ub": r.pi_ub}

    def interval_check(self, reps: int = 1000, tau: Any = None, **kwargs: Any) -> Any:
        """Design-matched coverage of this analysis and of REML intervals for its data.

        Delegates to :func:`evisynth.simulate.interval_check` (parameters there):
        the fit's own ``k`` and variances, tau over the data's Q-profile interval;
        methods: this Bayesian analysis (same priors and interval type) and REML
        with ``knha``, ``z`` and ``adhoc``. Fewer default replications than for
        ``rma`` fits: each Bayesian replication is a numerical integration.
        """
        from evisynth.simulate.check import interval_check

        return interval_check(self, reps=reps, tau=tau, **kwargs)

    # -- output ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python values; the keys are part of the API."""
        return {
            "estimate": self.estimate,
            "mean": self.mean,
            "sd": self.sd,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
            "tau": self.tau,
            "tau_mean": self.tau_mean,
            "tau_lb": self.tau_lb,
            "tau_ub": self.tau_ub,
            "tau2": self.tau2,
            "pi_median": self.pi_median,
            "pi_lb": self.pi_lb,
            "pi_ub": self.pi_ub,
            "log_marglik": self.log_marglik,
            "bf01_tau0": self.bf01_tau0,
            "bf01_mu0": self.bf01_mu0,
            "k": self.k,
            "level": self.level,
            "interval": "shortest" if self.shortest else "central",
            "tau_prior": self.tau_prior.label,
            "tau_prior_source": self.tau_prior.source,
            "mu_prior": "flat" if self.mu_prior is None else self.mu_prior.label,
            "theta_median": [float(x) for x in self.theta_median],
            "theta_lb": [float(x) for x in self.theta_lb],
            "theta_ub": [float(x) for x in self.theta_ub],
        }

    def _title(self) -> str:
        return f"Bayesian random-effects meta-analysis (k = {self.k})"

    def summary(self) -> str:
        """Text summary: priors, posterior table, predictive interval, Bayes factors."""
        kind = "shortest" if self.shortest else "central"
        mu_p = "flat (improper uniform)" if self.mu_prior is None else self.mu_prior.label
        lines = [
            self._title(),
            "",
            f"tau prior: {self.tau_prior.label}"
            + (f"  [{self.tau_prior.source}]" if self.tau_prior.source else ""),
            f"mu prior:  {mu_p}",
            "",
            f"Posterior summaries ({self.level:g}% {kind} credible intervals):",
            f"{'':10s} {'median':>9s} {'mean':>9s} {'sd':>9s} {'lower':>9s} {'upper':>9s}",
            f"{'tau':10s} {self.tau:9.4f} {self.tau_mean:9.4f} {'':>9s} "
            f"{self.tau_lb:9.4f} {self.tau_ub:9.4f}",
            f"{'mu':10s} {self.estimate:9.4f} {self.mean:9.4f} {self.sd:9.4f} "
            f"{self.ci_lb:9.4f} {self.ci_ub:9.4f}",
            f"{'theta_new':10s} {self.pi_median:9.4f} {'':>9s} {'':>9s} "
            f"{self.pi_lb:9.4f} {self.pi_ub:9.4f}",
            "",
            f"P(mu < 0) = {self.prob(0.0):.4f}",
            f"Bayes factor for tau = 0: {self.bf01_tau0:.4g}"
            + ("" if self.mu_prior is None else f"; for mu = 0: {self.bf01_mu0:.4g}")
            + " (> 1 favours the null)",
            f"log marginal likelihood: {self.log_marglik:.4f}"
            + (" (relative to the flat effect prior)" if self.mu_prior is None else ""),
        ]
        if self.measure in LOG_MEASURES:
            e = self.exp()
            lines.append(
                f"On the ratio scale ({self.measure}): {e['estimate']:.4f} "
                f"[{e['ci_lb']:.4f}, {e['ci_ub']:.4f}]; prediction interval "
                f"[{e['pi_lb']:.4f}, {e['pi_ub']:.4f}]"
            )
        lines += ["", "Shrunken study estimates (posterior of each study's true effect):"]
        w = max(10, *(len(s) for s in self.study_labels))
        lines.append(f"{'':{w}s} {'yi':>9s} {'median':>9s} {'lower':>9s} {'upper':>9s}")
        for i, lab in enumerate(self.study_labels):
            lines.append(f"{lab:{w}s} {self.yi[i]:9.4f} {self.theta_median[i]:9.4f} "
                         f"{self.theta_lb[i]:9.4f} {self.theta_ub[i]:9.4f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> Any:
        """One row per study (pandas DataFrame indexed by ``label``).

        Columns: ``yi, vi`` (data, analysis scale) and the posterior of each
        study's true effect: ``theta_mean, theta_sd, theta_median, theta_lb,
        theta_ub`` (credible interval at the model's level); for measures with
        a natural scale also ``theta_median_natural, theta_lb_natural,
        theta_ub_natural`` (``attrs["natural_scale"]`` names it).

        Examples
        --------
        >>> import evisynth as ev
        >>> fit = ev.bayesmeta(yi=[-0.5, -0.2, -0.9], vi=[0.04, 0.09, 0.06],
        ...                    tau_prior="halfnormal:0.5")
        >>> fit.to_frame().shape
        (3, 7)
        """
        import pandas as pd

        from evisynth.meta._scale import natural_scale, to_natural

        data: dict[str, Any] = {
            "yi": self.yi, "vi": self.vi, "theta_mean": self.theta_mean,
            "theta_sd": self.theta_sd, "theta_median": self.theta_median,
            "theta_lb": self.theta_lb, "theta_ub": self.theta_ub,
        }
        nat = natural_scale(self.measure)
        if nat is not None:
            for key in ("theta_median", "theta_lb", "theta_ub"):
                data[f"{key}_natural"] = to_natural(self.measure, data[key])
        frame = pd.DataFrame(data, index=pd.Index(list(self.study_labels), name="label"))
        frame.attrs["natural_scale"] = nat
        return frame

    def _repr_html_(self) -> str:
        from evisynth.meta._scale import pooled_html

        loc = {"estimate": self.estimate, "ci_lb": self.ci_lb, "ci_ub": self.ci_ub,
               "pi_lb": self.pi_lb, "pi_ub": self.pi_ub}
        other = {"tau (median)": self.tau, "tau_lb": self.tau_lb, "tau_ub": self.tau_ub,
                 "mu (mean)": self.mean, "mu (sd)": self.sd, "bf01_tau0": self.bf01_tau0,
                 "k": self.k}
        names = {"estimate": "mu (median)", "ci_lb": "mu lower", "ci_ub": "mu upper",
                 "pi_lb": "theta_new lower", "pi_ub": "theta_new upper"}
        return pooled_html(self._title(), self.measure, loc, other=other, names=names,
                           note=f"tau prior {self.tau_prior.label}; {self.level:g}% "
                           f"credible intervals")


def _q(g: BayesGrid, what: str, p: float) -> float:
    from evisynth.engine.bayes import mixture_quantile

    m, s = g.components(what)
    return float(mixture_quantile(g.weight, m, s, p)[0])
