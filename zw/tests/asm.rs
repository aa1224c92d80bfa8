//! `zw asm` and `zw objdump` from the outside: exit codes, messages, the files they write (and
//! do not write), and `--help` with examples.

mod common;

use common::{code, text, write, zw};

const GOOD: &str = "        .global _start\n_start: li x5, 3\n1:      addi x5, x5, -1\n        bnez x5, 1b\n        halt\n";

#[test]
fn help_lists_the_subcommands_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let o = zw(&["--help"], dir.path());
    assert_eq!(code(&o), 0);
    let out = text(&o.stdout);
    for want in ["asm", "objdump", "Exit codes:", "3  assembly error"] {
        assert!(out.contains(want), "`{want}` missing from:\n{out}");
    }
}

#[test]
fn every_subcommand_of_this_crate_has_help_with_examples() {
    let dir = tempfile::tempdir().unwrap();
    for (sub, example) in [
        ("asm", "zw asm hello.s -o hello.elf"),
        ("objdump", "zw objdump --explain prog.elf"),
    ] {
        let o = zw(&[sub, "--help"], dir.path());
        assert_eq!(code(&o), 0);
        let out = text(&o.stdout);
        assert!(
            out.contains("Examples:") && out.contains(example),
            "zw {sub} --help:\n{out}"
        );
    }
}

#[test]
fn a_usage_error_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&zw(&["asm"], dir.path())), 2);
    assert_eq!(code(&zw(&["asm", "a.s", "--frobnicate"], dir.path())), 2);
    assert_eq!(code(&zw(&["objdump"], dir.path())), 2);
}

#[test]
fn a_good_program_assembles_to_an_elf_file_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.s", GOOD);
    let o = zw(&["asm", "p.s", "-o", "p.elf"], dir.path());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(o.stderr.is_empty());
    let bytes = std::fs::read(dir.path().join("p.elf")).unwrap();
    let file = isa::elf::read(&bytes).unwrap();
    assert_eq!(file.section(".text").unwrap().data.len(), 4 * 8);
}

#[test]
fn an_assembly_error_exits_3_with_messages_and_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.s",
        ".global _start\n_start: addd x1, x2, x3\n  addi x1, x2, 1 << 40\n",
    );
    // An output from an earlier run must not pass for this one's.
    write(dir.path(), "bad.elf", "stale");
    let o = zw(
        &["asm", "bad.s", "-o", "bad.elf", "--color", "never"],
        dir.path(),
    );
    assert_eq!(code(&o), 3);
    let err = text(&o.stderr);
    for want in [
        "bad.s:2:9",
        "did you mean `add`?",
        "bad.s:3:",
        "allowed -2147483648..=2147483647",
        "2 errors",
    ] {
        assert!(err.contains(want), "`{want}` missing from:\n{err}");
    }
    assert!(
        !dir.path().join("bad.elf").exists(),
        "the output file is gone"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("bad.s")],
        "no temporary file is left behind"
    );
}

#[test]
fn a_missing_input_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let o = zw(&["asm", "nope.s", "-o", "x.elf"], dir.path());
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("cannot read `nope.s`"));
    assert!(!dir.path().join("x.elf").exists());
}

#[test]
fn several_files_link_into_one_program() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.s",
        ".global _start\n_start: call helper\n halt\n",
    );
    write(dir.path(), "lib.s", ".global helper\nhelper: ret\n");
    let o = zw(&["asm", "main.s", "lib.s", "-o", "p.elf"], dir.path());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let o = zw(&["objdump", "p.elf"], dir.path());
    let out = text(&o.stdout);
    assert!(
        out.contains("jal\tx1, helper") && out.contains("helper:"),
        "{out}"
    );
}

