# Reference values for evisynth.escalc and evisynth.transforms.
#
# Oracle: R metafor 3.8-1 (escalc, transf.*) on published datasets from metadat,
# plus constructed edge cases (zero cells with every 'to' option, drop00,
# reported ratios with CI / p-value / per-study level).
#
# metafor 3.8-1 has no conv.wald() (it appeared in metafor 4.0). The reported-
# ratio cases therefore use conv_wald() below, which restates conv.wald's
# documented definitions (out, ci.lb, ci.ub, pval, transf = log, level; CI used
# where present, otherwise the p-value; 'check' flags |mid - yi| / width > 0.1).
#
# Regenerate (from the repository root):
#   Rscript tests/reference/escalc.R
# writes tests/reference/escalc.json. Tests read only the JSON; they never need R.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(packageVersion("metafor") == "3.8.1")

cases <- list()

# Record one escalc() call: the Python keyword arguments (same names as metafor's,
# except slab -> labels), metafor's yi/vi/ni, which studies drop00 removed and
# whether metafor returned NA/zero variance (evisynth raises InputError there).
record <- function(name, source, measure, data, opts = list(), labels = NULL, id00 = NULL) {
  res <- suppressWarnings(do.call(escalc, c(list(measure = measure), data, opts)))
  yi <- as.numeric(res$yi)
  vi <- as.numeric(res$vi)
  ni <- attr(res$yi, "ni")
  dropped <- integer(0)
  if (isTRUE(opts$drop00)) {
    stopifnot(!is.null(id00))
    dropped <- which(id00)
    stopifnot(all(is.na(yi[dropped])))
  }
  kept <- setdiff(seq_along(yi), dropped)
  bad <- is.na(yi[kept]) | is.na(vi[kept]) | vi[kept] <= 0
  args <- c(lapply(data, I), opts)
  if (!is.null(labels)) args$labels <- I(as.character(labels))
  cases[[length(cases) + 1]] <<- list(
    name = name, source = source, measure = measure, args = args,
    yi = I(yi), vi = I(vi), ni = if (is.null(ni)) NULL else I(as.numeric(ni)),
    dropped = I(dropped - 1L), expect_error = any(bad),
    error_studies = I(kept[bad] - 1L)
  )
}

two_group_id00 <- function(ai, bi, ci, di) (ai == 0 & ci == 0) | (bi == 0 & di == 0)

# ---------------------------------------------------------------- two groups, counts

bcg <- dat.bcg
bcg_data <- list(ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos, di = bcg$cneg)
bcg_lab <- paste(bcg$author, bcg$year)
src <- "dat.bcg (Colditz et al. 1994, JAMA 271:698)"
for (m in c("RR", "OR", "RD")) record(paste0("bcg_", m), src, m, bcg_data, labels = bcg_lab)
for (vt in c("UB", "AV")) record(paste0("bcg_RD_", vt), src, "RD", bcg_data, list(vtype = vt))

col <- dat.collins1985a[!is.na(dat.collins1985a$b.xti), ]
col_data <- list(ai = col$b.xti, n1i = col$nti, ci = col$b.xci, n2i = col$nci)
src <- "dat.collins1985a (Collins et al. 1985, BMJ 290:17), total births"
for (m in c("RR", "OR", "RD")) record(paste0("collins1985a_", m), src, m, col_data)

hine <- dat.hine1989
hine_data <- list(ai = hine$ai, n1i = hine$n1i, ci = hine$ci, n2i = hine$n2i)
src <- "dat.hine1989 (Hine et al. 1989, Arch Intern Med 149:2694)"
for (m in c("RD", "OR", "RR")) record(paste0("hine1989_", m), src, m, hine_data)

y9 <- dat.yusuf1985[!is.na(dat.yusuf1985$table) & dat.yusuf1985$table == "9", ]
y9_data <- list(ai = y9$ai, n1i = y9$n1i, ci = y9$ci, n2i = y9$n2i)
y9_id00 <- two_group_id00(y9$ai, y9$n1i - y9$ai, y9$ci, y9$n2i - y9$ci)
src <- "dat.yusuf1985 table 9 (Yusuf et al. 1985, Prog Cardiovasc Dis 27:335)"
for (m in c("OR", "RR", "RD")) {
  for (to in c("only0", "all", "if0all")) {
    record(paste0("yusuf1985_", m, "_", to), src, m, y9_data, list(to = to), labels = y9$trial)
    record(paste0("yusuf1985_", m, "_", to, "_drop00"), src, m, y9_data,
           list(to = to, drop00 = TRUE), labels = y9$trial, id00 = y9_id00)
  }
  record(paste0("yusuf1985_", m, "_none"), src, m, y9_data, list(to = "none"))
}
record("yusuf1985_OR_add1", src, "OR", y9_data, list(add = 1))

