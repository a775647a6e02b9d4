# Reference values for evisynth.rma_glmm: R metafor 3.8-1 rma.glmm with lme4 (Debian
# r-cran-metafor, r-cran-metadat, r-cran-lme4). Run from the repository root:
#   Rscript tests/reference/glmm.R
# Each case is fitted twice: with metafor's defaults ("default": lme4's glmer with its
# default optimizers, nAGQ = 7) and with a tight optimiser ("tight": bobyqa for both
# glmer stages with rhoend = 1e-12), to separate optimiser error from model differences.
suppressMessages({library(metafor); library(jsonlite)})
stopifnot(packageVersion("metafor") == "3.8.1")

tight <- list(glmerCtrl = list(optimizer = "bobyqa",
                               optCtrl = list(rhoend = 1e-12, maxfun = 1e6)))

grab <- function(res) {
  list(beta = unname(c(res$beta)), se = unname(res$se), zval = unname(res$zval),
       pval = unname(res$pval), ci_lb = unname(res$ci.lb), ci_ub = unname(res$ci.ub),
       tau2 = res$tau2, I2 = res$I2, H2 = res$H2, vt = res$vt,
       QE_Wld = res$QE.Wld, QE_Wld_pval = res$QEp.Wld, QE_LRT = res$QE.LRT,
       QE_LRT_pval = res$QEp.LRT, QE_df = res$QE.df,
       QM = res$QM, QM_pval = res$QMp, k = res$k, p = res$p,
       ll = res$fit.stats["ll", "ML"], dev = res$fit.stats["dev", "ML"])
}

# Direct lme4 refit on the unscaled design (metafor standardises moderators first): the
# deviance function of glmer (devFunOnly), minimised by nlminb from the tight fit with
# rel.tol 1e-15, and the covariance from a Richardson-extrapolated numDeriv Hessian of
# that deviance (lme4 itself uses a simple central-difference Hessian).
refit <- function(args, X) {
  d <- suppressWarnings(do.call(rma.glmm, c(args, list(retdat = TRUE))))
  k <- nrow(X)
  if (args$measure == "PLO" || (!is.null(args$model) && args$model %in% c("CM.AL", "CM.EL"))) {
    study <- factor(seq_len(k)); Xf <- X; off <- d$dat.off
    fam <- if (args$measure == "PLO") binomial else binomial
    yy <- d$dat.grp
    fml <- yy ~ -1 + Xf + (1 | study)
    nfix <- ncol(X)
  } else {
    study <- d$study; g1 <- d$group1; group <- d$group; off <- d$dat.off
    Xf <- g1 * X[rep(seq_len(k), each = 2L), , drop = FALSE]
    yy <- d$dat.grp; fam <- d$dat.fam
    fml <- yy ~ -1 + Xf + study + (group - 1 | study)
    nfix <- ncol(X)
  }
  env <- list2env(list(yy = yy, Xf = Xf, study = study, off = off,
                       group = if (exists("group")) group else NULL))
  environment(fml) <- env
  nq <- if (is.null(args$nAGQ)) 7 else args$nAGQ
  fit <- lme4::glmer(fml, offset = off, family = fam, nAGQ = nq,
                     control = lme4::glmerControl(optimizer = "bobyqa",
                                                  optCtrl = list(rhoend = 1e-12, maxfun = 1e6)))
  dev <- lme4::glmer(fml, offset = off, family = fam, nAGQ = nq, devFunOnly = TRUE)
  start <- c(lme4::getME(fit, "theta"), lme4::fixef(fit))
  opt <- nlminb(start, dev, lower = c(0, rep(-Inf, length(start) - 1)),
                control = list(rel.tol = 1e-15, x.tol = 1e-12, eval.max = 1e5, iter.max = 1e4))
  H <- numDeriv::hessian(dev, opt$par)
  V <- 2 * solve(H)
  b <- opt$par[-1][seq_len(nfix)]
  se <- sqrt(diag(V)[-1][seq_len(nfix)])
  list(beta = unname(b), se = unname(se), tau2 = opt$par[1]^2, deviance_lme4 = opt$objective,
       logLik_lme4_fit = c(logLik(fit)))
}

