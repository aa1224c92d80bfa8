//! The table of every key (unit, allowed values, source) and the checks built on it.
//!
//! Each table's module holds its rows and its cross-checks; [`KEYS`] joins the rows in docs order.
//! [`Config::validate`] checks each numeric row's range, then the cross-checks; docs/config.md's
//! key table is generated from the same rows (a test fails when it is stale).

use core::fmt;

use super::{Config, ConfigError};

/// Which multiples an integer range allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Every integer in the range.
    One,
    /// Multiples of this number.
    MultipleOf(u64),
    /// Powers of two.
    PowerOfTwo,
}

/// What values a key accepts.
#[derive(Clone, Copy)]
pub enum Allowed {
    /// An integer in `min..=max`, on `step`.
    Int {
        /// The key's value.
        get: fn(&Config) -> u64,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
        /// Allowed multiples.
        step: Step,
    },
    /// A float in `min..=max` (NaN and infinities are rejected).
    Float {
        /// The key's value.
        get: fn(&Config) -> f64,
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// One of these strings (checked when the TOML is read).
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// Any string.
    Text,
    /// An array, checked by the cross-checks with the keys it depends on.
    List(&'static str),
    /// A string of this form, checked by the cross-checks with the keys it depends on.
    Form(&'static str),
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Allowed::Int { min, max, step, .. } => {
                write!(f, "{min}..={max}")?;
                match step {
                    Step::One => Ok(()),
                    Step::MultipleOf(m) => write!(f, ", a multiple of {m}"),
                    Step::PowerOfTwo => f.write_str(", a power of two"),
                }
            }
            Allowed::Float { min, max, .. } => write!(f, "{min:?}..={max:?}"),
            Allowed::Choice(names) => {
                let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                f.write_str(&quoted.join(" | "))
            }
            Allowed::Bool => f.write_str("true | false"),
            Allowed::Text => f.write_str("any string"),
            Allowed::List(what) | Allowed::Form(what) => f.write_str(what),
        }
    }
}

/// What reads a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// The emulator: the key changes what a run does.
    Model,
    /// The emulator, but some values are not modelled (why, in words).
    ModelExcept(&'static str),
    /// Only a model not built yet (named, e.g. "the hbm2e/hbm3 model"): the key is kept and
    /// marked, so that the model's author finds it.
    Unbuilt(&'static str),
    /// Nothing (why, in words): any value but ZW-1's is refused.
    Nothing(&'static str),
}

impl fmt::Display for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reader::Model => f.write_str("the emulator"),
            Reader::ModelExcept(note) => write!(f, "the emulator; {note}"),
            Reader::Unbuilt(model) => write!(f, "{model} (not built yet)"),
            Reader::Nothing(why) => write!(f, "nothing: {why}; only the zw1 value is accepted"),
        }
    }
}

/// One key: its unit, allowed values and where its default comes from.
#[derive(Clone, Copy)]
pub struct KeySpec {
    /// Dotted key.
    pub key: &'static str,
    /// Unit of the value ("" for counts, names and switches).
    pub unit: &'static str,
    /// Allowed values.
    pub allowed: Allowed,
    /// Where the default and the range come from.
    pub source: &'static str,
    /// What reads it.
    pub reader: Reader,
}

/// `spec`, read only by `model`, which is not built yet.
pub(super) const fn unbuilt(mut spec: KeySpec, model: &'static str) -> KeySpec {
    spec.reader = Reader::Unbuilt(model);
    spec
}

/// `spec`, read by nothing (`why`).
pub(super) const fn unread(mut spec: KeySpec, why: &'static str) -> KeySpec {
    spec.reader = Reader::Nothing(why);
    spec
}

/// `spec`, read by the emulator except for the values `note` names.
pub(super) const fn model_except(mut spec: KeySpec, note: &'static str) -> KeySpec {
    spec.reader = Reader::ModelExcept(note);
    spec
}

