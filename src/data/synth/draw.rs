//! Drawing a wave's respondents: their strata and weights, their uniforms
//! from per-row streams, the published number of innovators, and the item
//! model calibrated on them.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, Normal};

use super::super::codebook::WaveSpec;
use super::frame::{Stratum, allocate, frame};
use super::items::{model, sector_shares};
use super::model::{Model, Row, U_INNOVATED, U_Z, V_INNOVATED, calibrate};
use crate::error::{Error, Result};

/// Log-odds of innovating by size and sector (scaled by a calibrated factor).
const SIZE_INNOVATION: [f64; 4] = [-0.6, 0.0, 0.5, 1.0];
const SECTOR_INNOVATION: [f64; 3] = [0.1, 0.2, -0.2];

/// A drawn wave: design columns per row and the calibrated model.
pub(super) struct Drawn {
    pub strata: Vec<Stratum>,
    pub populations: Vec<u32>,
    /// Respondents per stratum.
    pub n: Vec<u32>,
    pub model: Model,
    /// The innovation intercept and size scale that give the base wave's innovators.
    pub innovated_a: f64,
    pub size_scale: f64,
    /// Log-odds added by sector, so the sectors' published shares hold.
    pub sector_offsets: [f64; 3],
}

/// Row `row`'s own stream, so a row draws the same whatever the thread count.
fn row_rng(seed: u64, wave: usize, row: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((wave as u64 + 1) << 56));
    rng.set_stream(row);
    rng
}

/// A respondent of stratum `st` with its `n_u` uniforms and `n_v` variables unset.
pub(super) fn new_row(st: &Stratum, weight: f64, n_u: usize, n_v: usize, seed: u64, wave: usize, index: u64) -> Row {
    let mut rng = row_rng(seed, wave, index);
    let u: Vec<f64> = (0..n_u).map(|_| rng.random::<f64>()).collect();
    let normal = Normal::standard();
    let z = normal.inverse_cdf(u[U_Z].clamp(1e-12, 1.0 - 1e-12));
    Row { sector: st.sector, size: st.size, weight, z, u, v: vec![false; n_v] }
}

/// A row's log-odds of innovating with the size effect scaled by `scale`
/// and the sectors' `offsets`.
pub(super) fn innovation_eta(r: &Row, scale: f64, offsets: &[f64; 3]) -> f64 {
    scale * SIZE_INNOVATION[r.size] + SECTOR_INNOVATION[r.sector] + offsets[r.sector]
}

/// Draws the base wave and calibrates it: exactly `responses` respondents,
/// `innovators` of them innovators.
pub(super) fn draw_base(spec: &WaveSpec, responses: usize, innovators: usize, wave: usize, seed: u64) -> Result<(Drawn, Vec<Row>, Vec<usize>)> {
    let strata = frame();
    let populations = populations_of(&strata, spec.population);
    let n = allocate(&strata, &populations, responses, seed, wave);
    let mut model = model(&spec.period);
    let (mut rows, stratum_of) = respondents(&strata, &populations, &n, &model, seed, wave);
    let (innovated_a, size_scale, sector_offsets) = draw_innovators(&mut rows, innovators, spec)?;
    calibrate(&mut model, &mut rows)?;
    Ok((Drawn { strata, populations, n, model, innovated_a, size_scale, sector_offsets }, rows, stratum_of))
}

/// The frame's stratum populations, scaled to the edition's published
/// population where it has one (largest remainders, so they sum to it).
fn populations_of(strata: &[Stratum], published: Option<u32>) -> Vec<u32> {
    let base: Vec<u32> = strata.iter().map(|s| s.population).collect();
    let Some(total) = published else { return base };
    let sum: u32 = base.iter().sum();
    let exact: Vec<f64> = base.iter().map(|&p| f64::from(p) * f64::from(total) / f64::from(sum)).collect();
    let mut out: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    let short = total - out.iter().sum::<u32>();
    for &i in order.iter().take(short as usize) {
        out[i] += 1;
    }
    out
}

