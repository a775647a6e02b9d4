# Oracle for evisynth meta-regression, subgroups, permutation tests and
# sensitivity analyses: R metafor 3.8-1 on published datasets (metadat) and
# constructed edge cases. Writes tests/reference/metareg.json with sections
#   datasets, metareg, subgroup, permutest, leave1out, cumul, influence.
#
#   Rscript tests/reference/metareg.R        (from the repository root)
#
# Effect sizes are computed here with metafor's escalc and stored together with
# the moderators, so the Python tests need no R. Every model uses a tight
# control so that the oracle itself is converged.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(as.character(packageVersion("metafor")) == "3.8.1")

ctrl <- list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)
num <- function(x) if (is.null(x) || length(x) == 0) NA else as.numeric(x)
num1 <- function(x) if (is.null(x) || length(x) == 0) NA else as.numeric(x)[1]

# ---------------------------------------------------------------- datasets --
datasets <- list()
add <- function(name, yi, vi, labels, mods, source) {
  datasets[[name]] <<- list(yi = as.numeric(yi), vi = as.numeric(vi),
                            labels = as.character(labels), data = as.list(mods),
                            source = source)
}
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
add("bcg", bcg$yi, bcg$vi, paste(bcg$author, bcg$year), bcg[, c("ablat", "year", "alloc")],
    "dat.bcg (Colditz et al. 1994), log risk ratio")
r85 <- dat.raudenbush1985
add("raudenbush1985", r85$yi, r85$vi, paste(r85$author, r85$year),
    r85[, c("weeks", "setting", "tester")],
    "dat.raudenbush1985 (teacher expectancy), SMD as given")
bd <- dat.bangertdrowns2004
bd <- bd[complete.cases(bd[, c("yi", "vi", "length", "grade", "wic", "meta")]), ]
add("bangertdrowns2004", bd$yi, bd$vi, paste(bd$author, bd$year),
    bd[, c("length", "grade", "wic", "meta")],
    "dat.bangertdrowns2004 (writing-to-learn), SMD as given, complete cases of the moderators")
hs <- dat.hackshaw1998
add("hackshaw1998", hs$yi, hs$vi, paste(hs$author, hs$year), hs[, c("year", "country", "design")],
    "dat.hackshaw1998 (passive smoking), log odds ratios as given")
ml <- escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
add("molloy2014", ml$yi, ml$vi, paste(ml$authors, ml$year), ml[, c("meanage", "quality", "design", "year")],
    "dat.molloy2014 (conscientiousness and adherence), Fisher z correlations")
add("edge_k3", bcg$yi[1:3], bcg$vi[1:3], paste(bcg$author, bcg$year)[1:3], bcg[1:3, "ablat", drop = FALSE],
    "constructed: first three BCG trials, k = 3 with one moderator")
add("bcg_k2", bcg$yi[1:2], bcg$vi[1:2], paste(bcg$author, bcg$year)[1:2], bcg[1:2, "ablat", drop = FALSE],
    "constructed: first two BCG trials (leave-one-out down to single studies)")

getd <- function(name) {
  d <- datasets[[name]]
  df <- as.data.frame(d$data, stringsAsFactors = FALSE)
  df$yi <- d$yi
  df$vi <- d$vi
  df
}