niel <- dat.nielweise2007
niel_data <- list(ai = niel$ai, n1i = niel$n1i, ci = niel$ci, n2i = niel$n2i)
niel_id00 <- two_group_id00(niel$ai, niel$n1i - niel$ai, niel$ci, niel$n2i - niel$ci)
src <- "dat.nielweise2007 (Niel-Weise et al. 2007, Intensive Care Med 33:2058)"
for (m in c("RR", "OR", "RD")) {
  record(paste0("nielweise2007_", m), src, m, niel_data, labels = niel$author)
  record(paste0("nielweise2007_", m, "_drop00"), src, m, niel_data, list(drop00 = TRUE),
         labels = niel$author, id00 = niel_id00)
}

egg <- dat.egger2001
src <- "dat.egger2001 (Egger et al. 2001, BMJ 322:1007, magnesium)"
for (m in c("OR", "RR")) {
  record(paste0("egger2001_", m), src, m,
         list(ai = egg$ai, n1i = egg$n1i, ci = egg$ci, n2i = egg$n2i))
}

li <- dat.li2007
src <- "dat.li2007 (Li et al. 2007, Clin Trials 4:12, magnesium)"
for (m in c("OR", "RR", "RD")) {
  record(paste0("li2007_", m), src, m, list(ai = li$ai, n1i = li$n1i, ci = li$ci, n2i = li$n2i))
}

ax <- dat.axfors2021
ax_data <- list(ai = ax$hcq_arm_event, n1i = ax$hcq_arm_total,
                ci = ax$control_arm_event, n2i = ax$control_arm_total)
ax_id00 <- two_group_id00(ax$hcq_arm_event, ax$hcq_arm_total - ax$hcq_arm_event,
                          ax$control_arm_event, ax$control_arm_total - ax$control_arm_event)
src <- "dat.axfors2021 (Axfors et al. 2021, Nat Commun 12:2349, mortality)"
for (m in c("RR", "OR", "RD")) {
  record(paste0("axfors2021_", m), src, m, ax_data)
  record(paste0("axfors2021_", m, "_drop00"), src, m, ax_data, list(drop00 = TRUE),
         id00 = ax_id00)
}

# ---------------------------------------------------------------- two groups, person-time

ha <- dat.hart1999
src <- "dat.hart1999 (Hart et al. 1999, Ann Intern Med 131:492, warfarin, events per patient-years)"
record("hart1999_IRR", src, "IRR", list(x1i = ha$x1i, x2i = ha$x2i, t1i = ha$t1i, t2i = ha$t2i),
       labels = ha$study)
nw8 <- dat.nielweise2008
nw8_data <- list(x1i = nw8$x1i, x2i = nw8$x2i, t1i = nw8$t1i, t2i = nw8$t2i)
src <- "dat.nielweise2008 (Niel-Weise et al. 2008, J Antimicrob Chemother 62:809, catheter days)"
for (to in c("only0", "all", "if0all", "none")) {
  record(paste0("nielweise2008_IRR_", to), src, "IRR", nw8_data, list(to = to))
}
record("nielweise2008_IRR_drop00", src, "IRR", nw8_data, list(drop00 = TRUE),
       id00 = nw8$x1i == 0 & nw8$x2i == 0)
rates <- list(x1i = c(0, 4, 0, 7), x2i = c(3, 0, 0, 2), t1i = c(100, 250.5, 80, 1000),
              t2i = c(90, 240, 75, 400))
src <- "constructed: rates with zero events, one double-zero study"
for (to in c("only0", "all", "if0all", "none")) {
  record(paste0("edge_IRR_", to), src, "IRR", rates, list(to = to))
}
record("edge_IRR_drop00", src, "IRR", rates, list(drop00 = TRUE),
       id00 = rates$x1i == 0 & rates$x2i == 0)
