//! The hostile-input suite: what a user or a script may hand zw, each case run as the `zw` binary
//! under a limit on its address space (`ulimit -v`) and a deadline. Whatever the input, zw must
//! end on its own within both, with its documented exit code and a message that names the
//! problem: never a panic, an abort or a signal. The tests follow the classes: panics, lost files,
//! bounded time, bounded memory, odd paths (docs/testing.md, "Hostile inputs").

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a case may use: address space and wall-clock time.
#[derive(Clone, Copy)]
struct Bounds {
    mib: u64,
    seconds: u64,
}

/// Commands that assemble nothing large, or nothing at all.
const SMALL: Bounds = Bounds {
    mib: 256,
    seconds: 30,
};

/// Assemblies: the assembler's own budgets (sections, expansions, fixups; assembler::limits)
/// add up to about 1 GiB.
const ASSEMBLY: Bounds = Bounds {
    mib: 1024,
    seconds: 60,
};

const HALT: &str = ".global _start\n_start: halt\n";
const ONE_TILE: [&str; 4] = ["--set", "chip.tiles_x=1", "--set", "chip.tiles_y=1"];

/// How a bounded run ended.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Bytes as text.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `zw args` in `dir` within `bounds`, standard output to `stdout` (a file by default).
fn bounded_to(dir: &Path, args: &[&str], bounds: Bounds, stdout: Option<Stdio>) -> Ran {
    let out_path = dir.join(".stdout");
    let err_path = dir.join(".stderr");
    let stdout_given = stdout.is_some();
    let stdout = stdout.unwrap_or_else(|| std::fs::File::create(&out_path).unwrap().into());
    let stderr = std::fs::File::create(&err_path).unwrap();
    // `exec` keeps the pid: the deadline kills zw itself.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v "$0" && ulimit -c 0 && exec "$@""#)
        .arg((bounds.mib * 1024).to_string())
        .arg(env!("CARGO_BIN_EXE_zw"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("sh runs");
    let deadline = Instant::now() + Duration::from_secs(bounds.seconds);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} did not end within {} s", bounds.seconds);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stderr = text(&std::fs::read(&err_path).unwrap());
    let stdout = if stdout_given {
        String::new()
    } else {
        text(&std::fs::read(&out_path).unwrap())
    };
    let code = match status.code() {
        Some(c) => c,
        None => {
            use std::os::unix::process::ExitStatusExt;
            panic!(
                "{args:?} was killed by signal {:?} within {} MiB:\n{stderr}",
                status.signal(),
                bounds.mib
            );
        }
    };
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    Ran {
        code,
        stdout,
        stderr,
    }
}

fn bounded(dir: &Path, args: &[&str], bounds: Bounds) -> Ran {
    bounded_to(dir, args, bounds, None)
}

/// Asserts the exit code, and that stderr says each of `says`.
fn expect(ran: &Ran, args: &[&str], code: i32, says: &[&str]) {
    assert_eq!(ran.code, code, "{args:?}:\n{}", ran.stderr);
    for s in says {
        assert!(
            ran.stderr.contains(s),
            "{args:?} does not say `{s}`:\n{}",
            ran.stderr
        );
    }
}

/// Runs each case `(args, bounds, exit code, what stderr says)` in `dir`.
fn cases(dir: &Path, cases: &[(&[&str], Bounds, i32, &[&str])]) {
    for &(args, bounds, code, says) in cases {
        let ran = bounded(dir, args, bounds);
        expect(&ran, args, code, says);
    }
}

fn write(dir: &Path, name: &str, content: &str) {
    std::fs::write(dir.join(name), content).unwrap();
}

/// Makes a named pipe at `path`.
fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// An `.npy` file whose header is `dict`.
fn npy_with(dict: &str) -> Vec<u8> {
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&[0; 4]);
    out
}

