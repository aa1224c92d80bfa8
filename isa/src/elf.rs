//! ZW executables read back from ELF64 bytes. The disassembler and the emulator's loader both
//! read files here, so the two accept and refuse the same files: sections, segments, symbols and
//! entry point, every byte range checked against the file, and a typed error for every way a file
//! can fail to be a ZW executable. Never panics, whatever the bytes. Which memory each piece goes
//! to is left to the caller ([`crate::abi::placement`], the loader's memory map).
//!
//! ```
//! use isa::elf::{ReadError, read};
//!
//! assert_eq!(read(b"#!/bin/sh\n").unwrap_err(), ReadError::NotElf);
//! assert_eq!(
//!     read(b"\x7fEL").unwrap_err(),
//!     ReadError::TooShort { len: 3, needed: 64 }
//! );
//! ```

use crate::abi::{EF_ZW_VERSION_MASK, EM_ZW, ISA_VERSION, Placement};
use goblin::elf::Elf;
use std::fmt;

/// Why bytes are not a ZW executable.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the file is {len} bytes long, too short for an ELF64 header ({needed} bytes)")]
    TooShort { len: usize, needed: usize },
    #[error("not an ELF file: it does not start with the bytes 7f 45 4c 46 (\"\\x7fELF\")")]
    NotElf,
    #[error("ELF class {0} is not ELF64 (2)")]
    Class(u8),
    #[error("ELF data encoding {0} is not little-endian (1)")]
    Endianness(u8),
    /// `EI_VERSION` or `e_version`, whichever is wrong first.
    #[error("ELF version {0} is not the current version (1)")]
    Version(u32),
    #[error("machine {found:#x} is not ZW ({EM_ZW:#x})")]
    Machine { found: u16 },
    #[error("the file is for ISA version {found}; this toolchain implements version {ISA_VERSION}")]
    IsaVersion { found: u32 },
    #[error("e_flags {0:#x} sets bits reserved by the ZW ABI")]
    ReservedFlags(u32),
    #[error("the file is not an executable (e_type {0}; expected ET_EXEC = 2)")]
    NotExecutable(u16),
    #[error(
        "{what} (offset {offset:#x}, {size} bytes) extends beyond the end of the file ({len} bytes)"
    )]
    Truncated {
        what: Part,
        offset: u64,
        size: u64,
        len: usize,
    },
    /// Kept apart from `Malformed` so the loader can name the segment and its address.
    #[error(
        "malformed ELF file: segment {index} has more file bytes ({filesz}) than memory bytes ({memsz})"
    )]
    FileBytesBeyondMemory {
        index: usize,
        vaddr: u64,
        filesz: u64,
        memsz: u64,
    },
    #[error("malformed ELF file: {0}")]
    Malformed(String),
}

/// The part of a file that extends beyond its end, typed so that a caller can name it its own
/// way (the loader names sections and segments in its errors).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Part {
    ProgramHeaders,
    SectionHeaders,
    /// A section by header index, with its name when the section name table gives one.
    Section {
        index: usize,
        name: Option<String>,
    },
    /// A program header, by index.
    Segment(usize),
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::ProgramHeaders => f.write_str("the program header table"),
            Part::SectionHeaders => f.write_str("the section header table"),
            Part::Section {
                name: Some(name), ..
            } => write!(f, "section `{name}`"),
            Part::Section { index, name: None } => write!(f, "section {index}"),
            Part::Segment(index) => write!(f, "segment {index}"),
        }
    }
}

/// What a section holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SectionKind {
    /// Bytes in the file (`SHT_PROGBITS`).
    ProgBits,
    /// Zero-filled at load (`SHT_NOBITS`).
    NoBits,
    /// Anything else (symbol and string tables), by `sh_type`.
    Other(u32),
}

/// A section header and its bytes.
#[derive(Clone, Debug)]
pub struct ElfSection<'a> {
    pub name: String,
    pub kind: SectionKind,
    pub addr: u64,
    pub size: u64,
    pub align: u64,
    /// Occupies memory at run time (`SHF_ALLOC`).
    pub alloc: bool,
    pub writable: bool,
    pub executable: bool,
    /// Where `data` starts in the file, so a caller holding the file can share it, not copy it.
    pub offset: u64,
    /// The file bytes (empty for zero-filled sections).
    pub data: &'a [u8],
}

