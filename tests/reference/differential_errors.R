# Differential oracle, second part: inputs where metafor 3.8-1 stops, warns or
# returns NA, and what it returns there. Writes tests/reference/differential_errors.json
# for tests/differential/test_diff_errors.py, which checks that evisynth either
# gives the same answer or raises a clear InputError / ConvergenceError (the
# documented differences of the README, "Where evisynth deliberately differs").
#
#   Rscript tests/reference/differential_errors.R        (from the repository root)
#
# Each case records the Python call (function and keyword arguments), what
# evisynth is expected to do ("same": equal values; "InputError",
# "ConvergenceError": raise), why, and metafor's outcome: status "ok", "warning"
# (with the message) or "error" (with the message) and, unless it stopped, the
# values to compare. Random parts use set.seed below.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(as.character(packageVersion("metafor")) == "3.8.1")
set.seed(20261202)
ctrl <- list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)
num <- function(x) if (is.null(x) || length(x) == 0) NA else as.numeric(x)[1]

# Run an R expression, keeping its value, its first warning and its error.
outcome <- function(expr) {
  warn <- NULL
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(msg = conditionMessage(e)), class = "r_err")),
    warning = function(w) {
      if (is.null(warn)) warn <<- conditionMessage(w)
      invokeRestart("muffleWarning")
    })
  if (inherits(val, "r_err")) return(list(status = "error", message = val$msg, value = NULL))
  list(status = if (is.null(warn)) "ok" else "warning", message = warn, value = val)
}
rma_values <- function(f) {
  pr <- predict(f)
  list(estimate = num(f$beta), se = num(f$se), stat = num(f$zval), pval = num(f$pval),
       ci_lb = num(f$ci.lb), ci_ub = num(f$ci.ub), tau2 = num(f$tau2), I2 = num(f$I2),
       H2 = num(f$H2), Q = num(f$QE), Q_pval = num(f$QEp), pi_lb = num(pr$pi.lb),
       pi_ub = num(pr$pi.ub))
}

cases <- list()
add <- function(name, fn, kwargs, expect, why, r, values = NULL) {
  cases[[length(cases) + 1]] <<- list(
    name = name, fn = fn, kwargs = kwargs, expect = expect, why = why,
    r_status = r$status, r_message = if (is.null(r$message)) NA else r$message,
    values = values)
}
rma_case <- function(name, yi, vi, method = "REML", test = "z", level = 95, expect = "same",
                     why = "", control = ctrl, maxiter = NULL, compare_with = NULL) {
  r <- outcome(rma(yi, vi, method = method, test = test, level = level, control = control))
  vals <- if (r$status != "error") rma_values(r$value) else NULL
  if (!is.null(compare_with)) vals <- rma_values(compare_with)
  kw <- list(yi = I(yi), vi = I(vi), method = method, test = test, level = level)
  if (!is.null(maxiter)) kw$maxiter <- maxiter
  add(name, "rma", kw, expect, why, r, vals)
}

# --------------------------------------------------------------- k = 1
for (m in c("FE", "DL", "REML", "ML", "PM", "EB", "HE", "SJ")) {
  rma_case(paste0("k1_", m), 0.3, 0.1, m,
           expect = if (m == "FE") "same" else "InputError",
           why = if (m == "FE") "one study, fixed effect: the study itself"
                 else "README: a random-effects model needs k >= 2 (metafor silently fits tau2 = 0)")
}
rma_case("k1_FE_t", 0.3, 0.1, "FE", "t", expect = "InputError",
         why = "k - 1 = 0 degrees of freedom: t-based tests need k >= 2")

# ------------------------------------------- all variances / all effects equal
for (m in c("FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")) {
  yi <- rnorm(6, 0.2, 0.5)
  rma_case(paste0("equal_vi_", m), yi, rep(0.04, 6), m, "z")
  rma_case(paste0("equal_vi_knha_", m), yi, rep(0.04, 6), m, "knha")
  rma_case(paste0("equal_yi_vi_", m), rep(0.7, 5), rep(0.1, 5), m, "t")
}

