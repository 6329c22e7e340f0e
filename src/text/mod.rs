//! Danish text from computed numbers: number style, words for shares,
//! captions, the checks that keep titles true to their numbers, and (in
//! `phrases`) every other sentence a reader sees.

mod phrases;

pub use phrases::*;

/// The no-break space between a number and "%".
pub const NBSP: char = '\u{a0}';

/// A share as a Danish percentage: 0.5712 -> "57 %" (no-break space).
pub fn pct(p: f64) -> String {
    format!("{}{NBSP}%", percent_points(p))
}

/// A share in running text: the one percent style of the book, "57 %".
pub fn procent(p: f64) -> String {
    pct(p)
}

/// Binds every number to the unit after it ("66 procent", "57 %") with a
/// no-break space, so a line never ends between them.
pub fn bind_units(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let after_digit = i > 0 && chars[i - 1].is_ascii_digit();
        let rest: String = chars[i + 1..].iter().take(8).collect();
        let unit = ["%", "procent", "pct.", "gange", "kr.", "mio."].iter().any(|u| rest.starts_with(u));
        out.push(if c == ' ' && after_digit && unit { NBSP } else { c });
    }
    out
}

/// Binds the last two words of a title or a hero sentence with a no-break
/// space, so no line of it holds one word alone.
pub fn tie_last_words(s: &str) -> String {
    let s = bind_units(s.trim_end());
    match s.rfind(' ') {
        // Only where the two words are short enough to share a line.
        Some(i) if s.chars().count() > 24 && s[i + 1..].chars().count() <= 18 => format!("{}{NBSP}{}", &s[..i], &s[i + 1..]),
        _ => s,
    }
}

/// Whole percentage points, rounded half away from zero.
pub fn percent_points(p: f64) -> i64 {
    (p * 100.0).round() as i64
}

/// Danish thousands separator: 1877 -> "1.877".
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A decimal with a comma: (0.05, 2) -> "0,05".
pub fn decimal(x: f64, digits: usize) -> String {
    format!("{x:.digits$}").replace('.', ",")
}

/// "n=1.877"
pub fn n_equals(n: usize) -> String {
    format!("n={}", thousands(n))
}

/// Danish quotes: ”…”.
pub fn quote(s: &str) -> String {
    format!("\u{201d}{s}\u{201d}")
}

/// "A, B og C".
pub fn list_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} og {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// First letter in lower case, for labels inside a sentence.
pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A ratio in words: 3.04 -> "3,0 gange".
pub fn times(r: f64) -> String {
    format!("{} gange", decimal(r, 1))
}

/// Words for shares and the ranges where they are true, checked against
/// titles, hero sentences and introductions. Longer phrases first, so "over
/// halvdelen" is not read as "halvdelen". Danish has a common and a neuter
/// form of "every": "hver anden innovation" but "hvert andet projekt"; both
/// are listed.
pub const SHARE_WORDS: [(&str, Bound); 25] = [
    ("over halvdelen", Bound::Over(0.5)),
    ("under halvdelen", Bound::Under(0.5)),
    ("halvdelen", Bound::Range(0.45, 0.55)),
    ("langt de fleste", Bound::Range(0.7, 1.0)),
    ("de fleste", Bound::Over(0.5)),
    ("næsten alle", Bound::Range(0.85, 1.0)),
    ("flertallet", Bound::Over(0.5)),
    ("et flertal", Bound::Over(0.5)),
    ("hver anden", Bound::Range(0.45, 0.55)),
    ("hvert andet", Bound::Range(0.45, 0.55)),
    ("to ud af tre", Bound::Range(0.62, 0.71)),
    ("tre ud af fire", Bound::Range(0.72, 0.78)),
    ("fire ud af fem", Bound::Range(0.77, 0.83)),
    ("tre ud af ti", Bound::Range(0.27, 0.33)),
    ("hver tredje", Bound::Range(0.30, 0.36)),
    ("hvert tredje", Bound::Range(0.30, 0.36)),
    ("hver fjerde", Bound::Range(0.22, 0.28)),
    ("hvert fjerde", Bound::Range(0.22, 0.28)),
    ("hver femte", Bound::Range(0.18, 0.22)),
    ("hvert femte", Bound::Range(0.18, 0.22)),
    ("hver tiende", Bound::Range(0.08, 0.12)),
    ("hvert tiende", Bound::Range(0.08, 0.12)),
    ("en ud af ti", Bound::Range(0.08, 0.12)),
    ("et ud af ti", Bound::Range(0.08, 0.12)),
    ("én ud af ti", Bound::Range(0.08, 0.12)),
];

/// The shares for which words are true.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// More than this share.
    Over(f64),
    /// Less than this share.
    Under(f64),
    /// From one share to another, inclusive.
    Range(f64, f64),
    /// This many whole percent, the share rounded (a typed number).
    Exact(i64),
}

/// Words that claim a difference between groups.
pub const DIFFERENCE_WORDS: [&str; 3] = ["oftere", "sjældnere", "hyppigere"];

