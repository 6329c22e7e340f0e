//! The shipped synthetic waves reproduce every published number of the
//! project's own copy of the published numbers
//! (inputs/published/published.toml: 124 weighted shares and a ratio, 34
//! significance findings, the editions' counts) within its tolerance, as
//! computed by the report's own expressions and estimators
//! (`compute::verify`, which `barometer verify` prints).

use std::collections::BTreeMap;

use barometer::compute::WaveData;
use barometer::compute::verify::{Published, Verification, verify};
use barometer::data::{Codebook, load_wave};
use barometer::pipeline::design_of;

use crate::common::{Target, reference, root};

fn published(codebook: &Codebook) -> Published {
    Published::load(&root().join("inputs/published/published.toml"), codebook).unwrap_or_else(|e| panic!("{e}"))
}

fn verification() -> Verification {
    let codebook = Codebook::load(&root().join("config/codebook.toml")).unwrap();
    let published = published(&codebook);
    let mut waves = BTreeMap::new();
    for w in &published.waves {
        let wave = load_wave(&root().join(format!("inputs/waves/{}.csv", w.period)), &codebook).unwrap_or_else(|p| panic!("{p}"));
        let design = design_of(&wave).unwrap();
        waves.insert(w.period.clone(), WaveData { wave, design });
    }
    verify(&published, &codebook, &waves).unwrap()
}

#[test]
fn every_published_number_and_finding_is_met() {
    let v = verification();
    for (period, what, deviation) in v.worst_by_period() {
        println!("worst deviation {period}: {deviation:+.2} points, {what}");
    }
    assert!(v.periods_without_wave.is_empty(), "{:?}", v.periods_without_wave);
    assert_eq!(v.counts.len(), 8);
    assert_eq!(v.targets.len(), 124);
    // 34 findings, 64 tested parts; 6 findings under controls, 9 parts.
    assert_eq!(v.findings.len(), 64);
    assert_eq!(v.controlled.len(), 9);
    let failures = v.failures();
    assert!(failures.is_empty(), "not as published:\n{}", failures.join("\n"));
    assert!(v.passed);
}

#[test]
fn the_published_numbers_keep_todays_targets() {
    #[derive(serde::Deserialize)]
    struct Today {
        target: Vec<Target>,
    }
    let today: Today = toml::from_str(&std::fs::read_to_string(reference().join("targets.toml")).unwrap()).unwrap();
    let codebook = Codebook::load(&root().join("config/codebook.toml")).unwrap();
    let p = published(&codebook);
    for t in &today.target {
        let found = p.targets.iter().any(|q| {
            q.period == t.period
                && q.domain == t.domain
                && q.indicator == t.indicator
                && q.published == t.published
                && q.tolerance_pp == t.tolerance_pp
                && q.published_ratio == t.published_ratio
                && q.tolerance_ratio == t.tolerance_ratio
                && q.source == t.source
        });
        assert!(found, "{} [{}] {} is not in published.toml", t.period, t.domain, t.indicator);
    }
}

/// The sub-bases' unweighted counts that the publisher printed
/// (wave-data-v2.md §8): those the synthetic draw calibrates within two
/// rows, the others (unions of several drawn items) within fifteen.
#[test]
fn waves_show_the_published_sub_base_counts() {
    let codebook = Codebook::load(&root().join("config/codebook.toml")).unwrap();
    let p = published(&codebook);
    let bases = [
        ("2018-2019", "innovated = 0", 394, 0),
        ("2018-2019", "developing", 111, 2),
        ("2018-2019", "evaluated_innovations", 749, 2),
        ("2018-2019", "tech_innovations", 733, 2),
        ("2018-2019", "collaborators", 1334, 15),
        ("2018-2019", "reused_innovations", 1349, 15),
        ("2018-2019", "novelty_known", 1704, 15),
        ("2021-2023", "innovated = 1 and collab_private = 1", 247, 2),
        ("2021-2023", "procurement = 1", 174, 2),
        ("2021-2023", "procurement_tender = 1", 36, 2),
    ];
    for (period, domain, published_n, slack) in bases {
        let wave = load_wave(&root().join(format!("inputs/waves/{period}.csv")), &codebook).unwrap();
        let expr = barometer::expr::Expr::parse(domain).unwrap();
        let n = expr.eval(&wave, &p.env).unwrap().iter().filter(|x| **x).count();
        assert!(n.abs_diff(published_n) <= slack, "{period} {domain}: {n} rows, published n={published_n}");
    }
}
