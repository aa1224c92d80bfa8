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
/// A file could not be read or written (standard output too: a closed pipe, a full disk), or is
/// not a ZW executable.
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
  1  a file could not be read or written (standard output too: closed, full),
     or is not a ZW executable
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

/// Why standard output could not take what a command prints.
#[derive(Debug)]
pub enum StdoutError {
    /// The reader went away (`zw run prog.s | head -0`): a broken pipe.
    Closed,
    /// The device or disk behind it is full (`> /dev/full`).
    Full,
    /// Any other write error.
    Other(std::io::Error),
}

impl From<std::io::Error> for StdoutError {
    fn from(e: std::io::Error) -> StdoutError {
        match e.kind() {
            std::io::ErrorKind::BrokenPipe => StdoutError::Closed,
            std::io::ErrorKind::StorageFull => StdoutError::Full,
            _ => StdoutError::Other(e),
        }
    }
}

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StdoutError::Closed => write!(f, "cannot write to standard output: it is closed"),
            StdoutError::Full => {
                write!(
                    f,
                    "cannot write to standard output: no space left on device"
                )
            }
            StdoutError::Other(e) => write!(f, "cannot write to standard output: {e}"),
        }
    }
}

/// Writes `text` to standard output and flushes it, returning the error instead of panicking
/// as `print!` does.
pub fn print_out(text: &str) -> Result<(), StdoutError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes `text` to standard output; on failure says so on stderr and gives [`EXIT_IO`].
pub fn print_or_exit_code(text: &str) -> Result<(), u8> {
    print_out(text).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_IO
    })
}
