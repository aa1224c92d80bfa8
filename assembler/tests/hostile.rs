//! Hostile sources: legal but deep, endless or huge inputs end with a message at the line that
//! asked too much, in bounded time, memory and stack. Each case injects small limits where the
//! default ones would take long to reach.

use assembler::{Assembler, Image, Limits, MemoryFiles, Options};
use std::fmt::Write;

/// Assembles `text` (named `input.s`) with `limits`, reading no files.
fn assemble_with(text: &str, limits: Limits) -> Result<Image, String> {
    let loader = MemoryFiles::default();
    let options = Options {
        limits,
        ..Options::default()
    };
    let mut a = Assembler::with_loader(options, &loader);
    a.add_source("input.s", text);
    a.assemble()
        .map(|o| o.image)
        .map_err(|r| r.to_plain_string())
}

/// Runs `f` on a thread with a stack of `bytes`: recursion as deep as the input overflows it.
fn on_small_stack<T: Send + 'static>(bytes: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(bytes)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("the thread ends")
}

/// Asserts that `text` contains each of `parts`.
fn says(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "expected {p:?} in:\n{text}");
    }
}

#[test]
fn a_long_forward_equ_chain_resolves_without_recursion() {
    const N: usize = 30_000;
    let mut text = String::from(".global _start\n_start: halt\n.data\nfirst: .dword a0\n");
    for i in 0..N - 1 {
        writeln!(text, ".equ a{i}, a{} + 1", i + 1).unwrap();
    }
    writeln!(text, ".equ a{}, 1", N - 1).unwrap();
    // Used in pass 1 too, once the whole chain is there.
    text.push_str("last: .dword a0\n");
    let image = on_small_stack(1 << 20, move || assemble_with(&text, Limits::default())).unwrap();
    let data = &image.section(".data").unwrap().data;
    assert_eq!(data[..8], (N as u64).to_le_bytes());
    assert_eq!(data[8..16], (N as u64).to_le_bytes());
    assert_eq!(image.symbol("a0").unwrap().value, N as u64);
}

#[test]
fn a_long_equ_cycle_is_one_error_at_the_line_that_closes_it() {
    let mut text = String::new();
    for i in 0..10_000 {
        writeln!(text, ".equ b{i}, b{}", i + 1).unwrap();
    }
    text.push_str(".equ b10000, b0\n.dword b0\n");
    let m = on_small_stack(1 << 20, move || assemble_with(&text, Limits::default())).unwrap_err();
    says(
        &m,
        &[
            "symbol `b0` is defined in terms of itself",
            "input.s:10001:14",
            ".equ b10000, b0",
        ],
    );
}

/// `_start` and a `halt`, so that a source that ends assembles.
const START: &str = ".global _start\n_start: halt\n";

fn limits(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits::default();
    f(&mut l);
    l
}

#[test]
fn repeated_comments_and_blank_lines_count_against_the_statement_limit() {
    let text = format!("{START}.rept 1000\n.rept 1000\n# nothing\n\n.endr\n.endr\n");
    let m = assemble_with(&text, limits(|l| l.max_statements = 10_000)).unwrap_err();
    says(
        &m,
        &[
            "more than 10000 statements and lines",
            "input.s:5:1",
            "4 │ .rept 1000",
            "5 │ # nothing",
        ],
    );
}

/// A message naming `line` of `input.s` and showing it.
fn error_at(text: &str, limits: Limits, line: usize, source: &str, message: &str) {
    let m = assemble_with(text, limits).unwrap_err();
    says(
        &m,
        &[
            message,
            &format!("input.s:{line}:"),
            &format!("{line} │ {source}"),
        ],
    );
}

#[test]
fn huge_spaces_and_alignments_are_refused_before_they_are_made() {
    // The default limits: each would allocate gigabytes if it were made.
    let d = Limits::default;
    let beyond = "would grow by";
    error_at(
        &format!("{START}.data\n.space 0xffffffff\n"),
        d(),
        4,
        ".space 0xffffffff",
        beyond,
    );
    error_at(
        &format!("{START}.data\n.byte 1\n.align 32\n"),
        d(),
        5,
        ".align 32",
        beyond,
    );
    error_at(
        &format!("{START}.byte 1\n.p2align 31\n"),
        d(),
        4,
        ".p2align 31",
        beyond,
    );
    error_at(
        &format!("{START}.data\n.balign 0x80000000, 7\n.byte 1\n.balign 0x80000000, 7\n"),
        d(),
        6,
        ".balign 0x80000000, 7",
        beyond,
    );
    // Padding in code is checked whole, not nop by nop up to the limit.
    let small = limits(|l| l.max_section_bytes = 1 << 16);
    error_at(
        &format!("{START}.p2align 20\n"),
        small,
        3,
        ".p2align 20",
        beyond,
    );
}

