//! The instruction table's self-checks and the derivations that rest on it.

use isa::format::FORMATS;
use isa::{INSTRUCTIONS, Instruction, Value, lookup};

#[test]
fn the_table_has_no_overlaps_duplicates_or_stray_fields() {
    let problems = isa::check::table_problems();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_format_is_used_by_some_instruction() {
    for f in FORMATS {
        assert!(
            INSTRUCTIONS.iter().any(|s| std::ptr::eq(s.format, *f)),
            "{} unused",
            f.name
        );
    }
}

#[test]
fn every_mnemonic_looks_up_to_its_own_row() {
    for spec in INSTRUCTIONS {
        let written = std::iter::once(spec.mnemonic.to_string())
            .chain((0..spec.format.suffix_count()).map(|_| "fp32".to_string()))
            .collect::<Vec<_>>()
            .join(".");
        let (found, suffixes) = lookup(&written).unwrap_or_else(|| panic!("{written}"));
        assert_eq!(found.opcode, spec.opcode);
        assert_eq!(suffixes.len(), spec.format.suffix_count());
    }
}

#[test]
fn the_all_zero_word_is_illegal() {
    assert!(Instruction::decode(0).is_err());
    assert!(Instruction::decode(u64::MAX).is_err());
}

#[test]
fn reserved_bits_and_undefined_fields_are_named_in_the_error() {
    let add = lookup("add").unwrap().0;
    let word = add.opcode as u64 | 1 << 40;
    assert_eq!(
        Instruction::decode(word).unwrap_err().to_string(),
        "`add` has reserved bits set: 0x0000010000000000"
    );
    let csrr = lookup("csrr").unwrap().0;
    let word = csrr.opcode as u64 | 0xfff << 32;
    assert_eq!(
        Instruction::decode(word).unwrap_err().to_string(),
        "`csrr` field `csr` holds undefined value 0xfff"
    );
    let vexp = lookup("vexp.fp32").unwrap().0;
    let word = vexp.opcode as u64 | (isa::DType::I8.code() << 28);
    assert_eq!(
        Instruction::decode(word).unwrap_err().to_string(),
        "`vexp` field `dt` holds undefined value 0x0"
    );
    assert_eq!(
        Instruction::decode(0xff).unwrap_err().to_string(),
        "unknown opcode 0xff"
    );
}

#[test]
fn build_takes_operands_in_syntax_order_and_names_the_one_at_fault() {
    let (spec, _) = lookup("ld").unwrap();
    let inst = Instruction::build(
        spec,
        &[Value::Name("x5"), Value::Int(-16), Value::Name("sp")],
        0,
    )
    .unwrap();
    assert_eq!(inst.to_string(), "ld x5, -16(x2)");
    let err = Instruction::build(
        spec,
        &[Value::Name("x5"), Value::Int(1 << 40), Value::Name("sp")],
        0,
    )
    .unwrap_err();
    assert_eq!(err.0, 1);
    assert_eq!(
        err.1.to_string(),
        "1099511627776 does not fit: allowed -2147483648..=2147483647"
    );
    let (spec, suffixes) = lookup("vadd.bf16").unwrap();
    let mut values: Vec<Value> = suffixes.iter().map(|s| Value::Name(s)).collect();
    values.extend(["x1", "x2", "x3", "x4"].map(Value::Name));
    assert_eq!(
        Instruction::build(spec, &values, 0).unwrap().to_string(),
        "vadd.bf16 x1, x2, x3, x4"
    );
    values[0] = Value::Name("e4m3");
    let err = Instruction::build(spec, &values, 0).unwrap_err();
    assert_eq!(err.0, 0);
    assert_eq!(
        err.1.to_string(),
        "expected element type (i8, i32, bf16, fp16, fp32), found `e4m3`"
    );
}

#[test]
fn text_from_the_disassembler_builds_the_same_instruction() {
    // Every row, with operands drawn from its fields' first valid values, prints and re-reads.
    let mut rng = isa::fuzz::SplitMix64(7);
    let mut checked = 0;
    while checked < 20_000 {
        let word = isa::fuzz::interesting_word(&mut rng);
        let Ok(inst) = Instruction::decode(word) else {
            continue;
        };
        let pc = 0x1000;
        let text = inst.to_text_at(pc);
        assert_eq!(reparse(&text, pc), inst, "{text}");
        checked += 1;
    }
}

/// A minimal reader of disassembly text (the assembler proper is in its own crate).
fn reparse(text: &str, pc: u64) -> Instruction {
    let (mnemonic, rest) = text.split_once(' ').unwrap_or((text, ""));
    let (spec, suffixes) = lookup(mnemonic).unwrap();
    let mut values: Vec<Value> = suffixes.iter().map(|s| Value::Name(s)).collect();
    for op in rest.split(", ").filter(|s| !s.is_empty()) {
        let parts: Vec<&str> = op.split(['(', ')']).filter(|s| !s.is_empty()).collect();
        for p in parts {
            values.push(match parse_int(p) {
                Some(v) => Value::Int(v),
                None => Value::Name(p),
            });
        }
    }
    Instruction::build(spec, &values, pc).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

fn parse_int(s: &str) -> Option<i64> {
    if let Some(h) = s.strip_prefix("0x") {
        return u64::from_str_radix(h, 16).ok().map(|v| v as i64);
    }
    s.parse().ok()
}
