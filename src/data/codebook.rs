//! The wave contract as data (`config/codebook.toml`): items, codes, which
//! waves carry them, and mappings for real deliveries.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Context, Error, Result};
use serde::Deserialize;
use toml::Spanned;

/// Multi-select blocks with a "Ved ikke" box: a workplace that ticked only
/// "Ved ikke" has 9 on every item of the block, and 9 nowhere else in it
/// (wave-data-v2.md §5.2).
pub const DONT_KNOW_BLOCKS: [&str; 5] = ["finance_", "phase_", "channel_", "eval_purpose_", "eval_element_"];

/// The split of collaboration with public workplaces outside the own
/// organisation by sector (wave-data-v2.md §7): 1 only where the partner
/// item is 1, which needs at least one of them.
pub const OTHER_PUBLIC_SPLIT: (&str, [&str; 2]) = ("collab_other_public", ["other_public_same_sector", "other_public_cross_sector"]);

/// Design columns every wave carries, in file order.
pub const DESIGN_COLUMNS: [&str; 7] = ["id", "stratum", "sector", "area", "size", "fpc", "weight"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodebook {
    #[serde(rename = "wave")]
    waves: Vec<WaveSpec>,
    design: DesignValues,
    codes: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(rename = "item")]
    items: Vec<RawItem>,
    #[serde(rename = "delivery", default)]
    deliveries: Vec<RawDelivery>,
}

/// One edition of the survey, in chronological order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaveSpec {
    pub period: String,
    /// The published response rate (a share), for the method page.
    #[serde(default)]
    pub response_rate: Option<f64>,
    /// Drawn by `barometer synth`, not real responses: every output says so.
    #[serde(default)]
    pub synthetic: bool,
    /// Published counts of the edition, used by `barometer synth`: the
    /// respondents, and the innovators (innovated = 1) among them.
    #[serde(default)]
    pub responses: Option<usize>,
    #[serde(default)]
    pub innovators: Option<usize>,
    /// Weighted share of innovators among all workplaces, where published.
    #[serde(default)]
    pub innovated_share: Option<f64>,
    /// The published population of workplaces (the frame), where published:
    /// a synthetic wave's strata populations sum to it.
    #[serde(default)]
    pub population: Option<u32>,
    /// The published gross sample, where published (for the method page).
    #[serde(default)]
    pub sample: Option<u32>,
}

/// Allowed values of the categorical design columns, with Danish labels.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignValues {
    pub sector: BTreeMap<String, String>,
    pub area: BTreeMap<String, String>,
    pub size: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    name: String,
    label: String,
    question: String,
    codes: String,
    asked: String,
    from: Option<String>,
    until: Option<String>,
}

/// Who answered an item (its routing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Every workplace.
    All,
    /// Only workplaces with innovated = 1; empty cells elsewhere.
    Innovators,
    /// Only workplaces with innovated = 0; empty cells elsewhere.
    NonInnovators,
    /// Only workplaces where a condition on an earlier item holds.
    When(Condition),
}

/// A routing condition on one earlier item, or on a family of 0/1 items;
/// the subset of the expression language a questionnaire's routing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `item = c` or `item in (c1, c2, …)`.
    Codes { item: String, codes: Vec<i32> },
    /// `any family_X = c`: some item whose name starts with `prefix` is `c`.
    Any { prefix: String, code: i32 },
}

impl Condition {
    /// The items the condition reads, among `names`.
    pub fn reads<'a>(&self, names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
        match self {
            Condition::Codes { item, .. } => names.filter(|n| n == item).collect(),
            Condition::Any { prefix, .. } => names.filter(|n| n.starts_with(prefix.as_str())).collect(),
        }
    }

    /// Whether a row with these codes of the items the condition reads
    /// (None = empty) meets it; an empty cell meets no condition.
    pub fn holds(&self, codes: &[Option<u8>]) -> bool {
        match self {
            Condition::Codes { codes: allowed, .. } => {
                codes.iter().any(|c| c.is_some_and(|c| allowed.contains(&i32::from(c))))
            }
            Condition::Any { code, .. } => codes.iter().any(|c| c.is_some_and(|c| i32::from(c) == *code)),
        }
    }
}

