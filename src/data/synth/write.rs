//! Writing a drawn wave in the contract's layout (CSV or Parquet), as
//! drawn or scaled to any number of rows, chunk by chunk.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::super::codebook::Asked;
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
            r.v[V_INNOVATED] = u < expit(drawn.innovated_a + innovation_eta(&r, drawn.size_scale));
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
