//! The fuzz targets' bodies over fixed seeds, about a second each under `cargo test --release`;
//! `cargo fuzz` runs the same functions for hours.

mod common;

use assembler::fuzz::{assembler_does_not_panic, disasm_reassembles, elf_read_does_not_panic};
use isa::fuzz::SplitMix64;

/// A program that should assemble: random valid instructions (as the disassembler writes
/// them), labels, branches, data and directives.
fn valid_source(rng: &mut SplitMix64) -> String {
    let mut s = String::from("        .global _start\n_start:\n");
    let n = 1 + rng.next_u64() % 40;
    for i in 0..n {
        let r = rng.next_u64();
        match r % 8 {
            0 => s.push_str(&format!("l{i}:\n")),
            1 => s.push_str(&format!("        bnez x{}, _start\n", r % 32)),
            2 => s.push_str(&format!("        li x5, {}\n", (r >> 8) as i64 >> (r % 64))),
            3 => s.push_str("1:      addi x1, x1, -1\n        bnez x1, 1b\n"),
            _ => {
                let word = isa::fuzz::interesting_word(rng);
                match isa::Instruction::decode(word) {
                    Ok(inst) => {
                        s.push_str("        ");
                        s.push_str(
                            &inst
                                .to_string()
                                .replace(".+", "_start+")
                                .replace(".-", "_start-"),
                        );
                        s.push('\n');
                    }
                    _ => s.push_str(&format!("        .dword {word:#x}\n")),
                }
            }
        }
    }
    s.push_str("        .data\nd: .dword 1, d\n        .bf16 1.5\n        .balign 8\n        .bss\n        .zero 16\n");
    s
}

/// Text that is mostly assembly: real mnemonics, directives, registers, numbers, labels and
/// expressions, with some noise.
fn random_source(rng: &mut SplitMix64) -> String {
    let mnemonics: Vec<&str> = isa::text::mnemonics()
        .chain(isa::pseudo::pseudo_mnemonics())
        .collect();
    const DIRECTIVES: &[&str] = &[
        ".byte",
        ".half",
        ".word",
        ".dword",
        ".float",
        ".bf16",
        ".fp16",
        ".double",
        ".ascii",
        ".asciz",
        ".zero",
        ".space",
        ".align",
        ".balign",
        ".data",
        ".text",
        ".bss",
        ".rodata",
        ".section .hbm",
        ".section .l2.x",
        ".global",
        ".equ",
        ".set",
        ".if",
        ".else",
        ".endif",
        ".rept",
        ".endr",
        ".macro m a",
        ".endm",
        ".irp r,",
        ".include",
        ".incbin",
        ".exitm",
        ".type",
        ".size",
        ".end",
        ".err",
        ".pushsection",
        ".popsection",
    ];
    const OPERANDS: &[&str] = &[
        "x0",
        "x1",
        "x31",
        "sp",
        "ra",
        "zero",
        "s3",
        "bf16",
        "fp32",
        "i8",
        "ws",
        "relu",
        "tile_id",
        "cycle",
        "0",
        "1",
        "-1",
        "0x7fffffff",
        "0x80000000",
        "1b",
        "1f",
        "2f",
        "_start",
        "lab",
        ".",
        ".+8",
        "(x2)",
        "8(x2)",
        "%hi(lab)",
        "%lo(lab)",
        "\"s\"",
        "'a'",
        "1.5",
        "inf",
        "1 << 40",
        "lab - _start",
        "(1+2)*3",
        "\\a",
        "m",
        "9999999999999",
    ];
    let mut s = String::new();
    let lines = 1 + rng.next_u64() % 30;
    for _ in 0..lines {
        let r = rng.next_u64();
        if r.is_multiple_of(5) {
            s.push_str(["lab:", "_start:", "1:", "2:", ".global _start"][(r >> 8) as usize % 5]);
        }
        let head = if r.is_multiple_of(3) {
            DIRECTIVES[(r >> 12) as usize % DIRECTIVES.len()]
        } else {
            mnemonics[(r >> 12) as usize % mnemonics.len()]
        };
        s.push(' ');
        s.push_str(head);
        let n = (r >> 20) % 5;
        for k in 0..n {
            s.push_str(if k == 0 { " " } else { ", " });
            s.push_str(OPERANDS[(rng.next_u64() % OPERANDS.len() as u64) as usize]);
        }
        // Noise.
        if r.is_multiple_of(17) {
            let at = (rng.next_u64() as usize) % (s.len() + 1);
            let c = b"(),;:\"'\\#/*%\n.x"[(r >> 40) as usize % 15] as char;
            if s.is_char_boundary(at) {
                s.insert(at, c);
            }
        }
        s.push('\n');
    }
    s
}

fn assembles_within_small_limits(text: &str) -> bool {
    let loader = assembler::MemoryFiles::default();
    let options = assembler::Options {
        limits: assembler::Limits::small(),
        ..Default::default()
    };
    let mut a = assembler::Assembler::with_loader(options, &loader);
    a.add_source("fuzz.s", text);
    a.assemble().is_ok()
}