impl std::fmt::Display for Asked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Asked::All => write!(f, "all"),
            Asked::Innovators => write!(f, "innovators"),
            Asked::NonInnovators => write!(f, "non_innovators"),
            Asked::When(Condition::Codes { item, codes }) if codes.len() == 1 => write!(f, "{item} = {}", codes[0]),
            Asked::When(Condition::Codes { item, codes }) => {
                write!(f, "{item} in ({})", codes.iter().map(i32::to_string).collect::<Vec<_>>().join(", "))
            }
            Asked::When(Condition::Any { prefix, code }) => write!(f, "any {prefix}X = {code}"),
        }
    }
}

/// Parses an item's `asked`: "all", "innovators", "non_innovators", or a
/// condition "ITEM = c", "ITEM in (c, …)", "any FAMILY_X = c".
fn parse_asked(text: &str) -> Option<Asked> {
    let t = text.trim();
    match t {
        "all" => return Some(Asked::All),
        "innovators" => return Some(Asked::Innovators),
        "non_innovators" => return Some(Asked::NonInnovators),
        _ => {}
    }
    let code = |s: &str| s.trim().parse::<i32>().ok();
    let is_name = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if let Some(rest) = t.strip_prefix("any ") {
        let (family, value) = rest.split_once('=')?;
        let family = family.trim();
        let cut = family.rfind('_')?;
        let (prefix, x) = (&family[..=cut], &family[cut + 1..]);
        let placeholder = !x.is_empty() && x.chars().all(|c| c.is_ascii_uppercase());
        if !(placeholder && is_name(prefix)) {
            return None;
        }
        return code(value).map(|code| Asked::When(Condition::Any { prefix: prefix.to_string(), code }));
    }
    if let Some((item, list)) = t.split_once(" in ") {
        let inner = list.trim().strip_prefix('(')?.strip_suffix(')')?;
        let codes: Option<Vec<i32>> = inner.split(',').map(code).collect();
        let codes = codes.filter(|c| !c.is_empty())?;
        return is_name(item.trim()).then(|| Asked::When(Condition::Codes { item: item.trim().to_string(), codes }));
    }
    let (item, value) = t.split_once('=')?;
    let codes = vec![code(value)?];
    is_name(item.trim()).then(|| Asked::When(Condition::Codes { item: item.trim().to_string(), codes }))
}

/// A survey item, resolved against the code sets and the wave list.
#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    pub label: String,
    pub question: String,
    /// Allowed codes with their Danish labels, ascending.
    pub codes: Vec<(i32, String)>,
    pub asked: Asked,
    /// Periods that carry the item.
    pub waves: Vec<String>,
}

impl Item {
    pub fn in_wave(&self, period: &str) -> bool {
        self.waves.iter().any(|w| w == period)
    }
    pub fn has_code(&self, code: i32) -> bool {
        self.codes.iter().any(|(c, _)| *c == code)
    }
    pub fn code_label(&self, code: i32) -> Option<&str> {
        self.codes.iter().find(|(c, _)| *c == code).map(|(_, l)| l.as_str())
    }
    /// The allowed codes written as "0, 1, 9" for messages.
    pub fn code_list(&self) -> String {
        self.codes.iter().map(|(c, _)| c.to_string()).collect::<Vec<_>>().join(", ")
    }
}

/// A `[[delivery]]` as written, with where each part stands (for messages).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    period: Spanned<String>,
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    recode: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
}

/// How a delivery's own column names and values map onto the canonical ones.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    pub period: String,
    /// Delivery column name -> canonical column name.
    pub columns: BTreeMap<String, String>,
    /// Canonical column -> (delivery value -> canonical value).
    pub recode: BTreeMap<String, BTreeMap<String, String>>,
    /// Columns of the file the codebook does not know, read past without a
    /// warning (so `--strict` passes without editing the file).
    pub ignore: Vec<String>,
    /// Where the parts stand in the codebook, for messages.
    pub lines: DeliveryLines,
}