record("edge_IRR_add1_if0all", src, "IRR", rates, list(add = 1, to = "if0all"))

# ---------------------------------------------------------------- one group, counts

pr <- dat.pritz1997
src <- "dat.pritz1997 (Pritz 1997, Neurosurgery 41:1170)"
for (m in c("PR", "PLO", "PAS", "PFT")) {
  record(paste0("pritz1997_", m), src, m, list(xi = pr$xi, ni = pr$ni), labels = pr$authors)
  for (to in c("all", "if0all", "none")) {
    record(paste0("pritz1997_", m, "_", to), src, m, list(xi = pr$xi, ni = pr$ni), list(to = to))
  }
}
record("pritz1997_PR_UB", src, "PR", list(xi = pr$xi, ni = pr$ni), list(vtype = "UB"))
record("pritz1997_PR_AV", src, "PR", list(xi = pr$xi, ni = pr$ni), list(vtype = "AV"))
record("pritz1997_PLO_AV", src, "PLO", list(xi = pr$xi, ni = pr$ni), list(vtype = "AV"))
record("pritz1997_PFT_add", src, "PFT", list(xi = pr$xi, ni = pr$ni), list(add = 0.5))
record("pritz1997_PAS_add_all", src, "PAS", list(xi = pr$xi, ni = pr$ni),
       list(add = 0.5, to = "all"))

db <- dat.debruin2009
src <- "dat.debruin2009 (de Bruin et al. 2009, Health Psychol 28:668)"
for (m in c("PR", "PLO", "PAS", "PFT")) {
  record(paste0("debruin2009_", m), src, m, list(xi = db$xi, mi = db$mi))
}

pg <- dat.pagliaro1992
src <- "dat.pagliaro1992 (Pagliaro et al. 1992, Ann Intern Med 117:59)"
for (m in c("PLO", "PFT", "PR")) {
  record(paste0("pagliaro1992_", m), src, m, list(xi = pg$xi, ni = pg$ni))
}

# ---------------------------------------------------------------- two groups, means

nm <- dat.normand1999
nm_data <- list(m1i = nm$m1i, m2i = nm$m2i, sd1i = nm$sd1i, sd2i = nm$sd2i,
                n1i = nm$n1i, n2i = nm$n2i)
src <- "dat.normand1999 (Normand 1999, Stat Med 18:321, length of stay)"
for (m in c("MD", "SMD", "ROM")) record(paste0("normand1999_", m), src, m, nm_data,
                                        labels = nm$source)
record("normand1999_MD_HO", src, "MD", nm_data, list(vtype = "HO"))
record("normand1999_MD_UB", src, "MD", nm_data, list(vtype = "UB"))
for (vt in c("UB", "LS2", "AV")) record(paste0("normand1999_SMD_", vt), src, "SMD", nm_data,
                                        list(vtype = vt))
for (vt in c("HO", "AV", "AVHO")) record(paste0("normand1999_ROM_", vt), src, "ROM", nm_data,
                                         list(vtype = vt))

cu <- dat.curtis1998
cu_data <- list(m1i = cu$m1i, m2i = cu$m2i, sd1i = cu$sd1i, sd2i = cu$sd2i,
                n1i = cu$n1i, n2i = cu$n2i)
src <- "dat.curtis1998 (Curtis & Wang 1998, Oecologia 113:299, plant mass)"
for (m in c("ROM", "SMD", "MD")) record(paste0("curtis1998_", m), src, m, cu_data)

gi <- dat.gibson2002[!is.na(dat.gibson2002$m1i), ]
src <- "dat.gibson2002 (Gibson et al. 2002, Cochrane self-management education, means)"
record("gibson2002_SMD", src, "SMD", list(m1i = gi$m1i, m2i = gi$m2i, sd1i = gi$sd1i,
                                          sd2i = gi$sd2i, n1i = gi$n1i, n2i = gi$n2i))

# ---------------------------------------------------------------- generic

bg <- dat.begg1989
src <- "dat.begg1989 (Begg & Pilote 1991, JASA 86:1026, bone marrow transplant)"
record("begg1989_GEN_sei", src, "GEN", list(yi = bg$yi, sei = bg$sei))
record("begg1989_GEN_vi", src, "GEN", list(yi = bg$yi, vi = bg$vi))