# ---------------------------------------------------------------- metareg --
coef_table <- function(fit) {
  list(names = rownames(fit$beta), estimate = num(fit$beta), se = num(fit$se),
       stat = num(fit$zval), pval = num(fit$pval), ci_lb = num(fit$ci.lb), ci_ub = num(fit$ci.ub))
}
metareg <- list()
add_mr <- function(name, rf, pyf, method, test, btt = NULL) {
  df <- getd(name)
  fit <- suppressWarnings(rma(yi, vi, mods = as.formula(rf), data = df, method = method,
                              test = test, btt = btt, control = ctrl))
  metareg[[length(metareg) + 1]] <<- list(
    dataset = name, formula = pyf, r_formula = rf, method = method, test = test,
    btt = if (is.null(btt)) NA else btt, btt_used = as.integer(fit$btt),
    coef = coef_table(fit), QM = num1(fit$QM), QM_df = num(fit$QMdf), QM_pval = num1(fit$QMp),
    QE = num1(fit$QE), QE_pval = num1(fit$QEp), tau2 = num1(fit$tau2), I2 = num1(fit$I2),
    H2 = num1(fit$H2), R2 = num1(fit$R2), k = fit$k, p = fit$p)
}
all_methods <- c("FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")
main_methods <- c("FE", "DL", "ML", "REML", "PM")
for (m in all_methods) for (t in c("z", "t", "knha", "adhoc")) add_mr("bcg", "~ ablat", "~ ablat", m, t)
for (m in main_methods) for (t in c("z", "knha")) {
  add_mr("bcg", "~ ablat + year", "~ ablat + year", m, t)
  add_mr("bcg", "~ alloc", "~ alloc", m, t)
  add_mr("bcg", "~ ablat + alloc", "~ ablat + alloc", m, t, btt = c(3, 4))
  add_mr("bcg", "~ 0 + alloc", "~ 0 + alloc", m, t)
  add_mr("raudenbush1985", "~ weeks", "~ weeks", m, t)
  add_mr("raudenbush1985", "~ weeks + setting + tester", "~ weeks + setting + tester", m, t)
  add_mr("bangertdrowns2004", "~ length + factor(grade)", "~ length + C(grade)", m, t)
  add_mr("bangertdrowns2004", "~ length + wic + meta", "~ length + wic + meta", m, t, btt = 2)
  add_mr("hackshaw1998", "~ year + design", "~ year + design", m, t)
  add_mr("molloy2014", "~ meanage", "~ meanage", m, t)
  add_mr("molloy2014", "~ meanage + quality", "~ meanage + quality", m, t)
  add_mr("edge_k3", "~ ablat", "~ ablat", m, t)
}
# btt given as a string (metafor greps coefficient names)
add_mr("bcg", "~ ablat + alloc", "~ ablat + alloc", "REML", "z", btt = "alloc")

# --------------------------------------------------------------- subgroup --
subgroup <- list()
add_sg <- function(name, gcol, method, test) {
  df <- getd(name)
  df$g <- factor(df[[gcol]])
  lev <- levels(df$g)
  # separate: one rma per group, then a fixed-effect test across group estimates
  sep <- list()
  est <- se <- numeric(0)
  for (l in lev) {
    f <- suppressWarnings(rma(yi, vi, data = df, subset = g == l, method = method, test = test,
                              control = ctrl))
    pr <- predict(f)
    sep[[l]] <- list(estimate = num1(f$beta), se = num1(f$se), stat = num1(f$zval),
                     pval = num1(f$pval), ci_lb = num1(f$ci.lb), ci_ub = num1(f$ci.ub),
                     tau2 = num1(f$tau2), I2 = num1(f$I2), H2 = num1(f$H2), Q = num1(f$QE),
                     Q_pval = num1(f$QEp), pi_lb = num1(pr$pi.lb), pi_ub = num1(pr$pi.ub),
                     k = f$k, test = f$test)
    est <- c(est, f$beta[1]); se <- c(se, f$se)
  }
  bt <- rma(est, sei = se, mods = ~ factor(lev), method = "FE", control = ctrl)
  # common: mixed-effects model with group indicators
  mi <- suppressWarnings(rma(yi, vi, mods = ~ g, data = df, method = method, test = test,
                             control = ctrl))
  m0 <- suppressWarnings(rma(yi, vi, mods = ~ 0 + g, data = df, method = method, test = test,
                             control = ctrl))
  pr <- predict(m0, newmods = diag(length(lev)))
  com <- list()
  for (j in seq_along(lev)) {
    l <- lev[j]
    fg <- suppressWarnings(rma(yi, vi, data = df, subset = g == l, tau2 = mi$tau2,
                               method = method, test = "z", control = ctrl))
    com[[l]] <- list(estimate = num(m0$beta)[j], se = num(m0$se)[j], stat = num(m0$zval)[j],
                     pval = num(m0$pval)[j], ci_lb = num(m0$ci.lb)[j], ci_ub = num(m0$ci.ub)[j],
                     tau2 = num1(m0$tau2), I2 = num1(fg$I2), H2 = num1(fg$H2), Q = num1(fg$QE),
                     Q_pval = num1(fg$QEp), pi_lb = num(pr$pi.lb)[j], pi_ub = num(pr$pi.ub)[j],
                     k = sum(df$g == l))
  }
  subgroup[[length(subgroup) + 1]] <<- list(
    dataset = name, group = gcol, method = method, test = test, levels = lev,
    separate = list(groups = sep, Q_between = num1(bt$QM), Q_between_df = num1(bt$QMdf),
                    Q_between_pval = num1(bt$QMp)),
    common = list(groups = com, Q_between = num1(mi$QM), Q_between_df = num(mi$QMdf),
                  Q_between_pval = num1(mi$QMp), tau2 = num1(mi$tau2)))
}
for (m in c("REML", "DL", "FE", "ML", "PM")) for (t in c("z", "knha")) {
  add_sg("bcg", "alloc", m, t)
  add_sg("hackshaw1998", "country", m, t)
  add_sg("bangertdrowns2004", "grade", m, t)
  add_sg("molloy2014", "design", m, t)
}