/// Lines (1-based) of a `[[delivery]]`'s parts in the codebook.
#[derive(Debug, Clone, Default)]
pub struct DeliveryLines {
    pub period: usize,
    /// By the delivery's own column name.
    pub columns: BTreeMap<String, usize>,
    /// By the name as `ignore` writes it.
    pub ignore: BTreeMap<String, usize>,
}

/// The validated codebook.
#[derive(Debug, Clone)]
pub struct Codebook {
    pub waves: Vec<WaveSpec>,
    pub design: DesignValues,
    pub items: Vec<Item>,
    pub deliveries: Vec<Delivery>,
    /// The file it was read from, as messages name it.
    pub source: String,
}

impl Codebook {
    /// Reads and checks `config/codebook.toml`; errors name the file and key.
    pub fn load(path: &Path) -> Result<Codebook> {
        let text = crate::error::read_text(path)?;
        Codebook::parse_named(&text, &path.display().to_string())
    }

    /// Parses and checks codebook text; errors name the key.
    pub fn parse(text: &str) -> Result<Codebook> {
        Codebook::parse_named(text, "codebook.toml")
    }

    /// Parses and checks the text of codebook `source`: errors name the key,
    /// and a `[[delivery]]` mapping's errors the line (`source:NN: …`).
    fn parse_named(text: &str, source: &str) -> Result<Codebook> {
        let (raw, items) = (|| -> Result<(RawCodebook, Vec<Item>)> {
            let raw: RawCodebook = toml::from_str(text)?;
            let periods = check_periods(&raw.waves)?;
            let codes = code_sets(&raw.codes)?;
            let items = resolve_items(raw.items.clone(), &codes, &periods)?;
            Ok((raw, items))
        })()
        .with_context(|| format!("in {source}"))?;
        let mut codebook =
            Codebook { waves: raw.waves, design: raw.design, items, deliveries: Vec::new(), source: source.to_string() };
        codebook.deliveries = check_deliveries(&codebook, raw.deliveries, text)?;
        Ok(codebook)
    }

    pub fn item(&self, name: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.name == name)
    }

    pub fn has_wave(&self, period: &str) -> bool {
        self.waves.iter().any(|w| w.period == period)
    }

    /// Items a wave carries, in codebook order.
    pub fn items_in<'a>(&'a self, period: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items.iter().filter(move |i| i.in_wave(period))
    }

    pub fn delivery(&self, period: &str) -> Option<&Delivery> {
        self.deliveries.iter().find(|d| d.period == period)
    }
}

