//! The assembler's properties, each written once: `cargo test` runs them over seeded inputs for
//! about a second each (assembler/tests/fuzz.rs), and the fuzz targets of the same names in
//! `fuzz/` call these functions for hours.

use crate::disasm::{ListingOptions, listing};
use crate::link::{Image, ImageSection, ImageSymbol};
use crate::object::SymKind;
use crate::{Assembler, Limits, MemoryFiles, Options};
use arbitrary::{Arbitrary, Unstructured};
use isa::elf::read;

/// Any text assembles, or is refused with at least one message; nothing panics, no file is read,
/// and the run stays small. What assembles writes an ELF file that reads back with the same code.
pub fn assembler_does_not_panic(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let loader = MemoryFiles::default();
    let options = Options {
        limits: Limits::small(),
        ..Options::default()
    };
    let mut a = Assembler::with_loader(options, &loader);
    a.add_source("fuzz.s", &*text);
    match a.assemble() {
        Ok(out) => {
            let elf = out.image.to_elf();
            let file = read(&elf)
                .unwrap_or_else(|e| panic!("the assembler's own ELF does not read back: {e}"));
            let code: Vec<u8> = file
                .sections
                .iter()
                .filter(|s| s.executable)
                .flat_map(|s| s.data.iter().copied())
                .collect();
            assert_eq!(code, out.image.code(), "code changed through ELF");
            let _ = listing(&file, &ListingOptions::default());
        }
        Err(report) => {
            assert!(report.has_errors(), "a failed assembly reports an error");
            let _ = report.to_plain_string();
        }
    }
}

/// Any bytes read as a ZW executable or give a typed error; a file that reads also lists.
pub fn elf_read_does_not_panic(data: &[u8]) {
    match read(data) {
        Ok(file) => {
            let _ = listing(&file, &ListingOptions::default());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Instruction words (valid instructions and arbitrary words) disassemble to a listing that
/// assembles back to the same words.
pub fn disasm_reassembles(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut words = Vec::new();
    while !u.is_empty() && words.len() < 4096 {
        let word = match u.int_in_range(0..=3u8) {
            Ok(0) => u64::arbitrary(&mut u).unwrap_or(0),
            _ => match isa::Instruction::arbitrary(&mut u) {
                Ok(i) => i.encode(),
                Err(_) => break,
            },
        };
        words.push(word);
    }
    let labels: Vec<usize> = (0..words.len())
        .filter(|i| data.get(*i).is_some_and(|b| b % 5 == 0))
        .collect();
    words_reassemble(&words, &labels);
}

/// The listing of `.text` = `words` (with labels at the given word indices) assembles back to
/// exactly `words`.
pub fn words_reassemble(words: &[u64], labels: &[usize]) {
    let placement = isa::abi::placement(".text").expect(".text is placed");
    let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut symbols: Vec<ImageSymbol> = labels
        .iter()
        .filter(|&&i| i <= words.len())
        .map(|&i| ImageSymbol {
            name: format!("l{i}"),
            value: isa::memory_map::IMEM_BASE + 8 * i as u64,
            section: Some(0),
            global: false,
            kind: SymKind::NoType,
            size: 0,
            file: 0,
        })
        .collect();
    symbols.push(ImageSymbol {
        name: "_start".into(),
        value: isa::memory_map::IMEM_BASE,
        section: Some(0),
        global: true,
        kind: SymKind::NoType,
        size: 0,
        file: 0,
    });
    let image = Image {
        entry: isa::memory_map::IMEM_BASE,
        sections: vec![ImageSection {
            name: ".text".into(),
            placement,
            addr: isa::memory_map::IMEM_BASE,
            align: 8,
            size: data.len() as u64,
            data,
        }],
        symbols,
        files: vec!["words.s".into()],
    };
    let elf = image.to_elf();
    let file = read(&elf).expect("the writer's ELF reads back");
    let text = listing(
        &file,
        &ListingOptions {
            explain: true,
            ..ListingOptions::default()
        },
    );
    let again = crate::assemble_str(&text)
        .unwrap_or_else(|r| panic!("the listing does not assemble:\n{r}\n{text}"));
    assert_eq!(
        again.code(),
        image.code(),
        "the listing assembled to different code:\n{text}"
    );
}
