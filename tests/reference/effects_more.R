# Reference values for the escalc measures COR, UCOR, ZCOR, SMDH, IRD, IRSD, IRLN,
# AS, PETO, MN, MNLN, PCOR and ZPCOR (evisynth.escalc).
#
# Oracle: R metafor 3.8-1 escalc() (UCOR through gsl::hyperg_2F1, as metafor does)
# on random data with a fixed seed plus constructed edge values (smallest sample
# sizes, correlations near +-1 and exactly 0, zero counts with every 'to' option,
# drop00, per-study vtype, huge and tiny scales).
#
# Regenerate (from the repository root):
#   Rscript tests/reference/effects_more.R
# writes tests/reference/effects_more.json. Tests read only the JSON; they never need R.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(packageVersion("metafor") == "3.8.1")
set.seed(20261201)

cases <- list()

# One escalc() call: the Python keyword arguments (metafor's names), metafor's
# yi/vi/ni, the studies drop00 removed and whether metafor returned NA or a zero
# variance for a kept study (evisynth raises InputError naming it instead).
record <- function(name, measure, data, opts = list(), id00 = NULL) {
  res <- suppressWarnings(do.call(escalc, c(list(measure = measure), data, opts)))
  yi <- as.numeric(res$yi)
  vi <- as.numeric(res$vi)
  ni <- attr(res$yi, "ni")
  dropped <- integer(0)
  if (isTRUE(opts$drop00)) dropped <- which(id00)
  kept <- setdiff(seq_along(yi), dropped)
  bad <- is.na(yi[kept]) | is.na(vi[kept]) | !is.finite(yi[kept]) | vi[kept] <= 0
  cases[[length(cases) + 1]] <<- list(
    name = name, measure = measure, args = c(lapply(data, I), opts),
    yi = I(ifelse(is.finite(yi), yi, NA)), vi = I(ifelse(is.finite(vi), vi, NA)),
    ni = if (is.null(ni)) NULL else I(as.numeric(ni)),
    dropped = I(dropped - 1L), expect_error = any(bad), error_studies = I(kept[bad] - 1L)
  )
}

