# Golden values for tests/reference: R 4.2 + survival 3.5 (+ MASS, brglm2, jsonlite),
# all from Debian packages:
#   apt-get install r-base-core r-cran-survival r-cran-jsonlite r-cran-mass r-cran-brglm2 \
#     r-cran-mice
# Usage (from the repository root): make reference
#   = Rscript tests/reference/export_data.R tests/reference/data
#     Rscript tests/reference/make_reference.R tests/reference/r_reference.json
# Inputs are the CSV files in tests/reference/data (exported from R's own datasets by
# export_data.R), so R and pytest see byte-identical data.
suppressPackageStartupMessages({
  library(survival); library(jsonlite); library(MASS); library(brglm2); library(mice)
})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/reference/r_reference.json"
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
read <- function(name) read.csv(file.path(here, "data", paste0(name, ".csv")))
lung <- read("lung"); lung$event <- lung$status - 1; lung$dead <- as.integer(lung$status == 2)
veteran <- read("veteran"); gbsg <- read("gbsg"); rotterdam <- read("rotterdam")
gbsg$rfs_months <- gbsg$rfstime / 30.4375  # as examples/gbsg/study.yaml (time_unit: days)
colon <- read("colon"); heart <- read("heart")

# ---- Kaplan-Meier -----------------------------------------------------------------
km_case <- function(name, data, time, event, by = NULL, entry = NULL, conf_type = "log",
                    at = NULL) {
  lhs <- if (is.null(entry)) sprintf("Surv(%s, %s)", time, event)
         else sprintf("Surv(%s, %s, %s)", entry, time, event)
  f <- as.formula(paste(lhs, "~", if (is.null(by)) "1" else by))
  fit <- survfit(f, data = data, conf.type = conf_type)
  s <- summary(fit, censored = TRUE)
  group <- if (is.null(by)) rep("all", length(s$time)) else sub(".*=", "", as.character(s$strata))
  q <- quantile(fit, 0.5)
  groups <- if (is.null(by)) "all" else sub(".*=", "", names(fit$strata))
  res <- list(name = name, data = deparse(substitute(data)), time = time, event = event,
       by = by, entry = entry, conf_type = conf_type,
       call = paste0("survfit(", deparse(f), ", conf.type='", conf_type, "')"),
       table = data.frame(group = group, time = s$time, n_risk = s$n.risk, n_event = s$n.event,
                          n_censor = s$n.censor, survival = s$surv, std_err = s$std.err,
                          ci_lower = s$lower, ci_upper = s$upper),
       medians = data.frame(group = groups, median = as.numeric(q$quantile),
                            ci_lower = as.numeric(q$lower), ci_upper = as.numeric(q$upper)))
  if (!is.null(at)) {
    a <- summary(fit, times = at, extend = TRUE)
    ag <- if (is.null(by)) rep("all", length(a$time)) else sub(".*=", "", as.character(a$strata))
    res$at <- data.frame(group = ag, time = a$time, n_risk = a$n.risk, survival = a$surv,
                         std_err = a$std.err)
  }
  res
}
km <- list(
  km_case("lung_by_sex_log", lung, "time", "event", "sex", at = c(0, 100, 365, 1000)),
  km_case("lung_by_sex_loglog", lung, "time", "event", "sex", conf_type = "log-log"),
  km_case("lung_by_sex_plain", lung, "time", "event", "sex", conf_type = "plain"),
  km_case("veteran_by_trt", veteran, "time", "status", "trt"),
  km_case("gbsg_all", gbsg, "rfstime", "status"),
  km_case("heart_entry", heart, "stop", "event", entry = "start", at = c(0, 50, 500)),
  km_case("veteran_by_celltype_loglog", veteran, "time", "status", "celltype",
          conf_type = "log-log"),
  km_case("gbsg_by_hormon_months", gbsg, "rfs_months", "status", "hormon")
)