/// What a piece of prose claims about a share: words from [`SHARE_WORDS`]
/// or a typed number ("75 procent", "75 %", "75 pct.").
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The words as found, lower case.
    pub words: String,
    /// Byte offset in the text.
    pub at: usize,
    pub bound: Bound,
}

impl Claim {
    /// Whether the share `p` makes the words true.
    pub fn fits(&self, p: f64) -> bool {
        match self.bound {
            Bound::Over(lo) => p > lo,
            Bound::Under(hi) => p < hi,
            Bound::Range(lo, hi) => p >= lo && p <= hi,
            Bound::Exact(n) => percent_points(p) == n,
        }
    }
}

/// Every claim about a share in `text`, in order.
pub fn claims(text: &str) -> Vec<Claim> {
    let lower = text.to_lowercase();
    let mut out: Vec<Claim> = Vec::new();
    for (words, bound) in SHARE_WORDS {
        let mut from = 0;
        while let Some(i) = lower[from..].find(words).map(|i| i + from) {
            from = i + words.len();
            // Whole words only, and not inside a longer phrase already found.
            let before = lower[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
            let after = lower[from..].chars().next().is_none_or(|c| !c.is_alphanumeric());
            if before && after && !out.iter().any(|c| i < c.at + c.words.len() && c.at < from) {
                out.push(Claim { words: words.to_string(), at: i, bound });
            }
        }
    }
    out.extend(typed_numbers(&lower));
    out.sort_by_key(|c| c.at);
    out
}

/// "75 procent", "75 %", "75 pct." in lower-case text.
fn typed_numbers(lower: &str) -> Vec<Claim> {
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.' || bytes[i - 1] == b',')) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let number = &lower[start..i];
        let rest = lower[i..].trim_start_matches([' ', NBSP]);
        let unit = ["procent", "pct.", "pct", "%"].into_iter().find(|u| rest.starts_with(u));
        if let (Some(unit), Ok(n)) = (unit, number.parse::<i64>()) {
            let end = lower.len() - rest.len() + unit.len();
            out.push(Claim { words: lower[start..end].replace(NBSP, " "), at: start, bound: Bound::Exact(n) });
            i = end;
        }
    }
    out
}

/// The claims in a title that its number contradicts.
pub fn misfit_words(title: &str, p: f64) -> Vec<String> {
    misfits(title, p, "the title")
}

/// The claims in `text` that the share `p` contradicts, as "{what} says …".
pub fn misfits(text: &str, p: f64, what: &str) -> Vec<String> {
    claims(text)
        .into_iter()
        .filter(|c| !c.fits(p))
        .map(|c| format!("{what} says \u{201c}{}\u{201d} but the number is {}", c.words, pct(p).replace(NBSP, " ")))
        .collect()
}

/// The caption of a figure, assembled in the order of figures.md.
#[derive(Debug, Default, Clone)]
pub struct Caption {
    /// What the figure shows (a sentence).
    pub shows: String,
    /// How composites are built (sentences).
    pub composites: Vec<String>,
    /// The questions, quoted.
    pub questions: Vec<String>,
    /// Completes "Spørgsmålet er …".
    pub asked: String,
    /// Sums to more / less than 100 % (sentences).
    pub sums: Vec<String>,
    /// Significance sentences.
    pub significance: Vec<String>,
    /// The figure is weighted to the public sector.
    pub weighted: bool,
    /// Extra notes before n (sources, synthetic data).
    pub notes: Vec<String>,
    /// The unweighted base.
    pub n: usize,
}

impl Caption {
    pub fn text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        parts.push(sentence(&self.shows));
        parts.extend(self.composites.iter().map(|s| sentence(s)));
        match self.questions.len() {
            0 => {}
            1 => parts.push(format!("Spørgsmålet er: {}.", quote(&self.questions[0]))),
            _ => {
                let q: Vec<String> = self.questions.iter().map(|q| quote(q)).collect();
                parts.push(format!("Spørgsmålene er: {}.", list_and(&q)));
            }
        }
        if !self.asked.is_empty() {
            let subject = if self.questions.len() > 1 { "Spørgsmålene er" } else { "Spørgsmålet er" };
            parts.push(format!("{subject} {}.", self.asked.trim_end_matches('.')));
        }
        parts.extend(self.sums.iter().map(|s| sentence(s)));
        parts.extend(self.significance.iter().map(|s| sentence(s)));
        if self.weighted {
            parts.push("Data er vægtet til at repræsentere den offentlige sektor samlet set.".to_string());
        }
        parts.extend(self.notes.iter().map(|s| sentence(s)));
        parts.push(format!("{}.", n_equals(self.n)));
        parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
    }
}

/// Ends a sentence with a full stop unless it has one.
fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() || s.ends_with(['.', '!', '?']) { s.to_string() } else { format!("{s}.") }
}

