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
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::StatsError;
use super::design::{CHUNK_ROWS, Design, Values, add_into, find, fold_rows, level_index};

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
    if y == 1.0 {
        2.0 * wt * (1.0 / mu).ln()
    } else {
        2.0 * wt * (1.0 / (1.0 - mu)).ln()
    }
}

/// mu and mu.eta at `eta` with a single `exp` (same arithmetic as R's
/// `linkinv` and `mu.eta` inside the clamping thresholds).
#[inline]
fn link(eta: f64) -> (f64, f64) {
    if eta.abs() > THRESH {
        (linkinv(eta), mu_eta(eta))
    } else {
        let e = eta.exp();
        let opexp = 1.0 + e;
        (e / opexp, e / (opexp * opexp))
    }
}

/// A row's IRLS quantities per unit of (rescaled) weight: deviance,
/// working weight and working response.
#[inline]
fn irls_unit(eta: f64, y: f64) -> (f64, f64, f64) {
    let (mu, me) = link(eta);
    (dev_resid(y, mu, 1.0), me * me / (mu * (1.0 - mu)), eta + (y - mu) / me)
}

/// R's binomial starting value `mu = (w y + 0.5) / (w + 1)` on the link scale.
#[inline]
fn start_eta(pw: f64, y: f64) -> f64 {
    let m = (pw * y + 0.5) / (pw + 1.0);
    (m / (1.0 - m)).ln()
}

/// The sums of one IRLS pass: deviance and the weighted least squares
/// system X'WX b = X'Wz (X'WX row-major, full).
struct Normal {
    dev: f64,
    xtwx: Vec<f64>,
    xtwz: Vec<f64>,
}

impl Normal {
    fn zero(p: usize) -> Normal {
        Normal {
            dev: 0.0,
            xtwx: vec![0.0; p * p],
            xtwz: vec![0.0; p],
        }
    }

    /// Adds `w2 x x'` and `w2 z x` (upper triangle only).
    #[inline]
    fn add(&mut self, x: &[f64], w2: f64, z: f64) {
        let p = x.len();
        for r in 0..p {
            let wr = w2 * x[r];
            let row = &mut self.xtwx[r * p..(r + 1) * p];
            for c in r..p {
                row[c] += wr * x[c];
            }
            self.xtwz[r] += wr * z;
        }
    }

    fn merge(&mut self, o: Normal) {
        self.dev += o.dev;
        add_into(&mut self.xtwx, &o.xtwx);
        add_into(&mut self.xtwz, &o.xtwz);
    }

    /// Mirrors the upper triangle into the lower one.
    fn finish(mut self) -> Normal {
        let p = self.xtwz.len();
        for r in 0..p {
            for c in 0..r {
                self.xtwx[r * p + c] = self.xtwx[c * p + r];
            }
        }
        self
    }
}

/// Adds a score vector `u = x r` (times `mult` rows' worth: `sum_r` is the
/// sum of `r`, `sum_r2` of `r^2`) to a stratum's block of
/// `[count, sum u (p), sum u u' (p * p, upper)]`.
#[inline]
fn add_score(block: &mut [f64], x: &[f64], count: f64, sum_r: f64, sum_r2: f64) {
    let p = x.len();
    block[0] += count;
    for j in 0..p {
        block[1 + j] += x[j] * sum_r;
        let xr = x[j] * sum_r2;
        let row = &mut block[1 + p + j * p..1 + p + (j + 1) * p];
        for l in j..p {
            row[l] += xr * x[l];
        }
    }
}

/// How the IRLS passes see the data.
trait Backend {
    /// The pass at R's starting values.
    fn start(&self) -> Normal;
    /// The pass at coefficients `beta`.
    fn at(&self, beta: &[f64]) -> Normal;
    /// Whether some fitted probability is within `eps` of 0 or 1, the
    /// sign of complete separation.
    fn separated(&self, beta: &[f64], eps: f64) -> bool;
    /// Per-stratum `[count, sum u, sum u u']` of the score vectors
    /// `x (y - mu) / mu.eta * w2`, `mu` at `now` and the working weight `w2`
    /// at `before` (R's starting values when `None`), as R's `svy.varcoef`
    /// combines the last iteration's weights with the final fit.
    fn score_sums(&self, before: Option<&[f64]>, now: &[f64]) -> Vec<f64>;
}

