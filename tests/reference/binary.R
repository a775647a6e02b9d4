# Oracle for evisynth.meta.binary (rma_mh, rma_peto): R metafor 3.8-1 on published
# 2x2-table datasets (metadat). Writes tests/reference/binary.json.
#
#   Rscript tests/reference/binary.R        (from the repository root)
#
# Mantel-Haenszel and Peto estimates are closed-form; no control settings apply.
# Each case stores the raw counts, the options, metafor's results and the
# study-level yi/vi metafor used for the heterogeneity test.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(as.character(packageVersion("metafor")) == "3.8.1")

tables <- list()
addt <- function(name, ai, bi, ci, di, source) {
  tables[[name]] <<- list(ai = as.numeric(ai), bi = as.numeric(bi), ci = as.numeric(ci),
                          di = as.numeric(di), source = source)
}
with(dat.bcg, addt("bcg", tpos, tneg, cpos, cneg, "dat.bcg (Colditz et al. 1994), k = 13"))
y6 <- subset(dat.yusuf1985, table == "6" & !is.na(ai))
with(y6, addt("yusuf1985_t6", ai, n1i - ai, ci, n2i - ci,
              "dat.yusuf1985 table 6 (beta blockers, total mortality), Snow 1 (NA) left out; three double-zero trials"))
with(dat.li2007, addt("li2007", ai, n1i - ai, ci, n2i - ci,
                      "dat.li2007 (magnesium, mortality), single-zero trials"))
with(dat.nielweise2007, addt("nielweise2007", ai, n1i - ai, ci, n2i - ci,
                             "dat.nielweise2007 (anti-infective catheters), zero cells and a double-zero trial"))
cb <- subset(dat.collins1985a, !is.na(b.xti) & !is.na(b.xci))
with(cb, addt("collins1985a_bleeding", b.xti, nti - b.xti, b.xci, nci - b.xci,
              "dat.collins1985a (H2 antagonists), total bleeding; rows with NA left out; a double-zero trial"))
cd <- subset(dat.collins1985a, !is.na(d.xti) & !is.na(d.xci))
with(cd, addt("collins1985a_death", d.xti, nti - d.xti, d.xci, nci - d.xci,
              "dat.collins1985a, deaths; rows with NA left out; many zero cells"))

num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x[1])) NA else as.numeric(x)[1]

options_mh <- list(
  list(label = "default"),
  list(label = "to_all", add = 0.5, to = "all"),
  list(label = "if0all_add1", add = 1, to = "if0all"),
  list(label = "keep00", drop00 = FALSE),
  list(label = "nocorrect_level90", correct = FALSE, level = 90)
)
options_peto <- list(
  list(label = "default"),
  list(label = "to_all", add = 0.5, to = "all"),
  list(label = "keep00", drop00 = FALSE),
  list(label = "level90", level = 90)
)

result <- function(fit) {
  list(estimate = num(fit$beta), se = num(fit$se), zval = num(fit$zval), pval = num(fit$pval),
       ci_lb = num(fit$ci.lb), ci_ub = num(fit$ci.ub), Q = num(fit$QE), Q_pval = num(fit$QEp),
       I2 = num(fit$I2), H2 = num(fit$H2), k = fit$k, k_yi = fit$k.yi,
       MH = num(fit$MH), MH_pval = num(fit$MHp), CO = num(fit$CO), CO_pval = num(fit$COp),
       TA = num(fit$TA), TA_pval = num(fit$TAp), BD = num(fit$BD), BD_pval = num(fit$BDp),
       k_pos = num(fit$k.pos), yi = as.numeric(fit$yi), vi = as.numeric(fit$vi))
}

cases <- list()
for (name in names(tables)) {
  t <- tables[[name]]
  for (measure in c("OR", "RR", "RD")) {
    for (o in options_mh) {
      args <- c(list(ai = t$ai, bi = t$bi, ci = t$ci, di = t$di, measure = measure),
                o[setdiff(names(o), "label")])
      fit <- suppressWarnings(do.call(rma.mh, args))
      cases[[length(cases) + 1]] <- c(list(dataset = name, fn = "rma_mh", measure = measure,
                                           options = o), result(fit))
    }
  }
  for (o in options_peto) {
    args <- c(list(ai = t$ai, bi = t$bi, ci = t$ci, di = t$di), o[setdiff(names(o), "label")])
    fit <- suppressWarnings(do.call(rma.peto, args))
    cases[[length(cases) + 1]] <- c(list(dataset = name, fn = "rma_peto", measure = "PETO",
                                         options = o), result(fit))
  }
}

# regtest and ranktest on Mantel-Haenszel and Peto fits (metafor treats them as
# equal-effects models with the escalc yi/vi).
bias <- list()
for (fn in c("rma_mh", "rma_peto")) {
  t <- tables[["bcg"]]
  fit <- if (fn == "rma_mh") rma.mh(ai = t$ai, bi = t$bi, ci = t$ci, di = t$di, measure = "OR")
         else rma.peto(ai = t$ai, bi = t$bi, ci = t$ci, di = t$di)
  rt <- regtest(fit)
  rk <- ranktest(fit)
  rn <- regtest(fit, predictor = "ninv")  # ni: the tables' total sample sizes
  bias[[fn]] <- list(stat = num(rt$zval), pval = num(rt$pval), limit_estimate = num(rt$est),
                     limit_ci_lb = num(rt$ci.lb), limit_ci_ub = num(rt$ci.ub),
                     tau = num(rk$tau), rank_pval = num(rk$pval),
                     ninv_stat = num(rn$zval), ninv_limit_estimate = num(rn$est))
}

out <- list(metafor_version = as.character(packageVersion("metafor")),
            R_version = R.version.string, tables = tables, cases = cases, bias_bcg = bias)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/binary.json")
cat("wrote tests/reference/binary.json:", length(cases), "cases on", length(tables), "datasets\n")