# ---- log-rank -----------------------------------------------------------------------
lr_case <- function(name, data, time, event, by, strata = NULL, rho = 0) {
  rhs <- if (is.null(strata)) by else paste0(by, " + strata(", strata, ")")
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs))
  fit <- survdiff(f, data = data, rho = rho)
  list(name = name, data = deparse(substitute(data)), time = time, event = event, by = by,
       strata = strata, rho = rho, call = paste0("survdiff(", deparse(f), ", rho=", rho, ")"),
       statistic = fit$chisq, df = length(fit$n) - 1,
       p_value = pchisq(fit$chisq, length(fit$n) - 1, lower.tail = FALSE),
       observed = if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs,
       expected = if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp)
}
colon_recur <- colon[colon$etype == 1, ]
logrank <- list(
  lr_case("lung_sex", lung, "time", "event", "sex"),
  lr_case("veteran_celltype", veteran, "time", "status", "celltype"),
  lr_case("veteran_celltype_peto", veteran, "time", "status", "celltype", rho = 1),
  lr_case("gbsg_hormon_by_grade", gbsg, "rfstime", "status", "hormon", strata = "grade"),
  lr_case("colon_rx", colon_recur, "time", "status", "rx"),
  lr_case("gbsg_hormon", gbsg, "rfs_months", "status", "hormon")
)

# ---- Cox --------------------------------------------------------------------------
cox_case <- function(name, data, time, event, covariates, entry = NULL, strata = NULL,
                     ties = "efron", cluster = NULL, factors = character()) {
  d <- data
  for (v in factors) d[[v]] <- factor(d[[v]])
  lhs <- if (is.null(entry)) sprintf("Surv(%s, %s)", time, event)
         else sprintf("Surv(%s, %s, %s)", entry, time, event)
  rhs <- paste(covariates, collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, " + strata(", strata, ")")
  f <- as.formula(paste(lhs, "~", rhs))
  fit <- if (is.null(cluster)) coxph(f, data = d, ties = ties)
         else coxph(f, data = d, ties = ties, cluster = d[[cluster]])
  sm <- summary(fit)
  zph <- lapply(c("km", "identity", "rank"), function(tr) {
    z <- cox.zph(fit, transform = tr)$table
    data.frame(term = rownames(z), chisq = z[, "chisq"], df = z[, "df"], p_value = z[, "p"])
  })
  names(zph) <- c("km", "identity", "rank")
  se <- sqrt(diag(vcov(fit)))
  list(name = name, data = deparse(substitute(data)), time = time, event = event,
       covariates = I(covariates), entry = entry, strata = strata, ties = ties, cluster = cluster,
       factors = I(factors),
       call = paste0("coxph(", deparse(f), ", ties='", ties, "'",
                     if (!is.null(cluster)) paste0(", cluster=", cluster) else "", ")"),
       terms = names(coef(fit)), coef = unname(coef(fit)), se = unname(se),
       naive_se = if (!is.null(fit$naive.var)) sqrt(diag(fit$naive.var)) else NULL,
       p_value = unname(sm$coefficients[, ncol(sm$coefficients)]),
       loglik = fit$loglik, n = fit$n, n_events = fit$nevent,
       concordance = unname(fit$concordance["concordance"]),
       concordance_se = unname(fit$concordance["std"]),
       likelihood_ratio = 2 * diff(fit$loglik), wald = unname(fit$wald.test),
       score = unname(fit$score), zph = zph)
}
rotterdam$size_cat <- as.character(rotterdam$size)
cox <- list(
  cox_case("lung_efron", lung, "time", "event", c("age", "sex", "ph.ecog")),
  cox_case("lung_breslow", lung, "time", "event", c("age", "sex", "ph.ecog"), ties = "breslow"),
  cox_case("veteran_celltype_efron", veteran, "time", "status", c("trt", "celltype", "karno")),
  cox_case("veteran_strata_breslow", veteran, "time", "status", c("trt", "celltype", "karno"),
           strata = "prior", ties = "breslow"),
  cox_case("gbsg_efron", gbsg, "rfstime", "status",
           c("hormon", "age", "meno", "size", "grade", "nodes", "pgr", "er"),
           factors = "grade"),
  cox_case("rotterdam_efron", rotterdam, "rtime", "recur",
           c("age", "meno", "size_cat", "grade", "nodes", "pgr", "er", "hormon", "chemo")),
  cox_case("rotterdam_breslow", rotterdam, "rtime", "recur",
           c("age", "meno", "size_cat", "grade", "nodes", "pgr", "er", "hormon", "chemo"),
           ties = "breslow"),
  cox_case("colon_cluster_strata", colon, "time", "status", c("rx", "sex", "age", "nodes"),
           strata = "etype", cluster = "id"),
  cox_case("heart_efron", heart, "stop", "event", c("age", "year", "surgery", "transplant"),
           entry = "start"),
  cox_case("heart_breslow", heart, "stop", "event", c("age", "year", "surgery", "transplant"),
           entry = "start", ties = "breslow"),
  cox_case("heart_cluster", heart, "stop", "event", c("age", "year", "surgery", "transplant"),
           entry = "start", cluster = "id")
)

