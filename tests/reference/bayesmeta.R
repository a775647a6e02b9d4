# Oracle for evisynth.bayesmeta: the posterior of the normal-normal hierarchical
# model computed independently in R by adaptive quadrature (stats::integrate with
# rel.tol = 1e-12) and root finding (uniroot, tol = 1e-14). Writes
# tests/reference/bayesmeta.json.
#
#   Rscript tests/reference/bayesmeta.R        (from the repository root)
#
# This code shares nothing with evisynth's implementation: it integrates over tau
# itself (not log tau), with R's adaptive Gauss-Kronrod rule, splits each
# integral at the posterior mode, and obtains the Bayes factor for mu = 0 from
# the marginal likelihood of the model with mu fixed at 0 (evisynth uses the
# Savage-Dickey density ratio). The R package bayesmeta is not in Debian, so it
# is not used. Effect sizes come from metafor's escalc on metadat datasets.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

RT <- 1e-12

WORST <- RT  # loosest rel.tol that integrate needed in the current fit
integ1 <- function(f, lo, hi) {
  for (tol in c(RT, 1e-11, 1e-10, 1e-9, 1e-8)) {
    r <- tryCatch(integrate(f, lo, hi, rel.tol = tol, abs.tol = 0, subdivisions = 10000L),
                  error = function(e) NULL)
    if (!is.null(r)) {
      WORST <<- max(WORST, tol)
      return(r$value)
    }
  }
  stop("integrate failed on [", lo, ", ", hi, "]")
}
# Integrals to infinity are split once more so that each piece is well scaled.
integ <- function(f, lo, hi) {
  if (hi <= lo) return(0)
  if (is.finite(hi)) return(integ1(f, lo, hi))
  mid <- max(10 * lo, 5)
  integ1(f, lo, mid) + integ1(f, mid, Inf)
}

# ---- priors on tau (own code, not bayesmeta's) ---------------------------------
priors <- list(
  halfnormal_0.5 = list(spec = "halfnormal:0.5", upper = Inf,
                        logd = function(t) log(2) + dnorm(t, 0, 0.5, log = TRUE)),
  halfcauchy_1 = list(spec = "halfcauchy:1", upper = Inf,
                      logd = function(t) log(2) + dcauchy(t, 0, 1, log = TRUE)),
  turner_allcause = list(spec = "turner:all-cause mortality:pharmacological vs placebo/control",
                         upper = Inf,
                         # Turner et al. 2015 Table IV: log(tau^2) ~ N(-3.95, 1.34^2)
                         logd = function(t) dlnorm(t, -3.95 / 2, 1.34 / 2, log = TRUE)),
  uniform_2 = list(spec = "uniform:2", upper = 2, logd = function(t) dunif(t, 0, 2, log = TRUE)),
  exponential_0.5 = list(spec = "exponential:0.5", upper = Inf,
                         logd = function(t) dexp(t, rate = 2, log = TRUE)),
  lomax_1.5_0.5 = list(spec = "lomax:1.5:0.5", upper = Inf,
                       logd = function(t) log(1.5 / 0.5) - 2.5 * log1p(t / 0.5)),
  halft_0.5_3 = list(spec = "halft:0.5:3", upper = Inf,
                     logd = function(t) log(2) + dt(t / 0.5, df = 3, log = TRUE) - log(0.5)),
  improper = list(spec = "improper", upper = Inf, logd = function(t) rep(0, length(t)))
)

# ---- the model -------------------------------------------------------------------
# log p(y | tau) with mu integrated out: flat prior (mu0 = NULL) or N(mu0, s0^2).
make_model <- function(y, v, prior, mu0 = NULL, s0 = NULL) {
  k <- length(y)
  cond <- function(t) {  # mhat(tau), V(tau), log p(y | tau)
    w <- 1 / (v + t^2)
    if (is.null(mu0)) {
      W <- sum(w); m <- sum(w * y) / W
      ll <- -(k - 1) / 2 * log(2 * pi) + 0.5 * sum(log(w)) - 0.5 * log(W) - 0.5 * sum(w * (y - m)^2)
    } else {
      # exact Gaussian marginal of y: y ~ N(mu0 1, diag(v + tau^2) + s0^2 11')
      S <- diag(v + t^2, nrow = k) + s0^2
      W <- sum(w) + 1 / s0^2; m <- (sum(w * y) + mu0 / s0^2) / W
      ll <- mvtnorm_log(y - mu0, S)
    }
    c(m, 1 / W, ll)
  }
  logk <- function(t) sapply(t, function(tt) prior$logd(tt) + cond(tt)[3])
  upper <- prior$upper
  lo_t <- 1e-8
  hi_t <- if (is.finite(upper)) upper else 50
  opt <- optimize(function(lt) -logk(exp(lt)), c(log(lo_t), log(hi_t)), tol = 1e-10)
  tm <- exp(opt$minimum)
  lmax <- max(logk(tm), logk(lo_t))
  f <- function(t) exp(logk(t) - lmax)
  Z <- integ(f, 0, tm) + integ(f, tm, upper)
  E <- function(g) (integ(function(t) f(t) * g(t), 0, tm) +
                      integ(function(t) f(t) * g(t), tm, upper)) / Z
  list(k = k, cond = cond, logk = logk, f = f, Z = Z, tm = tm, lmax = lmax, upper = upper,
       E = E, logmarg = lmax + log(Z))
}