impl KeySpec {
    /// The range error for this key's value in `config`, if it is out of range.
    pub(super) fn check(&self, config: &Config) -> Option<ConfigError> {
        let (ok, value) = match self.allowed {
            Allowed::Int {
                get,
                min,
                max,
                step,
            } => {
                let v = get(config);
                let on_step = match step {
                    Step::One => true,
                    Step::MultipleOf(m) => v.is_multiple_of(m),
                    Step::PowerOfTwo => v.is_power_of_two(),
                };
                ((min..=max).contains(&v) && on_step, v.to_string())
            }
            Allowed::Float { get, min, max } => {
                let v = get(config);
                ((min..=max).contains(&v), format!("{v:?}"))
            }
            _ => return None,
        };
        (!ok).then(|| ConfigError::OutOfRange {
            key: self.key.to_string(),
            value,
            allowed: self.allowed.to_string(),
        })
    }
}

macro_rules! int {
    ($key:literal, $unit:literal, $min:expr, $max:expr, |$c:ident| $get:expr, $src:literal) => {
        $crate::config::validate::int!(
            $key,
            $unit,
            $min,
            $max,
            $crate::config::Step::One,
            |$c| $get,
            $src
        )
    };
    ($key:literal, $unit:literal, $min:expr, $max:expr, $step:expr, |$c:ident| $get:expr, $src:literal) => {
        $crate::config::KeySpec {
            key: $key,
            unit: $unit,
            allowed: $crate::config::Allowed::Int {
                get: |$c: &$crate::config::Config| u64::from($get),
                min: $min,
                max: $max,
                step: $step,
            },
            source: $src,
            reader: $crate::config::Reader::Model,
        }
    };
}

macro_rules! float {
    ($key:literal, $unit:literal, $min:expr, $max:expr, |$c:ident| $get:expr, $src:literal) => {
        $crate::config::KeySpec {
            key: $key,
            unit: $unit,
            allowed: $crate::config::Allowed::Float {
                get: |$c: &$crate::config::Config| $get,
                min: $min,
                max: $max,
            },
            source: $src,
            reader: $crate::config::Reader::Model,
        }
    };
}

macro_rules! other {
    ($key:literal, $allowed:expr, $src:literal) => {
        $crate::config::KeySpec {
            key: $key,
            unit: "",
            allowed: $allowed,
            source: $src,
            reader: $crate::config::Reader::Model,
        }
    };
}

// The row macros, for the tables' modules.
pub(super) use {float, int, other};

/// The sections of [`KEYS`], in docs order.
const SECTIONS: &[&[KeySpec]] = &[
    &[other!("name", Allowed::Text, "shown in reports")],
    super::chip::KEYS,
    super::core::KEYS,
    super::systolic::KEYS,
    super::vector::KEYS,
    super::sram::KEYS,
    super::l2::KEYS,
    super::hbm::KEYS,
    super::noc::KEYS,
    super::dma::KEYS,
    super::semaphore::KEYS,
    super::fabric::KEYS,
    super::host::KEYS,
    super::energy::KEYS,
    super::numerics::KEYS,
];

const fn key_count(sections: &[&[KeySpec]]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < sections.len() {
        n += sections[i].len();
        i += 1;
    }
    n
}

/// The sections' rows joined into one array (a const, so [`KEYS`] stays a plain slice).
const fn join<const N: usize>(sections: &[&[KeySpec]]) -> [KeySpec; N] {
    let mut out = [sections[0][0]; N];
    let (mut n, mut i) = (0, 0);
    while i < sections.len() {
        let mut j = 0;
        while j < sections[i].len() {
            out[n] = sections[i][j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// Every key, in docs order.
pub const KEYS: &[KeySpec] = &join::<{ key_count(SECTIONS) }>(SECTIONS);

/// Every key's row.
pub fn key_specs() -> &'static [KeySpec] {
    KEYS
}

/// Every problem with `config`: range errors in key order, then cross-checks.
pub(crate) fn problems(config: &Config) -> Vec<ConfigError> {
    let mut out: Vec<ConfigError> = KEYS.iter().filter_map(|k| k.check(config)).collect();
    super::chip::check(config, &mut out);
    super::l2::check(config, &mut out);
    super::hbm::check(config, &mut out);
    super::noc::check(config, &mut out);
    super::fabric::check(config, &mut out);
    super::numerics::check(config, &mut out);
    super::modelled::check_unread(config, &mut out);
    out
}

pub(super) fn inconsistent(
    out: &mut Vec<ConfigError>,
    key: &str,
    value: impl fmt::Display,
    reason: String,
) {
    out.push(ConfigError::Inconsistent {
        key: key.to_string(),
        value: value.to_string(),
        reason,
    });
}
