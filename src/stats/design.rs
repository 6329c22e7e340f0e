//! The sampling design and the machinery every estimator shares: chunked,
//! deterministic row passes and the stratified variance of scores.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use super::StatsError;

/// A column the estimators read row by row: `f64` values (NaN for a
/// missing answer) or a 0/1 mask. Masks are read as they are, so an
/// indicator never needs an eight-times-larger `f64` copy.
pub trait Values: Sync {
    fn rows(&self) -> usize;
    fn at(&self, i: usize) -> f64;
}

impl Values for [f64] {
    fn rows(&self) -> usize {
        self.len()
    }
    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        self[i]
    }
}

impl Values for [bool] {
    fn rows(&self) -> usize {
        self.len()
    }
    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        f64::from(u8::from(self[i]))
    }
}

impl<T: Sync> Values for Vec<T>
where
    [T]: Values,
{
    fn rows(&self) -> usize {
        self.as_slice().rows()
    }
    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        self.as_slice().at(i)
    }
}

impl<T: Sync, const N: usize> Values for [T; N]
where
    [T]: Values,
{
    fn rows(&self) -> usize {
        N
    }
    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        self.as_slice().at(i)
    }
}

/// Rows per chunk of a parallel pass. Fixed (not derived from the thread
/// count) so that sums, and hence results, are identical on any machine.
pub(crate) const CHUNK_ROWS: usize = 1 << 16;

/// A stratified single-stage design without clustering (R: `ids = ~1`),
/// with finite population correction.
#[derive(Debug, Clone)]
pub struct Design {
    /// Stratum index per row, so passes never touch the labels.
    stratum: Vec<u32>,
    weight: Vec<f64>,
    labels: Vec<String>,
    rows_h: Vec<usize>,
    /// `(1 - n_h/N_h) * n_h/(n_h - 1)`, the factor of a stratum's centred
    /// sum of squared scores.
    scale_h: Vec<f64>,
}

impl Design {
    /// One entry per row: stratum label, population count N_h of the stratum (fpc), sampling weight.
    ///
    /// An infinite fpc means "no finite population correction". Like R with
    /// `options(survey.lonely.psu = "fail")`, a stratum with a single row is
    /// an error, because its variance cannot be estimated.
    pub fn new<S: AsRef<str>>(strata: &[S], fpc: &[f64], weights: &[f64]) -> Result<Design, StatsError> {
        let n = strata.len();
        if n == 0 {
            return Err(StatsError::EmptyDesign);
        }
        for (what, got) in [("the fpc column", fpc.len()), ("the weight column", weights.len())] {
            if got != n {
                return Err(StatsError::LengthMismatch {
                    what: what.into(),
                    got,
                    expected: n,
                });
            }
        }
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut labels: Vec<String> = Vec::new();
        let mut pop_h: Vec<f64> = Vec::new();
        let mut stratum = Vec::with_capacity(n);
        for (row, ((s, &f), &w)) in strata.iter().zip(fpc).zip(weights).enumerate() {
            if !(w.is_finite() && w > 0.0) {
                return Err(StatsError::BadWeight { row, weight: w });
            }
            if f.is_nan() || f <= 0.0 {
                return Err(StatsError::BadFpc { row, fpc: f });
            }
            let label = s.as_ref();
            // Waves are usually sorted by stratum: skip the hash lookup then.
            let h = match stratum.last() {
                Some(&last) if labels[last as usize] == label => last,
                _ => *index.entry(label).or_insert_with(|| {
                    labels.push(label.to_string());
                    pop_h.push(f);
                    (labels.len() - 1) as u32
                }),
            };
            let hu = h as usize;
            if pop_h[hu] != f {
                return Err(StatsError::FpcNotConstant {
                    stratum: label.to_string(),
                    first: pop_h[hu],
                    other: f,
                });
            }
            stratum.push(h);
        }
        Design::finish(stratum, labels, pop_h, weights.to_vec())
    }

