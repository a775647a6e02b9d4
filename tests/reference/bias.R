# Oracle for evisynth.meta.bias (regtest, ranktest, trimfill, fsn): R metafor 3.8-1
# on published datasets (metadat). Writes tests/reference/bias.json.
#
#   Rscript tests/reference/bias.R        (from the repository root)
#
# Effect sizes are computed here with metafor's escalc and stored with the
# sample sizes ni, so the Python tests need no R. Every model is fitted with a
# tight control; trimfill passes the control on to its internal rma.uni calls
# through '...', which metafor otherwise fits with its default control.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(as.character(packageVersion("metafor")) == "3.8.1")

ctrl <- list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)

datasets <- list()
add <- function(name, yi, vi, ni, source) {
  datasets[[name]] <<- list(yi = as.numeric(yi), vi = as.numeric(vi),
                            ni = if (is.null(ni)) NULL else as.numeric(ni), source = source)
}
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
add("bcg_RR", bcg$yi, bcg$vi, with(dat.bcg, tpos + tneg + cpos + cneg),
    "dat.bcg (Colditz et al. 1994), log risk ratio; ni = total sample size")
add("hackshaw1998", dat.hackshaw1998$yi, dat.hackshaw1998$vi, NULL,
    "dat.hackshaw1998 (passive smoking and lung cancer), log odds ratios as given")
add("raudenbush1985", dat.raudenbush1985$yi, dat.raudenbush1985$vi,
    with(dat.raudenbush1985, n1i + n2i), "dat.raudenbush1985 (teacher expectancy), SMD as given")
eg <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.egger2001)
add("egger2001_OR", eg$yi, eg$vi, with(dat.egger2001, n1i + n2i),
    "dat.egger2001 (magnesium in myocardial infarction), log odds ratio")
