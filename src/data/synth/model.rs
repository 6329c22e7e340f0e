//! The machinery of the item model: a sequence of calibrated steps over
//! per-row binary variables, each step a logistic draw whose intercept is
//! found by bisection on the base wave, or a rule.

use crate::error::{Error, Result};

/// A condition on a row (a cell, a domain, a statistic).
pub(super) type Pred = Box<dyn Fn(&Row) -> bool + Send + Sync>;
/// A linear predictor of a row, added to a step's intercept.
pub(super) type Lin = Box<dyn Fn(&Row) -> f64 + Send + Sync>;

/// One respondent while it is drawn.
pub struct Row {
    pub(super) sector: usize,
    pub(super) size: usize,
    pub(super) weight: f64,
    /// Latent openness to outside actors, standard normal.
    pub(super) z: f64,
    pub(super) u: Vec<f64>,
    pub(super) v: Vec<bool>,
}

/// What a step does to its variable.
pub(super) enum Kind {
    Draw(Draw),
    /// v = f(row) for every row.
    Set(Pred),
}

/// v = u < expit(a + eta) inside `cell`, unchanged elsewhere; `a` is
/// calibrated so the weighted share of `stat` (v itself when `None`) over
/// `domain` is `share`.
pub(super) struct Draw {
    eta: Lin,
    cell: Pred,
    stat: Option<Pred>,
    domain: Pred,
    share: f64,
    /// The published unweighted number of rows where the variable holds,
    /// met by a calibrated size effect (larger workplaces weigh less).
    count: Option<usize>,
}

/// One step of the model, run in order on every row.
pub(super) struct Step {
    /// "var#k", for messages.
    name: String,
    /// The variable it sets.
    var: usize,
    /// The row's uniform it draws with.
    u: usize,
    kind: Kind,
    /// The calibrated intercept.
    a: f64,
    /// The calibrated size effect (per size band), where a count is met.
    b: f64,
}

/// Uniform slots before the steps: innovated, openness.
pub(super) const U_INNOVATED: usize = 0;
pub(super) const U_Z: usize = 1;
/// innovated is the first variable of every model.
pub(super) const V_INNOVATED: usize = 0;

/// Named binary variables and the steps that draw them.
#[derive(Default)]
pub(super) struct Model {
    pub(super) vars: Vec<String>,
    pub(super) steps: Vec<Step>,
}

impl Model {
    /// The variable's index, created on first use.
    pub(super) fn var(&mut self, name: &str) -> usize {
        if let Some(i) = self.vars.iter().position(|v| v == name) {
            return i;
        }
        self.vars.push(name.to_string());
        self.vars.len() - 1
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.vars.iter().any(|v| v == name)
    }

    /// The index of a variable a step before has drawn.
    pub(super) fn get(&self, name: &str) -> usize {
        self.vars.iter().position(|v| v == name).unwrap_or_else(|| panic!("synth model: no variable {name}"))
    }

    /// Appends a step; its uniform is the next free slot.
    fn push(&mut self, var: &str, kind: Kind) {
        let v = self.var(var);
        let u = 2 + self.steps.len();
        let name = format!("{var}#{}", self.steps.len());
        self.steps.push(Step { name, var: v, u, kind, a: 0.0, b: 0.0 });
    }

    /// A calibrated draw (see [`Kind::Draw`]).
    pub(super) fn draw(&mut self, var: &str, eta: Lin, cell: Pred, stat: Option<Pred>, domain: Pred, share: f64) {
        self.push(var, Kind::Draw(Draw { eta, cell, stat, domain, share, count: None }));
    }

    /// The last step, a draw, also meets a published unweighted count of
    /// rows where its variable holds.
    pub(super) fn count(&mut self, n: usize) {
        if let Some(Step { kind: Kind::Draw(d), .. }) = self.steps.last_mut() {
            d.count = Some(n);
        }
    }

    /// A rule: `var` = `f(row)`.
    pub(super) fn set(&mut self, var: &str, f: Pred) {
        self.push(var, Kind::Set(f));
    }

    /// An innovators' item with a target share among innovators.
    pub(super) fn item(&mut self, var: &str, eta: Lin, share: f64) {
        self.draw(var, eta, is(V_INNOVATED), None, is(V_INNOVATED), share);
    }

    /// An innovators' item drawn inside `cond` only, with its share among
    /// innovators that meet `cond`.
    pub(super) fn within(&mut self, var: &str, eta: Lin, cond: Pred, share: f64) {
        let cond = std::sync::Arc::new(cond);
        let (c1, c2) = (cond.clone(), cond);
        self.draw(var, eta, Box::new(move |r| r.v[V_INNOVATED] && c1(r)), None, Box::new(move |r| r.v[V_INNOVATED] && c2(r)), share);
    }