#[test]
fn many_sections_together_are_bounded() {
    let mut text = String::from(START);
    for i in 0..8 {
        writeln!(text, ".section .data.s{i}\n.space 0x100000").unwrap();
    }
    let l = limits(|l| {
        l.max_section_bytes = 1 << 20;
        l.max_output_bytes = 4 << 20;
    });
    error_at(
        &text,
        l,
        10,
        ".space 0x100000",
        "beyond 4194304 bytes in all",
    );
}

#[test]
fn an_empty_irp_in_a_huge_rept_is_bounded_by_the_expansion_budget() {
    let text = format!("{START}.rept 1000000000\n.irp x\n.endr\n.endr\n");
    let l = limits(|l| l.max_expansion_bytes = 64 << 10);
    error_at(
        &text,
        l,
        4,
        ".irp x",
        "expansions need more than 65536 bytes in all",
    );
}

#[test]
fn a_self_doubling_macro_is_refused_before_its_text_is_built() {
    let text = format!("{START}.macro d a\nd \\a\\a\n.endm\nd xy\n");
    // Nesting alone would allow 2^100 bytes.
    let l = limits(|l| l.max_expansion_bytes = 1 << 20);
    error_at(
        &text,
        l,
        6,
        "d xy",
        "expansions need more than 1048576 bytes in all",
    );
}

/// Assembles `text` reading files from the file system.
fn assemble_fs(text: &str, limits: Limits) -> Result<Image, String> {
    let options = Options {
        limits,
        ..Options::default()
    };
    let mut a = Assembler::new(options);
    a.add_source("input.s", text);
    a.assemble()
        .map(|o| o.image)
        .map_err(|r| r.to_plain_string())
}

/// A sparse file of `len` bytes (no disk blocks) that starts with `head`; removed on drop.
struct Sparse(std::path::PathBuf);

