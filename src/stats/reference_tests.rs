//! Reproduces every number of `tests/reference/expected.json` (R's
//! survey package on `fixture.csv`) from the fixture, read with Polars.
//! Estimates must agree to 1e-12, everything else to 1e-9, each relative or
//! absolute, whichever is larger.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

use polars::prelude::*;
use serde_json::Value;

use super::*;

const EST_TOL: f64 = 1e-12;
const TOL: f64 = 1e-9;

fn reference_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/"))
}

struct Fixture {
    num: HashMap<String, Vec<f64>>,
    text: HashMap<String, Vec<String>>,
    n: usize,
}

impl Fixture {
    fn load() -> Fixture {
        let path = reference_dir().join("fixture.csv");
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(path))
            .expect("open fixture.csv")
            .finish()
            .expect("read fixture.csv");
        let mut num = HashMap::new();
        let mut text = HashMap::new();
        for col in df.columns() {
            let name = col.name().to_string();
            if col.dtype() == &DataType::String {
                let s = col.str().expect("string column");
                text.insert(name, s.iter().map(|v| v.expect("no empty labels").to_string()).collect());
            } else {
                let c = col.cast(&DataType::Float64).expect("numeric column");
                let v = c.f64().expect("f64").iter().map(|v| v.unwrap_or(f64::NAN)).collect();
                num.insert(name, v);
            }
        }
        let mut fx = Fixture { num, text, n: df.height() };
        fx.derive();
        fx
    }

    /// The derived items exactly as expected.R builds them, with R's
    /// three-valued logic: `NA | TRUE` is TRUE, `NA | FALSE` is NA, and
    /// `%in%` is never NA.
    fn derive(&mut self) {
        let cause = self.col("cause_citizens").to_vec();
        let promote = self.col("promote_citizens").to_vec();
        let collab = self.col("collab_citizens").to_vec();
        let promote_pos: Vec<f64> = promote.iter().map(|&v| f64::from(v == 3.0 || v == 4.0)).collect();
        let positive = (0..self.n)
            .map(|i| {
                let terms = [
                    if cause[i].is_nan() { None } else { Some(cause[i] == 1.0) },
                    Some(promote_pos[i] == 1.0),
                    if collab[i].is_nan() { None } else { Some(collab[i] == 1.0) },
                ];
                if terms.contains(&Some(true)) {
                    1.0
                } else if terms.contains(&None) {
                    f64::NAN
                } else {
                    0.0
                }
            })
            .collect();
        self.num.insert("citizens_positive".into(), positive);
        self.num.insert("promote_citizens_pos".into(), promote_pos);
        // Sector as codes (for tables) and treatment dummies against
        // "kommune" (for the regression).
        let sector = self.text["sector"].clone();
        let code = |s: &str| match s {
            "kommune" => 1.0,
            "region" => 2.0,
            "stat" => 3.0,
            other => panic!("unknown sector {other}"),
        };
        self.num.insert("sector".into(), sector.iter().map(|s| code(s)).collect());
        self.num
            .insert("sectorregion".into(), sector.iter().map(|s| f64::from(s == "region")).collect());
        self.num
            .insert("sectorstat".into(), sector.iter().map(|s| f64::from(s == "stat")).collect());
    }

    fn col(&self, name: &str) -> &[f64] {
        self.num.get(name).unwrap_or_else(|| panic!("no column {name}"))
    }

    fn design(&self) -> Design {
        Design::new(&self.text["stratum"], self.col("fpc"), self.col("weight")).expect("valid design")
    }

    /// The domains named in expected.json.
    fn domain(&self, name: &str) -> Vec<bool> {
        let inn = self.col("innovated");
        let sector = &self.text["sector"];
        match name {
            "all" => vec![true; self.n],
            "innovated == 1" => inn.iter().map(|&v| v == 1.0).collect(),
            "innovated == 1 & sector == kommune" => (0..self.n).map(|i| inn[i] == 1.0 && sector[i] == "kommune").collect(),
            other => panic!("unknown domain {other}"),
        }
    }
}

/// Worst error seen per kind of number, reported at the end.
#[derive(Default)]
struct Checker {
    worst: RefCell<HashMap<&'static str, (f64, String)>>,
    checked: RefCell<usize>,
}

impl Checker {
    fn check(&self, kind: &'static str, what: &str, got: f64, want: &Value, tol: f64) {
        let want = want.as_f64().unwrap_or_else(|| panic!("{what}: not a number in expected.json"));
        let err = (got - want).abs() / want.abs().max(1.0);
        assert!(
            err <= tol,
            "{what}: got {got:.17e}, R gives {want:.17e} (scaled error {err:.3e} > {tol:e})"
        );
        *self.checked.borrow_mut() += 1;
        let mut worst = self.worst.borrow_mut();
        let e = worst.entry(kind).or_insert((0.0, String::new()));
        if err >= e.0 {
            *e = (err, what.to_string());
        }
    }

    fn report(&self) {
        let mut rows: Vec<_> = self.worst.borrow().iter().map(|(k, v)| (*k, v.clone())).collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        eprintln!(
            "checked {} numbers against expected.json; worst scaled error per kind:",
            self.checked.borrow()
        );
        for (kind, (err, what)) in rows {
            eprintln!("  {kind:<12} {err:.3e}  ({what})");
        }
    }
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} is not a string"))
}

