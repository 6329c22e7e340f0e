//! Writing a drawn wave in the contract's layout (CSV or Parquet), as
//! drawn or scaled to any number of rows, chunk by chunk.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::super::codebook::{Asked, DONT_KNOW_BLOCKS};
use super::draw::{Drawn, innovation_eta, new_row};
use super::frame::{SECTORS, SIZES, allocate};
use super::model::{EXTRAS, Model, Row, U_INNOVATED, V_INNOVATED, expit, run_row};
use crate::error::{Error, Result};

/// Rows drawn and written at a time in a scaled wave.
const CHUNK: usize = 200_000;

/// An item column of the wave, as the codebook asks it.
pub(super) struct OutColumn {
    pub name: String,
    pub asked: Asked,
    /// The item's codes, ascending.
    pub codes: Vec<i32>,
    /// The earlier columns a routing condition reads (by position).
    pub reads: Vec<usize>,
}

/// How a wave is written: its item columns, the file written to (renamed
/// when complete), the format.
pub(super) struct Out<'a> {
    pub columns: &'a [OutColumn],
    pub tmp: &'a Path,
    pub parquet: bool,
}

/// The strata sizes behind a wave's rows (the frame's, or scaled up) and
/// the wave's number of rows, which sets the width of the ids.
struct Layout<'a> {
    drawn: &'a Drawn,
    populations: &'a [u32],
    n: &'a [u32],
    total: usize,
}

/// Writes the base wave as drawn; returns its rows and innovators.
pub(super) fn write_base(drawn: &Drawn, rows: &[Row], stratum_of: &[usize], out: &Out) -> Result<(usize, usize)> {
    let layout = Layout { drawn, populations: &drawn.populations, n: &drawn.n, total: rows.len() };
    let df = frame_of(&layout, out.columns, rows, stratum_of, 0)?;
    write_frames(out.tmp, out.parquet, std::iter::once(Ok(df)))?;
    Ok((rows.len(), rows.iter().filter(|r| r.v[0]).count()))
}

/// A scaled wave: the frame and allocation grown to `total` rows, drawn in
/// chunks with the base wave's calibrated intercepts (the base wave had
/// `responses` rows); returns its rows and innovators.
pub(super) fn write_scaled(drawn: &Drawn, responses: usize, wave: usize, seed: u64, total: usize, out: &Out) -> Result<(usize, usize)> {
    let (populations, n) = scaled_strata(drawn, responses, wave, seed, total);
    let mut stratum_of = Vec::with_capacity(total);
    for (h, &nh) in n.iter().enumerate() {
        stratum_of.extend(std::iter::repeat_n(h as u32, nh as usize));
    }
    let layout = Layout { drawn, populations: &populations, n: &n, total };
    let mut innovators = 0usize;
    let chunks = (0..total).step_by(CHUNK).map(|start| {
        let end = (start + CHUNK).min(total);
        let rows = scaled_rows(&layout, &stratum_of, start..end, seed, wave);
        innovators += rows.iter().filter(|r| r.v[0]).count();
        let strata: Vec<usize> = stratum_of[start..end].iter().map(|&h| h as usize).collect();
        frame_of(&layout, out.columns, &rows, &strata, start)
    });
    write_frames(out.tmp, out.parquet, chunks)?;
    Ok((total, innovators))
}

/// The frame's populations scaled to `total` rows and the respondents
/// allocated to them (each population at least its respondents).
fn scaled_strata(drawn: &Drawn, responses: usize, wave: usize, seed: u64, total: usize) -> (Vec<u32>, Vec<u32>) {
    let scale = total as f64 / responses as f64;
    let n = allocate(&drawn.strata, &drawn.populations.iter().map(|&p| (p as f64 * scale).ceil() as u32).collect::<Vec<_>>(), total, seed, wave);
    let populations: Vec<u32> = drawn.populations.iter().zip(&n).map(|(&p, &nh)| ((p as f64 * scale).ceil() as u32).max(nh)).collect();
    (populations, n)
}

/// Rows `range` of a scaled wave, drawn side by side from their own streams
/// with the base wave's intercepts.
fn scaled_rows(layout: &Layout, stratum_of: &[u32], range: Range<usize>, seed: u64, wave: usize) -> Vec<Row> {
    let drawn = layout.drawn;
    let n_u = drawn.model.n_uniforms();
    let n_v = drawn.model.vars.len();
    range
        .into_par_iter()
        .map(|i| {
            let h = stratum_of[i] as usize;
            let st = &drawn.strata[h];
            let mut r = new_row(st, layout.populations[h] as f64 / layout.n[h] as f64, n_u, n_v, seed, wave + 16, i as u64);
            let u = r.u[U_INNOVATED];
            r.v[V_INNOVATED] = u < expit(drawn.innovated_a + innovation_eta(&r, drawn.size_scale, &drawn.sector_offsets));
            run_row(&drawn.model, &mut r);
            r
        })
        .collect()
}

