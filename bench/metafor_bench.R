# Timing worker for R metafor, driven by bench/run.py.
#
#   Rscript bench/metafor_bench.R SPEC.json OUT.json
#
# SPEC.json (written by run.py) lists the scenarios, the CSV files every tool
# reads, the number of repeats and the time budget. Timing is done here, inside
# the R process, with proc.time() around each repeat: R start-up, package
# loading and reading the CSV files are excluded. Each scenario gets untimed
# warm-up runs first (unless it is expected to be slow), which also choose how
# many back-to-back runs make one timed repeat (so that a repeat lasts at least
# `min_repeat_seconds`; proc.time() resolves about 1 ms); then up to `repeats`
# timed repeats (fewer once `budget` seconds are used up). The estimates and
# tau^2 of the last run are written out so that run.py can check that every
# tool computed the same thing; for iterative estimators also those of one
# untimed run with a tight control (threshold 1e-12), the agreement reference.
#
# Options passed to rma() are metafor's defaults apart from method and test:
# this is what a metafor user gets.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2L) stop("usage: Rscript bench/metafor_bench.R SPEC.json OUT.json")
spec <- fromJSON(args[[1]], simplifyVector = FALSE)
out_path <- args[[2]]

now <- function() proc.time()[["elapsed"]]

read_single <- function(sc) {
  d <- read.csv(sc[["csv"]])
  if (!is.null(sc[["k"]])) d <- d[seq_len(sc[["k"]]), ]
  list(yi = d$yi, vi = d$vi)
}

read_batch <- function(sc) {
  d <- read.csv(sc[["csv"]])
  B <- length(unique(d$id))
  k <- nrow(d) / B
  # rows are sorted by id, k rows each
  list(Y = matrix(d$yi, nrow = B, ncol = k, byrow = TRUE),
       V = matrix(d$vi, nrow = B, ncol = k, byrow = TRUE))
}

# control = NULL: metafor's defaults (what is timed). The tight control is used
# once, untimed, for the agreement reference of iterative estimators.
TIGHT <- list(threshold = 1e-12, maxiter = 10000)

fit_rma <- function(yi, vi, method, control) {
  if (is.null(control)) rma(yi, vi, method = method, test = "z")
  else rma(yi, vi, method = method, test = "z", control = control)
}

fit1 <- function(yi, vi, method, control) {
  r <- tryCatch(fit_rma(yi, vi, method, control), error = function(e) NULL)
  if (is.null(r)) c(NA_real_, NA_real_) else c(r$b[1], r$tau2)
}

# Returns a function(control) that does the whole scenario once and returns
# list(estimate, tau2, mode).
make_job <- function(sc) {
  m <- sc[["method"]]
  if (sc[["kind"]] == "single") {
    d <- read_single(sc)
    return(function(control = NULL) {
      r <- fit1(d$yi, d$vi, m, control)
      list(estimate = r[1], tau2 = r[2], mode = "rma()")
    })
  }
  if (sc[["kind"]] == "batch") {
    d <- read_batch(sc)
    B <- nrow(d$Y)
    return(function(control = NULL) {
      est <- numeric(B); t2 <- numeric(B)
      for (b in seq_len(B)) {
        r <- fit1(d$Y[b, ], d$V[b, ], m, control)
        est[b] <- r[1]; t2[b] <- r[2]
      }
      list(estimate = est, tau2 = t2, mode = "R loop of rma()")
    })
  }
  if (sc[["kind"]] == "loo") {
    d <- read_single(sc)
    B <- sc[["B"]]
    if (B == length(d$yi)) {
      return(function(control = NULL) {
        fit <- fit_rma(d$yi, d$vi, m, control)
        l <- leave1out(fit)
        list(estimate = l$estimate, tau2 = l$tau2, mode = "rma() + leave1out()")
      })
    }
    return(function(control = NULL) {
      est <- numeric(B); t2 <- numeric(B)
      for (i in seq_len(B)) {
        r <- fit1(d$yi[-i], d$vi[-i], m, control)
        est[i] <- r[1]; t2[i] <- r[2]
      }
      list(estimate = est, tau2 = t2, mode = "R loop of rma() omitting one study")
    })
  }
  stop("unknown scenario kind ", sc[["kind"]])
}