/// The `[[delivery]]` mappings, each name and value checked against the
/// codebook; every mistake is listed at its line (`codebook.toml:NN: …`).
fn check_deliveries(codebook: &Codebook, raw: Vec<RawDelivery>, text: &str) -> Result<Vec<Delivery>> {
    let line = |s: &Spanned<String>| text[..s.span().start.min(text.len())].matches('\n').count() + 1;
    let mut errors: Vec<String> = Vec::new();
    let mut fail = |at: usize, message: String| errors.push(format!("{}:{at}: [[delivery]] {message}", codebook.source));
    let mut out: Vec<Delivery> = Vec::new();
    for d in raw {
        let period = d.period.get_ref().clone();
        if !codebook.has_wave(&period) {
            fail(line(&d.period), format!("period \"{period}\" is not a [[wave]] period"));
            continue;
        }
        if let Some(first) = out.iter().find(|o| o.period == period) {
            fail(line(&d.period), format!("for {period} is given twice (also at line {}); keep one", first.lines.period));
            continue;
        }
        let needed = |name: &str| DESIGN_COLUMNS.contains(&name) || codebook.item(name).is_some_and(|i| i.in_wave(&period));
        let unknown = |name: &str| match codebook.item(name) {
            Some(_) => format!("the codebook says wave {period} did not ask it (see the item's from and until)"),
            None => "it is neither a design column nor an item of the codebook".to_string(),
        };
        let mut delivery = Delivery { period: period.clone(), ..Delivery::default() };
        delivery.lines.period = line(&d.period);
        for (own, canonical) in &d.columns {
            let (own_s, canonical_s) = (own.get_ref(), canonical.get_ref());
            if !needed(canonical_s) {
                fail(line(canonical), format!("for {period}: column \"{own_s}\" is mapped to \"{canonical_s}\", but {}; write a column the wave has", unknown(canonical_s)));
            } else if let Some((other, _)) = delivery.columns.iter().find(|(_, c)| *c == canonical_s) {
                fail(line(canonical), format!("for {period}: columns \"{other}\" and \"{own_s}\" are both mapped to \"{canonical_s}\"; map one column to each name"));
            }
            delivery.columns.insert(own_s.clone(), canonical_s.clone());
            delivery.lines.columns.insert(own_s.clone(), line(own));
        }
        for (column, map) in &d.recode {
            let name = column.get_ref();
            if let Some(canonical) = delivery.columns.get(name.as_str()).filter(|c| *c != name) {
                fail(line(column), format!("for {period}: recode.{name} names the file's own column; recode by the codebook's name, recode.{canonical}"));
                continue;
            }
            if !needed(name) {
                fail(line(column), format!("for {period}: recode.{name} recodes a column the wave does not have: {}", unknown(name)));
                continue;
            }
            for (from, to) in map {
                if let Some(why) = not_a_value(codebook, name, to.get_ref()) {
                    fail(line(to), format!("for {period}: recode.{name} maps \"{}\" to \"{}\", {why}", from.get_ref(), to.get_ref()));
                }
            }
            let values = map.iter().map(|(a, b)| (a.get_ref().clone(), b.get_ref().clone())).collect();
            delivery.recode.insert(name.clone(), values);
        }
        for name in &d.ignore {
            let n = name.get_ref();
            if let Some(canonical) = delivery.columns.get(n.as_str()) {
                fail(line(name), format!("for {period}: ignore lists \"{n}\", which columns maps to \"{canonical}\"; keep one of the two"));
            } else if needed(n) {
                fail(line(name), format!("for {period}: ignore lists \"{n}\", a column wave {period} needs; only columns the wave does not use can be ignored"));
            }
            delivery.ignore.push(n.clone());
            delivery.lines.ignore.insert(n.clone(), line(name));
        }
        out.push(delivery);
    }
    if errors.is_empty() { Ok(out) } else { Err(Error::Config(errors.join("\n"))) }
}

/// Why `value` cannot be a value of column `name` after recoding (a
/// design column's keys, an item's codes or empty), or `None` when it can.
fn not_a_value(codebook: &Codebook, name: &str, value: &str) -> Option<String> {
    let allowed = match name {
        "sector" => &codebook.design.sector,
        "area" => &codebook.design.area,
        "size" => &codebook.design.size,
        _ => {
            let item = codebook.item(name)?;
            let ok = value.is_empty() || value.trim().parse::<i32>().is_ok_and(|c| item.has_code(c));
            return (!ok).then(|| format!("which is not a code of {name} ({}); map to a code, or to \"\" for an empty cell", item.code_list()));
        }
    };
    let list = allowed.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
    (!allowed.contains_key(value)).then(|| format!("which is not a {name} of the codebook ({list})"))
}

/// The waves' periods in order: at least one, each well formed and listed once.
fn check_periods(waves: &[WaveSpec]) -> Result<Vec<String>> {
    let periods: Vec<String> = waves.iter().map(|w| w.period.clone()).collect();
    if periods.is_empty() {
        return Err(Error::config("no [[wave]] is listed"));
    }
    for (i, p) in periods.iter().enumerate() {
        if !is_period(p) {
            return Err(Error::Config(format!("[[wave]] period \"{p}\" is not of the form 2018-2019")));
        }
        if periods[..i].contains(p) {
            return Err(Error::Config(format!("[[wave]] period \"{p}\" is listed twice")));
        }
    }
    Ok(periods)
}