    /// A design from rows already indexed by stratum (`stratum[i]` indexes
    /// `labels` and `population`, the strata's N_h): what the wave validator
    /// has at hand, so 10 million labels are not looked up a second time.
    /// The same checks as `new`.
    pub fn from_strata(stratum: Vec<u32>, labels: Vec<String>, population: Vec<f64>, weights: Vec<f64>) -> Result<Design, StatsError> {
        let n = stratum.len();
        if n == 0 {
            return Err(StatsError::EmptyDesign);
        }
        if weights.len() != n {
            return Err(StatsError::LengthMismatch {
                what: "the weight column".into(),
                got: weights.len(),
                expected: n,
            });
        }
        if let Some((row, &weight)) = weights.iter().enumerate().find(|(_, w)| !(w.is_finite() && **w > 0.0)) {
            return Err(StatsError::BadWeight { row, weight });
        }
        if let Some(&h) = stratum.iter().find(|&&h| h as usize >= labels.len()) {
            return Err(StatsError::LengthMismatch {
                what: "the strata".into(),
                got: h as usize + 1,
                expected: labels.len(),
            });
        }
        if let Some((h, &fpc)) = population.iter().enumerate().find(|(_, f)| f.is_nan() || **f <= 0.0) {
            // The first row of that stratum, as `new` would name it.
            let row = stratum.iter().position(|&s| s as usize == h).unwrap_or(0);
            return Err(StatsError::BadFpc { row, fpc });
        }
        Design::finish(stratum, labels, population, weights)
    }

    /// Rows per stratum, the lonely-stratum and fpc checks, the variance scales.
    fn finish(stratum: Vec<u32>, labels: Vec<String>, pop_h: Vec<f64>, weight: Vec<f64>) -> Result<Design, StatsError> {
        let mut rows_h = vec![0usize; labels.len()];
        for &h in &stratum {
            rows_h[h as usize] += 1;
        }
        let mut scale_h = Vec::with_capacity(labels.len());
        for h in 0..labels.len() {
            let (rows, pop) = (rows_h[h], pop_h[h]);
            if rows < 2 {
                return Err(StatsError::LonelyStratum {
                    stratum: labels[h].clone(),
                    rows,
                });
            }
            if pop < rows as f64 {
                return Err(StatsError::FpcBelowSample {
                    stratum: labels[h].clone(),
                    rows,
                    fpc: pop,
                });
            }
            let nh = rows as f64;
            // Same arithmetic as R's survey:::onestrat.
            let f = if pop.is_infinite() { 1.0 } else { (pop - nh) / pop };
            scale_h.push(f * nh / (nh - 1.0));
        }
        Ok(Design {
            stratum,
            weight,
            labels,
            rows_h,
            scale_h,
        })
    }

    pub fn n_rows(&self) -> usize {
        self.stratum.len()
    }

    pub fn n_strata(&self) -> usize {
        self.labels.len()
    }

    /// Degrees of freedom of the whole design: rows minus strata.
    pub fn degf(&self) -> f64 {
        (self.n_rows() - self.n_strata()) as f64
    }

    pub(crate) fn stratum(&self) -> &[u32] {
        &self.stratum
    }

    pub(crate) fn weight(&self) -> &[f64] {
        &self.weight
    }

    /// Errors unless `len` matches the design's row count.
    pub(crate) fn check_len(&self, what: &str, len: usize) -> Result<(), StatsError> {
        if len == self.n_rows() {
            Ok(())
        } else {
            Err(StatsError::LengthMismatch {
                what: what.to_string(),
                got: len,
                expected: self.n_rows(),
            })
        }
    }

    /// Linearised variance of a total of scores from per-stratum sums `s_h`
    /// and sums of squares `ss_h`: `sum_h scale_h (ss_h - s_h^2 / n_h)`,
    /// where n_h counts every design row of the stratum (rows outside the
    /// domain are zero scores, as in R's padding of subset designs).
    pub(crate) fn variance(&self, s: impl Fn(usize) -> f64, ss: impl Fn(usize) -> f64) -> f64 {
        let mut v = 0.0;
        for h in 0..self.n_strata() {
            let sh = s(h);
            v += self.scale_h[h] * (ss(h) - sh * sh / self.rows_h[h] as f64);
        }
        v.max(0.0)
    }

