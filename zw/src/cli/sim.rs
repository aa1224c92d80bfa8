//! What every simulating command shares: the chip configuration (`--config FILE`, `--set
//! key=value`), reading a program (assembling `.s` files on the fly), and addresses given on the
//! command line.

use std::path::{Path, PathBuf};

use assembler::{Assembler, Options};
use emulator::config::{Config, ConfigError};

use super::{EXIT_IO, EXIT_USAGE};
use emulator::loader;
use emulator::{MemoryMap, Program};

/// Exit code: the program trapped.
pub const EXIT_TRAP: u8 = 4;
/// Exit code: the run reached `--max-cycles`.
pub const EXIT_MAX_CYCLES: u8 = 5;
/// Exit code: the machine deadlocked.
pub const EXIT_DEADLOCK: u8 = 6;
/// `--check races` found races in a run that otherwise halted.
pub const EXIT_RACES: u8 = 7;

/// The chip configuration options.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ConfigArgs {
    /// Chip configuration (TOML); a file may start from a preset (`preset = "zw1"`) and change
    /// only some keys. Default: the built-in ZW-1.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Change one config key after the file (repeatable), e.g. `--set systolic.rows=128`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl ConfigArgs {
    /// The effective configuration, validated: the file (or ZW-1), then every `--set`.
    pub fn load(&self) -> Result<Config, LoadError> {
        self.load_from(Config::zw1())
    }

    /// As [`ConfigArgs::load`], starting from `base` when no file is given.
    pub fn load_from(&self, base: Config) -> Result<Config, LoadError> {
        let mut config = match &self.config {
            Some(path) => Config::from_file(path).map_err(LoadError::from)?,
            None => base,
        };
        for assignment in &self.set {
            config
                .set_assignment(assignment)
                .map_err(|e| LoadError::invalid(format!("--set {assignment}: {e}")))?;
        }
        config.validate().map_err(LoadError::from)?;
        Ok(config)
    }
}

/// Why a configuration could not be loaded: its file could not be read (exit 1), or it is not a
/// valid configuration (exit 2), whichever command reads it.
#[derive(Debug)]
pub struct LoadError {
    /// The exit code.
    pub code: u8,
    /// What went wrong.
    pub message: String,
}

impl LoadError {
    fn invalid(message: String) -> LoadError {
        LoadError {
            code: EXIT_USAGE,
            message,
        }
    }
}

impl From<ConfigError> for LoadError {
    fn from(e: ConfigError) -> LoadError {
        let code = match e {
            ConfigError::Io { .. } => EXIT_IO,
            _ => EXIT_USAGE,
        };
        LoadError {
            code,
            message: e.to_string(),
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<LoadError> for String {
    fn from(e: LoadError) -> String {
        e.message
    }
}

/// Why a program could not be read.
pub enum ProgramError {
    /// A file could not be read, or is not a ZW executable that fits the machine (exit 1).
    Io(String),
    /// The assembly source has errors (exit 3); the report is already rendered.
    Assembly(String),
}

/// True for assembly source file names.
pub fn is_source(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("s" | "S" | "asm")
    )
}

/// The program at `path`: an ELF executable (mapped, not copied), or assembly source assembled
/// on the fly with `include_dirs`.
pub fn read_program(
    path: &Path,
    include_dirs: &[PathBuf],
    map: &MemoryMap,
) -> Result<Program, ProgramError> {
    if path.is_dir() {
        return Err(ProgramError::Io(format!(
            "cannot read `{}`: it is a directory",
            path.display()
        )));
    }
    if !is_source(path) {
        return loader::load_file(path, map)
            .map_err(|e| ProgramError::Io(format!("{}: {e}", path.display())));
    }
    let options = Options {
        include_dirs: include_dirs.to_vec(),
        ..Options::default()
    };
    let mut asm = Assembler::new(options);
    asm.add_file(path)
        .map_err(|e| ProgramError::Io(format!("cannot read `{}`: {e}", path.display())))?;
    match asm.assemble() {
        Ok(out) => {
            if !out.warnings.diagnostics.is_empty() {
                eprint!("{}", out.warnings.to_plain_string());
            }
            let elf = out.image.to_elf();
            loader::load(emulator::shared(elf), map)
                .map_err(|e| ProgramError::Io(format!("{}: {e}", path.display())))
        }
        Err(report) => Err(ProgramError::Assembly(report.to_plain_string())),
    }
}

/// A number (decimal, `0x` hex, `0b` binary; `_` separators allowed).
pub fn parse_number(text: &str) -> Option<u64> {
    let t = text.trim().replace('_', "");
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(b) = t.strip_prefix("0b") {
        u64::from_str_radix(b, 2).ok()
    } else {
        t.parse().ok()
    }
}

/// An address: a number, a symbol of the program, or `symbol+offset` / `symbol-offset`.
pub fn parse_address(text: &str, program: &Program) -> Result<u64, String> {
    if let Some(v) = parse_number(text) {
        return Ok(v);
    }
    let (name, offset) = match text.find(['+', '-']) {
        Some(i) => {
            let off =
                parse_number(&text[i + 1..]).ok_or_else(|| format!("`{text}`: bad offset"))?;
            let signed = if text.as_bytes()[i] == b'-' {
                off.wrapping_neg()
            } else {
                off
            };
            (&text[..i], signed)
        }
        None => (text, 0),
    };
    let name = name.trim();
    program
        .addresses
        .get(name)
        .map(|a| a.wrapping_add(offset))
        .ok_or_else(|| format!("`{text}` is neither a number nor a symbol of the program"))
}
