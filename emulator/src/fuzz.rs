//! Properties for the fuzz targets of the emulator's input readers (`fuzz/`); the same bodies run
//! under `cargo test` on seeded inputs (`emulator/tests/fuzz_inputs.rs`).

use crate::config::Config;
use crate::npy;

/// Any bytes are a `.npy` header or a typed error; a header that parses promises no data past
/// the end of the bytes.
pub fn npy_read_does_not_panic(data: &[u8]) {
    if let Ok(h) = npy::parse(data) {
        let end = h.data_offset.checked_add(h.data_len);
        assert!(
            end.is_some_and(|e| e <= data.len()),
            "a parsed header promises data past the end: {h:?}"
        );
    }
}

/// Any text is a configuration or a typed error, and so is any `key=value` assignment on ZW-1;
/// a configuration that parses and validates survives `zw config show` and parses back equal.
pub fn config_parse_does_not_panic(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(c) = Config::from_toml_str(&text)
        && c.validate().is_ok()
    {
        let back = Config::from_toml_str(&c.to_toml_string());
        assert_eq!(
            back.as_ref().ok(),
            Some(&c),
            "config show does not parse back"
        );
    }
    let zw1 = Config::zw1();
    for line in text.lines().take(64) {
        let _ = zw1.clone().set_assignment(line);
    }
}
