//! Rao-Scott tests of association between two items in a domain, as R's
//! `svychisq` (statistics "F", second order, and "Chisq", first order).

use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor};

use super::StatsError;
use super::design::{Design, Keyed, Values, add_into, fold_rows};

/// Most distinct values either item of a table may take.
const MAX_LEVELS: usize = 100;

/// A Rao-Scott test of association for an r x c table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaoScott {
    /// Second-order corrected F statistic (the one that decides
    /// significance), on `ndf` and `ddf` degrees of freedom.
    pub f: f64,
    pub ndf: f64,
    pub ddf: f64,
    pub p_f: f64,
    /// Pearson's X^2 of the weighted table rescaled to the domain's size:
    /// what R's `svychisq(statistic = "Chisq")` prints as its statistic,
    /// although its p-value is that of `chisq_adjusted`.
    pub chisq: f64,
    /// First-order (Rao-Scott) corrected chi-square, X^2 / mean(diag(Delta)).
    pub chisq_adjusted: f64,
    /// (r-1)(c-1).
    pub df: f64,
    /// Upper tail of `chisq_adjusted` against chi-square on `df`.
    pub p_chisq: f64,
}

/// Tests association between `row` and `col` among the domain's respondents.
///
/// Levels are the distinct values each item takes in the domain. When an
/// item takes a single value there is nothing to test, and when the
/// design-effect matrix is singular or zero (e.g. every domain row sits in
/// a fully enumerated stratum) the test is undefined: both are errors
/// rather than a made-up p-value, so callers can say "no test possible".
pub fn rao_scott<R: Values + ?Sized, C: Values + ?Sized>(design: &Design, domain: &[bool], row: &R, col: &C) -> Result<RaoScott, StatsError> {
    design.check_len("the domain", domain.len())?;
    design.check_len("the row item", row.rows())?;
    design.check_len("the column item", col.rows())?;
    let seen = domain_cells(design, domain, row, col);
    seen.check()?;
    let (rows, cols) = table_levels(&seen.cells)?;
    let table = Table::new(design.n_strata(), &seen, &rows, &cols);
    let (n_dom, nu) = design.domain_size(|h| table.at(h, 0));
    let n = n_dom as f64;
    let (w, p) = table.shares(design);
    let v = table.share_covariance(design, w, &p);
    let x2 = pearson(&p, n, table.r, table.c);
    let cmat = interaction_contrasts(table.r, table.c);
    let delta = design_effects(&cmat, &p, &v, n)?;
    corrected(x2, &delta, nu, table.r, table.c)
}

/// What one pass over the domain's rows collects.
struct Seen {
    /// Per stratum: count, sum w, sum w^2 of the domain's complete rows.
    common: Vec<f64>,
    /// Per observed (row, column) cell: per stratum sum w and sum w^2.
    cells: Keyed<(f64, f64)>,
    /// Domain rows missing the row item, the column item.
    missing: [usize; 2],
    domain_rows: usize,
}

impl Seen {
    /// An empty domain or a missing answer leaves no table to test.
    fn check(&self) -> Result<(), StatsError> {
        if self.domain_rows == 0 {
            return Err(StatsError::EmptyDomain);
        }
        for (item, rows) in ["the row item", "the column item"].into_iter().zip(self.missing) {
            if rows > 0 {
                return Err(StatsError::Missing {
                    item: item.into(),
                    rows,
                    n: self.domain_rows,
                });
            }
        }
        Ok(())
    }
}

