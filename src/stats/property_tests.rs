//! Properties of the estimators on seeded synthetic designs, checks against
//! a deliberately naive implementation of the README formulas, and the
//! exact wording of every error.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::design::CHUNK_ROWS;
use super::*;

/// A synthetic stratified sample: labels, fpc, weights varying within
/// strata (so no formula can lean on constant weights).
struct Synth {
    strata: Vec<String>,
    stratum: Vec<usize>,
    fpc: Vec<f64>,
    weight: Vec<f64>,
    pop: Vec<f64>,
    rows: Vec<usize>,
}

impl Synth {
    fn new(rng: &mut ChaCha8Rng, n: usize, n_strata: usize) -> Synth {
        let mut s = Synth {
            strata: vec![],
            stratum: vec![],
            fpc: vec![],
            weight: vec![],
            pop: vec![],
            rows: vec![0; n_strata],
        };
        for i in 0..n {
            // every stratum gets at least two rows
            let h = if i < 2 * n_strata { i / 2 } else { rng.random_range(0..n_strata) };
            s.stratum.push(h);
            s.rows[h] += 1;
        }
        // sampling fractions between 3 % and 50 %
        s.pop = s.rows.iter().map(|&r| (r as f64 * rng.random_range(2.0..30.0)).round()).collect();
        for i in 0..n {
            let h = s.stratum[i];
            s.strata.push(format!("s{h}"));
            s.fpc.push(s.pop[h]);
            s.weight.push(s.pop[h] / s.rows[h] as f64 * rng.random_range(0.5..1.5));
        }
        s
    }

    fn design(&self) -> Design {
        Design::new(&self.strata, &self.fpc, &self.weight).unwrap()
    }

    /// The README's linearised variance, literally: per-row scores, centred
    /// on each stratum's mean in a second pass.
    fn naive_variance(&self, z: &[f64]) -> f64 {
        let k = self.rows.len();
        let mut mean = vec![0.0; k];
        for (i, &h) in self.stratum.iter().enumerate() {
            mean[h] += z[i] / self.rows[h] as f64;
        }
        let mut ss = vec![0.0; k];
        for (i, &h) in self.stratum.iter().enumerate() {
            ss[h] += (z[i] - mean[h]).powi(2);
        }
        (0..k)
            .map(|h| {
                let nh = self.rows[h] as f64;
                (1.0 - nh / self.pop[h]) * nh / (nh - 1.0) * ss[h]
            })
            .sum()
    }

    /// Share and SE by the README formulas.
    fn naive_share(&self, d: &[bool], y: &[f64]) -> (f64, f64) {
        let w: f64 = (0..y.len()).filter(|&i| d[i]).map(|i| self.weight[i]).sum();
        let p = (0..y.len()).filter(|&i| d[i]).map(|i| self.weight[i] * y[i]).sum::<f64>() / w;
        let z: Vec<f64> = (0..y.len())
            .map(|i| if d[i] { self.weight[i] * (y[i] - p) / w } else { 0.0 })
            .collect();
        (p, self.naive_variance(&z).sqrt())
    }
}

fn bernoulli(rng: &mut ChaCha8Rng, n: usize, p: f64) -> Vec<f64> {
    (0..n).map(|_| f64::from(rng.random::<f64>() < p)).collect()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn share_and_total_equal_the_naive_formulas() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let s = Synth::new(&mut rng, 3_000, 12);
    let design = s.design();
    let d: Vec<bool> = (0..3_000).map(|_| rng.random::<f64>() < 0.6).collect();
    let y = bernoulli(&mut rng, 3_000, 0.3);
    let e = share(&design, &d, &y).unwrap();
    let (p, se) = s.naive_share(&d, &y);
    assert!(close(e.estimate, p, 1e-13) && close(e.se, se, 1e-11), "{e:?} vs {p} {se}");
    assert_eq!(e.n, d.iter().filter(|&&b| b).count());
    assert_eq!(e.degf, (e.n - 12) as f64);

}

