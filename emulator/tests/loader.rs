//! The loader accepts ZW executables that fit the configured machine and refuses everything else
//! with a typed error that names the section (or segment) and the limit.
//!
//! Bad files are made from assembled ones by patching ELF64 header fields ([`Elf`]).

mod common;

use common::{reg, run, with, zw1};
use emulator::loader::{EntryProblem, LoadError, load};
use emulator::{Env, ImageData, Machine, MemoryMap, Program, shared};
use isa::memory_map::{HBM_BASE, L2_BASE, Memory, SPAD_BASE};

fn elf(src: &str) -> Vec<u8> {
    assembler::assemble_str(src).unwrap().to_elf()
}

fn map(config: &emulator::config::Config) -> MemoryMap {
    Env::from_config(config).unwrap().map
}

fn load_zw1(bytes: Vec<u8>) -> Result<Program, LoadError> {
    load(shared(bytes), &map(&zw1(1)))
}

const HALT: &str = ".global _start\n_start: halt\n";

/// Every placed memory, and two text sections with a gap between them: `.text` at 0x0..0x10,
/// `.text.b` at 0x40..0x48; `.data` 8 bytes at the scratchpad's base, then `.rodata` (8) and
/// `.bss` (16, zero-filled); `.l2` and `.hbm` 8 bytes each at their memories' bases.
const ALL: &str = "
    .data
d:  .dword 1
    .rodata
r:  .dword 2
    .bss
b:  .space 16
    .section .l2
l:  .dword 3
    .section .hbm
h:  .dword 4
    .text
    .global _start
_start:
    nop
    halt
    .section .text.b
    .balign 64
    halt
";

/// ELF64 field offsets (System V gABI): the file header, a section header, a program header.
const E_ENTRY: usize = 24; // u64
const E_SHOFF: usize = 40; // u64
const E_PHOFF: usize = 32; // u64
const E_PHENTSIZE: usize = 54; // u16
const E_SHENTSIZE: usize = 58; // u16
const E_SHNUM: usize = 60; // u16
const E_SHSTRNDX: usize = 62; // u16
const SH_NAME: usize = 0; // u32, offset in .shstrtab
const SH_TYPE: usize = 4; // u32
const SH_FLAGS: usize = 8; // u64
const SH_ADDR: usize = 16; // u64
const SH_OFFSET: usize = 24; // u64
const SH_SIZE: usize = 32; // u64
const P_FLAGS: usize = 4; // u32
const P_OFFSET: usize = 8; // u64
const P_VADDR: usize = 16; // u64
const P_FILESZ: usize = 32; // u64
const P_MEMSZ: usize = 40; // u64
const SHF_WRITE: u64 = 1;
const SHF_ALLOC: u64 = 2;
const SHF_EXECINSTR: u64 = 4;
const SHT_NOBITS: u32 = 8;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/// An ELF64 little-endian file being patched.
struct Elf(Vec<u8>);

