# Looser, independent check of evisynth.bayesmeta by MCMC: JAGS (via rjags) samples
# the normal-normal hierarchical model for the three hazard ratios of
# tests/reference/bayesmeta.json ("three_hr") with tau ~ half-normal(0.5) and
# mu ~ N(0, 2^2). Writes tests/reference/bayesmeta_jags.json with posterior
# quantiles and their Monte Carlo standard errors (from the effective sample size).
#
#   Rscript tests/reference/bayesmeta_jags.R        (from the repository root)
suppressPackageStartupMessages({
  library(rjags)
  library(coda)
  library(jsonlite)
})
ref <- fromJSON("tests/reference/bayesmeta.json", simplifyVector = TRUE)
d <- ref$datasets$three_hr
model <- "
model {
  for (i in 1:k) {
    y[i] ~ dnorm(theta[i], 1 / v[i])
    theta[i] ~ dnorm(mu, 1 / (tau * tau))
  }
  theta_new ~ dnorm(mu, 1 / (tau * tau))
  mu ~ dnorm(0, 1 / 4)
  tau ~ dnorm(0, 1 / 0.25) T(0, )
}"
set.seed(20261201)
inits <- lapply(1:4, function(i) list(.RNG.name = "base::Mersenne-Twister", .RNG.seed = 100 + i))
jm <- jags.model(textConnection(model), data = list(y = d$yi, v = d$vi, k = length(d$yi)),
                 inits = inits, n.chains = 4, quiet = TRUE)
update(jm, 10000, progress.bar = "none")
n_iter <- 250000
s <- coda.samples(jm, c("mu", "tau", "theta_new", "theta"), n.iter = n_iter, progress.bar = "none")
m <- as.matrix(s)
probs <- c(0.025, 0.5, 0.975)
out <- list(generator = "tests/reference/bayesmeta_jags.R", jags = as.character(jags.version()),
            chains = 4, iterations_per_chain = n_iter, burn_in = 10000,
            dataset = "three_hr", prior = "halfnormal:0.5", mu_prior = c(0, 2), quantiles = probs,
            params = list())
for (p in c("mu", "tau", "theta_new", "theta[1]", "theta[2]", "theta[3]")) {
  x <- m[, p]
  q <- as.numeric(quantile(x, probs, type = 8))
  ess <- as.numeric(effectiveSize(s[, p]))
  # MC standard error of a quantile: sqrt(p(1-p)/ESS) / f(q), f from a kernel density.
  dens <- density(x, n = 4096)
  fq <- approx(dens$x, dens$y, xout = q)$y
  se <- sqrt(probs * (1 - probs) / ess) / fq
  out$params[[p]] <- list(q = q, mcse = se, ess = ess, mean = mean(x))
  cat(p, q, "mcse", se, "ess", ess, "\n")
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA), "tests/reference/bayesmeta_jags.json")
cat("wrote tests/reference/bayesmeta_jags.json\n")