/// Row by row: works for any terms.
struct Rows<'a, Y: ?Sized, X: ?Sized> {
    design: &'a Design,
    domain: &'a [bool],
    y: &'a Y,
    x: Vec<&'a X>,
    /// Multiplier rescaling weights to mean 1 over the domain (R's svyglm).
    wscale: f64,
}

impl<Y: Values + ?Sized, X: Values + ?Sized> Rows<'_, Y, X> {
    fn p(&self) -> usize {
        self.x.len() + 1
    }

    /// Fills `xi` with row `i` of the model matrix.
    #[inline]
    fn row(&self, i: usize, xi: &mut [f64]) {
        xi[0] = 1.0;
        for (v, col) in xi[1..].iter_mut().zip(&self.x) {
            *v = col.at(i);
        }
    }

    fn pass(&self, beta: Option<&[f64]>) -> Normal {
        let p = self.p();
        let weight = self.design.weight();
        fold_rows(
            self.design.n_rows(),
            || (Normal::zero(p), vec![0.0; p]),
            |(acc, xi), rows| {
                for i in rows {
                    if !self.domain[i] {
                        continue;
                    }
                    self.row(i, xi);
                    let pw = weight[i] * self.wscale;
                    let y = self.y.at(i);
                    let eta = match beta {
                        None => start_eta(pw, y),
                        Some(b) => dot(xi, b),
                    };
                    let (dev, w2, z) = irls_unit(eta, y);
                    acc.dev += pw * dev;
                    acc.add(xi, pw * w2, z);
                }
            },
            |(a, _), (b, _)| a.merge(b),
        )
        .0
        .finish()
    }
}

#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

impl<Y: Values + ?Sized, X: Values + ?Sized> Backend for Rows<'_, Y, X> {
    fn start(&self) -> Normal {
        self.pass(None)
    }

    fn at(&self, beta: &[f64]) -> Normal {
        self.pass(Some(beta))
    }

    fn separated(&self, beta: &[f64], eps: f64) -> bool {
        fold_rows(
            self.design.n_rows(),
            || (false, vec![0.0; self.p()]),
            |(sep, xi), rows| {
                for i in rows {
                    if self.domain[i] {
                        self.row(i, xi);
                        let mu = linkinv(dot(xi, beta));
                        *sep |= mu > 1.0 - eps || mu < eps;
                    }
                }
            },
            |(a, _), (b, _)| *a |= b,
        )
        .0
    }

    fn score_sums(&self, before: Option<&[f64]>, now: &[f64]) -> Vec<f64> {
        let p = self.p();
        let k = 1 + p + p * p;
        let weight = self.design.weight();
        let strata = self.design.stratum();
        fold_rows(
            self.design.n_rows(),
            || (vec![0.0; self.design.n_strata() * k], vec![0.0; p]),
            |(a, xi), rows| {
                for i in rows {
                    if !self.domain[i] {
                        continue;
                    }
                    self.row(i, xi);
                    let pw = weight[i] * self.wscale;
                    let y = self.y.at(i);
                    let eta_b = match before {
                        None => start_eta(pw, y),
                        Some(b) => dot(xi, b),
                    };
                    let (mu_b, me_b) = link(eta_b);
                    let w2 = pw * me_b * me_b / (mu_b * (1.0 - mu_b));
                    let (mu, me) = link(dot(xi, now));
                    let r = (y - mu) / me * w2;
                    let h = strata[i] as usize * k;
                    add_score(&mut a[h..h + k], xi, 1.0, r, r * r);
                }
            },
            |(a, _), (b, _)| add_into(a, &b),
        )
        .0
    }
}

/// A row's deviance, working weight and working response at R's start.
type Unit = (f64, f64, f64);

/// Most distinct values a term may take for the grouped backend.
const MAX_TERM_LEVELS: usize = 16;
/// Most level combinations of the terms the grouped backend considers.
const MAX_COMBINATIONS: usize = 1 << 16;
/// Most (stratum, covariate pattern, outcome) cells of the grouped backend.
const MAX_CELLS: usize = 1 << 16;

