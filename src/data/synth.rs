//! Synthetic waves: the real microdata are not public, so the project ships
//! waves drawn from a model of the public sector that reproduces the
//! published numbers (spec/targets.toml).
//!
//! How a wave is drawn:
//! - a frame of 14.500 workplaces in 56 strata (sector × delsektor × size);
//! - respondents allocated to strata with response propensities that differ
//!   by size, sector and stratum, summing exactly to the published count;
//! - weights N_h / n_h;
//! - the published number of innovators, larger workplaces more often;
//! - every item a logistic draw whose intercept is calibrated (bisection) so
//!   that the weighted share in its domain meets its target; correlations
//!   come from shared predictors (a latent openness, the type of the latest
//!   innovation) and from calibrating inside cells (value by pos(citizens)).
//!
//! Each row draws its uniforms from its own ChaCha stream, so a wave is the
//! same for a given seed whatever the thread count, and `--rows N` scales a
//! wave to millions of rows with the calibrated intercepts, chunk by chunk.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use polars::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use super::codebook::{Asked, Codebook};

/// The documented seed of the shipped waves.
pub const DEFAULT_SEED: u64 = 20_190_601;

const SECTORS: [&str; 3] = ["kommune", "region", "stat"];
const SIZES: [&str; 4] = ["1-19", "20-49", "50-99", "100+"];

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
/// Log-odds of innovating by size and sector (scaled by a calibrated factor).
const SIZE_INNOVATION: [f64; 4] = [-0.6, 0.0, 0.5, 1.0];
const SECTOR_INNOVATION: [f64; 3] = [0.1, 0.2, -0.2];

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

/// A wave to draw: the published counts and the shares to reproduce.
#[derive(Debug, Clone, Copy)]
pub struct WaveSpec {
    pub period: &'static str,
    pub responses: usize,
    pub innovators: usize,
    /// Weighted share of innovators among all workplaces, where published.
    pub innovated_share: Option<f64>,
}

/// The three shipped waves (published counts: spec/targets.toml).
pub const WAVES: [WaveSpec; 3] = [
    WaveSpec { period: "2013-2014", responses: 1255, innovators: 1093, innovated_share: None },
    WaveSpec { period: "2015-2016", responses: 2363, innovators: 1942, innovated_share: Some(0.80) },
    WaveSpec { period: "2018-2019", responses: 2271, innovators: 1877, innovated_share: Some(0.81) },
];

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

// ---------------------------------------------------------------------------
// The item model: a sequence of calibrated steps over per-row binary variables.

type Pred = Box<dyn Fn(&Row) -> bool + Send + Sync>;
type Lin = Box<dyn Fn(&Row) -> f64 + Send + Sync>;

/// One respondent while it is drawn.
pub struct Row {
    sector: usize,
    size: usize,
    weight: f64,
    /// Latent openness to outside actors, standard normal.
    z: f64,
    u: Vec<f64>,
    v: Vec<bool>,
}

enum Kind {
    /// v = u < expit(a + eta) inside `cell`, unchanged elsewhere; `a` is
    /// calibrated so the weighted share of `stat` over `domain` is `share`.
    Draw { eta: Lin, cell: Pred, stat: Option<Pred>, domain: Pred, share: f64 },
    /// v = f(row) for every row.
    Set(Pred),
}

struct Step {
    name: String,
    var: usize,
    u: usize,
    kind: Kind,
    a: f64,
}

/// Uniform slots before the steps: innovated, openness.
const U_INNOVATED: usize = 0;
const U_Z: usize = 1;
const V_INNOVATED: usize = 0;

#[derive(Default)]
struct Model {
    vars: Vec<String>,
    steps: Vec<Step>,
}

impl Model {
    fn var(&mut self, name: &str) -> usize {
        if let Some(i) = self.vars.iter().position(|v| v == name) {
            return i;
        }
        self.vars.push(name.to_string());
        self.vars.len() - 1
    }

    fn has(&self, name: &str) -> bool {
        self.vars.iter().any(|v| v == name)
    }

    fn get(&self, name: &str) -> usize {
        self.vars.iter().position(|v| v == name).unwrap_or_else(|| panic!("synth model: no variable {name}"))
    }

    fn push(&mut self, var: &str, kind: Kind) {
        let v = self.var(var);
        let u = 2 + self.steps.len();
        let name = format!("{var}#{}", self.steps.len());
        self.steps.push(Step { name, var: v, u, kind, a: 0.0 });
    }

    fn draw(&mut self, var: &str, eta: Lin, cell: Pred, stat: Option<Pred>, domain: Pred, share: f64) {
        self.push(var, Kind::Draw { eta, cell, stat, domain, share });
    }