hine <- escalc("RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hine1989)
add("hine1989_RD", hine$yi, hine$vi, with(dat.hine1989, n1i + n2i),
    "dat.hine1989 (lidocaine, k = 6 < 10), risk difference")

fits <- list(c("REML", "z"), c("REML", "knha"), c("DL", "z"), c("FE", "z"), c("PM", "t"))
num <- function(x) if (is.null(x) || length(x) == 0) NA else as.numeric(x)[1]

regtests <- list()
ranktests <- list()
trimfills <- list()
fsns <- list()
for (name in names(datasets)) {
  d <- datasets[[name]]
  preds <- c("sei", "vi")
  if (!is.null(d$ni)) preds <- c(preds, "ni", "ninv", "sqrtni", "sqrtninv")
  for (mt in fits) {
    fit <- rma(d$yi, d$vi, method = mt[1], test = mt[2], control = ctrl)
    for (pr in preds) {
      rt <- if (is.null(d$ni)) regtest(fit, predictor = pr) else regtest(fit, predictor = pr, ni = d$ni)
      regtests[[length(regtests) + 1]] <- list(
        dataset = name, method = mt[1], test = mt[2], model = "rma", predictor = pr,
        stat = num(rt$zval), pval = num(rt$pval), df = num(rt$ddf),
        limit_estimate = num(rt$est), limit_ci_lb = num(rt$ci.lb), limit_ci_ub = num(rt$ci.ub),
        slope = num(rt$fit$beta[2]), tau2 = num(rt$fit$tau2))
    }
    for (est in c("L0", "R0")) {
      for (side in list(NULL, "left", "right")) {
        tf <- if (is.null(side)) trimfill(fit, estimator = est, control = ctrl, test = mt[2])
              else trimfill(fit, estimator = est, side = side, control = ctrl, test = mt[2])
        filled <- tf$fill
        trimfills[[length(trimfills) + 1]] <- list(
          dataset = name, method = mt[1], test = mt[2], estimator = est,
          side_arg = if (is.null(side)) NA else side,
          k0 = tf$k0, side = tf$side, se_k0 = num(tf$se.k0), p_k0 = num(tf$p.k0),
          estimate = num(tf$beta), se = num(tf$se), stat = num(tf$zval), pval = num(tf$pval),
          ci_lb = num(tf$ci.lb), ci_ub = num(tf$ci.ub), tau2 = num(tf$tau2),
          Q = num(tf$QE), Q_pval = num(tf$QEp), I2 = num(tf$I2), k = tf$k,
          filled_yi = if (tf$k0 > 0) as.numeric(tf$yi[filled]) else numeric(0),
          filled_vi = if (tf$k0 > 0) as.numeric(tf$vi[filled]) else numeric(0))
      }
    }
  }
  # classical Egger test: weighted least squares with multiplicative dispersion
  for (pr in c("sei", "vi", "ninv", "sqrtninv")) {
    if (is.null(d$ni) && pr %in% c("ninv", "sqrtninv")) next
    rt <- if (is.null(d$ni)) regtest(d$yi, d$vi, model = "lm", predictor = pr)
          else regtest(d$yi, d$vi, ni = d$ni, model = "lm", predictor = pr)
    regtests[[length(regtests) + 1]] <- list(
      dataset = name, method = NA, test = NA, model = "lm", predictor = pr,
      stat = num(rt$zval), pval = num(rt$pval), df = num(rt$ddf),
      limit_estimate = num(rt$est), limit_ci_lb = num(rt$ci.lb), limit_ci_ub = num(rt$ci.ub),
      slope = num(coef(rt$fit)[2]), tau2 = NA)
  }
  rk <- suppressWarnings(ranktest(d$yi, d$vi))
  vstar <- d$vi - 1 / sum(1 / d$vi)
  ystar <- (d$yi - weighted.mean(d$yi, 1 / d$vi)) / sqrt(vstar)
  ties <- length(unique(ystar)) < length(ystar) || length(unique(d$vi)) < length(d$vi)
  ranktests[[length(ranktests) + 1]] <- list(dataset = name, tau = num(rk$tau),
                                             pval = num(rk$pval), exact = !ties)
  for (alpha in c(0.05, 0.01)) {
    for (type in c("Rosenthal", "Orwin", "Rosenberg")) {
      f <- fsn(d$yi, d$vi, type = type, alpha = alpha)
      fsns[[length(fsns) + 1]] <- list(dataset = name, type = type, alpha = alpha,
        target = NA, weighted = FALSE, fsnum = f$fsnum, pval = num(f$pval),
        meanes = num(f$meanes), target_used = num(f$target))
    }
  }
  m <- mean(d$yi)
  for (tg in c(m / 4, -m / 3)) {
    for (w in c(FALSE, TRUE)) {
      f <- fsn(d$yi, d$vi, type = "Orwin", target = tg, weighted = w)
      fsns[[length(fsns) + 1]] <- list(dataset = name, type = "Orwin", alpha = 0.05,
        target = tg, weighted = w, fsnum = f$fsnum, pval = num(f$pval),
        meanes = num(f$meanes), target_used = num(f$target))
    }
  }
}

# Generated data (no ties) for the exact Kendall p-value at larger k. R's exact
# computation returns NaN from k = 171 on (n! overflows), so for k = 600 the
# oracle is metafor's normal approximation (exact = FALSE), which evisynth uses
# above k = 500.
set.seed(20261121)
for (kk in c(60, 170, 600)) {
  vi <- runif(kk, 0.01, 0.5)
  yi <- rnorm(kk, 0.2 + 0.3 * sqrt(vi), sqrt(vi))
  rk <- ranktest(yi, vi, exact = kk <= 170)
  ranktests[[length(ranktests) + 1]] <- list(dataset = paste0("generated_k", kk), tau = num(rk$tau),
                                             pval = num(rk$pval), exact = kk <= 170,
                                             yi = yi, vi = vi)
}

out <- list(metafor_version = as.character(packageVersion("metafor")),
            R_version = R.version.string, control = ctrl,
            datasets = datasets, regtest = regtests, ranktest = ranktests,
            trimfill = trimfills, fsn = fsns)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/bias.json")
cat("wrote tests/reference/bias.json:", length(regtests), "regtest,", length(ranktests),
    "ranktest,", length(trimfills), "trimfill,", length(fsns), "fsn cases\n")
