//! What the emulator models, and what it does not: documented implementations that are not built
//! yet (they run as another, with a warning), keys only an unbuilt model will read (kept, and
//! marked), and keys nothing reads (refused at any value but ZW-1's).

use core::fmt;

use toml::{Table, Value};

use super::validate::{KEYS, Reader};
use super::{Config, ConfigError, overlay};

/// An `impl` value that names a model not built yet: the run uses `substitute` instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmodelled {
    /// Dotted key (`hbm.impl`).
    pub key: &'static str,
    /// The value given (`hbm2e`).
    pub value: &'static str,
    /// The value that runs instead (`ideal`).
    pub substitute: &'static str,
    /// What runs instead, in words (`the ideal HBM`).
    pub runs_instead: &'static str,
    /// The keys that time what runs instead.
    pub keys: &'static [&'static str],
}

impl fmt::Display for Unmodelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = \"{}\" is not modelled yet; {} runs instead ({})",
            self.key,
            self.value,
            self.runs_instead,
            self.keys.join(", ")
        )
    }
}

impl Config {
    /// Every `impl` key whose value names a model not built yet, in key order. Such a
    /// configuration runs, with the substitute; `zw run` warns about each one and
    /// `zw config show` marks them.
    pub fn unmodelled(&self) -> Vec<Unmodelled> {
        [self.l2.unmodelled(), self.noc.unmodelled()]
            .into_iter()
            .flatten()
            .collect()
    }

    /// [`Config::to_toml_string`] with a comment on each line whose key the emulator does not
    /// model as given: an `impl` that runs as another, a key only a model not built yet reads, a
    /// key nothing reads. It parses back to the same configuration.
    pub fn to_marked_toml_string(&self) -> String {
        let unmodelled = self.unmodelled();
        let mut table = "";
        let mut out = String::new();
        let text = self.to_toml_string();
        for line in text.lines() {
            out.push_str(line);
            if line.starts_with('[') {
                table = line.trim_matches(|c| c == '[' || c == ']');
            } else if let Some((leaf, _)) = line.split_once(" = ") {
                let key = if table.is_empty() {
                    leaf.to_string()
                } else {
                    format!("{table}.{leaf}")
                };
                if let Some(note) = mark(&key, &unmodelled) {
                    out.push_str("  # ");
                    out.push_str(&note);
                }
            }
            out.push('\n');
        }
        out
    }
}

/// The comment for `key`'s line, if the emulator does not model it as given.
fn mark(key: &str, unmodelled: &[Unmodelled]) -> Option<String> {
    if let Some(u) = unmodelled.iter().find(|u| u.key == key) {
        return Some(format!("not modelled yet: runs as \"{}\"", u.substitute));
    }
    match KEYS.iter().find(|k| k.key == key)?.reader {
        Reader::Model | Reader::ModelExcept(_) => None,
        Reader::Unbuilt(model) => Some(format!("read by {model} (not built yet)")),
        Reader::Nothing(_) => Some("read by nothing yet: only this value is accepted".into()),
    }
}

/// The value of dotted `key` in `table`.
fn lookup<'a>(table: &'a Table, key: &str) -> Option<&'a Value> {
    let mut parts = key.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

/// A key nothing reads, set to anything but ZW-1's value, is refused: it would change nothing.
pub(super) fn check_unread(config: &Config, out: &mut Vec<ConfigError>) {
    let (Ok(table), reference) = (overlay::to_table(config), overlay::reference_table()) else {
        return;
    };
    for spec in KEYS {
        let Reader::Nothing(why) = spec.reader else {
            continue;
        };
        // A value out of range is reported as such, once.
        if spec.check(config).is_some() {
            continue;
        }
        let (Some(value), Some(zw1)) = (lookup(&table, spec.key), lookup(&reference, spec.key))
        else {
            continue;
        };
        if value != zw1 {
            out.push(ConfigError::NotModelled {
                key: spec.key.to_string(),
                value: value.to_string(),
                reason: format!("{why}, so only the zw1 value {zw1} is accepted"),
            });
        }
    }
}