#[test]
fn domain_se_equals_by_group_se() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let n = 2_000;
    let s = Synth::new(&mut rng, n, 8);
    let design = s.design();
    let d: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.7).collect();
    let y = bernoulli(&mut rng, n, 0.4);
    // group missing outside the domain, as for items asked of innovators only
    let group: Vec<f64> = (0..n)
        .map(|i| if d[i] { rng.random_range(1..4) as f64 } else { f64::NAN })
        .collect();
    let groups = by_group(&design, &d, &y, &group).unwrap();
    assert_eq!(groups.iter().map(|g| g.0).collect::<Vec<_>>(), vec![1.0, 2.0, 3.0]);
    for (level, e) in groups {
        let dg: Vec<bool> = (0..n).map(|i| d[i] && group[i] == level).collect();
        assert_eq!(share(&design, &dg, &y).unwrap(), e);
    }
}

#[test]
fn distribution_shares_sum_to_one_and_equal_indicator_shares() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 1_500;
    let s = Synth::new(&mut rng, n, 6);
    let design = s.design();
    let d: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.8).collect();
    let codes: Vec<f64> = (0..n).map(|_| [1.0, 2.0, 3.0, 9.0][rng.random_range(0..4)]).collect();
    let levels = [1.0, 2.0, 3.0, 9.0];
    let dist = distribution(&design, &d, &codes, &levels).unwrap();
    let sum: f64 = dist.iter().map(|e| e.estimate).sum();
    assert!((sum - 1.0).abs() < 1e-12, "sum {sum}");
    for (l, e) in levels.iter().zip(&dist) {
        let ind: Vec<f64> = codes.iter().map(|&c| f64::from(c == *l)).collect();
        let one = share(&design, &d, &ind).unwrap();
        assert!(close(e.estimate, one.estimate, 1e-14) && close(e.se, one.se, 1e-12));
    }
}

#[test]
fn rao_scott_p_values_are_uniform_under_independence() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let draws = 200;
    let mut p_values = Vec::with_capacity(draws);
    for draw in 0..draws {
        let n = 800;
        let s = Synth::new(&mut rng, n, 10);
        let design = s.design();
        let d: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.75).collect();
        let r = rao_scott(&design, &d, &bernoulli(&mut rng, n, 0.3), &bernoulli(&mut rng, n, 0.6)).unwrap();
        assert!(r.p_f > 0.0 && r.p_f <= 1.0 && r.ndf > 0.0 && r.ddf > 0.0);
        if draw % 2 == 0 {
            p_values.push(r.p_f);
        } else {
            // and a 3 x 4 table
            let a: Vec<f64> = (0..n).map(|_| rng.random_range(1..4) as f64).collect();
            let b: Vec<f64> = (0..n).map(|_| rng.random_range(1..5) as f64).collect();
            p_values.push(rao_scott(&design, &d, &a, &b).unwrap().p_f);
        }
    }
    let below = p_values.iter().filter(|&&p| p < 0.05).count() as f64 / draws as f64;
    assert!((0.01..=0.10).contains(&below), "share of p < 0.05: {below}");
    p_values.sort_by(f64::total_cmp);
    let ks = p_values
        .iter()
        .enumerate()
        .map(|(i, &p)| (p - i as f64 / draws as f64).abs().max(((i + 1) as f64 / draws as f64 - p).abs()))
        .fold(0.0, f64::max);
    // 1.63 / sqrt(200) is the 1 % critical value
    assert!(ks < 0.115, "Kolmogorov-Smirnov distance {ks}");
}