# CM.EL refit: metafor's own likelihood (.dnchg, BiasedUrn densities) with integrate() at
# rel.tol 1e-12, polished by nlminb from the tight fit, numDeriv Hessian in (beta, log tau^2).
refit_cmel <- function(args, X) {
  d <- suppressWarnings(do.call(rma.glmm, c(args, list(retdat = TRUE))))
  keep <- !(is.na(args$ai) | FALSE)
  a <- d$dat.grp[, "xi"]; cc <- d$dat.grp[, "mi"]
  n1 <- args$n1i; n2 <- args$n2i
  dropped <- (args$ai == 0 & args$ci == 0) | (args$ai == n1 & args$ci == n2)
  n1 <- n1[!dropped]; n2 <- n2[!dropped]
  ic <- list(lower = -Inf, upper = Inf, subdivisions = 1000L, rel.tol = 1e-12)
  f <- function(par) metafor:::.dnchg(par, ai = a, bi = n1 - a, ci = cc, di = n2 - cc,
                                      X.fit = X, random = TRUE, verbose = FALSE,
                                      digits = c(est = 4, se = 4, test = 4, pval = 4, ci = 4,
                                                 var = 4, sevar = 4, fit = 4, het = 4),
                                      dnchgcalc = "dFNCHypergeo", dnchgprec = 1e-10,
                                      intCtrl = ic)
  r <- suppressWarnings(rma.glmm(measure = "OR", ai = args$ai, n1i = args$n1i, ci = args$ci,
                                 n2i = args$n2i, model = "CM.EL", control = tight_cmel))
  opt <- nlminb(c(c(r$beta), log(r$tau2)), f, control = list(rel.tol = 1e-14, eval.max = 1e4,
                                                               iter.max = 1e4))
  H <- numDeriv::hessian(f, opt$par)
  V <- solve(H)
  p <- ncol(X)
  list(beta = opt$par[seq_len(p)], se = sqrt(diag(V)[seq_len(p)]), tau2 = exp(opt$par[p + 1]),
       ll = -opt$objective)
}

cases <- list()
# CM.EL for the odds ratio is fitted by metafor itself (nlminb over beta and log tau^2,
# integrate() over the noncentral hypergeometric density from BiasedUrn, numDeriv Hessian),
# not by lme4; its tight variant tightens integrate() (a tighter nlminb rel.tol makes
# metafor's fixed-effects fit fail with convergence = 1).
tight_cmel <- list(intCtrl = list(rel.tol = 1e-10, subdivisions = 1000L))
add_case <- function(name, args, mods = NULL, formula = NULL, data = NULL, note = "") {
  cmel <- args$measure == "OR" && !is.null(args$model) && args$model == "CM.EL"
  call_args <- args
  if (!is.null(mods)) call_args$mods <- mods
  if (!is.null(formula)) { call_args$mods <- formula; call_args$data <- data }
  r1 <- suppressWarnings(do.call(rma.glmm, call_args))
  r2 <- suppressWarnings(do.call(rma.glmm, c(call_args,
                                              list(control = if (cmel) tight_cmel else tight))))
  X <- if (!is.null(formula)) model.matrix(formula, data = data) else
    if (!is.null(mods)) cbind(1, mods) else matrix(1, nrow = r1$k.all, ncol = 1)
  if (!is.null(r1$not.na) && any(!r1$not.na)) X <- X[r1$not.na, , drop = FALSE]
  ml <- (is.null(args$method) || args$method == "ML") && !cmel
  rf <- if (ml) refit(call_args[setdiff(names(call_args), c("mods", "data"))], X) else NULL
  if (cmel && is.null(mods) && is.null(formula) && r2$tau2 > 1e-3) rf <- refit_cmel(args, X)
  inp <- args[setdiff(names(args), c("measure", "model", "method", "test", "nAGQ"))]
  inp <- lapply(inp, function(v) as.numeric(v))
  case <- list(name = name, measure = args$measure,
               model = if (is.null(args$model)) "UM.FS" else args$model,
               method = if (is.null(args$method)) "ML" else args$method,
               test = if (is.null(args$test)) "z" else args$test,
               nAGQ = if (is.null(args$nAGQ)) 7 else args$nAGQ,
               inputs = inp, note = note,
               default = grab(r1), tight = grab(r2), refit = rf)
  if (!is.null(mods)) case$mods <- unname(as.matrix(mods))
  if (!is.null(formula)) {
    case$formula <- paste(deparse(formula), collapse = "")
    case$data <- as.list(data[all.vars(formula)])
  }
  cases[[name]] <<- case
}

