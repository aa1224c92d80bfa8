//! Every pseudo-instruction of `isa::pseudo`'s table (docs/isa.md, "Pseudo-instructions")
//! assembles to the instructions its row says it stands for.

use assembler::assemble_str;
use isa::pseudo::{PSEUDO_INSTRUCTIONS, PseudoSpec};

fn code(body: &str) -> Vec<u8> {
    let text = format!(".global _start\n_start:\n{body}\nt: halt\n.data\nsym: .dword 0\n");
    assemble_str(&text)
        .unwrap_or_else(|r| panic!("{body}:\n{r}"))
        .code()
}

/// The row's expansion with its operand names replaced by the example's operands.
fn expected(row: &PseudoSpec) -> String {
    let (_, operands) = row.example.split_once(' ').unwrap_or((row.example, ""));
    let values: Vec<&str> = operands.split(", ").filter(|s| !s.is_empty()).collect();
    let names: Vec<&str> = row.operands().collect();
    assert_eq!(names.len(), values.len(), "{}", row.example);
    let mut out = String::new();
    let mut word = String::new();
    for c in row
        .expansion
        .replace("; ", "\n")
        .chars()
        .chain(std::iter::once('\n'))
    {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        match names.iter().position(|n| *n == word) {
            Some(i) => out.push_str(values[i]),
            None => out.push_str(&word),
        }
        word.clear();
        out.push(c);
    }
    out
}

#[test]
fn each_pseudo_instruction_expands_as_its_row_says() {
    for row in PSEUDO_INSTRUCTIONS {
        let expansion = expected(row);
        assert_eq!(
            code(row.example),
            code(&expansion),
            "{} as {expansion}",
            row.example
        );
    }
}

#[test]
fn rows_with_conditions_expand_differently() {
    // `li` has two rows; each example must pick its own expansion, not the other's.
    let li: Vec<&PseudoSpec> = PSEUDO_INSTRUCTIONS
        .iter()
        .filter(|r| r.mnemonic() == "li")
        .collect();
    assert_eq!(li.len(), 2);
    assert_ne!(code(li[0].example).len(), code(li[1].example).len());
}

#[test]
fn expected_text_substitutes_whole_operand_names() {
    let li = &PSEUDO_INSTRUCTIONS
        .iter()
        .find(|r| r.mnemonic() == "li" && r.condition == "otherwise")
        .unwrap();
    assert_eq!(
        expected(li).trim_end(),
        "lui x5, %hi(0x123456789)\naddi x5, x5, %lo(0x123456789)"
    );
}