# ---------------------------------------------------------------- correlations
#
# metafor computes UCOR's 2F1(1/2, 1/2; (n-2)/2; 1-r^2) and its UB variance's
# 2F1(1, 1; n/2; 1-r^2) with gsl::hyperg_2F1, which is off by up to 1e-3 relative
# for integer c near x = 1 (|r| <= 0.05 with even n) and by 1e-14..1e-8 at x = 1
# for large c. As an independent arbiter each UCOR study also gets the value from
# the Euler integrals by adaptive quadrature (R's integrate, rel.tol 1e-13); a study
# is marked 'gsl_ok' when metafor agrees with the quadrature to 1e-12 (yi) and
# 1e-12 relative or 1e-14 absolute (vi). Tests compare to metafor where gsl_ok and
# to the quadrature (at its tolerance, 1e-10) elsewhere.
quad1 <- function(f, lo, up) {
  for (tol in c(1e-13, 1e-11)) {
    out <- tryCatch(integrate(f, lo, up, rel.tol = tol, abs.tol = 0, subdivisions = 5000L)$value,
                    error = function(e) NA_real_)
    if (!is.na(out)) return(out)
  }
  integrate(f, lo, up, rel.tol = 1e-11, subdivisions = 5000L, stop.on.error = FALSE)$value
}
# integrate over pieces split at 'breaks' (the integrands below peak sharply near an
# end when x is close to 1; the pieces resolve the peak's scale)
quad <- function(f, breaks) {
  b <- sort(unique(breaks))
  sum(vapply(seq_len(length(b) - 1), function(j) quad1(f, b[j], b[j + 1]), 0))
}
F12 <- function(c, x) {  # 2F1(1/2, 1/2; c; x), t = sin^2(theta) in Euler's integral
  f <- function(th) exp((2 * c - 2) * log(cos(th))) / sqrt(1 - x * sin(th)^2)
  up <- min(pi / 2, 40 / sqrt(c))
  w <- sqrt(1 - x)
  br <- c(0, up, pmax(0, pmin(up, pi / 2 - c(1000, 30, 1) * w)))
  2 * quad(f, br) / beta(c - 0.5, 0.5)
}
F11 <- function(c, x) {  # 2F1(1, 1; c; x) = (c - 1) int_0^1 u^(c - 2) / (1 - x + x u) du
  f <- function(u) exp((c - 2) * log(u)) / (1 - x + x * u)
  lo <- max(0, 1 - 80 / c)
  br <- c(lo, 1, pmin(1, pmax(lo, c(1000, 30, 1) * (1 - x))))
  (c - 1) * quad(f, br)
}
ucor_quad <- function(ri, ni, vtype) {
  vtype <- rep_len(vtype, length(ri))
  yi <- vi <- numeric(length(ri))
  for (i in seq_along(ri)) {
    x <- 1 - ri[i]^2
    yi[i] <- ri[i] * F12((ni[i] - 2) / 2, x)
  }
  mnw <- sum(ni * yi) / sum(ni)
  for (i in seq_along(ri)) {
    x <- 1 - ri[i]^2
    vi[i] <- switch(vtype[i],
      LS = (1 - yi[i]^2)^2 / (ni[i] - 1),
      AV = (1 - mnw^2)^2 / (ni[i] - 1),
      UB = yi[i]^2 - (1 - (ni[i] - 3) / (ni[i] - 2) * x * F11(ni[i] / 2, x)))
  }
  list(yi = yi, vi = vi)
}
add_quad <- function() {
  j <- length(cases)
  cs <- cases[[j]]
  q <- ucor_quad(cs$args$ri, cs$args$ni, if (is.null(cs$args$vtype)) "LS" else cs$args$vtype)
  ok_y <- abs(cs$yi - q$yi) <= 1e-12 * abs(q$yi)
  ok_v <- abs(cs$vi - q$vi) <= pmax(1e-12 * abs(q$vi), 1e-14)
  cases[[j]]$quad_yi <<- I(q$yi)
  cases[[j]]$quad_vi <<- I(q$vi)
  cases[[j]]$gsl_ok <<- I(ok_y & ok_v)
}
k <- 40
ri <- c(round(runif(k, -0.95, 0.95), 3), 0, 0.999, -0.999, 0.5, -0.3, 0.99999)
ni <- c(sample(6:400, k, replace = TRUE), 5, 5, 6, 1e6, 2e4, 50)
cor_data <- list(ri = ri, ni = ni)
for (m in c("COR", "UCOR", "ZCOR")) {
  record(paste0("random_", m), m, cor_data)
  if (m == "UCOR") add_quad()
}
for (vt in c("AV")) record(paste0("random_COR_", vt), "COR", cor_data, list(vtype = vt))
for (vt in c("UB", "AV")) {
  record(paste0("random_UCOR_", vt), "UCOR", cor_data, list(vtype = vt))
  add_quad()
}
small <- expand.grid(ri = c(-0.9999, -0.9, -0.5, -0.05, -1e-4, 0, 1e-4, 0.05, 0.5, 0.9, 0.9999),
                     ni = c(5, 5.5, 6, 7, 8, 9, 10, 13, 16, 17, 20, 30, 200, 5000, 1e7))
small <- list(ri = small$ri, ni = small$ni)
record("grid_UCOR", "UCOR", small)
add_quad()
# (n = 1e7 left out for UB: its variance, a difference of O(1) terms of about
# 1e-15, is below what the quadrature arbiter resolves)
record("grid_UCOR_UB", "UCOR", lapply(small, function(v) v[small$ni < 1e7]), list(vtype = "UB"))
add_quad()
record("grid_ZCOR", "ZCOR", small)
record("UCOR_vtype_per_study", "UCOR", list(ri = c(0.2, -0.6, 0.4), ni = c(12, 30, 7)),
       list(vtype = c("UB", "LS", "AV")))
add_quad()
record("COR_small_n", "COR", list(ri = c(0.3, -0.1, 0), ni = c(4, 4.5, 10)))
record("ZCOR_small_n", "ZCOR", list(ri = c(0.3, -0.1, 0.97), ni = c(4, 4.5, 10)))
record("COR_fractional_n", "COR", list(ri = c(0.25, 0.75), ni = c(33.5, 120.25)))
record("COR_r_one", "COR", list(ri = c(0.3, 1), ni = c(20, 30)))
record("ZCOR_r_minus_one", "ZCOR", list(ri = c(0.3, -1), ni = c(20, 30)))
record("ZCOR_n_three", "ZCOR", list(ri = c(0.3, 0.2), ni = c(20, 3)))