/// Rows collapsed into (stratum, covariate pattern, outcome) cells, for
/// terms with few distinct values (dummies, codes). Rows of a pattern share
/// the linear predictor, and every IRLS quantity is linear in the weight,
/// so after one pass over the rows the iterations need only the cells'
/// sums of weights and squared weights. R's start values depend on each
/// row's own weight, so that pass is made row by row while the cells fill.
struct Grouped<'a, Y: ?Sized, X: ?Sized> {
    rows: &'a Rows<'a, Y, X>,
    p: usize,
    n_pat: usize,
    n_strata: usize,
    /// Model matrix row of each pattern, row-major.
    x: Vec<f64>,
    /// Per cell `(h * n_pat + pattern) * 2 + y`: sum of w, sum of w^2.
    cells: Vec<f64>,
    /// Per pattern and outcome: sum of w.
    pw_py: Vec<f64>,
    start: Normal,
}

/// The covariate patterns of a domain: each row's level combination and
/// the model-matrix row of each combination that occurs. They depend on
/// the terms only, so several outcomes share them.
struct Patterns {
    /// Each row's combination (mixed radix over the terms' levels).
    keys: Vec<u32>,
    /// Dense pattern number of each combination (`u32::MAX`: does not occur).
    pattern_of: Vec<u32>,
    n_pat: usize,
    /// Model matrix row of each pattern, row-major.
    x: Vec<f64>,
}

impl Patterns {
    /// The patterns if the terms have few enough levels, else `None`. Only
    /// the level combinations that occur in the domain become patterns
    /// (dummies of one factor never occur together), so a factor with many
    /// levels does not multiply the cells.
    fn build<X: Values + ?Sized>(design: &Design, domain: &[bool], terms: &[&X], levels: &[Vec<f64>]) -> Option<Patterns> {
        let p = terms.len() + 1;
        let mut stride = Vec::with_capacity(levels.len());
        let mut n_full = 1usize;
        for l in levels {
            stride.push(n_full);
            n_full = n_full.checked_mul(l.len())?;
        }
        if n_full > MAX_COMBINATIONS {
            return None;
        }
        // Each row's level combination, computed term by term over a chunk
        // of rows (a tight loop per column) rather than row by row.
        let mut keys = vec![0u32; design.n_rows()];
        keys.par_chunks_mut(CHUNK_ROWS).enumerate().for_each(|(c, out)| {
            let start = c * CHUNK_ROWS;
            for ((col, l), &s) in terms.iter().zip(levels).zip(&stride) {
                for (k, o) in out.iter_mut().enumerate() {
                    *o += (level_index(l, col.at(start + k)) * s) as u32;
                }
            }
        });
        let (seen, _) = fold_rows(
            design.n_rows(),
            || (vec![false; n_full], ()),
            |(seen, _), range| {
                for i in range {
                    if domain[i] {
                        seen[keys[i] as usize] = true;
                    }
                }
            },
            |(a, _), (b, _)| a.iter_mut().zip(b).for_each(|(x, y)| *x |= y),
        );
        let observed: Vec<usize> = (0..n_full).filter(|&k| seen[k]).collect();
        let mut pattern_of = vec![u32::MAX; n_full];
        for (pat, &k) in observed.iter().enumerate() {
            pattern_of[k] = pat as u32;
        }
        let n_pat = observed.len();
        if n_pat.checked_mul(design.n_strata() * 2)? > MAX_CELLS {
            return None;
        }
        let mut x = vec![0.0; n_pat * p];
        for (pat, &k) in observed.iter().enumerate() {
            x[pat * p] = 1.0;
            for (j, l) in levels.iter().enumerate() {
                x[pat * p + 1 + j] = l[(k / stride[j]) % l.len()];
            }
        }
        Some(Patterns { keys, pattern_of, n_pat, x })
    }
}