#[test]
fn assembler_does_not_panic_on_seeded_random_sources() {
    let mut rng = SplitMix64(0xa55e);
    let mut assembled = 0;
    for i in 0..5000 {
        let text = if i % 2 == 0 {
            valid_source(&mut rng)
        } else {
            random_source(&mut rng)
        };
        // `ZW_FUZZ_SHOW_INPUT=1` prints the input that makes the property fail.
        if std::env::var_os("ZW_FUZZ_SHOW_INPUT").is_some() {
            let t = text.clone();
            if std::panic::catch_unwind(move || assembler_does_not_panic(t.as_bytes())).is_err() {
                panic!("INPUT:\n{text}");
            }
        }
        let ok = assembles_within_small_limits(&text);
        assembled += ok as u32;
        assembler_does_not_panic(text.as_bytes());
        if i % 10 == 0 {
            // Raw bytes too.
            let bytes: Vec<u8> = (0..rng.next_u64() % 200)
                .map(|_| rng.next_u64() as u8)
                .collect();
            assembler_does_not_panic(&bytes);
        }
    }
    // Both outcomes happen, or the generator tests too little.
    assert!(assembled > 30, "only {assembled} sources assembled");
}

#[test]
fn assembler_does_not_panic_on_mutated_golden_sources() {
    let dir = common::root().join("tests/golden");
    let mut sources = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "s") {
            sources.push(std::fs::read(p).unwrap());
        }
    }
    let mut rng = SplitMix64(0x60de);
    for _ in 0..5000 {
        let mut text = sources[(rng.next_u64() % sources.len() as u64) as usize].clone();
        for _ in 0..1 + rng.next_u64() % 4 {
            let at = (rng.next_u64() % (text.len() as u64 + 1)) as usize;
            match rng.next_u64() % 3 {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 => text.insert(at, rng.next_u64() as u8),
                _ => {
                    let end = (at + (rng.next_u64() % 40) as usize).min(text.len());
                    let piece = text[at..end].to_vec();
                    let to = (rng.next_u64() % (text.len() as u64 + 1)) as usize;
                    text.splice(to..to, piece);
                }
            }
        }
        assembler_does_not_panic(&text);
    }
}

/// A small executable with code, data, bss and an HBM section: the seed of the ELF-reader
/// property here, and of its fuzz target (`fuzz/seeds/elf_read_does_not_panic/`).
fn small_elf() -> Vec<u8> {
    assembler::assemble_str(
        ".global _start\n_start: la x5, d\n halt\n.data\nd: .dword 1\n.bss\n.zero 8\n.section .hbm\n.byte 1",
    )
    .unwrap()
    .to_elf()
}

const ELF_SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fuzz/seeds/elf_read_does_not_panic/small.elf"
);

#[test]
fn the_fuzz_targets_elf_seed_is_what_the_assembler_writes() {
    let elf = small_elf();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(ELF_SEED, &elf).unwrap();
    }
    let committed = std::fs::read(ELF_SEED).unwrap_or_default();
    assert!(
        committed == elf,
        "{ELF_SEED} is stale: run BLESS=1 cargo test -p assembler --test fuzz"
    );
}

#[test]
fn elf_read_does_not_panic_on_seeded_mutations_of_a_valid_file() {
    let elf = small_elf();
    let mut rng = SplitMix64(0xe1f);
    let mut read_ok = 0;
    for i in 0..200_000 {
        let mut bytes = elf.clone();
        match i % 4 {
            0 => {
                // Header and table fields: where the interesting bytes are.
                let at = (rng.next_u64() % 64) as usize;
                bytes[at] = rng.next_u64() as u8;
            }
            1 => {
                for _ in 0..1 + rng.next_u64() % 8 {
                    let at = (rng.next_u64() % bytes.len() as u64) as usize;
                    bytes[at] ^= 1 << (rng.next_u64() % 8);
                }
            }
            2 => bytes.truncate((rng.next_u64() % bytes.len() as u64) as usize),
            _ => {
                bytes = (0..rng.next_u64() % 512)
                    .map(|_| rng.next_u64() as u8)
                    .collect();
                if rng.next_u64().is_multiple_of(2) && bytes.len() >= 64 {
                    bytes[..64].copy_from_slice(&elf[..64]);
                }
            }
        }
        read_ok += isa::elf::read(&bytes).is_ok() as u32;
        elf_read_does_not_panic(&bytes);
    }
    assert!(read_ok > 1000, "only {read_ok} mutated files read");
}

#[test]
fn disasm_reassembles_on_seeded_random_bytes() {
    let mut rng = SplitMix64(0xd15);
    for _ in 0..1000 {
        let bytes: Vec<u8> = (0..rng.next_u64() % 2048)
            .map(|_| rng.next_u64() as u8)
            .collect();
        disasm_reassembles(&bytes);
    }
}
