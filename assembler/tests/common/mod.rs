//! Helpers shared by the assembler's integration tests: golden files and image dumps.
#![allow(dead_code)]

use assembler::{Assembler, Image, Options, Report};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The crate's directory (tests run there).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True when `BLESS=1`: golden files are rewritten instead of compared.
pub fn blessing() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v != "0")
}

/// Compares `actual` with the golden file at `path` (or rewrites it under `BLESS=1`).
/// Returns a description of the difference.
pub fn check_golden(path: &Path, actual: &str) -> Result<(), String> {
    if blessing() {
        std::fs::write(path, actual).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).map_err(|_| {
        format!(
            "{} is missing; create it with `BLESS=1 cargo test -p assembler`",
            path.display()
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    let (line, (e, a)) = expected
        .lines()
        .chain(std::iter::repeat(""))
        .zip(actual.lines().chain(std::iter::repeat("")))
        .enumerate()
        .find(|(_, (e, a))| e != a)
        .unwrap_or((0, ("", "")));
    Err(format!(
        "{} differs at line {}:\n  expected: {e}\n  actual:   {a}\n(review the change, then `BLESS=1 cargo test -p assembler` rewrites it)",
        path.display(),
        line + 1
    ))
}

/// Assembles files (paths relative to the crate directory, as messages name them).
pub fn assemble_files(paths: &[PathBuf]) -> Result<Image, Report> {
    let mut a = Assembler::new(Options::default());
    for p in paths {
        let rel = p.strip_prefix(root()).unwrap_or(p);
        let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        // Relative names keep messages the same on every machine (tests run in the crate dir).
        a.add_bytes(rel, bytes);
    }
    a.assemble().map(|o| o.image)
}

/// A readable dump of an image: entry, each section's address and contents (words for code,
/// bytes for data), and the symbols.
pub fn dump(image: &Image) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "entry {:#018x}", image.entry);
    for s in &image.sections {
        let _ = writeln!(
            out,
            "section {} at {:#018x} align {} size {:#x}{}",
            s.name,
            s.addr,
            s.align,
            s.size,
            if s.placement.nobits {
                " (zero-filled)"
            } else {
                ""
            }
        );
        if s.placement.executable {
            for (i, w) in s.data.chunks(8).enumerate() {
                let mut b = [0u8; 8];
                b[..w.len()].copy_from_slice(w);
                let _ = writeln!(
                    out,
                    "  {:016x}: {:016x}",
                    s.addr + 8 * i as u64,
                    u64::from_le_bytes(b)
                );
            }
        } else {
            for (i, line) in s.data.chunks(16).enumerate() {
                let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
                let _ = writeln!(out, "  {:016x}: {}", s.addr + 16 * i as u64, hex.join(" "));
            }
        }
    }
    let _ = writeln!(out, "symbols");
    for sym in &image.symbols {
        let place = match sym.section {
            Some(k) => image.sections[k].name.as_str(),
            None => "absolute",
        };
        let bind = if sym.global { "global" } else { "local" };
        let _ = writeln!(
            out,
            "  {:#018x} {bind:6} {place:12} {}",
            sym.value, sym.name
        );
    }
    out
}

/// The cases in `dir`: each `.s` file alone, and each directory of `.s` files linked together
/// (`main.s` first, so sections come in the order a reader expects), by name.
pub fn cases(dir: &Path) -> Vec<(String, Vec<PathBuf>)> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut cases = Vec::new();
    for p in entries {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|f| f.extension().is_some_and(|x| x == "s"))
                .collect();
            files.sort();
            files.sort_by_key(|f| f.file_name().is_none_or(|n| n != "main.s"));
            cases.push((name, files));
        } else if p.extension().is_some_and(|x| x == "s") {
            cases.push((name, vec![p]));
        }
    }
    cases
}