# ---------------------------------------------------------------- constructed edge cases

edge <- list(ai = c(0, 3, 0, 5, 10, 0), bi = c(10, 7, 10, 0, 0, 20),
             ci = c(2, 5, 0, 4, 10, 3), di = c(8, 5, 10, 1, 0, 17))
edge_id00 <- two_group_id00(edge$ai, edge$bi, edge$ci, edge$di)
src <- "constructed: zero cells, double-zero and all-event studies"
for (m in c("RR", "OR", "RD")) {
  for (to in c("only0", "all", "if0all", "none")) {
    record(paste0("edge_", m, "_", to), src, m, edge, list(to = to))
  }
  record(paste0("edge_", m, "_drop00"), src, m, edge, list(drop00 = TRUE), id00 = edge_id00)
  record(paste0("edge_", m, "_add0.1_all"), src, m, edge, list(add = 0.1, to = "all"))
}
edge_nz <- list(ai = c(1, 3, 2), bi = c(10, 7, 10), ci = c(2, 5, 4), di = c(8, 5, 10))
src <- "constructed: no zero cells (if0all and only0 add nothing)"
for (m in c("RR", "OR", "RD")) {
  for (to in c("only0", "if0all", "all")) {
    record(paste0("edge_nozero_", m, "_", to), src, m, edge_nz, list(to = to))
  }
}
# the only zero cells are in a study that drop00 removes: 'if0all' then adds nothing
edge_dz <- list(ai = c(0, 3, 2), bi = c(10, 7, 10), ci = c(0, 5, 4), di = c(8, 5, 10))
src <- "constructed: zeros only in the double-zero study"
for (m in c("RR", "OR", "RD")) {
  record(paste0("edge_dz_", m, "_if0all_drop00"), src, m, edge_dz,
         list(to = "if0all", drop00 = TRUE), id00 = c(TRUE, FALSE, FALSE))
  record(paste0("edge_dz_", m, "_if0all"), src, m, edge_dz, list(to = "if0all"))
}
# counts back-calculated from percentages are not whole numbers; metafor uses them as given
edge_ni <- list(ai = c(2.5, 12.4, 0), n1i = c(20, 40, 30), ci = c(5, 9.6, 3), n2i = c(21, 40, 30))
src <- "constructed: non-integer counts"
for (m in c("RR", "OR", "RD")) record(paste0("edge_nonint_", m), src, m, edge_ni)
record("edge_nonint_PLO", src, "PLO", list(xi = c(2.5, 7), ni = c(10, 12.5)))
prop <- list(xi = c(0, 3, 10, 1), ni = c(10, 12, 10, 1))
src <- "constructed: proportions 0 and 1, n = 1"
for (m in c("PR", "PLO", "PAS", "PFT")) {
  for (to in c("only0", "all", "if0all", "none")) {
    record(paste0("edge_prop_", m, "_", to), src, m, prop, list(to = to))
  }
}
means <- list(m1i = c(10, -2, 5.5), m2i = c(8, 1, 5.5), sd1i = c(2, 3, 1),
              sd2i = c(3, 4, 0.5), n1i = c(2, 100, 4), n2i = c(2, 1000, 3))
src <- "constructed: tiny and unbalanced groups"
for (m in c("MD", "SMD")) for (vt in c("LS", "UB")) {
  record(paste0("edge_means_", m, "_", vt), src, m, means, list(vtype = vt))
}
record("edge_means_SMD_vtype_vector", src, "SMD", means, list(vtype = I(c("LS", "UB", "LS2"))))

# ---------------------------------------------------------------- reported ratios

conv_wald <- function(out, ci.lb, ci.ub, pval, level = 95, cifac = 0.1) {
  yi <- log(out)
  crit <- qnorm((100 - level) / 200, lower.tail = FALSE)
  vi <- ((log(ci.ub) - log(ci.lb)) / (2 * crit))^2
  zval <- qnorm(pval / 2, lower.tail = FALSE)
  vi <- ifelse(is.na(vi), (yi / zval)^2, vi)
  flag <- abs((log(ci.ub) + log(ci.lb)) / 2 - yi) / (log(ci.ub) - log(ci.lb)) > cifac
  list(yi = yi, vi = vi, flag = which(flag %in% TRUE) - 1L)
}

