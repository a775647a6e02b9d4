# Oracle values for evisynth.survival on random data: survfit (KM, Greenwood SE, log /
# log-log / plain CIs, medians, landmarks), RMST (print.survfit rmean and an
# independent integration of the survfit step function), survdiff (log-rank, 2 and 3
# groups) and coxph (Efron and Breslow ties; one and two covariates, 3-group dummies,
# strata) on 30 simulated datasets chosen for their edge cases: heavy ties, tiny n,
# no censoring, all censored in one group, censorings tied with events, a curve that
# falls to 0, a single event, three groups, strata.
# Regenerate from the repository root with:
#   Rscript tests/reference/survival_random.R
# Writes tests/reference/survival_random.json. Needs R packages survival, jsonlite.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
ctrl <- coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 200)
num <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }
set.seed(20261201)

# one dataset: n patients, k groups, event times exponential with group effect,
# censoring uniform; times rounded to `digits` (0 = integers: heavy ties)
gen <- function(n, k = 2, digits = 1, cens = 0.3, scale = 10, hr = 0.6, strata = 1) {
  group <- rep_len(0:(k - 1), n)
  x <- round(rnorm(n), 2)
  stratum <- sample(seq_len(strata), n, replace = TRUE)
  rate <- hr^group * exp(0.3 * x) * (1 + 0.5 * (stratum - 1)) / scale
  te <- rexp(n, rate)
  tc <- if (cens > 0) runif(n, 0, scale / cens) else rep(Inf, n)
  time <- pmin(te, tc)
  event <- as.numeric(te <= tc)
  time <- pmax(round(time, digits), 10^-digits)
  list(time = time, event = event, group = group, x = x, stratum = stratum)
}

sets <- list()
for (i in 1:6) sets[[sprintf("ties_%d", i)]] <- gen(sample(8:24, 1), digits = 0, cens = 0.3)
sets$tiny_2 <- list(time = c(3, 5), event = c(1, 1), group = c(0, 1), x = c(0.5, -1),
                    stratum = c(1, 1))
for (n in 3:5) sets[[sprintf("tiny_%d", n)]] <- gen(n * 2, digits = 0, cens = 0.2)
for (i in 1:4) sets[[sprintf("moderate_%d", i)]] <- gen(sample(60:150, 1), digits = 1)
for (i in 1:3) {
  d <- gen(sample(15:40, 1), digits = 0)
  d$event[d$group == 1] <- 0  # all censored in group 1
  sets[[sprintf("group_all_censored_%d", i)]] <- d
}
for (i in 1:2) sets[[sprintf("no_censoring_%d", i)]] <- gen(sample(20:50, 1), cens = 0)
for (i in 1:2) {
  d <- gen(sample(20:40, 1), digits = 0, cens = 0.6)
  ev_t <- d$time[d$event == 1]
  cen <- which(d$event == 0)
  d$time[cen] <- sample(ev_t, length(cen), replace = TRUE)  # censored at event times
  sets[[sprintf("censored_at_event_times_%d", i)]] <- d
}
d <- gen(30, digits = 1, cens = 0.2); d$event[which.max(d$time)] <- 1
sets$last_is_event <- d
d <- gen(30, digits = 1, cens = 0.2); d$event[which.max(d$time)] <- 0
sets$last_is_censored <- d
for (i in 1:3) sets[[sprintf("three_groups_%d", i)]] <- gen(sample(30:90, 1), k = 3, digits = 0)
for (i in 1:3) sets[[sprintf("strata_%d", i)]] <- gen(sample(60:120, 1), digits = 0, strata = 3)
d <- gen(20, digits = 1, cens = 0.3); d$event[] <- 0; d$event[which.min(d$time)] <- 1
sets$single_event <- d
stopifnot(length(sets) == 30)

km_out <- function(fit) {
  list(time = num(fit$time), n_risk = num(fit$n.risk), n_event = num(fit$n.event),
       n_censor = num(fit$n.censor), surv = num(fit$surv), std_err = num(fit$std.err),
       lower = num(fit$lower), upper = num(fit$upper))
}

# RMST by integrating the survfit step function to tau, with the Greenwood-type
# variance sum_j A_j^2 d_j / (n_j (n_j - d_j)), A_j = integral of S from t_j to tau
# (Klein & Moeschberger 2003, 4.5.1) -- written here without survival's survmean
rmst_by_hand <- function(fit, tau) {
  tt <- fit$time; ss <- fit$surv
  keep <- tt <= tau
  knots <- c(0, tt[keep], tau)
  level <- c(1, ss[keep])
  width <- diff(knots)
  area <- sum(width * level)
  ev <- which(keep & fit$n.event > 0)
  var <- 0
  for (j in ev) {
    a_j <- sum(width[(match(j, which(keep)) + 1):length(width)] *
                 level[(match(j, which(keep)) + 1):length(level)])
    nr <- fit$n.risk[j]; dj <- fit$n.event[j]
    if (nr > dj) var <- var + a_j^2 * dj / (nr * (nr - dj))
  }
  c(rmst = area, se = sqrt(var))
}