# ------------------------------------------------------ non-convergence
set_yi <- c(0.12, 0.95, -0.61, 1.43, 0.28, -0.07, 0.66)
set_vi <- c(0.011, 0.09, 0.04, 0.2, 0.015, 0.05, 0.03)
for (m in c("REML", "ML", "EB")) {
  rma_case(paste0("maxiter1_", m), set_yi, set_vi, m, expect = "ConvergenceError",
           why = "maxiter = 1 is too few Fisher-scoring steps for either program",
           control = list(maxiter = 1, threshold = 1e-12), maxiter = 1)
}
# Plain Fisher scoring oscillates (metafor stops); evisynth's safeguarded
# iteration converges to the root metafor finds with step halving (README).
osc_yi <- c(2, 0, 0, 0, 0, 0, 0, 0); osc_vi <- c(0.25, rep(1, 7))
rma_case("fisher_oscillates_REML", osc_yi, osc_vi, "REML", control = list(threshold = 1e-12),
         why = "README: safeguarded Fisher scoring; compared with metafor's stepadj = 0.5 root",
         compare_with = rma(osc_yi, osc_vi, method = "REML", control = c(ctrl, stepadj = 0.5)))

# ---------------------------------------------------------- bad variances
rma_case("vi_zero_DL", c(0.1, 0.2, 0.3), c(0, 0.1, 0.2), "DL", expect = "InputError",
         why = "README: sampling variances must be > 0")
rma_case("vi_zero_FE", c(0.1, 0.2, 0.3), c(0, 0.1, 0.2), "FE", expect = "InputError",
         why = "README: sampling variances must be > 0")
rma_case("vi_negative", c(0.1, 0.2, 0.3), c(-0.1, 0.1, 0.2), "REML", expect = "InputError",
         why = "a negative variance is not a variance")
rma_case("yi_NA", c(0.1, NA, 0.3, 0.5), c(0.1, 0.1, 0.2, 0.3), "REML", expect = "InputError",
         why = "metafor omits the study with a warning; evisynth asks for clean input (NaN named)")
rma_case("length_mismatch", c(0.1, 0.2), c(0.1, 0.2, 0.3), "REML", expect = "InputError",
         why = "one variance per effect")

# --------------------------------- extreme but valid: metafor warns, same answer
for (m in c("FE", "DL", "REML", "PM", "SJ", "HE")) {
  rma_case(paste0("vi_ratio_1e10_", m), c(0.3, -0.2, 0.5, 1.1, 0.05),
           c(1e-5, 2, 0.3, 1e5, 0.01), m,
           why = "metafor warns that the variance ratio is large; the estimates agree")
}
# PM whose root lies above metafor's default tau2.max = 100 (metafor stops;
# evisynth widens its search interval, README): compared with a wide tau2.max.
big_yi <- c(-30, 12, 41, -7, 25, 60); big_vi <- c(1, 2, 0.5, 1.5, 1, 2)
rma_case("PM_beyond_tau2max", big_yi, big_vi, "PM", control = list(threshold = 1e-12, tol = 1e-13),
         why = "README: Paule-Mandel widens its search interval; compared with tau2.max = 1e6",
         compare_with = rma(big_yi, big_vi, method = "PM", control = c(ctrl, tau2.max = 1e6)))

# -------------------------------------------------------- other levels
for (lv in c(50, 80, 90, 99, 99.9)) {
  yi <- rnorm(8, 0, 0.6); vi <- runif(8, 0.01, 0.3)
  for (m in c("REML", "DL", "FE")) for (tst in c("z", "knha")) {
    rma_case(sprintf("level%s_%s_%s", lv, m, tst), yi, vi, m, tst, level = lv)
  }
  r <- outcome(confint(rma(yi, vi, method = "REML", level = lv, control = ctrl),
                       control = list(tol = 1e-13)))
  ci <- r$value$random
  add(sprintf("confint_level%s", lv), "confint",
      list(yi = I(yi), vi = I(vi), method = "REML", level = lv), "same", "Q-profile CI at this level", r,
      list(tau2_lb = ci["tau^2", "ci.lb"], tau2_ub = ci["tau^2", "ci.ub"],
           I2_lb = ci["I^2(%)", "ci.lb"], I2_ub = ci["I^2(%)", "ci.ub"]))
}
rma_case("level_0", c(0.1, 0.9), c(0.1, 0.2), level = 0, expect = "InputError",
         why = "a 0% interval is not an interval")

