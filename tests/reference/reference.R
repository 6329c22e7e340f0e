# R's survey package (Lumley) on fixture.csv: the reference values every
# estimator of src/stats/ must reproduce. An implementation independent of
# this project, so a bug cannot hide in both.
#
#   make reference        # or: Rscript tests/reference/reference.R tests/reference/fixture.csv > tests/reference/expected.json
#
# Needs R with the survey and jsonlite packages (Debian: r-cran-survey,
# r-cran-jsonlite). Not needed to run the tests: expected.json is committed.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(survey.lonely.psu = "fail")

args <- commandArgs(trailingOnly = TRUE)
fixture <- if (length(args) >= 1) args[1] else "fixture.csv"
rows <- read.csv(fixture, na.strings = "")

# The two derived items of the fixture's README.
rows$citizens_positive <- as.integer(rows$cause_citizens == 1 | rows$promote_citizens %in% c(3, 4) | rows$collab_citizens == 1)
rows$promote_citizens_pos <- as.integer(rows$promote_citizens %in% c(3, 4))

# The barometer's design: stratified, finite population correction, no clusters.
design <- svydesign(ids = ~1, strata = ~stratum, fpc = ~fpc, weights = ~weight, data = rows)
innovators <- subset(design, innovated == 1)
municipal <- subset(design, innovated == 1 & sector == "kommune")

plain <- function(x) unname(as.numeric(x))
formula_of <- function(...) as.formula(paste0("~", paste(..., sep = "+")))

# A share with its linearised SE, logit interval, respondents and degrees of freedom.
share <- function(item, d, domain) {
  mean <- svymean(formula_of(item), d)
  interval <- attr(svyciprop(formula_of(item), d, method = "logit", level = 0.95), "ci")
  list(item = item, domain = domain,
       estimate = plain(coef(mean)), se = plain(SE(mean)),
       ci_logit_low = plain(interval[1]), ci_logit_high = plain(interval[2]),
       n = sum(weights(d, "sampling") > 0), degf = plain(degf(d)))
}

# The share of an item in each level of a group, innovators only.
within_groups <- function(item, group) {
  by <- svyby(formula_of(item), formula_of(group), innovators, svymean)
  lapply(seq_len(nrow(by)), function(k) list(
    item = item, group = group, level = as.character(by[k, 1]),
    estimate = plain(by[k, 2]), se = plain(SE(by)[k])))
}

# Second-order ("F") and first-order ("Chisq") Rao-Scott tests.
rao_scott <- function(a, b, d) {
  second <- svychisq(formula_of(a, b), d, statistic = "F")
  first <- svychisq(formula_of(a, b), d, statistic = "Chisq")
  list(row = a, col = b,
       F = plain(second$statistic), ndf = plain(second$parameter[1]), ddf = plain(second$parameter[2]),
       p_F = plain(second$p.value),
       chisq_rs1 = plain(first$statistic), df_rs1 = plain(first$parameter[1]), p_chisq_rs1 = plain(first$p.value))
}

result <- list()
result$proportions <- c(
  list(share("innovated", design, "all"), share("intro_service", design, "all")),
  lapply(c("latest_service", "cause_citizens", "promote_citizens_pos", "collab_citizens", "citizens_positive",
           "value_quality", "value_efficiency", "value_citizen_involvement"),
         function(item) share(item, innovators, "innovated == 1")))

result$by_group <- c(within_groups("value_quality", "citizens_positive"),
                     within_groups("value_citizen_involvement", "citizens_positive"),
                     within_groups("value_efficiency", "citizens_positive"),
                     within_groups("collab_citizens", "latest_service"))

coded <- update(innovators, process_planned = factor(process_planned), sector = factor(sector))
planned <- svymean(~process_planned, coded)
result$distribution <- lapply(seq_along(coef(planned)), function(k) list(
  item = "process_planned", level = sub("^process_planned", "", names(coef(planned))[k]),
  estimate = plain(coef(planned)[k]), se = plain(SE(planned)[k])))

result$tests <- list(
  rao_scott("value_quality", "citizens_positive", innovators),
  rao_scott("value_citizen_involvement", "citizens_positive", innovators),
  rao_scott("value_efficiency", "citizens_positive", innovators),
  rao_scott("collab_citizens", "latest_service", innovators),
  rao_scott("process_planned", "sector", coded))

# Does the association hold when controlling for the type of innovation and the sector?
controls <- update(innovators, sector = factor(sector, levels = c("kommune", "region", "stat")))
fit <- svyglm(value_quality ~ citizens_positive + latest_service + sector, design = controls, family = quasibinomial())
table <- summary(fit)$coefficients
result$logistic <- list(
  formula = "value_quality ~ citizens_positive + latest_service + sector",
  reference_level = "kommune",
  df_residual = plain(fit$df.residual),
  coefficients = lapply(seq_len(nrow(table)), function(k) list(
    term = rownames(table)[k], estimate = table[k, 1], se = table[k, 2], t = table[k, 3], p = table[k, 4])))

result$municipal <- list(share("citizens_positive", municipal, "innovated == 1 & sector == kommune"),
                         share("promote_citizens_pos", municipal, "innovated == 1 & sector == kommune"))

cat(toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