/// The respondents stratum by stratum, weighted N_h / n_h, with each one's stratum.
fn respondents(strata: &[Stratum], populations: &[u32], n: &[u32], model: &Model, seed: u64, wave: usize) -> (Vec<Row>, Vec<usize>) {
    let n_u = model.n_uniforms();
    let n_v = model.vars.len();
    let total = n.iter().map(|&x| x as usize).sum();
    let mut rows = Vec::with_capacity(total);
    let mut stratum_of = Vec::with_capacity(total);
    for (h, st) in strata.iter().enumerate() {
        let w = populations[h] as f64 / n[h] as f64;
        for _ in 0..n[h] {
            rows.push(new_row(st, w, n_u, n_v, seed, wave, rows.len() as u64));
            stratum_of.push(h);
        }
    }
    (rows, stratum_of)
}

/// Innovators: exactly the published `count`; the size effect is scaled so
/// the weighted share meets the published one, and each sector's log-odds
/// shifted so the sectors' published shares hold (a few rounds of
/// bisection, one share at a time). Returns the intercept, the size scale
/// and the sector offsets.
fn draw_innovators(rows: &mut [Row], count: usize, spec: &WaveSpec) -> Result<(f64, f64, [f64; 3])> {
    let mut size_scale = 1.0;
    let mut offsets = [0.0f64; 3];
    let sectors = sector_shares(&spec.period);
    let rounds = if sectors.iter().any(Option::is_some) { 12 } else { 1 };
    for _ in 0..rounds {
        if let Some(target) = spec.innovated_share {
            let (mut lo, mut hi) = (0.0f64, 4.0f64);
            for _ in 0..50 {
                let mid = 0.5 * (lo + hi);
                pick_innovators(rows, count, mid, &offsets);
                // A stronger size effect moves innovation to large, lightly weighted workplaces.
                if innovated_weight(rows, None) > target {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            size_scale = 0.5 * (lo + hi);
        }
        for (s, target) in sectors.iter().enumerate() {
            let Some(target) = *target else { continue };
            let (mut lo, mut hi) = (-4.0f64, 4.0f64);
            for _ in 0..50 {
                offsets[s] = 0.5 * (lo + hi);
                pick_innovators(rows, count, size_scale, &offsets);
                if innovated_weight(rows, Some(s)) < target {
                    lo = offsets[s];
                } else {
                    hi = offsets[s];
                }
            }
            offsets[s] = 0.5 * (lo + hi);
        }
    }
    let innovated_a = pick_innovators(rows, count, size_scale, &offsets);
    let mut checks: Vec<(Option<usize>, f64)> = spec.innovated_share.map(|t| (None, t)).into_iter().collect();
    checks.extend(sectors.iter().enumerate().filter_map(|(s, t)| t.map(|t| (Some(s), t))));
    for (sector, target) in checks {
        let got = innovated_weight(rows, sector);
        // A sector holds few respondents: one row moves its share by up to a point.
        let tolerance = if sector.is_some() { 0.01 } else { 0.005 };
        if (got - target).abs() > tolerance {
            let within = sector.map_or(String::new(), |s| format!(" in sector {s}"));
            return Err(Error::Internal(format!("synth calibration: {} innovators{within} weigh {:.4}, not {:.4}", spec.period, got, target)));
        }
    }
    Ok((innovated_a, size_scale, offsets))
}

/// Marks the `count` rows most inclined to innovate at size scale `scale`;
/// returns the intercept halfway between the last in and the first out.
fn pick_innovators(rows: &mut [Row], count: usize, scale: f64, offsets: &[f64; 3]) -> f64 {
    let mut t: Vec<(f64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let u = r.u[U_INNOVATED].clamp(1e-12, 1.0 - 1e-12);
            ((u / (1.0 - u)).ln() - innovation_eta(r, scale, offsets), i)
        })
        .collect();
    t.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for r in rows.iter_mut() {
        r.v[V_INNOVATED] = false;
    }
    for &(_, i) in &t[..count] {
        rows[i].v[V_INNOVATED] = true;
    }
    0.5 * (t[count - 1].0 + t[count].0)
}

/// The weighted share of innovators among all rows, or a sector's rows.
fn innovated_weight(rows: &[Row], sector: Option<usize>) -> f64 {
    let of = |r: &&Row| sector.is_none_or(|s| r.sector == s);
    let tot: f64 = rows.iter().filter(of).map(|r| r.weight).sum();
    rows.iter().filter(of).filter(|r| r.v[V_INNOVATED]).map(|r| r.weight).sum::<f64>() / tot
}