    /// The covariance matrix version of [`Design::variance`] for `k` scores:
    /// `s(h, a)` is the stratum sum of score `a`, `ss(h, a, b)` the stratum
    /// sum of products. Returns a row-major `k * k` matrix.
    pub(crate) fn covariance(&self, k: usize, s: impl Fn(usize, usize) -> f64, ss: impl Fn(usize, usize, usize) -> f64) -> Vec<f64> {
        let mut v = vec![0.0; k * k];
        for h in 0..self.n_strata() {
            let nh = self.rows_h[h] as f64;
            let sc = self.scale_h[h];
            for a in 0..k {
                let sa = s(h, a);
                for b in a..k {
                    let c = sc * (ss(h, a, b) - sa * s(h, b) / nh);
                    v[a * k + b] += c;
                }
            }
        }
        for a in 0..k {
            for b in 0..a {
                v[a * k + b] = v[b * k + a];
            }
        }
        v
    }

    /// Respondents in a domain and its degrees of freedom (respondents minus
    /// the strata holding at least one of them, as R's `degf` of a subset),
    /// from per-stratum domain counts.
    pub(crate) fn domain_size(&self, count_h: impl Fn(usize) -> f64) -> (usize, f64) {
        let mut n = 0.0;
        let mut strata = 0usize;
        for h in 0..self.n_strata() {
            let c = count_h(h);
            if c > 0.0 {
                n += c;
                strata += 1;
            }
        }
        (n as usize, n - strata as f64)
    }
}

/// Chunks whose accumulators are alive at once: bounds memory for large
/// accumulators (e.g. the logistic regression's cell table).
const BATCH_CHUNKS: usize = 64;

/// Runs `body` over fixed chunks of `0..n` in parallel and merges the
/// per-chunk accumulators in chunk order, so the result does not depend on
/// the number of threads.
pub(crate) fn fold_rows<A, I, F, M>(n: usize, init: I, body: F, merge: M) -> A
where
    A: Send,
    I: Fn() -> A + Sync,
    F: Fn(&mut A, Range<usize>) + Sync,
    M: Fn(&mut A, A),
{
    let chunks = n.div_ceil(CHUNK_ROWS).max(1);
    let run = |c: usize| {
        let mut a = init();
        body(&mut a, c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n));
        a
    };
    if chunks == 1 {
        return run(0);
    }
    let mut acc: Option<A> = None;
    for first in (0..chunks).step_by(BATCH_CHUNKS) {
        let parts: Vec<A> = (first..(first + BATCH_CHUNKS).min(chunks)).into_par_iter().map(run).collect();
        for p in parts {
            match acc.as_mut() {
                None => acc = Some(p),
                Some(a) => merge(a, p),
            }
        }
    }
    acc.expect("at least one chunk")
}

