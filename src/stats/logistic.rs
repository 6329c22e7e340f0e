//! Survey-weighted logistic regression in a domain, as R's
//! `svyglm(family = quasibinomial())`: the check behind captions such as
//! "the association holds when controlling for innovation type and sector".
//!
//! The fit follows R's `glm.fit` step by step (same starting values, IRLS,
//! same relative-deviance stopping rule, weights rescaled to mean 1), and
//! the sandwich variance uses the working weights of the last iteration as
//! R's `svy.varcoef` does, so coefficients and standard errors agree with
//! R to rounding rather than to the convergence tolerance.

use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::StatsError;
use super::design::{Design, add_into, fold_rows};

/// R's `glm.control()` defaults.
const EPSILON: f64 = 1e-8;
const MAX_ITER: usize = 25;
/// A term counts as collinear when less than this share of its weighted
/// sum of squares is left after projecting it on the terms before it.
const COLLINEAR: f64 = 1e-10;

/// One row of the coefficient table.
#[derive(Debug, Clone, PartialEq)]
pub struct Coefficient {
    pub term: String,
    pub estimate: f64,
    /// Linearised (sandwich) standard error from the design.
    pub se: f64,
    pub t: f64,
    /// Two-sided p-value of `t` on `df_residual` degrees of freedom.
    pub p: f64,
}

/// A fitted survey-weighted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    /// "(Intercept)" first, then the terms in the order given.
    pub coefficients: Vec<Coefficient>,
    /// Design degrees of freedom of the domain + 1 - number of coefficients.
    pub df_residual: f64,
    pub n: usize,
    pub iterations: usize,
}

// R's logit link (family.c), including its clamping, so fitted values and
// working weights match R's to the last bit where possible.
const THRESH: f64 = 30.0;

#[inline]
fn linkinv(eta: f64) -> f64 {
    let tmp = if eta < -THRESH {
        f64::EPSILON
    } else if eta > THRESH {
        1.0 / f64::EPSILON
    } else {
        eta.exp()
    };
    tmp / (1.0 + tmp)
}

#[inline]
fn mu_eta(eta: f64) -> f64 {
    if eta.abs() > THRESH {
        f64::EPSILON
    } else {
        let e = eta.exp();
        let opexp = 1.0 + e;
        e / (opexp * opexp)
    }
}

/// Binomial deviance contribution of a 0/1 outcome.
#[inline]
fn dev_resid(y: f64, mu: f64, wt: f64) -> f64 {
    if y == 1.0 { 2.0 * wt * (1.0 / mu).ln() } else { 2.0 * wt * (1.0 / (1.0 - mu)).ln() }
}

/// Where the linear predictor of an IRLS pass comes from.
#[derive(Clone, Copy)]
enum Eta<'a> {
    /// R's binomial start: mu = (w y + 0.5) / (w + 1).
    Start,
    Beta(&'a [f64]),
}

struct Data<'a> {
    design: &'a Design,
    domain: &'a [bool],
    y: &'a [f64],
    x: Vec<&'a [f64]>,
    /// Multiplier rescaling weights to mean 1 over the domain (R's svyglm).
    wscale: f64,
}

