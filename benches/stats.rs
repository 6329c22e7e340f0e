//! Times a representative chapter's estimates on synthetic designs of
//! 2 271, 1 million and 10 million rows (~60 strata): 10 shares, 5 shares
//! by group, 5 Rao-Scott 2x2 tests, 1 distribution and 1 logistic
//! regression with 6 terms. Run with `cargo bench --bench stats`; set
//! RAYON_NUM_THREADS to compare thread counts, BENCH_ROWS to run one size.

use std::hint::black_box;
use std::time::{Duration, Instant};

use barometer::stats::{self, Design};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

const N_STRATA: usize = 60;

struct Wave {
    design: Design,
    domain: Vec<bool>,
    items: Vec<Vec<f64>>,
    groups: Vec<Vec<f64>>,
    codes: Vec<f64>,
    terms: Vec<Vec<f64>>,
}

fn bernoulli_in(rng: &mut ChaCha8Rng, domain: &[bool], p: f64) -> Vec<f64> {
    domain
        .iter()
        .map(|&d| if d { f64::from(rng.random::<f64>() < p) } else { f64::NAN })
        .collect()
}

fn build(n: usize, seed: u64) -> (Wave, Duration) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let labels: Vec<String> = (0..N_STRATA).map(|h| format!("sector{}:size{}", h / 6, h % 6)).collect();
    let stratum: Vec<usize> = (0..n)
        .map(|i| if i < 2 * N_STRATA { i / 2 } else { rng.random_range(0..N_STRATA) })
        .collect();
    let mut rows = vec![0usize; N_STRATA];
    for &h in &stratum {
        rows[h] += 1;
    }
    let pop: Vec<f64> = rows.iter().map(|&r| (r as f64 * rng.random_range(2.0..20.0)).round()).collect();
    let strata: Vec<&str> = stratum.iter().map(|&h| labels[h].as_str()).collect();
    let fpc: Vec<f64> = stratum.iter().map(|&h| pop[h]).collect();
    let weight: Vec<f64> = stratum
        .iter()
        .map(|&h| pop[h] / rows[h] as f64 * rng.random_range(0.8..1.25))
        .collect();
    let start = Instant::now();
    let design = Design::new(&strata, &fpc, &weight).expect("valid design");
    let design_time = start.elapsed();
    let domain: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.8).collect();
    let items = (0..10).map(|k| bernoulli_in(&mut rng, &domain, 0.1 + 0.07 * k as f64)).collect();
    let groups = (0..5).map(|_| bernoulli_in(&mut rng, &domain, 0.4)).collect();
    let codes = domain
        .iter()
        .map(|&d| {
            if d {
                [1.0, 2.0, 3.0, 9.0][rng.random_range(0..4)]
            } else {
                f64::NAN
            }
        })
        .collect();
    let terms = (0..6).map(|k| bernoulli_in(&mut rng, &domain, 0.2 + 0.1 * k as f64)).collect();
    (
        Wave {
            design,
            domain,
            items,
            groups,
            codes,
            terms,
        },
        design_time,
    )
}

/// One estimate of the chapter; `kind` indexes the timing table.
#[derive(Clone, Copy)]
enum Job {
    Share(usize),
    ByGroup(usize),
    RaoScott(usize),
    Distribution,
    Logistic,
}

impl Job {
    fn all() -> Vec<Job> {
        let mut jobs: Vec<Job> = (0..10).map(Job::Share).collect();
        jobs.extend((0..5).map(Job::ByGroup));
        jobs.extend((0..5).map(Job::RaoScott));
        jobs.push(Job::Distribution);
        jobs.push(Job::Logistic);
        jobs
    }

    fn kind(self) -> usize {
        match self {
            Job::Share(_) => 0,
            Job::ByGroup(_) => 1,
            Job::RaoScott(_) => 2,
            Job::Distribution => 3,
            Job::Logistic => 4,
        }
    }

    /// Runs the estimate and returns a number derived from it, so nothing
    /// is optimised away and runs can be compared.
    fn run(self, w: &Wave) -> f64 {
        let (d, dom) = (&w.design, &w.domain[..]);
        match self {
            Job::Share(k) => stats::share(d, dom, &w.items[k]).unwrap().se,
            Job::ByGroup(k) => stats::by_group(d, dom, &w.items[k], &w.groups[k]).unwrap()[1].1.se,
            Job::RaoScott(k) => stats::rao_scott(d, dom, &w.items[k + 5], &w.groups[k]).unwrap().p_f,
            Job::Distribution => stats::distribution(d, dom, &w.codes, &[1.0, 2.0, 3.0, 9.0]).unwrap()[3].se,
            Job::Logistic => {
                let names = ["t1", "t2", "t3", "t4", "t5", "t6"];
                let terms: Vec<(&str, &[f64])> = names.iter().zip(&w.terms).map(|(n, t)| (*n, &t[..])).collect();
                stats::logistic(d, dom, &w.items[3], &terms).unwrap().coefficients[1].se
            }
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:>9.1}", d.as_secs_f64() * 1e3)
}

fn main() {
    let threads = rayon::current_num_threads();
    println!("stats benchmark, {threads} rayon threads, {N_STRATA} strata; times in ms (best of the repeats)");
    println!(
        "{:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "rows", "design", "10 share", "5 by_grp", "5 rao_sc", "1 distr", "1 logit", "seq sum", "par all"
    );
    // BENCH_ROWS=10000000 runs one size only.
    let only: Option<usize> = std::env::var("BENCH_ROWS").ok().and_then(|v| v.parse().ok());
    for (n, repeats) in [(2_271usize, 20usize), (1_000_000, 3), (10_000_000, 3)] {
        if only.is_some_and(|o| o != n) {
            continue;
        }
        let (wave, design_time) = build(n, 42);
        let jobs = Job::all();
        let mut best_kind = [Duration::MAX; 5];
        let mut best_seq = Duration::MAX;
        let mut best_par = Duration::MAX;
        let mut reference: Option<Vec<f64>> = None;
        for _ in 0..repeats {
            // Estimates one after another (each parallel over row chunks).
            let mut kind = [Duration::ZERO; 5];
            let start = Instant::now();
            let seq: Vec<f64> = jobs
                .iter()
                .map(|job| {
                    let t = Instant::now();
                    let v = black_box(job.run(&wave));
                    kind[job.kind()] += t.elapsed();
                    v
                })
                .collect();
            best_seq = best_seq.min(start.elapsed());
            for (b, k) in best_kind.iter_mut().zip(kind) {
                *b = (*b).min(k);
            }
            // The whole chapter at once, parallel across estimates too.
            let start = Instant::now();
            let par: Vec<f64> = jobs.par_iter().map(|job| black_box(job.run(&wave))).collect();
            best_par = best_par.min(start.elapsed());
            // Identical numbers whatever the scheduling.
            assert!(seq.iter().zip(&par).all(|(a, b)| a.to_bits() == b.to_bits()));
            if let Some(r) = &reference {
                assert!(r.iter().zip(&seq).all(|(a, b)| a.to_bits() == b.to_bits()));
            }
            reference = Some(seq);
        }
        println!(
            "{:>10} {} {} {} {} {} {} {} {}",
            n,
            ms(design_time),
            ms(best_kind[0]),
            ms(best_kind[1]),
            ms(best_kind[2]),
            ms(best_kind[3]),
            ms(best_kind[4]),
            ms(best_seq),
            ms(best_par)
        );
    }
}
