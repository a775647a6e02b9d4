# Timing worker for R metafor, driven by bench/run.py over stdin/stdout.
#
#   Rscript bench/metafor_bench.R SPEC.json
#
# One persistent R process: metafor is loaded and the CSV files are read once,
# before anything is timed. It prints one JSON line ("ready", versions, and per
# scenario whether it can run it), then answers one JSON command per line on
# stdin, as bench/pyworker.py does:
#   {"cmd": "calibrate", "scenario": S, "target": T}  -> {"n": runs per repeat}
#   {"cmd": "run", "scenario": S, "n": n}             -> {"sec": seconds per run}
#   {"cmd": "result", "scenario": S}                  -> estimates, tau2, and for
#       iterative estimators the tight-control reference ("ref_estimate", "ref_tau2")
#   {"cmd": "quit"}
# Timing is proc.time() (resolution ~1 ms), so fast jobs run many times per
# repeat. run.py sends "run" to the tools in turn, round by round.
#
# Options passed to rma() are metafor's defaults apart from method and test:
# this is what a metafor user gets.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) stop("usage: Rscript bench/metafor_bench.R SPEC.json")
spec <- fromJSON(args[[1]], simplifyVector = FALSE)

now <- function() proc.time()[["elapsed"]]
say <- function(x) {
  cat(toJSON(x, auto_unbox = TRUE, digits = NA, null = "null", na = "null"), "\n", sep = "")
  flush(stdout())
}

read_single <- function(sc) {
  d <- read.csv(sc[["csv"]])
  if (!is.null(sc[["k"]])) d <- d[seq_len(sc[["k"]]), ]
  list(yi = d$yi, vi = d$vi)
}

TIGHT <- list(threshold = 1e-12, maxiter = 10000)

fit_rma <- function(yi, vi, method, control = NULL) {
  if (is.null(control)) rma(yi, vi, method = method, test = "z")
  else rma(yi, vi, method = method, test = "z", control = control)
}

# A function(control) doing the scenario once: list(estimate, tau2).
make_job <- function(sc) {
  m <- sc[["method"]]
  kind <- sc[["kind"]]
  if (kind == "single") {
    d <- read_single(sc)
    return(list(mode = "rma()", job = function(control = NULL) {
      r <- fit_rma(d$yi, d$vi, m, control)
      list(estimate = r$b[1], tau2 = r$tau2)
    }))
  }
  if (kind == "loo_inf") {
    d <- read_single(sc)
    return(list(mode = "rma() + leave1out() + influence()", job = function(control = NULL) {
      fit <- fit_rma(d$yi, d$vi, m, control)
      l <- leave1out(fit)
      influence(fit)
      list(estimate = l$estimate, tau2 = l$tau2)
    }))
  }
  if (kind == "permutest") {
    d <- read_single(sc)
    return(list(mode = "rma() + permutest()", job = function(control = NULL) {
      fit <- fit_rma(d$yi, d$vi, m, control)
      p <- permutest(fit, iter = sc[["iter"]], progbar = FALSE)
      list(estimate = p$pval[1], tau2 = NA_real_)
    }))
  }
  NULL
}

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

jobs <- list()
status <- list()
for (sc in spec[["scenarios"]]) {
  if (sc[["kind"]] == "spawn") next
  name <- sc[["name"]]
  skip <- sc[["skip"]][["metafor"]]
  if (!is.null(skip)) {
    status[[name]] <- list(status = "skipped", reason = skip)
    next
  }
  j <- tryCatch(make_job(sc), error = function(e) e)
  if (inherits(j, "error")) {
    status[[name]] <- list(status = "error", reason = conditionMessage(j))
  } else if (is.null(j)) {
    status[[name]] <- list(status = "n/a", reason = "no batch interface (an R loop of rma())")
  } else {
    jobs[[name]] <- j
    status[[name]] <- list(status = "ok", mode = j$mode)
  }
}

say(list(
  ready = TRUE,
  version = as.character(packageVersion("metafor")),
  where = paste(R.version.string, "; jsonlite", as.character(packageVersion("jsonlite")),
                "; BLAS", tryCatch(sessionInfo()$BLAS, error = function(e) NA)),
  scenarios = status
))

last <- list()
con <- file("stdin")
open(con)
repeat {
  line <- readLines(con, n = 1)
  if (length(line) == 0) break
  cmd <- fromJSON(line, simplifyVector = FALSE)
  name <- cmd[["scenario"]]
  if (cmd[["cmd"]] == "quit") break
  ans <- tryCatch({
    if (cmd[["cmd"]] == "calibrate") {
      list(n = calibrate(jobs[[name]]$job, cmd[["target"]]))
    } else if (cmd[["cmd"]] == "run") {
      tr <- time_n(jobs[[name]]$job, cmd[["n"]])
      last[[name]] <- tr$last
      list(sec = tr$sec)
    } else if (cmd[["cmd"]] == "result") {
      r <- last[[name]]
      out <- list(estimate = I(as.numeric(r$estimate)), tau2 = I(as.numeric(r$tau2)))
      sc <- Find(function(s) identical(s[["name"]], name), spec[["scenarios"]])
      if (sc[["method"]] %in% c("REML", "ML", "EB", "PM") && sc[["kind"]] != "permutest") {
        tight <- tryCatch(jobs[[name]]$job(TIGHT), error = function(e) NULL)
        if (!is.null(tight)) {
          out$ref_estimate <- I(as.numeric(tight$estimate))
          out$ref_tau2 <- I(as.numeric(tight$tau2))
        }
      }
      out
    } else {
      list(error = paste("unknown command", cmd[["cmd"]]))
    }
  }, error = function(e) list(error = conditionMessage(e)))
  say(ans)
}
