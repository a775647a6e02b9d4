# Differential oracle: R metafor 3.8-1 rma.glmm (lme4 / BiasedUrn) on RANDOM count data,
# for tests/differential/test_diff_glmm.py. Writes tests/reference/differential_glmm.json.
#
#   Rscript tests/reference/differential_glmm.R        (from the repository root)
#
# Random datasets (k = 3..30; group sizes 5..2000 within a dataset; event rates from
# rare (0.2%-3%, many zero cells, double-zero studies) to common (up to 90%, cells
# with only events); heterogeneity tau from 0 to 1.5; a continuous and a binary
# moderator), and for each every model evisynth offers:
#   PLO (ML, FE), OR UM.FS (ML, FE), OR CM.AL, OR CM.EL, IRR UM.FS, IRR CM.EL,
#   each without and (for k >= 6) with a moderator, test z and test t.
# metafor is run with the tight optimiser of tests/reference/glmm.R (bobyqa for both
# glmer stages, rhoend 1e-12; for OR CM.EL integrate() at rel.tol 1e-10), which that
# oracle showed to agree with a direct lme4 refit to ~1e-5. Errors are recorded with
# their message; warnings are recorded (the tests check evisynth on those too).
# Numbers are written at full precision (digits = NA); NA/NaN/Inf as strings.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(as.character(packageVersion("metafor")) == "3.8.1")

set.seed(20261202)
tight <- list(glmerCtrl = list(optimizer = "bobyqa",
                               optCtrl = list(rhoend = 1e-12, maxfun = 1e6)))
tight_cmel <- list(intCtrl = list(rel.tol = 1e-10, subdivisions = 1000L))
num <- function(x) if (is.null(x) || length(x) == 0) NA else as.numeric(x)[1]
nums <- function(x) if (is.null(x)) NA else unname(as.numeric(x))

grab <- function(res) {
  list(beta = nums(res$beta), se = nums(res$se), stat = nums(res$zval), pval = nums(res$pval),
       ci_lb = nums(res$ci.lb), ci_ub = nums(res$ci.ub), tau2 = num(res$tau2),
       I2 = num(res$I2), H2 = num(res$H2), vt = num(res$vt),
       QE_Wld = num(res$QE.Wld), QE_Wld_pval = num(res$QEp.Wld),
       QE_LRT = num(res$QE.LRT), QE_LRT_pval = num(res$QEp.LRT), QE_df = num(res$QE.df),
       QM = num(res$QM), QM_pval = num(res$QMp), k = num(res$k), p = num(res$p),
       ll = num(res$fit.stats["ll", "ML"]), dev = num(res$fit.stats["dev", "ML"]))
}

# one rma.glmm call: result fields, or the error message; warnings kept either way
run <- function(args) {
  warns <- character(0)
  res <- withCallingHandlers(
    tryCatch(do.call(rma.glmm, args), error = function(e) e),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") },
    message = function(m) invokeRestart("muffleMessage"))
  out <- if (inherits(res, "error")) list(error = conditionMessage(res)) else grab(res)
  out$warnings <- unique(warns)
  out
}

rates <- c("rare", "rare", "low", "moderate", "common", "mixed")
gen <- function(i) {
  k <- if (i <= 12) c(3, 3, 4, 5, 6, 8)[(i - 1) %% 6 + 1] else sample(3:30, 1)
  rate <- sample(rates, 1)
  mu <- switch(rate, rare = runif(1, -6, -3.5), low = runif(1, -3.5, -2),
               moderate = runif(1, -2, 0), common = runif(1, 0, 2), mixed = 0)
  tau <- sample(c(0, 0, 0.3, 0.7, 1.5), 1)
  x1 <- round(rnorm(k, 0, 1), 3)
  x2 <- as.numeric(seq_len(k) %% 2 == 0)[sample(k)]
  b1 <- sample(c(0, 0.5), 1)
  alpha <- if (rate == "mixed") runif(k, -5, 2) else mu + rnorm(k, 0, 0.5)
  lor <- rnorm(1, 0, 0.6) + b1 * x1 + rnorm(k, 0, tau)
  # group sizes: log-uniform 5..2000 (small datasets get small groups so CM.EL stays cheap)
  hi <- if (k <= 10) 3.3 else 2.7
  n1 <- round(10^runif(k, 0.7, hi)); n2 <- round(10^runif(k, 0.7, hi))
  ai <- rbinom(k, n1, plogis(alpha + lor / 2)); ci <- rbinom(k, n2, plogis(alpha - lor / 2))
  # person-time and Poisson counts for the rate ratio
  t1 <- round(10^runif(k, 1, hi + 0.5), 1); t2 <- round(10^runif(k, 1, hi + 0.5), 1)
  lam <- exp(pmin(alpha, -0.5) - 1)
  x1i <- rpois(k, t1 * lam * exp(lor / 2)); x2i <- rpois(k, t2 * lam * exp(-lor / 2))
  list(id = sprintf("g%03d", i), k = k, rate = rate, tau_true = tau,
       ai = ai, n1i = n1, ci = ci, n2i = n2, x1i = x1i, t1i = t1, x2i = x2i, t2i = t2,
       x1 = x1, x2 = x2)
}