record_ratio <- function(name, source, measure, key, out, ci.lb = NULL, ci.ub = NULL,
                         pval = NULL, level = 95, labels = NULL) {
  k <- length(out)
  lb <- if (is.null(ci.lb)) rep(NA_real_, k) else ci.lb
  ub <- if (is.null(ci.ub)) rep(NA_real_, k) else ci.ub
  p <- if (is.null(pval)) rep(NA_real_, k) else pval
  r <- conv_wald(out, lb, ub, p, level)
  args <- list()
  args[[key]] <- I(out)
  if (!is.null(ci.lb)) args$ci_lb <- I(ci.lb)
  if (!is.null(ci.ub)) args$ci_ub <- I(ci.ub)
  if (!is.null(pval)) args$pval <- I(pval)
  args$level <- if (length(level) > 1) I(level) else level
  if (!is.null(labels)) args$labels <- I(as.character(labels))
  cases[[length(cases) + 1]] <<- list(
    name = name, source = source, measure = measure, args = args,
    yi = I(r$yi), vi = I(r$vi), ni = NULL, dropped = I(integer(0)),
    expect_error = FALSE, error_studies = I(integer(0)), asymmetric = I(r$flag)
  )
}

hk <- dat.hackshaw1998
src <- "dat.hackshaw1998 (Hackshaw et al. 1997, BMJ 315:980, reported ORs with 95% CI)"
record_ratio("hackshaw1998_OR_ci", src, "OR", "or_", hk$or, hk$or.lb, hk$or.ub,
             labels = paste(hk$author, hk$year))
record_ratio("hackshaw1998_OR_ci_ratio", src, "OR", "ratio", hk$or, hk$or.lb, hk$or.ub)

# Riley et al. (2003) report log HRs with SEs (MYCN, neuroblastoma). Turn the OS
# estimates into what survival papers print: HR and CI to 3 significant digits,
# or a 2-significant-digit p-value; conv_wald then recovers the SE from those.
ri <- dat.riley2003[dat.riley2003$outcome == "OS", ]
src <- "dat.riley2003 (Riley et al. 2003, Br J Cancer 88:1191), OS"
record("riley2003_HR_GEN_sei", src, "GEN", list(yi = ri$yi, sei = ri$sei))
hr <- signif(exp(ri$yi), 3)
for (lv in c(95, 90, 99)) {
  crit <- qnorm((100 - lv) / 200, lower.tail = FALSE)
  lb <- signif(exp(ri$yi - crit * ri$sei), 3)
  ub <- signif(exp(ri$yi + crit * ri$sei), 3)
  record_ratio(paste0("riley2003_HR_ci", lv), src, "HR", "hr", hr, lb, ub, level = lv)
}
pv <- signif(2 * pnorm(-abs(ri$yi / ri$sei)), 2)
ok <- exp(ri$yi) != 1 & pv < 1 & hr != 1
record_ratio("riley2003_HR_pval", src, "HR", "hr", hr[ok], pval = pv[ok])
lvv <- rep(c(95, 90), length.out = length(ri$yi))
critv <- qnorm((100 - lvv) / 200, lower.tail = FALSE)
lb <- signif(exp(ri$yi - critv * ri$sei), 3)
ub <- signif(exp(ri$yi + critv * ri$sei), 3)
record_ratio("riley2003_HR_ci_level_vector", src, "HR", "hr", hr, lb, ub, level = lvv)
mix <- seq_along(hr) %% 2 == 0 & ok
lbm <- ifelse(mix, NA, signif(exp(ri$yi - 1.959964 * ri$sei), 3))
ubm <- ifelse(mix, NA, signif(exp(ri$yi + 1.959964 * ri$sei), 3))
pvm <- ifelse(mix | seq_along(hr) %% 3 == 0, pv, NA)
record_ratio("riley2003_HR_ci_pval_mixed", src, "HR", "hr", hr, lbm, ubm, pvm)
src <- "constructed: asymmetric CIs on the log scale"
record_ratio("edge_HR_asymmetric", src, "HR", "hr", c(0.70, 0.50, 1.20, 2.00),
             c(0.55, 0.45, 0.80, 1.10), c(0.90, 0.95, 1.60, 3.00), labels = c("A", "B", "C", "D"))
