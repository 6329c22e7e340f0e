//! The id column: every row needs one, and no two rows share it.

use polars::prelude::*;
use rayon::prelude::*;

use super::super::read::RawTable;
use super::numbers::place_words;
use super::super::findings::Findings;

/// Rows per piece of the sorted-ids check.
const CHUNK: usize = 1 << 16;

/// Ids must be non-empty and unique. A delivery sorted by id (the usual
/// case) is settled by one pass comparing neighbours; any other order goes
/// through a hash table that names the first use of a repeated id.
pub(super) fn check_ids(ids: &StringChunked, raw: &RawTable, problems: &mut Findings) {
    if ids.null_count() == 0 && strictly_increasing(ids) {
        return;
    }
    report_repeats(ids, raw, problems);
}

/// Whether every id is non-empty and greater than the one before: pieces
/// of at most `CHUNK` rows of the file's arrays, each checked on its own
/// side by side, then the seams between neighbours.
fn strictly_increasing(ids: &StringChunked) -> bool {
    let arrays: Vec<_> = ids.downcast_iter().collect();
    let pieces: Vec<(usize, usize, usize)> = arrays
        .iter()
        .enumerate()
        .flat_map(|(a, arr)| (0..arr.len().div_ceil(CHUNK)).map(move |c| (a, c * CHUNK, ((c + 1) * CHUNK).min(arr.len()))))
        .collect();
    pieces.par_iter().all(|&(a, from, to)| {
        let arr = arrays[a];
        (from..to).all(|i| !arr.value(i).is_empty() && (i + 1 == to || arr.value(i) < arr.value(i + 1)))
    }) && pieces.windows(2).all(|w| {
        let ((a, _, to), (b, from, _)) = (w[0], w[1]);
        arrays[a].value(to - 1) < arrays[b].value(from)
    })
}

/// Each empty id, and each repeat with the row that used the id first.
fn report_repeats(ids: &StringChunked, raw: &RawTable, problems: &mut Findings) {
    let mut seen: PlHashMap<&str, usize> = PlHashMap::with_capacity(ids.len());
    for (row, id) in ids.iter().enumerate() {
        match id.filter(|s| !s.is_empty()) {
            None => problems.push(raw.place(row), Some("id"), Some(""), "the id is empty; every row needs a unique id"),
            Some(id) => {
                if let Some(&first) = seen.get(id) {
                    problems.push(
                        raw.place(row),
                        Some("id"),
                        Some(id),
                        format!("the id is already used by {}; ids must be unique", place_words(raw.place(first))),
                    );
                } else {
                    seen.insert(id, row);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unsorted_ids_find_the_same_repeats() {
        let header = "id,stratum,sector,area,size,fpc,weight\n";
        let rows = |ids: &[&str]| -> String {
            ids.iter().map(|id| format!("{id},s,kommune,administration,1-19,10,5\n")).collect::<Vec<_>>().concat()
        };
        for ids in [["A1", "A2", "A2", "A3"], ["A3", "A2", "A1", "A2"]] {
            let text = format!("{header}{}", rows(&ids));
            let mut problems = Findings::new("f.csv");
            let raw = super::super::super::read::read_csv_bytes(text.as_bytes(), &mut problems).unwrap();
            let ids = raw.frame.column("id").unwrap().str().unwrap().clone();
            check_ids(&ids, &raw, &mut problems);
            let found: Vec<String> = problems.into_problems().list().iter().map(|p| p.to_string()).collect();
            let first = 2 + ids.iter().position(|v| v == Some("A2")).unwrap();
            assert_eq!(found, vec![format!("f.csv:{}: column \"id\", value \"A2\": the id is already used by line {first}; ids must be unique", if ids.get(2) == Some("A2") { 4 } else { 5 })]);
        }
    }
}
