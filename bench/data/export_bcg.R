# Export the BCG vaccine trials (dat.bcg, R package metadat, Colditz et al. 1994)
# as raw 2x2 counts. Run once from the repository root:
#   Rscript bench/data/export_bcg.R
# The benchmark computes log risk ratios and their variances from these counts.
dat <- metadat::dat.bcg
out <- data.frame(trial = dat$trial, author = dat$author, year = dat$year,
                  tpos = dat$tpos, tneg = dat$tneg, cpos = dat$cpos, cneg = dat$cneg)
write.csv(out, "bench/data/bcg.csv", row.names = FALSE)
