//! Messages: every source in tests/errors (and every directory of sources, linked together) fails
//! to assemble with the messages in its `.err` file (`BLESS=1` rewrites them). Beyond the golden
//! text, each class of error has an assertion here on what its message must say, so a blessed
//! regression cannot slip through.

mod common;

use common::{assemble_files, cases, check_golden, root};

/// The rendered messages of one case.
fn messages(name: &str) -> String {
    let (_, files) = cases(&root().join("tests/errors"))
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    match assemble_files(&files) {
        Ok(_) => panic!("{name} assembled, but it has errors"),
        Err(report) => report.to_plain_string(),
    }
}

#[test]
fn every_error_source_gives_its_messages() {
    let dir = root().join("tests/errors");
    let mut failures = Vec::new();
    let cases = cases(&root().join("tests/errors"));
    assert!(cases.len() >= 10);
    for (name, files) in cases {
        match assemble_files(&files) {
            Ok(_) => failures.push(format!("{name} assembled, but it has errors")),
            Err(report) => {
                assert!(report.has_errors());
                if let Err(e) =
                    check_golden(&dir.join(format!("{name}.err")), &report.to_plain_string())
                {
                    failures.push(e);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Asserts that `text` contains each of `parts`.
fn says(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "expected {p:?} in:\n{text}");
    }
}

#[test]
fn messages_name_file_line_and_column_and_show_the_line_with_a_caret() {
    let m = messages("several_errors");
    says(
        &m,
        &[
            "┌─ tests/errors/several_errors.s:4:23",
            "4 │         addi    x1, x2\n  │                       ^",
            "┌─ tests/errors/several_errors.s:6:23",
            "^^^",
        ],
    );
}

#[test]
fn several_errors_are_reported_in_one_run() {
    let m = messages("several_errors");
    assert_eq!(
        m.matches("error:").count(),
        5,
        "four errors and the summary:\n{m}"
    );
    says(
        &m,
        &[
            "could not assemble: 4 errors",
            "`addi` needs more operands",
            "the syntax is `addi rd, rs1, imm`",
        ],
    );
}

#[test]
fn a_misspelt_mnemonic_gets_did_you_mean() {
    let m = messages("misspelt_mnemonic");
    says(
        &m,
        &[
            "unknown instruction `addd`",
            "help: did you mean `add`?",
            "unknown instruction `halr`",
            "help: did you mean `halt`?",
            "unknown instruction `vadd`",
            "`vadd` takes 1 suffix: element type (i8, i32, bf16, fp16, fp32), as in `vadd.dt vd, va, vb, rlen`",
            "found `bf61`",
            "did you mean `tile_id`?",
        ],
    );
}

#[test]
fn a_misspelt_directive_gets_did_you_mean() {
    let m = messages("misspelt_directive");
    says(
        &m,
        &[
            "unknown directive `.wrod`",
            "did you mean `.word`?",
            "did you mean `.section`?",
            "section `.dta` has no place in the chip's memory map",
            "did you mean `.data`?",
        ],
    );
}

#[test]
fn an_immediate_that_does_not_fit_states_the_allowed_range() {
    let m = messages("immediate_range");
    says(
        &m,
        &[
            "5000000000 does not fit: allowed -2147483648..=2147483647",
            "64 does not fit: allowed 0..=63",
            "65536 does not fit: allowed 0..=65535",
            "operand `sem` of `sem.set`: 32 does not fit: allowed 0..=31",
            "4 does not fit: allowed 0..=3",
            "1099511627776 does not fit: allowed -2147483648..=2147483647",
            "300 does not fit in a byte: allowed -128..=255",
            "-40000 does not fit in 16 bits: allowed -32768..=65535",
            "4294967296 does not fit in 32 bits: allowed -2147483648..=4294967295",
        ],
    );
}

#[test]
fn errors_in_included_files_show_where_they_were_included() {
    let m = messages("include_origin");
    says(
        &m,
        &[
            "┌─ tests/errors/include_origin.inc:2:25",
            "expected signed 32-bit immediate -2147483648..=2147483647, found register `x3`",
            "┌─ tests/errors/include_origin.s:3:9",
            "included from here",
        ],
    );
}

#[test]
fn errors_in_macros_show_the_definition_line_and_each_invocation() {
    let m = messages("macro_origin");
    says(
        &m,
        &[
            // The definition's line, as expanded.
            "tests/errors/macro_origin.s:2:",
            "addi    x5, x5, 99999999999",
            // The invocations, innermost first.
            "in this invocation of macro `bump`",
            "in this invocation of macro `twice`",
            "macro `bump` needs a value for `amount`",
            "macro `bump` takes 2 arguments, found 3",
        ],
    );
}

#[test]
fn symbol_errors_name_the_symbol_and_both_definitions() {
    let m = messages("symbols");
    says(
        &m,
        &[
            "symbol `loop` is already defined",
            "first defined here",
            "defined again here",
            "symbol `a` is defined in terms of itself",
            "`x3` is a register name and cannot name a symbol",
            "`1b` refers back to a `1:` label, but there is none before it",
            "`2f` refers forward to a `2:` label, but there is none after it",
            "undefined local symbol `.Lnowhere`",
        ],
    );
    // Undefined symbols are found when linking, which only runs on files without errors.
    let m = messages("no_entry");
    says(
        &m,
        &[
            "no entry point: no file defines `_start`",
            "add `.global _start`",
        ],
    );
}

#[test]
fn undefined_and_duplicate_symbols_across_files_are_reported() {
    let m = messages("undefined_local");
    says(
        &m,
        &[
            "undefined symbol `helper`",
            "a local symbol of this name is defined here",
            "help: add `.global helper` in tests/errors/undefined_local/b.s to export it",
            "undefined symbol `helpr`",
            "did you mean `helper`?",
        ],
    );
    let m = messages("duplicate_global");
    says(
        &m,
        &[
            "symbol `helper` is defined in more than one file",
            "┌─ tests/errors/duplicate_global/b.s:2:1",
            "┌─ tests/errors/duplicate_global/a.s:3:1",
            "first defined here",
        ],
    );
}

#[test]
fn misplaced_code_and_data_are_explained() {
    let m = messages("sections_misuse");
    says(
        &m,
        &[
            "instruction at offset 0x9 of `.text` is not 8-byte aligned",
            "add `.balign 8`",
            "instruction in section `.data`, which is not executable",
            "section `.bss` is zero-filled at load and holds no bytes",
            "alignment 2^40 is out of range: allowed 0..=32",
        ],
    );
}

#[test]
fn syntax_errors_say_what_was_expected() {
    let m = messages("syntax");
    says(
        &m,
        &[
            "expected signed 32-bit immediate -2147483648..=2147483647, found register `x3`",
            "expected register x0..x31, found the number `5`",
            "string is not closed",
            "unknown escape sequence",
            "division by zero",
            "`*` cannot combine these addresses",
            "a floating-point number is not an integer expression",
            "expected `)`, found the end of the line",
            "`.if` without `.endif`",
        ],
    );
}

#[test]
fn block_errors_name_the_unclosed_or_stray_directive() {
    let m = messages("blocks");
    says(
        &m,
        &[
            "`.endif` without `.if`",
            "`.endr` without `.rept` or `.irp`",
            "repeat count -1 is negative",
            "`.include`s and macros are nested more than 100 deep",
            "`.macro` without `.endm`",
        ],
    );
}
