//! The pseudo-instructions are exactly those of docs/isa.md's table, and each expands to the
//! instructions the table shows.

use assembler::assemble_str;

/// The names in the first column of docs/isa.md's "Pseudo-instructions" table.
fn documented() -> Vec<String> {
    let manual =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/isa.md")).unwrap();
    let section = manual
        .split("## Pseudo-instructions")
        .nth(1)
        .expect("the manual has the table");
    let section = section.split("\n## ").next().unwrap();
    let mut names = Vec::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let first = row.split(" | ").next().unwrap();
        for piece in first.split('`').skip(1).step_by(2) {
            names.push(
                piece
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches(',')
                    .to_string(),
            );
        }
    }
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_pseudo_instructions_are_exactly_the_documented_ones() {
    let mut ours: Vec<String> = assembler::PSEUDOS.iter().map(|s| s.to_string()).collect();
    ours.sort();
    assert_eq!(ours, documented());
}

fn code(body: &str) -> Vec<u8> {
    let text = format!(".global _start\n_start:\n{body}\nt: halt\n.data\nsym: .dword 0\n");
    assemble_str(&text)
        .unwrap_or_else(|r| panic!("{body}:\n{r}"))
        .code()
}

#[test]
fn each_pseudo_instruction_expands_as_documented() {
    let cases: &[(&str, &str)] = &[
        ("nop", "addi x0, x0, 0"),
        ("mv x5, x6", "addi x5, x6, 0"),
        ("not x5, x6", "xori x5, x6, -1"),
        ("neg x5, x6", "sub x5, x0, x6"),
        ("li x5, -7", "addi x5, x0, -7"),
        ("li x5, 0x123456789", "lui x5, 1\naddi x5, x5, 0x23456789"),
        ("la x5, sym", "lui x5, %hi(sym)\naddi x5, x5, %lo(sym)"),
        ("j t", "jal x0, t"),
        ("jr x7", "jalr x0, x7, 0"),
        ("call t", "jal ra, t"),
        ("ret", "jalr x0, ra, 0"),
        ("beqz x5, t", "beq x5, x0, t"),
        ("bnez x5, t", "bne x5, x0, t"),
        ("bgt x1, x2, t", "blt x2, x1, t"),
        ("ble x1, x2, t", "bge x2, x1, t"),
        ("bgtu x1, x2, t", "bltu x2, x1, t"),
        ("bleu x1, x2, t", "bgeu x2, x1, t"),
    ];
    for (pseudo, expansion) in cases {
        assert_eq!(code(pseudo), code(expansion), "{pseudo}");
    }
}