# ---------------------------------------- confint bounds at the search limit
lim_yi <- c(-9, 14, 3, -20, 25); lim_vi <- c(200, 150, 300, 250, 100)
r <- outcome(confint(rma(lim_yi, lim_vi, method = "REML", control = ctrl), control = list(tol = 1e-13)))
ci <- r$value$random
add("confint_small_Q", "confint", list(yi = I(lim_yi), vi = I(lim_vi), method = "REML", level = 95),
    "same", "Q(0) below the lower critical value: both bounds 0 (metafor: null set)", r,
    list(tau2_lb = ci["tau^2", "ci.lb"], tau2_ub = ci["tau^2", "ci.ub"],
         I2_lb = ci["I^2(%)", "ci.lb"], I2_ub = ci["I^2(%)", "ci.ub"]))
hv_yi <- c(-40, 38, 2, 55, -61, 20); hv_vi <- c(1, 1, 1, 1, 1, 1) * 1e-3
r <- outcome(confint(rma(hv_yi, hv_vi, method = "DL", control = ctrl), control = list(tol = 1e-13)))
ci <- r$value$random
add("confint_huge_tau2", "confint", list(yi = I(hv_yi), vi = I(hv_vi), method = "DL", level = 95),
    "same", "tau2 far above 100: metafor's limit max(100, 10 tau2) applies to both", r,
    list(tau2_lb = ci["tau^2", "ci.lb"], tau2_ub = ci["tau^2", "ci.ub"],
         I2_lb = ci["I^2(%)", "ci.lb"], I2_ub = ci["I^2(%)", "ci.ub"]))
r <- outcome(confint(rma(c(0.1, 0.5), c(0.1, 0.2), method = "FE")))
add("confint_FE", "confint", list(yi = I(c(0.1, 0.5)), vi = I(c(0.1, 0.2)), method = "FE", level = 95),
    "InputError", "a fixed-effects model has no tau2 (metafor stops too)", r)

# ----------------------------------------------------------- meta-regression
mr_case <- function(name, yi, vi, X, method, expect, why) {
  r <- outcome(rma(yi, vi, mods = X, method = method, control = ctrl))
  vals <- if (r$status != "error") list(estimate = as.numeric(r$value$beta), tau2 = num(r$value$tau2),
                                       QM = num(r$value$QM)) else NULL
  add(name, "rma_mods", list(yi = I(yi), vi = I(vi), mods = I(X), method = method), expect, why, r, vals)
}
mr_case("mods_p_eq_k", c(0.1, 0.9, -0.5), c(0.1, 0.2, 0.05), cbind(c(1, 3, 2), c(2, 1, 2)), "REML",
        "InputError", "3 coefficients from 3 studies leave nothing for tau2")
mr_case("mods_p_gt_k", c(0.1, 0.9, -0.5), c(0.1, 0.2, 0.05), cbind(c(1, 3, 2), c(2, 1, 2), c(0, 1, 5)),
        "FE", "InputError", "more coefficients than studies")
mr_case("mods_collinear", c(0.1, 0.9, -0.5, 0.4, 0.2), c(0.1, 0.2, 0.05, 0.1, 0.1),
        cbind(c(1, 3, 2, 1, 5), c(2, 6, 4, 2, 10)), "REML", "InputError",
        "docs/from-metafor.md: rank-deficient designs are errors (metafor drops the column with a warning)")
mr_case("mods_constant", c(0.1, 0.9, -0.5, 0.4, 0.2), c(0.1, 0.2, 0.05, 0.1, 0.1),
        cbind(c(1, 1, 1, 1, 1)), "REML", "InputError",
        "a constant moderator duplicates the intercept (metafor drops it with a warning)")
