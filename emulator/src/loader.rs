//! ELF executables to [`Program`]s: the header checks, placement of every allocated section by
//! the ISA's rules (`isa::abi`), and the checks that each fits the configured memory map.
//!
//! Sections are placed by name (docs/isa.md, "Executables"): `.text` is decoded once into slots,
//! `.data`/`.rodata`/`.bss` go to every tile's scratchpad, `.l2*` and `.hbm*` once per chip. A file
//! without section headers is placed by its `PT_LOAD` segments, the memory taken from each
//! segment's address. Section contents are not copied: images share the file's bytes, which may
//! be a memory-mapped file ([`map_file`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use goblin::elf::Elf;
use goblin::elf::header::{EI_CLASS, EI_DATA, EI_VERSION, ELFCLASS64, ELFDATA2LSB, EV_CURRENT};
use goblin::elf::program_header::PT_LOAD;
use goblin::elf::section_header::{SHF_ALLOC, SHT_NOBITS};
use isa::abi::{EF_ZW_VERSION_MASK, EM_ZW, INSTRUCTION_BYTES, ISA_VERSION};
use isa::memory_map::{Location, Memory, TileSel};
use thiserror::Error;

use crate::memory::{MemoryMap, SharedBytes};
use crate::program::{Image, ImageData, Program};

/// Why a file is not a program this machine can run.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
    /// Not a well-formed ELF file.
    #[error("not a valid ELF file: {0}")]
    Malformed(String),
    /// ELF32, or big-endian.
    #[error("not an ELF64 little-endian file (class {class}, data {data})")]
    WrongClass {
        /// `EI_CLASS`.
        class: u8,
        /// `EI_DATA`.
        data: u8,
    },
    /// Another architecture's executable.
    #[error("e_machine is {found:#06x}, not ZW ({expected:#06x})")]
    WrongMachine {
        /// The file's `e_machine`.
        found: u16,
        /// [`EM_ZW`].
        expected: u16,
    },
    /// An ELF or ISA version this emulator does not implement.
    #[error("{what} is {found}, this emulator implements {expected}")]
    WrongVersion {
        /// Which version (`ELF version`, `ISA version in e_flags`).
        what: &'static str,
        /// The file's value.
        found: u32,
        /// The supported value.
        expected: u32,
    },
    /// A section or segment in a place the ISA does not allow it.
    #[error("{segment} at {addr:#x}: {reason}")]
    Misplaced {
        /// The section's name, or `segment N`.
        segment: String,
        /// Its address.
        addr: u64,
        /// What is wrong.
        reason: String,
    },
    /// A section or segment that is too big for its memory in this configuration.
    #[error(
        "{segment} ({size:#x} bytes at {memory} offset {offset:#x}) does not fit: {memory} is {limit:#x} bytes",
        memory = .memory.name()
    )]
    DoesNotFit {
        /// The section's name, or `segment N`.
        segment: String,
        /// The memory.
        memory: Memory,
        /// Offset of its first byte.
        offset: u64,
        /// Its size.
        size: u64,
        /// The memory's configured size.
        limit: u64,
    },
    /// An entry point that is not an instruction of the text.
    #[error("entry point {entry:#x} is not an aligned address inside the text (0..{text_end:#x})")]
    BadEntry {
        /// The entry point.
        entry: u64,
        /// End of the loaded text.
        text_end: u64,
    },
}

/// A shared sub-range of shared bytes.
struct SubSlice {
    whole: SharedBytes,
    start: usize,
    end: usize,
}

impl AsRef<[u8]> for SubSlice {
    fn as_ref(&self) -> &[u8] {
        &(*self.whole).as_ref()[self.start..self.end]
    }
}

/// `len` bytes of `whole` from `start`, shared without copying.
pub fn share(whole: &SharedBytes, start: usize, len: usize) -> Option<SharedBytes> {
    let end = start.checked_add(len)?;
    if end > (**whole).as_ref().len() {
        return None;
    }
    Some(Arc::new(SubSlice {
        whole: whole.clone(),
        start,
        end,
    }))
}