impl<'a, Y: Values + ?Sized, X: Values + ?Sized> Grouped<'a, Y, X> {
    /// Fills the (stratum, pattern, outcome) cells of an outcome.
    fn build(rows: &'a Rows<'a, Y, X>, patterns: &Patterns) -> Grouped<'a, Y, X> {
        let p = rows.p();
        let n_strata = rows.design.n_strata();
        let (n_pat, x) = (patterns.n_pat, patterns.x.clone());
        let n_cells = n_strata * n_pat * 2;
        let acc = cell_sums(rows, patterns);
        let start = start_system(&acc[n_cells * 2..], &x, p, n_pat);
        let cells = acc[..n_cells * 2].to_vec();
        let mut pw_py = vec![0.0; n_pat * 2];
        for h in 0..n_strata {
            for (j, v) in pw_py.iter_mut().enumerate() {
                *v += cells[(h * n_pat * 2 + j) * 2];
            }
        }
        Grouped {
            rows,
            p,
            n_pat,
            n_strata,
            x,
            cells,
            pw_py,
            start,
        }
    }

    fn xp(&self, pat: usize) -> &[f64] {
        &self.x[pat * self.p..(pat + 1) * self.p]
    }
}

/// One pass over an outcome's rows: per cell (2 each) sum w and sum w^2,
/// then per pattern R's starting deviance, sum w2 and sum w2 z.
fn cell_sums<Y: Values + ?Sized, X: Values + ?Sized>(rows: &Rows<'_, Y, X>, patterns: &Patterns) -> Vec<f64> {
    let n_pat = patterns.n_pat;
    let (keys, pattern_of) = (&patterns.keys, &patterns.pattern_of);
    let key = |i: usize| keys[i] as usize;
    let n_cells = rows.design.n_strata() * n_pat * 2;
    let weight = rows.design.weight();
    let strata = rows.design.stratum();
    let (acc, _) = fold_rows(
        rows.design.n_rows(),
        || (vec![0.0; n_cells * 2 + n_pat * 3], ()),
        |(a, _), range| {
            // R's start depends on the row's weight and outcome only; rows
            // repeat both (weights are shared within strata), so the last
            // result is reused rather than recomputed (the same numbers).
            let mut last: Option<((f64, f64), Unit)> = None;
            for i in range {
                if !rows.domain[i] {
                    continue;
                }
                let pat = pattern_of[key(i)] as usize;
                let pw = weight[i] * rows.wscale;
                let y = rows.y.at(i);
                let cell = ((strata[i] as usize * n_pat + pat) * 2 + y as usize) * 2;
                a[cell] += pw;
                a[cell + 1] += pw * pw;
                let (dev, w2, z) = match last {
                    Some((k, unit)) if k == (pw, y) => unit,
                    _ => {
                        let unit = irls_unit(start_eta(pw, y), y);
                        last = Some(((pw, y), unit));
                        unit
                    }
                };
                let s = n_cells * 2 + pat * 3;
                a[s] += pw * dev;
                a[s + 1] += pw * w2;
                a[s + 2] += pw * w2 * z;
            }
        },
        |(a, _), (b, _)| add_into(a, &b),
    );
    acc
}

/// The IRLS system at R's starting values from the patterns' sums
/// (`per_pattern`: deviance, sum w2, sum w2 z of each pattern).
fn start_system(per_pattern: &[f64], x: &[f64], p: usize, n_pat: usize) -> Normal {
    let mut start = Normal::zero(p);
    for pat in 0..n_pat {
        let s = &per_pattern[pat * 3..pat * 3 + 3];
        if s[1] > 0.0 {
            start.dev += s[0];
            // add w2 x x' and (sum w2 z) x: z = (sum w2 z) / (sum w2)
            let xp = &x[pat * p..(pat + 1) * p];
            for r in 0..p {
                for c in r..p {
                    start.xtwx[r * p + c] += s[1] * xp[r] * xp[c];
                }
                start.xtwz[r] += s[2] * xp[r];
            }
        }
    }
    start.finish()
}