record_ratio("edge_RR_IRR_ratio", src, "RR", "rr", c(1.5, 0.8), c(1.1, 0.6), c(2.05, 1.07))
record_ratio("edge_IRR_ratio", src, "IRR", "irr", c(1.5, 0.8), pval = c(0.01, 0.2))

# ---------------------------------------------------------------- back-transforms

grid <- c(-0.5, -0.01, 0, 0.05, 0.3, 0.7853982, 1.2, 1.5, 1.5707963, 1.6, 2)
pft_yi <- as.numeric(escalc("PFT", xi = pr$xi, ni = pr$ni)$yi)
props <- c(0, 0.01, 0.2, 0.5, 0.77, 0.99, 1)
nprops <- c(10, 3, 25, 7, 100, 1000, 12)
transforms <- list(
  list(name = "ilogit", x = I(c(-30, -3, -0.5, 0, 0.2, 4, 30)),
       out = I(transf.ilogit(c(-30, -3, -0.5, 0, 0.2, 4, 30)))),
  list(name = "logit", x = I(c(0.001, 0.2, 0.5, 0.9)), out = I(transf.logit(c(0.001, 0.2, 0.5, 0.9)))),
  list(name = "exp", x = I(c(-2, 0, 0.5, 3)), out = I(exp(c(-2, 0, 0.5, 3)))),
  list(name = "iarcsin", x = I(grid), out = I(transf.iarcsin(grid))),
  list(name = "arcsin", x = I(props), out = I(transf.arcsin(props))),
  list(name = "pft", x = I(props), ni = I(nprops), out = I(transf.pft(props, nprops))),
  list(name = "ipft", x = I(pft_yi), ni = I(pr$ni), out = I(transf.ipft(pft_yi, pr$ni))),
  list(name = "ipft", x = I(grid), ni = I(rep(20, length(grid))),
       out = I(transf.ipft(grid, rep(20, length(grid))))),
  list(name = "ipft_hm", x = I(c(pft_yi, grid)), ni = I(pr$ni),
       out = I(transf.ipft.hm(c(pft_yi, grid), targs = list(ni = pr$ni))))
)

# ---------------------------------------------------------------- summary.escalc

# Per-study Wald statistics and CIs (metafor's summary.escalc), on the analysis
# scale and back-transformed.
summaries <- list()
record_summary <- function(case, data, measure, level = 95, transf = NULL, tname = NULL) {
  es <- suppressWarnings(do.call(escalc, c(list(measure = measure), data)))
  s <- if (is.null(transf)) summary(es, level = level) else summary(es, level = level, transf = transf)
  summaries[[length(summaries) + 1]] <<- list(
    case = case, level = level, back_transform = !is.null(transf), transf = tname,
    yi = I(as.numeric(s$yi)), ci_lb = I(as.numeric(s$ci.lb)), ci_ub = I(as.numeric(s$ci.ub)),
    sei = if (is.null(transf)) I(as.numeric(s$sei)) else NULL,
    zi = if (is.null(transf)) I(as.numeric(s$zi)) else NULL,
    pval = if (is.null(transf)) I(as.numeric(s$pval)) else NULL
  )
}
record_summary("bcg_RR", bcg_data, "RR")
record_summary("bcg_RR", bcg_data, "RR", transf = exp, tname = "exp")
record_summary("bcg_RR", bcg_data, "RR", level = 90, transf = exp, tname = "exp")
record_summary("pritz1997_PLO", list(xi = pr$xi, ni = pr$ni), "PLO", transf = transf.ilogit,
               tname = "transf.ilogit")
record_summary("pritz1997_PAS", list(xi = pr$xi, ni = pr$ni), "PAS", transf = transf.iarcsin,
               tname = "transf.iarcsin")
record_summary("normand1999_SMD", nm_data, "SMD", level = 99)
record_summary("hine1989_RD", hine_data, "RD")

out <- list(
  generated_by = "tests/reference/escalc.R",
  R_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  metadat_version = as.character(packageVersion("metadat")),
  cases = cases,
  summaries = summaries,
  transforms = transforms
)
path <- file.path("tests", "reference", "escalc.json")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = 1),
           path)
cat("wrote", length(cases), "escalc cases and", length(transforms), "transform cases to", path, "\n")