#[test]
fn rao_scott_detects_association() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n = 1_000;
    let s = Synth::new(&mut rng, n, 10);
    let d = vec![true; n];
    let a = bernoulli(&mut rng, n, 0.5);
    let b: Vec<f64> = a.iter().map(|&x| f64::from(rng.random::<f64>() < 0.3 + 0.3 * x)).collect();
    let r = rao_scott(&s.design(), &d, &a, &b).unwrap();
    assert!(r.p_f < 1e-6 && r.p_chisq < 1e-6, "{r:?}");
    assert_eq!(r.df, 1.0);
    // An empty cell is allowed (R's svychisq gives it zero weight).
    let c: Vec<f64> = (0..n)
        .map(|i| {
            if a[i] == 1.0 {
                rng.random_range(1..3) as f64
            } else {
                rng.random_range(1..4) as f64
            }
        })
        .collect();
    let r = rao_scott(&s.design(), &d, &a, &c).unwrap();
    assert_eq!(r.df, 2.0);
    assert!(r.f.is_finite() && r.p_f > 0.0 && r.p_f <= 1.0 && r.ndf > 0.0, "{r:?}");
}

#[test]
fn constant_items_give_exact_zero_and_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let n = 500;
    let s = Synth::new(&mut rng, n, 5);
    let design = s.design();
    let d: Vec<bool> = (0..n).map(|i| i % 3 != 0).collect();
    for v in [0.0, 1.0] {
        let y: Vec<f64> = (0..n).map(|i| if d[i] { v } else { f64::NAN }).collect();
        let e = share(&design, &d, &y).unwrap();
        assert_eq!((e.estimate, e.se, e.ci), (v, 0.0, None));
        let groups = by_group(&design, &d, &y, &bernoulli(&mut rng, n, 0.5)).unwrap();
        assert!(groups.iter().all(|(_, e)| e.estimate == v && e.se == 0.0 && e.ci.is_none()));
    }
    // A level nobody chose is an exact 0 in a distribution.
    let codes: Vec<f64> = (0..n).map(|i| (i % 2) as f64 + 1.0).collect();
    let dist = distribution(&design, &d, &codes, &[1.0, 2.0, 9.0]).unwrap();
    assert_eq!((dist[2].estimate, dist[2].se, dist[2].ci), (0.0, 0.0, None));
}

#[test]
fn stratum_with_one_respondent_in_the_domain_follows_the_formula() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let n = 400;
    let s = Synth::new(&mut rng, n, 4);
    let design = s.design();
    // stratum 0 holds exactly one domain row
    let mut seen = false;
    let d: Vec<bool> = (0..n)
        .map(|i| {
            if s.stratum[i] == 0 {
                let first = !seen;
                seen = true;
                first
            } else {
                i % 2 == 0
            }
        })
        .collect();
    let y = bernoulli(&mut rng, n, 0.5);
    let e = share(&design, &d, &y).unwrap();
    let (p, se) = s.naive_share(&d, &y);
    assert!(close(e.estimate, p, 1e-13) && close(e.se, se, 1e-11));
    let n_dom = d.iter().filter(|&&b| b).count();
    assert_eq!((e.n, e.degf), (n_dom, (n_dom - 4) as f64));
}