/// "Forskellen … er signifikant … for A og B, men ikke for C." from test outcomes.
pub fn significance_sentence(results: &[(String, bool)], alpha: f64) -> String {
    let level = decimal(alpha, 2);
    // Chart labels are named in quotes, not pasted into the sentence.
    let yes: Vec<String> = results.iter().filter(|r| r.1).map(|r| quote(&r.0)).collect();
    let no: Vec<String> = results.iter().filter(|r| !r.1).map(|r| quote(&r.0)).collect();
    if results.len() == 1 {
        return if yes.len() == 1 {
            format!("Forskellen mellem grupperne er signifikant ved et signifikansniveau på {level}.")
        } else {
            format!("Forskellen mellem grupperne er ikke signifikant ved et signifikansniveau på {level}.")
        };
    }
    match (yes.is_empty(), no.is_empty()) {
        (true, _) => format!("Ingen af forskellene mellem grupperne er signifikante ved et signifikansniveau på {level}."),
        (false, true) => format!("Forskellene mellem grupperne er signifikante ved et signifikansniveau på {level} for alle viste typer."),
        (false, false) => format!(
            "Forskellen mellem grupperne er signifikant ved et signifikansniveau på {level} for {}, men ikke for {}.",
            list_and(&yes),
            list_and(&no)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_number_style() {
        assert_eq!(pct(0.5712), "57\u{a0}%");
        assert_eq!(pct(0.5651), "57\u{a0}%");
        assert_eq!(pct(0.5649), "56\u{a0}%");
        assert_eq!(procent(0.3049), "30\u{a0}%");
        assert_eq!(bind_units("66 procent og 57 % og 2018 sager"), "66\u{a0}procent og 57\u{a0}% og 2018 sager");
        assert_eq!(tie_last_words("Kun hver anden innovationsproces er planlagt og uændret"), "Kun hver anden innovationsproces er planlagt og\u{a0}uændret");
        assert_eq!(tie_last_words("Kort titel"), "Kort titel");
        assert_eq!(thousands(1877), "1.877");
        assert_eq!(thousands(14510), "14.510");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1.000.000");
        assert_eq!(decimal(0.05, 2), "0,05");
        assert_eq!(n_equals(1877), "n=1.877");
        assert_eq!(quote("Ved ikke"), "\u{201d}Ved ikke\u{201d}");
        assert_eq!(list_and(&["A".into(), "B".into(), "C".into()]), "A, B og C");
        assert_eq!(times(3.04), "3,0 gange");
    }

    #[test]
    fn titles_that_misfit_their_number_are_caught() {
        let t = "Borgerne spiller en positiv rolle i over halvdelen af de offentlige innovationer";
        assert!(misfit_words(t, 0.57).is_empty());
        assert_eq!(misfit_words(t, 0.48), vec!["the title says \u{201c}over halvdelen\u{201d} but the number is 48 %".to_string()]);
        assert!(misfit_words("Serviceinnovation indgår i tre ud af ti offentlige innovationer", 0.30).is_empty());
        assert_eq!(misfit_words("Kun hver anden innovationsproces er planlagt", 0.38).len(), 1);
        assert!(misfit_words("Formålet ændres i hvert fjerde tilfælde", 0.25).is_empty());
        // The neuter forms are checked too, not passed over.
        assert_eq!(
            misfit_words("Formålet ændres i hvert fjerde tilfælde", 0.40),
            vec!["the title says \u{201c}hvert fjerde\u{201d} but the number is 40 %".to_string()]
        );
        assert_eq!(misfit_words("Hvert andet projekt bruger borgernes ideer", 0.30).len(), 1);
        assert!(misfit_words("Hvert tiende projekt fejler", 0.10).is_empty());
        assert_eq!(misfit_words("Hver tiende arbejdsplads", 0.25).len(), 1);
        // The majority words and typed numbers are checked too.
        assert_eq!(misfit_words("Flertallet af innovationerne er planlagte", 0.38), vec!["the title says \u{201c}flertallet\u{201d} but the number is 38 %".to_string()]);
        assert!(misfit_words("De fleste innovationer er planlagte", 0.62).is_empty());
        assert_eq!(misfit_words("Næsten alle arbejdspladser innoverer", 0.81).len(), 1);
        assert_eq!(misfit_words("75 procent af innovationerne er planlagte", 0.57), vec!["the title says \u{201c}75 procent\u{201d} but the number is 57 %".to_string()]);
        assert!(misfit_words("57 % af innovationerne", 0.5712).is_empty());
        assert_eq!(misfit_words("I 2018 havde 75\u{a0}pct. en plan", 0.5).len(), 1, "a year is not a share, 75 pct. is");
        // Whole words only: "halvdelen" inside "over halvdelen" is one claim.
        assert_eq!(claims("over halvdelen af dem").len(), 1);
    }

    #[test]
    fn significance_names_the_items_that_differ() {
        let r = vec![("Bedre kvalitet".to_string(), true), ("Øget effektivitet".to_string(), false), ("Øget medarbejdertilfredshed".to_string(), true)];
        assert_eq!(
            significance_sentence(&r, 0.05),
            "Forskellen mellem grupperne er signifikant ved et signifikansniveau på 0,05 for \u{201d}Bedre kvalitet\u{201d} og \u{201d}Øget medarbejdertilfredshed\u{201d}, men ikke for \u{201d}Øget effektivitet\u{201d}."
        );
    }
}
