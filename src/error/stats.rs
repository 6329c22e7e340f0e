//! Errors of the statistics layer (`stats`): each one a sentence a reader of the
//! pipeline's log can act on, so no estimate ever comes back as NaN.

/// Why an estimate could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("{what} has {got} entries but the design has {expected} rows")]
    LengthMismatch { what: String, got: usize, expected: usize },

    #[error("the design has no rows")]
    EmptyDesign,

    #[error("row {row} has sampling weight {weight}; weights must be positive and finite")]
    BadWeight { row: usize, weight: f64 },

    #[error("row {row} has population count (fpc) {fpc}; it must be a positive number")]
    BadFpc { row: usize, fpc: f64 },

    #[error("stratum \"{stratum}\" has population counts {first} and {other}; the fpc must be the same on every row of a stratum")]
    FpcNotConstant { stratum: String, first: f64, other: f64 },

    #[error(
        "stratum \"{stratum}\" has {rows} sampled rows but a population count (fpc) of {fpc}; the population cannot be smaller than the sample"
    )]
    FpcBelowSample { stratum: String, rows: usize, fpc: f64 },

    #[error("stratum \"{stratum}\" has only {rows} row(s); every stratum needs at least 2 rows to estimate a variance")]
    LonelyStratum { stratum: String, rows: usize },

    #[error("the domain has no respondents")]
    EmptyDomain,

    #[error("{item} is missing in {rows} of the {n} rows of the domain")]
    Missing { item: String, rows: usize, n: usize },

    #[error("{item} must be 0 or 1 inside the domain, but {rows} rows hold other values (for example {example})")]
    NotBinary { item: String, rows: usize, example: f64 },

    #[error("{item} has {rows} rows in the domain with codes outside the levels {levels} (for example {example})")]
    UnknownCode {
        item: String,
        rows: usize,
        example: f64,
        levels: String,
    },

    #[error("the levels {levels} must be distinct numbers")]
    BadLevels { levels: String },

    #[error("{item} has more than {max} distinct values in the domain")]
    TooManyLevels { item: String, max: usize },

    #[error("{item} takes only one value in the domain, so there is no association to test")]
    ConstantItem { item: String },

    #[error("cannot test association: {reason}")]
    DegenerateTable { reason: String },

    #[error("the ratio is undefined because the share in the second domain is 0")]
    ZeroDenominator,

    #[error("the domain leaves {degf} degrees of freedom, too few for {what}")]
    TooFewDegrees { degf: f64, what: String },

    #[error("the logistic regression term \"{term}\" is constant or collinear with the terms before it in the domain")]
    Collinear { term: String },

    #[error(
        "the logistic regression fits probabilities of numerically 0 or 1 (complete separation), so its standard errors are meaningless"
    )]
    Separation,

    #[error("{what} has no sampling variance in this design, so it cannot be tested")]
    NoVariance { what: String },

    #[error("the logistic regression did not converge in {iterations} iterations")]
    NoConvergence { iterations: usize },
}
