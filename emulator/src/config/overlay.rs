//! Reading TOML onto a configuration: presets, overrides, unknown and missing keys.
//!
//! Everything goes through `toml::Table`s: the base (a preset, or the ZW-1 preset as the reference
//! of every key) is serialized to a table, the overrides are merged onto it key by key (each key
//! must exist in the base, each value must have the base value's type, an integer may stand for a
//! float), and the merged table is deserialized into a [`Config`].

use std::sync::OnceLock;

use toml::{Table, Value};

use super::error::closest;
use super::{Config, ConfigError, PRESET_SOURCES, PRESETS};

/// How deeply presets may start from presets.
const MAX_PRESET_DEPTH: usize = 4;

/// The ZW-1 preset as a table: the reference of every key and its type.
pub(crate) fn reference_table() -> Table {
    static REFERENCE: OnceLock<Table> = OnceLock::new();
    REFERENCE
        .get_or_init(|| {
            // The built-in source is complete; tests check it parses and validates.
            toml::from_str::<Config>(PRESET_SOURCES[0])
                .ok()
                .and_then(|c| to_table(&c).ok())
                .unwrap_or_default()
        })
        .clone()
}

/// Every key of `table` that holds a value (not a table), dotted, in the table's order.
pub(crate) fn leaf_keys(table: &Table) -> Vec<String> {
    let mut out = Vec::new();
    collect_keys(table, "", false, &mut out);
    out
}

/// Every dotted path of `table`, tables and values alike.
fn all_keys(table: &Table) -> Vec<String> {
    let mut out = Vec::new();
    collect_keys(table, "", true, &mut out);
    out
}