#[test]
fn no_input_makes_zw_panic_or_abort() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", HALT);
    std::fs::write(
        d.join("accent.npy"),
        npy_with("{'descr': '<é4', 'fortran_order': False, 'shape': (1,), }"),
    )
    .unwrap();
    // A 30,000-long forward chain of `.equ`s, each defined by the next.
    let mut chain = String::from(".data\n.word s0\n");
    for i in 0..30_000 {
        chain += &format!(".equ s{i}, s{} + 1\n", i + 1);
    }
    chain += ".equ s30000, 0\n.text\n.global _start\n_start: halt\n";
    write(d, "chain.s", &chain);
    let dotted = format!("{}=1", vec!["a"; 40_000].join("."));
    cases(
        d,
        &[
            (
                &["run", "p.s", "--load", "accent.npy@0x10000000000"],
                SMALL,
                1,
                &["accent.npy", "element type"],
            ),
            (&["asm", "chain.s", "-o", "chain.elf"], ASSEMBLY, 0, &[]),
            (&["run", "p.s", "--set", &dotted], SMALL, 2, &["--set"]),
            (
                &[
                    "run",
                    "p.s",
                    "--dump",
                    "0x10000000000:fp32[4611686018427387904]=x.npy",
                ],
                SMALL,
                2,
                &["2^64"],
            ),
            (
                &[
                    "bench", "systolic", "--m", "1000000", "--n", "1000000", "--k", "1000000",
                ],
                SMALL,
                2,
                &["2 GiB"],
            ),
        ],
    );
    // A standard output that is full: exit 1, and the files are still written.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let args = [
        "run",
        "p.s",
        "--stats",
        "s.json",
        "--dump",
        "0x10000000000:8=d.bin",
    ];
    let ran = bounded_to(d, &args, SMALL, Some(full.into()));
    expect(&ran, &args, 1, &["standard output"]);
    assert!(d.join("s.json").exists() && d.join("d.bin").exists());
}

#[test]
fn no_file_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "x.s", HALT);
    std::fs::write(d.join("w.bin"), [7u8; 64]).unwrap();
    cases(
        d,
        &[
            (&["asm", "x.s", "-o", "x.s"], SMALL, 2, &["would overwrite"]),
            // An output onto a file `--load` maps (a SIGBUS when truncated under the mapping).
            (
                &[
                    "run",
                    "x.s",
                    "--load",
                    "w.bin@0x40000000000",
                    "--stats",
                    "w.bin",
                ],
                SMALL,
                2,
                &["would overwrite", "w.bin"],
            ),
            (
                &["run", "x.s", "--stats", "o", "--trace", "o"],
                SMALL,
                2,
                &["same file"],
            ),
        ],
    );
    assert_eq!(std::fs::read_to_string(d.join("x.s")).unwrap(), HALT);
    assert_eq!(std::fs::read(d.join("w.bin")).unwrap(), [7u8; 64]);
    assert!(!d.join("o").exists());
}

#[test]
fn every_input_ends_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "rept.s",
        ".rept 100000\n.rept 100000\n# a comment\n\n.endr\n.endr\n",
    );
    write(d, "double.s", ".macro m\nm\nm\n.endm\nm\n");
    write(d, "spin.s", ".global _start\n_start: j _start\n");
    cases(
        d,
        &[
            (
                &["asm", "rept.s", "-o", "r.elf"],
                ASSEMBLY,
                3,
                &["statements"],
            ),
            (
                &["asm", "double.s", "-o", "m.elf"],
                ASSEMBLY,
                3,
                &["double.s"],
            ),
            (
                &["run", "spin.s", "--max-cycles", "100000"],
                SMALL,
                5,
                &["--max-cycles"],
            ),
        ],
    );
}