impl<Y: Values + ?Sized, X: Values + ?Sized> Backend for Grouped<'_, Y, X> {
    fn start(&self) -> Normal {
        Normal {
            dev: self.start.dev,
            xtwx: self.start.xtwx.clone(),
            xtwz: self.start.xtwz.clone(),
        }
    }

    fn at(&self, beta: &[f64]) -> Normal {
        let mut acc = Normal::zero(self.p);
        for pat in 0..self.n_pat {
            let xp = self.xp(pat);
            let eta = dot(xp, beta);
            for y in [0usize, 1] {
                let sw = self.pw_py[pat * 2 + y];
                if sw > 0.0 {
                    let (dev, w2, z) = irls_unit(eta, y as f64);
                    acc.dev += sw * dev;
                    acc.add(xp, sw * w2, z);
                }
            }
        }
        acc.finish()
    }

    fn separated(&self, beta: &[f64], eps: f64) -> bool {
        (0..self.n_pat).any(|pat| {
            let mu = linkinv(dot(self.xp(pat), beta));
            self.pw_py[pat * 2] + self.pw_py[pat * 2 + 1] > 0.0 && (mu > 1.0 - eps || mu < eps)
        })
    }

    fn score_sums(&self, before: Option<&[f64]>, now: &[f64]) -> Vec<f64> {
        // The working weights at R's start differ row by row.
        let Some(before) = before else {
            return self.rows.score_sums(None, now);
        };
        let p = self.p;
        let k = 1 + p + p * p;
        let mut out = vec![0.0; self.n_strata * k];
        for pat in 0..self.n_pat {
            let xp = self.xp(pat);
            let (mu_b, me_b) = link(dot(xp, before));
            let w2 = me_b * me_b / (mu_b * (1.0 - mu_b));
            let (mu, me) = link(dot(xp, now));
            for y in [0usize, 1] {
                // the score of a row is x * r * its weight
                let r = (y as f64 - mu) / me * w2;
                for h in 0..self.n_strata {
                    let c = ((h * self.n_pat + pat) * 2 + y) * 2;
                    let (sw, sw2) = (self.cells[c], self.cells[c + 1]);
                    if sw > 0.0 {
                        add_score(&mut out[h * k..(h + 1) * k], xp, 0.0, r * sw, r * r * sw2);
                    }
                }
            }
        }
        out
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

/// What the terms' validation pass learns: domain counts per stratum,
/// total weight, each term's missing values and distinct values (up to
/// `MAX_TERM_LEVELS`; `None` once exceeded).
struct Scan {
    counts: Vec<f64>,
    sum_w: f64,
    /// Missing counts of the terms, in order.
    missing: Vec<usize>,
    levels: Vec<Option<Vec<f64>>>,
}

/// Rows of the domain whose outcome is missing, and those neither 0 nor 1
/// (with an example): the outcome's part of the validation pass.
fn scan_outcome<Y: Values + ?Sized>(design: &Design, domain: &[bool], y: &Y) -> (usize, usize, f64) {
    fold_rows(
        design.n_rows(),
        || (0usize, 0usize, f64::NAN),
        |(missing, bad, example), rows| {
            for i in rows {
                let v = y.at(i);
                if domain[i] && v != 0.0 && v != 1.0 {
                    if v.is_nan() {
                        *missing += 1;
                    } else {
                        if *bad == 0 {
                            *example = v;
                        }
                        *bad += 1;
                    }
                }
            }
        },
        |a, b| {
            a.0 += b.0;
            if a.1 == 0 {
                a.2 = b.2;
            }
            a.1 += b.1;
        },
    )
}

/// The terms' validation pass over the domain (see [`Scan`]).
fn scan_terms<X: Values + ?Sized>(design: &Design, domain: &[bool], terms: &[(&str, &X)]) -> Scan {
    let weight = design.weight();
    let strata = design.stratum();
    fold_rows(
        design.n_rows(),
        || Scan {
            counts: vec![0.0; design.n_strata()],
            sum_w: 0.0,
            missing: vec![0; terms.len()],
            levels: vec![Some(Vec::new()); terms.len()],
        },
        |s, rows| {
            for i in rows.clone() {
                if !domain[i] {
                    continue;
                }
                s.counts[strata[i] as usize] += 1.0;
                s.sum_w += weight[i];
            }
            for (j, (_, col)) in terms.iter().enumerate() {
                s.add_term(j, *col, domain, rows.clone());
            }
        },
        Scan::merge,
    )
}

impl Scan {
    /// Term `j`'s missing values and levels over some rows: a column's
    /// values repeat, so most rows are the level just seen.
    fn add_term<X: Values + ?Sized>(&mut self, j: usize, col: &X, domain: &[bool], rows: std::ops::Range<usize>) {
        let mut last = f64::NAN;
        for i in rows {
            if !domain[i] {
                continue;
            }
            let v = col.at(i);
            if v == last {
                continue;
            }
            if !v.is_finite() {
                self.missing[j] += 1;
                continue;
            }
            last = v;
            if let Some(l) = &mut self.levels[j]
                && find(l, v).is_none()
            {
                if l.len() == MAX_TERM_LEVELS {
                    self.levels[j] = None;
                } else {
                    l.push(v);
                }
            }
        }
    }

    /// Adds another chunk's scan; levels past `MAX_TERM_LEVELS` give up.
    fn merge(&mut self, b: Scan) {
        add_into(&mut self.counts, &b.counts);
        self.sum_w += b.sum_w;
        for (x, m) in self.missing.iter_mut().zip(b.missing) {
            *x += m;
        }
        for (la, lb) in self.levels.iter_mut().zip(b.levels) {
            *la = match (la.take(), lb) {
                (Some(mut x), Some(y)) => {
                    for v in y {
                        if !x.contains(&v) {
                            x.push(v);
                        }
                    }
                    (x.len() <= MAX_TERM_LEVELS).then_some(x)
                }
                _ => None,
            };
        }
    }
}

/// Logistic regression of a 0/1 outcome `y` on `terms` (an intercept is
/// added) among the domain's respondents, with design-based standard errors.
pub fn logistic<Y: Values + ?Sized, X: Values + ?Sized>(design: &Design, domain: &[bool], y: &Y, terms: &[(&str, &X)]) -> Result<Logistic, StatsError> {
    fit(design, domain, y, terms, true)
}

/// The same model for several outcomes (a figure's series): the terms'
/// levels and covariate patterns are found once, then each outcome is
/// fitted, side by side. Each result is exactly `logistic` of that outcome.
pub fn logistic_each<Y: Values + ?Sized, X: Values + ?Sized>(
    design: &Design,
    domain: &[bool],
    ys: &[&Y],
    terms: &[(&str, &X)],
) -> Result<Vec<Logistic>, StatsError> {
    let prepared = prepare(design, domain, terms, true)?;
    ys.par_iter().map(|y| fit_prepared(&prepared, *y)).collect()
}

/// The fit; `allow_grouped = false` forces the row-by-row backend (tests
/// check that both agree).
pub(crate) fn fit<Y: Values + ?Sized, X: Values + ?Sized>(
    design: &Design,
    domain: &[bool],
    y: &Y,
    terms: &[(&str, &X)],
    allow_grouped: bool,
) -> Result<Logistic, StatsError> {
    fit_prepared(&prepare(design, domain, terms, allow_grouped)?, y)
}

/// What a fit needs from the domain and the terms, whatever the outcome.
struct Prepared<'a, X: ?Sized> {
    design: &'a Design,
    domain: &'a [bool],
    terms: Vec<&'a X>,
    names: Vec<String>,
    scan: Scan,
    /// The covariate patterns, when the terms allow the grouped backend.
    patterns: Option<Patterns>,
}