/// Maps a file into memory read-only, so large tensors and executables are shared with the
/// operating system's page cache instead of copied.
pub fn map_file(path: &Path) -> Result<SharedBytes, LoadError> {
    let io = |e: std::io::Error| LoadError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() == 0 {
        return Ok(Arc::new(Vec::new()));
    }
    // SAFETY: the mapping is read-only and private to this process. The file must not be
    // truncated or modified while a run uses it (the same contract as any tool that maps its
    // inputs); a concurrent modification can change the bytes a run sees, never memory safety of
    // the mapping's bounds, which memmap2 fixes at map time.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
    Ok(Arc::new(map))
}

/// Reads and places the executable at `path` (mapped, not copied).
pub fn load_file(path: &Path, map: &MemoryMap) -> Result<Program, LoadError> {
    load(map_file(path)?, map)
}

/// Places the executable `bytes`.
pub fn load(bytes: SharedBytes, map: &MemoryMap) -> Result<Program, LoadError> {
    let data = (*bytes).as_ref();
    check_ident(data)?;
    let elf = Elf::parse(data).map_err(|e| LoadError::Malformed(e.to_string()))?;
    check_header(&elf)?;

    let mut pieces = Vec::new();
    let allocated: Vec<_> = elf
        .section_headers
        .iter()
        .filter(|s| s.sh_flags & u64::from(SHF_ALLOC) != 0 && s.sh_size > 0)
        .collect();
    if elf.section_headers.is_empty() {
        for (i, ph) in elf.program_headers.iter().enumerate() {
            if ph.p_type != PT_LOAD || ph.p_memsz == 0 {
                continue;
            }
            let name = format!("segment {i}");
            let file = share(&bytes, ph.p_offset as usize, ph.p_filesz as usize)
                .ok_or_else(|| truncated(&name))?;
            pieces.push(Piece {
                name: name.clone(),
                addr: ph.p_vaddr,
                size: ph.p_memsz,
                file: (ph.p_filesz > 0).then_some(file),
                placed: None,
            });
        }
    } else {
        for sh in allocated {
            let name = elf
                .shdr_strtab
                .get_at(sh.sh_name)
                .unwrap_or("(unnamed)")
                .to_string();
            let file = if sh.sh_type == SHT_NOBITS {
                None
            } else {
                Some(
                    share(&bytes, sh.sh_offset as usize, sh.sh_size as usize)
                        .ok_or_else(|| truncated(&name))?,
                )
            };
            let placed = isa::abi::placement(&name).map(|p| p.memory);
            if placed.is_none() {
                return Err(LoadError::Misplaced {
                    segment: name,
                    addr: sh.sh_addr,
                    reason: "no placement rule names this section (docs/isa.md, \"Executables\")"
                        .to_string(),
                });
            }
            pieces.push(Piece {
                name,
                addr: sh.sh_addr,
                size: sh.sh_size,
                file,
                placed,
            });
        }
    }

    let mut text: Vec<u64> = Vec::new();
    let mut images = Vec::new();
    for piece in pieces {
        let (memory, offset) = piece.locate(map)?;
        if memory == Memory::Imem {
            place_text(&piece, offset, &mut text)?;
        } else {
            images.push(Image {
                name: piece.name,
                memory,
                offset,
                size: piece.size,
                data: match piece.file {
                    Some(b) => ImageData::Bytes(b),
                    None => ImageData::Zero,
                },
            });
        }
    }

    let mut program = Program::from_words(&text);
    program.images = images;
    program.entry = elf.entry;
    program.symbols = symbols(&elf);
    if program.slot(elf.entry).is_none() {
        return Err(LoadError::BadEntry {
            entry: elf.entry,
            text_end: program.text_bytes(),
        });
    }
    Ok(program)
}

fn truncated(name: &str) -> LoadError {
    LoadError::Malformed(format!("{name} extends past the end of the file"))
}

fn check_ident(data: &[u8]) -> Result<(), LoadError> {
    if data.len() < 16 || &data[..4] != b"\x7fELF" {
        return Err(LoadError::Malformed("no ELF magic number".to_string()));
    }
    if data[EI_CLASS] != ELFCLASS64 || data[EI_DATA] != ELFDATA2LSB {
        return Err(LoadError::WrongClass {
            class: data[EI_CLASS],
            data: data[EI_DATA],
        });
    }
    if data[EI_VERSION] != EV_CURRENT {
        return Err(LoadError::WrongVersion {
            what: "ELF identification version",
            found: u32::from(data[EI_VERSION]),
            expected: u32::from(EV_CURRENT),
        });
    }
    Ok(())
}

