//! The ELF files: what the writer puts in them, that binutils' `readelf` reads them without a
//! warning, and that the reader refuses every malformed or foreign file with a typed error.

mod common;

use assembler::{Image, assemble_str};
use common::{assemble_files, root};
use isa::elf::{Part, ReadError, SectionKind, SymbolKind, read};

const PROGRAM: &str = "
        .global _start, table
_start: la      x5, table
        ld      x6, 0(x5)
        halt
        .rodata
table:  .dword  1, 2
        .bss
buf:    .zero   64
        .section .hbm.weights
w:      .float  1.0
        .section .l2.bss
l2:     .zero   4096
";

fn image() -> Image {
    assemble_str(PROGRAM).unwrap()
}

#[test]
fn the_header_names_the_zw_machine_isa_version_and_entry() {
    let elf = image().to_elf();
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(elf[4], 2, "ELFCLASS64");
    assert_eq!(elf[5], 1, "little-endian");
    assert_eq!(u16::from_le_bytes([elf[16], elf[17]]), 2, "ET_EXEC");
    assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), isa::abi::EM_ZW);
    assert_eq!(
        u32::from_le_bytes(elf[48..52].try_into().unwrap()),
        isa::abi::ISA_VERSION
    );
    let file = read(&elf).unwrap();
    assert_eq!(file.entry, 0);
    assert_eq!(file.isa_version, isa::abi::ISA_VERSION);
}

#[test]
fn there_is_one_loadable_segment_per_memory_and_every_section_reads_back() {
    let img = image();
    let elf = img.to_elf();
    let file = read(&elf).unwrap();
    let vaddrs: Vec<u64> = file.segments.iter().map(|s| s.vaddr).collect();
    use isa::memory_map::*;
    assert_eq!(vaddrs, vec![IMEM_BASE, SPAD_BASE, L2_BASE, HBM_BASE]);
    assert!(file.segments.iter().all(|s| s.kind == 1), "PT_LOAD");
    let text = &file.segments[0];
    assert!(text.executable && !text.writable);
    let spad = &file.segments[1];
    assert!(spad.writable && !spad.executable);
    assert_eq!(spad.memsz, 0x10 + 0x40, ".rodata then .bss");
    assert_eq!(
        spad.data.len(),
        0x10,
        "zero-filled bytes are not in the file"
    );
    for s in &img.sections {
        let r = file.section(&s.name).unwrap();
        assert_eq!(
            (r.addr, r.size, r.align),
            (s.addr, s.size, s.align),
            "{}",
            s.name
        );
        assert_eq!(r.kind == SectionKind::NoBits, s.placement.nobits);
        assert_eq!(r.data, &s.data[..]);
        assert_eq!(r.placement(), Some(s.placement));
    }
    for name in [".symtab", ".strtab", ".shstrtab"] {
        assert!(file.section(name).is_some(), "{name}");
    }
    let table = file.symbol("table").unwrap();
    assert!(table.global);
    assert_eq!(table.value, SPAD_BASE);
    assert_eq!(file.sections[table.section.unwrap()].name, ".rodata");
    assert!(!file.symbol("buf").unwrap().global);
    assert!(
        file.symbols
            .iter()
            .any(|s| s.kind == SymbolKind::File && s.name == "input.s")
    );
}

