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
    // One pass: per stratum count, sum w, sum w^2 of the domain, and per
    // observed (row, column) cell its per-stratum sum w and sum w^2.
    let n_strata = design.n_strata();
    let strata = design.stratum();
    let weight = design.weight();
    let (common, cells_seen, missing, domain_rows) = fold_rows(
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
    if domain_rows == 0 {
        return Err(StatsError::EmptyDomain);
    }
    for (item, rows) in ["the row item", "the column item"].into_iter().zip(missing) {
        if rows > 0 {
            return Err(StatsError::Missing {
                item: item.into(),
                rows,
                n: domain_rows,
            });
        }
    }
    let levels_of = |pick: fn(&(f64, f64)) -> f64| {
        let mut l: Vec<f64> = Vec::new();
        for key in &cells_seen.keys {
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
        if cells_seen.overflow || levels.len() > MAX_LEVELS {
            return Err(StatsError::TooManyLevels {
                item: item.into(),
                max: MAX_LEVELS,
            });
        }
        if levels.len() < 2 {
            return Err(StatsError::ConstantItem { item: item.into() });
        }
    }
    let (r, c) = (rows.len(), cols.len());
    let cells = r * c;
    // Per stratum: count, sum w, sum w^2, then per cell sum w and sum w^2,
    // cells in R's order, the row level varying fastest.
    let k = 3 + 2 * cells;
    let mut sums = vec![0.0; n_strata * k];
    for h in 0..n_strata {
        sums[h * k..h * k + 3].copy_from_slice(&common[3 * h..3 * h + 3]);
    }
    for (j, &b) in cols.iter().enumerate() {
        for (i, &a) in rows.iter().enumerate() {
            if let Some(cell) = cells_seen.get((a, b)) {
                let at = 3 + 2 * (i + r * j);
                for h in 0..n_strata {
                    sums[h * k + at] = cell[2 * h];
                    sums[h * k + at + 1] = cell[2 * h + 1];
                }
            }
        }
    }
    let at = |h: usize, j: usize| sums[h * k + j];
    let (n_dom, nu) = design.domain_size(|h| at(h, 0));
    let n = n_dom as f64;
    let w: f64 = (0..design.n_strata()).map(|h| at(h, 1)).sum();
    let p: Vec<f64> = (0..cells)
        .map(|j| (0..design.n_strata()).map(|h| at(h, 3 + 2 * j)).sum::<f64>() / w)
        .collect();

    // Covariance of the cell shares: the score of cell j is
    // w d (m_j - p_j) / W, and cells are mutually exclusive.
    let v = design.covariance(
        cells,
        |h, j| (at(h, 3 + 2 * j) - p[j] * at(h, 1)) / w,
        |h, a, b| {
            let own = if a == b { at(h, 4 + 2 * a) } else { 0.0 };
            (own - p[a] * at(h, 4 + 2 * b) - p[b] * at(h, 4 + 2 * a) + p[a] * p[b] * at(h, 2)) / (w * w)
        },
    );
    let v = DMatrix::from_row_slice(cells, cells, &v);

    // Pearson's X^2 on the weighted table rescaled to the domain's size.
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

    // Contrasts for the interaction: the saturated model's interaction
    // columns made orthogonal to the main-effects model (QR residuals).
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
    let cmat = &inter - &q * (q.transpose() * &inter);

    let inv_p = DVector::from_iterator(cells, p.iter().map(|&pj| if pj == 0.0 { 0.0 } else { 1.0 / pj }));
    let ic = DMatrix::from_fn(cells, cmat.ncols(), |a, b| inv_p[a] * cmat[(a, b)]);
    let denom = cmat.transpose() * &ic / n;
    let numr = ic.transpose() * &v * &ic;
    let delta = denom.lu().solve(&numr).ok_or_else(|| StatsError::DegenerateTable {
        reason: "the table's contrast matrix is singular (too many empty cells)".into(),
    })?;
    let tr = delta.trace();
    let tr2 = (&delta * &delta).trace();
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