fn check_header(elf: &Elf<'_>) -> Result<(), LoadError> {
    let h = &elf.header;
    if h.e_machine != EM_ZW {
        return Err(LoadError::WrongMachine {
            found: h.e_machine,
            expected: EM_ZW,
        });
    }
    if h.e_version != u32::from(EV_CURRENT) {
        return Err(LoadError::WrongVersion {
            what: "ELF version",
            found: h.e_version,
            expected: u32::from(EV_CURRENT),
        });
    }
    if h.e_flags & EF_ZW_VERSION_MASK != ISA_VERSION || h.e_flags & !EF_ZW_VERSION_MASK != 0 {
        return Err(LoadError::WrongVersion {
            what: "e_flags (ISA version in the low byte, other bits zero)",
            found: h.e_flags,
            expected: ISA_VERSION,
        });
    }
    Ok(())
}

/// An allocated section (or a segment) before placement.
struct Piece {
    name: String,
    addr: u64,
    size: u64,
    file: Option<SharedBytes>,
    /// The memory its name places it in, when placed by name.
    placed: Option<Memory>,
}

impl Piece {
    /// The memory and offset the piece occupies, checked against the memory map.
    fn locate(&self, map: &MemoryMap) -> Result<(Memory, u64), LoadError> {
        let misplaced = |reason: String| LoadError::Misplaced {
            segment: self.name.clone(),
            addr: self.addr,
            reason,
        };
        let loc = Location::decode(self.addr).map_err(|e| misplaced(e.to_string()))?;
        if loc.chip != isa::memory_map::ChipSel::Own || loc.tile != TileSel::Own {
            return Err(misplaced(
                "programs are placed at the issuing tile's and chip's own addresses".to_string(),
            ));
        }
        if let Some(memory) = self.placed
            && memory != loc.memory
        {
            return Err(misplaced(format!(
                "its name places it in {}, its address is in {}",
                memory.name(),
                loc.memory.name()
            )));
        }
        let limit = map.size(loc.memory);
        if loc
            .offset
            .checked_add(self.size)
            .is_none_or(|end| end > limit)
        {
            return Err(LoadError::DoesNotFit {
                segment: self.name.clone(),
                memory: loc.memory,
                offset: loc.offset,
                size: self.size,
                limit,
            });
        }
        if let Some(f) = &self.file
            && ((**f).as_ref().len() as u64) > self.size
        {
            return Err(misplaced("holds more file bytes than its size".to_string()));
        }
        Ok((loc.memory, loc.offset))
    }
}

fn place_text(piece: &Piece, offset: u64, text: &mut Vec<u64>) -> Result<(), LoadError> {
    if !offset.is_multiple_of(INSTRUCTION_BYTES) || !piece.size.is_multiple_of(INSTRUCTION_BYTES) {
        return Err(LoadError::Misplaced {
            segment: piece.name.clone(),
            addr: piece.addr,
            reason: format!(
                "text must start and end on {INSTRUCTION_BYTES}-byte instruction boundaries"
            ),
        });
    }
    let first = (offset / INSTRUCTION_BYTES) as usize;
    let count = (piece.size / INSTRUCTION_BYTES) as usize;
    if text.len() < first + count {
        text.resize(first + count, 0);
    }
    let bytes = piece.file.as_ref().map(|f| (**f).as_ref()).unwrap_or(&[]);
    for (i, word) in text[first..first + count].iter_mut().enumerate() {
        let at = i * INSTRUCTION_BYTES as usize;
        let mut w = [0u8; 8];
        if let Some(chunk) = bytes.get(at..at + 8) {
            w.copy_from_slice(chunk);
        }
        *word = u64::from_le_bytes(w);
    }
    Ok(())
}

fn symbols(elf: &Elf<'_>) -> BTreeMap<u64, String> {
    let mut out = BTreeMap::new();
    for sym in elf.syms.iter() {
        if sym.st_name == 0 || sym.st_shndx == 0 {
            continue;
        }
        if let Some(name) = elf.strtab.get_at(sym.st_name)
            && !name.is_empty()
        {
            // The first name wins (globals and locals alike); stable for a given file.
            out.entry(sym.st_value).or_insert_with(|| name.to_string());
        }
    }
    out
}