/// One pass: the per-stratum sums of the domain and of each observed cell,
/// so levels need no pass of their own.
fn domain_cells<R: Values + ?Sized, C: Values + ?Sized>(design: &Design, domain: &[bool], row: &R, col: &C) -> Seen {
    let n_strata = design.n_strata();
    let strata = design.stratum();
    let weight = design.weight();
    let (common, cells, missing, domain_rows) = fold_rows(
        design.n_rows(),
        || {
            (
                vec![0.0; n_strata * 3],
                Keyed::<(f64, f64)>::new(n_strata * 2, MAX_LEVELS * MAX_LEVELS),
                [0usize; 2],
                0usize,
            )
        },
        |(common, cells, missing, dn), range| {
            for i in range {
                if !domain[i] {
                    continue;
                }
                *dn += 1;
                let (a, b) = (row.at(i), col.at(i));
                if a.is_nan() || b.is_nan() {
                    missing[0] += usize::from(a.is_nan());
                    missing[1] += usize::from(b.is_nan());
                    continue;
                }
                let w = weight[i];
                let h = strata[i] as usize;
                common[3 * h] += 1.0;
                common[3 * h + 1] += w;
                common[3 * h + 2] += w * w;
                if let Some(cell) = cells.block((a, b)) {
                    cell[2 * h] += w;
                    cell[2 * h + 1] += w * w;
                }
            }
        },
        |(c, cells, m, dn), (c2, cells2, m2, dn2)| {
            add_into(c, &c2);
            cells.merge(cells2);
            m[0] += m2[0];
            m[1] += m2[1];
            *dn += dn2;
        },
    );
    Seen { common, cells, missing, domain_rows }
}

/// The sorted levels of the row and the column item: a test needs two to
/// `MAX_LEVELS` of each.
fn table_levels(cells: &Keyed<(f64, f64)>) -> Result<(Vec<f64>, Vec<f64>), StatsError> {
    let levels_of = |pick: fn(&(f64, f64)) -> f64| {
        let mut l: Vec<f64> = Vec::new();
        for key in &cells.keys {
            if !l.contains(&pick(key)) {
                l.push(pick(key));
            }
        }
        l.sort_by(f64::total_cmp);
        l
    };
    let rows = levels_of(|k| k.0);
    let cols = levels_of(|k| k.1);
    for (item, levels) in [("the row item", &rows), ("the column item", &cols)] {
        if cells.overflow || levels.len() > MAX_LEVELS {
            return Err(StatsError::TooManyLevels {
                item: item.into(),
                max: MAX_LEVELS,
            });
        }
        if levels.len() < 2 {
            return Err(StatsError::ConstantItem { item: item.into() });
        }
    }
    Ok((rows, cols))
}

/// The r x c table's per-stratum sums in one flat layout: count, sum w,
/// sum w^2, then per cell sum w and sum w^2, cells in R's order (the row
/// level varying fastest).
struct Table {
    r: usize,
    c: usize,
    /// Sums per stratum.
    k: usize,
    sums: Vec<f64>,
}

impl Table {
    /// Lays the domain's and the observed cells' sums out in R's cell order
    /// (unobserved cells stay zero).
    fn new(n_strata: usize, seen: &Seen, rows: &[f64], cols: &[f64]) -> Table {
        let (r, c) = (rows.len(), cols.len());
        let k = 3 + 2 * r * c;
        let mut sums = vec![0.0; n_strata * k];
        for h in 0..n_strata {
            sums[h * k..h * k + 3].copy_from_slice(&seen.common[3 * h..3 * h + 3]);
        }
        for (j, &b) in cols.iter().enumerate() {
            for (i, &a) in rows.iter().enumerate() {
                if let Some(cell) = seen.cells.get((a, b)) {
                    let at = 3 + 2 * (i + r * j);
                    for h in 0..n_strata {
                        sums[h * k + at] = cell[2 * h];
                        sums[h * k + at + 1] = cell[2 * h + 1];
                    }
                }
            }
        }
        Table { r, c, k, sums }
    }

    fn at(&self, h: usize, j: usize) -> f64 {
        self.sums[h * self.k + j]
    }

    fn cells(&self) -> usize {
        self.r * self.c
    }

    /// The domain's total weight and the weighted share of each cell.
    fn shares(&self, design: &Design) -> (f64, Vec<f64>) {
        let w: f64 = (0..design.n_strata()).map(|h| self.at(h, 1)).sum();
        let p = (0..self.cells())
            .map(|j| (0..design.n_strata()).map(|h| self.at(h, 3 + 2 * j)).sum::<f64>() / w)
            .collect();
        (w, p)
    }

    /// Covariance of the cell shares: the score of cell j is
    /// w d (m_j - p_j) / W, and cells are mutually exclusive.
    fn share_covariance(&self, design: &Design, w: f64, p: &[f64]) -> DMatrix<f64> {
        let cells = self.cells();
        let v = design.covariance(
            cells,
            |h, j| (self.at(h, 3 + 2 * j) - p[j] * self.at(h, 1)) / w,
            |h, a, b| {
                let own = if a == b { self.at(h, 4 + 2 * a) } else { 0.0 };
                (own - p[a] * self.at(h, 4 + 2 * b) - p[b] * self.at(h, 4 + 2 * a) + p[a] * p[b] * self.at(h, 2)) / (w * w)
            },
        );
        DMatrix::from_row_slice(cells, cells, &v)
    }
}