pr <- dat.pritz1997
add_case("pritz_plo", list(measure = "PLO", xi = pr$xi, ni = pr$ni),
         note = "k = 14, two studies with only events")
add_case("pritz_plo_k3", list(measure = "PLO", xi = pr$xi[1:3], ni = pr$ni[1:3]), note = "k = 3")
add_case("pritz_plo_fe", list(measure = "PLO", xi = pr$xi, ni = pr$ni, method = "FE"))
add_case("pritz_plo_laplace", list(measure = "PLO", xi = pr$xi, ni = pr$ni, nAGQ = 1))
nw <- dat.nielweise2007
add_case("nielweise2007_plo_treated", list(measure = "PLO", xi = nw$ai, ni = nw$n1i),
         note = "k = 18 proportions, 6 with 0 events")
add_case("nielweise2007_plo_k2", list(measure = "PLO", xi = nw$ai[1:2], ni = nw$n1i[1:2]),
         note = "k = 2, one study with 0 events")
add_case("nielweise2007_plo_k2_t", list(measure = "PLO", xi = nw$ai[1:2], ni = nw$n1i[1:2],
                                        test = "t"), note = "k = 2, t test")
yu <- dat.yusuf1985[!is.na(dat.yusuf1985$ci) & !is.na(dat.yusuf1985$n2i), ]
add_case("yusuf1985_plo_control", list(measure = "PLO", xi = yu$ci, ni = yu$n2i),
         note = sprintf("large k = %d", nrow(yu)))
db <- dat.debruin2009
add_case("debruin2009_plo_scq", list(measure = "PLO", xi = db$xi, ni = db$ni),
         formula = ~ scq + ethnicity, data = db, note = "continuous and categorical moderator")
bcg <- dat.bcg
add_case("bcg_plo_ablat", list(measure = "PLO", xi = bcg$cpos, ni = bcg$cpos + bcg$cneg),
         mods = cbind(bcg$ablat), note = "moderator as a matrix")
add_case("nielweise2007_or_umfs", list(measure = "OR", ai = nw$ai, n1i = nw$n1i, ci = nw$ci,
                                       n2i = nw$n2i, model = "UM.FS"),
         note = "zero cells; one double-zero study dropped")
add_case("nielweise2007_or_cmal", list(measure = "OR", ai = nw$ai, n1i = nw$n1i, ci = nw$ci,
                                       n2i = nw$n2i, model = "CM.AL"))
add_case("nielweise2007_or_umfs_fe", list(measure = "OR", ai = nw$ai, n1i = nw$n1i, ci = nw$ci,
                                          n2i = nw$n2i, model = "UM.FS", method = "FE"))
li <- dat.li2007
add_case("li2007_or_umfs", list(measure = "OR", ai = li$ai, n1i = li$n1i, ci = li$ci,
                                n2i = li$n2i, model = "UM.FS"), note = "k = 22 with zero cells")
add_case("li2007_or_cmal", list(measure = "OR", ai = li$ai, n1i = li$n1i, ci = li$ci,
                                n2i = li$n2i, model = "CM.AL"))
