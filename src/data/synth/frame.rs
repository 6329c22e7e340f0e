//! The frame of the public sector that waves are drawn from, and the
//! allocation of a wave's respondents to its strata.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Sector codes, by a stratum's `sector`.
pub(super) const SECTORS: [&str; 3] = ["kommune", "region", "stat"];
/// Size bands, by a stratum's `size`.
pub(super) const SIZES: [&str; 4] = ["1-19", "20-49", "50-99", "100+"];

/// Population of each delsektor and its spread over the four sizes (percent).
const FRAME: [(usize, &str, u32, [u32; 4]); 14] = [
    (0, "administration", 600, [35, 30, 20, 15]),
    (0, "undervisning", 1700, [15, 35, 35, 15]),
    (0, "sundhed", 700, [55, 30, 10, 5]),
    (0, "aeldre_handicap", 1800, [30, 35, 25, 10]),
    (0, "dagtilbud", 3600, [55, 38, 6, 1]),
    (0, "social", 1100, [50, 32, 13, 5]),
    (0, "kultur_teknik", 800, [50, 30, 12, 8]),
    (1, "administration", 150, [30, 30, 20, 20]),
    (1, "sundhed", 750, [25, 30, 25, 20]),
    (1, "social", 300, [40, 40, 15, 5]),
    (2, "administration", 1000, [40, 25, 15, 20]),
    (2, "retsvaesen", 500, [35, 30, 20, 15]),
    (2, "undervisning", 900, [25, 30, 20, 25]),
    (2, "kultur_teknik", 600, [50, 25, 15, 10]),
];

/// Relative response (sampling × answering) propensity by size and sector.
const SIZE_PROPENSITY: [f64; 4] = [1.0, 1.6, 2.4, 3.6];
const SECTOR_PROPENSITY: [f64; 3] = [1.0, 0.9, 1.1];

/// A stratum of the frame.
#[derive(Debug, Clone)]
pub struct Stratum {
    pub sector: usize,
    pub area: &'static str,
    pub size: usize,
    pub population: u32,
}

impl Stratum {
    pub fn label(&self) -> String {
        format!("{}:{}:{}", SECTORS[self.sector], self.area, SIZES[self.size])
    }
}

/// The frame of about 14.500 public workplaces.
pub fn frame() -> Vec<Stratum> {
    let mut out = Vec::new();
    for (sector, area, total, spread) in FRAME {
        for (size, pct) in spread.iter().enumerate() {
            out.push(Stratum { sector, area, size, population: (total * pct).div_ceil(100).max(3) });
        }
    }
    out
}

/// Respondents per stratum: propensity-weighted, exactly `total`, each 2..=N_h.
pub fn allocate(frame: &[Stratum], populations: &[u32], total: usize, seed: u64, wave: usize) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1_000 + wave as u64);
    let s: Vec<f64> = frame
        .iter()
        .zip(populations)
        .map(|(st, &pop)| {
            let jitter = 0.75 + 0.5 * rng.random::<f64>();
            pop as f64 * SIZE_PROPENSITY[st.size] * SECTOR_PROPENSITY[st.sector] * jitter
        })
        .collect();
    let sum: f64 = s.iter().sum();
    let expected: Vec<f64> = s.iter().map(|x| total as f64 * x / sum).collect();
    let mut n: Vec<u32> = expected
        .iter()
        .zip(populations)
        .map(|(e, &pop)| (e.floor() as u32).clamp(2, pop))
        .collect();
    let mut have: usize = n.iter().map(|&x| x as usize).sum();
    while have != total {
        let gap = |i: usize| expected[i] - n[i] as f64;
        let pick = if have < total {
            (0..n.len()).filter(|&i| n[i] < populations[i]).max_by(|&a, &b| gap(a).total_cmp(&gap(b)).then(b.cmp(&a)))
        } else {
            (0..n.len()).filter(|&i| n[i] > 2).min_by(|&a, &b| gap(a).total_cmp(&gap(b)).then(a.cmp(&b)))
        };
        let Some(i) = pick else { break };
        if have < total {
            n[i] += 1;
            have += 1;
        } else {
            n[i] -= 1;
            have -= 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::super::DEFAULT_SEED;
    use super::*;

    #[test]
    fn frame_is_about_14500_workplaces_in_56_strata() {
        let f = frame();
        assert_eq!(f.len(), 56);
        let total: u32 = f.iter().map(|s| s.population).sum();
        assert!((14_400..=14_700).contains(&total), "{total}");
    }

    #[test]
    fn allocation_meets_the_published_count() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let codebook = crate::data::Codebook::load(&root.join("config/codebook.toml")).unwrap();
        let f = frame();
        let pops: Vec<u32> = f.iter().map(|s| s.population).collect();
        for spec in &codebook.waves {
            let responses = spec.responses.unwrap();
            let n = allocate(&f, &pops, responses, DEFAULT_SEED, 0);
            assert_eq!(n.iter().map(|&x| x as usize).sum::<usize>(), responses);
            assert!(n.iter().zip(&pops).all(|(&nh, &p)| nh >= 2 && nh <= p));
        }
    }
}