/// Pearson's X^2 on the weighted table rescaled to the domain's size `n`.
fn pearson(p: &[f64], n: f64, r: usize, c: usize) -> f64 {
    let obs: Vec<f64> = p.iter().map(|pj| pj * n).collect();
    let row_sum: Vec<f64> = (0..r).map(|i| (0..c).map(|j| obs[i + r * j]).sum()).collect();
    let col_sum: Vec<f64> = (0..c).map(|j| (0..r).map(|i| obs[i + r * j]).sum()).collect();
    let total: f64 = obs.iter().sum();
    let mut x2 = 0.0;
    for j in 0..c {
        for i in 0..r {
            let e = row_sum[i] * col_sum[j] / total;
            let d = obs[i + r * j] - e;
            x2 += d * d / e;
        }
    }
    x2
}

/// Contrasts for the interaction: the saturated model's interaction
/// columns made orthogonal to the main-effects model (QR residuals).
fn interaction_contrasts(r: usize, c: usize) -> DMatrix<f64> {
    let cells = r * c;
    let n_main = r + c - 1;
    let x1 = DMatrix::from_fn(cells, n_main, |cell, m| {
        let (i, j) = (cell % r, cell / r);
        match m {
            0 => 1.0,
            m if m < r => f64::from(i == m),
            m => f64::from(j == m - r + 1),
        }
    });
    let inter = DMatrix::from_fn(cells, (r - 1) * (c - 1), |cell, m| {
        let (i, j) = (cell % r, cell / r);
        f64::from(i == 1 + m % (r - 1) && j == 1 + m / (r - 1))
    });
    let q = x1.qr().q();
    &inter - &q * (q.transpose() * &inter)
}

/// The design-effect matrix Delta of the contrasts, from the covariance
/// `v` of the cell shares `p` against their multinomial covariance.
fn design_effects(cmat: &DMatrix<f64>, p: &[f64], v: &DMatrix<f64>, n: f64) -> Result<DMatrix<f64>, StatsError> {
    let cells = p.len();
    let inv_p = DVector::from_iterator(cells, p.iter().map(|&pj| if pj == 0.0 { 0.0 } else { 1.0 / pj }));
    let ic = DMatrix::from_fn(cells, cmat.ncols(), |a, b| inv_p[a] * cmat[(a, b)]);
    let denom = cmat.transpose() * &ic / n;
    let numr = ic.transpose() * v * &ic;
    denom.lu().solve(&numr).ok_or_else(|| StatsError::DegenerateTable {
        reason: "the table's contrast matrix is singular (too many empty cells)".into(),
    })
}

/// X^2 corrected by the design effects: to first order (chi-square) and to
/// second order (F on `nu` design degrees of freedom).
fn corrected(x2: f64, delta: &DMatrix<f64>, nu: f64, r: usize, c: usize) -> Result<RaoScott, StatsError> {
    let tr = delta.trace();
    let tr2 = (delta * delta).trace();
    if !(tr > 0.0 && tr2 > 0.0 && tr.is_finite() && tr2.is_finite()) {
        return Err(StatsError::DegenerateTable {
            reason: "the design effects are zero (no sampling variance)".into(),
        });
    }
    if nu <= 0.0 {
        return Err(StatsError::TooFewDegrees {
            degf: nu,
            what: "a Rao-Scott test".into(),
        });
    }
    let ndf = tr * tr / tr2;
    let ddf = ndf * nu;
    let f = x2 / tr;
    let p_f = FisherSnedecor::new(ndf, ddf).expect("positive degrees of freedom").sf(f);
    let df = ((r - 1) * (c - 1)) as f64;
    let chisq_adjusted = x2 / (tr / df);
    let p_chisq = ChiSquared::new(df).expect("positive degrees of freedom").sf(chisq_adjusted);
    Ok(RaoScott {
        f,
        ndf,
        ddf,
        p_f,
        chisq: x2,
        chisq_adjusted,
        df,
        p_chisq,
    })
}