mr_case("mods_k_eq_p_plus_1", c(0.1, 0.9, -0.5, 0.3), c(0.1, 0.2, 0.05, 0.1), cbind(c(1, 3, 2, 0.5)),
        "REML", "same", "one residual degree of freedom beyond tau2")

# --------------------------------------------------- bias tests, small k
bias_case <- function(name, fn, yi, vi, expect, why, ...) {
  f <- rma(yi, vi, method = "REML", control = ctrl)
  r <- outcome(switch(fn, regtest = regtest(f, ...), ranktest = ranktest(f, ...),
                      trimfill = trimfill(f, ...)))
  vals <- NULL
  if (r$status != "error") {
    v <- r$value
    vals <- switch(fn,
      regtest = list(stat = num(v$zval), pval = num(v$pval)),
      ranktest = list(tau = num(v$tau), pval = num(v$pval)),
      trimfill = list(k0 = num(v$k0), estimate = num(v$beta)))
  }
  add(name, fn, list(yi = I(yi), vi = I(vi), method = "REML"), expect, why, r, vals)
}
for (fn in c("regtest", "ranktest", "trimfill")) {
  bias_case(paste0(fn, "_k2"), fn, c(0.1, 0.9), c(0.1, 0.2), "InputError",
            "two studies cannot show funnel asymmetry")
  bias_case(paste0(fn, "_k3"), fn, c(0.1, 0.9, 0.4), c(0.1, 0.2, 0.05), "same", "smallest k allowed")
}
bias_case("ranktest_equal_vi", "ranktest", c(0.1, 0.9, 0.4, 0.3), rep(0.1, 4), "InputError",
          "Kendall's tau of a constant is 0/0 (metafor: NA with a warning)")
bias_case("regtest_equal_vi", "regtest", c(0.1, 0.9, 0.4, 0.3), rep(0.1, 4), "InputError",
          "predictor sei is the same for every study: slope not separable from the intercept")

# ---------------------------------------------------------------- escalc
esc_case <- function(name, measure, dat, expect, why, opts = list()) {
  r <- outcome(do.call(escalc, c(list(measure = measure), dat, opts)))
  vals <- if (r$status != "error") list(yi = I(as.numeric(r$value$yi)), vi = I(as.numeric(r$value$vi))) else NULL
  add(name, "escalc", c(list(measure = measure), lapply(dat, I), opts), expect, why, r, vals)
}
esc_case("escalc_negative_count", "OR", list(ai = c(-1, 2), bi = c(3, 4), ci = c(1, 1), di = c(5, 5)),
         "InputError", "counts cannot be negative")
esc_case("escalc_events_exceed_n", "RR", list(ai = c(11, 2), n1i = c(10, 4), ci = c(1, 1), n2i = c(5, 5)),
         "InputError", "events cannot exceed the group size")
esc_case("escalc_noninteger", "OR", list(ai = c(1.5, 2), bi = c(3, 4.2), ci = c(1, 1), di = c(5, 5)),
         "same", "non-integer counts: metafor and evisynth warn and compute")
esc_case("escalc_negative_sd", "SMD", list(m1i = c(1, 2), m2i = c(0, 0), sd1i = c(-1, 1),
         sd2i = c(1, 1), n1i = c(5, 5), n2i = c(5, 5)), "InputError", "a negative SD")
esc_case("escalc_all_zero_to_none", "OR", list(ai = c(0, 2), bi = c(3, 4), ci = c(1, 1), di = c(5, 5)),
         "InputError", "README: a zero cell with no correction: metafor NA, evisynth names the study",
         list(to = "none"))
esc_case("escalc_RD_both_zero_add0", "RD", list(ai = c(0, 2), n1i = c(10, 4), ci = c(0, 1), n2i = c(12, 5)),
         "InputError", "README: RD with no events in both groups and add = 0: metafor vi = 0",
         list(add = 0))
esc_case("escalc_PLO_all_events", "PLO", list(xi = c(10, 2), ni = c(10, 4)), "same",
         "all events in a group: the default add = 1/2 applies")
