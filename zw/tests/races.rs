//! `zw run --check races` from the outside: the reports, and exit code 7 for a run that halted
//! with races (0 without).

mod common;

use common::{code, text, write, zw};

/// A `dma.in` into `buf` and a load of it, with `{WAIT}` between them.
const PROGRAM: &str = "
        .section .hbm
src:    .space 256
        .bss
        .balign 64
buf:    .space 256
        .text
        .global _start
_start: li      x6, 256
        li      x7, 1
        dma.cfg u8, u8, 0
        dma.dim 0, x6, x7, x7
        la      x8, buf
        la      x9, src
        dma.in  x8, x9, s0
        {WAIT}
        ld      x10, 64(x8)
        halt
";

const SMALL: [&str; 4] = ["--set", "chip.tiles_x=1", "--set", "chip.tiles_y=1"];

#[test]
fn check_races_reports_both_instructions_and_exits_7_and_a_clean_run_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "racy.s", &PROGRAM.replace("{WAIT}", ""));
    write(
        dir.path(),
        "clean.s",
        &PROGRAM.replace("{WAIT}", "sem.take s0, x0, 1"),
    );
    let mut args = vec!["run", "racy.s", "--check", "races"];
    args.extend_from_slice(&SMALL);
    let o = zw(&args, dir.path());
    assert_eq!(code(&o), 7, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    for want in [
        "1 race found",
        "race on chip 0 tile 0 spad",
        "(8 bytes)",
        "write by chip 0 tile 0 dma-in engine",
        "`dma.in x8, x9, s0`",
        "read  by chip 0 tile 0 core",
        "`ld x10, 64(x8)`",
        "cycle",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(text(&o.stdout).contains("every tile halted"));
    // The same program without the check: a clean exit.
    let o = zw(&["run", "racy.s", "--set", "chip.tiles_x=1"], dir.path());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    args[1] = "clean.s";
    let o = zw(&args, dir.path());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("race"), "{}", text(&o.stderr));
}

#[test]
fn check_races_with_reference_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.s", &PROGRAM.replace("{WAIT}", ""));
    let o = zw(
        &["run", "p.s", "--check", "races", "--reference"],
        dir.path(),
    );
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--check races"));
}

#[test]
fn the_exit_codes_in_help_include_races() {
    let o = zw(&["run", "--help"], std::path::Path::new("."));
    assert!(
        text(&o.stdout).contains("7 races found"),
        "{}",
        text(&o.stdout)
    );
}
