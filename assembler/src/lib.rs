//! ZW assembly text to ELF64 executables, and back.
//!
//! The data flows one way, one module per step:
//!
//! ```text
//! text ─lex─► tokens ─parse─► statements ─layout (pass 1: directive, expand)─► sections,
//!      symbols, fixups ─lower (pseudo)─► isa::Instruction words ─resolve (pass 2)─► bytes and
//!      relocations (object)
//!      ─link─► Image (sections placed by isa::abi::placement, relocations via isa::abi::apply)
//!      ─elf::write─► ELF64 bytes
//! ELF64 bytes ─isa::elf::read─► ElfFile ─disasm─► listing that assembles back to the same code
//! ```
//!
//! Pass 1 emits every byte it can and remembers only the places that wait for a later value, so
//! memory grows with the output rather than the source.
//!
//! ```
//! let image = assembler::assemble_str(
//!     ".global _start\n_start:\n    li x5, 42\n    halt\n",
//! ).unwrap();
//! assert_eq!(image.section(".text").unwrap().data.len(), 16);
//! let elf = image.to_elf();
//! assert!(assembler::disasm::objdump(&elf, &Default::default()).unwrap().contains("addi\tx5, x0, 42"));
//! ```

pub mod diagnostic;
mod directive;
pub mod disasm;
pub mod elf;
mod expand;
pub mod expr;
pub mod float;
pub mod fuzz;
mod hash;
mod layout;
pub mod lex;
pub mod limits;
pub mod link;
mod lower;
pub mod object;
pub mod parse;
mod pseudo;
mod resolve;
pub mod source;
mod value;

pub use diagnostic::{Diagnostic, Report, Severity};
pub use limits::Limits;
pub use link::{Image, ImageSection, ImageSymbol};
pub use source::{FileSystem, Loader, MemoryFiles, Opened};

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Alignment of a data section's start when no `.align` asks for more.
pub const DEFAULT_DATA_ALIGN: u64 = 8;

/// How to assemble.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Where `.include` and `.incbin` look after the including file's directory.
    pub include_dirs: Vec<PathBuf>,
    /// Symbols defined before each file (`--defsym name=value`).
    pub defines: Vec<(String, i64)>,
    pub limits: Limits,
}

/// A successful assembly: the linked program, and any warnings.
#[derive(Debug)]
pub struct Output {
    pub image: Image,
    pub warnings: Report,
}

/// Assembles one or more source files into one executable.
pub struct Assembler<'l> {
    options: Options,
    loader: &'l dyn Loader,
    inputs: Vec<(String, Option<PathBuf>, Arc<str>)>,
    /// Inputs that are not UTF-8: (name, offset of the first bad byte).
    bad_inputs: Vec<(usize, usize)>,
}

impl Assembler<'static> {
    /// An assembler that reads `.include`d files from the file system.
    pub fn new(options: Options) -> Assembler<'static> {
        Assembler::with_loader(options, &FileSystem)
    }
}

impl<'l> Assembler<'l> {
    /// An assembler that reads `.include`d and `.incbin`ed files through `loader`.
    pub fn with_loader(options: Options, loader: &'l dyn Loader) -> Assembler<'l> {
        Assembler {
            options,
            loader,
            inputs: Vec::new(),
            bad_inputs: Vec::new(),
        }
    }

    /// Adds a source text; `name` is what messages call it.
    pub fn add_source(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) {
        self.inputs.push((name.into(), None, text.into()));
    }

    /// Adds a source file's bytes, read from `path` (which `.include` paths are relative to).
    pub fn add_bytes(&mut self, path: &Path, bytes: Vec<u8>) {
        let name = path.display().to_string();
        let text = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                self.bad_inputs.push((self.inputs.len(), at));
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        self.inputs
            .push((name, Some(path.to_path_buf()), text.into()));
    }

    /// Reads and adds a source file of at most [`Limits::max_source_bytes`].
    pub fn add_file(&mut self, path: &Path) -> std::io::Result<()> {
        let file = self.loader.open(path)?;
        let bytes = source::read_limited(file, self.options.limits.max_source_bytes)?;
        self.add_bytes(path, bytes);
        Ok(())
    }

    /// Assembles every input and links them. On error, every message (several per run).
    pub fn assemble(self) -> Result<Output, Report> {
        let mut session = layout::Session::new(self.loader, &self.options);
        let mut files = Vec::new();
        for (name, path, text) in self.inputs {
            if text.len() >= u32::MAX as usize {
                session.report(Diagnostic::global(format!("`{name}` is larger than 4 GiB")));
                continue;
            }
            files.push(session.sources.add(name, path, text));
        }
        for (i, at) in self.bad_inputs {
            if let Some(&file) = files.get(i) {
                let span = source::Span::new(file, at as u32, at as u32 + 1);
                session.report(Diagnostic::error(
                    format!("the file is not UTF-8 text: byte {at} is not"),
                    span,
                    source::ExpansionId::NONE,
                ));
            }
        }
        if files.is_empty() {
            session.report(Diagnostic::global("no input files"));
        }
        let mut objects = Vec::new();
        for file in files {
            if session.stopped {
                break;
            }
            objects.push(layout::FileAsm::new(&mut session, file).run());
        }
        let image = if session.error_count() == 0 {
            link::link(&mut session, objects)
        } else {
            None
        };
        let report = Report {
            sources: session.sources,
            diagnostics: session.diagnostics,
        };
        match image {
            Some(image) if !report.has_errors() => Ok(Output {
                image,
                warnings: report,
            }),
            _ => Err(report),
        }
    }
}

/// Assembles one source text (named `input.s`), reading no files.
pub fn assemble_str(text: &str) -> Result<Image, Report> {
    let loader = MemoryFiles::default();
    let mut a = Assembler::with_loader(Options::default(), &loader);
    a.add_source("input.s", text);
    a.assemble().map(|o| o.image)
}