# -------------------------------------------------------------- permutest --
permutest_ref <- list()
add_pt <- function(name, rows, rf, pyf, method, test, exact = TRUE) {
  df <- getd(name)[rows, ]
  if (is.null(rf)) {
    fit <- suppressWarnings(rma(yi, vi, data = df, method = method, test = test, control = ctrl))
  } else {
    fit <- suppressWarnings(rma(yi, vi, mods = as.formula(rf), data = df, method = method,
                                test = test, control = ctrl))
  }
  pt <- suppressWarnings(permutest(fit, exact = exact, progbar = FALSE))
  permutest_ref[[length(permutest_ref) + 1]] <<- list(
    dataset = name, rows = rows, formula = if (is.null(pyf)) NA else pyf, method = method,
    test = test, pval = num(pt$pval), QM_pval = num1(pt$QMp), iter = pt$exact.iter,
    stat = num(fit$zval), QM = num1(fit$QM))
}
for (m in c("REML", "DL", "FE")) for (t in c("z", "knha")) {
  add_pt("bcg", 1:8, NULL, NULL, m, t)          # 2^8 = 256 sign flips
  add_pt("bcg", 1:6, "~ ablat", "~ ablat", m, t)  # 6! = 720 permutations
  add_pt("bcg", 1:10, "~ alloc", "~ alloc", m, t) # 10!/(7! 2! 1!) = 360 distinct
}
add_pt("bcg", 1:7, "~ ablat", "~ ablat", "REML", "z")  # tie in ablat: 7!/2! = 2520
add_pt("molloy2014", 1:9, NULL, NULL, "PM", "z")       # 512 sign flips
add_pt("raudenbush1985", 1:6, "~ weeks", "~ weeks", "ML", "knha")

