# Oracle values for evisynth.survival (KM, log-rank, Cox, cox.zph, landmarks, RMST,
# survreg, stratified Cox + two-stage REML pooling).
# Regenerate from the repository root with:
#   Rscript tests/reference/survival.R
# Writes tests/reference/survival.json. Needs R packages survival, jsonlite, metafor.
# Cox models are fitted with coxph.control(eps = 1e-12, iter.max = 100) so that the
# reference is converged well beyond the 1e-6 test tolerance.
suppressPackageStartupMessages({
  library(survival); library(jsonlite); library(metafor)
})
ctrl <- coxph.control(eps = 1e-12, toler.chol = 1e-14, iter.max = 100)
num <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

sim <- read.csv("src/evisynth/data/examples/simulated_trial_ipd.csv", check.names = FALSE)
datasets <- list(
  lung = list(time = lung$time, event = lung$status - 1, arm = lung$sex - 1,
              landmarks = c(180, 365, 730), tau = 730),
  veteran = list(time = veteran$time, event = veteran$status, arm = veteran$trt - 1,
                 landmarks = c(30, 90, 180), tau = 365),
  ovarian = list(time = ovarian$futime, event = ovarian$fustat, arm = ovarian$rx - 1,
                 landmarks = c(365, 730), tau = 900),
  simulated = list(time = sim$time, event = sim$event, arm = as.numeric(sim$arm == "CAR-T"),
                   landmarks = c(6, 12, 24), tau = 36)
)

km_out <- function(fit) {
  list(time = num(fit$time), n_risk = num(fit$n.risk), n_event = num(fit$n.event),
       n_censor = num(fit$n.censor), surv = num(fit$surv), std_err = num(fit$std.err),
       lower = num(fit$lower), upper = num(fit$upper))
}

out <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
            metafor = as.character(packageVersion("metafor")), datasets = list())
for (nm in names(datasets)) {
  d <- datasets[[nm]]
  df <- data.frame(time = d$time, event = d$event, arm = d$arm)
  res <- list(data = list(time = d$time, event = d$event, arm = d$arm),
              landmarks = d$landmarks, tau = d$tau, arms = list())
  for (a in c(0, 1)) {
    sub <- df[df$arm == a, ]
    arm_res <- list()
    for (ct in c("log", "log-log", "plain")) {
      fit <- survfit(Surv(time, event) ~ 1, data = sub, conf.type = ct)
      tab <- summary(fit)$table
      sm <- summary(fit, times = d$landmarks)
      rm <- summary(fit, rmean = d$tau)$table
      arm_res[[ct]] <- list(
        km = km_out(fit),
        median = num(tab["median"]), median_lower = num(tab["0.95LCL"]),
        median_upper = num(tab["0.95UCL"]),
        landmark = list(time = num(sm$time), surv = num(sm$surv), std_err = num(sm$std.err),
                        lower = num(sm$lower), upper = num(sm$upper), n_risk = num(sm$n.risk)),
        rmst = num(rm["rmean"]), rmst_se = num(rm["se(rmean)"]))
    }
    res$arms[[as.character(a)]] <- arm_res
  }
  sd <- survdiff(Surv(time, event) ~ arm, data = df)
  res$logrank <- list(chisq = num(sd$chisq), observed = num(sd$obs), expected = num(sd$exp))
  for (ties in c("efron", "breslow")) {
    cf <- coxph(Surv(time, event) ~ arm, data = df, ties = ties, control = ctrl)
    res[[paste0("cox_", ties)]] <- list(
      coef = num(coef(cf)), se = num(sqrt(diag(vcov(cf)))), loglik = num(cf$loglik),
      score = num(cf$score), wald = num(cf$wald.test),
      lr = num(2 * diff(cf$loglik)))
  }
  cf <- coxph(Surv(time, event) ~ arm, data = df, ties = "efron", control = ctrl)
  for (tr in c("km", "identity")) {
    z <- cox.zph(cf, transform = tr)
    res[[paste0("zph_", tr)]] <- list(chisq = num(z$table[, "chisq"]), p = num(z$table[, "p"]))
  }
  sr <- list()
  for (dist in c("exponential", "weibull", "lognormal", "loglogistic")) {
    for (a in c(0, 1)) {
      f <- survreg(Surv(time, event) ~ 1, data = df[df$arm == a, ], dist = dist,
                   control = survreg.control(rel.tolerance = 1e-12, maxiter = 200))
      sr[[paste0(dist, "_", a)]] <- list(mu = num(coef(f)), log_scale = num(log(f$scale)),
                                         loglik = num(f$loglik[2]),
                                         vcov = num(vcov(f)))
    }
  }
  res$survreg <- sr
  out$datasets[[nm]] <- res
}

# Two covariates (lung: sex and age) for multi-covariate Cox and the global zph test.
cf2 <- coxph(Surv(time, status) ~ sex + age, data = lung, control = ctrl)
z2 <- cox.zph(cf2)
z2i <- cox.zph(cf2, transform = "identity")
out$lung_sex_age <- list(
  time = lung$time, event = lung$status - 1, sex = lung$sex, age = lung$age,
  coef = num(coef(cf2)), se = num(sqrt(diag(vcov(cf2)))), loglik = num(cf2$loglik),
  score = num(cf2$score), wald = num(cf2$wald.test),
  zph_km = list(chisq = num(z2$table[, "chisq"]), p = num(z2$table[, "p"])),
  zph_identity = list(chisq = num(z2i$table[, "chisq"]), p = num(z2i$table[, "p"])))