# ---- logistic -------------------------------------------------------------------------
logit_case <- function(name, data, outcome, covariates, factors = character()) {
  d <- data
  for (v in factors) d[[v]] <- factor(d[[v]])
  f <- as.formula(paste(outcome, "~", paste(covariates, collapse = " + ")))
  fit <- glm(f, binomial, d, control = glm.control(epsilon = 1e-14, maxit = 100))
  cf <- coef(summary(fit))
  prof <- suppressMessages(confint(fit))  # MASS profile likelihood (spline-interpolated)
  firth <- glm(f, binomial, d, method = "brglmFit", type = "AS_mean", epsilon = 1e-12,
               maxit = 200)
  fcf <- coef(summary(firth))
  list(name = name, data = deparse(substitute(data)), outcome = outcome,
       covariates = I(covariates), factors = I(factors),
       call = paste0("glm(", deparse(f), ", binomial)"),
       terms = rownames(cf), coef = unname(cf[, 1]), se = unname(cf[, 2]),
       z = unname(cf[, 3]), p_value = unname(cf[, 4]),
       profile_lower = unname(prof[, 1]), profile_upper = unname(prof[, 2]),
       loglik = as.numeric(logLik(fit)),
       firth_call = "glm(..., method = 'brglmFit', type = 'AS_mean')  # brglm2: Firth (1993)",
       firth_coef = unname(fcf[, 1]), firth_se = unname(fcf[, 2]))
}
gbsg$recurrence <- gbsg$status
logistic <- list(
  logit_case("lung_dead", lung, "dead", c("age", "sex", "ph.ecog")),
  logit_case("gbsg_recurrence", gbsg, "recurrence", c("hormon", "age", "size", "grade", "nodes"),
             factors = "grade")
)

# ---- Table 1 tests -----------------------------------------------------------------------
set.seed(1)
small_x <- c(1.1, 2.3, 3.8, 4.2, 5.9, 7.7, 8.4)
small_y <- c(2.9, 6.1, 9.3, 10.2, 11.8, 12.5)
table1 <- list(
  wilcox_gbsg_age = list(
    call = "wilcox.test(age ~ hormon, gbsg, correct = TRUE)",
    p_value = wilcox.test(age ~ hormon, gbsg, correct = TRUE)$p.value),
  wilcox_gbsg_age_nocorrect = list(
    call = "wilcox.test(age ~ hormon, gbsg, correct = FALSE)",
    p_value = wilcox.test(age ~ hormon, gbsg, correct = FALSE)$p.value),
  wilcox_small_exact = list(x = small_x, y = small_y, call = "wilcox.test(x, y)",
    p_value = wilcox.test(small_x, small_y)$p.value),
  chisq_gbsg_grade = list(call = "chisq.test(table(gbsg$grade, gbsg$hormon), correct = FALSE)",
    statistic = unname(chisq.test(table(gbsg$grade, gbsg$hormon), correct = FALSE)$statistic),
    p_value = chisq.test(table(gbsg$grade, gbsg$hormon), correct = FALSE)$p.value),
  fisher_study_progression = list(
    call = "fisher.test(matrix(c(14, 41, 30, 31), 2, byrow = TRUE))",
    p_value = fisher.test(matrix(c(14, 41, 30, 31), 2, byrow = TRUE))$p.value),
  fisher_veteran_celltype_small = list(
    call = "fisher.test(table(veteran$celltype[veteran$age > 65], veteran$trt[veteran$age > 65]))",
    p_value = fisher.test(table(veteran$celltype[veteran$age > 65],
                                veteran$trt[veteran$age > 65]))$p.value),
  kruskal_veteran_karno = list(call = "kruskal.test(karno ~ celltype, veteran)",
    p_value = kruskal.test(karno ~ celltype, veteran)$p.value),
  quantile_gbsg_size = list(
    type7 = unname(quantile(gbsg$size, c(.25, .5, .75), type = 7)),
    type6 = unname(quantile(gbsg$size, c(.25, .5, .75), type = 6)))
)

