//! The item model of a wave: what is drawn, in which order, to which
//! share. The shares are the published ones (tests/reference/targets.toml); the order
//! and the shared predictors give the published correlations.

use std::sync::Arc;

use super::model::{Lin, Model, Row, V_INNOVATED, is, isnt, zero};

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

/// Draws an actor's cause, collaboration (with `collab_eta`) and promote items.
fn actor_ways(m: &mut Model, a: &Actor, collab_eta: Lin) {
    let pos = m.get(&format!("pos_{}", a.name));
    let cause = format!("cause_{}", a.name);
    m.draw(&cause, zero(), Box::new(move |r| r.v[V_INNOVATED] && r.v[pos]), None, is(V_INNOVATED), a.cause);
    let cause = m.get(&cause);
    let collab = match a.collab {
        Some(share) => {
            let name = format!("collab_{}", a.name);
            let eta = Arc::new(collab_eta);
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

/// Which edition a model is drawn for: items and shares differ by wave.
#[derive(Clone, Copy)]
struct Edition {
    y13: bool,
    y15: bool,
    y18: bool,
}

impl Edition {
    fn of(period: &str) -> Edition {
        Edition { y13: period == "2013-2014", y15: period == "2015-2016", y18: period == "2018-2019" }
    }

    /// The value of 2013-2014, of 2015-2016, or of 2018-2019 (and any other wave).
    fn pick(self, a: f64, b: f64, c: f64) -> f64 {
        if self.y13 { a } else if self.y15 { b } else { c }
    }
}

/// The item model of one wave: what is drawn, in which order, to which share.
pub(super) fn model(period: &str) -> Model {
    let mut m = Model::default();
    m.var("innovated");
    let e = Edition::of(period);
    latest_and_intro(&mut m, e);
    novelty(&mut m, e);
    citizens(&mut m, e);
    volunteers(&mut m, e);
    outside_actors(&mut m, e);
    inside_actors(&mut m, e);
    other_public(&mut m, e);
    own_organisation(&mut m, e);
    values(&mut m, e);
    evaluation(&mut m, e);
    if e.y13 {
        planning(&mut m);
    }
    m
}

/// Type of the latest innovation (at least one), then the intro items.
fn latest_and_intro(m: &mut Model, e: Edition) {
    for (k, s) in [("service", 0.30), ("product", 0.15), ("communication", 0.20)] {
        m.item(&format!("latest_{k}"), zero(), s);
    }
    let (ls, lp, lc) = (m.get("latest_service"), m.get("latest_product"), m.get("latest_communication"));
    m.set("latest_process", Box::new(move |r| r.v[V_INNOVATED] && !r.v[ls] && !r.v[lp] && !r.v[lc]));
    let lpr = m.get("latest_process");
    m.draw("latest_process", zero(), Box::new(move |r| r.v[V_INNOVATED] && !r.v[lpr]), None, is(V_INNOVATED), e.pick(0.75, 0.78, 0.80));
    for (k, s) in [("service", e.pick(0.33, 0.32, 0.31)), ("product", 0.18), ("communication", 0.40), ("process", e.pick(0.80, 0.78, 0.806))] {
        let latest = m.get(&format!("latest_{k}"));
        let intro = format!("intro_{k}");
        m.set(&intro, is(latest));
        m.draw(&intro, zero(), Box::new(move |r| r.v[V_INNOVATED] && !r.v[latest]), None, Box::new(|_| true), s);
    }
}

/// Novelty: in (2, 3) as published, then 3 among those, 9 among the rest.
fn novelty(m: &mut Model, e: Edition) {
    m.item("nov_23", zero(), e.pick(0.73, 0.72, 0.72));
    let n23 = m.get("nov_23");
    m.within("nov_3", zero(), is(n23), 0.30);
    m.within("nov_9", zero(), isnt(n23), 0.20);
}

/// Citizens: openness and service innovations go with a positive role.
fn citizens(m: &mut Model, e: Edition) {
    let service = m.get("latest_service");
    let cit_pos = if e.y15 { Share::Kommune(0.66, 0.63) } else { Share::All(e.pick(0.63, 0.63, 0.57)) };
    draw_share(m, "pos_citizens", move |r| 0.7 * r.z + 0.6 * f64::from(u8::from(r.v[service])), |_| true, cit_pos);
    let citizens = Actor {
        name: "citizens",
        cause: e.pick(0.25, 0.25, 0.22),
        collab: Some(Share::All(e.pick(0.28, 0.30, 0.30))),
        promote: if e.y15 { Share::Kommune(0.60, 0.55) } else { Share::All(e.pick(0.45, 0.55, 0.42)) },
    };
    actor_ways(m, &citizens, Box::new(move |r| 1.2 * f64::from(u8::from(r.v[service]))));
}

/// Volunteers: mostly alongside citizens.
fn volunteers(m: &mut Model, e: Edition) {
    let pc = m.get("pos_citizens");
    if e.y15 {
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
        draw_share(m, "pos_volunteers", move |r| 1.5 * f64::from(u8::from(r.v[pc])) + 0.4 * r.z, |_| true, Share::All(e.pick(0.14, 0.16, 0.16)));
    }
    let volunteers = Actor { name: "volunteers", cause: 0.03, collab: Some(Share::All(e.pick(0.08, 0.08, 0.06))), promote: Share::All(0.11) };
    actor_ways(m, &volunteers, Box::new(|r| 0.8 * r.z));
}

/// Other outside actors, correlated through openness.
fn outside_actors(m: &mut Model, e: Edition) {
    let private_pos = if e.y15 { Share::Kommune(0.27, 0.28) } else { Share::All(e.pick(0.30, 0.28, 0.26)) };
    draw_share(m, "pos_private", |r| 0.6 * r.z, |_| true, private_pos);
    let private = Actor {
        name: "private",
        cause: 0.05,
        collab: Some(if e.y15 { Share::Kommune(0.21, 0.20) } else { Share::All(e.pick(0.17, 0.20, 0.13)) }),
        promote: Share::All(0.17),
    };
    actor_ways(m, &private, Box::new(|r| 0.8 * r.z));
    let mut outside: Vec<(&'static str, f64, f64, f64, f64)> = vec![("knowledge", e.pick(0.21, 0.20, 0.20), 0.04, e.pick(0.12, 0.12, 0.09), 0.12)];
    if !e.y13 {
        outside.push(("foundations", e.pick(0.0, 0.09, 0.10), 0.03, e.pick(0.0, 0.05, 0.04), 0.06));
        outside.push(("foreign", e.pick(0.0, 0.07, 0.05), 0.02, 0.03, 0.03));
    }
    for (name, pos, cause, collab, promote) in outside {
        draw_share(m, &format!("pos_{name}"), |r| 0.6 * r.z, |_| true, Share::All(pos));
        let a = Actor { name, cause, collab: Some(Share::All(collab)), promote: Share::All(promote) };
        actor_ways(m, &a, Box::new(|r| 0.8 * r.z));
    }
}

/// Inside actors and framework conditions (no collaboration item).
fn inside_actors(m: &mut Model, e: Edition) {
    for (name, pos, cause, promote) in [
        ("employees", e.pick(0.86, 0.87, 0.87), 0.50, 0.76),
        ("management", 0.85, 0.45, 0.74),
        ("politicians", 0.35, 0.22, 0.25),
        ("law", 0.30, 0.20, 0.18),
        ("technology", 0.35, 0.20, 0.25),
        ("economy", 0.40, 0.30, 0.22),
    ] {
        draw_share(m, &format!("pos_{name}"), zero_fn, |_| true, Share::All(pos));
        let a = Actor { name, cause, collab: None, promote: Share::All(promote) };
        actor_ways(m, &a, zero());
    }
}

/// The collaboration variables of the outside actors the wave asked about.
fn external_collabs(m: &Model) -> Arc<Vec<usize>> {
    let external: Vec<usize> = ["citizens", "volunteers", "private", "knowledge", "foundations", "foreign"]
        .iter()
        .filter(|p| m.has(&format!("collab_{p}")))
        .map(|p| m.get(&format!("collab_{p}")))
        .collect();
    Arc::new(external)
}

/// Public partners: external collaboration as published.
fn other_public(m: &mut Model, e: Edition) {
    let ext = external_collabs(m);
    let other_ext = move |r: &Row| ext.iter().any(|&c| r.v[c]);
    if e.y18 {
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
        let s = if e.y15 { Share::Kommune(0.20, 0.22) } else { Share::All(0.25) };
        draw_share(m, "collab_other_public", |r| 0.4 * r.z, |_| true, s);
    }
}

/// Collaboration inside the own organisation, with any external one in 2013-2014.
fn own_organisation(m: &mut Model, e: Edition) {
    let op = m.get("collab_other_public");
    let ext = external_collabs(m);
    let any_ext = move |r: &Row| r.v[op] || ext.iter().any(|&c| r.v[c]);
    if e.y13 {
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
        let s = if e.y15 { Share::Kommune(0.56, 0.52) } else { Share::All(0.45) };
        draw_share(m, "collab_own_org", |r| 0.3 * r.z, |_| true, s);
    }
}

/// Values: some go with the citizens' role (the published findings), others not.
fn values(m: &mut Model, e: Edition) {
    let pc = m.get("pos_citizens");
    if e.y15 {
        // The democratic value three times as often with citizens or volunteers.
        let pv = m.get("pos_volunteers");
        m.set("cit_or_vol", Box::new(move |r| r.v[pc] || r.v[pv]));
        let cv = m.get("cit_or_vol");
        m.split("value_citizen_involvement", cv, 0.27, 0.09);
    } else {
        m.split("value_citizen_involvement", pc, e.pick(0.27, 0.0, 0.30), e.pick(0.10, 0.0, 0.08));
    }
    m.split("value_quality", pc, e.pick(0.75, 0.75, 0.74), e.pick(0.61, 0.60, 0.60));
    m.split("value_employee_satisfaction", pc, e.pick(0.50, 0.50, 0.53), e.pick(0.40, 0.40, 0.39));
    m.split("value_efficiency", pc, e.pick(0.46, 0.45, 0.45), e.pick(0.46, 0.45, 0.45));
    m.split("value_political_goals", pc, 0.30, 0.30);
}

/// Evaluation: 1 or 2 as published, 2 a share of those, 9 among the rest.
fn evaluation(m: &mut Model, e: Edition) {
    m.item("eval_any", zero(), e.pick(0.44, 0.45, 0.39));
    let ev = m.get("eval_any");
    m.within("eval_ext", zero(), is(ev), e.pick(0.22, 0.222, 0.25));
    m.within("eval_dk", zero(), isnt(ev), 0.12);
}

/// Purpose, process and use as planned: items of 2013-2014 only.
fn planning(m: &mut Model) {
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

/// No predictor, as a plain function (for `draw_share`).
fn zero_fn(_: &Row) -> f64 {
    0.0
}