# ---------------------------------------------------------------- SMDH
k <- 30
n1 <- c(sample(2:200, k, replace = TRUE), 2, 2, 1000)
n2 <- c(sample(2:200, k, replace = TRUE), 2, 3, 5)
m1 <- c(rnorm(k, 10, 3), 1e-8, 1e6, 0)
m2 <- c(rnorm(k, 9, 3), 0, 1e6 - 1, 0)
sd1 <- c(runif(k, 0.5, 6), 1e-8, 2e3, 0)
sd2 <- c(runif(k, 0.5, 6), 2e-8, 0, 1)
smd_data <- list(m1i = m1, m2i = m2, sd1i = sd1, sd2i = sd2, n1i = n1, n2i = n2)
record("random_SMDH", "SMDH", smd_data)
record("random_SMDH_LS2", "SMDH", smd_data, list(vtype = "LS2"))

# ---------------------------------------------------------------- 2x2 tables: AS, PETO
k <- 30
n1 <- c(sample(5:300, k, replace = TRUE), 10, 10, 12, 1, 7)
n2 <- c(sample(5:300, k, replace = TRUE), 10, 10, 12, 1, 9)
ai <- c(rbinom(k, n1[1:k], runif(k, 0.05, 0.6)), 0, 10, 0, 1, 3)
ci <- c(rbinom(k, n2[1:k], runif(k, 0.05, 0.6)), 0, 10, 5, 0, 0)
tab <- list(ai = ai, bi = n1 - ai, ci = ci, di = n2 - ci)
id00 <- (ai == 0 & ci == 0) | (n1 - ai == 0 & n2 - ci == 0)
record("random_AS", "AS", tab)
record("random_AS_add_half", "AS", tab, list(add = 0.5))
record("random_AS_only0_add", "AS", tab, list(add = 0.5, to = "only0"))
record("random_PETO", "PETO", tab)
record("random_PETO_all", "PETO", tab, list(to = "all"))
record("random_PETO_if0all", "PETO", tab, list(to = "if0all", add = 0.25))
record("random_PETO_drop00", "PETO", tab, list(drop00 = TRUE), id00 = id00)
record("random_AS_drop00", "AS", tab, list(drop00 = TRUE), id00 = id00)
record("PETO_none_double_zero", "PETO", lapply(tab, function(x) x[c(1, 31)]),
       list(to = "none"))
record("PETO_n1i_n2i", "PETO", list(ai = ai[1:5], n1i = n1[1:5], ci = ci[1:5], n2i = n2[1:5]))

# ---------------------------------------------------------------- two rates: IRD, IRSD
k <- 30
t1 <- c(round(runif(k, 10, 5000), 1), 100, 100, 0.5, 1e6)
t2 <- c(round(runif(k, 10, 5000), 1), 80, 100, 0.25, 2e6)
x1 <- c(rpois(k, t1[1:k] * runif(k, 0.001, 0.05)), 0, 0, 3, 12345)
x2 <- c(rpois(k, t2[1:k] * runif(k, 0.001, 0.05)), 4, 0, 0, 23456)
rates <- list(x1i = x1, x2i = x2, t1i = t1, t2i = t2)
id00r <- x1 == 0 & x2 == 0
for (m in c("IRD", "IRSD")) {
  record(paste0("random_", m), m, rates)
  record(paste0("random_", m, "_all"), m, rates, list(to = "all", add = 0.5))
  record(paste0("random_", m, "_if0all"), m, rates, list(to = "if0all", add = 0.5))
  record(paste0("random_", m, "_drop00"), m, rates, list(drop00 = TRUE), id00 = id00r)
}
record("IRD_none_double_zero", "IRD", lapply(rates, function(x) x[c(1, 32)]), list(to = "none"))
record("IRSD_none_double_zero", "IRSD", lapply(rates, function(x) x[c(1, 32)]),
       list(to = "none"))

# ---------------------------------------------------------------- one group: IRLN, MN, MNLN
k <- 30
ti <- c(round(runif(k, 1, 1e4), 2), 50, 1e-3, 1e7)
xi <- c(rpois(k, ti[1:k] * runif(k, 0.0005, 0.02)), 0, 2, 1)
record("random_IRLN", "IRLN", list(xi = xi, ti = ti))
record("random_IRLN_all", "IRLN", list(xi = xi, ti = ti), list(to = "all", add = 0.1))
record("random_IRLN_if0all", "IRLN", list(xi = xi, ti = ti), list(to = "if0all"))
record("IRLN_none_zero", "IRLN", list(xi = c(3, 0), ti = c(10, 20)), list(to = "none"))

