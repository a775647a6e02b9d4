# Differential oracle: R metafor 3.8-1 on RANDOM meta-analysis data, for
# tests/differential/. Writes tests/reference/differential_rma.json.
#
#   Rscript tests/reference/differential_rma.R        (from the repository root)
#
# 200 random datasets (k = 2..60; variances from narrow to 1e-4..1e2 within one
# dataset, all equal, or derived from sample sizes; heterogeneity from none to
# huge; near-duplicate and tied effects), and for each:
#   rma() with every estimator evisynth offers (FE DL HE HS HSk SJ ML REML EB PM)
#   x every test (z t knha adhoc): estimate, se, statistic, p, CI, PI; tau2,
#   I2, H2, QE, QEp; confint() Q-profile bounds of tau2, I2, H2 (REML + one
#   more estimator, metafor's default confint control apart from tol);
# for subsets of them meta-regression (one or two moderators), leave1out,
# influence, regtest (model rma/lm, every predictor), ranktest, trimfill
# (L0/R0 x side), fsn; and random escalc inputs (counts with zeros, every
# add/to/drop00 option, vtypes), rma.mh and rma.peto tables with zero cells.
#
# Models are fitted with a tight control (|change in tau2| < 1e-12) so that the
# oracle itself is converged; where plain Fisher scoring fails, metafor's own
# remedy (stepadj = 0.5, then 0.05) is used, and PM gets a larger tau2.max when
# its root lies beyond metafor's default bracket (evisynth widens it automatically).
# Numbers are written at full precision (digits = NA); NA, NaN, Inf and -Inf as
# the strings "NA", "NaN", "Inf", "-Inf" (the tests read them back).
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(as.character(packageVersion("metafor")) == "3.8.1")

set.seed(20261201)
ctrl0 <- list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)
methods <- c("FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")
tests <- c("z", "t", "knha", "adhoc")
num <- function(x) if (is.null(x) || length(x) == 0) NA else as.numeric(x)[1]
nums <- function(x) if (is.null(x)) NA else as.numeric(x)

# Fit with the tight control; on failure retry with step halving, then (PM) a
# wider tau2.max. Returns list(fit, how) or list(fit = NULL, error = message).
fit_rma <- function(yi, vi, method, test = "z", mods = NULL, extra = list()) {
  tries <- list(list(), list(stepadj = 0.5), list(stepadj = 0.5, tau2.max = 1e12),
                list(stepadj = 0.05, maxiter = 1e5))
  hows <- c("plain", "stepadj", "tau2max", "stepadj0.05")
  err <- NULL
  for (i in seq_along(tries)) {
    ctrl <- c(ctrl0, tries[[i]])
    res <- tryCatch(
      suppressWarnings(if (is.null(mods)) rma(yi, vi, method = method, test = test, control = ctrl)
                       else rma(yi, vi, mods = mods, method = method, test = test, control = ctrl)),
      error = function(e) e)
    if (!inherits(res, "error")) return(list(fit = res, how = hows[i]))
    err <- conditionMessage(res)
  }
  list(fit = NULL, error = err)
}