/// Element-wise `a += b`, the merge of most accumulators.
pub(crate) fn add_into(a: &mut [f64], b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Formats levels for error messages: `{1, 2, 9}`.
pub(crate) fn format_levels(levels: &[f64]) -> String {
    let parts: Vec<String> = levels.iter().map(|l| l.to_string()).collect();
    format!("{{{}}}", parts.join(", "))
}

/// Index of `v` among sorted `levels` (which must contain it): the number
/// of levels below it, counted without branches because answers on survey
/// rows are too random for the branch predictor.
#[inline]
pub(crate) fn level_index(levels: &[f64], v: f64) -> usize {
    levels.iter().map(|&l| usize::from(l < v)).sum()
}

/// Position of `v` in an unsorted `list`, branch-free for the same reason.
#[inline]
pub(crate) fn find<T: Copy + PartialEq>(list: &[T], v: T) -> Option<usize> {
    let mut at = usize::MAX;
    for (k, &x) in list.iter().enumerate() {
        at = if x == v { k } else { at };
    }
    (at != usize::MAX).then_some(at)
}

/// Blocks of sums keyed by values discovered while streaming (the levels
/// of a group, the cells of a table), so levels need no separate pass.
/// Keys compare with `==`, so callers must keep NaN out.
pub(crate) struct Keyed<K> {
    pub(crate) keys: Vec<K>,
    pub(crate) sums: Vec<f64>,
    block: usize,
    max: usize,
    /// Set when a key beyond `max` was refused.
    pub(crate) overflow: bool,
}

impl<K: Copy + PartialEq> Keyed<K> {
    pub(crate) fn new(block: usize, max: usize) -> Keyed<K> {
        Keyed {
            keys: Vec::new(),
            sums: Vec::new(),
            block,
            max,
            overflow: false,
        }
    }

    /// The block of `key`, created on first sight; `None` past `max` keys.
    #[inline]
    pub(crate) fn block(&mut self, key: K) -> Option<&mut [f64]> {
        let k = match find(&self.keys, key) {
            Some(k) => k,
            None => {
                if self.keys.len() == self.max {
                    self.overflow = true;
                    return None;
                }
                self.keys.push(key);
                self.sums.resize(self.sums.len() + self.block, 0.0);
                self.keys.len() - 1
            }
        };
        Some(&mut self.sums[k * self.block..(k + 1) * self.block])
    }

    /// Adds another chunk's blocks, key by key.
    pub(crate) fn merge(&mut self, other: Keyed<K>) {
        self.overflow |= other.overflow;
        for (k, key) in other.keys.iter().enumerate() {
            let src = &other.sums[k * self.block..(k + 1) * self.block];
            match self.block(*key) {
                Some(dst) => add_into(dst, src),
                None => return,
            }
        }
    }

    /// The block of `key` if it was seen.
    pub(crate) fn get(&self, key: K) -> Option<&[f64]> {
        let k = find(&self.keys, key)?;
        Some(&self.sums[k * self.block..(k + 1) * self.block])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_design_from_strata_is_the_design_from_labels() {
        let labels = ["b", "b", "a", "a", "b", "c", "c"];
        let fpc = [10.0, 10.0, 4.0, 4.0, 10.0, f64::INFINITY, f64::INFINITY];
        let w = [3.0, 3.5, 2.0, 2.0, 3.0, 1.0, 1.5];
        let from_labels = Design::new(&labels, &fpc, &w).unwrap();
        let from_strata = Design::from_strata(vec![0, 0, 1, 1, 0, 2, 2], vec!["b".into(), "a".into(), "c".into()], vec![10.0, 4.0, f64::INFINITY], w.to_vec()).unwrap();
        assert_eq!(format!("{from_labels:?}"), format!("{from_strata:?}"));
        // the same checks
        let lonely = Design::from_strata(vec![0, 0, 1], vec!["b".into(), "a".into()], vec![10.0, 4.0], vec![1.0; 3]).unwrap_err();
        assert_eq!(lonely.to_string(), Design::new(&["b", "b", "a"], &[10.0, 10.0, 4.0], &[1.0; 3]).unwrap_err().to_string());
        let weight = Design::from_strata(vec![0, 0], vec!["b".into()], vec![10.0], vec![1.0, 0.0]).unwrap_err();
        assert_eq!(weight.to_string(), Design::new(&["b", "b"], &[10.0, 10.0], &[1.0, 0.0]).unwrap_err().to_string());
        let fpc = Design::from_strata(vec![0, 0, 1, 1], vec!["b".into(), "a".into()], vec![10.0, 0.0], vec![1.0; 4]).unwrap_err();
        assert_eq!(fpc.to_string(), Design::new(&["b", "b", "a", "a"], &[10.0, 10.0, 0.0, 0.0], &[1.0; 4]).unwrap_err().to_string());
    }
}