impl Data<'_> {
    /// Number of coefficients, intercept included.
    fn p(&self) -> usize {
        self.x.len() + 1
    }

    /// Linear predictor of row `i`; `xi` receives the row of the model matrix.
    #[inline]
    fn eta(&self, src: Eta, i: usize, xi: &mut [f64]) -> f64 {
        xi[0] = 1.0;
        for (j, col) in self.x.iter().enumerate() {
            xi[j + 1] = col[i];
        }
        match src {
            Eta::Start => {
                let pw = self.design.weight()[i] * self.wscale;
                let m = (pw * self.y[i] + 0.5) / (pw + 1.0);
                (m / (1.0 - m)).ln()
            }
            Eta::Beta(b) => xi.iter().zip(b).map(|(a, b)| a * b).sum(),
        }
    }

    /// One IRLS pass at `src`: deviance, X'WX (row-major) and X'Wz.
    fn irls_pass(&self, src: Eta) -> (f64, Vec<f64>, Vec<f64>) {
        let p = self.p();
        let weight = self.design.weight();
        let acc = fold_rows(
            self.design.n_rows(),
            || (vec![0.0; 1 + p * p + p], vec![0.0; p]),
            |(a, xi), rows| {
                for i in rows {
                    if !self.domain[i] {
                        continue;
                    }
                    let eta = self.eta(src, i, xi);
                    let mu = linkinv(eta);
                    let pw = weight[i] * self.wscale;
                    let y = self.y[i];
                    a[0] += dev_resid(y, mu, pw);
                    let me = mu_eta(eta);
                    let w2 = pw * me * me / (mu * (1.0 - mu));
                    let z = eta + (y - mu) / me;
                    let (xtwx, xtwz) = a[1..].split_at_mut(p * p);
                    for r in 0..p {
                        let wr = w2 * xi[r];
                        for c in r..p {
                            xtwx[r * p + c] += wr * xi[c];
                        }
                        xtwz[r] += wr * z;
                    }
                }
            },
            |(a, _), (b, _)| add_into(a, &b),
        )
        .0;
        let mut xtwx = acc[1..1 + p * p].to_vec();
        for r in 0..p {
            for c in 0..r {
                xtwx[r * p + c] = xtwx[c * p + r];
            }
        }
        (acc[0], xtwx, acc[1 + p * p..].to_vec())
    }

    /// Whether some fitted probability is within `eps` of 0 or 1, the sign
    /// of complete separation.
    fn separated(&self, beta: &[f64], eps: f64) -> bool {
        fold_rows(
            self.design.n_rows(),
            || (false, vec![0.0; self.p()]),
            |(sep, xi), rows| {
                for i in rows {
                    if self.domain[i] {
                        let mu = linkinv(self.eta(Eta::Beta(beta), i, xi));
                        *sep |= mu > 1.0 - eps || mu < eps;
                    }
                }
            },
            |(a, _), (b, _)| *a |= b,
        )
        .0
    }

    /// Per-stratum sums and sums of products of the score vectors
    /// `x (y - mu) / mu.eta * w2`, with `mu` from `now` and the working
    /// weight `w2` from `before`, as R's `svy.varcoef` combines them.
    fn score_sums(&self, before: Eta, now: &[f64]) -> Vec<f64> {
        let p = self.p();
        let k = 1 + p + p * p;
        let weight = self.design.weight();
        let strata = self.design.stratum();
        fold_rows(
            self.design.n_rows(),
            || (vec![0.0; self.design.n_strata() * k], vec![0.0; p], vec![0.0; p]),
            |(a, xi, u), rows| {
                for i in rows {
                    if !self.domain[i] {
                        continue;
                    }
                    let eta_b = self.eta(before, i, xi);
                    let mu_b = linkinv(eta_b);
                    let me_b = mu_eta(eta_b);
                    let pw = weight[i] * self.wscale;
                    let w2 = pw * me_b * me_b / (mu_b * (1.0 - mu_b));
                    let eta = self.eta(Eta::Beta(now), i, xi);
                    let r = (self.y[i] - linkinv(eta)) / mu_eta(eta) * w2;
                    for j in 0..p {
                        u[j] = xi[j] * r;
                    }
                    let h = strata[i] as usize * k;
                    let a = &mut a[h..h + k];
                    a[0] += 1.0;
                    for j in 0..p {
                        a[1 + j] += u[j];
                        for l in j..p {
                            a[1 + p + j * p + l] += u[j] * u[l];
                        }
                    }
                }
            },
            |(a, _, _), (b, _, _)| add_into(a, &b),
        )
        .0
    }
}

/// Finds the first term whose column is (nearly) a combination of the
/// previous ones, judged on the weighted cross-product matrix.
fn check_collinear(xtwx: &DMatrix<f64>, names: &[String]) -> Result<(), StatsError> {
    for j in 0..xtwx.nrows() {
        let lead = xtwx.view((0, 0), (j + 1, j + 1)).into_owned();
        let ok = lead.cholesky().is_some_and(|ch| {
            let l = ch.l()[(j, j)];
            l * l > COLLINEAR * xtwx[(j, j)]
        });
        if !ok {
            return Err(StatsError::Collinear { term: names[j].clone() });
        }
    }
    Ok(())
}