esc_case("escalc_PR_zero_to_none", "PR", list(xi = c(0, 2), ni = c(10, 4)), "InputError",
         "a proportion of 0 has variance 0 (metafor: vi = 0)", list(to = "none"))

# ----------------------------------------------------------- rma.mh / peto
bin_case <- function(name, fn, tab, expect, why, measure = "OR", opts = list()) {
  r <- outcome(if (fn == "rma_mh") do.call(rma.mh, c(tab, list(measure = measure), opts))
               else do.call(rma.peto, c(tab, opts)))
  vals <- if (r$status != "error") list(estimate = num(r$value$beta), se = num(r$value$se),
    Q = num(r$value$QE), Q_pval = num(r$value$QEp), I2 = num(r$value$I2), k_yi = r$value$k.yi) else NULL
  kw <- c(lapply(tab, I), opts)
  if (fn == "rma_mh") kw$measure <- measure
  add(name, fn, kw, expect, why, r, vals)
}
z <- list(ai = c(0, 0, 0), bi = c(10, 12, 9), ci = c(0, 0, 0), di = c(11, 10, 8))
bin_case("peto_no_events", "rma_peto", z, "InputError", "no events in any table (metafor stops too)")
bin_case("mh_OR_no_events", "rma_mh", z, "InputError", "README: MH OR undefined (metafor NA)")
one_arm <- list(ai = c(0, 0, 0), bi = c(10, 12, 9), ci = c(2, 1, 3), di = c(11, 10, 8))
bin_case("mh_OR_zero_arm", "rma_mh", one_arm, "InputError",
         "README: events in one arm of no table: MH OR 0 (metafor NA)")
bin_case("mh_RR_zero_arm", "rma_mh", one_arm, "InputError",
         "README: MH RR 0 (metafor NA)", measure = "RR")
bin_case("mh_RD_zero_arm", "rma_mh", one_arm, "same", "the RD is defined", measure = "RD")
bin_case("mh_RD_no_events", "rma_mh", z, "InputError",
         "README: RD never occurs in any table: metafor estimate 0 with SE 0", measure = "RD")
bin_case("peto_zero_arm", "rma_peto", one_arm, "same", "Peto's method works with one empty arm")
bin_case("mh_k1", "rma_mh", list(ai = 3, bi = 10, ci = 5, di = 9), "same", "one table")
# add = 0 / to = "none": the MH estimate uses the raw counts; studies whose
# uncorrected yi is NA (OR: a zero cell; RR: no events in a group) are left out
# of Q and k_yi (metafor 3.8-1).
sparse <- list(ai = c(0, 2, 1, 4), bi = c(20, 30, 28, 11), ci = c(2, 0, 0, 3), di = c(38, 3, 16, 9))
for (meas in c("OR", "RR")) {
  bin_case(paste0("mh_", meas, "_add0_zero_cells"), "rma_mh", sparse, "same",
           "studies with NA yi left out of Q", measure = meas, opts = list(add = 0))
  bin_case(paste0("mh_", meas, "_to_none_zero_cells"), "rma_mh", sparse, "same",
           "studies with NA yi left out of Q", measure = meas, opts = list(to = "none"))
}
all0 <- list(ai = c(0, 2, 1), bi = c(20, 30, 28), ci = c(2, 0, 0), di = c(38, 3, 16))
bin_case("mh_OR_add0_every_study_na", "rma_mh", all0, "same",
         "every study-level yi NA: k_yi = 0, Q = 0", opts = list(add = 0))
bin_case("mh_RD_add0_variance0", "rma_mh",
         list(ai = c(14, 2, 11), bi = c(1, 0, 3), ci = c(4, 0, 1), di = c(29, 38, 23)), "InputError",
         "a study with p1 = 1, p2 = 0 and add = 0 has variance 0 (metafor: Q = Inf, I2 = NA)",
         measure = "RD", opts = list(add = 0))

out <- list(metafor_version = as.character(packageVersion("metafor")),
            R_version = R.version.string, cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "string", null = "null"),
           "tests/reference/differential_errors.json")
cat("wrote tests/reference/differential_errors.json:", length(cases), "cases\n")
