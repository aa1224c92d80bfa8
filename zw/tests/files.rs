//! Hostile files and streams: a closed or full standard output, outputs that are inputs or
//! devices, pipes and directories given as inputs, and sizes that overflow.

mod common;

use common::{code, text, write, zw};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SMALL: [&str; 4] = ["--set", "chip.tiles_x=2", "--set", "chip.tiles_y=1"];
const HALT: &str = ".global _start\n_start: halt\n";

/// Runs `zw` in `dir` with `stdout` as its standard output.
fn zw_to(args: &[&str], dir: &Path, stdout: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zw"))
        .args(args)
        .current_dir(dir)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("zw runs")
}

/// A pipe whose reader is already gone, as `| head -0` leaves it.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

/// A device that is always full.
fn full() -> Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
        .into()
}

fn run_args<'a>(program: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", program];
    args.extend_from_slice(&SMALL);
    args.extend_from_slice(extra);
    args
}

/// Exit 1, no panic, and a message that says what happened to standard output.
fn assert_stdout_error(o: &Output, what: &str) {
    let err = text(&o.stderr);
    assert_eq!(code(o), 1, "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(err.contains("standard output"), "{what}: {err}");
}

#[test]
fn a_closed_or_full_stdout_is_an_io_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", HALT);
    let commands: [&[&str]; 5] = [
        &run_args("p.s", &[]),
        &run_args("p.s", &["--reference"]),
        &["config", "show"],
        &["bench", "core", "--iterations", "10"],
        &["bench", "core", "--iterations", "10", "--json"],
    ];
    for args in commands {
        let o = zw_to(args, d, closed_pipe());
        assert_stdout_error(&o, &format!("{args:?} | head -0"));
        assert!(text(&o.stderr).contains("closed"), "{}", text(&o.stderr));
        let o = zw_to(args, d, full());
        assert_stdout_error(&o, &format!("{args:?} > /dev/full"));
        assert!(text(&o.stderr).contains("no space"), "{}", text(&o.stderr));
    }
}

#[test]
fn run_writes_its_files_even_when_stdout_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", ".global _start\n_start: li x5, 3\nhalt\n");
    let o = zw_to(
        &run_args(
            "p.s",
            &["--stats", "s.json", "--dump", "0x10000000000:16=d.bin"],
        ),
        d,
        full(),
    );
    assert_stdout_error(&o, "run > /dev/full");
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("s.json")).unwrap()).unwrap();
    assert_eq!(stats["exit"], "halted");
    assert_eq!(std::fs::read(d.join("d.bin")).unwrap().len(), 16);
    // And to a working stdout, the summary as before.
    let o = zw(&run_args("p.s", &[]), d);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("every tile halted"));
}

#[test]
fn asm_refuses_an_output_that_is_an_input_and_leaves_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "x.s", HALT);
    write(d, "inc.s", ".include \"part.inc\"\n");
    write(d, "part.inc", HALT);
    write(d, "bad.s", ".include \"part.inc\"\nnot_an_instruction x1\n");
    std::fs::hard_link(d.join("x.s"), d.join("alias.s")).unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["asm", "x.s", "-o", "x.s"], "x.s"),
        (&["asm", "x.s", "-o", "./x.s"], "x.s"),
        // The same file under another name.
        (&["asm", "x.s", "-o", "alias.s"], "x.s"),
        // An included file, after a good assembly and after a bad one.
        (&["asm", "inc.s", "-o", "part.inc"], "part.inc"),
        (&["asm", "bad.s", "-o", "part.inc"], "part.inc"),
    ];
    for (args, kept) in cases {
        let o = zw(args, d);
        let err = text(&o.stderr);
        assert_eq!(code(&o), 2, "{args:?}: {err}");
        assert!(
            err.contains("would overwrite") && err.contains(kept),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(d.join(kept)).unwrap(), HALT);
    }
    let o = zw(&["asm", "x.s", "-o", "out.elf"], d);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let o = zw(&["objdump", "out.elf", "-o", "out.elf"], d);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        std::fs::read(d.join("out.elf"))
            .unwrap()
            .starts_with(b"\x7fELF")
    );
}

#[test]
fn an_output_that_is_a_device_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "x.s", HALT);
    std::os::unix::fs::symlink("/dev/null", d.join("null")).unwrap();
    let o = zw(&["asm", "x.s", "-o", "null"], d);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let o = zw(&["asm", "x.s", "-o", "x.elf"], d);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let o = zw(&["objdump", "x.elf", "-o", "null"], d);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let link = std::fs::symlink_metadata(d.join("null")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert_eq!(
        std::fs::read_link(d.join("null")).unwrap(),
        Path::new("/dev/null")
    );
    // A directory is refused by name.
    std::fs::create_dir(d.join("out")).unwrap();
    let o = zw(&["asm", "x.s", "-o", "out"], d);
    assert_eq!(code(&o), 1);
    let err = text(&o.stderr);
    assert!(
        err.contains("out") && err.contains("is a directory"),
        "{err}"
    );
}