# Run job n times back to back; seconds per run. proc.time() has a resolution
# of about 1 ms, so fast jobs are run many times per timed repeat.
time_n <- function(job, n) {
  t0 <- now()
  for (j in seq_len(n)) last <- job()
  list(sec = (now() - t0) / n, last = last)
}

calibrate <- function(job, target) {
  n <- 1
  repeat {
    t <- time_n(job, n)$sec * n
    if (t >= target / 4 || n >= 1e5) break
    n <- n * 10
  }
  max(1, min(1e5, ceiling(n * target / max(t, 1e-9))))
}

results <- list()
per_repeat <- list()  # median seconds (or estimate) per scenario, for the gate

for (sc in spec[["scenarios"]]) {
  name <- sc[["name"]]
  res <- list(status = "ok")
  est_t <- NULL
  if (!is.null(sc[["est_from"]])) {
    base <- per_repeat[[sc[["est_from"]]]]
    if (!is.null(base)) est_t <- base * sc[["factor"]]
  }
  if (!is.null(est_t) && est_t > spec[["max_seconds"]]) {
    res$status <- "skipped"
    res$est_seconds <- est_t
    res$reason <- sprintf(
      "estimated %.0f s per repeat (%s time x %s, %s) exceeds the %s s cap",
      est_t, sc[["est_from"]], format(sc[["factor"]]), sc[["why"]], format(spec[["max_seconds"]]))
    per_repeat[[name]] <- est_t
    results[[name]] <- res
    next
  }
  job <- tryCatch(make_job(sc), error = function(e) e)
  if (inherits(job, "error")) {
    results[[name]] <- list(status = "error", reason = conditionMessage(job))
    next
  }
  warm <- is.null(est_t) || est_t < spec[["warmup_below"]]
  out <- tryCatch({
    n_inner <- if (warm) calibrate(job, spec[["min_repeat_seconds"]]) else 1
    times <- numeric(0)
    last <- NULL
    spent <- 0
    for (r in seq_len(spec[["repeats"]])) {
      tr <- time_n(job, n_inner)
      last <- tr$last
      times <- c(times, tr$sec)
      spent <- spent + tr$sec * n_inner
      if (spent > spec[["budget"]]) break
    }
    list(times = times, last = last, n_inner = n_inner)
  }, error = function(e) e)
  if (inherits(out, "error")) {
    results[[name]] <- list(status = "error", reason = conditionMessage(out))
    next
  }
  res$times <- out$times
  res$n_inner <- out$n_inner
  res$warmup <- warm
  res$mode <- out$last$mode
  res$estimate <- as.numeric(out$last$estimate)
  res$tau2 <- as.numeric(out$last$tau2)
  res$failures <- sum(is.na(res$estimate))
  if (sc[["method"]] %in% c("REML", "ML", "EB", "PM")) {
    # Agreement reference: the same fits converged tightly (untimed).
    tight <- tryCatch(job(TIGHT), error = function(e) NULL)
    if (!is.null(tight)) {
      res$ref_estimate <- as.numeric(tight$estimate)
      res$ref_tau2 <- as.numeric(tight$tau2)
    }
  }
  per_repeat[[name]] <- median(out$times)
  results[[name]] <- res
}

info <- list(
  tool = "metafor",
  version = as.character(packageVersion("metafor")),
  R = R.version.string,
  jsonlite = as.character(packageVersion("jsonlite")),
  blas = tryCatch(sessionInfo()$BLAS, error = function(e) NA),
  lapack = tryCatch(La_library(), error = function(e) NA)
)
writeLines(toJSON(list(info = info, results = results), auto_unbox = TRUE, digits = NA,
                  null = "null", na = "null"), out_path)
