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
    /// The published unweighted count of collaborations, where there is one.
    collab_count: Option<usize>,
}

/// Draws an actor's cause, collaboration (with `collab_eta`) and promote items.
fn actor_ways(m: &mut Model, a: &Actor, collab_eta: Lin) {
    actor_ways_with(m, a, zero(), collab_eta);
}

/// As [`actor_ways`], the cause drawn with its own predictor `cause_eta`.
fn actor_ways_with(m: &mut Model, a: &Actor, cause_eta: Lin, collab_eta: Lin) {
    let pos = m.get(&format!("pos_{}", a.name));
    let cause = format!("cause_{}", a.name);
    m.draw(&cause, cause_eta, Box::new(move |r| r.v[V_INNOVATED] && r.v[pos]), None, is(V_INNOVATED), a.cause);
    let cause = m.get(&cause);
    let collab = match a.collab {
        Some(share) => {
            let name = format!("collab_{}", a.name);
            let eta = Arc::new(collab_eta);
            draw_share(m, &name, move |r| eta(r), move |r| r.v[pos], share);
            if let Some(n) = a.collab_count {
                m.count(n);
            }
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
    y21: bool,
}

impl Edition {
    fn of(period: &str) -> Edition {
        Edition { y13: period == "2013-2014", y15: period == "2015-2016", y18: period == "2018-2019", y21: period == "2021-2023" }
    }

    /// The value of 2013-2014, of 2015-2016, or of 2018-2019 (and any other wave).
    fn pick(self, a: f64, b: f64, c: f64) -> f64 {
        if self.y13 { a } else if self.y15 { b } else { c }
    }

    /// The value of 2013-2014, 2015-2016, 2018-2019 or 2021-2023 (and later).
    fn pick4(self, a: f64, b: f64, c: f64, d: f64) -> f64 {
        if self.y21 { d } else { self.pick(a, b, c) }
    }
}

/// Weighted shares of innovators among all workplaces of each sector
/// (kommune, region, stat), where the edition published them.
pub(super) fn sector_shares(period: &str) -> [Option<f64>; 3] {
    match period {
        "2015-2016" => [None, Some(0.80), None],
        "2018-2019" => [Some(0.80), Some(0.85), Some(0.84)],
        _ => [None; 3],
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
    finance(&mut m, e);
    values(&mut m, e);
    evaluation(&mut m, e);
    if e.y13 {
        planning(&mut m);
    }
    hindering(&mut m, e);
    technology(&mut m, e);
    practice(&mut m, e);
    blocks(&mut m);
    procurement(&mut m, e.y21);
    workplaces(&mut m, e);
    m
}

/// 1.0 where variable `v` holds, else 0.0 (for predictors).
fn f(r: &Row, v: usize) -> f64 {
    f64::from(u8::from(r.v[v]))
}

/// Draws `var` among innovators where `cond` holds, to a share among all innovators.
fn among(m: &mut Model, var: &str, eta: Lin, cond: impl Fn(&Row) -> bool + Send + Sync + 'static, share: f64) {
    m.draw(var, eta, Box::new(move |r| r.v[V_INNOVATED] && cond(r)), None, is(V_INNOVATED), share);
}

/// The number of types of the latest innovation.
fn n_types(m: &Model) -> impl Fn(&Row) -> usize + Send + Sync + Clone + 'static {
    let types: Vec<usize> = ["latest_product", "latest_service", "latest_process", "latest_communication"].iter().map(|t| m.get(t)).collect();
    move |r: &Row| types.iter().filter(|&&t| r.v[t]).count()
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
    if e.y18 {
        // More than one type in half of the innovations: more communication
        // among the single-type ones.
        let types = n_types(m);
        let t2 = types.clone();
        m.draw(
            "latest_communication",
            zero(),
            Box::new(move |r| r.v[V_INNOVATED] && !r.v[lc] && types(r) == 1),
            Some(Box::new(move |r| t2(r) >= 2)),
            is(V_INNOVATED),
            0.50,
        );
    }
    for (k, s) in [("service", e.pick(0.33, 0.32, 0.31)), ("product", 0.18), ("communication", e.pick(0.40, 0.47, 0.45)), ("process", e.pick(0.80, 0.78, 0.806))] {
        let latest = m.get(&format!("latest_{k}"));
        let intro = format!("intro_{k}");
        m.set(&intro, is(latest));
        m.draw(&intro, zero(), Box::new(move |r| r.v[V_INNOVATED] && !r.v[latest]), None, Box::new(|_| true), s);
    }
}

/// Novelty: in (2, 3) as published, then 3 among those, 9 among the rest.
/// Process innovations are more often the first of their kind (2018-2019).
fn novelty(m: &mut Model, e: Edition) {
    let process = m.get("latest_process");
    let k = if e.y18 { -0.8 } else { 0.0 };
    m.item("nov_23", Box::new(move |r| k * f(r, process)), e.pick(0.73, 0.72, 0.72));
    let n23 = m.get("nov_23");
    m.within("nov_3", zero(), is(n23), 0.30);
    m.within("nov_9", zero(), isnt(n23), e.pick(0.296, 0.20, 0.357));
}

/// Citizens: openness and service innovations go with a positive role.
fn citizens(m: &mut Model, e: Edition) {
    let service = m.get("latest_service");
    let cit_pos = if e.y15 { Share::Kommune(0.66, 0.63) } else { Share::All(e.pick4(0.63, 0.63, 0.57, 0.57)) };
    draw_share(m, "pos_citizens", move |r| 0.7 * r.z + 0.6 * f64::from(u8::from(r.v[service])), |_| true, cit_pos);
    let citizens = Actor {
        name: "citizens",
        cause: e.pick(0.25, 0.25, 0.22),
        collab: Some(Share::All(e.pick4(0.28, 0.30, 0.30, 0.22))),
        promote: if e.y15 { Share::Kommune(0.60, 0.55) } else { Share::All(e.pick(0.45, 0.55, 0.42)) },
        collab_count: None,
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
        // In 2018-2019 the values differ by volunteers' role only in citizen
        // involvement, so the role leans less on the citizens'.
        let k = if e.y13 { 1.5 } else { 0.5 };
        draw_share(m, "pos_volunteers", move |r| k * f64::from(u8::from(r.v[pc])) + 0.4 * r.z, |_| true, Share::All(e.pick(0.14, 0.16, 0.16)));
    }
    let volunteers = Actor { name: "volunteers", cause: 0.03, collab: Some(Share::All(e.pick(0.08, 0.08, 0.06))), promote: Share::All(0.11), collab_count: None };
    actor_ways(m, &volunteers, Box::new(|r| 0.8 * r.z));
}

/// Other outside actors, correlated through openness.
fn outside_actors(m: &mut Model, e: Edition) {
    let private_pos = if e.y15 { Share::Kommune(0.27, 0.28) } else { Share::All(e.pick4(0.30, 0.28, 0.26, 0.26)) };
    draw_share(m, "pos_private", |r| 0.6 * r.z, |_| true, private_pos);
    let private = Actor {
        name: "private",
        cause: e.pick4(0.05, 0.05, 0.05, 0.02),
        collab: Some(if e.y15 { Share::Kommune(0.21, 0.20) } else { Share::All(e.pick4(0.22, 0.20, 0.13, 0.16)) }),
        promote: Share::All(0.17),
        // 247 public-private innovations (2021-2023).
        collab_count: e.y21.then_some(247),
    };
    actor_ways(m, &private, Box::new(|r| 0.8 * r.z));
    let mut outside: Vec<(&'static str, f64, f64, f64, f64)> = vec![("knowledge", e.pick(0.21, 0.20, 0.20), 0.04, e.pick(0.12, 0.12, 0.09), 0.12)];
    if !e.y13 {
        outside.push(("foundations", e.pick(0.0, 0.09, 0.10), 0.02, e.pick(0.0, 0.03, 0.04), e.pick(0.0, 0.08, 0.06)));
        outside.push(("foreign", e.pick(0.0, 0.07, 0.05), e.pick(0.0, 0.045, 0.02), e.pick(0.0, 0.05, 0.03), 0.03));
    }
    let product = m.get("latest_product");
    for (name, pos, cause, collab, promote) in outside {
        // Foreign actors' role goes with other values than firms' (2018-2019);
        // knowledge institutions take part in product innovations, which
        // explains their link with quality (2013-2014).
        let k = if e.y18 && name == "foreign" { 0.0 } else { 0.6 };
        let kp = if e.y13 && name == "knowledge" { 2.0 } else { 0.0 };
        draw_share(m, &format!("pos_{name}"), move |r| k * r.z + kp * f(r, product), |_| true, Share::All(pos));
        let a = Actor { name, cause, collab: Some(Share::All(collab)), promote: Share::All(promote), collab_count: None };
        actor_ways(m, &a, Box::new(|r| 0.8 * r.z));
    }
}

/// Inside actors and framework conditions (no collaboration item).
fn inside_actors(m: &mut Model, e: Edition) {
    let types = n_types(m);
    for (name, pos, cause, promote) in [
        ("employees", e.pick4(0.86, 0.92, 0.87, 0.92), 0.35, e.pick4(0.76, 0.89, 0.76, 0.90)),
        ("management", 0.85, 0.45, 0.74),
        ("politicians", e.pick4(0.69, 0.40, 0.43, 0.40), 0.22, e.pick4(0.55, 0.25, 0.30, 0.25)),
        ("law", 0.30, 0.20, 0.18),
        ("technology", e.pick4(0.35, 0.46, 0.35, 0.35), e.pick4(0.20, 0.20, 0.20, 0.14), 0.30),
        ("economy", e.pick4(0.40, 0.40, 0.40, 0.30), e.pick4(0.30, 0.17, 0.30, 0.14), e.pick4(0.22, 0.30, 0.22, 0.22)),
    ] {
        // The nearest political leadership: larger in municipalities than in
        // the state (2013-2014); politicians or law 59 % (2018-2019).
        let sector_eta: [f64; 3] = if e.y13 && name == "politicians" { [0.3, 0.0, -0.6] } else { [0.0; 3] };
        // Economic pressure goes with more complex innovations (2013-2014).
        let complex = types.clone();
        let by_types = e.y13 && name == "economy";
        let type_eta = move |r: &Row| if by_types { [0.0, 0.0, 0.3, 1.1, 0.3][complex(r)] } else { 0.0 };
        if e.y18 && name == "law" {
            let pol = m.get("pos_politicians");
            let pl = m.var("pos_law");
            m.draw("pos_law", zero(), Box::new(move |r| r.v[V_INNOVATED] && !r.v[pol]), Some(Box::new(move |r| r.v[pol] || r.v[pl])), is(V_INNOVATED), 0.59);
            m.within("pos_law", zero(), is(pol), 0.30);
        } else {
            draw_share(m, &format!("pos_{name}"), move |r| sector_eta[r.sector] + type_eta(r), |_| true, Share::All(pos));
        }
        let a = Actor { name, cause, collab: None, promote: Share::All(promote), collab_count: None };
        if e.y13 && name == "economy" {
            // Economic pressure goes with more complex innovations (types).
            let t = types.clone();
            let cause_eta: Lin = Box::new(move |r| [0.0, 0.0, 0.3, 1.1, 0.3][t(r)]);
            actor_ways_with(m, &a, cause_eta, zero());
        } else {
            actor_ways(m, &a, zero());
        }
    }
    if e.y21 {
        // Cooperation across the workplace: a promoting factor only.
        m.item("promote_pos_cooperation", zero(), 0.82);
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

/// Public partners: external collaboration as published, and the split of
/// public partners by sector (2018-2019).
fn other_public(m: &mut Model, e: Edition) {
    let ext = external_collabs(m);
    let other_ext = move |r: &Row| ext.iter().any(|&c| r.v[c]);
    if e.y18 || e.y21 {
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
            if e.y21 { 0.48 } else { 0.50 },
        );
    } else {
        let s = if e.y15 { Share::Kommune(0.20, 0.22) } else { Share::All(0.25) };
        draw_share(m, "collab_other_public", |r| 0.4 * r.z, |_| true, s);
    }
    let op = m.get("collab_other_public");
    m.within("other_public_same_sector", zero(), is(op), 0.75);
    let same = m.get("other_public_same_sector");
    m.set("other_public_cross_sector", Box::new(move |r| r.v[op] && !r.v[same]));
    m.within("other_public_cross_sector", zero(), Box::new(move |r| r.v[op] && r.v[same]), 0.25);
}

/// Collaboration inside the own organisation, with any external one in
/// 2013-2014 and 2021-2023; more often where politicians play a role
/// (2018-2019).
fn own_organisation(m: &mut Model, e: Edition) {
    let op = m.get("collab_other_public");
    let ext = external_collabs(m);
    let any_ext = move |r: &Row| r.v[op] || ext.iter().any(|&c| r.v[c]);
    if e.y13 || e.y21 {
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
            if e.y21 { 0.69 } else { 0.79 },
        );
    } else {
        let s = if e.y15 { Share::Kommune(0.56, 0.52) } else { Share::All(0.45) };
        let pol = m.get("pos_politicians");
        let k = if e.y18 { 1.2 } else { 0.0 };
        draw_share(m, "collab_own_org", move |r| 0.3 * r.z + k * f(r, pol), |_| true, s);
    }
    let collabs: Vec<usize> = ["own_org", "other_public", "citizens", "volunteers", "private", "knowledge", "foundations", "foreign"]
        .iter()
        .filter(|p| m.has(&format!("collab_{p}")))
        .map(|p| m.get(&format!("collab_{p}")))
        .collect();
    m.set("collaborated", Box::new(move |r| r.v[V_INNOVATED] && collabs.iter().any(|&c| r.v[c])));
}

/// Financing (from 2015-2016): a "Ved ikke" box, the own budget, central
/// funds and sources outside the own organisation; new solutions are more
/// often financed from outside the workplace's budget (2018-2019).
fn finance(m: &mut Model, e: Edition) {
    let n23 = m.get("nov_23");
    let k = if e.y18 { -0.9 } else { 0.0 };
    m.item("dk:finance_", zero(), 0.02);
    let dk = m.get("dk:finance_");
    among(m, "finance_own_budget", zero(), move |r| !r.v[dk], 0.515);
    among(m, "finance_other", zero(), move |r| !r.v[dk], 0.02);
    // Foundations co-finance a third of their innovations; foreign sources
    // those where foreign actors only promoted.
    if m.has("pos_foundations") {
        let pf = m.get("pos_foundations");
        m.within("finance_foundations", zero(), Box::new(move |r| r.v[pf] && !r.v[dk]), 0.30);
        let (pfo, cfo, kfo) = (m.get("pos_foreign"), m.get("cause_foreign"), m.get("collab_foreign"));
        m.set("finance_eu", Box::new(move |r| r.v[V_INNOVATED] && r.v[pfo] && !r.v[cfo] && !r.v[kfo] && !r.v[dk]));
    }
    let outside = ["finance_national_pool", "finance_foundations", "finance_eu", "finance_foreign", "finance_other"].map(|n| m.var(n));
    let out = move |r: &Row| outside.iter().any(|&v| r.v[v]);
    let o1 = out;
    m.draw(
        "finance_national_pool",
        Box::new(move |r| k * f(r, n23)),
        Box::new(move |r| r.v[V_INNOVATED] && !r.v[dk]),
        Some(Box::new(move |r| o1(r))),
        is(V_INNOVATED),
        e.pick4(0.15, 0.15, 0.18, 0.12),
    );
    m.set("financed_outside_org", Box::new(move |r| out(r)));
    let fo = m.get("financed_outside_org");
    let c = m.var("finance_central");
    m.draw(
        "finance_central",
        Box::new(move |r| k * f(r, n23)),
        Box::new(move |r| r.v[V_INNOVATED] && !r.v[dk]),
        Some(Box::new(move |r| r.v[c] || r.v[fo])),
        is(V_INNOVATED),
        e.pick4(0.30, 0.30, 0.37, 0.25),
    );
}

/// Values: each goes with the roles its published findings name, and only
/// those; the shares are the published ones.
fn values(m: &mut Model, e: Edition) {
    let pc = m.get("pos_citizens");
    let pv = m.get("pos_volunteers");
    let pp = m.get("pos_private");
    let pe = m.get("pos_employees");
    let pt = m.get("pos_technology");
    let kp = m.get("collab_private");
    let op = m.get("collab_other_public");
    let lc = m.get("latest_communication");
    let econ = m.get("pos_economy");
    let foreign = if e.y13 { None } else { Some(m.get("pos_foreign")) };
    let fr = move |r: &Row| foreign.map_or(0.0, |v| f(r, v));
    if e.y13 {
        let product = m.get("latest_product");
        m.item("value_quality", Box::new(move |r| 0.5 * f(r, pc) + 0.6 * f(r, kp) + 1.6 * f(r, product) + 0.5 * f(r, op)), 0.70);
        m.item("value_efficiency", Box::new(move |r| 0.6 * f(r, pp)), 0.46);
        m.item("value_employee_satisfaction", Box::new(move |r| 0.4 * f(r, pc)), 0.50);
        m.item("value_citizen_involvement", Box::new(move |r| 1.0 * f(r, pc) + 0.9 * f(r, lc)), 0.20);
        m.item("value_political_goals", zero(), 0.30);
    } else if e.y15 {
        // The democratic value three times as often with citizens or volunteers.
        m.set("cit_or_vol", Box::new(move |r| r.v[pc] || r.v[pv]));
        let cv = m.get("cit_or_vol");
        let cit = move |r: &Row| 0.6 * f(r, pt) + 0.8 * f(r, pe);
        m.within("value_citizen_involvement", Box::new(cit), is(cv), 0.27);
        m.within("value_citizen_involvement", Box::new(cit), isnt(cv), 0.09);
        m.item("value_quality", Box::new(move |r| 0.5 * f(r, pc) + 0.5 * f(r, pv) + 0.9 * fr(r) + 0.8 * f(r, pe) + 0.5 * f(r, op)), 0.70);
        m.item("value_efficiency", Box::new(move |r| 0.6 * f(r, pt)), 0.45);
        m.item("value_employee_satisfaction", Box::new(move |r| 0.4 * f(r, pc) - 0.4 * f(r, pt) + 1.0 * f(r, pe)), 0.45);
        m.item("value_political_goals", zero(), 0.30);
    } else if e.y18 {
        m.item("value_quality", Box::new(move |r| 0.6 * f(r, pc) + 0.7 * f(r, pe)), 0.68);
        // The small terms offset what the drawn waves show by chance, so
        // the differences the publisher found not significant are not.
        m.item("value_efficiency", Box::new(move |r| 0.5 * f(r, pp) - 0.35 * f(r, pe)), 0.45);
        m.item("value_employee_satisfaction", Box::new(move |r| 0.5 * f(r, pc) + 0.7 * f(r, pe) - 1.2 * fr(r) - 0.15 * f(r, pp)), 0.47);
        m.item("value_citizen_involvement", Box::new(move |r| 0.9 * f(r, pc) + 0.5 * f(r, pp) + 0.7 * f(r, pe) + 0.6 * f(r, pv)), 0.20);
        m.item("value_political_goals", Box::new(move |r| 1.3 * fr(r) - 0.35 * f(r, pp) - 0.4 * f(r, pe)), 0.30);
    } else {
        // Limited economy with a positive role: quality 67 %, employee satisfaction 53 %.
        m.split("value_quality", econ, 0.67, 0.62);
        m.split("value_employee_satisfaction", econ, 0.53, 0.45);
        m.item("value_efficiency", zero(), 0.45);
        m.item("value_citizen_involvement", Box::new(move |r| 0.9 * f(r, pc)), 0.20);
        m.item("value_political_goals", zero(), 0.30);
    }
}

/// Evaluation: 1 or 2 as published, 2 a share of those, 9 among the rest,
/// then evaluations under way (4) or planned (5) where published.
fn evaluation(m: &mut Model, e: Edition) {
    m.item("eval_any", zero(), e.pick(0.44, 0.45, 0.39));
    if e.y18 {
        m.count(749);
    }
    let ev = m.get("eval_any");
    m.within("eval_ext", zero(), is(ev), e.pick4(0.22, 0.222, 0.25, 0.18));
    m.within("eval_dk", zero(), isnt(ev), e.pick4(0.05, 0.12, 0.033, 0.033));
    let dk = m.get("eval_dk");
    if e.y13 || e.y21 {
        let rest = move |r: &Row| !r.v[ev] && !r.v[dk];
        among(m, "eval_45", zero(), rest, e.pick4(0.42, 0.0, 0.0, 0.48));
        let e45 = m.get("eval_45");
        m.within("eval_5", zero(), is(e45), 0.625);
    }
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

/// Hindering factors: only where the factor did not promote (the bipolar
/// scale); limited economy plays a role, positive or hindering, in 65 and
/// 67 % (2013-2014, 2015-2016).
fn hindering(m: &mut Model, e: Edition) {
    let actors = ["employees", "management", "politicians", "citizens", "volunteers", "private", "knowledge", "foundations", "foreign", "law", "technology", "economy", "cooperation"];
    for a in actors {
        let promote = format!("promote_pos_{a}");
        if !m.has(&promote) {
            continue;
        }
        let p = m.get(&promote);
        let name = format!("hinder_pos_{a}");
        match a {
            "economy" if e.y13 || e.y15 => {
                let pos = m.get("pos_economy");
                let h = m.var(&name);
                m.draw(&name, zero(), Box::new(move |r| r.v[V_INNOVATED] && !r.v[pos]), Some(Box::new(move |r| r.v[pos] || r.v[h])), is(V_INNOVATED), e.pick(0.65, 0.67, 0.0));
            }
            "employees" => among(m, &name, zero(), move |r| !r.v[p], e.pick4(0.05, 0.05, 0.05, 0.07)),
            "cooperation" => among(m, &name, zero(), move |r| !r.v[p], 0.08),
            _ => among(m, &name, zero(), move |r| !r.v[p], hinder_share(a, e)),
        }
    }
}

/// The share of innovations a factor hinders in some or high degree, where
/// nothing was published: limited resources and rules hinder most, then
/// technology and politics; outside actors rarely stand in the way. The
/// shares grow a little over the editions, as the rules and the economy
/// weigh more (an assumption of the synthetic waves, not a finding).
fn hinder_share(actor: &str, e: Edition) -> f64 {
    match actor {
        "economy" => e.pick4(0.19, 0.20, 0.21, 0.23),
        "law" => e.pick4(0.10, 0.11, 0.13, 0.14),
        "technology" => e.pick4(0.07, 0.08, 0.09, 0.10),
        "politicians" => e.pick4(0.07, 0.06, 0.08, 0.07),
        "management" => e.pick4(0.04, 0.04, 0.05, 0.05),
        "citizens" => 0.04,
        "private" => 0.03,
        "knowledge" | "volunteers" => 0.02,
        "foundations" => 0.015,
        _ => 0.01,
    }
}

/// Technology in the latest innovation (from 2018-2019).
fn technology(m: &mut Model, e: Edition) {
    m.item("td_12", zero(), e.pick4(0.35, 0.35, 0.35, 0.37));
    if e.y18 {
        m.count(733);
    }
    let td = m.get("td_12");
    m.within("tech_degree=1", zero(), is(td), 0.297);
    let t1 = m.get("tech_degree=1");
    m.set("tech_degree=2", Box::new(move |r| r.v[td] && !r.v[t1]));
    m.within("tech_degree=9", zero(), isnt(td), 0.048);
    let t9 = m.get("tech_degree=9");
    m.within("tech_degree=4", zero(), Box::new(move |r| !r.v[td] && !r.v[t9]), 0.45);
    m.within("tech_new=9", zero(), is(td), 0.04);
    let n9 = m.get("tech_new=9");
    m.within("tech_new=1", zero(), Box::new(move |r| r.v[td] && !r.v[n9]), 0.25);
    let n1 = m.get("tech_new=1");
    m.within("tech_new=3", zero(), Box::new(move |r| r.v[td] && !r.v[n9] && !r.v[n1]), 0.20);
}

/// Closeness to practice, core tasks and spreading: copies are less often
/// tied to core tasks; evaluated and first-of-their-kind innovations are
/// more often shared (2018-2019).
fn practice(m: &mut Model, e: Edition) {
    m.item("prior_practice=2", zero(), 0.30);
    let p2 = m.get("prior_practice=2");
    among(m, "prior_practice=9", zero(), move |r| !r.v[p2], 0.10);
    let n3 = m.get("nov_3");
    m.item("core_task=3", Box::new(move |r| 1.2 * f(r, n3)), 0.08);
    let c3 = m.get("core_task=3");
    among(m, "core_task=9", zero(), move |r| !r.v[c3], 0.01);
    let c9 = m.get("core_task=9");
    among(m, "core_task=2", zero(), move |r| !r.v[c3] && !r.v[c9], 0.15);
    let (ev, n23) = (m.get("eval_any"), m.get("nov_23"));
    let k = if e.y18 { 1.0 } else { 0.0 };
    m.item("spread_active=1", Box::new(move |r| k * (0.8 * f(r, ev) - 0.8 * f(r, n23))), e.pick(0.515, 0.50, 0.50));
    let s1 = m.get("spread_active=1");
    among(m, "spread_active=9", zero(), move |r| !r.v[s1], 0.04);
}

/// A block: its prefix, the variable of its base, the share of "Ved ikke"
/// in the base, and each option's share in the base.
type Block = (&'static str, usize, f64, &'static [(&'static str, f64)]);

/// The multi-select blocks with a "Ved ikke" box, each in its base:
/// collaboration phases, inspiration channels, evaluation purposes and
/// elements (2018-2019).
fn blocks(m: &mut Model) {
    let blocks: [Block; 4] = [
        ("phase_", m.get("collaborated"), 0.07, &[("idea", 0.50), ("development", 0.70), ("implementation", 0.45), ("evaluation", 0.25), ("other", 0.08)]),
        ("channel_", m.get("nov_23"), 0.01, &[("network", 0.55), ("organisation", 0.40), ("events", 0.30), ("media", 0.25), ("suppliers", 0.20), ("knowledge", 0.12), ("other", 0.14)]),
        ("eval_purpose_", m.get("eval_any"), 0.0, &[("learning", 0.70), ("documentation", 0.40), ("decision", 0.35), ("accountability", 0.25), ("other", 0.05)]),
        ("eval_element_", m.get("eval_any"), 0.0, &[("professional", 0.75), ("survey_employees", 0.35), ("survey_citizens", 0.40), ("survey_firms", 0.05), ("survey_public", 0.10), ("data", 0.35), ("other", 0.09)]),
    ];
    for (prefix, base, dk_share, options) in blocks {
        let dk_name = format!("dk:{prefix}");
        if dk_share > 0.0 {
            m.within(&dk_name, zero(), is(base), dk_share);
        } else {
            m.set(&dk_name, Box::new(|_| false));
        }
        let dk = m.get(&dk_name);
        for (option, share) in options {
            // The share among the whole base, "Ved ikke" included.
            let item = format!("{prefix}{option}");
            m.draw(&item, zero(), Box::new(move |r| r.v[V_INNOVATED] && r.v[base] && !r.v[dk]), None, Box::new(move |r| r.v[V_INNOVATED] && r.v[base]), *share);
        }
    }
}

/// Innovative public procurement among innovations made with private firms
/// (2021-2023): 11 % of all innovations, a fifth of them in a tender.
fn procurement(m: &mut Model, y21: bool) {
    let kp = m.get("collab_private");
    among(m, "procurement=1", zero(), move |r| r.v[kp], 0.11);
    if y21 {
        m.count(174);
    }
    let pr = m.get("procurement=1");
    among(m, "procurement=9", zero(), move |r| r.v[kp] && !r.v[pr], 0.005);
    m.within("procurement_tender=1", zero(), is(pr), 0.207);
    if y21 {
        m.count(36);
    }
}

/// Items asked of every workplace or of those that did not innovate:
/// culture statements (innovative workplaces take risks more willingly) and
/// innovation work under way.
fn workplaces(m: &mut Model, e: Edition) {
    let all = |_: &Row| true;
    for (name, agree, k) in [("ideas_acknowledged", 0.86, 0.3), ("risk_taking", 0.65, 0.9), ("tech_curious", 0.75, 0.3)] {
        let a = format!("agree:{name}");
        m.draw(&a, Box::new(move |r| k * f(r, V_INNOVATED)), Box::new(all), None, Box::new(all), agree);
        let av = m.get(&a);
        let v1 = format!("culture_{name}=1");
        m.draw(&v1, zero(), is(av), None, is(av), 0.45);
        let c1 = m.get(&v1);
        m.set(&format!("culture_{name}=2"), Box::new(move |r| r.v[av] && !r.v[c1]));
        let v9 = format!("culture_{name}=9");
        m.draw(&v9, zero(), isnt(av), None, isnt(av), 0.15);
        let c9 = m.get(&v9);
        let v8 = format!("culture_{name}=8");
        m.draw(&v8, zero(), Box::new(move |r| !r.v[av] && !r.v[c9]), None, isnt(av), 0.10);
        let c8 = m.get(&v8);
        let v4 = format!("culture_{name}=4");
        m.draw(&v4, zero(), Box::new(move |r| !r.v[av] && !r.v[c9] && !r.v[c8]), None, Box::new(move |r| !r.v[av] && !r.v[c9] && !r.v[c8]), 0.30);
    }
    let none = |r: &Row| !r.v[V_INNOVATED];
    m.draw("dev_underway=1", zero(), Box::new(none), None, Box::new(none), 0.25);
    if e.y18 {
        m.count(111);
    }
    let d1 = m.get("dev_underway=1");
    m.draw("dev_underway=9", zero(), Box::new(move |r| none(r) && !r.v[d1]), None, Box::new(none), 0.23);
    m.draw("dev_type_process", zero(), is(d1), None, is(d1), 0.70);
}