fn check_share(c: &Checker, label: &str, e: &Estimate, want: &Value) {
    c.check("estimate", label, e.estimate, &want["estimate"], EST_TOL);
    c.check("se", label, e.se, &want["se"], TOL);
    if want.get("ci_logit_low").is_some() {
        let (lo, hi) = e.ci.expect("an interval");
        c.check("ci", label, lo, &want["ci_logit_low"], TOL);
        c.check("ci", label, hi, &want["ci_logit_high"], TOL);
        c.check("n/df", label, e.n as f64, &want["n"], 0.0);
        c.check("n/df", label, e.degf, &want["degf"], 0.0);
    }
}

#[test]
fn reproduces_expected_json() {
    let fx = Fixture::load();
    let text = std::fs::read_to_string(reference_dir().join("expected.json")).expect("read expected.json");
    let want: Value = serde_json::from_str(&text).expect("parse expected.json");
    let design = fx.design();
    let inn = fx.domain("innovated == 1");
    let c = Checker::default();

    for block in ["proportions", "municipal"] {
        let list = want[block].as_array().expect("a list");
        assert!(!list.is_empty());
        for p in list {
            let label = format!("{block} {} in {}", s(p, "item"), s(p, "domain"));
            let e = share(&design, &fx.domain(s(p, "domain")), fx.col(s(p, "item"))).expect(&label);
            check_share(&c, &label, &e, p);
        }
    }

    let mut by_group_seen = 0;
    let mut cache: HashMap<(String, String), Vec<(f64, Estimate)>> = HashMap::new();
    for b in want["by_group"].as_array().unwrap() {
        let (item, group) = (s(b, "item").to_string(), s(b, "group").to_string());
        let rows = cache
            .entry((item.clone(), group.clone()))
            .or_insert_with(|| by_group(&design, &inn, fx.col(&item), fx.col(&group)).unwrap());
        let level: f64 = s(b, "level").parse().unwrap();
        let (_, e) = rows.iter().find(|(l, _)| *l == level).expect("level present");
        check_share(&c, &format!("by_group {item} | {group} = {level}"), e, b);
        by_group_seen += 1;
    }
    // every level we compute is in the reference, and vice versa
    assert_eq!(by_group_seen, cache.values().map(Vec::len).sum::<usize>());

    let dist = want["distribution"].as_array().unwrap();
    let levels: Vec<f64> = dist.iter().map(|d| s(d, "level").parse().unwrap()).collect();
    let item = s(&dist[0], "item");
    let got = distribution(&design, &inn, fx.col(item), &levels).unwrap();
    for (d, e) in dist.iter().zip(&got) {
        check_share(&c, &format!("distribution {item} = {}", s(d, "level")), e, d);
    }

    for t in want["tests"].as_array().unwrap() {
        let label = format!("rao_scott {} x {}", s(t, "row"), s(t, "col"));
        let r = rao_scott(&design, &inn, fx.col(s(t, "row")), fx.col(s(t, "col"))).expect(&label);
        c.check("statistic", &label, r.f, &t["F"], TOL);
        c.check("df", &label, r.ndf, &t["ndf"], TOL);
        c.check("df", &label, r.ddf, &t["ddf"], TOL);
        c.check("p", &label, r.p_f, &t["p_F"], TOL);
        c.check("statistic", &label, r.chisq, &t["chisq_rs1"], TOL);
        c.check("df", &label, r.df, &t["df_rs1"], TOL);
        c.check("p", &label, r.p_chisq, &t["p_chisq_rs1"], TOL);
    }
    // The first test sits just above 0.05: it must come out "not significant".
    let first = &want["tests"][0];
    let r = rao_scott(&design, &inn, fx.col(s(first, "row")), fx.col(s(first, "col"))).unwrap();
    assert!(r.p_f > 0.05);

    let lg = &want["logistic"];
    assert_eq!(s(lg, "formula"), "value_quality ~ citizens_positive + latest_service + sector");
    assert_eq!(s(lg, "reference_level"), "kommune");
    let term_names = ["citizens_positive", "latest_service", "sectorregion", "sectorstat"];
    let terms: Vec<(&str, &[f64])> = term_names.iter().map(|n| (*n, fx.col(n))).collect();
    // Both backends: the public entry point collapses these dummies into
    // covariate patterns; the row-by-row fit must agree with R as well.
    let public = logistic(&design, &inn, fx.col("value_quality"), &terms).unwrap();
    let by_rows = super::logistic::fit(&design, &inn, fx.col("value_quality"), &terms, false).unwrap();
    for (backend, fit) in [("", public), (" (rows)", by_rows)] {
        c.check("n/df", "logistic df_residual", fit.df_residual, &lg["df_residual"], 0.0);
        let coefs = lg["coefficients"].as_array().unwrap();
        assert_eq!(coefs.len(), fit.coefficients.len());
        for (w, g) in coefs.iter().zip(&fit.coefficients) {
            assert_eq!(s(w, "term"), g.term);
            let label = format!("logistic{backend} {}", g.term);
            c.check("estimate", &label, g.estimate, &w["estimate"], EST_TOL);
            c.check("se", &label, g.se, &w["se"], TOL);
            c.check("statistic", &label, g.t, &w["t"], TOL);
            c.check("p", &label, g.p, &w["p"], TOL);
        }
    }

    c.report();
}
