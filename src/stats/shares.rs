//! Shares, totals, distributions, shares by group and ratios of shares:
//! R's `svymean`, `svytotal`, `svyby` and `svyciprop(method = "logit")`.
//!
//! Each estimator makes one pass that collects, per stratum, the domain's
//! count and the sums of `w`, `w y`, `w^2`, `w^2 y`; the linearised
//! variance follows from those sums without a second pass, because for a
//! share the score of a row is `w d (y - p) / sum(w d)`.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::StatsError;
use super::design::{Design, Keyed, Values, add_into, find, fold_rows, format_levels};

/// Most distinct values a grouping variable may take in a domain.
const MAX_GROUPS: usize = 1000;

/// A share (proportion) in a domain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub estimate: f64,
    pub se: f64,
    /// 95 % logit interval; `None` when the share is 0 or 1 (there is no
    /// logit interval) or the domain leaves no degrees of freedom.
    pub ci: Option<(f64, f64)>,
    /// Respondents in the domain.
    pub n: usize,
    /// Respondents in the domain minus the strata holding at least one.
    pub degf: f64,
}

/// The share of an item in domain a divided by its share in domain b.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub estimate: f64,
    /// Delta-method (linearised) standard error from the joint design.
    pub se: f64,
    /// 95 % interval on the log scale with a t quantile on `degf`; `None`
    /// when the ratio is 0 or no degrees of freedom are left.
    pub ci: Option<(f64, f64)>,
    pub share_a: f64,
    pub share_b: f64,
    /// Respondents in either domain.
    pub n: usize,
    /// Respondents in either domain minus the strata holding them.
    pub degf: f64,
}

/// Per-stratum sums of a binary item in a domain, in this order.
const CNT: usize = 0;
const SW: usize = 1;
const SWY: usize = 2;
const SW2: usize = 3;
const SW2Y: usize = 4;
const ONES: usize = 5;
const K: usize = 6;

/// Rows of the domain whose value failed validation: missing or not 0/1.
#[derive(Debug, Default, Clone, Copy)]
struct Invalid {
    domain_rows: usize,
    missing: usize,
    bad: usize,
    example: f64,
}

impl Invalid {
    fn merge(&mut self, o: Invalid) {
        self.domain_rows += o.domain_rows;
        self.missing += o.missing;
        if o.bad > 0 && self.bad == 0 {
            self.example = o.example;
        }
        self.bad += o.bad;
    }

    /// Records a row whose value is not 0 or 1.
    #[cold]
    fn record(&mut self, v: f64) {
        if v.is_nan() {
            self.missing += 1;
        } else {
            if self.bad == 0 {
                self.example = v;
            }
            self.bad += 1;
        }
    }

    fn check(&self, item: &str) -> Result<(), StatsError> {
        if self.domain_rows == 0 {
            return Err(StatsError::EmptyDomain);
        }
        if self.missing > 0 {
            return Err(StatsError::Missing {
                item: item.to_string(),
                rows: self.missing,
                n: self.domain_rows,
            });
        }
        if self.bad > 0 {
            return Err(StatsError::NotBinary {
                item: item.to_string(),
                rows: self.bad,
                example: self.example,
            });
        }
        Ok(())
    }
}

/// Adds a row with binary value `y` and weight `w` to a block of sums.
#[inline(always)]
fn add_binary(a: &mut [f64], w: f64, y: f64) {
    let w2 = w * w;
    a[CNT] += 1.0;
    a[SW] += w;
    a[SWY] += w * y;
    a[SW2] += w2;
    a[SW2Y] += w2 * y;
    a[ONES] += y;
}