cox_out <- function(formula, data, ties) {
  warn <- NULL
  cf <- withCallingHandlers(
    tryCatch(coxph(formula, data = data, ties = ties, control = ctrl),
             error = function(e) { warn <<- conditionMessage(e); NULL }),
    warning = function(w) { warn <<- conditionMessage(w); invokeRestart("muffleWarning") })
  if (is.null(cf)) return(list(error = warn))
  list(coef = num(coef(cf)), se = num(sqrt(diag(vcov(cf)))), loglik = num(cf$loglik),
       score = num(cf$score), wald = num(cf$wald.test), lr = num(2 * diff(cf$loglik)),
       warning = warn)
}

out <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
            datasets = list())
for (nm in names(sets)) {
  d <- sets[[nm]]
  df <- data.frame(time = d$time, event = d$event, group = d$group, x = d$x,
                   stratum = d$stratum)
  tmax <- max(df$time)
  res <- list(data = d, landmarks = num(sort(unique(c(sort(df$time)[ceiling(nrow(df) / 2)],
                                                      round(tmax / 3, 1), tmax)))),
              tau = tmax * 0.8, km = list())
  for (g in c("all", as.character(sort(unique(df$group))))) {
    sub <- if (g == "all") df else df[df$group == as.numeric(g), ]
    gres <- list()
    for (ct in c("log", "log-log", "plain")) {
      fit <- survfit(Surv(time, event) ~ 1, data = sub, conf.type = ct)
      tab <- summary(fit)$table
      lm_t <- res$landmarks[res$landmarks <= max(sub$time)]
      sm <- summary(fit, times = lm_t, extend = FALSE)
      # (survival refuses a tau before the first time: then rmean is NA)
      rm <- tryCatch(summary(fit, rmean = res$tau)$table,
                     error = function(e) c(rmean = NA, "se(rmean)" = NA))
      gres[[ct]] <- list(
        km = km_out(fit), median = num(tab["median"]), median_lower = num(tab["0.95LCL"]),
        median_upper = num(tab["0.95UCL"]),
        landmark = list(time = num(sm$time), surv = num(sm$surv), std_err = num(sm$std.err),
                        lower = num(sm$lower), upper = num(sm$upper),
                        n_risk = num(sm$n.risk)),
        rmst = num(rm["rmean"]), rmst_se = num(rm["se(rmean)"]))
    }
    fit <- survfit(Surv(time, event) ~ 1, data = sub)
    by_hand <- rmst_by_hand(fit, res$tau)
    stopifnot(is.na(gres$log$rmst) ||
                abs(by_hand["rmst"] - gres$log$rmst) < 1e-10 * max(1, by_hand["rmst"]))
    gres$rmst_by_hand <- list(rmst = num(by_hand["rmst"]), se = num(by_hand["se"]))
    res$km[[g]] <- gres
  }
  sdf <- tryCatch(survdiff(Surv(time, event) ~ group, data = df), error = function(e) NULL)
  if (!is.null(sdf)) {
    res$logrank <- list(chisq = num(sdf$chisq), observed = num(sdf$obs),
                        expected = num(sdf$exp), df = sum(sdf$exp > 0) - 1)
  }
  k <- length(unique(df$group))
  df$g1 <- as.numeric(df$group == 1); df$g2 <- as.numeric(df$group == 2)
  fg <- if (k == 3) Surv(time, event) ~ g1 + g2 else Surv(time, event) ~ g1
  fgx <- if (k == 3) Surv(time, event) ~ g1 + g2 + x else Surv(time, event) ~ g1 + x
  for (ties in c("efron", "breslow")) {
    res[[paste0("cox_group_", ties)]] <- cox_out(fg, df, ties)
    res[[paste0("cox_group_x_", ties)]] <- cox_out(fgx, df, ties)
    if (length(unique(df$stratum)) > 1) {
      res[[paste0("cox_strata_", ties)]] <- cox_out(
        update(fgx, . ~ . + strata(stratum)), df, ties)
    }
  }
  out$datasets[[nm]] <- res
}

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", null = "null",
                  pretty = FALSE), "tests/reference/survival_random.json")
cat("wrote tests/reference/survival_random.json\n")