/// The `[codes]` sets with whole-number codes, each sorted ascending.
fn code_sets(raw: &BTreeMap<String, BTreeMap<String, String>>) -> Result<BTreeMap<String, Vec<(i32, String)>>> {
    let mut codes: BTreeMap<String, Vec<(i32, String)>> = BTreeMap::new();
    for (set, entries) in raw {
        let mut list = Vec::new();
        for (code, label) in entries {
            let c: i32 = code
                .parse()
                .map_err(|_| Error::Config(format!("[codes.{set}]: key \"{code}\" is not a whole number")))?;
            list.push((c, label.clone()));
        }
        list.sort_by_key(|(c, _)| *c);
        codes.insert(set.clone(), list);
    }
    Ok(codes)
}

/// The items with their code sets and waves resolved; the contract needs
/// unique names apart from the design columns, and an item "innovated".
fn resolve_items(raw: Vec<RawItem>, codes: &BTreeMap<String, Vec<(i32, String)>>, periods: &[String]) -> Result<Vec<Item>> {
    let position = |key: &str, p: &Option<String>, item: &str| -> Result<Option<usize>> {
        match p {
            None => Ok(None),
            Some(p) => periods.iter().position(|w| w == p).map(Some).ok_or_else(|| {
                Error::Config(format!("item \"{item}\": {key} = \"{p}\" is not a [[wave]] period"))
            }),
        }
    };
    let mut items: Vec<Item> = Vec::with_capacity(raw.len());
    for it in raw {
        if DESIGN_COLUMNS.contains(&it.name.as_str()) {
            return Err(Error::Config(format!("item \"{}\": the name is a design column", it.name)));
        }
        if items.iter().any(|x| x.name == it.name) {
            return Err(Error::Config(format!("item \"{}\" is defined twice", it.name)));
        }
        let set = codes.get(&it.codes).ok_or_else(|| {
            Error::Config(format!("item \"{}\": codes = \"{}\" is not a [codes] set", it.name, it.codes))
        })?;
        let lo = position("from", &it.from, &it.name)?.unwrap_or(0);
        let hi = position("until", &it.until, &it.name)?.unwrap_or(periods.len() - 1);
        if lo > hi {
            return Err(Error::Config(format!("item \"{}\": from comes after until", it.name)));
        }
        let waves = periods[lo..=hi].to_vec();
        let asked = parse_asked(&it.asked).ok_or_else(|| {
            Error::Config(format!(
                "item \"{}\": asked = \"{}\" is not one of \"all\", \"innovators\", \"non_innovators\" or a condition such as \"evaluated in (1, 2)\" or \"any collab_PARTNER = 1\"",
                it.name, it.asked
            ))
        })?;
        if let Asked::When(cond) = &asked {
            check_condition(&it.name, &it.asked, cond, &items, &waves)?;
        }
        items.push(Item { name: it.name, label: it.label, question: it.question, codes: set.clone(), asked, waves });
    }
    if !items.iter().any(|i| i.name == "innovated") {
        return Err(Error::config("the item \"innovated\" is required by the wave contract"));
    }
    Ok(items)
}

/// A routing condition reads items defined before the item, asked in every
/// wave that asks the item, with codes they have.
fn check_condition(name: &str, text: &str, cond: &Condition, before: &[Item], waves: &[String]) -> Result<()> {
    let fail = |why: String| Err(Error::Config(format!("item \"{name}\": asked = \"{text}\": {why}")));
    let read: Vec<&Item> = match cond {
        Condition::Codes { item, codes } => {
            let Some(it) = before.iter().find(|i| &i.name == item) else {
                return fail(format!("\"{item}\" is not an item defined above it; a condition reads an earlier item"));
            };
            if let Some(c) = codes.iter().find(|c| !it.has_code(**c)) {
                return fail(format!("{c} is not a code of {item} ({})", it.code_list()));
            }
            vec![it]
        }
        Condition::Any { prefix, .. } => {
            let family: Vec<&Item> = before.iter().filter(|i| i.name.starts_with(prefix.as_str())).collect();
            if family.is_empty() {
                return fail(format!("no item defined above it starts with \"{prefix}\""));
            }
            family
        }
    };
    for w in waves {
        if !read.iter().any(|i| i.in_wave(w)) {
            return fail(format!("wave {w} asks the item but not {}; limit the item with from/until", read[0].name));
        }
    }
    Ok(())
}