/// The share, its linearised SE and logit interval from per-stratum sums
/// (`at(h)` returns the `K` sums of stratum `h`).
fn share_from_sums(design: &Design, at: impl Fn(usize) -> [f64; K]) -> Result<Estimate, StatsError> {
    let (n, degf) = design.domain_size(|h| at(h)[CNT]);
    if n == 0 {
        return Err(StatsError::EmptyDomain);
    }
    let (mut w, mut wy, mut ones) = (0.0, 0.0, 0.0);
    for h in 0..design.n_strata() {
        let s = at(h);
        w += s[SW];
        wy += s[SWY];
        ones += s[ONES];
    }
    // Exact 0 and 1 from counts, so rounding can never produce a spurious SE.
    if ones == 0.0 || ones == n as f64 {
        let p = if ones == 0.0 { 0.0 } else { 1.0 };
        return Ok(Estimate {
            estimate: p,
            se: 0.0,
            ci: None,
            n,
            degf,
        });
    }
    let p = wy / w;
    let var = design.variance(
        |h| {
            let s = at(h);
            (s[SWY] - p * s[SW]) / w
        },
        |h| {
            // sum of w^2 (y - p)^2 for y in {0, 1}
            let s = at(h);
            ((1.0 - 2.0 * p) * s[SW2Y] + p * p * s[SW2]) / (w * w)
        },
    );
    let se = var.sqrt();
    Ok(Estimate {
        estimate: p,
        se,
        ci: logit_ci(p, se, degf),
        n,
        degf,
    })
}

/// The two-sided 97.5 % t quantile on `degf`, or `None` without degrees
/// of freedom.
pub(crate) fn t975(degf: f64) -> Option<f64> {
    if degf <= 0.0 {
        return None;
    }
    let t = StudentsT::new(0.0, 1.0, degf).ok()?;
    Some(t.inverse_cdf(0.975))
}

/// R's `svyciprop(method = "logit")`: a Wald interval on the logit scale.
fn logit_ci(p: f64, se: f64, degf: f64) -> Option<(f64, f64)> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let t = t975(degf)?;
    let l = (p / (1.0 - p)).ln();
    let s = se / (p * (1.0 - p));
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    Some((expit(l - t * s), expit(l + t * s)))
}

/// Per-stratum sums of several binary items over one domain, validated,
/// laid out `[stratum][item][K]`: one pass reads the domain, weights and
/// strata once for all items.
fn binary_sums<Y: Values + ?Sized>(design: &Design, domain: &[bool], ys: &[&Y], item: &str) -> Result<Vec<f64>, StatsError> {
    design.check_len("the domain", domain.len())?;
    for y in ys {
        design.check_len(item, y.rows())?;
    }
    let k = ys.len();
    let strata = design.stratum();
    let weight = design.weight();
    let (sums, invalid) = fold_rows(
        design.n_rows(),
        || (vec![0.0; design.n_strata() * k * K], vec![Invalid::default(); k]),
        |(a, inv), rows| {
            // Item by item over blocks of rows small enough that the domain,
            // weights and strata stay in cache for the next item. Branch-free
            // on the domain: rows outside it add zeros, which leaves every
            // sum bit-for-bit unchanged.
            let block = if k == 1 { rows.len() } else { 4096 };
            let mut from = rows.start;
            while from < rows.end {
                let to = (from + block).min(rows.end);
                for (j, (&y, slot)) in ys.iter().zip(inv.iter_mut()).enumerate() {
                    // The item's counts kept in registers while its rows go by.
                    let blocks = a.as_chunks_mut::<K>().0;
                    let mut local = *slot;
                    let inv = &mut local;
                    for i in from..to {
                        let d = domain[i];
                        let (yi, wi) = (y.at(i), weight[i]);
                        let v = if d { yi } else { 0.0 };
                        inv.domain_rows += usize::from(d);
                        if v != 0.0 && v != 1.0 {
                            inv.record(v);
                            continue;
                        }
                        let w = if d { wi } else { 0.0 };
                        let a = &mut blocks[strata[i] as usize * k + j];
                        let w2 = w * w;
                        a[CNT] += f64::from(u8::from(d));
                        a[SW] += w;
                        a[SWY] += w * v;
                        a[SW2] += w2;
                        a[SW2Y] += w2 * v;
                        a[ONES] += v;
                    }
                    *slot = local;
                }
                from = to;
            }
        },
        |(a, inv), (b, ib)| {
            add_into(a, &b);
            for (x, y) in inv.iter_mut().zip(ib) {
                x.merge(y);
            }
        },
    );
    for inv in &invalid {
        inv.check(item)?;
    }
    Ok(sums)
}

fn block(sums: &[f64], h: usize) -> [f64; K] {
    sums[h * K..h * K + K].try_into().expect("K sums")
}