#[test]
fn endless_and_huge_inputs_are_read_with_limits() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", HALT);
    write(d, "include.s", ".include \"/dev/zero\"\n");
    write(
        d,
        "incbin.s",
        ".data\n.incbin \"/dev/zero\", 0, 16\n.text\n.global _start\n_start: halt\n",
    );
    // 3 GiB that take no disk: a source, an executable and a configuration.
    for name in ["big.s", "big.elf", "big.toml"] {
        let f = std::fs::File::create(d.join(name)).unwrap();
        f.set_len(3 << 30).unwrap();
    }
    cases(
        d,
        &[
            (
                &["asm", "/dev/zero", "-o", "z.elf"],
                SMALL,
                1,
                &["/dev/zero", "limit"],
            ),
            (
                &["asm", "big.s", "-o", "z.elf"],
                SMALL,
                1,
                &["big.s", "limit"],
            ),
            (&["objdump", "/dev/zero"], SMALL, 1, &["/dev/zero"]),
            (&["objdump", "big.elf"], SMALL, 1, &["big.elf"]),
            (&["run", "big.elf"], SMALL, 1, &["big.elf"]),
            (
                &["asm", "include.s", "-o", "z.elf"],
                ASSEMBLY,
                3,
                &["/dev/zero"],
            ),
            (&["asm", "incbin.s", "-o", "z.elf"], ASSEMBLY, 0, &[]),
            (
                &["config", "check", "/dev/zero"],
                SMALL,
                1,
                &["/dev/zero", "longer"],
            ),
            (
                &["config", "check", "big.toml"],
                SMALL,
                1,
                &["big.toml", "longer"],
            ),
            (
                &["run", "p.s", "--config", "/dev/zero"],
                SMALL,
                1,
                &["/dev/zero", "longer"],
            ),
            (
                &["run", "p.s", "--load", "/dev/zero@0x10000000000"],
                SMALL,
                1,
                &["/dev/zero", "stream longer"],
            ),
        ],
    );
}

#[test]
fn one_line_sources_do_not_allocate_gigabytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sources = [
        ("space.s", ".data\n.space 0xffffffff\n"),
        ("align.s", ".data\n.byte 1\n.align 32\n"),
        ("p2align.s", ".text\nnop\n.p2align 31\n"),
        ("irp.s", ".rept 100000000\n.irp x\n.endr\n.endr\n"),
    ];
    for (name, text) in sources {
        write(d, name, text);
        let args = ["asm", name, "-o", "x.elf"];
        let ran = bounded(d, &args, ASSEMBLY);
        expect(&ran, &args, 3, &[name]);
    }
}

#[test]
fn a_vector_operation_over_the_most_broadcast_elements_takes_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 2^28 fp32 elements, every operand broadcast: 3 GiB if the sources were gathered whole.
    write(
        d,
        "v.s",
        "
        .text
        .global _start
_start: li x5, 0x10000000
        li x20, 0x10000000000
        li x6, 0x3fc00000
        vstride x0, x0, x0
        vfill.fp32 x20, x6, x5
        vadd.fp32 x20, x20, x20, x5
        fence
        halt
",
    );
    let mut args = vec!["run", "v.s", "--dump", "0x10000000000:4=sum.bin"];
    args.extend(ONE_TILE);
    let ran = bounded(d, &args, SMALL);
    expect(&ran, &args, 0, &[]);
    assert_eq!(
        std::fs::read(d.join("sum.bin")).unwrap(),
        3.0f32.to_le_bytes()
    );
}

#[test]
fn a_dump_of_all_of_hbm_streams_to_its_file() {
    use std::io::{Read, Seek, SeekFrom};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", HALT);
    std::fs::write(d.join("w.bin"), b"HELLO").unwrap();
    // The smallest HBM, 4 GiB, holding five bytes at 1 MiB; dumped raw and as .npy.
    let hbm = 4u64 << 30;
    let bin = format!("0x40000000000:{hbm:#x}=all.bin");
    let npy = format!("0x40000000000:u8[{hbm}]=all.npy");
    let mut args = vec![
        "run",
        "p.s",
        "--load",
        "w.bin@0x40000100000",
        "--dump",
        &bin,
    ];
    args.extend([
        "--dump",
        &npy,
        "--set",
        "hbm.stacks=4",
        "--set",
        "hbm.stack_capacity_gib=1",
    ]);
    args.extend(ONE_TILE);
    let ran = bounded(d, &args, SMALL);
    expect(&ran, &args, 0, &[]);
    let read_at = |name: &str, at: u64, n: usize| {
        let mut f = std::fs::File::open(d.join(name)).unwrap();
        f.seek(SeekFrom::Start(at)).unwrap();
        let mut buf = vec![0u8; n];
        f.read_exact(&mut buf).unwrap();
        buf
    };
    assert_eq!(std::fs::metadata(d.join("all.bin")).unwrap().len(), hbm);
    assert_eq!(read_at("all.bin", (1 << 20) - 2, 8), b"\0\0HELLO\0");
    assert_eq!(read_at("all.bin", hbm - 4, 4), [0; 4]);
    let header = read_at("all.npy", 0, 128);
    let header_len = 10 + u16::from_le_bytes([header[8], header[9]]) as u64;
    let text = text(&header[10..header_len as usize]);
    assert!(text.contains(&format!("'shape': ({hbm},)")), "{text}");
    assert_eq!(
        std::fs::metadata(d.join("all.npy")).unwrap().len(),
        header_len + hbm
    );
    assert_eq!(read_at("all.npy", header_len + (1 << 20), 5), b"HELLO");
}

