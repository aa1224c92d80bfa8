//! ELF executables to [`Program`]s: the file read by [`isa::elf::read`] (the same reader as the
//! disassembler's, so both refuse the same malformed files), placement of every allocated section
//! by the ISA's rules (`isa::abi`), and the checks that each fits the configured memory map.
//!
//! Sections are placed by name (docs/isa.md, "Executables"): `.text` is decoded once into slots,
//! `.data`/`.rodata`/`.bss` go to every tile's scratchpad, `.l2*` and `.hbm*` once per chip. A file
//! without section headers is placed by its `PT_LOAD` segments, the memory taken from each
//! segment's address. Every piece (section or segment) must lie at the loading tile's own
//! addresses, inside the memory its name (if any) gives, with its file bytes inside the file;
//! code (executable pieces) exactly in instruction memory, read-only there and wholly in the file;
//! no two pieces may share a byte; the entry point must be an instruction of an executable piece
//! (the rules are listed in docs/emulator.md, "Loading"). Section contents are not copied: images
//! share the file's bytes, which may be a memory-mapped file ([`map_file`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use isa::abi::{EM_ZW, INSTRUCTION_BYTES, ISA_VERSION};
use isa::elf::{ElfFile, Part, ReadError, SectionKind};
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
    /// Not an executable (`e_type` other than `ET_EXEC`), such as an object file.
    #[error("the file is not an executable (e_type {e_type}; expected ET_EXEC = 2)")]
    NotExecutable {
        /// The file's `e_type`.
        e_type: u16,
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
    #[error("entry point {entry:#x} {problem}")]
    BadEntry {
        /// The entry point.
        entry: u64,
        /// What is wrong with it.
        problem: EntryProblem,
    },
    /// Two sections (or segments) that claim the same bytes.
    #[error("{first} and {second} overlap at {start:#x}..{end:#x}")]
    Overlap {
        /// The one that starts first (of two starting together, the earlier in the file).
        first: String,
        /// The other.
        second: String,
        /// Address of the first shared byte.
        start: u64,
        /// Address after the last shared byte.
        end: u64,
    },
    /// A section or segment whose bytes lie (partly) beyond the end of the file.
    #[error(
        "{segment} holds file bytes {offset:#x}..+{size:#x}, beyond the end of the file ({file_len:#x} bytes)"
    )]
    PastEndOfFile {
        /// The section's name, or `segment N`.
        segment: String,
        /// Its offset in the file.
        offset: u64,
        /// Its size in the file.
        size: u64,
        /// The file's length.
        file_len: u64,
    },
}

/// Why an entry point is not an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum EntryProblem {
    /// Not an address in instruction memory.
    #[error("is not in instruction memory")]
    OutsideInstructionMemory,
    /// Not a multiple of the instruction size.
    #[error("is not aligned to an 8-byte instruction")]
    Misaligned,
    /// In instruction memory, but in no executable section (or segment) of the file.
    #[error("is in no executable section of the file")]
    OutsideText,
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

/// The most bytes [`map_file`] reads from a pipe or other stream.
pub const STREAM_LIMIT: u64 = 1 << 30;

/// Maps a file into memory read-only, so large tensors and executables are shared with the
/// operating system's page cache instead of copied. A pipe or other stream (`<(cmd)`) is read
/// into memory instead, up to [`STREAM_LIMIT`] bytes; a directory is refused.
pub fn map_file(path: &Path) -> Result<SharedBytes, LoadError> {
    map_file_bounded(path, STREAM_LIMIT)
}

