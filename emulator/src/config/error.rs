//! Configuration errors: each names the key (or file) at fault.

use std::path::Path;

use thiserror::Error;

/// A configuration that cannot be read, set or used.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ConfigError {
    /// A value outside its allowed range.
    #[error("{key} = {value} is out of range: allowed {allowed}")]
    OutOfRange {
        /// Dotted key (`systolic.rows`).
        key: String,
        /// The value given, as written in TOML.
        value: String,
        /// The allowed values (`8..=256`).
        allowed: String,
    },
    /// A value in range on its own but inconsistent with another key.
    #[error("{key} = {value} is invalid: {reason}")]
    Inconsistent {
        /// Dotted key.
        key: String,
        /// The value given.
        value: String,
        /// What it must satisfy, naming the other keys involved.
        reason: String,
    },
    /// A value the emulator does not model (it would run as something else, or change nothing).
    #[error("{key} = {value} is not modelled: {reason}")]
    NotModelled {
        /// Dotted key.
        key: String,
        /// The value given, as written in TOML.
        value: String,
        /// What is modelled instead, naming the keys involved.
        reason: String,
    },
    /// A key that no table has.
    #[error("unknown key `{key}`{}", did_you_mean(suggestion))]
    UnknownKey {
        /// The dotted key given.
        key: String,
        /// The closest valid key, if any is close.
        suggestion: Option<String>,
    },
    /// A key a complete file must give (a file without `preset` must give every key).
    #[error("missing key `{key}` (give every key, or start the file with `preset = \"zw1\"`)")]
    MissingKey {
        /// Dotted key.
        key: String,
    },
    /// A value of the wrong TOML type.
    #[error("{key}: expected {expected}, found {found}")]
    WrongType {
        /// Dotted key.
        key: String,
        /// The type the key holds.
        expected: String,
        /// The type given.
        found: String,
    },
    /// A value of the right TOML type that the key does not accept (e.g. an unknown `impl`).
    #[error("{message}")]
    BadValue {
        /// The parser's message, naming the key.
        message: String,
    },
    /// A preset name that is not built in.
    #[error("unknown preset `{name}`{}; built-in presets: {}", did_you_mean(suggestion), super::PRESETS.join(", "))]
    UnknownPreset {
        /// The name given.
        name: String,
        /// The closest preset name, if any is close.
        suggestion: Option<String>,
    },
    /// Presets naming presets too deeply (a loop).
    #[error("presets nest too deeply at `{name}`")]
    PresetLoop {
        /// The preset being expanded.
        name: String,
    },
    /// An override not of the form `key=value`.
    #[error("`{text}` is not an assignment of the form key=value")]
    BadAssignment {
        /// The text given.
        text: String,
    },
    /// Text that is not TOML.
    #[error("not valid TOML: {message}")]
    Parse {
        /// The parser's message with line and column.
        message: String,
    },
    /// A file that cannot be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path given.
        path: String,
        /// The system's message.
        message: String,
    },
    /// A line of a topology graph file (`topology.graph_file`) that cannot be used.
    #[error("topology.graph_file {path}, line {line}: {reason}")]
    GraphLine {
        /// The file.
        path: String,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// An error inside a file, with the file's path.
    #[error("{path}: {error}")]
    InFile {
        /// The path given.
        path: String,
        /// The error.
        error: Box<ConfigError>,
    },
}

impl ConfigError {
    /// The dotted key this error is about, if it is about one key.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::OutOfRange { key, .. }
            | ConfigError::Inconsistent { key, .. }
            | ConfigError::NotModelled { key, .. }
            | ConfigError::UnknownKey { key, .. }
            | ConfigError::MissingKey { key }
            | ConfigError::WrongType { key, .. } => Some(key),
            ConfigError::InFile { error, .. } => error.key(),
            ConfigError::GraphLine { .. } => Some("topology.graph_file"),
            _ => None,
        }
    }

    /// This error, located in the file at `path`.
    pub(crate) fn in_file(self, path: &Path) -> ConfigError {
        ConfigError::InFile {
            path: path.display().to_string(),
            error: Box::new(self),
        }
    }
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// The candidate closest to `given`, if it is close enough to be a likely typo: by edit distance
/// on the whole dotted key, or by an exact match of the last component.
pub(crate) fn closest<'a>(
    given: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<String> {
    let given_last = given.rsplit('.').next().unwrap_or(given);
    // Ranked by (score, plain edit distance): among equal scores the closer spelling wins.
    let mut best: Option<((usize, usize), &str)> = None;
    for c in candidates {
        let c_last = c.rsplit('.').next().unwrap_or(c);
        let edits = strsim::damerau_levenshtein(given, c);
        // A key put in the wrong table (`rows` for `systolic.rows`) scores as a near miss, and
        // so does a key missing its unit suffix (`hbm.t_rcd` for `hbm.t_rcd_ns`).
        let near = (c_last == given_last || c.starts_with(given)) && c != given;
        let rank = (if near { edits.min(1) } else { edits }, edits);
        if best.is_none_or(|(b, _)| rank < b) {
            best = Some((rank, c));
        }
    }
    let ((d, _), c) = best?;
    let limit = (given.chars().count() / 3).max(2);
    (d <= limit).then(|| c.to_string())
}