mvtnorm_log <- function(r, S) {
  ch <- chol(S)
  z <- backsolve(ch, r, transpose = TRUE)
  -length(r) / 2 * log(2 * pi) - sum(log(diag(ch))) - 0.5 * sum(z^2)
}

vec <- function(fun) function(t) sapply(t, fun)

tau_cdf <- function(M, t) {
  if (t <= M$tm) integ(M$f, 0, t) / M$Z else 1 - integ(M$f, t, M$upper) / M$Z
}
tau_q <- function(M, p) {
  hi <- if (is.finite(M$upper)) M$upper else 10 * M$tm + 10
  while (!is.finite(M$upper) && tau_cdf(M, hi) < p) hi <- hi * 4
  uniroot(function(t) tau_cdf(M, t) - p, c(0, hi), tol = 1e-14)$root
}

# Mixture over tau of N(mean(tau), sd(tau)^2): CDF and quantile.
mix_cdf <- function(M, comp, x) {
  M$E(vec(function(t) { c <- comp(t); pnorm(x, c[1], c[2]) }))
}
mix_q <- function(M, comp, p, start) {
  g <- function(x) mix_cdf(M, comp, x) - p
  uniroot(g, c(start - 1, start + 1), extendInt = "upX", tol = 1e-14)$root
}
# A divergent integral (a moment that does not exist, e.g. E[tau^2] under a
# half-Cauchy prior with k = 2) makes integrate fail: the moment is then
# reported as NA (mean) or Inf (sd).
mix_mean_sd <- function(M, comp) {
  mu <- tryCatch(M$E(vec(function(t) comp(t)[1])), error = function(e) NA)
  if (is.na(mu)) return(c(NA, Inf))
  va <- tryCatch(M$E(vec(function(t) { c <- comp(t); c[2]^2 + (c[1] - mu)^2 })),
                 error = function(e) Inf)
  c(mu, sqrt(va))
}

analyse <- function(y, v, prior, mu0 = NULL, s0 = NULL, level = 0.95, shortest = FALSE,
                    studies = TRUE) {
  WORST <<- RT
  M <- make_model(y, v, prior, mu0, s0)
  a <- (1 - level) / 2
  comp_mu <- function(t) { c <- M$cond(t); c(c[1], sqrt(c[2])) }
  comp_pred <- function(t) { c <- M$cond(t); c(c[1], sqrt(c[2] + t^2)) }
  ms <- mix_mean_sd(M, comp_mu)
  tm_tau <- tryCatch(M$E(function(t) t), error = function(e) Inf)
  m0 <- M$cond(M$tm)[1]
  s1 <- sqrt(M$cond(M$tm)[2])
  out <- list(
    tau = tau_q(M, 0.5), tau_lb = tau_q(M, a), tau_ub = tau_q(M, 1 - a),
    tau_mean = tm_tau,
    estimate = mix_q(M, comp_mu, 0.5, m0),
    # With a flat effect prior sd(mu | tau) grows like tau: E|mu| is finite only
    # if E[tau] is (the conditional means alone stay bounded).
    mean = if (is.null(mu0) && !is.finite(tm_tau)) NA else ms[1],
    sd = if (is.finite(ms[2])) ms[2] else "Inf",
    ci_lb = mix_q(M, comp_mu, a, m0 - 2 * s1),
    ci_ub = mix_q(M, comp_mu, 1 - a, m0 + 2 * s1),
    pi_median = mix_q(M, comp_pred, 0.5, m0),
    pi_lb = mix_q(M, comp_pred, a, m0 - 2 * s1),
    pi_ub = mix_q(M, comp_pred, 1 - a, m0 + 2 * s1),
    prob_below_0 = mix_cdf(M, comp_mu, 0),
    log_marglik = M$logmarg,
    bf01_tau0 = exp(M$cond(0)[3] - M$logmarg)
  )
  if (!is.null(mu0)) {
    # p(y | mu = 0) = int p(tau) prod N(y_i; 0, v_i + tau^2) dtau, integrated on its own.
    l0 <- function(t) sapply(t, function(tt) prior$logd(tt) + sum(dnorm(y, 0, sqrt(v + tt^2), log = TRUE)))
    off <- l0(M$tm)
    f0 <- function(t) exp(l0(t) - off)
    Z0 <- integ(f0, 0, M$tm) + integ(f0, M$tm, M$upper)
    out$bf01_mu0 <- exp(off + log(Z0) - M$logmarg)
  }
  if (shortest) {
    len <- function(al) mix_q(M, comp_mu, al + level, m0) - mix_q(M, comp_mu, al, m0)
    al <- optimize(len, c(1e-9, 1 - level - 1e-9), tol = 1e-12)$minimum
    out$short_lb <- mix_q(M, comp_mu, al, m0)
    out$short_ub <- mix_q(M, comp_mu, al + level, m0)
  }
  if (studies) {
    th <- lapply(seq_along(y), function(i) {
      comp <- function(t) {
        c <- M$cond(t); b <- v[i] / (v[i] + t^2)
        c((1 - b) * y[i] + b * c[1], sqrt(b * t^2 + b^2 * c[2]))
      }
      st <- y[i]
      c(mix_q(M, comp, 0.5, st), mix_q(M, comp, a, st - 2 * sqrt(v[i])),
        mix_q(M, comp, 1 - a, st + 2 * sqrt(v[i])))
    })
    out$theta_median <- sapply(th, `[`, 1)
    out$theta_lb <- sapply(th, `[`, 2)
    out$theta_ub <- sapply(th, `[`, 3)
  }
  out$integrate_rel_tol <- WORST
  out
}