fn collect_keys(table: &Table, prefix: &str, with_tables: bool, out: &mut Vec<String>) {
    for (k, v) in table {
        let path = join(prefix, k);
        if let Value::Table(t) = v {
            if with_tables {
                out.push(path.clone());
            }
            collect_keys(t, &path, with_tables, out);
        } else {
            out.push(path);
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

pub(crate) fn to_table(config: &Config) -> Result<Table, ConfigError> {
    Table::try_from(config).map_err(|e| ConfigError::BadValue {
        message: e.to_string(),
    })
}

fn from_table(table: Table) -> Result<Config, ConfigError> {
    table
        .try_into::<Config>()
        .map_err(|e| ConfigError::BadValue {
            message: flatten_message(&e.to_string()),
        })
}

/// `"unknown variant ...\nin `hbm.impl`\n"` → `"hbm.impl: unknown variant ..."`.
fn flatten_message(message: &str) -> String {
    let message = message.trim();
    match message.rsplit_once("\nin `") {
        Some((what, key)) => format!("{}: {}", key.trim_end_matches('`'), what.trim()),
        None => message.replace('\n', " "),
    }
}

/// The built-in preset `name`, expanded `depth` presets deep.
pub(crate) fn preset(name: &str, depth: usize) -> Result<Config, ConfigError> {
    let i = PRESETS
        .iter()
        .position(|p| *p == name)
        .ok_or_else(|| ConfigError::UnknownPreset {
            name: name.to_string(),
            suggestion: closest(name, PRESETS.iter().copied()),
        })?;
    if depth >= MAX_PRESET_DEPTH {
        return Err(ConfigError::PresetLoop {
            name: name.to_string(),
        });
    }
    from_toml_str(PRESET_SOURCES[i], depth + 1)
}

/// A configuration from TOML text (see [`Config::from_toml_str`]).
pub(crate) fn from_toml_str(text: &str, depth: usize) -> Result<Config, ConfigError> {
    let mut table: Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
        message: e.to_string().trim_end().to_string(),
    })?;
    let reference = reference_table();
    let (mut base, complete) = match table.remove("preset") {
        Some(Value::String(name)) => (to_table(&preset(&name, depth)?)?, false),
        Some(other) => {
            return Err(ConfigError::WrongType {
                key: "preset".to_string(),
                expected: "string".to_string(),
                found: other.type_str().to_string(),
            });
        }
        None => (reference.clone(), true),
    };
    if complete && let Some(key) = first_missing(&reference, &table, "") {
        // Unknown keys are the likelier mistake: report them first.
        merge(&mut reference.clone(), table, "", &reference)?;
        return Err(ConfigError::MissingKey { key });
    }
    merge(&mut base, table, "", &reference)?;
    from_table(base)
}

/// Sets one dotted key of `config` to a TOML value (see [`Config::set`]).
pub(crate) fn set(config: &Config, key: &str, value: &str) -> Result<Config, ConfigError> {
    let reference = reference_table();
    let parts: Vec<&str> = key.split('.').map(str::trim).collect();
    // No key is deeper than the reference's: a deeper one is refused before it is built.
    let deepest = all_keys(&reference)
        .iter()
        .map(|k| k.split('.').count())
        .max()
        .unwrap_or(1);
    if parts.len() > deepest {
        return Err(ConfigError::UnknownKey {
            key: format!("{}… ({} parts)", parts[..deepest].join("."), parts.len()),
            suggestion: None,
        });
    }
    if parts.iter().any(|p| p.is_empty()) {
        return Err(ConfigError::UnknownKey {
            key: key.to_string(),
            suggestion: closest(key, all_keys(&reference).iter().map(String::as_str)),
        });
    }
    let mut over = parse_value(value);
    for part in parts.iter().rev() {
        let mut t = Table::new();
        t.insert((*part).to_string(), over);
        over = Value::Table(t);
    }
    let Value::Table(over) = over else {
        unreachable!("a key has at least one part")
    };
    let mut base = to_table(config)?;
    merge(&mut base, over, "", &reference)?;
    from_table(base)
}

/// `text` as a TOML value, or as a string if it is not one.
fn parse_value(text: &str) -> Value {
    let text = text.trim();
    match toml::from_str::<Table>(&format!("v = {text}")) {
        Ok(mut t) if t.len() == 1 => t.remove("v").unwrap_or(Value::String(text.to_string())),
        _ => Value::String(text.to_string()),
    }
}

/// The first key `reference` has and `given` lacks.
fn first_missing(reference: &Table, given: &Table, prefix: &str) -> Option<String> {
    for (k, v) in reference {
        let path = join(prefix, k);
        match (v, given.get(k)) {
            (_, None) => return Some(path),
            (Value::Table(rt), Some(Value::Table(gt))) => {
                if let Some(m) = first_missing(rt, gt, &path) {
                    return Some(m);
                }
            }
            _ => {}
        }
    }
    None
}

/// Merges `over` onto `base`: every key must exist in `base`, with a value of the same type.
fn merge(
    base: &mut Table,
    over: Table,
    prefix: &str,
    reference: &Table,
) -> Result<(), ConfigError> {
    for (k, v) in over {
        let path = join(prefix, &k);
        let Some(slot) = base.get_mut(&k) else {
            // Name the whole key given (`sytolic.rows`, not `sytolic`): it is what was typed, and
            // the likeliest to match a valid key.
            let key = match &v {
                Value::Table(t) => match leaf_keys(t).into_iter().next() {
                    Some(leaf) => join(&path, &leaf),
                    None => path,
                },
                _ => path,
            };
            return Err(ConfigError::UnknownKey {
                suggestion: closest(&key, all_keys(reference).iter().map(String::as_str)),
                key,
            });
        };
        match (slot, v) {
            (Value::Table(bt), Value::Table(vt)) => merge(bt, vt, &path, reference)?,
            (Value::Float(f), Value::Integer(i)) => *f = i as f64,
            (slot, v) if std::mem::discriminant(slot) == std::mem::discriminant(&v) => *slot = v,
            (slot, v) => {
                return Err(ConfigError::WrongType {
                    key: path,
                    expected: slot.type_str().to_string(),
                    found: v.type_str().to_string(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_messages_lead_with_the_key() {
        assert_eq!(
            flatten_message("unknown variant `x`, expected `a` or `b`\nin `hbm.impl`\n"),
            "hbm.impl: unknown variant `x`, expected `a` or `b`"
        );
        assert_eq!(flatten_message("plain\ntext"), "plain text");
    }

    #[test]
    fn values_parse_as_toml_or_else_as_strings() {
        assert_eq!(parse_value("128"), Value::Integer(128));
        assert_eq!(parse_value("1.5"), Value::Float(1.5));
        assert_eq!(parse_value("\"ideal\""), Value::String("ideal".into()));
        assert_eq!(parse_value("ideal"), Value::String("ideal".into()));
        assert_eq!(parse_value("true"), Value::Boolean(true));
        assert_eq!(
            parse_value("[4, 4]"),
            Value::Array(vec![Value::Integer(4), Value::Integer(4)])
        );
        assert_eq!(parse_value("1\nw = 2"), Value::String("1\nw = 2".into()));
    }
}