add_case("bcg_or_umfs_ablat", list(measure = "OR", ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos,
                                   di = bcg$cneg, model = "UM.FS"),
         mods = cbind(bcg$ablat), note = "moderator")
add_case("bcg_or_cmal_ablat", list(measure = "OR", ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos,
                                   di = bcg$cneg, model = "CM.AL"), mods = cbind(bcg$ablat))
add_case("nielweise2007_or_cmel", list(measure = "OR", ai = nw$ai, n1i = nw$n1i, ci = nw$ci,
                                       n2i = nw$n2i, model = "CM.EL"),
         note = "exact conditional likelihood (BiasedUrn)")
hi <- dat.hine1989
add_case("hine1989_or_cmel", list(measure = "OR", ai = hi$ai, n1i = hi$n1i, ci = hi$ci,
                                  n2i = hi$n2i, model = "CM.EL"))
add_case("hine1989_or_umfs", list(measure = "OR", ai = hi$ai, n1i = hi$n1i, ci = hi$ci,
                                  n2i = hi$n2i, model = "UM.FS"), note = "k = 6")
nw8 <- dat.nielweise2008
add_case("nielweise2008_irr_umfs", list(measure = "IRR", x1i = nw8$x1i, t1i = nw8$t1i,
                                        x2i = nw8$x2i, t2i = nw8$t2i, model = "UM.FS"))
add_case("nielweise2008_irr_cmel", list(measure = "IRR", x1i = nw8$x1i, t1i = nw8$t1i,
                                        x2i = nw8$x2i, t2i = nw8$t2i, model = "CM.EL"))

# Textbook Laplace approximation (the nAGQ = 1 rule of evisynth), computed here with
# optimize() for the modes, at lme4's nAGQ = 1 estimates of the pritz1997 data. lme4's own
# nAGQ = 1 deviance differs slightly from this textbook value (see the test).
lap_dev <- function(xi, ni, th, b) {
  tot <- 0
  for (i in seq_along(xi)) {
    g <- function(u) dbinom(xi[i], ni[i], plogis(b + th * u), log = TRUE) - u^2 / 2
    uh <- optimize(function(u) -g(u), c(-30, 30), tol = 1e-13)$minimum
    p <- plogis(b + th * uh)
    tot <- tot + g(uh) - 0.5 * log(th^2 * ni[i] * p * (1 - p) + 1)
  }
  -2 * tot
}
lap <- cases[["pritz_plo_laplace"]]
th <- sqrt(lap$tight$tau2); b <- lap$tight$beta
laplace_check <- list(xi = pr$xi, ni = pr$ni, theta = th, beta = b,
                      neg2ll = lap_dev(pr$xi, pr$ni, th, b))

# Per-study intervals for proportions: binom.test (Clopper-Pearson) and
# prop.test(correct = FALSE) (Wilson), at 95% and 90%, including 0 and n events.
pci_x <- c(0, 1, 3, 10, 12, 0, 58, 5); pci_n <- c(20, 44, 10, 10, 12, 1, 68, 6)
pci <- list(xi = pci_x, ni = pci_n)
for (lv in c(95, 90)) {
  ex <- t(sapply(seq_along(pci_x), function(i)
    binom.test(pci_x[i], pci_n[i], conf.level = lv / 100)$conf.int))
  wi <- t(sapply(seq_along(pci_x), function(i)
    suppressWarnings(prop.test(pci_x[i], pci_n[i], conf.level = lv / 100,
                               correct = FALSE))$conf.int))
  pci[[paste0("exact_", lv)]] <- list(lb = ex[, 1], ub = ex[, 2])
  pci[[paste0("wilson_", lv)]] <- list(lb = wi[, 1], ub = wi[, 2])
}

out <- list(metafor = as.character(packageVersion("metafor")),
            lme4 = as.character(packageVersion("lme4")),
            R = R.version.string, cases = cases, laplace_check = laplace_check,
            proportion_ci = pci)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null",
                  pretty = TRUE),
           "tests/reference/glmm.json")
cat("wrote", length(cases), "cases\n")
