//! Regenerating the waves with the documented seed gives identical bytes.

use crate::common::{barometer, path_str, root};

#[test]
fn regenerated_waves_are_byte_identical_to_the_shipped_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = barometer(&["synth", "--to", path_str(dir.path())]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for period in ["2013-2014", "2015-2016", "2018-2019", "2021-2023"] {
        let shipped = std::fs::read(root().join(format!("inputs/waves/{period}.csv"))).unwrap();
        let fresh = std::fs::read(dir.path().join(format!("{period}.csv"))).unwrap();
        assert!(shipped == fresh, "{period}: regenerated wave differs from the shipped one");
    }
}

#[test]
fn scaled_waves_are_deterministic_and_valid() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let out = barometer(&["synth", "--rows", "20000", "--period", "2018-2019", "--to", path_str(d.path())]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let x = std::fs::read(a.path().join("2018-2019.csv")).unwrap();
    let y = std::fs::read(b.path().join("2018-2019.csv")).unwrap();
    assert!(x == y);
    assert_eq!(x.iter().filter(|&&c| c == b'\n').count(), 20_001);
    // The scaled wave passes validation too.
    let inputs = tempfile::tempdir().unwrap();
    std::fs::create_dir(inputs.path().join("waves")).unwrap();
    std::fs::copy(a.path().join("2018-2019.csv"), inputs.path().join("waves/2018-2019.csv")).unwrap();
    let out = barometer(&["validate", "--inputs", path_str(inputs.path())]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn too_few_rows_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = barometer(&["synth", "--rows", "50", "--to", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --rows 50 is too few: a wave needs at least 112 rows (two respondents in each of the 56 strata)\n"
    );
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing written");
}
