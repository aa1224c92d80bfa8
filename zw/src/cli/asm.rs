//! `zw asm`: assemble and link source files into one executable.

use super::{Color, EXIT_ASSEMBLY, EXIT_IO, EXIT_OK, EXIT_USAGE};
use assembler::source::{FileSystem, Loader};
use assembler::{Assembler, Options};
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Assemble ZW source files and link them into one ELF executable.
///
/// Each file is assembled on its own (its labels are local unless `.global`) and the results are
/// linked: sections of the same name are joined and placed by the chip's memory map (`.text` in
/// instruction memory, `.data`/`.rodata`/`.bss` in each tile's scratchpad, `.l2*` in L2, `.hbm*`
/// in HBM), symbols are resolved across files, and execution starts at `_start`.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  zw asm hello.s -o hello.elf            assemble one file
  zw asm main.s gemm.s -o gemm.elf       link two files; .global symbols are shared
  zw asm -I lib kernel.s -o kernel.elf   look for .include files in lib/ too
  zw asm --defsym TILES=16 k.s -o k.elf  define a symbol before assembling

On any error every message is printed (file:line:col, the line, a caret), the exit
code is 3, and no output file is written. An output that is one of the files read
(a source, an .include or .incbin, under any name) is refused with exit code 2.")]
pub struct Args {
    /// Assembly source files.
    #[arg(required = true, value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// The executable to write.
    #[arg(short, long, value_name = "FILE", default_value = "a.out")]
    output: PathBuf,
    /// Also look for `.include` and `.incbin` files in DIR (repeatable).
    #[arg(short = 'I', long = "include-dir", value_name = "DIR")]
    include_dirs: Vec<PathBuf>,
    /// Define the symbol NAME as VALUE before each file (repeatable).
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_defsym)]
    defsym: Vec<(String, i64)>,
    /// When to colour messages.
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
}

fn parse_defsym(s: &str) -> Result<(String, i64), String> {
    let (name, value) = s.split_once('=').ok_or("expected NAME=VALUE")?;
    let value = value.trim();
    let parsed = if let Some(hex) = value.strip_prefix("0x") {
        u64::from_str_radix(hex, 16)
            .map(|v| v as i64)
            .map_err(|e| e.to_string())
    } else {
        value.parse::<i64>().map_err(|e| e.to_string())
    };
    Ok((
        name.trim().to_string(),
        parsed.map_err(|e| format!("`{value}`: {e}"))?,
    ))
}

/// Reads from the file system and remembers every file it read (sources, `.include`s,
/// `.incbin`s), so the output can be checked against all of them.
#[derive(Default)]
struct Recorder {
    read: RefCell<Vec<PathBuf>>,
}

impl Loader for Recorder {
    fn open(&self, path: &Path) -> std::io::Result<assembler::Opened<'_>> {
        let opened = FileSystem.open(path)?;
        self.read.borrow_mut().push(path.to_path_buf());
        Ok(opened)
    }
}

impl Recorder {
    /// Why writing `output` would destroy a file that was read, if it would.
    fn clash(&self, output: &Path) -> Option<String> {
        let read = self.read.borrow();
        let inputs: Vec<(String, &Path)> = read
            .iter()
            .map(|p| (format!("`{}`", p.display()), p.as_path()))
            .collect();
        super::clash(&inputs, &[(format!("-o `{}`", output.display()), output)])
    }
}

pub fn run(args: Args) -> u8 {
    let mut err = super::stderr(args.color);
    let options = Options {
        include_dirs: args.include_dirs,
        defines: args.defsym,
        ..Options::default()
    };
    let recorder = Recorder::default();
    let mut asm = Assembler::with_loader(options, &recorder);
    for path in &args.inputs {
        if let Err(e) = asm.add_file(path) {
            let _ = writeln!(err, "error: cannot read `{}`: {e}", path.display());
            return EXIT_IO;
        }
    }
    if let Some(clash) = recorder.clash(&args.output) {
        let _ = writeln!(err, "error: {clash}");
        return EXIT_USAGE;
    }
    let result = asm.assemble();
    // `.include`d and `.incbin`ed files are known only now; one of them must not be replaced
    // by the output either, nor removed after an error.
    if let Some(clash) = recorder.clash(&args.output) {
        let _ = writeln!(err, "error: {clash}");
        return EXIT_USAGE;
    }
    match result {
        Err(report) => {
            let _ = report.render(&mut err);
            // As GNU as does: an old output must not pass for the result of this run.
            if args.output.is_file() {
                let _ = std::fs::remove_file(&args.output);
            }
            EXIT_ASSEMBLY
        }
        Ok(out) => {
            let _ = out.warnings.render(&mut err);
            let elf = out.image.to_elf();
            match write_atomically(&args.output, &elf, EXECUTABLE) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    let _ = writeln!(err, "error: cannot write `{}`: {e}", args.output.display());
                    EXIT_IO
                }
            }
        }
    }
}

/// Files anyone may read (0644 under the usual umask 022), like a text output.
pub const READABLE: u32 = 0o666;
/// Programs anyone may run (0755 under umask 022), like a linker's output.
pub const EXECUTABLE: u32 = 0o777;

/// Writes the whole file or nothing: a temporary file in the same directory, created with `mode`
/// less the umask, renamed into place. A device or pipe (`/dev/null`, `/dev/stdout`) is written
/// through instead, never replaced; a directory is refused.
pub fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    if let Ok(m) = std::fs::metadata(path) {
        if m.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        if !m.is_file() {
            let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
            file.write_all(bytes)?;
            return file.flush();
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // The mode goes to open(2), which takes the umask off it.
    let mut tmp = tempfile::Builder::new()
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