#[test]
fn include_dirs_and_defsym_reach_the_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    write(&dir.path().join("lib"), "defs.inc", ".equ FROM_LIB, 5\n");
    write(
        dir.path(),
        "p.s",
        ".include \"defs.inc\"\n.global _start\n_start: li x5, FROM_LIB + N\n halt\n",
    );
    let o = zw(
        &[
            "asm", "-I", "lib", "--defsym", "N=0x10", "p.s", "-o", "p.elf",
        ],
        dir.path(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let out = text(&zw(&["objdump", "p.elf"], dir.path()).stdout);
    assert!(out.contains("addi\tx5, x0, 21"), "{out}");
}

#[test]
fn objdump_lists_addresses_words_and_labels_and_explains_bit_fields() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.s", GOOD);
    assert_eq!(code(&zw(&["asm", "p.s", "-o", "p.elf"], dir.path())), 0);
    let o = zw(&["objdump", "-d", "p.elf"], dir.path());
    assert_eq!(code(&o), 0);
    let out = text(&o.stdout);
    for want in [
        "Disassembly of section .text:",
        "_start:",
        "/*        0:\t0000000300000528 */\taddi\tx5, x0, 3",
        "bne\tx5, x0, 0x8",
    ] {
        assert!(out.contains(want), "`{want}` missing from:\n{out}");
    }
    let out = text(&zw(&["objdump", "--explain", "p.elf"], dir.path()).stdout);
    assert!(
        out.contains(
            "imm[63:32]=0x00000003 3  rs1[17:13]=0x00 x0  rd[12:8]=0x05 x5  opcode[7:0]=0x28 addi"
        ),
        "{out}"
    );
}

#[test]
fn the_listing_assembles_back_to_the_same_code() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.s", GOOD);
    assert_eq!(code(&zw(&["asm", "p.s", "-o", "p.elf"], dir.path())), 0);
    assert_eq!(
        code(&zw(&["objdump", "p.elf", "-o", "p.dis.s"], dir.path())),
        0
    );
    let o = zw(&["asm", "p.dis.s", "-o", "again.elf"], dir.path());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let text_of = |name: &str| {
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        let file = isa::elf::read(&bytes).unwrap();
        file.section(".text").unwrap().data.to_vec()
    };
    assert_eq!(text_of("p.elf"), text_of("again.elf"));
}

#[test]
fn objdump_refuses_a_file_that_is_not_a_zw_executable_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "x.elf", "#!/bin/sh\necho hi\n");
    let o = zw(&["objdump", "x.elf"], dir.path());
    assert_eq!(code(&o), 1);
    assert!(
        text(&o.stderr).contains("not an ELF file"),
        "{}",
        text(&o.stderr)
    );
}

/// A sparse file of `len` bytes starting with `head`: no disk blocks are written.
fn sparse(dir: &std::path::Path, name: &str, head: &[u8], len: u64) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, head).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(len)
        .unwrap();
    p
}

#[test]
fn huge_and_endless_inputs_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    sparse(dir.path(), "big.s", b"# 3 GiB\n", 3 << 30);
    sparse(dir.path(), "big.elf", b"\x7fELF", 3 << 30);
    let mut cases = vec![
        (
            vec!["asm", "big.s"],
            "cannot read `big.s`: it is longer than 67108864 bytes",
        ),
        (
            vec!["objdump", "big.elf"],
            "cannot read `big.elf`: it is longer than 1073741824 bytes",
        ),
    ];
    if cfg!(unix) {
        cases.push((
            vec!["asm", "/dev/zero"],
            "cannot read `/dev/zero`: it is longer than 67108864 bytes",
        ));
        cases.push((
            vec!["objdump", "/dev/zero"],
            "cannot read `/dev/zero`: it is not an ELF file",
        ));
    }
    for (args, want) in cases {
        let o = zw(&args, dir.path());
        assert_eq!(code(&o), 1, "{args:?}");
        let err = text(&o.stderr);
        assert!(
            err.contains(want),
            "{args:?}: `{want}` missing from:\n{err}"
        );
    }
    assert!(!dir.path().join("a.out").exists());
}

#[test]
fn outputs_get_the_usual_modes_under_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", GOOD);
    let zw_bin = env!("CARGO_BIN_EXE_zw");
    let run = |umask: &str, args: &str| {
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask}; exec '{zw_bin}' {args}"))
            .current_dir(d)
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    };
    let mode = |name: &str| {
        std::fs::metadata(d.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    // An executable, like a linker's; a listing, like any text file.
    run("022", "asm p.s -o p.elf");
    assert_eq!(mode("p.elf"), 0o755);
    run("022", "objdump p.elf -o p.txt");
    assert_eq!(mode("p.txt"), 0o644);
    run("077", "asm p.s -o q.elf");
    assert_eq!(mode("q.elf"), 0o700);
}