/// The weighted share of a 0/1 item in a domain (R's `svymean` with the
/// `svyciprop` logit interval).
pub fn share<Y: Values + ?Sized>(design: &Design, domain: &[bool], y: &Y) -> Result<Estimate, StatsError> {
    let sums = binary_sums(design, domain, &[y], "the item")?;
    share_from_sums(design, |h| block(&sums, h))
}

/// The shares of several 0/1 items in one domain (a figure's bars), from
/// one pass over the rows; each is exactly `share` of that item alone.
pub fn shares<Y: Values + ?Sized>(design: &Design, domain: &[bool], ys: &[&Y]) -> Result<Vec<Estimate>, StatsError> {
    if ys.is_empty() {
        return Ok(Vec::new());
    }
    let k = ys.len();
    let sums = binary_sums(design, domain, ys, "the item")?;
    (0..k).map(|j| share_from_sums(design, |h| block(&sums, h * k + j))).collect()
}

/// The share of each level of a single-choice item in a domain (R's
/// `svymean` of a factor). Every code in the domain must be one of
/// `levels`; a missing code is an error, so callers drop unanswered rows
/// from the domain explicitly. "Ved ikke" (9) stays in the denominator
/// unless the caller removes it from the domain.
pub fn distribution(design: &Design, domain: &[bool], codes: &[f64], levels: &[f64]) -> Result<Vec<Estimate>, StatsError> {
    design.check_len("the domain", domain.len())?;
    design.check_len("the item", codes.len())?;
    check_levels(levels)?;
    let k = 3 + 3 * levels.len();
    let (sums, invalid) = level_sums(design, domain, codes, levels);
    check_codes(&invalid, levels)?;
    (0..levels.len())
        .map(|l| share_from_sums(design, |h| level_block(&sums[h * k..h * k + k], l)))
        .collect()
}

/// Levels must be given, distinct and not NaN, or codes cannot be told apart.
fn check_levels(levels: &[f64]) -> Result<(), StatsError> {
    let distinct = levels
        .iter()
        .enumerate()
        .all(|(i, a)| !a.is_nan() && levels[..i].iter().all(|b| b != a));
    if levels.is_empty() || !distinct {
        return Err(StatsError::BadLevels {
            levels: format_levels(levels),
        });
    }
    Ok(())
}

/// One pass: per stratum count, sum w, sum w^2 of the domain, then per
/// level count, sum w, sum w^2; and the domain's codes that are no level.
fn level_sums(design: &Design, domain: &[bool], codes: &[f64], levels: &[f64]) -> (Vec<f64>, Invalid) {
    let k = 3 + 3 * levels.len();
    let strata = design.stratum();
    let weight = design.weight();
    fold_rows(
        design.n_rows(),
        || (vec![0.0; design.n_strata() * k], Invalid::default()),
        |(a, inv), rows| {
            for i in rows {
                if !domain[i] {
                    continue;
                }
                inv.domain_rows += 1;
                let v = codes[i];
                let Some(l) = find(levels, v) else {
                    inv.record(v);
                    continue;
                };
                let w = weight[i];
                let h = strata[i] as usize * k;
                let a = &mut a[h..h + k];
                a[0] += 1.0;
                a[1] += w;
                a[2] += w * w;
                a[3 + 3 * l] += 1.0;
                a[4 + 3 * l] += w;
                a[5 + 3 * l] += w * w;
            }
        },
        |(a, inv), (b, ib)| {
            add_into(a, &b);
            inv.merge(ib);
        },
    )
}

/// A distribution needs a non-empty domain whose every code is a level.
fn check_codes(invalid: &Invalid, levels: &[f64]) -> Result<(), StatsError> {
    if invalid.domain_rows == 0 {
        return Err(StatsError::EmptyDomain);
    }
    if invalid.missing > 0 {
        return Err(StatsError::Missing {
            item: "the item".into(),
            rows: invalid.missing,
            n: invalid.domain_rows,
        });
    }
    if invalid.bad > 0 {
        return Err(StatsError::UnknownCode {
            item: "the item".into(),
            rows: invalid.bad,
            example: invalid.example,
            levels: format_levels(levels),
        });
    }
    Ok(())
}