impl ElfSection<'_> {
    /// Where the ABI places a section of this name.
    pub fn placement(&self) -> Option<Placement> {
        crate::abi::placement(&self.name)
    }
}

/// A program header and its file bytes.
#[derive(Clone, Debug)]
pub struct ElfSegment<'a> {
    /// `p_type` (1 = `PT_LOAD`).
    pub kind: u32,
    pub vaddr: u64,
    pub memsz: u64,
    pub align: u64,
    pub readable: bool,
    pub writable: bool,
    pub executable: bool,
    /// Where `data` starts in the file, so a caller holding the file can share it, not copy it.
    pub offset: u64,
    /// The first `p_filesz` bytes (never more than `memsz`); the rest up to `memsz` is zero.
    pub data: &'a [u8],
}

impl ElfSegment<'_> {
    /// A `PT_LOAD` segment: its bytes belong in memory.
    pub fn loadable(&self) -> bool {
        self.kind == PT_LOAD
    }
}

/// What a symbol names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SymbolKind {
    NoType,
    Function,
    Object,
    Section,
    File,
    Other(u8),
}

/// A symbol table entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfSymbol {
    pub name: String,
    pub value: u64,
    pub size: u64,
    /// Index into [`ElfFile::sections`]; `None` for absolute and undefined symbols.
    pub section: Option<usize>,
    /// Not undefined (`st_shndx` is not `SHN_UNDEF`): in a section, or absolute.
    pub defined: bool,
    pub global: bool,
    pub kind: SymbolKind,
}

/// A ZW executable, read.
#[derive(Clone, Debug)]
pub struct ElfFile<'a> {
    pub entry: u64,
    /// The ISA version from `e_flags`.
    pub isa_version: u32,
    /// Every section but the null one, in header order.
    pub sections: Vec<ElfSection<'a>>,
    pub segments: Vec<ElfSegment<'a>>,
    /// Every symbol but the null one.
    pub symbols: Vec<ElfSymbol>,
}

impl<'a> ElfFile<'a> {
    pub fn section(&self, name: &str) -> Option<&ElfSection<'a>> {
        self.sections.iter().find(|s| s.name == name)
    }

    pub fn symbol(&self, name: &str) -> Option<&ElfSymbol> {
        self.symbols.iter().find(|s| s.name == name)
    }

    /// Sections that occupy memory at run time, with their placement on the chip.
    pub fn loadable_sections(&self) -> impl Iterator<Item = (&ElfSection<'a>, Option<Placement>)> {
        self.sections
            .iter()
            .filter(|s| s.alloc)
            .map(|s| (s, s.placement()))
    }
}

const EHDR_SIZE: usize = 64;
const PHDR_SIZE: u64 = 56;
const SHDR_SIZE: u64 = 64;
const SHT_PROGBITS: u32 = 1;
const SHT_SYMTAB: u32 = 2;
const SHT_NOBITS: u32 = 8;
const PT_LOAD: u32 = 1;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// The bytes `offset..offset+size` of the file, if it holds them all.
fn slice(bytes: &[u8], offset: u64, size: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    bytes.get(start..end)
}

/// The bytes `offset..offset+size` of the file, or `Truncated`.
fn range(
    bytes: &[u8],
    what: impl FnOnce() -> Part,
    offset: u64,
    size: u64,
) -> Result<&[u8], ReadError> {
    slice(bytes, offset, size).ok_or_else(|| ReadError::Truncated {
        what: what(),
        offset,
        size,
        len: bytes.len(),
    })
}

/// The NUL-terminated UTF-8 string at `at` of a string table.
fn string_at(table: &[u8], at: u32) -> Option<String> {
    let rest = table.get(usize::try_from(at).ok()?..)?;
    let len = rest.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&rest[..len]).ok().map(str::to_owned)
}