fn prepare<'a, X: Values + ?Sized>(design: &'a Design, domain: &'a [bool], terms: &[(&str, &'a X)], allow_grouped: bool) -> Result<Prepared<'a, X>, StatsError> {
    design.check_len("the domain", domain.len())?;
    for (name, col) in terms {
        design.check_len(&format!("term \"{name}\""), col.rows())?;
    }
    let names: Vec<String> = std::iter::once("(Intercept)".to_string())
        .chain(terms.iter().map(|(n, _)| n.to_string()))
        .collect();
    let scan = scan_terms(design, domain, terms);
    let columns: Vec<&X> = terms.iter().map(|(_, c)| *c).collect();
    let usable = scan.counts.iter().any(|&c| c > 0.0) && scan.missing.iter().all(|&m| m == 0);
    let levels: Option<Vec<Vec<f64>>> = scan
        .levels
        .iter()
        .map(|l| {
            l.clone().map(|mut l| {
                l.sort_by(f64::total_cmp);
                l
            })
        })
        .collect();
    let patterns = match levels {
        Some(levels) if allow_grouped && usable => Patterns::build(design, domain, &columns, &levels),
        _ => None,
    };
    Ok(Prepared { design, domain, terms: columns, names, scan, patterns })
}

/// One outcome's fit on prepared terms: checks, IRLS, sandwich variance.
fn fit_prepared<Y: Values + ?Sized, X: Values + ?Sized>(prepared: &Prepared<'_, X>, y: &Y) -> Result<Logistic, StatsError> {
    let Prepared { design, domain, names, scan: s, .. } = prepared;
    let (design, domain) = (*design, *domain);
    design.check_len("the outcome", y.rows())?;
    let (n, df_residual) = check_inputs(prepared, y)?;
    let rows = Rows {
        design,
        domain,
        y,
        x: prepared.terms.clone(),
        wscale: n as f64 / s.sum_w,
    };
    let grouped = prepared.patterns.as_ref().map(|pt| Grouped::build(&rows, pt));
    let backend: &dyn Backend = match &grouped {
        Some(g) => g,
        None => &rows,
    };
    let fit = irls(backend, names)?;
    let cov = sandwich(design, backend, &fit, names)?;
    Ok(Logistic {
        coefficients: coefficient_table(names, &fit.beta, &cov, df_residual)?,
        df_residual,
        n,
        iterations: fit.iterations,
    })
}