# ------------------------------------------------------------------ datasets --
vi_regimes <- c("narrow", "wide", "wide", "equal", "two_scale", "from_n")
tau_regimes <- c(0, 0, 0.01, 0.1, 1, 10, 1000)
y_regimes <- c("normal", "normal", "normal", "normal", "near_dup", "ties")
gen <- function(i) {
  k <- if (i <= 40) c(2, 2, 3, 3, 4, 5, 6, 7)[(i - 1) %% 8 + 1] else sample(2:60, 1)
  vreg <- sample(vi_regimes, 1)
  ni <- round(10^runif(k, 1, 3.5))
  vi <- switch(vreg,
    narrow = runif(k, 0.01, 0.5),
    wide = { v <- 10^runif(k, -4, 2); v[1] <- 10^runif(1, -4, -3.7); v[k] <- 10^runif(1, 1.7, 2); sample(v) },
    equal = rep(10^runif(1, -2, 1), k),
    two_scale = sample(c(1e-4, 1e2), k, replace = TRUE) * runif(k, 1, 1.5),
    from_n = 4 / ni + runif(k, 0, 0.01))
  tau2 <- sample(tau_regimes, 1) * median(vi)
  mu <- rnorm(1, 0, 2)
  yreg <- if (k >= 2) sample(y_regimes, 1) else "normal"
  yi <- switch(yreg,
    normal = mu + rnorm(k, 0, sqrt(vi + tau2)),
    near_dup = mu + 10^runif(1, -12, -6) * rnorm(k),
    ties = round(mu + rnorm(k, 0, sqrt(vi + tau2)), 1))
  x1 <- rnorm(k, 0, 10^runif(1, -1, 2))
  x2 <- as.numeric(seq_len(k) %% 2 == 0)[sample(k)]
  list(id = sprintf("d%03d", i), k = k, vi_regime = vreg, tau2_true = tau2, y_regime = yreg,
       yi = yi, vi = vi, ni = ni, x1 = x1, x2 = x2)
}
N <- 200
data <- lapply(seq_len(N), gen)

