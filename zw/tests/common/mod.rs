//! What the command-line tests share: running `zw` in a folder and reading what it did.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `zw` with `args` in `dir`.
pub fn zw(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zw"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("zw runs")
}

/// The exit code (-1 when killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes a file in `dir` and returns its path.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}