#[test]
fn the_largest_system_builds_and_runs_hello_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hello = Path::new(env!("CARGO_MANIFEST_DIR")).join("../programs/examples/hello.s");
    std::fs::copy(hello, d.join("hello.s")).unwrap();
    // 16,384 chips of 16 tiles: 262,144 tiles, each with its scratchpad and accumulator.
    let args = [
        "run",
        "hello.s",
        "--set",
        "topology.chips=16384",
        "--set",
        "topology.kind=server",
        "--set",
        "topology.chips_per_server=16",
        // Streamed: held whole, the stats of 262,144 tiles are more than 1 GiB of text.
        "--stats",
        "/dev/null",
        "--dump",
        "0x10000000028:26=message.txt",
    ];
    let ran = bounded(
        d,
        &args,
        Bounds {
            mib: 2048,
            seconds: 300,
        },
    );
    expect(&ran, &args, 0, &[]);
    assert!(
        ran.stdout.contains("16 tiles x 16384 chips"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("every tile halted"), "{}", ran.stdout);
    assert_eq!(
        std::fs::read_to_string(d.join("message.txt")).unwrap(),
        "hello, world from tile 00\n"
    );
}

#[test]
fn odd_paths_get_right_answers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.s", HALT);
    std::fs::create_dir(d.join("dir")).unwrap();
    cases(
        d,
        &[
            (
                &["run", "p.s", "--dump", "_start:8=s.bin"],
                SMALL,
                2,
                &["instruction memory"],
            ),
            (&["run", "dir"], SMALL, 1, &["dir", "is a directory"]),
            (
                &["run", "p.s", "--load", "dir@0x10000000000"],
                SMALL,
                1,
                &["dir", "is a directory"],
            ),
            // 2^22 · 2^21 · 2^21 = 2^64, which wraps to 0.
            (
                &[
                    "run",
                    "p.s",
                    "--set",
                    "topology.kind=torus",
                    "--set",
                    "topology.dims=[4194304,2097152,2097152]",
                ],
                SMALL,
                2,
                &["topology.dims", "product"],
            ),
        ],
    );

    // A valid executable arriving through a pipe (`zw run <(cat prog.elf)`) runs.
    let ran = bounded(d, &["asm", "p.s", "-o", "p.elf"], ASSEMBLY);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let elf = std::fs::read(d.join("p.elf")).unwrap();
    for name in ["pipe", "pipe.s"] {
        let fifo = d.join(name);
        mkfifo(&fifo);
        let source = if name.ends_with(".s") {
            HALT.as_bytes().to_vec()
        } else {
            elf.clone()
        };
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, source))
        };
        let args = ["run", name];
        let ran = bounded(d, &args, SMALL);
        if !writer.is_finished() {
            // zw never opened the pipe: let the writer finish rather than hang.
            let _ = std::fs::read(&fifo);
        }
        writer.join().unwrap().unwrap();
        expect(&ran, &args, 0, &[]);
        assert!(ran.stdout.contains("every tile halted"), "{}", ran.stdout);
    }
}