# ---- Bias-aware analyses of NED (issue 8) on the demo cohort -----------------------
# data/ned_cohort.csv is written by export_ned_cohort.py; the split data are built here
# with tmerge, independently of nedcohort's split_at_switch.
ned <- read("ned_cohort"); ned$id <- seq_len(nrow(ned))
base <- data.frame(id = ned$id, pfs_months = ned$pfs_months, pfs_event = ned$pfs_event)
sp <- tmerge(base, base, id = id, pfs = event(pfs_months, pfs_event))
switches <- ned[ned$ned == 1, c("id", "months_to_ned")]
sp <- tmerge(sp, switches, id = id, ned_now = tdc(months_to_ned))
sp36 <- subset(sp, tstop > 36); sp36$tstart <- pmax(sp36$tstart, 36)
hr_of <- function(fit) {
  s <- summary(fit)
  list(coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       p_value = unname(s$coefficients[, "Pr(>|z|)"]), score = unname(s$sctest["test"]),
       score_p = unname(s$sctest["pvalue"]), n = fit$n, events = fit$nevent)
}
bias <- list(split_rows = nrow(sp36), split_events = sum(sp36$pfs),
             split_person_time = sum(sp36$tstop - sp36$tstart))
for (ties in c("efron", "breslow")) {
  bias[[paste0("time_dependent_", ties)]] <- hr_of(coxph(Surv(tstart, tstop, pfs) ~ ned_now,
                                                         sp36, ties = ties))
  bias[[paste0("naive_", ties)]] <- hr_of(coxph(Surv(pfs_months, pfs_event) ~ ned, ned,
                                                ties = ties))
  lt <- subset(ned, pfs_months > 36); lt$entry <- 36
  bias[[paste0("left_truncated_", ties)]] <- hr_of(coxph(Surv(entry, pfs_months, pfs_event) ~
                                                           ned, lt, ties = ties))
}
landmarks <- list()
for (L in c(36, 48, 60)) {
  lm <- subset(ned, pfs_months > L)
  lm$ned_at <- as.integer(lm$ned == 1 & lm$months_to_ned <= L)
  lm$t <- lm$pfs_months - L
  fit <- coxph(Surv(t, pfs_event) ~ ned_at, lm, ties = "efron")
  landmarks[[length(landmarks) + 1]] <- c(list(landmark = L,
    logrank_p = survdiff(Surv(t, pfs_event) ~ ned_at, lm)$pvalue), hr_of(fit))
}
bias$landmarks <- landmarks
sm_times <- c(36, 48, 60, 72, 84, 96, 108, 120)
sm <- summary(survfit(Surv(tstart, tstop, pfs) ~ ned_now, sp36), times = sm_times, extend = TRUE)
bias$simon_makuch <- data.frame(group = sub(".*=", "", as.character(sm$strata)), time = sm$time,
                                n_risk = sm$n.risk, survival = sm$surv)

# ---- Rubin's rules (mice::pool) on lung, whose covariates have missing values ---------
# R imputes (mice, m = 5, seed 2026); the completed data sets are written for pytest, which
# fits its own Cox and logistic models to them and pools with nedcohort's rubin_pool.
lung_mi <- lung[, c("time", "event", "dead", "age", "sex", "ph.ecog", "wt.loss", "meal.cal")]
imp <- mice(lung_mi, m = 5, seed = 2026, printFlag = FALSE, method = "pmm")
long <- complete(imp, "long")
write.csv(long[, c(".imp", "time", "event", "dead", "age", "sex", "ph.ecog", "wt.loss",
                   "meal.cal")], file.path(here, "data", "lung_imputed.csv"), row.names = FALSE)
pool_of <- function(fits) {
  p <- pool(fits); s <- summary(p, conf.int = TRUE)
  list(term = as.character(s$term), estimate = s$estimate, se = s$std.error, df = s$df,
       p_value = s$p.value, ci_lower = s$`2.5 %`, ci_upper = s$`97.5 %`,
       fmi = p$pooled$fmi, riv = p$pooled$riv, dfcom = p$pooled$dfcom[1])
}
imputation <- list(
  cox = pool_of(with(imp, coxph(Surv(time, event) ~ age + sex + ph.ecog + wt.loss + meal.cal))),
  logistic = pool_of(with(imp, glm(dead ~ age + sex + ph.ecog + wt.loss + meal.cal,
                                   family = binomial, control = glm.control(epsilon = 1e-12)))))

ref <- list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                        brglm2 = as.character(packageVersion("brglm2")),
                        MASS = as.character(packageVersion("MASS")),
                        mice = as.character(packageVersion("mice"))),
            km = km, logrank = logrank, cox = cox, logistic = logistic, table1 = table1,
            bias_aware = bias, imputation = imputation)
writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, na = "null", null = "null",
                  pretty = TRUE), out)
cat("wrote", out, "\n")
