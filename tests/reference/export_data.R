# Export the R survival datasets used by the reference tests to CSV (committed),
# so pytest can read them without R. Usage: Rscript export_data.R data/
library(survival)
out <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(out)) out <- "data"
dir.create(out, showWarnings = FALSE)
sets <- list(lung = survival::lung, veteran = survival::veteran, gbsg = survival::gbsg,
             rotterdam = survival::rotterdam, colon = survival::colon, heart = survival::heart)
for (name in names(sets)) {
  d <- sets[[name]]
  for (v in names(d)) if (is.factor(d[[v]])) d[[v]] <- as.character(d[[v]])
  write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
}