    fn set(&mut self, var: &str, f: Pred) {
        self.push(var, Kind::Set(f));
    }

    /// An innovators' item with a target share among innovators.
    fn item(&mut self, var: &str, eta: Lin, share: f64) {
        self.draw(var, eta, is(V_INNOVATED), None, is(V_INNOVATED), share);
    }

    /// An innovators' item drawn inside `cond` only, with its share among
    /// innovators that meet `cond`.
    fn within(&mut self, var: &str, eta: Lin, cond: Pred, share: f64) {
        let cond = std::sync::Arc::new(cond);
        let (c1, c2) = (cond.clone(), cond);
        self.draw(var, eta, Box::new(move |r| r.v[V_INNOVATED] && c1(r)), None, Box::new(move |r| r.v[V_INNOVATED] && c2(r)), share);
    }

    /// An innovators' item with its own share where `cond` holds and where it does not.
    fn split(&mut self, var: &str, cond: usize, if_true: f64, if_false: f64) {
        self.within(var, zero(), is(cond), if_true);
        self.within(var, zero(), isnt(cond), if_false);
    }

    fn n_uniforms(&self) -> usize {
        2 + self.steps.len() + EXTRAS
    }
}

/// Uniforms after the steps, for the details of codes (3 or 4, a "ved ikke").
const EXTRAS: usize = 64;