mi <- c(rnorm(k, 50, 20), 1e-6, 1e8, 3)
sdi <- c(runif(k, 1, 15), 1e-7, 1e6, 0.5)
nn <- c(sample(2:500, k, replace = TRUE), 1, 3, 10)
record("random_MN", "MN", list(mi = mi - 40, sdi = sdi, ni = nn))
record("random_MNLN", "MNLN", list(mi = abs(mi), sdi = sdi, ni = nn))
record("MN_sd_zero", "MN", list(mi = c(1, 2), sdi = c(1, 0), ni = c(5, 6)))
record("MNLN_sd_zero", "MNLN", list(mi = c(1, 2), sdi = c(1, 0), ni = c(5, 6)))
record("MN_fractional_n", "MN", list(mi = c(-2, 0, 5), sdi = c(1, 2, 3), ni = c(2.5, 10, 7.25)))

# ---------------------------------------------------------------- partial correlations
k <- 30
pn <- c(sample(20:800, k, replace = TRUE), 3, 12, 1e5, 50)
pm <- c(sample(0:8, k, replace = TRUE), 0, 10, 3, 2.5)
pt <- c(round(rnorm(k, 1.5, 2.5), 2), 0, -40, 1e3, 3.25)
pc <- list(ti = pt, mi = pm, ni = pn)
record("random_PCOR", "PCOR", pc)
record("random_PCOR_AV", "PCOR", pc, list(vtype = "AV"))
record("random_ZPCOR", "ZPCOR", pc)
record("PCOR_vtype_per_study", "PCOR", lapply(pc, function(v) v[1:3]),
       list(vtype = c("AV", "LS", "AV")))

# ---------------------------------------------------------------- rma on the new measures
# Random-effects fits of escalc output (converged: threshold 1e-12 on the change in
# tau^2, as tests/reference/rma.R), with metafor's back-transform of the
# estimate and CI where the measure has one (transf.ztor, exp).
fits <- list()
fit_case <- function(name, measure, data, transf = NULL, method = "REML") {
  es <- do.call(escalc, c(list(measure = measure), data))
  fit <- rma(yi, vi, data = es, method = method,
             control = list(threshold = 1e-12, tol = 1e-13, maxiter = 10000))
  out <- list(name = name, measure = measure, method = method, args = lapply(data, I),
              estimate = as.numeric(fit$beta), se = fit$se, ci_lb = fit$ci.lb,
              ci_ub = fit$ci.ub, tau2 = fit$tau2, QE = fit$QE)
  if (!is.null(transf)) {
    p <- predict(fit, transf = get(transf))
    out$transf <- transf
    out$natural <- list(estimate = p$pred, ci_lb = p$ci.lb, ci_ub = p$ci.ub)
  }
  fits[[length(fits) + 1]] <<- out
}
fit_case("ZCOR_random", "ZCOR", lapply(cor_data, function(v) v[1:12]), "transf.ztor")
fit_case("ZPCOR_random", "ZPCOR", lapply(pc, function(v) v[1:10]), "transf.ztor")
fit_case("COR_random", "COR", lapply(cor_data, function(v) v[13:24]))
fit_case("SMDH_random", "SMDH", lapply(smd_data, function(v) v[1:10]))
fit_case("PETO_random", "PETO", lapply(tab, function(v) v[1:10]), "exp", method = "FE")
fit_case("AS_random", "AS", lapply(tab, function(v) v[1:10]))
fit_case("IRD_random", "IRD", lapply(rates, function(v) v[1:10]))
fit_case("IRLN_random", "IRLN", list(xi = xi[1:10], ti = ti[1:10]), "exp")
fit_case("MNLN_random", "MNLN", list(mi = abs(mi[1:10]), sdi = sdi[1:10], ni = nn[1:10]), "exp",
         method = "DL")

write_json(
  list(metafor_version = as.character(packageVersion("metafor")),
       gsl_version = as.character(packageVersion("gsl")), cases = cases, fits = fits),
  "tests/reference/effects_more.json", digits = NA, auto_unbox = TRUE, pretty = FALSE
)
cat("wrote", length(cases), "cases\n")