#[test]
fn ratio_matches_the_naive_delta_method() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let n = 2_500;
    let s = Synth::new(&mut rng, n, 9);
    let design = s.design();
    let sector: Vec<usize> = (0..n).map(|_| rng.random_range(0..3)).collect();
    let y: Vec<f64> = sector
        .iter()
        .map(|&g| f64::from(rng.random::<f64>() < 0.15 * (g as f64 + 1.0)))
        .collect();
    let a: Vec<bool> = sector.iter().map(|&g| g == 2).collect();
    let b: Vec<bool> = sector.iter().map(|&g| g == 0).collect();
    let r = ratio(&design, &a, &b, &y).unwrap();
    let (pa, _) = s.naive_share(&a, &y);
    let (pb, _) = s.naive_share(&b, &y);
    let wa: f64 = (0..n).filter(|&i| a[i]).map(|i| s.weight[i]).sum();
    let wb: f64 = (0..n).filter(|&i| b[i]).map(|i| s.weight[i]).sum();
    let rr = pa / pb;
    let z: Vec<f64> = (0..n)
        .map(|i| {
            let za = if a[i] { s.weight[i] * (y[i] - pa) / wa } else { 0.0 };
            let zb = if b[i] { s.weight[i] * (y[i] - pb) / wb } else { 0.0 };
            (za - rr * zb) / pb
        })
        .collect();
    assert!(
        close(r.estimate, rr, 1e-13) && close(r.se, s.naive_variance(&z).sqrt(), 1e-10),
        "{r:?}"
    );
    let (lo, hi) = r.ci.unwrap();
    assert!(lo < rr && rr < hi);
    // nested domains: a inside b
    let all = vec![true; n];
    let nested = ratio(&design, &a, &all, &y).unwrap();
    let (pall, _) = s.naive_share(&all, &y);
    let wall: f64 = s.weight.iter().sum();
    let z: Vec<f64> = (0..n)
        .map(|i| {
            let za = if a[i] { s.weight[i] * (y[i] - pa) / wa } else { 0.0 };
            let zb = s.weight[i] * (y[i] - pall) / wall;
            (za - pa / pall * zb) / pall
        })
        .collect();
    assert!(close(nested.se, s.naive_variance(&z).sqrt(), 1e-10));
    // a domain against itself: exactly 1 with no variance
    let same = ratio(&design, &a, &a, &y).unwrap();
    assert_eq!((same.estimate, same.se), (1.0, 0.0));
}

#[test]
fn logistic_with_one_binary_term_recovers_the_group_logits() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let n = 3_000;
    let s = Synth::new(&mut rng, n, 10);
    let design = s.design();
    let d: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.8).collect();
    let x = bernoulli(&mut rng, n, 0.4);
    let y: Vec<f64> = x.iter().map(|&x| f64::from(rng.random::<f64>() < 0.3 + 0.25 * x)).collect();
    let fit = logistic(&design, &d, &y, &[("x", &x)]).unwrap();
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let d0: Vec<bool> = (0..n).map(|i| d[i] && x[i] == 0.0).collect();
    let d1: Vec<bool> = (0..n).map(|i| d[i] && x[i] == 1.0).collect();
    let (p0, se0) = s.naive_share(&d0, &y);
    let (p1, _) = s.naive_share(&d1, &y);
    let c = &fit.coefficients;
    assert_eq!((c[0].term.as_str(), c[1].term.as_str()), ("(Intercept)", "x"));
    assert!(close(c[0].estimate, logit(p0), 1e-7) && close(c[1].estimate, logit(p1) - logit(p0), 1e-7));
    // a saturated model's intercept SE is the delta-method SE of logit(p0)
    assert!(
        close(c[0].se, se0 / (p0 * (1.0 - p0)), 1e-5),
        "{} vs {}",
        c[0].se,
        se0 / (p0 * (1.0 - p0))
    );
    let n_dom = d.iter().filter(|&&b| b).count();
    assert_eq!(fit.df_residual, (n_dom - 10 + 1 - 2) as f64);
    assert!(c.iter().all(|c| c.p > 0.0 && c.p <= 1.0 && c.t.is_finite()));
}

#[test]
fn logistic_backends_agree() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let n = 5_000;
    let s = Synth::new(&mut rng, n, 15);
    let design = s.design();
    let d: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.8).collect();
    let a = bernoulli(&mut rng, n, 0.4);
    let code: Vec<f64> = (0..n).map(|_| rng.random_range(0..4) as f64 * 0.5).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| f64::from(rng.random::<f64>() < 0.2 + 0.2 * a[i] + 0.1 * code[i]))
        .collect();
    let terms: [(&str, &[f64]); 2] = [("a", &a), ("code", &code)];
    let grouped = super::logistic::fit(&design, &d, &y, &terms, true).unwrap();
    let rows = super::logistic::fit(&design, &d, &y, &terms, false).unwrap();
    assert_eq!(grouped.iterations, rows.iterations);
    for (g, r) in grouped.coefficients.iter().zip(&rows.coefficients) {
        assert!(
            close(g.estimate, r.estimate, 1e-12) && close(g.se, r.se, 1e-11) && close(g.p, r.p, 1e-11),
            "{g:?} vs {r:?}"
        );
    }
    // A continuous term cannot be grouped; the fit still works.
    let age: Vec<f64> = (0..n).map(|_| rng.random_range(20.0..70.0)).collect();
    let fit = logistic(&design, &d, &y, &[("a", &a), ("age", &age)]).unwrap();
    assert!(fit.coefficients[2].p > 0.001, "age is unrelated: {fit:?}");
}

