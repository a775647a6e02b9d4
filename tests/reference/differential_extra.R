# Differential oracle, third part: random cases that the first two scripts do not
# reach. Writes tests/reference/differential_extra.json for
# tests/differential/test_diff_extra.py.
#
#   Rscript tests/reference/differential_extra.R        (from the repository root)
#
# - permutest(exact = TRUE) of random intercept-only and one-moderator fits
#   (k = 3..7, so that all 2^k sign flips / k! permutations are enumerated);
# - rma.mh / rma.peto on very sparse random 2x2 tables (groups of 2..40, event
#   risk 0..8%, some nearly all-event groups) with add = 0 and to = "none", where
#   study-level effects are NA for many tables;
# - leave1out and cumul for k = 2..4 (subsets of one or two studies).
# Numbers at full precision; NA/NaN/Inf as strings (see differential_rma.R).
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(as.character(packageVersion("metafor")) == "3.8.1")
set.seed(20261203)
ctrl <- list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)
num <- function(x) if (is.null(x) || length(x) == 0) NA else as.numeric(x)[1]
nums <- function(x) if (is.null(x)) NA else as.numeric(x)

perm <- list()
while (length(perm) < 40) {
  k <- sample(3:7, 1)
  vi <- 10^runif(k, -2, 0.5)
  yi <- rnorm(k, sample(c(0, 0.4), 1), sqrt(vi + sample(c(0, 0.2), 1)))
  x <- rnorm(k)
  m <- sample(c("FE", "DL", "REML", "ML", "PM", "HE", "SJ"), 1)
  tst <- sample(c("z", "knha"), 1)
  mods <- k >= 4 && runif(1) < 0.5
  f <- tryCatch(suppressWarnings(if (mods) rma(yi, vi, mods = ~x, method = m, test = tst, control = ctrl)
                                 else rma(yi, vi, method = m, test = tst, control = ctrl)),
                error = function(e) NULL)
  if (is.null(f)) next
  p <- tryCatch(suppressWarnings(permutest(f, exact = TRUE, progbar = FALSE, control = ctrl)),
                error = function(e) NULL)
  if (is.null(p)) next
  perm[[length(perm) + 1]] <- list(yi = yi, vi = vi, x = if (mods) x else NULL, method = m,
                                   test = tst, pval = nums(p$pval), QMp = num(p$QMp))
}

tables <- list()
sparse <- list()
for (rep in 1:40) {
  k <- sample(2:8, 1)
  n1 <- sample(2:40, k, TRUE); n2 <- sample(2:40, k, TRUE)
  p <- runif(1, 0, 0.08)
  ai <- rbinom(k, n1, p); ci <- rbinom(k, n2, p)
  if (runif(1) < 0.2) ai <- n1 - rbinom(k, n1, p)
  tab <- list(ai = ai, bi = n1 - ai, ci = ci, di = n2 - ci)
  tables[[rep]] <- lapply(tab, I)
  for (fn in c("OR", "RR", "RD", "PETO")) for (o in list(list(add = 0), list(to = "none"))) {
    f <- tryCatch(suppressWarnings(
      if (fn == "PETO") do.call(rma.peto, c(tab, o)) else do.call(rma.mh, c(tab, list(measure = fn), o))),
      error = function(e) e)
    rec <- list(table = rep - 1L, measure = fn, options = o)
    if (inherits(f, "error")) {
      rec$r_error <- conditionMessage(f)
    } else {
      rec <- c(rec, list(estimate = num(f$beta), se = num(f$se), pval = num(f$pval),
                         ci_lb = num(f$ci.lb), ci_ub = num(f$ci.ub), Q = num(f$QE),
                         Q_pval = num(f$QEp), I2 = num(f$I2), k = f$k, k_yi = f$k.yi))
    }
    sparse[[length(sparse) + 1]] <- rec
  }
}

small <- list()
for (rep in 1:30) {
  k <- sample(2:4, 1)
  vi <- 10^runif(k, -2, 0.5)
  yi <- rnorm(k, 0.3, sqrt(vi + sample(c(0, 0.3), 1)))
  m <- sample(c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB"), 1)
  tst <- sample(c("z", "t", "knha", "adhoc"), 1)
  f <- tryCatch(suppressWarnings(rma(yi, vi, method = m, test = tst, control = ctrl)),
                error = function(e) NULL)
  if (is.null(f)) next
  l1 <- suppressWarnings(leave1out(f))
  o <- sample(k)
  assign("cumul_key", o, envir = .GlobalEnv)
  cu <- suppressWarnings(cumul(f, order = cumul_key))
  row <- function(x) list(estimate = nums(x$estimate), se = nums(x$se), pval = nums(x$pval),
                          ci_lb = nums(x$ci.lb), ci_ub = nums(x$ci.ub), Q = nums(x$Q),
                          tau2 = if (m == "FE") NA else nums(x$tau2), I2 = nums(x$I2))
  small[[length(small) + 1]] <- list(yi = yi, vi = vi, method = m, test = tst, order = o - 1L,
                                     leave1out = row(l1), cumul = row(cu))
}

out <- list(metafor_version = as.character(packageVersion("metafor")),
            R_version = R.version.string, control = ctrl, permutest = perm, tables = tables,
            sparse = sparse, small = small)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "string"),
           "tests/reference/differential_extra.json")
cat("wrote tests/reference/differential_extra.json:", length(perm), "permutest,",
    length(sparse), "sparse rma.mh/peto,", length(small), "small-k leave1out/cumul\n")