    /// An innovators' item with its own share where `cond` holds and where it does not.
    pub(super) fn split(&mut self, var: &str, cond: usize, if_true: f64, if_false: f64) {
        self.within(var, zero(), is(cond), if_true);
        self.within(var, zero(), isnt(cond), if_false);
    }

    /// Uniforms each row draws: two before the steps, one per step, the extras.
    pub(super) fn n_uniforms(&self) -> usize {
        2 + self.steps.len() + EXTRAS
    }
}

/// Uniforms after the steps, for the details of codes (3 or 4, a "ved ikke").
pub(super) const EXTRAS: usize = 160;

/// Rows where variable `v` holds.
pub(super) fn is(v: usize) -> Pred {
    Box::new(move |r| r.v[v])
}
/// Rows where variable `v` does not hold.
pub(super) fn isnt(v: usize) -> Pred {
    Box::new(move |r| !r.v[v])
}
/// No predictor: a draw with the same odds on every row of its cell.
pub(super) fn zero() -> Lin {
    Box::new(|_| 0.0)
}

/// The logistic function.
pub(super) fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Runs the model's steps on one row with fixed intercepts.
pub(super) fn run_row(m: &Model, row: &mut Row) {
    for s in &m.steps {
        match &s.kind {
            Kind::Set(f) => row.v[s.var] = f(row),
            Kind::Draw(d) => {
                if (d.cell)(row) {
                    row.v[s.var] = row.u[s.u] < expit(s.a + s.b * size_term(row) + (d.eta)(row));
                }
            }
        }
    }
}

/// Calibrates every step's intercept on the base wave, in order.
pub(super) fn calibrate(m: &mut Model, rows: &mut [Row]) -> Result<()> {
    for k in 0..m.steps.len() {
        let step = &m.steps[k];
        match &step.kind {
            Kind::Set(f) => {
                for r in rows.iter_mut() {
                    r.v[step.var] = f(r);
                }
            }
            Kind::Draw(draw) => {
                let (a, b) = match draw.count {
                    None => (calibrate_draw(&step.name, step.var, step.u, draw, 0.0, rows)?, 0.0),
                    Some(n) => calibrate_count(&step.name, step.var, step.u, draw, n, rows)?,
                };
                m.steps[k].a = a;
                m.steps[k].b = b;
            }
        }
    }
    Ok(())
}

/// A row's size band centred (-1.5 .. 1.5), for a draw's size effect.
fn size_term(r: &Row) -> f64 {
    r.size as f64 - 1.5
}

/// The intercept and size effect of a draw that meets both its weighted
/// share and its unweighted count: the size effect by bisection (a larger
/// one moves the draw to larger workplaces, which weigh less, so more rows
/// give the same share), the intercept inside it.
fn calibrate_count(name: &str, var: usize, u: usize, draw: &Draw, count: usize, rows: &mut [Row]) -> Result<(f64, f64)> {
    let counted = |rows: &[Row]| rows.iter().filter(|r| (draw.cell)(r) && r.v[var]).count();
    let (mut lo, mut hi) = (-3.0f64, 3.0f64);
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        calibrate_draw(name, var, u, draw, mid, rows)?;
        if counted(rows) < count {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let b = 0.5 * (lo + hi);
    Ok((calibrate_draw(name, var, u, draw, b, rows)?, b))
}

/// The intercept of step `name`'s draw of `var` with uniform `u` and size
/// effect `b` that meets its share (bisection), the rows left drawn with it.
fn calibrate_draw(name: &str, var: usize, u: usize, draw: &Draw, b: f64, rows: &mut [Row]) -> Result<f64> {
    let Draw { eta, cell, stat, domain, share, .. } = draw;
    let members: Vec<usize> = (0..rows.len()).filter(|&i| cell(&rows[i])).collect();
    let etas: Vec<f64> = members.iter().map(|&i| eta(&rows[i]) + b * size_term(&rows[i])).collect();
    let in_domain: Vec<bool> = rows.iter().map(domain).collect();
    let total: f64 = rows.iter().zip(&in_domain).filter(|(_, d)| **d).map(|(r, _)| r.weight).sum();
    if total <= 0.0 {
        return Err(Error::Internal(format!("synth calibration: step {name} has an empty domain")));
    }
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
    // A small cell cannot meet a share closer than a row or two allows.
    let tolerance = (2.0 / members.len().max(1) as f64).max(0.004);
    if (got - share).abs() > tolerance {
        return Err(Error::Internal(format!("synth calibration: step {name} reaches {got:.4}, not its target {share:.4}")));
    }
    Ok(a)
}
