//! The loader accepts ZW executables that fit the configured machine and refuses everything else
//! with a typed error that names the section (or segment) and the limit.

mod common;

use common::{with, zw1};
use emulator::env::Env;
use emulator::loader::{LoadError, load};
use emulator::machine::shared;
use emulator::memory::MemoryMap;

fn elf(src: &str) -> Vec<u8> {
    assembler::assemble_str(src).unwrap().to_elf()
}

fn map(config: &emulator::config::Config) -> MemoryMap {
    Env::from_config(config).unwrap().map
}

const HALT: &str = ".global _start\n_start: halt\n";

#[test]
fn a_zw_executable_loads_with_its_entry_text_and_data() {
    let src = ".data\nv: .dword 5\n.text\n.global _start\nnop\n_start: halt\n";
    let p = load(shared(elf(src)), &map(&zw1(1))).unwrap();
    assert_eq!(p.entry, 8);
    assert_eq!(p.slots().len(), 2);
    assert_eq!(p.images.len(), 1);
    assert_eq!(p.images[0].name, ".data");
    assert_eq!(p.symbols.get(&8).map(String::as_str), Some("_start"));
}

#[test]
fn another_machines_executable_is_refused() {
    let mut bytes = elf(HALT);
    bytes[18..20].copy_from_slice(&0xf3u16.to_le_bytes()); // EM_RISCV
    assert!(matches!(
        load(shared(bytes), &map(&zw1(1))),
        Err(LoadError::WrongMachine { found: 0xf3, .. })
    ));
}

#[test]
fn elf32_and_big_endian_files_are_refused() {
    for (at, value) in [(4, 1u8), (5, 2u8)] {
        let mut bytes = elf(HALT);
        bytes[at] = value;
        assert!(
            matches!(
                load(shared(bytes), &map(&zw1(1))),
                Err(LoadError::WrongClass { .. })
            ),
            "byte {at} = {value}"
        );
    }
}

#[test]
fn another_isa_version_is_refused() {
    let mut bytes = elf(HALT);
    bytes[48..52].copy_from_slice(&2u32.to_le_bytes()); // e_flags
    let e = load(shared(bytes), &map(&zw1(1))).unwrap_err();
    assert!(matches!(e, LoadError::WrongVersion { found: 2, .. }), "{e}");
}

#[test]
fn a_section_larger_than_its_memory_is_refused_naming_it_and_the_limit() {
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
    assert!(load(shared(elf(src)), &map(&zw1(1))).is_ok());
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
        let _ = load(shared(b), &m);
    }
    assert!(matches!(
        load(shared(b"not an elf".to_vec()), &m),
        Err(LoadError::Malformed(_))
    ));
}