N <- 60
data <- lapply(seq_len(N), gen)
# edge datasets: no events at all, events only in one group, every study double-zero but one
edge <- list(
  list(id = "e_allzero", k = 5, rate = "edge", tau_true = 0, ai = rep(0, 5), n1i = c(20, 30, 25, 40, 15),
       ci = rep(0, 5), n2i = c(22, 31, 20, 35, 18), x1i = rep(0, 5), t1i = c(100, 120, 90, 200, 80),
       x2i = rep(0, 5), t2i = c(110, 100, 95, 180, 85), x1 = c(-1, 0, 1, 2, 0.5), x2 = c(0, 1, 0, 1, 1)),
  list(id = "e_onearm", k = 6, rate = "edge", tau_true = 0, ai = c(0, 0, 0, 0, 0, 0),
       n1i = c(50, 60, 45, 80, 30, 70), ci = c(2, 1, 3, 0, 1, 4), n2i = c(50, 58, 47, 75, 33, 66),
       x1i = c(0, 0, 0, 0, 0, 0), t1i = c(100, 120, 90, 200, 80, 150),
       x2i = c(2, 1, 3, 1, 1, 4), t2i = c(110, 100, 95, 180, 85, 140),
       x1 = c(-1, 0, 1, 2, 0.5, -0.3), x2 = c(0, 1, 0, 1, 1, 0)),
  list(id = "e_onlyone", k = 4, rate = "edge", tau_true = 0, ai = c(0, 0, 3, 0),
       n1i = c(40, 35, 50, 20), ci = c(0, 0, 1, 0), n2i = c(38, 30, 52, 25),
       x1i = c(0, 0, 3, 0), t1i = c(100, 120, 90, 200), x2i = c(0, 0, 1, 0),
       t2i = c(110, 100, 95, 180), x1 = c(-1, 0, 1, 2), x2 = c(0, 1, 0, 1)),
  list(id = "e_allevents", k = 4, rate = "edge", tau_true = 0, ai = c(20, 30, 25, 40),
       n1i = c(20, 30, 25, 40), ci = c(22, 31, 20, 35), n2i = c(22, 31, 20, 35),
       x1i = c(1, 2, 3, 4), t1i = c(10, 12, 9, 20), x2i = c(2, 2, 3, 3), t2i = c(11, 10, 9, 18),
       x1 = c(-1, 0, 1, 2), x2 = c(0, 1, 0, 1))
)
data <- c(data, edge)

specs <- list(
  list(fam = "PLO", measure = "PLO", model = "UM.FS", method = "ML"),
  list(fam = "PLO_FE", measure = "PLO", model = "UM.FS", method = "FE"),
  list(fam = "OR_UMFS", measure = "OR", model = "UM.FS", method = "ML"),
  list(fam = "OR_UMFS_FE", measure = "OR", model = "UM.FS", method = "FE"),
  list(fam = "OR_CMAL", measure = "OR", model = "CM.AL", method = "ML"),
  list(fam = "OR_CMEL", measure = "OR", model = "CM.EL", method = "ML"),
  list(fam = "IRR_UMFS", measure = "IRR", model = "UM.FS", method = "ML"),
  list(fam = "IRR_CMEL", measure = "IRR", model = "CM.EL", method = "ML")
)

t0 <- Sys.time()
for (i in seq_along(data)) {
  d <- data[[i]]
  fits <- list()
  # FE variants on a third of the datasets; CM.EL (integrate() per study, slow) where the
  # events are few enough
  cmel_ok <- d$k <= 15 && sum(d$ai + d$ci) <= 1500
  for (s in specs) {
    if (grepl("_FE$", s$fam) && i %% 3 != 0 && d$rate != "edge") next
    if (s$fam == "OR_CMEL" && !cmel_ok) next
    args <- switch(s$measure,
      PLO = list(measure = "PLO", xi = d$ai, ni = d$n1i),
      OR = list(measure = "OR", ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, model = s$model),
      IRR = list(measure = "IRR", x1i = d$x1i, t1i = d$t1i, x2i = d$x2i, t2i = d$t2i,
                 model = s$model))
    args$method <- s$method
    ctrl <- if (s$fam == "OR_CMEL") tight_cmel else tight
    mods_list <- list(none = NULL)
    if (d$k >= 6 && s$fam != "OR_CMEL") mods_list$x1 <- cbind(d$x1)
    if (d$k >= 6 && s$fam == "OR_CMEL" && d$k <= 10) mods_list$x1 <- cbind(d$x1)
    if (d$k >= 10 && s$fam %in% c("PLO", "OR_UMFS", "IRR_UMFS")) mods_list$x1x2 <- cbind(d$x1, d$x2)
    for (mn in names(mods_list)) {
      rec <- list(fam = s$fam, measure = s$measure, model = s$model, method = s$method,
                  mods = mn, tests = list())
      for (tst in c("z", "t")) {
        a <- c(args, list(test = tst, control = ctrl))
        if (!is.null(mods_list[[mn]])) a$mods <- mods_list[[mn]]
        rec$tests[[tst]] <- run(a)
        if (!is.null(rec$tests[[tst]]$error)) break
      }
      fits[[paste(s$fam, mn, sep = "-")]] <- rec
    }
  }
  data[[i]]$fits <- fits
  cat(sprintf("%s k=%d %s %d fits %.0fs\n", d$id, d$k, d$rate, length(fits),
              as.numeric(Sys.time() - t0, units = "secs")))
}

out <- list(metafor = as.character(packageVersion("metafor")),
            lme4 = as.character(packageVersion("lme4")), R = R.version.string,
            datasets = data)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "string",
                  null = "null"),
           "tests/reference/differential_glmm.json")
cat("wrote", length(data), "datasets\n")