# ------------------------------------------------------- leave1out, cumul --
rows_of <- function(x, fe) {
  list(estimate = num(x$estimate), se = num(x$se), stat = num(if (!is.null(x$zval)) x$zval else x$tval),
       pval = num(if (!is.null(x$pval)) x$pval else x$pvals), ci_lb = num(x$ci.lb), ci_ub = num(x$ci.ub),
       Q = num(x$Q), Q_pval = num(x$Qp), tau2 = if (fe) NA else num(x$tau2), I2 = num(x$I2), H2 = num(x$H2))
}
leave1out_ref <- list()
cumul_ref <- list()
add_l1o <- function(name, method, test) {
  d <- datasets[[name]]
  fit <- suppressWarnings(rma(d$yi, d$vi, method = method, test = test, control = ctrl))
  l1 <- leave1out(fit)
  leave1out_ref[[length(leave1out_ref) + 1]] <<- c(list(dataset = name, method = method, test = test),
                                                    rows_of(l1, method == "FE"))
}
add_cumul <- function(name, ordcol, method, test) {
  df <- getd(name)
  df$ord_key <- df[[ordcol]]
  o <- df$ord_key
  fit <- suppressWarnings(rma(yi, vi, data = df, method = method, test = test, control = ctrl))
  # cumul() looks the order variable up in the global environment
  assign("cumul_order_key", o, envir = .GlobalEnv)
  cu <- suppressWarnings(cumul(fit, order = cumul_order_key))
  cumul_ref[[length(cumul_ref) + 1]] <<- c(list(dataset = name, order = ordcol, method = method,
                                               test = test, sorted = order(o) - 1L),
                                          rows_of(cu, method == "FE"))
}
for (m in c("REML", "DL", "FE", "ML", "PM")) for (t in c("z", "knha")) {
  for (nm in c("bcg", "hackshaw1998", "raudenbush1985", "bcg_k2")) add_l1o(nm, m, t)
  add_cumul("bcg", "year", m, t)
  add_cumul("raudenbush1985", "weeks", m, t)
  add_cumul("molloy2014", "year", m, t)
}

# -------------------------------------------------------------- influence --
influence_ref <- list()
add_inf <- function(name, rf, pyf, method, test) {
  df <- getd(name)
  if (is.null(rf)) {
    fit <- suppressWarnings(rma(yi, vi, data = df, method = method, test = test, control = ctrl))
  } else {
    fit <- suppressWarnings(rma(yi, vi, mods = as.formula(rf), data = df, method = method,
                                test = test, control = ctrl))
  }
  inf <- suppressWarnings(influence(fit))
  dfbs <- lapply(seq_len(fit$p), function(j) num(inf$dfbs[[j]]))
  influence_ref[[length(influence_ref) + 1]] <<- list(
    dataset = name, formula = if (is.null(pyf)) NA else pyf, method = method, test = test,
    rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits), cook_d = num(inf$inf$cook.d),
    cov_r = num(inf$inf$cov.r), tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
    hat = num(inf$inf$hat), weight = num(inf$inf$weight), inf = inf$inf$inf == "*",
    dfbs = dfbs, coef_names = rownames(fit$beta))
}
for (m in c("REML", "DL", "FE", "ML", "PM")) for (t in c("z", "knha")) {
  add_inf("bcg", NULL, NULL, m, t)
  add_inf("bcg", "~ ablat", "~ ablat", m, t)
  add_inf("bcg", "~ ablat + alloc", "~ ablat + alloc", m, t)
  add_inf("hackshaw1998", NULL, NULL, m, t)
  add_inf("hackshaw1998", "~ year + design", "~ year + design", m, t)
  add_inf("raudenbush1985", "~ weeks", "~ weeks", m, t)
  add_inf("molloy2014", "~ meanage", "~ meanage", m, t)
  add_inf("bcg_k2", NULL, NULL, m, t)
}
# deleting a single-study level makes the design rank-deficient: NA rows in metafor
add_inf("hackshaw1998", "~ country", "~ country", "REML", "z")
add_inf("edge_k3", "~ ablat", "~ ablat", "FE", "z")

out <- list(metafor_version = as.character(packageVersion("metafor")),
            R_version = R.version.string, control = ctrl, datasets = datasets,
            metareg = metareg, subgroup = subgroup, permutest = permutest_ref,
            leave1out = leave1out_ref, cumul = cumul_ref, influence = influence_ref)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE),
           "tests/reference/metareg.json")
cat("wrote tests/reference/metareg.json:", length(metareg), "metareg,", length(subgroup),
    "subgroup,", length(permutest_ref), "permutest,", length(leave1out_ref), "leave1out,",
    length(cumul_ref), "cumul,", length(influence_ref), "influence\n")