/// The domain's size and the residual degrees of freedom, once the domain
/// is known to be non-empty, the outcome 0/1 and the terms complete.
fn check_inputs<Y: Values + ?Sized, X: Values + ?Sized>(prepared: &Prepared<'_, X>, y: &Y) -> Result<(usize, f64), StatsError> {
    let Prepared { design, domain, names, scan: s, .. } = prepared;
    let p = names.len();
    let (n, degf) = design.domain_size(|h| s.counts[h]);
    if n == 0 {
        return Err(StatsError::EmptyDomain);
    }
    let (y_missing, y_bad, y_example) = scan_outcome(design, domain, y);
    if y_missing > 0 {
        return Err(StatsError::Missing {
            item: "the outcome".into(),
            rows: y_missing,
            n,
        });
    }
    if y_bad > 0 {
        return Err(StatsError::NotBinary {
            item: "the outcome".into(),
            rows: y_bad,
            example: y_example,
        });
    }
    for (name, &rows) in names.iter().skip(1).zip(&s.missing) {
        if rows > 0 {
            return Err(StatsError::Missing {
                item: format!("term \"{name}\""),
                rows,
                n,
            });
        }
    }
    let df_residual = degf + 1.0 - p as f64;
    if df_residual <= 0.0 {
        return Err(StatsError::TooFewDegrees {
            degf,
            what: format!("a logistic regression with {p} coefficients"),
        });
    }
    Ok((n, df_residual))
}

/// The converged IRLS fit and what the sandwich variance needs of it.
struct Irls {
    beta: Vec<f64>,
    /// The coefficients of the iteration before (None: R's starting values).
    beta_before: Option<Vec<f64>>,
    /// X'WX of the last weighted least squares system.
    a_matrix: DMatrix<f64>,
    iterations: usize,
}