impl Elf {
    fn of(src: &str) -> Elf {
        Elf(elf(src))
    }
    fn u16(&self, at: usize) -> u64 {
        u64::from(u16::from_le_bytes(self.0[at..at + 2].try_into().unwrap()))
    }
    fn u32(&self, at: usize) -> u64 {
        u64::from(u32::from_le_bytes(self.0[at..at + 4].try_into().unwrap()))
    }
    fn u64(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.0[at..at + 8].try_into().unwrap())
    }
    fn set16(&mut self, at: usize, v: u16) {
        self.0[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    fn set32(&mut self, at: usize, v: u32) {
        self.0[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    fn set64(&mut self, at: usize, v: u64) {
        self.0[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
    /// File offset of section header `i`.
    fn shdr(&self, i: usize) -> usize {
        (self.u64(E_SHOFF) + i as u64 * self.u16(E_SHENTSIZE)) as usize
    }
    /// File offset of the name of section `i` in `.shstrtab`.
    fn name_at(&self, i: usize) -> usize {
        let strtab = self.shdr(self.u16(E_SHSTRNDX) as usize);
        (self.u64(strtab + SH_OFFSET) + self.u32(self.shdr(i) + SH_NAME)) as usize
    }
    /// The index of the section called `name`.
    fn index(&self, name: &str) -> usize {
        (0..self.u16(E_SHNUM) as usize)
            .find(|&i| self.0[self.name_at(i)..].starts_with(format!("{name}\0").as_bytes()))
            .unwrap_or_else(|| panic!("no section {name}"))
    }
    /// File offset of the header of the section called `name`.
    fn section(&self, name: &str) -> usize {
        self.shdr(self.index(name))
    }
    fn sh(&self, name: &str, field: usize) -> u64 {
        self.u64(self.section(name) + field)
    }
    fn set_sh(mut self, name: &str, field: usize, v: u64) -> Elf {
        let at = self.section(name) + field;
        self.set64(at, v);
        self
    }
    /// File offset of program header `i`.
    fn phdr(&self, i: usize) -> usize {
        (self.u64(E_PHOFF) + i as u64 * self.u16(E_PHENTSIZE)) as usize
    }
    fn set_ph(mut self, i: usize, field: usize, v: u64) -> Elf {
        let at = self.phdr(i) + field;
        self.set64(at, v);
        self
    }
    fn set_ph_flags(mut self, i: usize, flags: u32) -> Elf {
        let at = self.phdr(i) + P_FLAGS;
        self.set32(at, flags);
        self
    }
    fn entry(mut self, entry: u64) -> Elf {
        self.set64(E_ENTRY, entry);
        self
    }
    /// No section headers: e_shoff, e_shnum and e_shstrndx zero, leaving the segments.
    fn without_sections(mut self) -> Elf {
        self.set64(E_SHOFF, 0);
        self.set16(E_SHNUM, 0);
        self.set16(E_SHSTRNDX, 0);
        self
    }
    fn load(self) -> Result<Program, LoadError> {
        load_zw1(self.0)
    }
}

/// The error of loading `f` on a one-tile ZW-1, which must fail.
fn refused(f: Elf) -> LoadError {
    match f.load() {
        Ok(_) => panic!("loaded"),
        Err(e) => e,
    }
}

/// The section (or segment) name and address of a `Misplaced` error.
fn misplaced(e: &LoadError) -> (&str, u64) {
    match e {
        LoadError::Misplaced { segment, addr, .. } => (segment, *addr),
        other => panic!("not Misplaced: {other}"),
    }
}

#[test]
fn a_zw_executable_loads_with_its_entry_text_and_data() {
    let src = ".data\nv: .dword 5\n.text\n.global _start\nnop\n_start: halt\n";
    let p = load_zw1(elf(src)).unwrap();
    assert_eq!(p.entry, 8);
    assert_eq!(p.slots().len(), 2);
    assert_eq!(p.images.len(), 1);
    assert_eq!(p.images[0].name, ".data");
    assert_eq!(p.symbols.get(&8).map(String::as_str), Some("_start"));
}

#[test]
fn the_test_program_has_the_layout_the_patches_assume_and_loads() {
    let f = Elf::of(ALL);
    let addr = |name| f.sh(name, SH_ADDR);
    assert_eq!((addr(".text"), addr(".text.b")), (0, 0x40));
    assert_eq!((addr(".data"), addr(".rodata")), (SPAD_BASE, SPAD_BASE + 8));
    assert_eq!(addr(".bss"), SPAD_BASE + 16);
    assert_eq!((addr(".l2"), addr(".hbm")), (L2_BASE, HBM_BASE));
    assert_eq!(f.u32(f.section(".bss") + SH_TYPE), u64::from(SHT_NOBITS));
    // Adjacent sections, and sections at the same offset of different memories, load.
    let p = f.load().unwrap();
    // .text (2 words), the gap (6 words of zeros), .text.b (1 word).
    assert_eq!(p.slots().len(), 9);
    assert_eq!(p.images.len(), 5);
}

#[test]
fn another_machines_executable_is_refused() {
    let mut bytes = elf(HALT);
    bytes[18..20].copy_from_slice(&0xf3u16.to_le_bytes()); // e_machine = EM_RISCV
    assert!(matches!(
        load_zw1(bytes),
        Err(LoadError::WrongMachine { found: 0xf3, .. })
    ));
}

#[test]
fn elf32_and_big_endian_files_are_refused() {
    // e_ident[EI_CLASS] = ELFCLASS32, e_ident[EI_DATA] = ELFDATA2MSB.
    for (at, value) in [(4, 1u8), (5, 2u8)] {
        let mut bytes = elf(HALT);
        bytes[at] = value;
        assert!(
            matches!(load_zw1(bytes), Err(LoadError::WrongClass { .. })),
            "byte {at} = {value}"
        );
    }
}

#[test]
fn a_file_that_is_not_an_executable_is_refused() {
    let mut bytes = elf(HALT);
    bytes[16..18].copy_from_slice(&1u16.to_le_bytes()); // e_type = ET_REL
    assert_eq!(
        load_zw1(bytes).unwrap_err(),
        LoadError::NotExecutable { e_type: 1 }
    );
}

#[test]
fn another_isa_version_is_refused() {
    let mut bytes = elf(HALT);
    bytes[48..52].copy_from_slice(&2u32.to_le_bytes()); // e_flags
    let e = load_zw1(bytes).unwrap_err();
    assert!(matches!(e, LoadError::WrongVersion { found: 2, .. }), "{e}");
}

#[test]
fn an_entry_point_outside_instruction_memory_is_refused() {
    // The scratchpad's base (where .data is), a reserved space code (7), and an instruction
    // memory address with the tile field set (which its space does not have).
    for entry in [SPAD_BASE, 7 << 40, 1 << 44] {
        let e = refused(Elf::of(ALL).entry(entry));
        assert_eq!(
            e,
            LoadError::BadEntry {
                entry,
                problem: EntryProblem::OutsideInstructionMemory
            },
            "{entry:#x}"
        );
    }
}

#[test]
fn a_misaligned_entry_point_is_refused() {
    for entry in [4, 0x41] {
        let e = refused(Elf::of(ALL).entry(entry));
        assert_eq!(
            e,
            LoadError::BadEntry {
                entry,
                problem: EntryProblem::Misaligned
            },
            "{entry:#x}"
        );
    }
}

#[test]
fn an_entry_point_in_no_executable_section_is_refused() {
    // 0x10 and 0x38: the gap between .text (0x0..0x10) and .text.b (0x40..0x48), where the
    // loaded text holds zeros; 0x48: just past .text.b; 0x1000: far past the text.
    for entry in [0x10, 0x38, 0x48, 0x1000] {
        let e = refused(Elf::of(ALL).entry(entry));
        assert_eq!(
            e,
            LoadError::BadEntry {
                entry,
                problem: EntryProblem::OutsideText
            },
            "{entry:#x}"
        );
    }
    // The first instruction of the second text section is a valid entry.
    assert_eq!(Elf::of(ALL).entry(0x40).load().unwrap().entry, 0x40);
}

#[test]
fn a_section_no_placement_rule_names_is_refused() {
    let mut f = Elf::of(ALL);
    let at = f.name_at(f.index(".data"));
    f.0[at + 4] = b'x'; // ".data" -> ".datx" in .shstrtab
    let e = refused(f);
    assert_eq!(misplaced(&e), (".datx", SPAD_BASE));
}

#[test]
fn a_section_at_an_address_in_another_memory_than_its_name_gives_is_refused() {
    let acc = 2 << 40; // the accumulator's own base
    for (name, addr) in [
        (".text", SPAD_BASE + 0x100), // code outside instruction memory
        (".data", 0x100),             // writable data in instruction memory
        (".rodata", 0x100),           // read-only data in instruction memory
        (".bss", L2_BASE + 0x100),
        (".data", acc),
        (".l2", HBM_BASE + 0x100),
        (".hbm", L2_BASE + 0x100),
    ] {
        let e = refused(Elf::of(ALL).set_sh(name, SH_ADDR, addr));
        assert_eq!(misplaced(&e), (name, addr), "{e}");
        assert!(e.to_string().contains("its name places it in"), "{e}");
    }
}

#[test]
fn a_section_at_another_tiles_or_chips_address_or_an_invalid_one_is_refused() {
    for (name, addr) in [
        (".data", 5 << 40 | 1 << 44),   // space 5: tile 1's scratchpad
        (".data", 13 << 40),            // space 13: chip 0 tile 0 named explicitly
        (".l2", 11 << 40 | 1 << 50),    // space 11: chip 1's L2
        (".data", 7 << 40),             // space code 7 is reserved
        (".data", SPAD_BASE | 1 << 44), // a tile field in a space without one
    ] {
        let e = refused(Elf::of(ALL).set_sh(name, SH_ADDR, addr));
        assert_eq!(misplaced(&e), (name, addr), "{e}");
    }
}

#[test]
fn text_off_instruction_boundaries_is_refused() {
    // .text moved to 0x4; then .text.b cut to 12 bytes (its file bytes exist: .data follows).
    let e = refused(Elf::of(ALL).set_sh(".text", SH_ADDR, 4));
    assert_eq!(misplaced(&e), (".text", 4));
    let e = refused(Elf::of(ALL).set_sh(".text.b", SH_SIZE, 12));
    assert_eq!(misplaced(&e), (".text.b", 0x40));
    assert!(e.to_string().contains("instruction boundaries"), "{e}");
}

#[test]
fn a_writable_text_section_is_refused() {
    let flags = SHF_ALLOC | SHF_EXECINSTR | SHF_WRITE;
    let e = refused(Elf::of(ALL).set_sh(".text", SH_FLAGS, flags));
    assert_eq!(misplaced(&e), (".text", 0));
    assert!(e.to_string().contains("writable"), "{e}");
}

#[test]
fn a_text_section_not_marked_executable_is_refused() {
    let e = refused(Elf::of(ALL).set_sh(".text.b", SH_FLAGS, SHF_ALLOC));
    assert_eq!(misplaced(&e), (".text.b", 0x40));
    assert!(e.to_string().contains("not marked executable"), "{e}");
}

#[test]
fn an_executable_data_section_is_refused() {
    for name in [".data", ".l2", ".hbm"] {
        let flags = SHF_ALLOC | SHF_WRITE | SHF_EXECINSTR;
        let f = Elf::of(ALL);
        let addr = f.sh(name, SH_ADDR);
        let e = refused(f.set_sh(name, SH_FLAGS, flags));
        assert_eq!(misplaced(&e), (name, addr));
        assert!(e.to_string().contains("instruction memory"), "{e}");
    }
}

#[test]
fn a_zero_filled_text_section_is_refused() {
    let mut f = Elf::of(ALL);
    let at = f.section(".text.b") + SH_TYPE;
    f.set32(at, SHT_NOBITS);
    let e = refused(f);
    assert_eq!(misplaced(&e), (".text.b", 0x40));
    assert!(e.to_string().contains("zero-filled"), "{e}");
}

#[test]
fn data_crossing_the_end_of_its_memory_is_refused() {
    // The default ZW-1 scratchpad is 4 MiB and L2 32 MiB; each section is 8 bytes, 4 of them
    // past the end.
    let spad = 4 << 20;
    let l2 = 32 << 20;
    for (name, base, memory, limit) in [
        (".data", SPAD_BASE, Memory::Spad, spad),
        (".bss", SPAD_BASE, Memory::Spad, spad),
        (".l2", L2_BASE, Memory::L2, l2),
    ] {
        let f = Elf::of(ALL).set_sh(name, SH_ADDR, base + limit - 4);
        let size = f.sh(name, SH_SIZE);
        let e = refused(f);
        assert_eq!(
            e,
            LoadError::DoesNotFit {
                segment: name.to_string(),
                memory,
                offset: limit - 4,
                size,
                limit
            }
        );
    }
}

#[test]
fn a_section_straddling_two_memories_is_refused() {
    // The last 8 bytes of the scratchpad's 40-bit offset space and 8 of the accumulator's.
    let at = SPAD_BASE + (1 << 40) - 8;
    let f = Elf::of(ALL)
        .set_sh(".data", SH_ADDR, at)
        .set_sh(".data", SH_SIZE, 16);
    assert_eq!(
        refused(f),
        LoadError::DoesNotFit {
            segment: ".data".to_string(),
            memory: Memory::Spad,
            offset: (1 << 40) - 8,
            size: 16,
            limit: 4 << 20
        }
    );
}

#[test]
fn a_zero_filled_section_larger_than_its_memory_is_refused_naming_it_and_the_limit() {
    let config = with(zw1(1), &[("scratchpad.size_kib", "1024")]);
    let src = ".bss\nbig: .space 2*1024*1024\n.text\n.global _start\n_start: halt\n";
    let e = load(shared(elf(src)), &map(&config)).unwrap_err();
    let LoadError::DoesNotFit { segment, limit, .. } = &e else {
        panic!("{e}");
    };
    assert_eq!((segment.as_str(), *limit), (".bss", 1024 * 1024));
    assert!(
        e.to_string().contains(".bss") && e.to_string().contains("0x100000"),
        "{e}"
    );
    // The same program fits the default 4 MiB scratchpad.
    assert!(load_zw1(elf(src)).is_ok());
}

#[test]
fn a_zero_filled_size_beyond_the_address_space_is_refused_without_overflow() {
    // .bss starts 16 bytes into the scratchpad; 16 + u64::MAX overflows.
    for size in [1 << 40, u64::MAX - 8, u64::MAX] {
        let e = refused(Elf::of(ALL).set_sh(".bss", SH_SIZE, size));
        assert!(
            matches!(e, LoadError::DoesNotFit { ref segment, offset: 16, size: s, .. }
                if segment == ".bss" && s == size),
            "{e}"
        );
    }
}

#[test]
fn a_data_section_larger_than_its_memory_is_refused() {
    let config = with(zw1(1), &[("scratchpad.size_kib", "1024")]);
    let src = ".data\nbig: .space 1024*1024 + 8\n.text\n.global _start\n_start: halt\n";
    let e = load(shared(elf(src)), &map(&config)).unwrap_err();
    let expected = LoadError::DoesNotFit {
        segment: ".data".to_string(),
        memory: Memory::Spad,
        offset: 0,
        size: 1024 * 1024 + 8,
        limit: 1024 * 1024,
    };
    assert_eq!(e, expected);
    // With no L2 configured, any L2 section is too large.
    let config = with(zw1(1), &[("l2.size_kib", "0")]);
    let src = ".section .l2\nv: .dword 1\n.text\n.global _start\n_start: halt\n";
    let e = load(shared(elf(src)), &map(&config)).unwrap_err();
    assert!(
        matches!(
            e,
            LoadError::DoesNotFit {
                memory: Memory::L2,
                size: 8,
                limit: 0,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn text_larger_than_the_instruction_memory_is_refused() {
    let config = with(zw1(1), &[("core.imem_size_kib", "4")]);
    let src = ".global _start\n_start:\n.rept 520\nnop\n.endr\nhalt\n";
    let e = load(shared(elf(src)), &map(&config)).unwrap_err();
    assert!(
        matches!(e, LoadError::DoesNotFit { ref segment, limit: 4096, .. } if segment == ".text"),
        "{e}"
    );
}

#[test]
fn section_bytes_beyond_the_end_of_the_file_are_refused() {
    let len = Elf::of(ALL).0.len() as u64;
    for (field, value) in [
        (SH_OFFSET, len - 4), // the last 4 bytes and 4 more
        (SH_OFFSET, len),
        (SH_OFFSET, u64::MAX), // offset + size overflows
        (SH_SIZE, len),        // .data's offset is past 0, so this runs off the end
    ] {
        let f = Elf::of(ALL).set_sh(".data", field, value);
        let (offset, size) = (f.sh(".data", SH_OFFSET), f.sh(".data", SH_SIZE));
        assert_eq!(
            refused(f),
            LoadError::PastEndOfFile {
                segment: ".data".to_string(),
                offset,
                size,
                file_len: len
            }
        );
    }
}

#[test]
fn overlapping_sections_are_refused_naming_both_and_the_shared_range() {
    // (moved section, its new address, first, second, shared range)
    let cases = [
        // .rodata 4 bytes into .data (8 bytes): their last and first 4 bytes.
        (
            ".rodata",
            SPAD_BASE + 4,
            ".data",
            ".rodata",
            SPAD_BASE + 4,
            SPAD_BASE + 8,
        ),
        // .bss (16 bytes) at .data's address: .data's 8 bytes; the earlier header is first.
        (".bss", SPAD_BASE, ".data", ".bss", SPAD_BASE, SPAD_BASE + 8),
        // .bss over .rodata from .data's middle: .data is the first piece it meets.
        (
            ".bss",
            SPAD_BASE + 4,
            ".data",
            ".bss",
            SPAD_BASE + 4,
            SPAD_BASE + 8,
        ),
        // .text.b (8 bytes) onto the second word of .text (0x0..0x10).
        (".text.b", 8, ".text", ".text.b", 8, 16),
    ];
    for (name, addr, first, second, start, end) in cases {
        let e = refused(Elf::of(ALL).set_sh(name, SH_ADDR, addr));
        let expected = LoadError::Overlap {
            first: first.to_string(),
            second: second.to_string(),
            start,
            end,
        };
        assert_eq!(e, expected, "{name} at {addr:#x}");
        let text = e.to_string();
        assert!(text.contains(first) && text.contains(second), "{text}");
        assert!(text.contains(&format!("{start:#x}..{end:#x}")), "{text}");
    }
}

#[test]
fn a_section_inside_a_larger_one_is_refused() {
    // .data is 64 bytes; .rodata (8) is moved 16 bytes into it; .bss then follows .data.
    let src = ".data\nd: .space 64\n.rodata\nr: .dword 2\n.bss\nb: .space 8\n.text\n.global _start\n_start: halt\n";
    let f = Elf::of(src).set_sh(".rodata", SH_ADDR, SPAD_BASE + 16);
    let f = f.set_sh(".bss", SH_ADDR, SPAD_BASE + 64);
    assert_eq!(
        refused(f),
        LoadError::Overlap {
            first: ".data".to_string(),
            second: ".rodata".to_string(),
            start: SPAD_BASE + 16,
            end: SPAD_BASE + 24
        }
    );
}

/// Loads `.data`, `.rodata` and `.bss` into registers, for running with and without sections.
const SEG: &str = "
    .data
d:  .dword 0x1122334455667788
    .rodata
r:  .dword 42
    .bss
b:  .space 8
    .text
    .global _start
_start:
    la      x5, d
    ld      x6, 0(x5)
    ld      x7, 8(x5)
    ld      x8, 16(x5)
    halt
";

#[test]
fn a_file_without_section_headers_loads_by_its_segments() {
    let whole = Elf::of(SEG).load().unwrap();
    let stripped = Elf::of(SEG).without_sections();
    let by_segments = load_zw1(stripped.0.clone()).unwrap();
    let words = |p: &Program| p.slots().iter().map(|s| s.word).collect::<Vec<_>>();
    assert_eq!(words(&by_segments), words(&whole));
    assert_eq!(by_segments.entry, whole.entry);
    // One scratchpad image: .data and .rodata from the file, then 8 zero-filled bytes.
    assert_eq!(by_segments.images.len(), 1);
    let image = &by_segments.images[0];
    assert_eq!(
        (image.memory, image.offset, image.size),
        (Memory::Spad, 0, 24)
    );
    let ImageData::Bytes(bytes) = &image.data else {
        panic!("no bytes")
    };
    let mut expected = 0x1122334455667788u64.to_le_bytes().to_vec();
    expected.extend(42u64.to_le_bytes());
    assert_eq!((**bytes).as_ref(), expected.as_slice());
    // And it runs: the loads see .data, .rodata and the zero-filled .bss.
    let mut m = Machine::from_elf(&zw1(1), shared(stripped.0)).unwrap();
    m.run(Some(10_000));
    assert_eq!(
        [reg(&m, 0, 6), reg(&m, 0, 7), reg(&m, 0, 8)],
        [0x1122334455667788, 42, 0]
    );
    let (sectioned, _) = run(SEG, &zw1(1));
    assert_eq!(reg(&sectioned, 0, 6), 0x1122334455667788);
}

#[test]
fn a_files_segments_are_ignored_when_it_has_section_headers() {
    // Segment 0 (the text) moved to a reserved space: only the sections count.
    let f = Elf::of(SEG).set_ph(0, P_VADDR, 7 << 40);
    assert!(f.load().is_ok());
}

#[test]
fn a_text_segment_that_is_writable_not_executable_or_zero_filled_is_refused() {
    // The text is 6 words (la is two), all in the file.
    let text = 48;
    let f = Elf::of(SEG).without_sections();
    assert_eq!(f.u64(f.phdr(0) + P_FILESZ), text);
    for (flags, memsz, reason) in [
        (PF_R | PF_X | PF_W, text, "writable"),
        (PF_R, text, "not marked executable"),
        (PF_R | PF_X, text + 8, "zero-filled"),
    ] {
        let f = Elf::of(SEG).without_sections().set_ph_flags(0, flags);
        let e = refused(f.set_ph(0, P_MEMSZ, memsz));
        assert_eq!(misplaced(&e), ("segment 0", 0));
        assert!(e.to_string().contains(reason), "{e}");
    }
}

#[test]
fn an_executable_segment_outside_instruction_memory_is_refused() {
    let f = Elf::of(SEG).without_sections();
    let e = refused(f.set_ph_flags(1, PF_R | PF_W | PF_X));
    assert_eq!(misplaced(&e), ("segment 1", SPAD_BASE));
}

#[test]
fn a_segment_with_more_file_bytes_than_memory_bytes_is_refused() {
    // Segment 1 has 16 file bytes of 24; 32 file bytes exist in the file after its start
    // (the symbol and string tables follow).
    let f = Elf::of(SEG).without_sections().set_ph(1, P_FILESZ, 32);
    let e = refused(f);
    assert_eq!(misplaced(&e), ("segment 1", SPAD_BASE));
    assert!(e.to_string().contains("more file bytes"), "{e}");
}

#[test]
fn segment_bytes_beyond_the_end_of_the_file_are_refused() {
    let f = Elf::of(SEG).without_sections();
    let len = f.0.len() as u64;
    let e = refused(f.set_ph(1, P_OFFSET, len - 8));
    assert_eq!(
        e,
        LoadError::PastEndOfFile {
            segment: "segment 1".to_string(),
            offset: len - 8,
            size: 16,
            file_len: len
        }
    );
}

#[test]
fn the_segments_of_a_file_with_section_headers_are_read_though_not_placed() {
    // The disassembler's reader refuses a segment past the end of the file; so does the loader.
    let f = Elf::of(SEG);
    let len = f.0.len() as u64;
    assert_eq!(
        refused(f.set_ph(1, P_OFFSET, len - 8)),
        LoadError::PastEndOfFile {
            segment: "segment 1".to_string(),
            offset: len - 8,
            size: 16,
            file_len: len
        }
    );
}

#[test]
fn overlapping_segments_are_refused() {
    // Without .bss, segment 1 (16 bytes) made code at 0x28, over the text's last word (0..0x30).
    let src = SEG.replace(".bss\nb:  .space 8", "");
    let f = Elf::of(&src).without_sections().set_ph(1, P_VADDR, 0x28);
    assert_eq!(
        refused(f.set_ph_flags(1, PF_R | PF_X)),
        LoadError::Overlap {
            first: "segment 0".to_string(),
            second: "segment 1".to_string(),
            start: 0x28,
            end: 0x30
        }
    );
}

#[test]
fn truncated_or_corrupted_files_give_errors_not_panics() {
    let bytes = elf(".data\nv: .dword 1\n.text\n.global _start\n_start: halt\n");
    let m = map(&zw1(1));
    for len in (0..bytes.len()).step_by(7) {
        let _ = load(shared(bytes[..len].to_vec()), &m);
    }
    let mut state = 0x1234_5678u64;
    for _ in 0..2000 {
        let mut b = bytes.clone();
        for _ in 0..4 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (state >> 33) as usize % b.len();
            b[at] = (state >> 17) as u8;
        }
        // One reader: what the disassembler refuses, the loader refuses too.
        let read = isa::elf::read(&b).is_ok();
        let loaded = load(shared(b), &m).is_ok();
        assert!(read || !loaded, "the loader took a file the reader refuses");
    }
    assert!(matches!(
        load(shared(b"not an elf".to_vec()), &m),
        Err(LoadError::Malformed(_))
    ));
}
