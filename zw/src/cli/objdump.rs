//! `zw objdump`: the disassembly listing of an executable.

use super::{EXIT_IO, EXIT_OK};
use assembler::disasm::{ListingOptions, objdump};
use assembler::limits::MAX_EXECUTABLE_BYTES;
use std::io::Read;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Disassemble a ZW executable, as `objdump -d` does.
///
/// Each line shows the address and the raw 64-bit word in a comment, then the instruction. Labels
/// come from the symbol table, and code targets are printed as symbol names or absolute
/// addresses, so the listing is itself valid assembly: `zw asm` turns it back into the same code.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  zw objdump prog.elf                    the listing of every code section
  zw objdump --explain prog.elf          also each word's bit fields
  zw objdump -j .text prog.elf           one section
  zw objdump prog.elf -o prog.dis.s && zw asm prog.dis.s -o same.elf
                                         the listing assembles back to the same code")]
pub struct Args {
    /// The ELF executable.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// After each instruction, show its word's bit fields.
    #[arg(long)]
    explain: bool,
    /// Disassemble the code sections (the default; accepted as objdump spells it).
    #[arg(short = 'd', long = "disassemble")]
    disassemble: bool,
    /// Only this section (repeatable).
    #[arg(short = 'j', long = "section", value_name = "NAME")]
    sections: Vec<String>,
    /// Write the listing to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let _ = args.disassemble;
    if let Some(output) = &args.output {
        let input = [(format!("`{}`", args.file.display()), args.file.as_path())];
        let output = [(format!("-o `{}`", output.display()), output.as_path())];
        if let Some(clash) = super::clash(&input, &output) {
            eprintln!("error: {clash}");
            return super::EXIT_USAGE;
        }
    }
    let bytes = match read_executable(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", args.file.display());
            return EXIT_IO;
        }
    };
    let options = ListingOptions {
        explain: args.explain,
        file_name: args.file.display().to_string(),
        sections: args.sections,
    };
    let text = match objdump(&bytes, &options) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: `{}`: {e}", args.file.display());
            return EXIT_IO;
        }
    };
    let written = match &args.output {
        Some(path) => super::asm::write_atomically(path, text.as_bytes(), super::asm::READABLE),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    match written {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: cannot write the listing: {e}");
            EXIT_IO
        }
    }
}

/// Reads an executable of at most [`MAX_EXECUTABLE_BYTES`]. A file that does not start as an
/// ELF file is refused after its first bytes, so an endless one (`/dev/zero`) ends at once.
fn read_executable(path: &Path) -> std::io::Result<Vec<u8>> {
    use assembler::Loader;
    let mut file = assembler::FileSystem.open(path)?;
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < magic.len() {
        match file.reader.read(&mut magic[got..])? {
            0 => break,
            n => got += n,
        }
    }
    if magic[..got] != *b"\x7fELF" {
        return Err(std::io::Error::other(
            "it is not an ELF file (it does not start with 0x7f 'E' 'L' 'F')",
        ));
    }
    // The rest follows the magic already read: no seeking, so pipes work too.
    let mut bytes = magic.to_vec();
    assembler::source::read_limited_into(
        &mut file.reader,
        file.len,
        MAX_EXECUTABLE_BYTES,
        &mut bytes,
    )?;
    Ok(bytes)
}