# ------------------------------------------------------------------- rma fits --
# per test: estimate, se, stat, pval, ci_lb, ci_ub, pi_lb, pi_ub
test_fields <- c("estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
het_fields <- c("tau2", "I2", "H2", "QE", "QEp")
confint_fields <- c("tau2_lb", "tau2_ub", "I2_lb", "I2_ub", "H2_lb", "H2_ub")
n_fail <- 0
for (i in seq_len(N)) {
  d <- data[[i]]
  fits <- list()
  all_tests <- sample(methods, 5)  # every test for 5 estimators, z only for the others
  for (m in methods) {
    rec <- list(how = NA, het = NULL, tests = list())
    for (tst in if (m %in% all_tests) tests else "z") {
      r <- fit_rma(d$yi, d$vi, m, tst)
      if (is.null(r$fit)) { rec$error <- r$error; n_fail <- n_fail + 1; break }
      f <- r$fit
      pr <- predict(f)
      rec$how <- r$how
      rec$het <- c(num(f$tau2), num(f$I2), num(f$H2), num(f$QE), num(f$QEp))
      rec$tests[[tst]] <- c(num(f$beta), num(f$se), num(f$zval), num(f$pval), num(f$ci.lb),
                            num(f$ci.ub), num(pr$pi.lb), num(pr$pi.ub))
    }
    fits[[m]] <- rec
  }
  data[[i]]$fits <- fits
  # Q-profile intervals with metafor's default confint control (tau2.max =
  # max(100, 10 tau2)) apart from a tight root tolerance; the fit itself tight.
  ci_methods <- unique(c("REML", sample(setdiff(methods, c("FE", "REML")), 1)))
  cis <- list()
  for (m in ci_methods) {
    f <- tryCatch(suppressWarnings(rma(d$yi, d$vi, method = m,
                  control = ctrl0)),
                  error = function(e) NULL)
    if (is.null(f)) next
    ci <- tryCatch(suppressWarnings(confint(f, control = list(tol = 1e-13))$random),
                   error = function(e) NULL)
    if (is.null(ci)) next
    cis[[m]] <- c(ci["tau^2", "ci.lb"], ci["tau^2", "ci.ub"], ci["I^2(%)", "ci.lb"],
                  ci["I^2(%)", "ci.ub"], ci["H^2", "ci.lb"], ci["H^2", "ci.ub"])
  }
  data[[i]]$confint <- cis
}

# ------------------------------------------------------------ meta-regression --
# p coefficients; per test: est[p], se[p], stat[p], pval[p], ci_lb[p], ci_ub[p], QM, QMp
metareg <- list()
cand <- which(sapply(data, function(d) d$k >= 5))
for (i in sample(cand, min(40, length(cand)))) {
  d <- data[[i]]
  for (form in c("x1", "x1+x2")) {
    X <- if (form == "x1") cbind(x1 = d$x1) else cbind(x1 = d$x1, x2 = d$x2)
    if (form == "x1+x2" && d$k < 6) next
    for (m in unique(c("REML", sample(methods, 2)))) {
      tsts <- unique(c("z", sample(tests[-1], 1)))
      for (tst in tsts) {
        r <- fit_rma(d$yi, d$vi, m, tst, mods = X)
        if (is.null(r$fit)) {
          metareg[[length(metareg) + 1]] <- list(dataset = d$id, mods = form, method = m,
                                                 test = tst, error = r$error)
          next
        }
        f <- r$fit
        metareg[[length(metareg) + 1]] <- list(
          dataset = d$id, mods = form, method = m, test = tst, how = r$how,
          estimate = nums(f$beta), se = nums(f$se), stat = nums(f$zval), pval = nums(f$pval),
          ci_lb = nums(f$ci.lb), ci_ub = nums(f$ci.ub), QM = num(f$QM), QMp = num(f$QMp),
          QMdf = nums(f$QMdf), QE = num(f$QE), QEp = num(f$QEp), tau2 = num(f$tau2),
          I2 = num(f$I2), H2 = num(f$H2), R2 = num(f$R2))
      }
    }
  }
}

# ------------------------------------------------ leave1out and influence --
loo <- list()
infl <- list()
cand <- which(sapply(data, function(d) d$k >= 3 && d$k <= 25))
for (i in sample(cand, min(40, length(cand)))) {
  d <- data[[i]]
  m <- sample(c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB"), 1)
  tst <- sample(c("z", "knha"), 1)
  r <- fit_rma(d$yi, d$vi, m, tst)
  if (is.null(r$fit) || r$how != "plain") next
  f <- r$fit
  l1 <- tryCatch(suppressWarnings(leave1out(f)), error = function(e) NULL)
  if (!is.null(l1)) {
    loo[[length(loo) + 1]] <- list(
      dataset = d$id, method = m, test = tst, estimate = nums(l1$estimate), se = nums(l1$se),
      stat = nums(if (!is.null(l1$zval)) l1$zval else l1$tval), pval = nums(l1$pval),
      ci_lb = nums(l1$ci.lb), ci_ub = nums(l1$ci.ub), Q = nums(l1$Q), Q_pval = nums(l1$Qp),
      tau2 = if (m == "FE") NA else nums(l1$tau2), I2 = nums(l1$I2), H2 = nums(l1$H2))
  }
  inf <- tryCatch(suppressWarnings(influence(f)), error = function(e) NULL)
  if (!is.null(inf)) {
    infl[[length(infl) + 1]] <- list(
      dataset = d$id, method = m, test = tst, rstudent = nums(inf$inf$rstudent),
      dffits = nums(inf$inf$dffits), cook_d = nums(inf$inf$cook.d), cov_r = nums(inf$inf$cov.r),
      tau2_del = nums(inf$inf$tau2.del), QE_del = nums(inf$inf$QE.del), hat = nums(inf$inf$hat),
      weight = nums(inf$inf$weight), inf = inf$inf$inf == "*", dfbs = nums(inf$dfbs[[1]]))
  }
}

# ------------------------------------------- regtest, ranktest, trimfill, fsn --
regt <- list()
rankt <- list()
trimf <- list()
fsns <- list()
cand <- which(sapply(data, function(d) d$k >= 3))
for (i in sample(cand, min(70, length(cand)))) {
  d <- data[[i]]
  m <- sample(c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB", "HS"), 1)
  tst <- sample(tests, 1)
  r <- fit_rma(d$yi, d$vi, m, tst)
  if (is.null(r$fit) || r$how != "plain") next
  f <- r$fit
  for (pr in c("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")) {
    rt <- tryCatch(suppressWarnings(regtest(f, predictor = pr, ni = d$ni)),
                   error = function(e) e)
    if (inherits(rt, "error")) {
      regt[[length(regt) + 1]] <- list(dataset = d$id, model = "rma", method = m, test = tst,
                                       predictor = pr, error = conditionMessage(rt))
      next
    }
    regt[[length(regt) + 1]] <- list(
      dataset = d$id, model = "rma", method = m, test = tst, predictor = pr,
      stat = num(rt$zval), pval = num(rt$pval), df = num(rt$ddf), limit_estimate = num(rt$est),
      limit_ci_lb = num(rt$ci.lb), limit_ci_ub = num(rt$ci.ub), slope = num(rt$fit$beta[2]),
      tau2 = num(rt$fit$tau2))
  }
  for (pr in c("sei", "vi", "ninv", "sqrtninv")) {
    rt <- tryCatch(suppressWarnings(regtest(d$yi, d$vi, ni = d$ni, model = "lm", predictor = pr)),
                   error = function(e) e)
    if (inherits(rt, "error")) next
    regt[[length(regt) + 1]] <- list(
      dataset = d$id, model = "lm", method = m, test = tst, predictor = pr,
      stat = num(rt$zval), pval = num(rt$pval), df = num(rt$ddf), limit_estimate = num(rt$est),
      limit_ci_lb = num(rt$ci.lb), limit_ci_ub = num(rt$ci.ub), slope = num(coef(rt$fit)[2]),
      tau2 = NA)
  }
  rk <- tryCatch(suppressWarnings(ranktest(f)), error = function(e) NULL)
  if (!is.null(rk)) {
    rankt[[length(rankt) + 1]] <- list(dataset = d$id, method = m, test = tst,
                                       tau = num(rk$tau), pval = num(rk$pval))
  }
  for (est in c("L0", "R0")) {
    for (side in list(NULL, "left", "right")) {
      tf <- tryCatch(suppressWarnings(
        if (is.null(side)) trimfill(f, estimator = est, control = ctrl0, test = tst)
        else trimfill(f, estimator = est, side = side, control = ctrl0, test = tst)),
        error = function(e) e)
      if (inherits(tf, "error")) {
        trimf[[length(trimf) + 1]] <- list(dataset = d$id, method = m, test = tst, estimator = est,
                                           side_arg = if (is.null(side)) NA else side,
                                           error = conditionMessage(tf))
        next
      }
      filled <- tf$fill
      trimf[[length(trimf) + 1]] <- list(
        dataset = d$id, method = m, test = tst, estimator = est,
        side_arg = if (is.null(side)) NA else side, k0 = tf$k0, side = tf$side,
        se_k0 = num(tf$se.k0), p_k0 = num(tf$p.k0), estimate = num(tf$beta), se = num(tf$se),
        stat = num(tf$zval), pval = num(tf$pval), ci_lb = num(tf$ci.lb), ci_ub = num(tf$ci.ub),
        tau2 = num(tf$tau2), Q = num(tf$QE), Q_pval = num(tf$QEp), I2 = num(tf$I2), k = tf$k,
        filled_yi = if (tf$k0 > 0) as.numeric(tf$yi[filled]) else numeric(0),
        filled_vi = if (tf$k0 > 0) as.numeric(tf$vi[filled]) else numeric(0))
    }
  }
  for (type in c("Rosenthal", "Orwin", "Rosenberg")) {
    fs <- tryCatch(suppressWarnings(fsn(d$yi, d$vi, type = type)), error = function(e) NULL)
    if (is.null(fs)) next
    fsns[[length(fsns) + 1]] <- list(dataset = d$id, type = type, fsnum = num(fs$fsnum),
                                     pval = num(fs$pval), meanes = num(fs$meanes),
                                     target = num(fs$target))
  }
}

# --------------------------------------------------------------------- escalc --
# One record per call: Python keyword arguments and metafor's yi/vi; expect_error
# where metafor returns NA or a zero variance for a kept study (evisynth raises
# InputError there, as documented in the README).
esc <- list()
esc_inputs <- list()
esc_keys <- character(0)
record <- function(measure, dat, opts = list()) {
  full <- paste(names(dat), sapply(dat, function(x) paste(format(x, digits = 17), collapse = " ")),
                collapse = "|")
  key <- match(full, esc_keys)
  if (is.na(key)) {
    esc_keys <<- c(esc_keys, full)
    esc_inputs[[length(esc_inputs) + 1]] <<- lapply(dat, I)
    key <- length(esc_keys)
  }
  key <- key - 1L
  res <- tryCatch(suppressWarnings(do.call(escalc, c(list(measure = measure), dat, opts))),
                  error = function(e) e)
  if (inherits(res, "error")) {
    esc[[length(esc) + 1]] <<- list(measure = measure, input = key, options = opts,
                                    r_error = conditionMessage(res))
    return(invisible())
  }
  yi <- as.numeric(res$yi)
  vi <- as.numeric(res$vi)
  dropped <- integer(0)
  if (isTRUE(opts$drop00)) {
    if (!is.null(dat$ai)) {
      bi <- if (!is.null(dat$bi)) dat$bi else dat$n1i - dat$ai
      di <- if (!is.null(dat$di)) dat$di else dat$n2i - dat$ci
      dropped <- which((dat$ai == 0 & dat$ci == 0) | (bi == 0 & di == 0))
    } else if (!is.null(dat$x1i)) {
      dropped <- which(dat$x1i == 0 & dat$x2i == 0)
    }
  }
  kept <- setdiff(seq_along(yi), dropped)
  bad <- is.na(yi[kept]) | is.na(vi[kept]) | vi[kept] <= 0
  esc[[length(esc) + 1]] <<- list(measure = measure, input = key, options = opts,
                                  yi = I(yi), vi = I(vi),
                                  dropped = I(dropped - 1L), expect_error = any(bad))
}
rcounts <- function(k, n, p) {
  # binomial counts with many zeros (small p) and some all-event groups (p near 1)
  x <- rbinom(k, n, p)
  x[sample(k, max(1, k %/% 5))] <- 0
  if (runif(1) < 0.3) { j <- sample(k, 1); x[j] <- n[j] }
  x
}
two_opts <- list(list(), list(add = 0.5, to = "all"), list(add = 1, to = "if0all"),
                 list(to = "none"), list(drop00 = TRUE), list(add = 0.5, to = "only0", drop00 = TRUE),
                 list(add = 0))
for (rep in 1:12) {
  k <- sample(2:25, 1)
  n1 <- sample(1:300, k, replace = TRUE); n2 <- sample(1:300, k, replace = TRUE)
  p <- runif(1, 0.005, 0.6)
  ai <- rcounts(k, n1, p); ci <- rcounts(k, n2, p)
  for (m in c("RR", "OR", "RD")) {
    for (o in two_opts) {
      dat <- if (rep %% 2 == 0) list(ai = ai, bi = n1 - ai, ci = ci, di = n2 - ci)
             else list(ai = ai, n1i = n1, ci = ci, n2i = n2)
      record(m, dat, o)
    }
  }
  for (vt in c("UB", "AV")) record("RD", list(ai = ai, n1i = n1, ci = ci, n2i = n2), list(vtype = vt))
  # one group
  xi <- rcounts(k, n1, p)
  for (m in c("PR", "PLO", "PAS", "PFT")) {
    for (o in list(list(), list(add = 0.5, to = "all"), list(add = 1, to = "if0all"), list(to = "none"))) {
      record(m, if (rep %% 2 == 0) list(xi = xi, ni = n1) else list(xi = xi, mi = n1 - xi), o)
    }
  }
  for (vt in c("UB", "AV")) record("PR", list(xi = xi, ni = n1), list(vtype = vt))
  record("PLO", list(xi = xi, ni = n1), list(vtype = "AV"))
  # incidence rates
  x1 <- rpois(k, runif(1, 0, 8)); x2 <- rpois(k, runif(1, 0, 8))
  t1 <- runif(k, 1, 1000); t2 <- runif(k, 1, 1000)
  for (o in list(list(), list(add = 0.5, to = "all"), list(add = 1, to = "if0all"), list(drop00 = TRUE))) {
    record("IRR", list(x1i = x1, t1i = t1, x2i = x2, t2i = t2), o)
  }
  # means
  m1 <- rnorm(k, 10, 3); m2 <- rnorm(k, 10, 3)
  m1 <- abs(m1) + 0.1; m2 <- abs(m2) + 0.1
  sd1 <- 10^runif(k, -1, 1); sd2 <- 10^runif(k, -1, 1)
  g1 <- sample(2:200, k, replace = TRUE); g2 <- sample(2:200, k, replace = TRUE)
  md <- list(m1i = m1, sd1i = sd1, n1i = g1, m2i = m2, sd2i = sd2, n2i = g2)
  for (vt in c("LS", "UB", "HO")) record("MD", md, list(vtype = vt))
  for (vt in c("LS", "UB", "LS2", "AV")) record("SMD", md, list(vtype = vt))
  for (vt in c("LS", "HO", "AV", "AVHO")) record("ROM", md, list(vtype = vt))
}

# ----------------------------------------------------------- rma.mh, rma.peto --
mhs <- list()
tables <- list()
res_mh <- function(f) list(estimate = num(f$beta), se = num(f$se), zval = num(f$zval),
  pval = num(f$pval), ci_lb = num(f$ci.lb), ci_ub = num(f$ci.ub), Q = num(f$QE),
  Q_pval = num(f$QEp), I2 = num(f$I2), H2 = num(f$H2), k = f$k, k_yi = f$k.yi,
  MH = num(f$MH), MH_pval = num(f$MHp), CO = num(f$CO), CO_pval = num(f$COp),
  TA = num(f$TA), TA_pval = num(f$TAp), BD = num(f$BD), BD_pval = num(f$BDp),
  k_pos = num(f$k.pos))
mh_opts <- list(list(), list(add = 0.5, to = "all"), list(add = 1, to = "if0all"),
                list(drop00 = FALSE), list(correct = FALSE, level = 90))
for (rep in 1:30) {
  k <- sample(2:25, 1)
  n1 <- sample(1:300, k, replace = TRUE); n2 <- sample(1:300, k, replace = TRUE)
  p <- runif(1, 0.005, 0.5)
  ai <- rcounts(k, n1, p); ci <- rcounts(k, n2, min(0.95, p * runif(1, 0.3, 3)))
  if (rep %% 5 == 0) { j <- sample(k, 1); ai[j] <- 0; ci[j] <- 0 }  # a double-zero table
  tab <- list(ai = ai, bi = n1 - ai, ci = ci, di = n2 - ci)
  tables[[rep]] <- lapply(tab, I)
  for (meas in c("OR", "RR", "RD")) {
    for (o in mh_opts) {
      f <- tryCatch(suppressWarnings(do.call(rma.mh, c(tab, list(measure = meas), o))),
                    error = function(e) e)
      rec <- list(table = rep - 1L, fn = "rma_mh", measure = meas, options = o)
      rec <- if (inherits(f, "error")) c(rec, list(r_error = conditionMessage(f))) else c(rec, res_mh(f))
      mhs[[length(mhs) + 1]] <- rec
    }
  }
  for (o in list(list(), list(add = 0.5, to = "all"), list(drop00 = FALSE), list(level = 90))) {
    f <- tryCatch(suppressWarnings(do.call(rma.peto, c(tab, o))), error = function(e) e)
    rec <- list(table = rep - 1L, fn = "rma_peto", measure = "PETO", options = o)
    rec <- if (inherits(f, "error")) c(rec, list(r_error = conditionMessage(f))) else c(rec, res_mh(f))
    mhs[[length(mhs) + 1]] <- rec
  }
}

out <- list(metafor_version = as.character(packageVersion("metafor")),
            R_version = R.version.string, control = ctrl0, seed = 20261201,
            test_fields = test_fields, het_fields = het_fields, confint_fields = confint_fields,
            datasets = data, metareg = metareg, leave1out = loo, influence = infl,
            regtest = regt, ranktest = rankt, trimfill = trimf, fsn = fsns,
            escalc_inputs = esc_inputs, escalc = esc, tables = tables, binary = mhs)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "string"),
           "tests/reference/differential_rma.json")
cat("wrote tests/reference/differential_rma.json:", N, "datasets (", n_fail, "failed fits ),",
    length(metareg), "metareg,", length(loo), "leave1out,", length(infl), "influence,",
    length(regt), "regtest,", length(rankt), "ranktest,", length(trimf), "trimfill,",
    length(fsns), "fsn,", length(esc), "escalc,", length(mhs), "rma.mh/peto\n")