/// Checks the header fields that make a file a ZW executable, before any table is parsed.
fn check_header(bytes: &[u8]) -> Result<(), ReadError> {
    const MAGIC: &[u8; 4] = b"\x7fELF";
    if bytes.len() < 4 {
        return Err(if MAGIC.starts_with(bytes) {
            ReadError::TooShort {
                len: bytes.len(),
                needed: EHDR_SIZE,
            }
        } else {
            ReadError::NotElf
        });
    }
    if &bytes[..4] != MAGIC {
        return Err(ReadError::NotElf);
    }
    if bytes.len() < 16 {
        return Err(ReadError::TooShort {
            len: bytes.len(),
            needed: EHDR_SIZE,
        });
    }
    if bytes[4] != 2 {
        return Err(ReadError::Class(bytes[4]));
    }
    if bytes[5] != 1 {
        return Err(ReadError::Endianness(bytes[5]));
    }
    if bytes[6] != 1 {
        return Err(ReadError::Version(bytes[6] as u32));
    }
    if bytes.len() < EHDR_SIZE {
        return Err(ReadError::TooShort {
            len: bytes.len(),
            needed: EHDR_SIZE,
        });
    }
    let e_type = u16_at(bytes, 16);
    let machine = u16_at(bytes, 18);
    let version = u32_at(bytes, 20);
    let flags = u32_at(bytes, 48);
    if machine != EM_ZW {
        return Err(ReadError::Machine { found: machine });
    }
    if version != 1 {
        return Err(ReadError::Version(version));
    }
    if flags & EF_ZW_VERSION_MASK != ISA_VERSION {
        return Err(ReadError::IsaVersion {
            found: flags & EF_ZW_VERSION_MASK,
        });
    }
    if flags & !EF_ZW_VERSION_MASK != 0 {
        return Err(ReadError::ReservedFlags(flags));
    }
    if e_type != 2 {
        return Err(ReadError::NotExecutable(e_type));
    }
    let phoff = u64_at(bytes, 32);
    let shoff = u64_at(bytes, 40);
    let ehsize = u16_at(bytes, 52) as usize;
    let phentsize = u16_at(bytes, 54) as u64;
    let phnum = u16_at(bytes, 56) as u64;
    let shentsize = u16_at(bytes, 58) as u64;
    let shnum = u16_at(bytes, 60) as u64;
    let shstrndx = u16_at(bytes, 62) as u64;
    if ehsize != EHDR_SIZE {
        return Err(ReadError::Malformed(format!(
            "e_ehsize is {ehsize}, not {EHDR_SIZE}"
        )));
    }
    if phnum > 0 && phentsize != PHDR_SIZE {
        return Err(ReadError::Malformed(format!(
            "e_phentsize is {phentsize}, not {PHDR_SIZE}"
        )));
    }
    if shnum > 0 && shentsize != SHDR_SIZE {
        return Err(ReadError::Malformed(format!(
            "e_shentsize is {shentsize}, not {SHDR_SIZE}"
        )));
    }
    if phnum == 0xffff {
        return Err(ReadError::Malformed(
            "extended program header numbering is not supported".into(),
        ));
    }
    if shnum == 0 && shoff != 0 {
        return Err(ReadError::Malformed(
            "extended section numbering is not supported".into(),
        ));
    }
    if shnum > 0 && shstrndx >= shnum {
        return Err(ReadError::Malformed(format!(
            "e_shstrndx {shstrndx} names no section (there are {shnum})"
        )));
    }
    range(bytes, || Part::ProgramHeaders, phoff, phnum * PHDR_SIZE)?;
    range(bytes, || Part::SectionHeaders, shoff, shnum * SHDR_SIZE)?;
    Ok(())
}