/// Runs `readelf -a` and returns its stdout and stderr. binutils is a test dependency (CI installs
/// it): a missing readelf fails the test rather than skipping the cross-check silently; set
/// `ZW_SKIP_READELF=1` to skip it on purpose.
fn readelf(bytes: &[u8], name: &str) -> Option<(String, String)> {
    if std::env::var_os("ZW_SKIP_READELF").is_some() {
        return None;
    }
    let path = std::env::temp_dir().join(format!("zw-elf-test-{}-{name}.elf", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("readelf")
        .arg("-a")
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let out = out.unwrap_or_else(|e| {
        panic!("readelf could not be run ({e}); install binutils or set ZW_SKIP_READELF=1")
    });
    assert!(out.status.success(), "readelf failed on {name}");
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn readelf_reads_every_output_without_a_warning() {
    let mut images = vec![("program".to_string(), image())];
    let golden = root().join("tests/golden");
    for name in ["instructions", "data", "sections", "pseudo"] {
        images.push((
            name.to_string(),
            assemble_files(&[golden.join(format!("{name}.s"))]).unwrap(),
        ));
    }
    images.push((
        "minimal".into(),
        assemble_str(".global _start\n_start: halt").unwrap(),
    ));
    for (name, img) in images {
        let Some((stdout, stderr)) = readelf(&img.to_elf(), &name) else {
            eprintln!("ZW_SKIP_READELF is set; skipping the cross-check");
            return;
        };
        assert!(stderr.trim().is_empty(), "{name}: readelf said:\n{stderr}");
        assert!(
            !stdout.to_lowercase().contains("warning"),
            "{name}:\n{stdout}"
        );
        assert!(stdout.contains("EXEC (Executable file)"), "{name}");
        assert!(stdout.contains("0x5a57"), "{name}: the machine number");
        assert!(stdout.contains("LOAD"), "{name}");
        for s in &img.sections {
            assert!(stdout.contains(&s.name), "{name}: section {}", s.name);
        }
    }
}

fn patched(f: impl Fn(&mut Vec<u8>)) -> Result<(), ReadError> {
    let mut elf = image().to_elf();
    f(&mut elf);
    read(&elf).map(|_| ())
}

#[test]
fn the_reader_gives_a_typed_error_for_each_way_a_file_is_wrong() {
    assert_eq!(
        read(b"").unwrap_err(),
        ReadError::TooShort { len: 0, needed: 64 }
    );
    assert_eq!(
        read(b"\x7fEL").unwrap_err(),
        ReadError::TooShort { len: 3, needed: 64 }
    );
    assert_eq!(read(b"#!/bin/sh\n").unwrap_err(), ReadError::NotElf);
    assert_eq!(patched(|e| e[4] = 1), Err(ReadError::Class(1)));
    assert_eq!(patched(|e| e[5] = 2), Err(ReadError::Endianness(2)));
    assert_eq!(patched(|e| e[6] = 0), Err(ReadError::Version(0)));
    assert_eq!(patched(|e| e[20] = 2), Err(ReadError::Version(2)));
    assert_eq!(
        patched(|e| e[18..20].copy_from_slice(&62u16.to_le_bytes())),
        Err(ReadError::Machine { found: 62 })
    );
    assert_eq!(
        patched(|e| e[48] = 2),
        Err(ReadError::IsaVersion { found: 2 })
    );
    assert_eq!(patched(|e| e[49] = 1), Err(ReadError::ReservedFlags(0x101)));
    assert_eq!(patched(|e| e[16] = 1), Err(ReadError::NotExecutable(1)));
    assert_eq!(
        patched(|e| e.truncate(40)),
        Err(ReadError::TooShort {
            len: 40,
            needed: 64
        })
    );
    assert!(matches!(
        patched(|e| e.truncate(e.len() - 1)),
        Err(ReadError::Truncated { .. })
    ));
    assert!(matches!(
        patched(|e| e.truncate(0x100)),
        Err(ReadError::Truncated { .. })
    ));
    assert!(matches!(
        patched(|e| e[54] = 50),
        Err(ReadError::Malformed(_))
    ));
    // Missing bytes name their section (section 1 is .text) or segment, for the loader's errors.
    let e = patched(|e| {
        let at = u64::from_le_bytes(e[40..48].try_into().unwrap()) as usize + 64 + 24; // sh_offset
        e[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    })
    .unwrap_err();
    assert!(
        matches!(&e, ReadError::Truncated { what: Part::Section { index: 1, name: Some(n) }, offset: u64::MAX, .. } if n == ".text"),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("section `.text` (offset"), "{e}");
    // Segment 0 (the text) with 8 more file bytes than memory bytes.
    let e = patched(|e| {
        let memsz = u64::from_le_bytes(e[64 + 40..64 + 48].try_into().unwrap());
        e[64 + 32..64 + 40].copy_from_slice(&(memsz + 8).to_le_bytes());
    })
    .unwrap_err();
    assert!(
        matches!(
            e,
            ReadError::FileBytesBeyondMemory {
                index: 0,
                vaddr: 0,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("more file bytes"), "{e}");
    // Every error explains itself.
    for e in [
        ReadError::NotElf,
        ReadError::Class(1),
        ReadError::Machine { found: 62 },
    ] {
        assert!(!e.to_string().is_empty());
    }
}