/// IRLS as in glm.fit. Each pass evaluates the deviance of the current
/// coefficients (for the stopping rule) and the next weighted least
/// squares system at the same time.
fn irls(backend: &dyn Backend, names: &[String]) -> Result<Irls, StatsError> {
    let p = names.len();
    let start = backend.start();
    let mut dev_old = start.dev;
    let mut xtwx = DMatrix::from_row_slice(p, p, &start.xtwx);
    let mut xtwz = DVector::from_vec(start.xtwz);
    check_collinear(&xtwx, names)?;
    let mut beta_before: Option<Vec<f64>> = None;
    let mut iterations = 0;
    let (beta, a_matrix) = loop {
        iterations += 1;
        let chol = xtwx.clone().cholesky().ok_or_else(|| StatsError::Collinear {
            term: names[p - 1].clone(),
        })?;
        let beta: Vec<f64> = chol.solve(&xtwz).iter().copied().collect();
        let next = backend.at(&beta);
        if !next.dev.is_finite() {
            return Err(StatsError::NoConvergence { iterations });
        }
        if (next.dev - dev_old).abs() / (next.dev.abs() + 0.1) < EPSILON {
            break (beta, xtwx);
        }
        if iterations >= MAX_ITER {
            // Coefficients still running off towards fitted probabilities
            // of 0 or 1 mean complete separation; say so.
            if backend.separated(&beta, 1e-8) {
                return Err(StatsError::Separation);
            }
            return Err(StatsError::NoConvergence { iterations });
        }
        dev_old = next.dev;
        xtwx = DMatrix::from_row_slice(p, p, &next.xtwx);
        xtwz = DVector::from_vec(next.xtwz);
        beta_before = Some(beta);
    };
    // R's threshold for "fitted probabilities numerically 0 or 1".
    if backend.separated(&beta, 10.0 * f64::EPSILON) {
        return Err(StatsError::Separation);
    }
    Ok(Irls { beta, beta_before, a_matrix, iterations })
}

/// Sandwich: A^-1 B A^-1, with A from the last weighted least squares
/// system and B the stratified variance of the score vectors.
fn sandwich(design: &Design, backend: &dyn Backend, fit: &Irls, names: &[String]) -> Result<DMatrix<f64>, StatsError> {
    let p = names.len();
    let a_inv = fit
        .a_matrix
        .clone()
        .cholesky()
        .ok_or_else(|| StatsError::Collinear {
            term: names[p - 1].clone(),
        })?
        .inverse();
    let sums = backend.score_sums(fit.beta_before.as_deref(), &fit.beta);
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
    Ok(&a_inv * b * &a_inv)
}

/// The coefficient table: estimates, standard errors, t and two-sided p on
/// `df_residual`; a coefficient without variance is an error.
fn coefficient_table(names: &[String], beta: &[f64], cov: &DMatrix<f64>, df_residual: f64) -> Result<Vec<Coefficient>, StatsError> {
    let t_dist = StudentsT::new(0.0, 1.0, df_residual).expect("positive degrees of freedom");
    names
        .iter()
        .enumerate()
        .map(|(j, term)| {
            let se = cov[(j, j)].max(0.0).sqrt();
            if !(se > 0.0 && se.is_finite()) {
                return Err(StatsError::NoVariance {
                    what: format!("the coefficient of \"{term}\""),
                });
            }
            let t = beta[j] / se;
            let p = 2.0 * t_dist.cdf(-t.abs());
            Ok(Coefficient {
                term: term.clone(),
                estimate: beta[j],
                se,
                t,
                p,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_factor_groups_into_the_patterns_that_occur() {
        // 16 dummies of a 17-level factor: 65.536 combinations, 17 occur.
        let n = 68;
        let strata: Vec<&str> = (0..n).map(|i| if i % 2 == 0 { "a" } else { "b" }).collect();
        let design = Design::new(&strata, &vec![100.0; n], &vec![2.0; n]).unwrap();
        let domain = vec![true; n];
        let y: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
        let columns: Vec<Vec<f64>> = (1..17).map(|l| (0..n).map(|i| f64::from(u8::from(i % 17 == l))).collect()).collect();
        let rows = Rows { design: &design, domain: &domain, y: &y, x: columns.iter().map(|c| c.as_slice()).collect(), wscale: 1.0 };
        let columns: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
        let patterns = Patterns::build(&design, &domain, &columns, &vec![vec![0.0, 1.0]; 16]).expect("grouped");
        let g = Grouped::build(&rows, &patterns);
        assert_eq!((g.n_pat, g.n_strata, g.p), (17, 2, 17));
        // pattern 0 is the reference level (all dummies 0), then one dummy each
        assert_eq!(g.xp(0), &[1.0; 1].iter().chain(&[0.0; 16]).copied().collect::<Vec<_>>()[..]);
        assert_eq!(g.xp(1)[1], 1.0);
        let w: f64 = g.pw_py.iter().sum();
        assert_eq!(w, 2.0 * n as f64);
    }
}