/// "2018-2019": two four-digit years, the second not before the first.
pub fn is_period(p: &str) -> bool {
    let b = p.as_bytes();
    if b.len() != 9 || b[4] != b'-' || !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
        return false;
    }
    p[..4] <= p[5..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Codebook {
        Codebook::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/codebook.toml")).unwrap()
    }

    #[test]
    fn shipped_codebook_limits_items_to_their_waves() {
        let cb = shipped();
        assert_eq!(cb.item("process_planned").unwrap().waves, vec!["2013-2014"]);
        assert_eq!(cb.item("collab_foundations").unwrap().waves, vec!["2015-2016", "2018-2019", "2021-2023"]);
        assert_eq!(cb.item("novelty").unwrap().code_list(), "1, 2, 3, 9");
        assert_eq!(cb.items_in("2018-2019").count(), 132);
        assert_eq!(cb.items_in("2021-2023").count(), 76);
        assert_eq!(cb.item("tech_new").unwrap().asked.to_string(), "tech_degree in (1, 2)");
        assert_eq!(cb.item("phase_idea").unwrap().asked.to_string(), "any collab_X = 1");
        assert_eq!(cb.item("dev_underway").unwrap().asked, Asked::NonInnovators);
        assert_eq!(cb.item("evaluated").unwrap().code_list(), "1, 2, 3, 4, 5, 9");
        let w4 = cb.waves.iter().find(|w| w.period == "2021-2023").unwrap();
        assert_eq!((w4.responses, w4.innovators, w4.population, w4.sample), (Some(1611), Some(1352), Some(14297), Some(4494)));
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Codebook::parse("[[wave]]\nperiod = \"2018-2019\"\ncolour = 1\n").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("unknown field `colour`"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn routing_conditions_are_parsed_and_checked() {
        assert_eq!(parse_asked("evaluated in (1, 2)"), Some(Asked::When(Condition::Codes { item: "evaluated".into(), codes: vec![1, 2] })));
        assert_eq!(parse_asked("any collab_PARTNER = 1"), Some(Asked::When(Condition::Any { prefix: "collab_".into(), code: 1 })));
        assert_eq!(parse_asked("dev_underway = 1").unwrap().to_string(), "dev_underway = 1");
        assert_eq!(parse_asked("everyone"), None);
        assert_eq!(parse_asked("x in ()"), None);
        let base = "[[wave]]\nperiod = \"2018-2019\"\n[design]\nsector = {}\narea = {}\nsize = {}\n[codes.yn]\n0 = \"Nej\"\n1 = \"Ja\"\n\
            [[item]]\nname = \"innovated\"\nlabel = \"\"\nquestion = \"\"\ncodes = \"yn\"\nasked = \"all\"\n\
            [[item]]\nname = \"x\"\nlabel = \"\"\nquestion = \"\"\ncodes = \"yn\"\n";
        let err = |asked: &str| Codebook::parse(&format!("{base}asked = \"{asked}\"\n")).unwrap_err().to_string();
        assert!(err("innovated = 7").contains("item \"x\": asked = \"innovated = 7\": 7 is not a code of innovated (0, 1)"), "{}", err("innovated = 7"));
        assert!(err("later = 1").contains("\"later\" is not an item defined above it"));
        assert!(err("sometimes").contains("is not one of \"all\""));
        assert!(Codebook::parse(&format!("{base}asked = \"innovated = 1\"\n")).is_ok());
    }

    #[test]
    fn periods_are_checked() {
        assert!(is_period("2018-2019"));
        assert!(!is_period("2019-2018"));
        assert!(!is_period("2018/2019"));
    }
}