# Pooling: veteran, each cell type treated as a "trial".
vet <- veteran
vet$arm <- vet$trt - 1
sc <- coxph(Surv(time, status) ~ arm + strata(celltype), data = vet, control = ctrl)
per <- lapply(levels(vet$celltype), function(l) {
  f <- coxph(Surv(time, status) ~ arm, data = vet[vet$celltype == l, ], control = ctrl)
  c(coef(f), vcov(f)[1, 1])
})
per <- do.call(rbind, per)
ma <- rma(yi = per[, 1], vi = per[, 2], method = "REML", test = "z",
          control = list(REMLtolerance = 1e-12, maxiter = 1000))
out$pooling <- list(
  time = vet$time, event = vet$status, arm = vet$arm, trial = as.character(vet$celltype),
  trials = levels(vet$celltype),
  one_stage = list(coef = num(coef(sc)), se = num(sqrt(vcov(sc)[1, 1])),
                   loglik = num(sc$loglik)),
  per_trial = list(coef = num(per[, 1]), var = num(per[, 2])),
  two_stage = list(estimate = num(ma$beta), se = num(ma$se), ci_lb = num(ma$ci.lb),
                   ci_ub = num(ma$ci.ub), tau2 = num(ma$tau2), I2 = num(ma$I2),
                   pval = num(ma$pval)))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           "tests/reference/survival.json")
cat("wrote tests/reference/survival.json\n")

# ---------------------------------------------------------------------------
# Parametric models without a survreg counterpart (Gompertz, generalised gamma,
# mixture cure): an independent R implementation of the log-likelihoods
# (flexsurv's parameterisations), maximised with nlminb and polished with optim.
# Appended to the JSON written above.
# ---------------------------------------------------------------------------
fitR <- function(nll, start) {
  best <- NULL
  for (s in start) {
    f1 <- try(nlminb(s, nll, control = list(rel.tol = 1e-15, eval.max = 5000, iter.max = 5000)),
              silent = TRUE)
    if (inherits(f1, "try-error") || !is.finite(f1$objective)) next
    f2 <- optim(f1$par, nll, method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
    p <- if (f2$value < f1$objective) f2$par else f1$par
    v <- min(f2$value, f1$objective)
    if (is.null(best) || v < best$value) best <- list(par = p, value = v)
  }
  list(par = unname(best$par), loglik = -best$value)
}
lsf <- list(
  gompertz = function(p, t) { a <- p[1]; b <- exp(p[2]);
    -ifelse(abs(a * t) < 1e-10, b * t, b / a * expm1(a * t)) },
  weibull = function(p, t) -(t / exp(p[1]))^(exp(-p[2])),
  gengamma = function(p, t) { mu <- p[1]; s <- exp(p[2]); Q <- p[3]; w <- (log(t) - mu) / s
    if (abs(Q) < 1e-6) return(pnorm(w, lower.tail = FALSE, log.p = TRUE))
    g <- Q^-2; u <- g * exp(Q * w)
    pgamma(u, shape = g, lower.tail = (Q < 0), log.p = TRUE) }
)
lpdf <- list(
  gompertz = function(p, t) log(exp(p[2])) + p[1] * t + lsf$gompertz(p, t),
  weibull = function(p, t) dweibull(t, shape = exp(-p[2]), scale = exp(p[1]), log = TRUE),
  gengamma = function(p, t) { mu <- p[1]; s <- exp(p[2]); Q <- p[3]; w <- (log(t) - mu) / s
    if (abs(Q) < 1e-6) return(dnorm(w, log = TRUE) - log(s * t))
    g <- Q^-2
    -log(s * t) + log(abs(Q)) + g * log(g) + g * (Q * w - exp(Q * w)) - lgamma(g) }
)
mk_nll <- function(dist, cure, t, e) function(p) {
  if (cure) { k <- length(p); lp <- plogis(p[k], log.p = TRUE); l1p <- plogis(-p[k], log.p = TRUE)
    base <- p[-k]
    lf <- l1p + lpdf[[dist]](base, t)
    ls <- log(exp(lp) + exp(l1p + lsf[[dist]](base, t)))
  } else { lf <- lpdf[[dist]](p, t); ls <- lsf[[dist]](p, t) }
  v <- -sum(ifelse(e == 1, lf, ls))
  if (is.finite(v)) v else 1e300
}
par_cases <- list()
for (nm in c("lung", "simulated")) {
  d <- datasets[[nm]]
  for (a in c(0, 1)) {
    t <- d$time[d$arm == a]; e <- d$event[d$arm == a]
    if (nm == "lung") t <- t / 365.25  # years, so that the Gompertz shape is O(1)
    w <- survreg(Surv(t, e) ~ 1, dist = "weibull")
    ln <- survreg(Surv(t, e) ~ 1, dist = "lognormal")
    rate <- sum(e) / sum(t)
    starts <- list(
      gompertz = list(c(0, log(rate)), c(-0.1, log(rate)), c(0.1, log(rate))),
      weibull = list(c(coef(w), log(w$scale))),
      gengamma = list(c(coef(w), log(w$scale), 1), c(coef(ln), log(ln$scale), 0.1),
                      c(coef(ln), log(ln$scale), -0.3))
    )
    for (dist in c("gompertz", "weibull", "gengamma")) {
      for (cure in c(FALSE, TRUE)) {
        if (dist == "weibull" && !cure) next
        st <- starts[[dist]]
        if (cure) st <- unlist(lapply(st, function(s) lapply(c(-2, -0.5, 0.5), function(l) c(s, l))),
                               recursive = FALSE)
        f <- fitR(mk_nll(dist, cure, t, e), st)
        par_cases[[length(par_cases) + 1]] <- list(
          dataset = nm, arm = a, time = t, event = e, distribution = dist, cure = cure,
          par = f$par, loglik = f$loglik)
      }
    }
  }
}
out$parametric_optim <- par_cases
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           "tests/reference/survival.json")
cat("wrote tests/reference/survival.json (with parametric_optim)\n")