# ---- data and output (skipped when this file is source()d, e.g. by bench/bayes_bench.R)
if (sys.nframe() == 0L) {
datasets <- list()
add <- function(name, yi, vi, source) {
  datasets[[name]] <<- list(yi = as.numeric(yi), vi = as.numeric(vi), source = source)
}
es <- escalc("OR", ai = ep1t, n1i = nt, ci = ep1c, n2i = nc, data = dat.cannon2006)
add("cannon2006_k2", es$yi[1:2], es$vi[1:2],
    "dat.cannon2006 (intensive statins), first 2 trials, log odds ratio of endpoint 1")
add("cannon2006_k4", es$yi, es$vi, "dat.cannon2006, all 4 trials, log odds ratio of endpoint 1")
es <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hine1989)
add("hine1989_k3", es$yi[1:3], es$vi[1:3], "dat.hine1989 (lidocaine), first 3 trials, log OR")
es <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
             data = dat.normand1999)
add("normand1999_k5", es$yi[1:5], es$vi[1:5], "dat.normand1999 (stroke units), first 5, SMD")
es <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
add("bcg_k13", es$yi, es$vi, "dat.bcg (Colditz et al. 1994), log risk ratio")
add("hackshaw1998_k30", dat.hackshaw1998$yi[1:30], dat.hackshaw1998$vi[1:30],
    "dat.hackshaw1998 (passive smoking), first 30 studies, log OR as given")
add("identical_k4", rep(0.3, 4), c(0.05, 0.1, 0.2, 0.4), "constructed: identical estimates")
add("hugevar_k4", c(-0.5, -0.2, 0.1, 0.4), c(0.04, 0.09, 0.06, 1e4),
    "constructed: one study with a huge variance")
hr <- c(0.398, 0.375, 1.07); lb <- c(0.308, 0.259, 0.82); ub <- c(0.514, 0.542, 1.40)
add("three_hr", log(hr), ((log(ub) - log(lb)) / (2 * qnorm(0.975)))^2,
    "three hazard ratios with 95% CIs (log HR, variance from the CI width)")
add("single_k1", -0.4, 0.05, "constructed: one study")

proper_priors <- c("halfnormal_0.5", "halfcauchy_1", "turner_allcause", "uniform_2",
                   "exponential_0.5")
fits <- list()
for (dn in names(datasets)) {
  d <- datasets[[dn]]
  k <- length(d$yi)
  pn <- proper_priors
  if (dn %in% c("bcg_k13", "three_hr", "cannon2006_k4")) pn <- c(pn, "lomax_1.5_0.5", "halft_0.5_3")
  if (k >= 3 && dn %in% c("bcg_k13", "hine1989_k3", "normand1999_k5")) pn <- c(pn, "improper")
  for (p in pn) {
    cat(dn, p, "\n")
    r <- analyse(d$yi, d$vi, priors[[p]], shortest = (p == "halfnormal_0.5" && k <= 13),
                 studies = TRUE)
    fits[[length(fits) + 1]] <- c(list(dataset = dn, prior = priors[[p]]$spec, mu_prior = NULL),
                                  r)
  }
  # a normal effect prior, N(0, 2^2), with the half-normal(0.5)
  cat(dn, "normal mu prior\n")
  r <- analyse(d$yi, d$vi, priors[["halfnormal_0.5"]], mu0 = 0, s0 = 2, studies = TRUE)
  fits[[length(fits) + 1]] <- c(list(dataset = dn, prior = "halfnormal:0.5",
                                     mu_prior = c(0, 2)), r)
}

out <- list(
  generator = "tests/reference/bayesmeta.R",
  R = R.version.string,
  metafor = as.character(packageVersion("metafor")),
  rel_tol = RT,
  datasets = datasets,
  fits = fits
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null"),
           "tests/reference/bayesmeta.json")
cat("wrote tests/reference/bayesmeta.json with", length(fits), "fits\n")
}
