# Oracle values for evisynth.econ: an independent base-R implementation of the
# three-state partitioned-survival model (no packages).
# Regenerate from the repository root with:
#   Rscript tests/reference/econ.R
# Writes tests/reference/econ.json.
#
# Written from the model definition (NICE DSU TSD 19; README "Cost-effectiveness"),
# not from the Python code:
#  - Weibull S(t) = exp(-(t/scale)^shape); mixture cure S = c + (1-c) S_u;
#    a hazard ratio raises the (relative) survival to the power HR.
#  - background: US 2021 life table, hazard -log(1 - qx) constant within each year of
#    age (qx = 1 read as 1 - 1e-15);
#    plain curves: hazard max(h_weibull(t), mu(age0 + t)), integrated in closed form
#    piece by piece (the Weibull hazard is monotone, so the crossing is analytic);
#    mixture-cure curves: relative survival x population survival.
#  - PFS clipped to OS; integrals by R's integrate() (QUADPACK) on each year piece.
#  - Expected events from the event density (hazard x survival), not by parts.

lt <- read.csv("src/evisynth/data/econ/lifetable_us_2021.csv")
q <- pmin(lt$qx, 1 - 1e-15)
mu_tab <- -log1p(-q)
age_min <- lt$age[1]
mu_at <- function(age) mu_tab[pmin(pmax(floor(age) - age_min, 0), length(mu_tab) - 1) + 1]

age0 <- 60.5
H <- 40
r_cost <- 0.03
r_qaly <- 0.015
male <- 0.6
ab <- function(a) 0.9508566 + 0.0212126 * male - 0.0002587 * a - 0.0000332 * a^2
afac <- function(t) ab(age0 + t) / ab(age0)

# year-of-age pieces of [0, H]
first <- floor(age0) + 1 - age0
edges <- sort(unique(c(0, seq(first, H, by = 1), H)))
edges <- edges[edges <= H]

# population cumulative hazard from age0 over t
Hbg <- function(t) {
  sapply(t, function(x) {
    s <- 0; a <- 0
    for (i in seq_len(length(edges) - 1)) {
      lo <- edges[i]; hi <- edges[i + 1]
      if (x <= lo) break
      s <- s + mu_at(age0 + (lo + hi) / 2) * (min(x, hi) - lo)
    }
    s
  })
}

weib_H <- function(t, k, lam) (t / lam)^k
weib_h <- function(t, k, lam) (k / lam) * (t / lam)^(k - 1)

# closed-form floored cumulative hazard of a Weibull, piece by piece
floored_H <- function(t, k, lam) {
  piece_int <- function(lo, hi, m) {
    # integral over [lo, hi] of max(h(u), m), Weibull hazard monotone in u
    if (k == 1) return((hi - lo) * max(k / lam, m))
    ts <- lam * (m * lam / k)^(1 / (k - 1))   # h(ts) = m
    inc <- k > 1
    above <- function(a, b) weib_H(b, k, lam) - weib_H(a, k, lam)
    flat <- function(a, b) m * (b - a)
    if (inc) {
      if (ts <= lo) return(above(lo, hi))
      if (ts >= hi) return(flat(lo, hi))
      return(flat(lo, ts) + above(ts, hi))
    } else {
      if (ts <= lo) return(flat(lo, hi))
      if (ts >= hi) return(above(lo, hi))
      return(above(lo, ts) + flat(ts, hi))
    }
  }
  sapply(t, function(x) {
    s <- 0
    for (i in seq_len(length(edges) - 1)) {
      lo <- edges[i]; hi <- edges[i + 1]
      if (x <= lo) break
      s <- s + piece_int(lo, min(x, hi), mu_at(age0 + (lo + hi) / 2))
    }
    s
  })
}

# curve constructors: list(S = function(t), h = function(t)) (h = all-cause hazard)
plain_weibull <- function(k, lam) {
  list(S = function(t) exp(-floored_H(t, k, lam)),
       h = function(t) pmax(weib_h(t, k, lam), mu_at(age0 + t)))
}
cure_weibull <- function(cf, k, lam, hr = 1) {
  Srel <- function(t) (cf + (1 - cf) * exp(-weib_H(t, k, lam)))^hr
  hrel <- function(t) {
    su <- exp(-weib_H(t, k, lam))
    hr * (1 - cf) * su * weib_h(t, k, lam) / (cf + (1 - cf) * su)
  }
  list(S = function(t) Srel(t) * exp(-Hbg(t)), h = function(t) hrel(t) + mu_at(age0 + t))
}

integ <- function(f, extra = numeric(0)) {
  e <- sort(unique(c(edges, extra)))
  s <- 0
  for (i in seq_len(length(e) - 1)) {
    s <- s + integrate(f, e[i], e[i + 1], rel.tol = 1e-13, abs.tol = 0,
                       subdivisions = 1000L)$value
  }
  s
}

# where PFS crosses OS (the clip switches): sign changes on a fine grid, then uniroot
crossings <- function(pfs, os) {
  g <- function(t) pfs$S(t) - os$S(t)
  x <- c(seq(1e-9, 0.05, length.out = 501), seq(0.05, H, length.out = 2001)[-1])
  y <- g(x)
  i <- which(y[-1] * y[-length(y)] < 0)
  sapply(i, function(j) uniroot(g, c(x[j], x[j + 1]), tol = 1e-15)$root)
}