fn is(v: usize) -> Pred {
    Box::new(move |r| r.v[v])
}
fn isnt(v: usize) -> Pred {
    Box::new(move |r| !r.v[v])
}
fn zero() -> Lin {
    Box::new(|_| 0.0)
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A share that may differ for municipal innovators (the Danish-Norwegian comparison).
#[derive(Clone, Copy)]
enum Share {
    All(f64),
    /// (municipal innovators, all innovators)
    Kommune(f64, f64),
}

/// Draws `var` among innovators inside `base`, meeting a (possibly municipal) share.
fn draw_share(m: &mut Model, var: &str, eta: impl Fn(&Row) -> f64 + Send + Sync + Clone + 'static, base: impl Fn(&Row) -> bool + Send + Sync + Clone + 'static, share: Share) {
    let inn = |r: &Row| r.v[V_INNOVATED];
    match share {
        Share::All(s) => {
            let b = base.clone();
            m.draw(var, Box::new(eta), Box::new(move |r| inn(r) && b(r)), None, Box::new(inn), s);
        }
        Share::Kommune(k, all) => {
            let b = base.clone();
            m.draw(var, Box::new(eta.clone()), Box::new(move |r| inn(r) && r.sector == 0 && b(r)), None, Box::new(move |r| inn(r) && r.sector == 0), k);
            m.draw(var, Box::new(eta), Box::new(move |r| inn(r) && r.sector != 0 && base(r)), None, Box::new(inn), all);
        }
    }
}

/// An actor's three ways of playing a role: a latent "positive role",
/// then cause and collaboration among those, then promote (3-4), forced
/// where neither cause nor collaboration holds so that pos(actor) equals
/// the latent.
struct Actor {
    name: &'static str,
    cause: f64,
    collab: Option<Share>,
    promote: Share,
}

fn actor_ways(m: &mut Model, a: &Actor, collab_eta: Lin) {
    let pos = m.get(&format!("pos_{}", a.name));
    let cause = format!("cause_{}", a.name);
    m.draw(&cause, zero(), Box::new(move |r| r.v[V_INNOVATED] && r.v[pos]), None, is(V_INNOVATED), a.cause);
    let cause = m.get(&cause);
    let collab = match a.collab {
        Some(share) => {
            let name = format!("collab_{}", a.name);
            let eta = std::sync::Arc::new(collab_eta);
            draw_share(m, &name, move |r| eta(r), move |r| r.v[pos], share);
            Some(m.get(&name))
        }
        None => None,
    };
    let prom = format!("promote_pos_{}", a.name);
    let other = move |r: &Row| r.v[cause] || collab.is_some_and(|c| r.v[c]);
    m.set(&prom, Box::new(move |r| r.v[V_INNOVATED] && r.v[pos] && !other(r)));
    let p = m.get(&prom);
    draw_share(m, &prom, |_| 0.0, move |r| r.v[pos] && !r.v[p], a.promote);
}

/// The item model of one wave: what is drawn, in which order, to which share.
fn model(period: &str) -> Model {
    let mut m = Model::default();
    m.var("innovated");
    let y13 = period == "2013-2014";
    let y15 = period == "2015-2016";
    let y18 = period == "2018-2019";
    let pick = |a: f64, b: f64, c: f64| if y13 { a } else if y15 { b } else { c };

    // Type of the latest innovation (at least one), then the intro items.
    for (k, s) in [("service", 0.30), ("product", 0.15), ("communication", 0.20)] {
        m.item(&format!("latest_{k}"), zero(), s);
    }
    let (ls, lp, lc) = (m.get("latest_service"), m.get("latest_product"), m.get("latest_communication"));
    m.set("latest_process", Box::new(move |r| r.v[V_INNOVATED] && !r.v[ls] && !r.v[lp] && !r.v[lc]));
    let lpr = m.get("latest_process");
    m.draw("latest_process", zero(), Box::new(move |r| r.v[V_INNOVATED] && !r.v[lpr]), None, is(V_INNOVATED), pick(0.75, 0.78, 0.80));
    for (k, s) in [("service", pick(0.33, 0.32, 0.31)), ("product", 0.18), ("communication", 0.40), ("process", pick(0.80, 0.78, 0.806))] {
        let latest = m.get(&format!("latest_{k}"));
        let intro = format!("intro_{k}");
        m.set(&intro, is(latest));
        m.draw(&intro, zero(), Box::new(move |r| r.v[V_INNOVATED] && !r.v[latest]), None, Box::new(|_| true), s);
    }

    // Novelty: in (2, 3) as published, then 3 among those, 9 among the rest.
    m.item("nov_23", zero(), pick(0.73, 0.72, 0.72));
    let n23 = m.get("nov_23");
    m.within("nov_3", zero(), is(n23), 0.30);
    m.within("nov_9", zero(), isnt(n23), 0.20);

    // Citizens: openness and service innovations go with a positive role.
    let service = ls;
    let cit_pos = if y15 { Share::Kommune(0.66, 0.63) } else { Share::All(pick(0.63, 0.63, 0.57)) };
    draw_share(&mut m, "pos_citizens", move |r| 0.7 * r.z + 0.6 * f64::from(u8::from(r.v[service])), |_| true, cit_pos);
    let citizens = Actor {
        name: "citizens",
        cause: pick(0.25, 0.25, 0.22),
        collab: Some(Share::All(pick(0.28, 0.30, 0.30))),
        promote: if y15 { Share::Kommune(0.60, 0.55) } else { Share::All(pick(0.45, 0.55, 0.42)) },
    };
    actor_ways(&mut m, &citizens, Box::new(move |r| 1.2 * f64::from(u8::from(r.v[service]))));
    let pc = m.get("pos_citizens");

    // Volunteers: mostly alongside citizens.
    if y15 {
        // pos(citizens) or pos(volunteers) = 66 %: volunteers without citizens first.
        let pv = m.var("pos_volunteers");
        m.draw(
            "pos_volunteers",
            zero(),
            Box::new(move |r| r.v[V_INNOVATED] && !r.v[pc]),
            Some(Box::new(move |r| r.v[pc] || r.v[pv])),
            is(V_INNOVATED),
            0.66,
        );
        // Then among citizens, to 16 % in municipalities and in all.
        let pv2 = pv;
        m.draw("pos_volunteers", zero(), Box::new(move |r| r.v[V_INNOVATED] && r.v[pc] && r.sector == 0), Some(is(pv2)), Box::new(|r| r.v[V_INNOVATED] && r.sector == 0), 0.16);
        m.draw("pos_volunteers", zero(), Box::new(move |r| r.v[V_INNOVATED] && r.v[pc] && r.sector != 0), Some(is(pv2)), is(V_INNOVATED), 0.16);
    } else {
        draw_share(&mut m, "pos_volunteers", move |r| 1.5 * f64::from(u8::from(r.v[pc])) + 0.4 * r.z, |_| true, Share::All(pick(0.14, 0.16, 0.16)));
    }
    let volunteers = Actor { name: "volunteers", cause: 0.03, collab: Some(Share::All(pick(0.08, 0.08, 0.06))), promote: Share::All(0.11) };
    actor_ways(&mut m, &volunteers, Box::new(|r| 0.8 * r.z));

    // Other outside actors, correlated through openness.
    let private_pos = if y15 { Share::Kommune(0.27, 0.28) } else { Share::All(pick(0.30, 0.28, 0.26)) };
    draw_share(&mut m, "pos_private", |r| 0.6 * r.z, |_| true, private_pos);
    let private = Actor {
        name: "private",
        cause: 0.05,
        collab: Some(if y15 { Share::Kommune(0.21, 0.20) } else { Share::All(pick(0.17, 0.20, 0.13)) }),
        promote: Share::All(0.17),
    };
    actor_ways(&mut m, &private, Box::new(|r| 0.8 * r.z));
    let mut outside: Vec<(&'static str, f64, f64, f64, f64)> = vec![("knowledge", pick(0.21, 0.20, 0.20), 0.04, pick(0.12, 0.12, 0.09), 0.12)];
    if !y13 {
        outside.push(("foundations", pick(0.0, 0.09, 0.10), 0.03, pick(0.0, 0.05, 0.04), 0.06));
        outside.push(("foreign", pick(0.0, 0.07, 0.05), 0.02, 0.03, 0.03));
    }
    for (name, pos, cause, collab, promote) in outside {
        draw_share(&mut m, &format!("pos_{name}"), |r| 0.6 * r.z, |_| true, Share::All(pos));
        let a = Actor { name, cause, collab: Some(Share::All(collab)), promote: Share::All(promote) };
        actor_ways(&mut m, &a, Box::new(|r| 0.8 * r.z));
    }
    // Inside actors and framework conditions (no collaboration item).
    for (name, pos, cause, promote) in [
        ("employees", pick(0.86, 0.87, 0.87), 0.50, 0.76),
        ("management", 0.85, 0.45, 0.74),
        ("politicians", 0.35, 0.22, 0.25),
        ("law", 0.30, 0.20, 0.18),
        ("technology", 0.35, 0.20, 0.25),
        ("economy", 0.40, 0.30, 0.22),
    ] {
        draw_share(&mut m, &format!("pos_{name}"), zero_fn, |_| true, Share::All(pos));
        let a = Actor { name, cause, collab: None, promote: Share::All(promote) };
        actor_ways(&mut m, &a, zero());
    }

    // Public partners: external collaboration as published.
    let external: Vec<usize> = ["citizens", "volunteers", "private", "knowledge", "foundations", "foreign"]
        .iter()
        .filter(|p| m.has(&format!("collab_{p}")))
        .map(|p| m.get(&format!("collab_{p}")))
        .collect();
    let ext = std::sync::Arc::new(external);
    let e1 = ext.clone();
    let other_ext = move |r: &Row| e1.iter().any(|&c| r.v[c]);
    if y18 {
        let o1 = other_ext.clone();
        m.within("collab_other_public", zero(), Box::new(move |r| o1(r)), 0.30);
        let op = m.get("collab_other_public");
        let o2 = other_ext.clone();
        m.draw(
            "collab_other_public",
            zero(),
            Box::new(move |r| r.v[V_INNOVATED] && !o2(r)),
            Some(Box::new(move |r| r.v[op] || other_ext(r))),
            is(V_INNOVATED),
            0.50,
        );
    } else {
        let s = if y15 { Share::Kommune(0.20, 0.22) } else { Share::All(0.25) };
        draw_share(&mut m, "collab_other_public", |r| 0.4 * r.z, |_| true, s);
    }
    let op = m.get("collab_other_public");
    let e2 = ext.clone();
    let any_ext = move |r: &Row| r.v[op] || e2.iter().any(|&c| r.v[c]);
    if y13 {
        let a1 = any_ext.clone();
        m.within("collab_own_org", zero(), Box::new(move |r| a1(r)), 0.50);
        let own = m.get("collab_own_org");
        let a2 = any_ext.clone();
        m.draw(
            "collab_own_org",
            zero(),
            Box::new(move |r| r.v[V_INNOVATED] && !a2(r)),
            Some(Box::new(move |r| r.v[own] || any_ext(r))),
            is(V_INNOVATED),
            0.79,
        );
    } else {
        let s = if y15 { Share::Kommune(0.56, 0.52) } else { Share::All(0.45) };
        draw_share(&mut m, "collab_own_org", |r| 0.3 * r.z, |_| true, s);
    }

    // Values: some go with the citizens' role (the published findings), others not.
    if y15 {
        // The democratic value three times as often with citizens or volunteers.
        let pv = m.get("pos_volunteers");
        m.set("cit_or_vol", Box::new(move |r| r.v[pc] || r.v[pv]));
        let cv = m.get("cit_or_vol");
        m.split("value_citizen_involvement", cv, 0.27, 0.09);
    } else {
        m.split("value_citizen_involvement", pc, pick(0.27, 0.0, 0.30), pick(0.10, 0.0, 0.08));
    }
    m.split("value_quality", pc, pick(0.75, 0.75, 0.74), pick(0.61, 0.60, 0.60));
    m.split("value_employee_satisfaction", pc, pick(0.50, 0.50, 0.53), pick(0.40, 0.40, 0.39));
    m.split("value_efficiency", pc, pick(0.46, 0.45, 0.45), pick(0.46, 0.45, 0.45));
    m.split("value_political_goals", pc, 0.30, 0.30);

    // Evaluation: 1 or 2 as published, 2 a share of those, 9 among the rest.
    m.item("eval_any", zero(), pick(0.44, 0.45, 0.39));
    let ev = m.get("eval_any");
    m.within("eval_ext", zero(), is(ev), pick(0.22, 0.222, 0.25));
    m.within("eval_dk", zero(), isnt(ev), 0.12);

    if y13 {
        // Purpose: 2 in a quarter of cases, 1 in half, then 9 among the rest.
        m.item("pur_2", zero(), 0.25);
        let p2 = m.get("pur_2");
        m.draw("pur_1", zero(), Box::new(move |r| r.v[V_INNOVATED] && !r.v[p2]), None, is(V_INNOVATED), 0.50);
        let p1 = m.get("pur_1");
        m.within("pur_9", zero(), Box::new(move |r| !r.v[p1] && !r.v[p2]), 0.25);
        // Process: 1 in half, 2 in a quarter, 9 among the rest.
        m.item("proc_1", zero(), 0.50);
        let q1 = m.get("proc_1");
        m.draw("proc_2", zero(), Box::new(move |r| r.v[V_INNOVATED] && !r.v[q1]), None, is(V_INNOVATED), 0.25);
        let q2 = m.get("proc_2");
        m.within("proc_9", zero(), Box::new(move |r| !r.v[q1] && !r.v[q2]), 0.20);
        // Used fully as expected: 30 % planned-and-unchanged and fully used.
        let u1 = m.var("use_1");
        m.draw("use_1", zero(), Box::new(move |r| r.v[V_INNOVATED] && r.v[q1]), Some(Box::new(move |r| r.v[u1] && r.v[q1])), is(V_INNOVATED), 0.30);
        m.within("use_1", zero(), isnt(q1), 0.40);
        m.within("use_2", zero(), isnt(u1), 0.65);
        let u2 = m.get("use_2");
        m.within("use_9", zero(), Box::new(move |r| !r.v[u1] && !r.v[u2]), 0.25);
    }
    m
}

fn zero_fn(_: &Row) -> f64 {
    0.0
}

/// Runs the model's steps on one row with fixed intercepts.
fn run_row(m: &Model, row: &mut Row) {
    for s in &m.steps {
        match &s.kind {
            Kind::Set(f) => row.v[s.var] = f(row),
            Kind::Draw { eta, cell, .. } => {
                if cell(row) {
                    row.v[s.var] = row.u[s.u] < expit(s.a + eta(row));
                }
            }
        }
    }
}

/// Calibrates every step's intercept on the base wave, in order.
fn calibrate(m: &mut Model, rows: &mut [Row]) -> Result<()> {
    for k in 0..m.steps.len() {
        let step = &m.steps[k];
        match &step.kind {
            Kind::Set(f) => {
                for r in rows.iter_mut() {
                    r.v[step.var] = f(r);
                }
            }
            Kind::Draw { eta, cell, stat, domain, share } => {
                let members: Vec<usize> = (0..rows.len()).filter(|&i| cell(&rows[i])).collect();
                let etas: Vec<f64> = members.iter().map(|&i| eta(&rows[i])).collect();
                let in_domain: Vec<bool> = rows.iter().map(|r| domain(r)).collect();
                let total: f64 = rows.iter().zip(&in_domain).filter(|(_, d)| **d).map(|(r, _)| r.weight).sum();
                if total <= 0.0 {
                    return Err(Error::Internal(format!("synth calibration: step {} has an empty domain", step.name)));
                }
                let var = step.var;
                let u = step.u;
                let achieved = |a: f64, rows: &mut [Row]| -> f64 {
                    for (j, &i) in members.iter().enumerate() {
                        rows[i].v[var] = rows[i].u[u] < expit(a + etas[j]);
                    }
                    rows.iter()
                        .zip(&in_domain)
                        .filter(|(r, d)| **d && stat.as_ref().map_or(r.v[var], |s| s(r)))
                        .map(|(r, _)| r.weight)
                        .sum::<f64>()
                        / total
                };
                let (mut lo, mut hi) = (-30.0f64, 30.0f64);
                for _ in 0..80 {
                    let mid = 0.5 * (lo + hi);
                    if achieved(mid, rows) < *share {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                // Of the two ends, keep the one nearer the target.
                let (s_lo, s_hi) = (achieved(lo, rows), achieved(hi, rows));
                let a = if (s_lo - share).abs() < (s_hi - share).abs() { lo } else { hi };
                let got = achieved(a, rows);
                if (got - share).abs() > 0.004 {
                    return Err(Error::Internal(format!("synth calibration: step {} reaches {:.4}, not its target {:.4}", step.name, got, share)));
                }
                m.steps[k].a = a;
            }
        }
    }
    Ok(())
}

/// A drawn wave: design columns per row and the calibrated model.
struct Drawn {
    strata: Vec<Stratum>,
    populations: Vec<u32>,
    n: Vec<u32>,
    model: Model,
    innovated_a: f64,
    size_scale: f64,
}

fn row_rng(seed: u64, wave: usize, row: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((wave as u64 + 1) << 56));
    rng.set_stream(row);
    rng
}

fn new_row(st: &Stratum, weight: f64, n_u: usize, n_v: usize, seed: u64, wave: usize, index: u64) -> Row {
    let mut rng = row_rng(seed, wave, index);
    let u: Vec<f64> = (0..n_u).map(|_| rng.random::<f64>()).collect();
    let normal = Normal::standard();
    let z = normal.inverse_cdf(u[U_Z].clamp(1e-12, 1.0 - 1e-12));
    Row { sector: st.sector, size: st.size, weight, z, u, v: vec![false; n_v] }
}

fn innovation_eta(r: &Row, scale: f64) -> f64 {
    scale * SIZE_INNOVATION[r.size] + SECTOR_INNOVATION[r.sector]
}

/// Draws the base wave and calibrates it: exact respondents and innovators.
fn draw_base(spec: &WaveSpec, wave: usize, seed: u64) -> Result<(Drawn, Vec<Row>, Vec<usize>)> {
    let strata = frame();
    let populations: Vec<u32> = strata.iter().map(|s| s.population).collect();
    let n = allocate(&strata, &populations, spec.responses, seed, wave);
    let mut model = model(spec.period);
    let n_u = model.n_uniforms();
    let n_v = model.vars.len();
    let mut rows = Vec::with_capacity(spec.responses);
    let mut stratum_of = Vec::with_capacity(spec.responses);
    for (h, st) in strata.iter().enumerate() {
        let w = populations[h] as f64 / n[h] as f64;
        for _ in 0..n[h] {
            rows.push(new_row(st, w, n_u, n_v, seed, wave, rows.len() as u64));
            stratum_of.push(h);
        }
    }
    // Innovators: exactly the published count; the size effect is scaled so
    // the weighted share meets the published one.
    let pick_innovators = |rows: &mut [Row], scale: f64| -> f64 {
        let mut t: Vec<(f64, usize)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let u = r.u[U_INNOVATED].clamp(1e-12, 1.0 - 1e-12);
                ((u / (1.0 - u)).ln() - innovation_eta(r, scale), i)
            })
            .collect();
        t.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for r in rows.iter_mut() {
            r.v[V_INNOVATED] = false;
        }
        for &(_, i) in &t[..spec.innovators] {
            rows[i].v[V_INNOVATED] = true;
        }
        0.5 * (t[spec.innovators - 1].0 + t[spec.innovators].0)
    };
    let weighted = |rows: &[Row]| {
        let tot: f64 = rows.iter().map(|r| r.weight).sum();
        rows.iter().filter(|r| r.v[V_INNOVATED]).map(|r| r.weight).sum::<f64>() / tot
    };
    let mut size_scale = 1.0;
    if let Some(target) = spec.innovated_share {
        let (mut lo, mut hi) = (0.0f64, 4.0f64);
        for _ in 0..50 {
            let mid = 0.5 * (lo + hi);
            pick_innovators(&mut rows, mid);
            // A stronger size effect moves innovation to large, lightly weighted workplaces.
            if weighted(&rows) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        size_scale = 0.5 * (lo + hi);
    }
    let innovated_a = pick_innovators(&mut rows, size_scale);
    if let Some(target) = spec.innovated_share {
        let got = weighted(&rows);
        if (got - target).abs() > 0.005 {
            return Err(Error::Internal(format!("synth calibration: {} innovators weigh {:.4}, not {:.4}", spec.period, got, target)));
        }
    }
    calibrate(&mut model, &mut rows)?;
    Ok((Drawn { strata, populations, n, model, innovated_a, size_scale }, rows, stratum_of))
}

/// The code of every output column of a drawn row (None = empty cell).
fn codes(m: &Model, row: &Row, columns: &[OutColumn]) -> Vec<Option<i32>> {
    let inn = row.v[V_INNOVATED];
    let extra = |k: usize| row.u[2 + m.steps.len() + (k % EXTRAS)];
    let v = |name: &str| m.vars.iter().position(|x| x == name).map(|i| row.v[i]).unwrap_or(false);
    columns
        .iter()
        .enumerate()
        .map(|(k, col)| {
            let name = col.name.as_str();
            if name == "innovated" {
                return Some(i32::from(inn));
            }
            if let Some(kind) = name.strip_prefix("intro_") {
                let yes = v(&format!("intro_{kind}"));
                return Some(if yes { 1 } else if extra(k) < 0.02 { 9 } else { 0 });
            }
            if col.asked == Asked::Innovators && !inn {
                return None;
            }
            let c = match name {
                "novelty" => if v("nov_23") { if v("nov_3") { 3 } else { 2 } } else if v("nov_9") { 9 } else { 1 },
                "evaluated" => if v("eval_any") { if v("eval_ext") { 2 } else { 1 } } else if v("eval_dk") { 9 } else { 3 },
                "purpose_planned" => if v("pur_2") { 2 } else if v("pur_1") { 1 } else if v("pur_9") { 9 } else { 3 },
                "process_planned" => if v("proc_1") { 1 } else if v("proc_2") { 2 } else if v("proc_9") { 9 } else { 3 },
                "used_as_expected" => if v("use_1") { 1 } else if v("use_2") { 2 } else if v("use_9") { 9 } else { 3 },
                _ => match name.strip_prefix("promote_") {
                    Some(actor) => {
                        let x = extra(k);
                        if v(&format!("promote_pos_{actor}")) {
                            if x < 0.4 { 4 } else { 3 }
                        } else if x < 0.40 { 1 } else if x < 0.85 { 2 } else { 9 }
                    }
                    None => i32::from(v(name)),
                },
            };
            Some(c)
        })
        .collect()
}

struct OutColumn {
    name: String,
    asked: Asked,
}

/// Options of `barometer synth`.
pub struct SynthOptions {
    pub seed: u64,
    /// Rows per wave (scaled from the frame); None = the published counts.
    pub rows: Option<usize>,
    pub out_dir: PathBuf,
    /// Only these periods (None = every shipped wave).
    pub periods: Option<Vec<String>>,
    pub parquet: bool,
}

/// What `synth` wrote.
pub struct Written {
    pub path: PathBuf,
    pub rows: usize,
    pub innovators: usize,
}

/// Writes the synthetic waves; each file appears only when complete.
pub fn synth(codebook: &Codebook, opts: &SynthOptions) -> Result<Vec<Written>> {
    let strata = frame().len();
    if let Some(rows) = opts.rows {
        if rows < 2 * strata {
            let why = format!("--rows {rows} is too few: a wave needs at least {} rows (two respondents in each of the {strata} strata)", 2 * strata);
            return Err(Error::Config(why));
        }
    }
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| Error::write(&opts.out_dir, e))?;
    let mut out = Vec::new();
    for (w, spec) in WAVES.iter().enumerate() {
        if let Some(p) = &opts.periods {
            if !p.iter().any(|x| x == spec.period) {
                continue;
            }
        }
        if !codebook.has_wave(spec.period) {
            return Err(Error::Internal(format!("wave {} is not in the codebook", spec.period)));
        }
        let columns: Vec<OutColumn> = codebook
            .items_in(spec.period)
            .map(|i| OutColumn { name: i.name.clone(), asked: i.asked })
            .collect();
        let ext = if opts.parquet { "parquet" } else { "csv" };
        let path = opts.out_dir.join(format!("{}.{ext}", spec.period));
        let (drawn, rows, stratum_of) = draw_base(spec, w, opts.seed)?;
        let tmp = path.with_extension(format!("{ext}.partial"));
        let written = match opts.rows {
            None => {
                let df = frame_of(&drawn, &rows, &stratum_of, &drawn.populations, &drawn.n, &columns, 0, rows.len())?;
                write_frames(&tmp, opts.parquet, std::iter::once(Ok(df)))?;
                Written { path: path.clone(), rows: rows.len(), innovators: rows.iter().filter(|r| r.v[0]).count() }
            }
            Some(total) => write_scaled(&drawn, spec, w, opts.seed, total, &columns, &tmp, opts.parquet, &path)?,
        };
        std::fs::rename(&tmp, &path).map_err(|e| Error::write(&path, e))?;
        out.push(written);
    }
    Ok(out)
}

/// A scaled wave: the frame and allocation grown to `total` rows, drawn in
/// chunks with the base wave's calibrated intercepts.
#[allow(clippy::too_many_arguments)]
fn write_scaled(drawn: &Drawn, spec: &WaveSpec, w: usize, seed: u64, total: usize, columns: &[OutColumn], tmp: &Path, parquet: bool, path: &Path) -> Result<Written> {
    let scale = total as f64 / spec.responses as f64;
    let n = allocate(&drawn.strata, &drawn.populations.iter().map(|&p| (p as f64 * scale).ceil() as u32).collect::<Vec<_>>(), total, seed, w);
    let populations: Vec<u32> = drawn.populations.iter().zip(&n).map(|(&p, &nh)| ((p as f64 * scale).ceil() as u32).max(nh)).collect();
    let mut stratum_of = Vec::with_capacity(total);
    for (h, &nh) in n.iter().enumerate() {
        stratum_of.extend(std::iter::repeat_n(h as u32, nh as usize));
    }
    const CHUNK: usize = 200_000;
    let n_u = drawn.model.n_uniforms();
    let n_v = drawn.model.vars.len();
    let mut innovators = 0usize;
    let chunks = (0..total).step_by(CHUNK).map(|start| {
        let end = (start + CHUNK).min(total);
        let rows: Vec<Row> = (start..end)
            .into_par_iter()
            .map(|i| {
                let h = stratum_of[i] as usize;
                let st = &drawn.strata[h];
                let mut r = new_row(st, populations[h] as f64 / n[h] as f64, n_u, n_v, seed, w + 16, i as u64);
                let u = r.u[U_INNOVATED];
                r.v[V_INNOVATED] = u < expit(drawn.innovated_a + innovation_eta(&r, drawn.size_scale));
                run_row(&drawn.model, &mut r);
                r
            })
            .collect();
        innovators += rows.iter().filter(|r| r.v[0]).count();
        let strata: Vec<usize> = stratum_of[start..end].iter().map(|&h| h as usize).collect();
        frame_of(drawn, &rows, &strata, &populations, &n, columns, start, total)
    });
    write_frames(tmp, parquet, chunks)?;
    Ok(Written { path: path.to_path_buf(), rows: total, innovators })
}

/// Rows in the wave layout as a Polars frame; `total` rows in the wave.
#[allow(clippy::too_many_arguments)]
fn frame_of(drawn: &Drawn, rows: &[Row], stratum_of: &[usize], populations: &[u32], n: &[u32], columns: &[OutColumn], offset: usize, total: usize) -> Result<DataFrame> {
    // Ids as wide as the largest needs (at least 7 digits), so they sort as numbered.
    let digits = total.to_string().len().max(7);
    let st = |i: usize| &drawn.strata[stratum_of[i]];
    let len = rows.len();
    let mut cols: Vec<Column> = vec![
        Column::new("id".into(), (0..len).map(|i| format!("W{:0digits$}", offset + i + 1)).collect::<Vec<_>>()),
        Column::new("stratum".into(), (0..len).map(|i| st(i).label()).collect::<Vec<_>>()),
        Column::new("sector".into(), (0..len).map(|i| SECTORS[st(i).sector]).collect::<Vec<_>>()),
        Column::new("area".into(), (0..len).map(|i| st(i).area).collect::<Vec<_>>()),
        Column::new("size".into(), (0..len).map(|i| SIZES[st(i).size]).collect::<Vec<_>>()),
        Column::new("fpc".into(), (0..len).map(|i| populations[stratum_of[i]] as i64).collect::<Vec<_>>()),
        Column::new("weight".into(), (0..len).map(|i| populations[stratum_of[i]] as f64 / n[stratum_of[i]] as f64).collect::<Vec<_>>()),
    ];
    let all: Vec<Vec<Option<i32>>> = rows.iter().map(|r| codes(&drawn.model, r, columns)).collect();
    for (k, c) in columns.iter().enumerate() {
        // Codes are small: one byte each, as the loader keeps them.
        let v: Vec<Option<u8>> = all.iter().map(|row| row[k].map(|x| x as u8)).collect();
        cols.push(Column::new(c.name.as_str().into(), v));
    }
    Ok(DataFrame::new(len, cols)?)
}

fn write_frames(path: &Path, parquet: bool, frames: impl Iterator<Item = Result<DataFrame>>) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::write(path, e))?;
    let mut buf = BufWriter::new(file);
    let mut frames = frames.peekable();
    let first = match frames.peek() {
        Some(Ok(df)) => df.schema().clone(),
        Some(Err(_)) => return frames.next().unwrap().map(|_| ()),
        None => return Err(Error::Internal(format!("nothing to write"))),
    };
    if parquet {
        let mut writer = ParquetWriter::new(&mut buf).batched(&first)?;
        for df in frames {
            writer.write_batch(&df?)?;
        }
        writer.finish()?;
    } else {
        let mut writer = CsvWriter::new(&mut buf).with_line_terminator("\n".into()).batched(&first)?;
        for df in frames {
            writer.write_batch(&df?)?;
        }
        writer.finish()?;
    }
    buf.flush().map_err(|e| Error::write(path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
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
        let f = frame();
        let pops: Vec<u32> = f.iter().map(|s| s.population).collect();
        for spec in WAVES {
            let n = allocate(&f, &pops, spec.responses, DEFAULT_SEED, 0);
            assert_eq!(n.iter().map(|&x| x as usize).sum::<usize>(), spec.responses);
            assert!(n.iter().zip(&pops).all(|(&nh, &p)| nh >= 2 && nh <= p));
        }
    }
}