#[test]
fn logistic_groups_a_factor_by_the_patterns_that_occur() {
    // Dummies of a 17-level factor: 2^16 level combinations, of which only
    // 17 occur. The grouped backend keeps those, and agrees with row by row.
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let n = 6_000;
    let s = Synth::new(&mut rng, n, 12);
    let design = s.design();
    let d: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.85).collect();
    let level: Vec<usize> = (0..n).map(|_| rng.random_range(0..17)).collect();
    let g = bernoulli(&mut rng, n, 0.5);
    let y: Vec<f64> = (0..n).map(|i| f64::from(rng.random::<f64>() < 0.2 + 0.02 * level[i] as f64 + 0.2 * g[i])).collect();
    let dummies: Vec<(String, Vec<f64>)> =
        (1..17).map(|l| (format!("area{l}"), level.iter().map(|&x| f64::from(u8::from(x == l))).collect())).collect();
    let mut terms: Vec<(&str, &[f64])> = vec![("g", &g)];
    terms.extend(dummies.iter().map(|(n, v)| (n.as_str(), v.as_slice())));
    let grouped = super::logistic::fit(&design, &d, &y, &terms, true).unwrap();
    let rows = super::logistic::fit(&design, &d, &y, &terms, false).unwrap();
    assert_eq!(grouped.coefficients.len(), 18);
    assert_eq!(grouped.iterations, rows.iterations);
    for (a, b) in grouped.coefficients.iter().zip(&rows.coefficients) {
        assert!(close(a.estimate, b.estimate, 1e-11) && close(a.se, b.se, 1e-10) && close(a.p, b.p, 1e-10), "{a:?} vs {b:?}");
    }
}