dc <- function(t) (1 + r_cost)^(-t)
dq <- function(t) (1 + r_qaly)^(-t)

run_arm <- function(pfs, os, a) {
  cr <- crossings(pfs, os)
  integ0 <- integ
  integ <- function(f) integ0(f, cr)
  Spf <- function(t) pmin(pfs$S(t), os$S(t))
  Sos <- function(t) os$S(t)
  Spd <- function(t) Sos(t) - Spf(t)
  fpf <- function(t) ifelse(pfs$S(t) <= os$S(t), pfs$h(t) * pfs$S(t), os$h(t) * os$S(t))
  fos <- function(t) os$h(t) * os$S(t)
  ly_pf <- integ(Spf); ly_pd <- integ(Spd)
  lyc_pf <- integ(function(t) Spf(t) * dc(t)); lyc_pd <- integ(function(t) Spd(t) * dc(t))
  q_pf <- integ(function(t) Spf(t) * afac(t) * dq(t))
  q_pd <- integ(function(t) Spd(t) * afac(t) * dq(t))
  qu_pf <- integ(function(t) Spf(t) * afac(t)); qu_pd <- integ(function(t) Spd(t) * afac(t))
  ev_pf_u <- integ(fpf); ev_pf_c <- integ(function(t) fpf(t) * dc(t))
  ev_os_c <- integ(function(t) fos(t) * dc(t)); ev_os_u <- integ(fos)
  ae_cost <- sum(a$ae_rate * a$ae_cost)
  ae_q <- sum(a$ae_rate * abs(a$ae_dis) * a$ae_dur)
  cost <- a$one_off + a$c_pf * lyc_pf + a$c_pd * lyc_pd + ae_cost +
    a$sub_share * a$sub_cost * ev_pf_c / ev_pf_u + a$terminal * ev_os_c
  cost_u <- a$one_off + a$c_pf * ly_pf + a$c_pd * ly_pd + ae_cost +
    a$sub_share * a$sub_cost + a$terminal * ev_os_u
  qaly <- a$u_pf * q_pf + a$u_pd * q_pd - ae_q
  qaly_u <- a$u_pf * qu_pf + a$u_pd * qu_pd - ae_q
  list(cost = cost, cost_u = cost_u, qaly = qaly, qaly_u = qaly_u,
       ly = ly_pf + ly_pd, ly_pf = ly_pf, ly_pd = ly_pd, ev_pfs_c = ev_pf_c,
       ev_os_c = ev_os_c, ev_pfs_u = ev_pf_u, ev_os_u = ev_os_u, lyc_pf = lyc_pf,
       lyc_pd = lyc_pd)
}

inputs <- list(
  A = list(one_off = 105000, c_pf = 12000, c_pd = 60000, u_pf = 0.8, u_pd = 0.55,
           ae_rate = 0.1, ae_cost = 30000, ae_dis = -0.2, ae_dur = 14 / 365.25,
           sub_share = 0.3, sub_cost = 50000, terminal = 15000),
  B = list(one_off = 20000, c_pf = 8000, c_pd = 60000, u_pf = 0.8, u_pd = 0.55,
           ae_rate = 0.3, ae_cost = 10000, ae_dis = -0.1, ae_dur = 30 / 365.25,
           sub_share = 0.6, sub_cost = 400000, terminal = 15000),
  C = list(one_off = 150000, c_pf = 10000, c_pd = 60000, u_pf = 0.8, u_pd = 0.55,
           ae_rate = 0.05, ae_cost = 30000, ae_dis = -0.2, ae_dur = 14 / 365.25,
           sub_share = 0.2, sub_cost = 50000, terminal = 15000)
)
curves <- list(
  A = list(pfs = plain_weibull(1.3, 3.0), os = plain_weibull(1.1, 8.0)),
  B = list(pfs = cure_weibull(0.15, 1.2, 0.8), os = cure_weibull(0.3, 0.9, 1.5)),
  C = list(pfs = cure_weibull(0.15, 1.2, 0.8, hr = 0.6), os = cure_weibull(0.3, 0.9, 1.5, 0.7))
)
res <- lapply(names(inputs), function(n) run_arm(curves[[n]]$pfs, curves[[n]]$os, inputs[[n]]))
names(res) <- names(inputs)

# PFS above OS for arm A near 0: first crossing after 0
cross_A <- crossings(curves$A$pfs, curves$A$os)

fmt <- function(x) sprintf("%.17g", x)
obj <- function(l) paste0("{", paste(sprintf("\"%s\": %s", names(l), sapply(l, fmt)),
                                     collapse = ", "), "}")
out <- paste0(
  "{\n  \"note\": \"written by tests/reference/econ.R (base R, no packages)\",\n  \"r_version\": \"",
  R.version.string, "\",\n",
  paste(sprintf("  \"%s\": %s", names(res), sapply(res, obj)), collapse = ",\n"),
  ",\n  \"cross_A\": ", fmt(cross_A), "\n}\n")
writeLines(out, "tests/reference/econ.json")
