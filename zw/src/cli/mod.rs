//! One module per subcommand, and what they share: exit codes and message colouring.

pub mod asm;
pub mod bench;
pub mod config;
pub mod objdump;
pub mod run;
pub mod sim;

use assembler::diagnostic::termcolor::{ColorChoice, StandardStream};
use std::io::IsTerminal;

/// Success.
pub const EXIT_OK: u8 = 0;
/// A file could not be read or written, or is not a ZW executable.
pub const EXIT_IO: u8 = 1;
/// The command line is wrong (clap's own exit code for usage errors).
#[allow(dead_code)]
pub const EXIT_USAGE: u8 = 2;
/// The source has errors; nothing was written.
pub const EXIT_ASSEMBLY: u8 = 3;

/// The exit codes, for `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  a file could not be read or written, or is not a ZW executable
  2  usage error (bad command line)
  3  assembly error (messages on stderr; no output file is written)
  4  the program trapped (zw run)
  5  the run reached its cycle limit (zw run)
  6  the machine deadlocked: every running tile waits on what nothing will signal (zw run)";

/// When to colour messages on stderr.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Color {
    /// When stderr is a terminal.
    Auto,
    Always,
    Never,
}

/// Standard error, coloured as asked.
pub fn stderr(color: Color) -> StandardStream {
    let choice = match color {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto if std::io::stderr().is_terminal() => ColorChoice::Auto,
        Color::Auto => ColorChoice::Never,
    };
    StandardStream::stderr(choice)
}