/// Rows in the wave layout as a Polars frame, the first numbered `offset + 1`.
fn frame_of(layout: &Layout, columns: &[OutColumn], rows: &[Row], stratum_of: &[usize], offset: usize) -> Result<DataFrame> {
    let Layout { drawn, populations, n, total } = *layout;
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

/// The code of every output column of a drawn row (None = empty cell), in
/// codebook order, so a routing condition reads columns already coded.
fn codes(m: &Model, row: &Row, columns: &[OutColumn]) -> Vec<Option<i32>> {
    let inn = row.v[V_INNOVATED];
    let extra = |k: usize| row.u[2 + m.steps.len() + (k % EXTRAS)];
    let var = |name: &str| m.vars.iter().position(|x| x == name);
    let v = |name: &str| var(name).map(|i| row.v[i]).unwrap_or(false);
    let mut out: Vec<Option<i32>> = Vec::with_capacity(columns.len());
    for (k, col) in columns.iter().enumerate() {
        let name = col.name.as_str();
        let asked = match &col.asked {
            Asked::All => true,
            Asked::Innovators => inn,
            Asked::NonInnovators => !inn,
            Asked::When(cond) => {
                let read: Vec<Option<u8>> = col.reads.iter().map(|&j| out[j].map(|c| c as u8)).collect();
                cond.holds(&read)
            }
        };
        if name == "innovated" {
            out.push(Some(i32::from(inn)));
            continue;
        }
        if let Some(kind) = name.strip_prefix("intro_") {
            let yes = v(&format!("intro_{kind}"));
            out.push(Some(if yes { 1 } else if extra(k) < 0.02 { 9 } else { 0 }));
            continue;
        }
        if !asked {
            out.push(None);
            continue;
        }
        let x = extra(k);
        let c = match name {
            "novelty" => if v("nov_23") { if v("nov_3") { 3 } else { 2 } } else if v("nov_9") { 9 } else { 1 },
            "evaluated" => {
                if v("eval_any") { if v("eval_ext") { 2 } else { 1 } } else if v("eval_dk") { 9 } else if v("eval_45") { if v("eval_5") { 5 } else { 4 } } else { 3 }
            }
            "purpose_planned" => if v("pur_2") { 2 } else if v("pur_1") { 1 } else if v("pur_9") { 9 } else { 3 },
            "process_planned" => if v("proc_1") { 1 } else if v("proc_2") { 2 } else if v("proc_9") { 9 } else { 3 },
            "used_as_expected" => if v("use_1") { 1 } else if v("use_2") { 2 } else if v("use_9") { 9 } else { 3 },
            _ => coded(name, &col.codes, x, &v, &|n: &str| var(n).is_some()),
        };
        out.push(Some(c));
    }
    out
}


/// An item's code from the model's variables: a 0/1 variable of the item's
/// name; variables "item=c" (the first that holds gives c, else the first
/// code without one); promote_/hinder_ from the actor's positive and
/// hindering roles; a block's "Ved ikke"; otherwise a plain draw with `x`.
fn coded(name: &str, codes: &[i32], x: f64, v: &dyn Fn(&str) -> bool, has: &dyn Fn(&str) -> bool) -> i32 {
    if let Some(block) = DONT_KNOW_BLOCKS.iter().find(|b| name.starts_with(**b))
        && v(&format!("dk:{block}"))
    {
        return 9;
    }
    let levels: Vec<i32> = codes.iter().copied().filter(|c| has(&format!("{name}={c}"))).collect();
    if !levels.is_empty() {
        return levels
            .iter()
            .copied()
            .find(|c| v(&format!("{name}={c}")))
            .unwrap_or_else(|| codes.iter().copied().find(|c| !levels.contains(c)).unwrap_or(codes[0]));
    }
    for (prefix, other) in [("promote_", "hinder_"), ("hinder_", "promote_"), ("dev_promote_", "dev_hinder_"), ("dev_hinder_", "dev_promote_")] {
        if let Some(actor) = name.strip_prefix(prefix) {
            let this = format!("{}pos_{actor}", prefix);
            let that = format!("{}pos_{actor}", other);
            if has(&this) || has(&that) {
                return if v(&this) {
                    if x < 0.4 { 4 } else { 3 }
                } else if v(&that) || x < 0.45 {
                    1
                } else if x < 0.85 {
                    2
                } else {
                    9
                };
            }
        }
    }
    if has(name) {
        return i32::from(v(name));
    }
    plain(name, codes, x)
}

/// A code drawn with `x` where the model has no variable for the item and
/// no published share: 0/1 items "Ja" in a share of their own (see
/// [`own_share`]), a "ved ikke" (9) or "ikke relevant" (8) in a few per
/// cent; a promoting or hindering scale "i nogen eller høj grad" (3-4) in
/// its own share; other codes evenly.
fn plain(name: &str, codes: &[i32], x: f64) -> i32 {
    if codes == [0, 1] {
        return i32::from(x < own_share(name));
    }
    if codes == [0, 1, 9] {
        return if x < 0.04 { 9 } else if x < 0.04 + 0.96 * own_share(name) { 1 } else { 0 };
    }
    if codes == [1, 2, 3, 4, 9] {
        // 3-4 in the item's share (a third of it "i høj grad"), then 9 in 4 %
        // of the rest, then "slet ikke" and "i mindre grad".
        let high = own_share(name);
        if x < high {
            return if x < high / 3.0 { 4 } else { 3 };
        }
        let y = (x - high) / (1.0 - high);
        return if y < 0.04 { 9 } else if y < 0.55 { 1 } else { 2 };
    }
    let rare: Vec<i32> = codes.iter().copied().filter(|c| *c == 8 || *c == 9).collect();
    let common: Vec<i32> = codes.iter().copied().filter(|c| *c != 8 && *c != 9).collect();
    let r = 0.04 * rare.len() as f64;
    if x < r {
        return rare[(x / 0.04) as usize];
    }
    let i = (((x - r) / (1.0 - r)) * common.len() as f64) as usize;
    common[i.min(common.len() - 1)]
}

/// The share of an item without a published number: for the innovation
/// work under way (2018-2019), what themes.md says of it (employees and
/// cooperation across the workplace promote it most, the process type is
/// the most common, limited resources hinder most); otherwise a share
/// between 10 and 40 % fixed by the item's name (FNV-1a), so no two items
/// look alike and a regenerated wave is the same.
fn own_share(name: &str) -> f64 {
    let known = match name {
        "dev_type_product" => Some(0.18),
        "dev_type_service" => Some(0.33),
        "dev_type_communication" => Some(0.27),
        "dev_promote_employees" => Some(0.78),
        "dev_promote_cooperation" => Some(0.66),
        "dev_promote_management" => Some(0.62),
        "dev_promote_citizens" => Some(0.30),
        "dev_promote_technology" => Some(0.28),
        "dev_promote_politicians" => Some(0.22),
        "dev_promote_law" => Some(0.16),
        "dev_promote_economy" => Some(0.14),
        "dev_promote_private" => Some(0.12),
        "dev_promote_knowledge" => Some(0.10),
        "dev_promote_volunteers" => Some(0.05),
        "dev_promote_foundations" => Some(0.04),
        "dev_promote_foreign" => Some(0.03),
        "dev_hinder_economy" => Some(0.34),
        "dev_hinder_law" => Some(0.16),
        "dev_hinder_technology" => Some(0.14),
        "dev_hinder_politicians" => Some(0.11),
        "dev_hinder_cooperation" => Some(0.10),
        "dev_hinder_management" => Some(0.09),
        "dev_hinder_employees" => Some(0.07),
        "dev_hinder_citizens" => Some(0.05),
        "dev_hinder_private" => Some(0.05),
        "dev_hinder_knowledge" => Some(0.03),
        "dev_hinder_foundations" => Some(0.03),
        "dev_hinder_volunteers" => Some(0.02),
        "dev_hinder_foreign" => Some(0.02),
        _ => None,
    };
    known.unwrap_or_else(|| {
        let h = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        0.10 + 0.30 * ((h >> 11) as f64 / (1u64 << 53) as f64)
    })
}

/// Writes frames of one schema to one file as they come.
fn write_frames(path: &Path, parquet: bool, frames: impl Iterator<Item = Result<DataFrame>>) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::write(path, e))?;
    let mut buf = BufWriter::new(file);
    let mut frames = frames.peekable();
    let first = match frames.peek() {
        Some(Ok(df)) => df.schema().clone(),
        Some(Err(_)) => return frames.next().unwrap().map(|_| ()),
        None => return Err(Error::internal("nothing to write")),
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