#[test]
fn run_refuses_two_outputs_to_one_file_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", HALT);
    let cases: [&[&str]; 4] = [
        &["--stats", "x", "--trace", "x"],
        &["--stats", "x", "--dump", "0x10000000000:16=./x"],
        &[
            "--dump",
            "0x10000000000:16=x",
            "--dump",
            "0x10000000000:8=x",
        ],
        &["--dump", "0x10000000000:16=p.s"],
    ];
    for extra in cases {
        let o = zw(&run_args("p.s", extra), d);
        let err = text(&o.stderr);
        assert_eq!(code(&o), 2, "{extra:?}: {err}");
        assert!(err.contains('x') || err.contains("p.s"), "{err}");
        assert!(o.stdout.is_empty(), "{extra:?} ran");
        assert!(!d.join("x").exists());
        assert_eq!(std::fs::read_to_string(d.join("p.s")).unwrap(), HALT);
    }
    // Devices discard whatever reaches them: no clash.
    let o = zw(
        &run_args("p.s", &["--stats", "/dev/null", "--trace", "/dev/null"]),
        d,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
}

#[test]
fn a_dump_too_large_or_out_of_range_is_a_usage_error_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", HALT);
    let cases = [
        // 2^62 fp32 elements: 2^64 bytes.
        ("0x10000000000:fp32[4611686018427387904]=big.npy", "2^64"),
        ("0x10000000000:fp32[4294967296,4294967296]=big.npy", "2^64"),
        ("0x10000000000:99999999999999=big.bin", "0x10000000000"),
        ("0x10000000000:fp32[1000000000]=big.npy", "0x10000000000"),
        ("0:8=big.bin", "instruction memory"),
    ];
    for (spec, want) in cases {
        let o = zw(&run_args("p.s", &["--dump", spec]), d);
        let err = text(&o.stderr);
        assert_eq!(code(&o), 2, "{spec}: {err}");
        assert!(err.contains(spec) && err.contains(want), "{spec}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(o.stdout.is_empty(), "{spec}: the program ran");
        assert!(!d.join("big.npy").exists() && !d.join("big.bin").exists());
    }
}

#[test]
fn npy_write_refuses_a_shape_whose_byte_count_overflows() {
    let e = emulator::npy::write(isa::DType::Fp32, &[1 << 62], &[]).unwrap_err();
    assert!(e.to_string().contains("2^64"), "{e}");
}

/// Makes a named pipe at `path`.
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(ok.success());
}

#[test]
fn load_reads_a_pipe_and_refuses_directories_and_endless_streams_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", HALT);
    // As `--load <(cmd)@ADDR` gives it: a pipe, written while zw reads it.
    let fifo = d.join("fifo");
    mkfifo(&fifo);
    let values: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(7)).collect();
    let writer = {
        let (fifo, values) = (fifo.clone(), values.clone());
        std::thread::spawn(move || std::fs::write(fifo, values))
    };
    let o = zw(
        &run_args(
            "p.s",
            &[
                "--load",
                "fifo@0x10000000000",
                "--dump",
                "0x10000000000:64=out.bin",
            ],
        ),
        d,
    );
    if !writer.is_finished() {
        // zw never opened the pipe: let the writer finish rather than hang.
        let _ = std::fs::read(&fifo);
    }
    writer.join().unwrap().unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(std::fs::read(d.join("out.bin")).unwrap(), values);

    // A stream that never ends is read only as far as the memory at ADDR reaches.
    let o = zw(&run_args("p.s", &["--load", "/dev/zero@0x10000000000"]), d);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("/dev/zero") && err.contains("stream longer"),
        "{err}"
    );

    std::fs::create_dir(d.join("dir")).unwrap();
    std::fs::create_dir(d.join("dir.s")).unwrap();
    for args in [
        run_args("p.s", &["--load", "dir@0x10000000000"]),
        run_args("dir", &[]),
        run_args("dir.s", &[]),
    ] {
        let o = zw(&args, d);
        let err = text(&o.stderr);
        assert_eq!(code(&o), 1, "{args:?}: {err}");
        assert!(
            err.contains("dir") && err.contains("is a directory"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn dump_finds_a_symbol_by_name_when_another_shares_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "p.s",
        "
        .data
first:  
        .global out
out:    .byte 1, 2, 3, 4
        .text
main:
        .global _start
_start: halt
",
    );
    let o = zw(
        &run_args("p.s", &["--dump", "out:4=o.bin", "--dump", "out+1:2=p.bin"]),
        d,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(std::fs::read(d.join("o.bin")).unwrap(), [1, 2, 3, 4]);
    assert_eq!(std::fs::read(d.join("p.bin")).unwrap(), [2, 3]);
    // `_start` is found too (and refused for what it is: code).
    let o = zw(&run_args("p.s", &["--dump", "_start:8=s.bin"]), d);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("instruction memory"), "{err}");
}