/// A stratum's sums for level `l` as those of the 0/1 item "code = l".
fn level_block(s: &[f64], l: usize) -> [f64; K] {
    let (c, w, w2) = (s[3 + 3 * l], s[4 + 3 * l], s[5 + 3 * l]);
    let mut out = [0.0; K];
    out[CNT] = s[0];
    out[SW] = s[1];
    out[SWY] = w;
    out[SW2] = s[2];
    out[SW2Y] = w2;
    out[ONES] = c;
    out
}

/// The share of a 0/1 item within each level of `group` inside the domain
/// (R's `svyby(~y, ~group, design, svymean)`), levels sorted ascending.
/// Each group's SE and degrees of freedom are those of the domain
/// "domain and group == level" of the full design. Levels are found in the
/// same pass that sums them.
pub fn by_group<Y: Values + ?Sized>(design: &Design, domain: &[bool], y: &Y, group: &[f64]) -> Result<Vec<(f64, Estimate)>, StatsError> {
    design.check_len("the domain", domain.len())?;
    design.check_len("the item", y.rows())?;
    design.check_len("the group", group.len())?;
    let (groups, invalid, group_missing) = group_sums(design, domain, y, group);
    if invalid.domain_rows > 0 && group_missing > 0 {
        return Err(StatsError::Missing {
            item: "the group".into(),
            rows: group_missing,
            n: invalid.domain_rows,
        });
    }
    invalid.check("the item")?;
    if groups.overflow {
        return Err(StatsError::TooManyLevels {
            item: "the group".into(),
            max: MAX_GROUPS,
        });
    }
    let mut levels = groups.keys.clone();
    levels.sort_by(f64::total_cmp);
    levels
        .into_iter()
        .map(|level| {
            let s = groups.get(level).expect("a seen level");
            Ok((level, share_from_sums(design, |h| block(s, h))?))
        })
        .collect()
}

/// One pass: each group level's per-stratum sums (levels found on the
/// way), the item validated, and the domain's rows without a group.
fn group_sums<Y: Values + ?Sized>(design: &Design, domain: &[bool], y: &Y, group: &[f64]) -> (Keyed<f64>, Invalid, usize) {
    let block_len = design.n_strata() * K;
    let strata = design.stratum();
    let weight = design.weight();
    fold_rows(
        design.n_rows(),
        || (Keyed::<f64>::new(block_len, MAX_GROUPS), Invalid::default(), 0usize),
        |(a, inv, gmiss), rows| {
            for i in rows {
                if !domain[i] {
                    continue;
                }
                inv.domain_rows += 1;
                let g = group[i];
                if g.is_nan() {
                    *gmiss += 1;
                    continue;
                }
                let v = y.at(i);
                if v != 0.0 && v != 1.0 {
                    inv.record(v);
                    continue;
                }
                if let Some(b) = a.block(g) {
                    let h = strata[i] as usize * K;
                    add_binary(&mut b[h..h + K], weight[i], v);
                }
            }
        },
        |(a, inv, gmiss), (b, ib, bmiss)| {
            a.merge(b);
            inv.merge(ib);
            *gmiss += bmiss;
        },
    )
}

/// The share of a 0/1 item in domain a divided by its share in domain b
/// ("three times as often"), with a delta-method SE: the ratio's score is
/// `(z_a - R z_b) / p_b`, both share scores taken over the whole design, so
/// overlapping or nested domains are handled. Unlike the single shares this
/// takes a second pass over exact per-row scores, because the two scores
/// largely cancel when the domains overlap.
pub fn ratio<Y: Values + ?Sized>(design: &Design, domain_a: &[bool], domain_b: &[bool], y: &Y) -> Result<Ratio, StatsError> {
    design.check_len("domain a", domain_a.len())?;
    design.check_len("domain b", domain_b.len())?;
    design.check_len("the item", y.rows())?;
    let sums = ratio_sums(design, domain_a, domain_b, y)?;
    let at = |h: usize, off: usize| -> [f64; K] { sums[h * KR + off..h * KR + off + K].try_into().expect("K sums") };
    let ea = share_from_sums(design, |h| at(h, 0))?;
    let eb = share_from_sums(design, |h| at(h, K))?;
    let (pa, pb) = (ea.estimate, eb.estimate);
    if pb == 0.0 {
        return Err(StatsError::ZeroDenominator);
    }
    let (mut wa, mut wb) = (0.0, 0.0);
    for h in 0..design.n_strata() {
        wa += at(h, 0)[SW];
        wb += at(h, K)[SW];
    }
    let r = pa / pb;
    // z_i = (w d_a (y - pa) / wa - r w d_b (y - pb) / wb) / pb
    let score = RatioScore { pa, pb, ca: 1.0 / (wa * pb), cb: r / (wb * pb) };
    let se = ratio_se(design, domain_a, domain_b, y, &score);
    let (n, degf) = design.domain_size(|h| sums[h * KR + 2 * K]);
    Ok(Ratio {
        estimate: r,
        se,
        ci: ratio_ci(r, se, degf),
        share_a: pa,
        share_b: pb,
        n,
        degf,
    })
}

