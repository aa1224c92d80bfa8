//! `[numerics]`: rounding: its keys and their rows.

use serde::{Deserialize, Serialize};

use super::validate::{Allowed, KeySpec, int, model_except, other, unread};
use super::{Config, ConfigError};

/// How arithmetic results are rounded to narrower types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// Round to nearest, ties to even.
    Rne,
    /// Stochastic rounding from a seeded generator.
    Stochastic,
}

/// `[numerics]`: rounding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumericsConfig {
    /// Rounding of results to narrower types: `"rne"` or `"stochastic"`.
    pub rounding: Rounding,
    /// Seed of the stochastic rounding generator (runs are reproducible for one seed).
    pub stochastic_seed: u32,
}

/// The `rounding` values that are not modelled.
const IMPL_NOTE: &str = "\"stochastic\" is refused: every rounding is to nearest, ties to even";

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    model_except(other!("numerics.rounding", Allowed::Choice(&["rne", "stochastic"]),
        "ZW-1: round-to-nearest-even, optional stochastic rounding"), IMPL_NOTE),
    unread(int!("numerics.stochastic_seed", "", 0, u32::MAX as u64, |c| c.numerics.stochastic_seed,
        "any seed; runs are reproducible for one seed"), "stochastic rounding is not built"),
];

/// Stochastic rounding is not built: every rounding to a narrower type is to nearest, ties to
/// even, so asking for it is refused rather than run as something else.
pub(super) fn check(c: &Config, out: &mut Vec<ConfigError>) {
    if c.numerics.rounding == Rounding::Stochastic {
        out.push(ConfigError::NotModelled {
            key: "numerics.rounding".to_string(),
            value: "\"stochastic\"".to_string(),
            reason: "stochastic rounding is not built; every rounding to a narrower type is to \
                     nearest, ties to even (\"rne\")"
                .to_string(),
        });
    }
}
