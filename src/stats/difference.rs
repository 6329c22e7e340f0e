//! The difference between two estimates from independent samples (two
//! editions of the barometer, each with its own design): its standard error
//! is the root of the sum of the two design variances, tested with a z
//! test. The samples share no respondents and no design, so there is no
//! covariance term.

use statrs::distribution::{ContinuousCDF, Normal};

/// A difference of two independent estimates and its two-sided z test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// `b - a`.
    pub difference: f64,
    pub se: f64,
    pub z: f64,
    /// Two-sided.
    pub p: f64,
}

/// `b - a` with `se = sqrt(se_a² + se_b²)`; none where the variance is zero
/// or not finite (a share of 0 or 1 in both samples), since no z exists.
pub fn independent_difference(a: f64, se_a: f64, b: f64, se_b: f64) -> Option<Difference> {
    let se = (se_a * se_a + se_b * se_b).sqrt();
    if !(se.is_finite() && se > 0.0 && a.is_finite() && b.is_finite()) {
        return None;
    }
    let difference = b - a;
    let z = difference / se;
    let normal = Normal::standard();
    let p = (2.0 * normal.sf(z.abs())).min(1.0);
    Some(Difference { difference, se, z, p })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against values computed by hand: 0.39 - 0.45 with SEs 0.012 and
    /// 0.011 gives se = 0.016279, z = -3.68577, p = 0.000228 (R:
    /// 2 * pnorm(-abs(-0.06 / sqrt(0.012^2 + 0.011^2)))).
    #[test]
    fn difference_of_two_independent_shares() {
        let d = independent_difference(0.45, 0.012, 0.39, 0.011).unwrap();
        assert!((d.difference + 0.06).abs() < 1e-12);
        assert!((d.se - 0.016_278_820_596).abs() < 1e-9);
        assert!((d.z + 3.685_770_701).abs() < 1e-6, "{}", d.z);
        assert!((d.p - 0.000_228_012).abs() < 1e-8, "{}", d.p);
    }

    #[test]
    fn no_test_without_variance() {
        assert_eq!(independent_difference(1.0, 0.0, 1.0, 0.0), None);
        assert_eq!(independent_difference(0.5, f64::NAN, 0.4, 0.01), None);
    }
}