/// Logistic regression of a 0/1 outcome `y` on `terms` (an intercept is
/// added) among the domain's respondents, with design-based standard errors.
pub fn logistic(design: &Design, domain: &[bool], y: &[f64], terms: &[(&str, &[f64])]) -> Result<Logistic, StatsError> {
    design.check_len("the domain", domain.len())?;
    design.check_len("the outcome", y.len())?;
    for (name, col) in terms {
        design.check_len(&format!("term \"{name}\""), col.len())?;
    }
    let names: Vec<String> = std::iter::once("(Intercept)".to_string()).chain(terms.iter().map(|(n, _)| n.to_string())).collect();
    let p = names.len();

    // Validate, count the domain and total its weights in one pass.
    let weight = design.weight();
    let strata = design.stratum();
    let (counts, sum_w, y_bad, y_example, missing) = fold_rows(
        design.n_rows(),
        || (vec![0.0; design.n_strata()], 0.0, 0usize, f64::NAN, vec![0usize; p]),
        |(cnt, sw, bad, ex, miss), rows| {
            for i in rows {
                if !domain[i] {
                    continue;
                }
                cnt[strata[i] as usize] += 1.0;
                *sw += weight[i];
                let v = y[i];
                if v != 0.0 && v != 1.0 {
                    if v.is_nan() {
                        miss[0] += 1;
                    } else {
                        if *bad == 0 {
                            *ex = v;
                        }
                        *bad += 1;
                    }
                }
                for (j, (_, col)) in terms.iter().enumerate() {
                    if !col[i].is_finite() {
                        miss[j + 1] += 1;
                    }
                }
            }
        },
        |(c, sw, bad, ex, miss), (c2, sw2, bad2, ex2, miss2)| {
            add_into(c, &c2);
            *sw += sw2;
            if *bad == 0 {
                *ex = ex2;
            }
            *bad += bad2;
            for (a, b) in miss.iter_mut().zip(miss2) {
                *a += b;
            }
        },
    );
    let (n, degf) = design.domain_size(|h| counts[h]);
    if n == 0 {
        return Err(StatsError::EmptyDomain);
    }
    if missing[0] > 0 {
        return Err(StatsError::Missing { item: "the outcome".into(), rows: missing[0], n });
    }
    if y_bad > 0 {
        return Err(StatsError::NotBinary { item: "the outcome".into(), rows: y_bad, example: y_example });
    }
    for j in 1..p {
        if missing[j] > 0 {
            return Err(StatsError::Missing { item: format!("term \"{}\"", names[j]), rows: missing[j], n });
        }
    }
    let df_residual = degf + 1.0 - p as f64;
    if !(df_residual > 0.0) {
        return Err(StatsError::TooFewDegrees { degf, what: format!("a logistic regression with {p} coefficients") });
    }

    let data = Data { design, domain, y, x: terms.iter().map(|(_, c)| *c).collect(), wscale: n as f64 / sum_w };

    // IRLS as in glm.fit. Each pass evaluates the deviance of the current
    // coefficients (for the stopping rule) and the next weighted least
    // squares system at the same time.
    let (mut dev_old, xtwx, xtwz) = data.irls_pass(Eta::Start);
    let mut xtwx = DMatrix::from_row_slice(p, p, &xtwx);
    let mut xtwz = DVector::from_vec(xtwz);
    check_collinear(&xtwx, &names)?;
    let mut beta_before: Option<Vec<f64>> = None;
    let mut iterations = 0;
    let (beta, a_matrix) = loop {
        iterations += 1;
        let chol = xtwx.clone().cholesky().ok_or_else(|| StatsError::Collinear { term: names[p - 1].clone() })?;
        let beta: Vec<f64> = chol.solve(&xtwz).iter().copied().collect();
        let (dev, next_xtwx, next_xtwz) = data.irls_pass(Eta::Beta(&beta));
        if !dev.is_finite() {
            return Err(StatsError::NoConvergence { iterations });
        }
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < EPSILON {
            break (beta, xtwx);
        }
        if iterations >= MAX_ITER {
            // Coefficients still running off towards fitted probabilities
            // of 0 or 1 mean complete separation; say so.
            if data.separated(&beta, 1e-8) {
                return Err(StatsError::Separation);
            }
            return Err(StatsError::NoConvergence { iterations });
        }
        dev_old = dev;
        xtwx = DMatrix::from_row_slice(p, p, &next_xtwx);
        xtwz = DVector::from_vec(next_xtwz);
        beta_before = Some(beta);
    };

    // R's threshold for "fitted probabilities numerically 0 or 1".
    if data.separated(&beta, 10.0 * f64::EPSILON) {
        return Err(StatsError::Separation);
    }

    // Sandwich: A^-1 B A^-1, with A from the last weighted least squares
    // system and B the stratified variance of the score vectors.
    let a_inv = a_matrix.cholesky().ok_or_else(|| StatsError::Collinear { term: names[p - 1].clone() })?.inverse();
    let before = beta_before.as_deref().map_or(Eta::Start, Eta::Beta);
    let sums = data.score_sums(before, &beta);
    let k = 1 + p + p * p;
    let b = design.covariance(
        p,
        |h, j| sums[h * k + 1 + j],
        |h, j, l| {
            let (j, l) = if j <= l { (j, l) } else { (l, j) };
            sums[h * k + 1 + p + j * p + l]
        },
    );
    let b = DMatrix::from_row_slice(p, p, &b);
    let cov = &a_inv * b * &a_inv;

    let t_dist = StudentsT::new(0.0, 1.0, df_residual).expect("positive degrees of freedom");
    let coefficients = names
        .into_iter()
        .enumerate()
        .map(|(j, term)| {
            let se = cov[(j, j)].max(0.0).sqrt();
            if !(se > 0.0 && se.is_finite()) {
                return Err(StatsError::NoVariance { what: format!("the coefficient of \"{term}\"") });
            }
            let t = beta[j] / se;
            let p = 2.0 * t_dist.cdf(-t.abs());
            Ok(Coefficient { term, estimate: beta[j], se, t, p })
        })
        .collect::<Result<_, _>>()?;
    Ok(Logistic { coefficients, df_residual, n, iterations })
}