impl Sparse {
    fn new(name: &str, head: &[u8], len: u64) -> Sparse {
        let path = std::env::temp_dir().join(format!("zw-hostile-{}-{name}", std::process::id()));
        let f = std::fs::File::create(&path).unwrap();
        std::io::Write::write_all(&mut &f, head).unwrap();
        f.set_len(len).unwrap();
        Sparse(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Sparse {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn incbin_reads_only_the_range_it_takes() {
    // 3 GiB, of which 16 bytes are read.
    let big = Sparse::new("incbin.bin", b"0123456789abcdef", 3 << 30);
    let text = format!(
        "{START}.data\n.incbin \"{p}\", 0, 16\n.incbin \"{p}\", 0xbffffff8, 8\n",
        p = big.path()
    );
    let image = assemble_fs(&text, Limits::default()).unwrap();
    let data = &image.section(".data").unwrap().data;
    assert_eq!(&data[..16], b"0123456789abcdef");
    assert_eq!(data[16..], [0; 8]);
    // Past the end, and a whole file larger than a section: errors naming the file and line.
    let text = format!(
        "{START}.data\n.incbin \"{p}\", 0xbffffff8, 9\n.incbin \"{p}\"\n",
        p = big.path()
    );
    let m = assemble_fs(&text, Limits::default()).unwrap_err();
    says(
        &m,
        &[
            &format!(
                "`{}` has 3221225472 bytes; offset 3221225464 and count 9",
                big.path()
            ),
            "input.s:4:1",
            "input.s:5:1",
            "has 3221225472 bytes from offset 0 on, more than 268435456, the most one section holds",
        ],
    );
    // In memory too.
    let loader = MemoryFiles {
        files: vec![("/d.bin".into(), b"abcdef".to_vec())],
    };
    let mut a = Assembler::with_loader(Options::default(), &loader);
    a.add_source(
        "input.s",
        format!("{START}.data\n.incbin \"/d.bin\", 2\n.incbin \"/d.bin\", 1, 2\n"),
    );
    let image = a.assemble().map_err(|r| r.to_plain_string()).unwrap().image;
    assert_eq!(image.section(".data").unwrap().data, b"cdefbc");
}

#[cfg(unix)]
#[test]
fn endless_files_are_read_no_further_than_a_limit() {
    let small = || {
        limits(|l| {
            l.max_source_bytes = 1 << 16;
            l.max_section_bytes = 1 << 16;
        })
    };
    // A range of an endless file is fine.
    let image = assemble_fs(
        &format!("{START}.data\n.incbin \"/dev/zero\", 100, 16\n"),
        small(),
    )
    .unwrap();
    assert_eq!(image.section(".data").unwrap().data, [0; 16]);
    let m = assemble_fs(
        &format!(
            "{START}.data\n.incbin \"/dev/zero\"\n.incbin \"/dev/zero\", 0x7fffffffffff, 16\n.include \"/dev/zero\"\n"
        ),
        small(),
    )
    .unwrap_err();
    says(
        &m,
        &[
            "`/dev/zero` is not a regular file and does not end within 65536 bytes",
            "input.s:4:1",
            "`/dev/zero` is not a regular file: offset 140737488355327 plus count 16 is beyond 65536",
            "input.s:5:1",
            "cannot read `/dev/zero`: it is longer than 65536 bytes, the limit",
            "input.s:6:10",
        ],
    );
}

#[test]
fn source_files_larger_than_the_limit_are_refused_unread() {
    let big = Sparse::new("big.s", b"# a comment\n", 3 << 30);
    let mut a = Assembler::new(Options::default());
    let e = a.add_file(big.0.as_ref()).unwrap_err();
    assert!(e.to_string().contains("longer than 67108864 bytes"), "{e}");
    let m = assemble_fs(
        &format!("{START}.include \"{}\"\n", big.path()),
        Limits::default(),
    )
    .unwrap_err();
    says(
        &m,
        &[
            "it is longer than 67108864 bytes, the limit",
            "input.s:3:10",
        ],
    );
}

#[test]
fn values_waiting_for_later_symbols_are_bounded() {
    let text = format!(
        "{START}.data\n.rept 1000000000\n.dword later\n.endr\nlater:\n.text\n.rept 1000000000\nli x5, more\n.endr\n.equ more, 1\n"
    );
    let l = limits(|l| l.max_fixup_bytes = 1 << 20);
    error_at(
        &text,
        l,
        5,
        ".dword later",
        "values waiting for later symbols need more than 1048576 bytes",
    );
    // A program with fewer fixups than the budget assembles.
    let text = format!("{START}.data\n.rept 100\n.dword later\n.endr\nlater:\n");
    assemble_with(&text, limits(|l| l.max_fixup_bytes = 1 << 20)).unwrap();
}

#[test]
fn repeated_includes_count_against_the_expansion_budget() {
    let loader = MemoryFiles {
        files: vec![("/inc.s".into(), vec![b'#'; 10_000])],
    };
    let options = Options {
        limits: limits(|l| l.max_expansion_bytes = 1 << 20),
        ..Options::default()
    };
    let mut a = Assembler::with_loader(options, &loader);
    a.add_source(
        "input.s",
        format!("{START}.rept 1000000\n.include \"/inc.s\"\n.endr\n"),
    );
    let m = a.assemble().map(drop).unwrap_err().to_plain_string();
    says(
        &m,
        &[
            "expansions need more than 1048576 bytes in all",
            "input.s:4:1",
            "4 │ .include \"/inc.s\"",
        ],
    );
}

#[test]
fn shared_and_wide_equ_dependencies_resolve_once() {
    // A diamond, and one symbol waiting on 300 chains: each symbol is evaluated a bounded number
    // of times.
    let mut text = format!("{START}.data\n.dword a, wide\n.equ a, b + c\n.equ b, d\n.equ c, d\n");
    let terms: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
    writeln!(text, ".equ wide, {}", terms.join(" + ")).unwrap();
    for i in 0..300 {
        writeln!(text, ".equ w{i}, v{i} * 2\n.equ v{i}, d").unwrap();
    }
    text.push_str(".equ d, 5\n");
    let image = on_small_stack(1 << 20, move || assemble_with(&text, Limits::default())).unwrap();
    let data = &image.section(".data").unwrap().data;
    assert_eq!(data[..8], 10u64.to_le_bytes());
    assert_eq!(data[8..16], 3000u64.to_le_bytes());
    // A cycle below the symbol asked for.
    let text = format!("{START}.data\n.dword r\n.equ r, x + 1\n.equ x, y\n.equ y, x\n");
    let m = assemble_with(&text, Limits::default()).unwrap_err();
    says(&m, &["is defined in terms of itself"]);
}
