//! The shipped synthetic waves reproduce every published number of
//! tests/reference/targets.toml within its tolerance, and the published
//! significance findings.

use std::collections::BTreeMap;

use barometer::data::{Codebook, Wave, load_wave};
use barometer::expr::{Expr, Indicators};
use barometer::pipeline::design_of;
use barometer::stats;
use serde::Deserialize;

use crate::common::{Target, reference, root};

#[derive(Deserialize)]
struct Targets {
    wave: Vec<WaveTarget>,
    target: Vec<Target>,
    finding: Vec<Finding>,
}

#[derive(Deserialize)]
struct WaveTarget {
    period: String,
    responses: usize,
    innovators: usize,
}

#[derive(Deserialize)]
struct Finding {
    period: String,
    domain: String,
    test: String,
    significant: Vec<String>,
    #[serde(default)]
    not_significant: Vec<String>,
}

fn load() -> (Targets, BTreeMap<String, Wave>, Indicators) {
    let text = std::fs::read_to_string(reference().join("targets.toml")).unwrap();
    let targets: Targets = toml::from_str(&text).unwrap();
    let codebook = Codebook::load(&root().join("config/codebook.toml")).unwrap();
    let mut waves = BTreeMap::new();
    for w in &targets.wave {
        let wave = load_wave(&root().join(format!("inputs/waves/{}.csv", w.period)), &codebook)
            .unwrap_or_else(|p| panic!("{p}"));
        waves.insert(w.period.clone(), wave);
    }
    let mut env = Indicators::new();
    env.insert("innovators".into(), Expr::parse("innovated = 1").unwrap());
    (targets, waves, env)
}

fn as_f64(b: &[bool]) -> Vec<f64> {
    b.iter().map(|&x| f64::from(u8::from(x))).collect()
}

#[test]
fn waves_have_the_published_counts() {
    let (targets, waves, _) = load();
    for w in &targets.wave {
        let wave = &waves[&w.period];
        assert_eq!(wave.rows(), w.responses, "{}", w.period);
        let innovators = wave.values("innovated").unwrap().iter().filter(|&&x| x == 1.0).count();
        assert_eq!(innovators, w.innovators, "{}", w.period);
    }
}

#[test]
fn every_published_target_is_met() {
    let (targets, waves, env) = load();
    let mut failures = Vec::new();
    for t in &targets.target {
        let wave = &waves[&t.period];
        let design = design_of(wave).unwrap();
        let domain = Expr::parse(&t.domain).unwrap().eval(wave, &env).unwrap();
        if let Some(rest) = t.indicator.strip_prefix("ratio: ") {
            // "ratio: Y among G to among neither"
            let (y, rest) = rest.split_once(" among ").unwrap();
            let (group, _) = rest.split_once(" to among neither").unwrap();
            let y = as_f64(&Expr::parse(y).unwrap().eval(wave, &env).unwrap());
            let g = Expr::parse(group).unwrap().eval(wave, &env).unwrap();
            let a: Vec<bool> = domain.iter().zip(&g).map(|(d, g)| *d && *g).collect();
            let b: Vec<bool> = domain.iter().zip(&g).map(|(d, g)| *d && !*g).collect();
            let r = stats::ratio(&design, &a, &b, &y).unwrap();
            let (want, tol) = (t.published_ratio.unwrap(), t.tolerance_ratio.unwrap());
            if (r.estimate - want).abs() > tol {
                failures.push(format!("{} {}: ratio {:.2}, published {want} ± {tol}", t.period, t.indicator, r.estimate));
            }
            continue;
        }
        let y = as_f64(&Expr::parse(&t.indicator).unwrap().eval(wave, &env).unwrap());
        let est = stats::share(&design, &domain, &y).unwrap();
        let (want, tol) = (t.published.unwrap(), t.tolerance_pp.unwrap());
        let got = 100.0 * est.estimate;
        if (got - want).abs() > tol {
            failures.push(format!("{} [{}] {}: {got:.2} %, published {want} ± {tol} ({})", t.period, t.domain, t.indicator, t.source));
        }
    }
    assert!(failures.is_empty(), "targets missed:\n{}", failures.join("\n"));
    assert!(targets.target.len() >= 40);
}

#[test]
fn published_findings_come_out_as_published() {
    let (targets, waves, env) = load();
    for f in &targets.finding {
        let wave = &waves[&f.period];
        let design = design_of(wave).unwrap();
        let domain = Expr::parse(&f.domain).unwrap().eval(wave, &env).unwrap();
        let (rows, by) = f.test.split_once(" by ").unwrap();
        let col = as_f64(&Expr::parse(by).unwrap().eval(wave, &env).unwrap());
        // "value_KIND" names a family; a plain item names itself.
        let kinds: Vec<(String, String)> = match rows.strip_suffix("KIND") {
            Some(prefix) => f
                .significant
                .iter()
                .chain(&f.not_significant)
                .map(|k| (k.clone(), format!("{prefix}{k}")))
                .collect(),
            None => vec![(rows.to_string(), rows.to_string())],
        };
        for (kind, item) in kinds {
            let y = wave.values(&item).unwrap();
            let test = stats::rao_scott(&design, &domain, &y, &col).unwrap();
            let significant = test.p_f < 0.05;
            let expected = f.significant.contains(&kind);
            assert_eq!(significant, expected, "{} {item} by {by}: p = {}", f.period, test.p_f);
        }
    }
}
