//! Golden files: every source in tests/golden (and every directory of sources, linked together)
//! assembles to the words in its `.hex` file and disassembles to its `.dis` listing, and that
//! listing assembles back to the same code. `BLESS=1 cargo test -p assembler --test golden`
//! rewrites the expectations.

mod common;

use assembler::disasm::{ListingOptions, listing};
use common::{assemble_files, cases, check_golden, dump, root};
use isa::elf::read;

#[test]
fn every_golden_source_assembles_to_its_words_and_listing() {
    let dir = root().join("tests/golden");
    let mut failures = Vec::new();
    let cases = cases(&root().join("tests/golden"));
    assert!(cases.len() >= 8, "the golden sources are present");
    for (name, files) in cases {
        let image = match assemble_files(&files) {
            Ok(i) => i,
            Err(report) => {
                failures.push(format!("{name} does not assemble:\n{report}"));
                continue;
            }
        };
        if let Err(e) = check_golden(&dir.join(format!("{name}.hex")), &dump(&image)) {
            failures.push(e);
        }
        let elf = image.to_elf();
        let file = read(&elf).expect("the assembler's ELF reads back");
        let options = ListingOptions {
            file_name: format!("{name}.elf"),
            ..ListingOptions::default()
        };
        let text = listing(&file, &options);
        if let Err(e) = check_golden(&dir.join(format!("{name}.dis")), &text) {
            failures.push(e);
        }
        match assembler::assemble_str(&text) {
            Ok(again) => {
                if again.code() != image.code() {
                    failures.push(format!("the listing of {name} assembles to different code"));
                }
            }
            Err(r) => failures.push(format!("the listing of {name} does not assemble:\n{r}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn explain_shows_every_bit_field_of_every_format() {
    let dir = root().join("tests/golden");
    let image = assemble_files(&[dir.join("instructions.s")]).unwrap();
    let elf = image.to_elf();
    let file = read(&elf).unwrap();
    let options = ListingOptions {
        explain: true,
        file_name: "instructions.elf".into(),
        ..ListingOptions::default()
    };
    let text = listing(&file, &options);
    check_golden(&dir.join("instructions.explain"), &text).unwrap();
    // Every instruction line is followed by its fields, opcode last.
    let explained = text.lines().filter(|l| l.contains("opcode[7:0]=")).count();
    assert_eq!(explained as u64 * 8, image.section(".text").unwrap().size);
}
