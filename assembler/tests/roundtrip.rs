//! The disassembly listing is valid assembly: for every program in programs/ (every `*.s` file
//! found there, whoever wrote it) and for random instruction streams, `zw objdump`'s listing
//! assembles back to identical code.

mod common;

use assembler::disasm::{ListingOptions, listing};
use assembler::fuzz::words_reassemble;
use assembler::{Assembler, Image, Options};
use isa::elf::read;
use isa::fuzz::{SplitMix64, interesting_word};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "s") {
            out.push(p);
        }
    }
}

fn assemble(files: &[PathBuf]) -> Result<Image, String> {
    let mut a = Assembler::new(Options::default());
    for f in files {
        a.add_file(f).map_err(|e| format!("{}: {e}", f.display()))?;
    }
    a.assemble()
        .map(|o| o.image)
        .map_err(|r| r.to_plain_string())
}

/// The listing of `image` assembled again gives the same code at the same addresses.
fn check_listing_reassembles(image: &Image, what: &str) {
    let elf = image.to_elf();
    let file = read(&elf).unwrap();
    for explain in [false, true] {
        let text = listing(
            &file,
            &ListingOptions {
                explain,
                file_name: what.into(),
                ..ListingOptions::default()
            },
        );
        let again = assembler::assemble_str(&text)
            .unwrap_or_else(|r| panic!("the listing of {what} does not assemble:\n{r}"));
        let code = |i: &Image| -> Vec<(String, u64, Vec<u8>)> {
            i.sections
                .iter()
                .filter(|s| s.placement.executable)
                .map(|s| (s.name.clone(), s.addr, s.data.clone()))
                .collect()
        };
        assert_eq!(
            code(&again),
            code(image),
            "the listing of {what} assembles to different code"
        );
    }
}

#[test]
fn every_program_in_programs_disassembles_to_source_that_assembles_to_the_same_code() {
    let dir = common::root().join("../programs");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    assert!(!files.is_empty(), "programs/ holds at least one program");
    let mut checked = 0;
    let mut done_dirs = Vec::new();
    for f in &files {
        let image = match assemble(std::slice::from_ref(f)) {
            Ok(i) => i,
            Err(alone) => {
                // Part of a program of several files: assemble its directory's sources together.
                let parent = f.parent().unwrap().to_path_buf();
                if done_dirs.contains(&parent) {
                    continue;
                }
                done_dirs.push(parent.clone());
                let together: Vec<PathBuf> = files
                    .iter()
                    .filter(|g| g.parent() == Some(&parent))
                    .cloned()
                    .collect();
                assemble(&together).unwrap_or_else(|e| {
                    panic!("{} does not assemble alone:\n{alone}\nnor with the other sources of its directory:\n{e}", f.display())
                })
            }
        };
        check_listing_reassembles(&image, &f.display().to_string());
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn random_instruction_streams_disassemble_to_source_that_assembles_to_the_same_words() {
    let mut rng = SplitMix64(0xd15a5);
    for round in 0..200 {
        let n = 1 + (rng.next_u64() % 300) as usize;
        let words: Vec<u64> = (0..n).map(|_| interesting_word(&mut rng)).collect();
        let labels: Vec<usize> = (0..=n)
            .filter(|_| rng.next_u64().is_multiple_of(7))
            .collect();
        words_reassemble(&words, &labels);
        if round == 0 {
            // Some of the words are instructions, and some branch to labels.
            assert!(words.iter().any(|&w| isa::Instruction::decode(w).is_ok()));
        }
    }
}

#[test]
fn listings_keep_section_order_boundary_labels_and_data_in_code() {
    let sources = [
        // A section named before `.text` comes first; a label at the end of one section and the
        // start of the next belongs to its own section.
        ".section .text.boot\n.global _start\n_start: j main\nboot_end:\n.text\nmain: halt\n",
        // Data in code, a word that is no instruction, an odd-sized tail, labels inside a word.
        ".global _start\n_start: halt\n.dword 0\n.byte 1\nodd: .byte 2, 3\n.balign 8\nafter: nop\n.byte 9\nend:\n",
        // Aligned code sections with padding between them, and two files' worth of names.
        ".global _start\n_start: call far\n.section .text.far\n.balign 256\nfar: ret\n.section .text.near\nnear: j far\n",
    ];
    for src in sources {
        let image = assembler::assemble_str(src).unwrap_or_else(|r| panic!("{src}\n{r}"));
        check_listing_reassembles(&image, src);
    }
    let image = assembler::assemble_str(sources[0]).unwrap();
    assert_eq!(
        image.sections[0].name, ".text.boot",
        "first used, first placed"
    );
    let text = listing(&read(&image.to_elf()).unwrap(), &ListingOptions::default());
    assert_eq!(text.matches("main:").count(), 1, "{text}");
    assert!(
        text.contains("boot_end:") || text.contains("<boot_end>"),
        "{text}"
    );
}
