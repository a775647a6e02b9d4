# Oracle for the hardening fixes of issue #9 (convergence with an uninformative
# study, W1): R metafor 3.8-1. Writes tests/reference/hardening.json.
#
#   Rscript tests/reference/hardening.R        (from the repository root)
#
# Each dataset is a published one (metadat) with one or more uninformative
# studies appended (a sampling variance many orders of magnitude above the
# others). metafor's convergence criterion is absolute (|change in tau^2| <
# threshold), so with a tight threshold it is not loosened by such a study; the
# fits below use threshold = 1e-12 and uniroot tol = 1e-13 (PM).
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
  library(survival)
})
stopifnot(as.character(packageVersion("metafor")) == "3.8.1")

ctrl <- list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)
methods <- c("ML", "REML", "EB", "PM")
tests <- c("z", "knha")

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
smd <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
              n2i = n2i, data = dat.normand1999)
datasets <- list(
  bcg_plus_1e12 = list(yi = c(bcg$yi, 0), vi = c(bcg$vi, 1e12),
                       source = "dat.bcg log RR + one study yi = 0, vi = 1e12"),
  bcg_plus_1e6 = list(yi = c(bcg$yi, -3), vi = c(bcg$vi, 1e6),
                      source = "dat.bcg log RR + one study yi = -3, vi = 1e6"),
  bcg_plus_two = list(yi = c(bcg$yi, 2, -1), vi = c(bcg$vi, 1e9, 1e14),
                      source = "dat.bcg log RR + two studies vi = 1e9, 1e14"),
  normand_plus_1e10 = list(yi = c(smd$yi, 0.5), vi = c(smd$vi, 1e10),
                           source = "dat.normand1999 SMD + one study yi = 0.5, vi = 1e10")
)

out <- list(metafor = as.character(packageVersion("metafor")), datasets = list())
for (name in names(datasets)) {
  d <- datasets[[name]]
  fits <- list()
  for (m in methods) for (tt in tests) {
    f <- suppressWarnings(rma(d$yi, d$vi, method = m, test = tt, control = ctrl))
    fits[[length(fits) + 1]] <- list(
      method = m, test = tt, tau2 = f$tau2, estimate = as.numeric(f$beta), se = f$se,
      ci_lb = f$ci.lb, ci_ub = f$ci.ub, pval = f$pval, I2 = f$I2, H2 = f$H2)
  }
  out$datasets[[name]] <- list(yi = as.numeric(d$yi), vi = as.numeric(d$vi),
                               source = d$source, fits = fits)
}
# Log-rank test with a group that has no expected events (all its subjects are
# censored before the first event): survdiff drops it from the statistic.
lr_cases <- list(
  no_expected = list(time = c(3, 5, 6, 8, 4, 7, 9, 10, 1, 2),
                     event = c(1, 1, 1, 0, 1, 1, 0, 1, 0, 0),
                     group = c(rep("A", 4), rep("B", 4), rep("C", 2))),
  no_expected_four = list(time = c(3, 5, 6, 8, 4, 7, 9, 10, 1, 2, 2.5, 6.5, 11, 12),
                          event = c(1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0),
                          group = c(rep("A", 4), rep("B", 4), rep("C", 2), rep("D", 4)))
)
out$logrank <- list()
for (name in names(lr_cases)) {
  d <- lr_cases[[name]]
  f <- survdiff(Surv(d$time, d$event) ~ d$group)
  keep <- f$exp > 0
  out$logrank[[name]] <- c(d, list(chisq = f$chisq, df = sum(keep) - 1,
                                   observed = as.numeric(f$obs), expected = as.numeric(f$exp)))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE),
           "tests/reference/hardening.json")