/// Reads a ZW executable.
pub fn read(bytes: &[u8]) -> Result<ElfFile<'_>, ReadError> {
    check_header(bytes)?;
    // Every section's position and size is checked before goblin reads any of them.
    let shoff = u64_at(bytes, 40) as usize;
    let shnum = u16_at(bytes, 60) as usize;
    let shstrndx = u16_at(bytes, 62) as usize;
    let header = |i: usize| shoff + i * SHDR_SIZE as usize;
    // The section names, read only to name a section whose bytes are missing.
    let names = (shnum > 0)
        .then(|| {
            let at = header(shstrndx);
            slice(bytes, u64_at(bytes, at + 24), u64_at(bytes, at + 32))
        })
        .flatten();
    for i in 0..shnum {
        let at = header(i);
        let kind = u32_at(bytes, at + 4);
        let offset = u64_at(bytes, at + 24);
        let size = u64_at(bytes, at + 32);
        if kind != SHT_NOBITS && kind != 0 {
            let what = || Part::Section {
                index: i,
                name: names.and_then(|t| string_at(t, u32_at(bytes, at))),
            };
            range(bytes, what, offset, size)?;
        }
        let entsize = u64_at(bytes, at + 56);
        if kind == SHT_SYMTAB && entsize != 24 {
            return Err(ReadError::Malformed(format!(
                "symbol table entries are {entsize} bytes, not 24"
            )));
        }
    }
    let elf = Elf::parse(bytes).map_err(|e| ReadError::Malformed(e.to_string()))?;
    let mut sections = Vec::new();
    for (i, sh) in elf.section_headers.iter().enumerate().skip(1) {
        let name = elf
            .shdr_strtab
            .get_at(sh.sh_name)
            .ok_or_else(|| {
                ReadError::Malformed(format!("section {i} has no name in the string table"))
            })?
            .to_string();
        let kind = match sh.sh_type {
            SHT_PROGBITS => SectionKind::ProgBits,
            SHT_NOBITS => SectionKind::NoBits,
            t => SectionKind::Other(t),
        };
        let data = match kind {
            SectionKind::NoBits => &[][..],
            _ => range(
                bytes,
                || Part::Section {
                    index: i,
                    name: Some(name.clone()),
                },
                sh.sh_offset,
                sh.sh_size,
            )?,
        };
        sections.push(ElfSection {
            name,
            kind,
            addr: sh.sh_addr,
            size: sh.sh_size,
            align: sh.sh_addralign,
            alloc: sh.sh_flags & 2 != 0,
            writable: sh.sh_flags & 1 != 0,
            executable: sh.sh_flags & 4 != 0,
            offset: sh.sh_offset,
            data,
        });
    }
    let mut segments = Vec::new();
    for (i, ph) in elf.program_headers.iter().enumerate() {
        if ph.p_filesz > ph.p_memsz {
            return Err(ReadError::FileBytesBeyondMemory {
                index: i,
                vaddr: ph.p_vaddr,
                filesz: ph.p_filesz,
                memsz: ph.p_memsz,
            });
        }
        let data = range(bytes, || Part::Segment(i), ph.p_offset, ph.p_filesz)?;
        segments.push(ElfSegment {
            kind: ph.p_type,
            vaddr: ph.p_vaddr,
            memsz: ph.p_memsz,
            align: ph.p_align,
            readable: ph.p_flags & 4 != 0,
            writable: ph.p_flags & 2 != 0,
            executable: ph.p_flags & 1 != 0,
            offset: ph.p_offset,
            data,
        });
    }
    let mut symbols = Vec::new();
    for (i, sym) in elf.syms.iter().enumerate().skip(1) {
        let name = elf
            .strtab
            .get_at(sym.st_name)
            .ok_or_else(|| {
                ReadError::Malformed(format!("symbol {i} has no name in the string table"))
            })?
            .to_string();
        let section = match sym.st_shndx {
            0 => None,
            s if s >= 0xff00 => None,
            s if s <= sections.len() => Some(s - 1),
            s => {
                return Err(ReadError::Malformed(format!(
                    "symbol `{name}` names section {s}, which does not exist"
                )));
            }
        };
        let kind = match sym.st_type() {
            0 => SymbolKind::NoType,
            1 => SymbolKind::Object,
            2 => SymbolKind::Function,
            3 => SymbolKind::Section,
            4 => SymbolKind::File,
            t => SymbolKind::Other(t),
        };
        symbols.push(ElfSymbol {
            name,
            value: sym.st_value,
            size: sym.st_size,
            section,
            defined: sym.st_shndx != 0,
            global: sym.st_bind() != 0,
            kind,
        });
    }
    Ok(ElfFile {
        entry: elf.entry,
        isa_version: u32_at(bytes, 48) & EF_ZW_VERSION_MASK,
        sections,
        segments,
        symbols,
    })
}
