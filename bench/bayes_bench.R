# Timing worker for the R quadrature oracle (tests/reference/bayesmeta.R), driven by
# bench/bayes.py.
#
#   Rscript bench/bayes_bench.R SPEC.json OUT.json
#
# SPEC.json lists scenarios: a CSV of meta-analyses (columns id, yi, vi) and how many
# of them to analyse. Timing is inside this process with proc.time() around the
# loop, so R start-up and reading the files are excluded. The analysis is the
# oracle's own `analyse()` (integrate rel.tol 1e-12 + uniroot) with the
# half-normal(0.5) prior and a flat effect prior: tau median and 95% interval, mu
# median, mean, sd and 95% interval, predictive interval, marginal likelihood and
# the Bayes factor for tau = 0; shrunken study estimates only where the spec asks.
suppressPackageStartupMessages(library(jsonlite))
source("tests/reference/bayesmeta.R")
args <- commandArgs(trailingOnly = TRUE)
spec <- fromJSON(args[[1]], simplifyVector = FALSE)
res <- list()
for (sc in spec$scenarios) {
  d <- read.csv(sc$csv)
  ids <- unique(d$id)[seq_len(sc$n)]
  t0 <- proc.time()[["elapsed"]]
  est <- numeric(length(ids)); lb <- est; ub <- est; tau <- est
  for (j in seq_along(ids)) {
    x <- d[d$id == ids[j], ]
    r <- analyse(x$yi, x$vi, priors[["halfnormal_0.5"]], studies = isTRUE(sc$studies))
    est[j] <- r$estimate; lb[j] <- r$ci_lb; ub[j] <- r$ci_ub; tau[j] <- r$tau
  }
  el <- proc.time()[["elapsed"]] - t0
  res[[sc$name]] <- list(seconds = el, n = length(ids), estimate = est, ci_lb = lb, ci_ub = ub,
                         tau = tau)
}
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA), args[[2]])
