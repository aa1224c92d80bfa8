//! One module per subcommand, and what they share: exit codes and message colouring.

pub mod asm;
pub mod bench;
pub mod config;
pub mod objdump;
pub mod place;
pub mod run;
pub mod sim;
pub mod sparse;
pub mod summary;
pub mod svg;

use assembler::diagnostic::termcolor::{ColorChoice, StandardStream};
use std::io::IsTerminal;

/// Success.
pub const EXIT_OK: u8 = 0;
/// A file could not be read or written (standard output too: a closed pipe, a full disk), or is
/// not a ZW executable.
pub const EXIT_IO: u8 = 1;
/// The command line is wrong (clap's own exit code for usage errors).
pub const EXIT_USAGE: u8 = 2;
/// The source has errors; nothing was written.
pub const EXIT_ASSEMBLY: u8 = 3;

/// The exit codes, for `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  a file could not be read or written (standard output too: closed, full),
     or is not a ZW executable
  2  usage error: a bad command line, or a configuration that is not valid
  3  assembly error (messages on stderr; no output file is written)
  4  the program trapped (zw run)
  5  the run reached its cycle limit (zw run)
  6  the machine deadlocked: every running tile waits on what nothing will signal (zw run)
  7  `--check races` found races in a run that halted (zw run)";

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

/// What makes two paths one file: its device and inode when it exists, else its absolute path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKey {
    /// An existing file: (device, inode).
    Node(u64, u64),
    /// A file not yet created: its directory's canonical path joined with its name.
    Path(std::path::PathBuf),
}

/// The identity of the file at `path` (following symbolic links).
pub fn file_key(path: &std::path::Path) -> FileKey {
    if let Ok(m) = std::fs::metadata(path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            return FileKey::Node(m.dev(), m.ino());
        }
        #[cfg(not(unix))]
        {
            let _ = m;
            if let Ok(p) = path.canonicalize() {
                return FileKey::Path(p);
            }
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    match (dir.canonicalize(), path.file_name()) {
        (Ok(d), Some(name)) => FileKey::Path(d.join(name)),
        _ => FileKey::Path(path.to_path_buf()),
    }
}

/// True when `path` names a device, pipe or socket: writing to it twice, or to it and
/// something else, loses nothing, and it must be written through, never replaced.
pub fn is_special(path: &std::path::Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The first clash among a command's files: an output that is also an input, or two outputs
/// that are one file. Each file is (what names it on the command line, its path). Devices and
/// pipes (`/dev/null`) clash with nothing.
pub fn clash(
    inputs: &[(String, &std::path::Path)],
    outputs: &[(String, &std::path::Path)],
) -> Option<String> {
    let keyed = |files: &[(String, &std::path::Path)]| -> Vec<(String, FileKey)> {
        files
            .iter()
            .filter(|(_, p)| !is_special(p))
            .map(|(what, p)| (what.clone(), file_key(p)))
            .collect()
    };
    let inputs = keyed(inputs);
    let outputs = keyed(outputs);
    for (i, (out, key)) in outputs.iter().enumerate() {
        if let Some((input, _)) = inputs.iter().find(|(_, k)| k == key) {
            return Some(format!(
                "{out} would overwrite {input}, an input; give another output file"
            ));
        }
        if let Some((other, _)) = outputs[..i].iter().find(|(_, k)| k == key) {
            return Some(format!(
                "{other} and {out} are the same file; give each its own"
            ));
        }
    }
    None
}
