//! `barometer verify`: every published number of `<inputs>/published/published.toml`
//! beside the one the waves give, with its deviation and a verdict, then
//! the published significance findings; exit status 1 naming each number
//! outside its tolerance.

use std::collections::BTreeMap;

use barometer::compute::WaveData;
use barometer::compute::verify::{Published, Verification, verify};
use barometer::data;
use barometer::error::{Error, Result};
use barometer::pipeline::{design_of, load_codebook};

use super::{Global, json_line};

/// The published numbers' file, inside the inputs.
pub const PUBLISHED: &str = "published/published.toml";

pub fn run(g: &Global) -> Result<String> {
    let codebook = load_codebook(&g.paths)?;
    let published = Published::load(&g.paths.inputs.join(PUBLISHED), &codebook)?;
    let mut waves = BTreeMap::new();
    for wave in data::load_waves(&g.paths.waves(), &codebook)? {
        let design = design_of(&wave)?;
        waves.insert(wave.period.clone(), WaveData { wave, design });
    }
    let result = verify(&published, &codebook, &waves)?;
    let out = if g.json {
        json_line(&Document { failures: result.failures(), verification: &result })?
    } else if g.quiet {
        String::new()
    } else {
        table(&result)
    };
    if result.passed {
        return Ok(out);
    }
    // The table first, so the failing numbers can be read in their place.
    print!("{out}");
    let failures = result.failures();
    Err(Error::Config(format!(
        "{} published number(s) not met by the waves:\n  {}",
        failures.len(),
        failures.join("\n  ")
    )))
}

/// The JSON document: the verification and, one line each, what failed.
#[derive(serde::Serialize)]
struct Document<'a> {
    failures: Vec<String>,
    #[serde(flatten)]
    verification: &'a Verification,
}

/// The report as plain text: counts, numbers, findings, the worst deviation per edition.
fn table(v: &Verification) -> String {
    let mut out = String::new();
    out += "published numbers (weighted %; deviation in points)\n";
    out += &format!("{:<10} {:>9} {:>9} {:>9} {:>9} {:>6}  {:<7} {}\n", "period", "published", "computed", "deviation", "tolerance", "n", "verdict", "indicator [domain]");
    for c in &v.counts {
        out += &format!(
            "{:<10} {:>9} {:>9} {:>9} {:>9} {:>6}  {:<7} {}\n",
            c.period,
            c.published,
            c.computed,
            c.computed as i64 - c.published as i64,
            0,
            "",
            verdict(c.ok),
            c.what
        );
    }
    for t in &v.targets {
        let (p, c, d) = if t.ratio {
            (format!("{:.2}x", t.published), format!("{:.2}x", t.computed), format!("{:+.2}", t.deviation))
        } else {
            (format!("{:.1}", t.published), format!("{:.1}", t.computed), format!("{:+.1}", t.deviation))
        };
        out += &format!("{:<10} {:>9} {:>9} {:>9} {:>9} {:>6}  {:<7} {} [{}]\n", t.period, p, c, d, format!("±{}", t.tolerance), t.n, verdict(t.ok), t.indicator, t.domain);
    }
    if !v.findings.is_empty() {
        out += "\nsignificance findings (Rao-Scott F, 0.05)\n";
        out += &format!("{:<10} {:>8} {:<15} {:<15} {:<7} {}\n", "period", "p", "published", "computed", "verdict", "rows by group [domain]");
        let said = |s: bool| if s { "significant" } else { "not signif." };
        for f in &v.findings {
            out += &format!(
                "{:<10} {:>8.4} {:<15} {:<15} {:<7} {} by {} [{}]\n",
                f.period,
                f.p_value,
                said(f.published_significant),
                said(f.significant),
                verdict(f.ok),
                f.rows,
                f.by,
                f.domain
            );
        }
    }
    if !v.controlled.is_empty() {
        out += "\nfindings under controls (survey-weighted logistic regression, 0.05)\n";
        out += &format!("{:<10} {:>8} {:<9} {:<9} {:<7} {}\n", "period", "p", "published", "computed", "verdict", "rows by group [domain], controlling for");
        let said = |s: bool| if s { "holds" } else { "fades" };
        for c in &v.controlled {
            out += &format!(
                "{:<10} {:>8.4} {:<9} {:<9} {:<7} {} by {} [{}], controlling for {}\n",
                c.period,
                c.p_value,
                said(c.published_holds),
                said(c.holds),
                verdict(c.ok),
                c.rows,
                c.by,
                c.domain,
                c.controls
            );
        }
    }
    out += "\nworst deviation per edition\n";
    for (period, what, dev) in v.worst_by_period() {
        out += &format!("{period}: {dev:+.2} points, {what}\n");
    }
    if !v.periods_without_wave.is_empty() {
        out += &format!("\nno wave for {}: their published numbers were not checked\n", v.periods_without_wave.join(", "));
    }
    let (t_ok, f_ok) = (v.targets.iter().filter(|t| t.ok).count(), v.findings.iter().filter(|f| f.ok).count());
    let c_ok = v.controlled.iter().filter(|c| c.ok).count();
    out += &format!(
        "\n{t_ok} of {} numbers, {f_ok} of {} findings and {c_ok} of {} findings under controls as published\n",
        v.targets.len(),
        v.findings.len(),
        v.controlled.len()
    );
    out
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "OUTSIDE" }
}
