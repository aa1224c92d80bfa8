//! Helpers shared by the emulator's integration tests: assemble a program, build a machine of a
//! small ZW-1, run it.
#![allow(dead_code)]

use emulator::config::Config;
use emulator::{Machine, RunReport, shared};

/// ZW-1 with `tiles` tiles in one row (fewer tiles keep tests fast).
pub fn zw1(tiles: u32) -> Config {
    let mut c = Config::zw1();
    c.set("chip.tiles_x", &tiles.to_string()).unwrap();
    c.set("chip.tiles_y", "1").unwrap();
    c
}

/// `base` with `key=value` overrides.
pub fn with(mut c: Config, sets: &[(&str, &str)]) -> Config {
    for (k, v) in sets {
        c.set(k, v).unwrap();
    }
    c.validate().unwrap();
    c
}

/// The program `src` (assembly with its own `_start`) loaded on a machine of `config`.
pub fn machine(src: &str, config: &Config) -> Machine {
    let image = match assembler::assemble_str(src) {
        Ok(i) => i,
        Err(report) => panic!("assembly failed:\n{}", report.to_plain_string()),
    };
    Machine::from_elf(config, shared(image.to_elf())).unwrap()
}

/// Runs `src` on `config` with a generous cycle limit.
pub fn run(src: &str, config: &Config) -> (Machine, RunReport) {
    let mut m = machine(src, config);
    let r = m.run(Some(100_000_000));
    (m, r)
}

/// Register `r` of tile `tile` (chip 0).
pub fn reg(m: &Machine, tile: u32, r: usize) -> u64 {
    m.tile(0, tile).unwrap().core.x[r]
}

/// A config value as TOML (`core.alu_latency_cycles`).
fn value(c: &Config, key: &str) -> toml::Value {
    let table: toml::Table = toml::from_str(&c.to_toml_string()).unwrap();
    let mut v = toml::Value::Table(table);
    for part in key.split('.') {
        v = v
            .get(part)
            .unwrap_or_else(|| panic!("no key {key}"))
            .clone();
    }
    v
}

/// A whole config value as a number (`core.alu_latency_cycles`); a fraction is truncated.
pub fn num(c: &Config, key: &str) -> u64 {
    real(c, key) as u64
}

/// A config value that may have a fraction (`chip.clock_ghz`, `fabric.ideal_latency_ns`), as
/// written.
pub fn real(c: &Config, key: &str) -> f64 {
    match value(c, key) {
        toml::Value::Integer(i) => i as f64,
        toml::Value::Float(f) => f,
        other => panic!("{key} is {other:?}"),
    }
}

/// The repository's root.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The ELF executable assembled from the file at `path` (relative to the repository root).
pub fn elf_of(path: &str) -> Vec<u8> {
    let mut a = assembler::Assembler::new(assembler::Options::default());
    a.add_file(&root().join(path)).unwrap();
    match a.assemble() {
        Ok(out) => out.image.to_elf(),
        Err(report) => panic!("{path}: assembly failed:\n{}", report.to_plain_string()),
    }
}

/// A machine of `config` running the program at `path`.
pub fn machine_of(path: &str, config: &Config) -> Machine {
    Machine::from_elf(config, shared(elf_of(path))).unwrap()
}