#[test]
fn masks_give_the_numbers_of_their_f64_copies() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let n = 2 * CHUNK_ROWS + 77;
    let s = Synth::new(&mut rng, n, 9);
    let design = s.design();
    let d: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.7).collect();
    let yb: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.35).collect();
    let gb: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.5).collect();
    let f = |v: &[bool]| -> Vec<f64> { v.iter().map(|&b| f64::from(u8::from(b))).collect() };
    let (y, g) = (f(&yb), f(&gb));
    let db: Vec<bool> = d.iter().zip(&gb).map(|(a, b)| *a && !*b).collect();
    let da: Vec<bool> = d.iter().zip(&gb).map(|(a, b)| *a && *b).collect();
    assert_eq!(share(&design, &d, &yb).unwrap(), share(&design, &d, &y).unwrap());
    // several items in one pass: exactly each item alone
    let ys: [&[bool]; 3] = [&yb, &gb, &d];
    let each: Vec<Estimate> = ys.iter().map(|y| share(&design, &d, *y).unwrap()).collect();
    assert_eq!(shares(&design, &d, &ys).unwrap(), each);
    let bad = [0.0, 2.0].repeat(n / 2 + 1)[..n].to_vec();
    assert_eq!(shares(&design, &d, &[&y, &bad]).unwrap_err().to_string(), share(&design, &d, &bad).unwrap_err().to_string());
    assert_eq!(by_group(&design, &d, &yb, &g).unwrap(), by_group(&design, &d, &y, &g).unwrap());
    assert_eq!(ratio(&design, &da, &db, &yb).unwrap(), ratio(&design, &da, &db, &y).unwrap());
    assert_eq!(rao_scott(&design, &d, &yb, &gb).unwrap(), rao_scott(&design, &d, &y, &g).unwrap());
    assert_eq!(logistic(&design, &d, &yb, &[("g", &gb[..])]).unwrap(), logistic(&design, &d, &y, &[("g", &g[..])]).unwrap());
    // one model, several outcomes: exactly each outcome alone
    let x: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
    let terms: [(&str, &[bool]); 2] = [("g", &gb), ("x", &x)];
    let y2: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.5).collect();
    let outcomes: [&[bool]; 2] = [&yb, &y2];
    let each: Vec<Logistic> = outcomes.iter().map(|o| logistic(&design, &d, *o, &terms).unwrap()).collect();
    assert_eq!(logistic_each(&design, &d, &outcomes, &terms).unwrap(), each);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let n = 3 * CHUNK_ROWS + 123;
    let s = Synth::new(&mut rng, n, 20);
    let design = s.design();
    let d: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.7).collect();
    let y = bernoulli(&mut rng, n, 0.4);
    let g = bernoulli(&mut rng, n, 0.5);
    let x = bernoulli(&mut rng, n, 0.3);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            (
                share(&design, &d, &y).unwrap(),
                by_group(&design, &d, &y, &g).unwrap(),
                rao_scott(&design, &d, &y, &g).unwrap(),
                logistic(&design, &d, &y, &[("g", &g), ("x", &x)]).unwrap(),
                super::logistic::fit(&design, &d, &y, &[("g", &g), ("x", &x)], false).unwrap(),
            )
        })
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn errors_are_clear_sentences() {
    let msg = |e: StatsError| e.to_string();
    let strata = ["a", "a", "b", "b", "b"];
    let fpc = [10.0, 10.0, 20.0, 20.0, 20.0];
    let w = [5.0, 5.0, 6.0, 7.0, 7.0];
    let design = Design::new(&strata, &fpc, &w).unwrap();
    let all = [true; 5];

    assert_eq!(
        msg(Design::new(&["a", "a", "b"], &[10.0; 3], &[1.0; 3]).unwrap_err()),
        "stratum \"b\" has only 1 row(s); every stratum needs at least 2 rows to estimate a variance"
    );
    assert_eq!(
        msg(Design::new(&strata, &fpc[..4], &w).unwrap_err()),
        "the fpc column has 4 entries but the design has 5 rows"
    );
    assert_eq!(
        msg(Design::new(&strata, &fpc, &[5.0, 0.0, 6.0, 7.0, 7.0]).unwrap_err()),
        "row 1 has sampling weight 0; weights must be positive and finite"
    );
    assert_eq!(
        msg(Design::new(&strata, &[10.0, 10.0, 2.0, 2.0, 2.0], &w).unwrap_err()),
        "stratum \"b\" has 3 sampled rows but a population count (fpc) of 2; the population cannot be smaller than the sample"
    );
    assert_eq!(
        msg(Design::new(&strata, &[10.0, 11.0, 20.0, 20.0, 20.0], &w).unwrap_err()),
        "stratum \"a\" has population counts 10 and 11; the fpc must be the same on every row of a stratum"
    );
    assert_eq!(msg(Design::new::<&str>(&[], &[], &[]).unwrap_err()), "the design has no rows");

    let y = [0.0, 1.0, 1.0, 0.0, 1.0];
    assert_eq!(msg(share(&design, &[false; 5], &y).unwrap_err()), "the domain has no respondents");
    assert_eq!(
        msg(share(&design, &all[..3], &y).unwrap_err()),
        "the domain has 3 entries but the design has 5 rows"
    );
    let missing = [0.0, f64::NAN, 1.0, f64::NAN, 1.0];
    assert_eq!(
        msg(share(&design, &all, &missing).unwrap_err()),
        "the item is missing in 2 of the 5 rows of the domain"
    );
    // missing outside the domain is fine
    assert!(share(&design, &[true, false, true, false, true], &missing).is_ok());
    assert_eq!(
        msg(share(&design, &all, &[0.0, 1.0, 2.0, 0.0, 1.0]).unwrap_err()),
        "the item must be 0 or 1 inside the domain, but 1 rows hold other values (for example 2)"
    );
    assert_eq!(
        msg(distribution(&design, &all, &[1.0, 2.0, 9.0, 4.0, 1.0], &[1.0, 2.0, 3.0]).unwrap_err()),
        "the item has 2 rows in the domain with codes outside the levels {1, 2, 3} (for example 9)"
    );
    assert_eq!(
        msg(distribution(&design, &all, &y, &[0.0, 1.0, 0.0]).unwrap_err()),
        "the levels {0, 1, 0} must be distinct numbers"
    );
    assert_eq!(
        msg(by_group(&design, &all, &y, &missing).unwrap_err()),
        "the group is missing in 2 of the 5 rows of the domain"
    );

    assert_eq!(
        msg(rao_scott(&design, &all, &[1.0; 5], &y).unwrap_err()),
        "the row item takes only one value in the domain, so there is no association to test"
    );
    assert_eq!(
        msg(rao_scott(&design, &all, &y, &[2.0; 5]).unwrap_err()),
        "the column item takes only one value in the domain, so there is no association to test"
    );
    // Fully enumerated strata have no sampling variance: no test is possible.
    let census = Design::new(&strata, &[2.0, 2.0, 3.0, 3.0, 3.0], &[1.0; 5]).unwrap();
    assert_eq!(
        msg(rao_scott(&census, &all, &y, &[1.0, 1.0, 2.0, 2.0, 1.0]).unwrap_err()),
        "cannot test association: the design effects are zero (no sampling variance)"
    );

    assert_eq!(
        msg(ratio(&design, &all, &all, &[0.0; 5]).unwrap_err()),
        "the ratio is undefined because the share in the second domain is 0"
    );

    let x = [1.0, 0.0, 1.0, 1.0, 0.0];
    assert_eq!(
        msg(logistic(&design, &all, &y, &[("x", &x), ("x2", &x), ("x3", &x)]).unwrap_err()),
        "the domain leaves 3 degrees of freedom, too few for a logistic regression with 4 coefficients"
    );
    assert_eq!(
        msg(logistic(&design, &all, &missing, &[("x", &x)]).unwrap_err()),
        "the outcome is missing in 2 of the 5 rows of the domain"
    );
    assert_eq!(
        msg(logistic(&design, &all, &y, &[("x", &missing)]).unwrap_err()),
        "term \"x\" is missing in 2 of the 5 rows of the domain"
    );

    // On a larger sample: collinear terms, and complete separation.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let s = Synth::new(&mut rng, 300, 3);
    let big = s.design();
    let d = vec![true; 300];
    let x = bernoulli(&mut rng, 300, 0.5);
    let not_x: Vec<f64> = x.iter().map(|v| 1.0 - v).collect();
    let y = bernoulli(&mut rng, 300, 0.5);
    assert_eq!(
        msg(logistic(&big, &d, &y, &[("x", &x), ("not x", &not_x)]).unwrap_err()),
        "the logistic regression term \"not x\" is constant or collinear with the terms before it in the domain"
    );
    assert_eq!(
        msg(logistic(&big, &d, &y, &[("zero", &[0.0; 300])]).unwrap_err()),
        "the logistic regression term \"zero\" is constant or collinear with the terms before it in the domain"
    );
    let err = logistic(&big, &d, &x, &[("x", &x)]).unwrap_err();
    assert_eq!(
        msg(err),
        "the logistic regression fits probabilities of numerically 0 or 1 (complete separation), so its standard errors are meaningless"
    );
}