/// As [`map_file`], reading at most `limit` bytes from a stream: a longer one is an error, so a
/// stream that never ends (`/dev/zero`) cannot exhaust the host's memory.
pub fn map_file_bounded(path: &Path, limit: u64) -> Result<SharedBytes, LoadError> {
    let io = |e: std::io::Error| LoadError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let refuse = |message: String| LoadError::Io {
        path: path.display().to_string(),
        message,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(refuse("it is a directory".to_string()));
    }
    if !meta.is_file() {
        use std::io::Read;
        let mut bytes = Vec::new();
        file.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > limit {
            return Err(refuse(format!(
                "it is a stream longer than {limit} bytes, the most that is read from one"
            )));
        }
        return Ok(Arc::new(bytes));
    }
    if meta.len() == 0 {
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
    let elf = isa::elf::read(data).map_err(|e| refusal(e, data))?;

    let mut pieces = Vec::new();
    if elf.sections.is_empty() {
        for (i, seg) in elf.segments.iter().enumerate() {
            if !seg.loadable() || seg.memsz == 0 {
                continue;
            }
            let name = format!("segment {i}");
            let filesz = seg.data.len() as u64;
            let file = if filesz > 0 {
                Some(file_bytes(&bytes, &name, seg.offset, filesz)?)
            } else {
                None
            };
            pieces.push(Piece {
                name,
                addr: seg.vaddr,
                size: seg.memsz,
                zero_filled: filesz < seg.memsz,
                file,
                placed: None,
                executable: seg.executable,
                writable: seg.writable,
            });
        }
    } else {
        for sh in elf.sections.iter().filter(|s| s.alloc && s.size > 0) {
            let Some(placement) = sh.placement() else {
                return Err(LoadError::Misplaced {
                    segment: sh.name.clone(),
                    addr: sh.addr,
                    reason: "no placement rule names this section (docs/isa.md, \"Executables\")"
                        .to_string(),
                });
            };
            let zero_filled = sh.kind == SectionKind::NoBits;
            let file = if zero_filled {
                None
            } else {
                Some(file_bytes(&bytes, &sh.name, sh.offset, sh.size)?)
            };
            pieces.push(Piece {
                name: sh.name.clone(),
                addr: sh.addr,
                size: sh.size,
                zero_filled,
                file,
                placed: Some(placement.memory),
                executable: sh.executable,
                writable: sh.writable,
            });
        }
    }

    let mut located = Vec::with_capacity(pieces.len());
    for piece in &pieces {
        let (memory, offset) = piece.locate(map)?;
        piece.check_kind(memory, offset)?;
        located.push((memory, offset));
    }
    check_overlaps(&pieces, &located)?;
    check_entry(elf.entry, &pieces, &located)?;

    let mut text: Vec<u64> = Vec::new();
    let mut images = Vec::new();
    for (piece, (memory, offset)) in pieces.into_iter().zip(located) {
        if memory == Memory::Imem {
            place_text(&piece, offset, &mut text);
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
    program.addresses = addresses(&elf);
    program.extents = extents(&elf, &program.addresses, &program.images);
    Ok(program)
}

/// The loader's error for a file the reader refuses, in the loader's own terms: a section's or
/// segment's bytes past the end of the file name the piece, like every other refusal of a piece.
fn refusal(e: ReadError, data: &[u8]) -> LoadError {
    // The bytes of `e_ident` that the loader's messages show and the reader's errors leave out.
    const EI_DATA: usize = 5;
    const EI_VERSION: usize = 6;
    let ident = |at: usize| data.get(at).copied().unwrap_or(0);
    match e {
        ReadError::NotElf => LoadError::Malformed("no ELF magic number".to_string()),
        ReadError::Class(class) => LoadError::WrongClass {
            class,
            data: ident(EI_DATA),
        },
        ReadError::Endianness(data) => LoadError::WrongClass { class: 2, data },
        ReadError::Version(found) => LoadError::WrongVersion {
            what: if ident(EI_VERSION) == 1 {
                "ELF version"
            } else {
                "ELF identification version"
            },
            found,
            expected: 1,
        },
        ReadError::Machine { found } => LoadError::WrongMachine {
            found,
            expected: EM_ZW,
        },
        ReadError::IsaVersion { found } | ReadError::ReservedFlags(found) => {
            LoadError::WrongVersion {
                what: "e_flags (ISA version in the low byte, other bits zero)",
                found,
                expected: ISA_VERSION,
            }
        }
        ReadError::NotExecutable(e_type) => LoadError::NotExecutable { e_type },
        ReadError::Truncated {
            what,
            offset,
            size,
            len,
        } => {
            let segment = match what {
                Part::Section {
                    name: Some(name), ..
                } => name,
                Part::Section { name: None, .. } | Part::Segment(_) => what.to_string(),
                Part::ProgramHeaders | Part::SectionHeaders => {
                    let e = ReadError::Truncated {
                        what,
                        offset,
                        size,
                        len,
                    };
                    return LoadError::Malformed(e.to_string());
                }
            };
            LoadError::PastEndOfFile {
                segment,
                offset,
                size,
                file_len: len as u64,
            }
        }
        ReadError::FileBytesBeyondMemory { index, vaddr, .. } => LoadError::Misplaced {
            segment: format!("segment {index}"),
            addr: vaddr,
            reason: "holds more file bytes than its size".to_string(),
        },
        ReadError::Malformed(message) => LoadError::Malformed(message),
        e @ ReadError::TooShort { .. } => LoadError::Malformed(e.to_string()),
    }
}

/// The `size` file bytes of `name` at file offset `offset`, shared (the reader has checked that
/// the file holds them).
fn file_bytes(
    bytes: &SharedBytes,
    name: &str,
    offset: u64,
    size: u64,
) -> Result<SharedBytes, LoadError> {
    let fits = |v: u64| usize::try_from(v).ok();
    fits(offset)
        .zip(fits(size))
        .and_then(|(start, len)| share(bytes, start, len))
        .ok_or_else(|| LoadError::PastEndOfFile {
            segment: name.to_string(),
            offset,
            size,
            file_len: (**bytes).as_ref().len() as u64,
        })
}

/// Refuses two located pieces that share a byte, naming the first such pair by address.
fn check_overlaps(pieces: &[Piece], located: &[(Memory, u64)]) -> Result<(), LoadError> {
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by_key(|&i| (isa::memory_map::own_base(located[i].0), located[i].1, i));
    // The piece reaching furthest among those of the same memory seen so far.
    let mut reach: Option<usize> = None;
    for &i in &order {
        let (memory, offset) = located[i];
        if let Some(r) = reach
            && located[r].0 == memory
        {
            let r_end = located[r].1 + pieces[r].size;
            if offset < r_end {
                let start = pieces[i].addr;
                let end = start + (r_end.min(offset + pieces[i].size) - offset);
                return Err(LoadError::Overlap {
                    first: pieces[r].name.clone(),
                    second: pieces[i].name.clone(),
                    start,
                    end,
                });
            }
            if offset + pieces[i].size <= r_end {
                continue;
            }
        }
        reach = Some(i);
    }
    Ok(())
}

/// Refuses an entry point that is not an instruction of an executable piece.
fn check_entry(entry: u64, pieces: &[Piece], located: &[(Memory, u64)]) -> Result<(), LoadError> {
    let bad = |problem| Err(LoadError::BadEntry { entry, problem });
    let at = match Location::decode(entry) {
        Ok(loc) if loc.memory == Memory::Imem => loc.offset,
        _ => return bad(EntryProblem::OutsideInstructionMemory),
    };
    if !at.is_multiple_of(INSTRUCTION_BYTES) {
        return bad(EntryProblem::Misaligned);
    }
    let inside = pieces.iter().zip(located).any(|(p, &(memory, offset))| {
        memory == Memory::Imem && (offset..offset + p.size).contains(&at)
    });
    if !inside {
        return bad(EntryProblem::OutsideText);
    }
    Ok(())
}

/// An allocated section (or a segment) before placement.
struct Piece {
    name: String,
    addr: u64,
    size: u64,
    /// Some of its bytes are not in the file (`SHT_NOBITS`, or a segment's `p_filesz < p_memsz`).
    zero_filled: bool,
    file: Option<SharedBytes>,
    /// The memory its name places it in, when placed by name.
    placed: Option<Memory>,
    /// Marked executable (`SHF_EXECINSTR`, `PF_X`).
    executable: bool,
    /// Marked writable (`SHF_WRITE`, `PF_W`).
    writable: bool,
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
        Ok((loc.memory, loc.offset))
    }
}

impl Piece {
    /// Refuses code outside instruction memory, and anything in it but read-only code held
    /// wholly in the file.
    fn check_kind(&self, memory: Memory, offset: u64) -> Result<(), LoadError> {
        let reason = if self.executable && memory != Memory::Imem {
            "marked executable, but code runs only from instruction memory"
        } else if !self.executable && memory == Memory::Imem {
            "in instruction memory, which holds only code, but not marked executable"
        } else if memory == Memory::Imem && self.writable {
            "marked writable, but instruction memory is read-only"
        } else if memory == Memory::Imem && self.zero_filled {
            "code must hold all its instructions in the file, not be zero-filled"
        } else if memory == Memory::Imem
            && !(offset.is_multiple_of(INSTRUCTION_BYTES)
                && self.size.is_multiple_of(INSTRUCTION_BYTES))
        {
            "text must start and end on 8-byte instruction boundaries"
        } else {
            return Ok(());
        };
        Err(LoadError::Misplaced {
            segment: self.name.clone(),
            addr: self.addr,
            reason: reason.to_string(),
        })
    }
}

/// Decodes a checked text piece (aligned, in the file, inside instruction memory) into `text`.
fn place_text(piece: &Piece, offset: u64, text: &mut Vec<u64>) {
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
}

/// Addresses by name: every defined symbol with a name, a global winning over locals of the
/// same name, else the first in the table.
fn addresses(elf: &ElfFile<'_>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let defined = || {
        elf.symbols
            .iter()
            .filter(|s| s.defined && !s.name.is_empty())
    };
    for sym in defined().filter(|s| s.global) {
        out.entry(sym.name.clone()).or_insert(sym.value);
    }
    for sym in defined() {
        out.entry(sym.name.clone()).or_insert(sym.value);
    }
    out
}

/// How many bytes each named symbol spans: its size in the symbol table, else up to the next
/// symbol of its section, else to the section's end. Names outside every section have none.
fn extents(
    elf: &ElfFile<'_>,
    addresses: &BTreeMap<String, u64>,
    images: &[Image],
) -> BTreeMap<String, u64> {
    let place = |addr: u64| {
        let at = Location::decode(addr).ok()?;
        let i = images.iter().position(|img| {
            img.memory == at.memory && (img.offset..img.offset + img.size).contains(&at.offset)
        })?;
        Some((i, at.offset))
    };
    // Symbol offsets per section, sorted, to find each one's next.
    let mut starts: Vec<Vec<u64>> = vec![Vec::new(); images.len()];
    for &addr in addresses.values() {
        if let Some((i, offset)) = place(addr) {
            starts[i].push(offset);
        }
    }
    for s in &mut starts {
        s.sort_unstable();
        s.dedup();
    }
    let sizes: BTreeMap<&str, u64> = elf
        .symbols
        .iter()
        .filter(|s| s.defined && s.size > 0)
        .map(|s| (s.name.as_str(), s.size))
        .collect();
    let mut out = BTreeMap::new();
    for (name, &addr) in addresses {
        let Some((i, offset)) = place(addr) else {
            continue;
        };
        let end = images[i].offset + images[i].size;
        let next = starts[i]
            .iter()
            .find(|&&o| o > offset)
            .map_or(end, |&o| o.min(end));
        let size = sizes.get(name.as_str()).copied().unwrap_or(next - offset);
        out.insert(name.clone(), size);
    }
    out
}

/// Names by address: every defined symbol with a name, the first in the table winning (globals
/// and locals alike), so the result is stable for a given file.
fn symbols(elf: &ElfFile<'_>) -> BTreeMap<u64, String> {
    let mut out = BTreeMap::new();
    for sym in elf
        .symbols
        .iter()
        .filter(|s| s.defined && !s.name.is_empty())
    {
        out.entry(sym.value).or_insert_with(|| sym.name.clone());
    }
    out
}