/// Sums per stratum of a ratio: K sums for domain a, K for domain b, the
/// count of rows in either.
const KR: usize = 2 * K + 1;

/// One pass: the `KR` sums of each stratum, the item validated over both
/// domains.
fn ratio_sums<Y: Values + ?Sized>(design: &Design, domain_a: &[bool], domain_b: &[bool], y: &Y) -> Result<Vec<f64>, StatsError> {
    let strata = design.stratum();
    let weight = design.weight();
    let (sums, invalid) = fold_rows(
        design.n_rows(),
        || (vec![0.0; design.n_strata() * KR], Invalid::default()),
        |(a, inv), rows| {
            for i in rows {
                let (da, db) = (domain_a[i], domain_b[i]);
                if !(da || db) {
                    continue;
                }
                inv.domain_rows += 1;
                let v = y.at(i);
                if v != 0.0 && v != 1.0 {
                    inv.record(v);
                    continue;
                }
                let w = weight[i];
                let h = strata[i] as usize * KR;
                let a = &mut a[h..h + KR];
                if da {
                    add_binary(&mut a[..K], w, v);
                }
                if db {
                    add_binary(&mut a[K..2 * K], w, v);
                }
                a[2 * K] += 1.0;
            }
        },
        |(a, inv), (b, ib)| {
            add_into(a, &b);
            inv.merge(ib);
        },
    );
    invalid.check("the item")?;
    Ok(sums)
}

/// The two shares of a ratio and the coefficients of their scores in the
/// ratio's score, `z = ca w d_a (y - pa) - cb w d_b (y - pb)`.
struct RatioScore {
    pa: f64,
    pb: f64,
    ca: f64,
    cb: f64,
}

/// The ratio's SE from a second pass over exact per-row scores (the two
/// shares' scores largely cancel when the domains overlap).
fn ratio_se<Y: Values + ?Sized>(design: &Design, domain_a: &[bool], domain_b: &[bool], y: &Y, score: &RatioScore) -> f64 {
    let RatioScore { pa, pb, ca, cb } = *score;
    let strata = design.stratum();
    let weight = design.weight();
    let scores = fold_rows(
        design.n_rows(),
        || vec![0.0; design.n_strata() * 2],
        |a, rows| {
            for i in rows {
                let (da, db) = (domain_a[i], domain_b[i]);
                if !(da || db) {
                    continue;
                }
                let (w, v) = (weight[i], y.at(i));
                let za = if da { ca * w * (v - pa) } else { 0.0 };
                let zb = if db { cb * w * (v - pb) } else { 0.0 };
                let z = za - zb;
                let h = strata[i] as usize * 2;
                a[h] += z;
                a[h + 1] += z * z;
            }
        },
        |a, b| add_into(a, &b),
    );
    design.variance(|h| scores[2 * h], |h| scores[2 * h + 1]).sqrt()
}

/// The 95 % interval of a ratio on the log scale; none for a zero ratio
/// or without degrees of freedom.
fn ratio_ci(r: f64, se: f64, degf: f64) -> Option<(f64, f64)> {
    match t975(degf) {
        Some(t) if r > 0.0 => {
            let s = se / r;
            Some((r * (-t * s).exp(), r * (t * s).exp()))
        }
        _ => None,
    }
}
