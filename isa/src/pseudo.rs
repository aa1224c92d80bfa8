//! Pseudo-instructions: names the assembler accepts that stand for instructions of the table
//! (`mv rd, rs` is `addi rd, rs, 0`). Each row is written once here; the manual's table, the
//! assembler's list of names and operand shapes, and the test of every expansion come from it.

/// One pseudo-instruction, or one of its expansions when it has several (`li`).
#[derive(Debug)]
pub struct PseudoSpec {
    /// How it is written, with operand names: `mv rd, rs`. `rd`, `rs`, `rs1`, `rs2` are
    /// registers, `target` a code address, `value` any 64-bit constant, `symbol` an address.
    pub syntax: &'static str,
    /// The instructions it stands for, `; `-separated, in the same operand names.
    pub expansion: &'static str,
    /// When this expansion applies (`when …`, `otherwise`), if the pseudo-instruction has
    /// several; empty otherwise.
    pub condition: &'static str,
    /// The pseudo-instruction with operands (labels `t` and `sym`), for the manual and the tests.
    pub example: &'static str,
}

impl PseudoSpec {
    /// The name: `mv`.
    pub fn mnemonic(&self) -> &'static str {
        self.syntax.split(' ').next().unwrap_or(self.syntax)
    }

    /// The operand names in order: `rd`, `rs`.
    pub fn operands(&self) -> impl Iterator<Item = &'static str> {
        let rest = self.syntax.split_once(' ').map_or("", |(_, rest)| rest);
        rest.split(", ").filter(|s| !s.is_empty())
    }
}

macro_rules! pseudo {
    ($($syntax:literal => $expansion:literal, $condition:literal, $example:literal;)*) => {
        /// Every pseudo-instruction, in the manual's order.
        pub const PSEUDO_INSTRUCTIONS: &[PseudoSpec] = &[$(PseudoSpec {
            syntax: $syntax,
            expansion: $expansion,
            condition: $condition,
            example: $example,
        }),*];
    };
}

pseudo! {
    "nop" => "addi x0, x0, 0", "", "nop";
    "mv rd, rs" => "addi rd, rs, 0", "", "mv x5, x6";
    "not rd, rs" => "xori rd, rs, -1", "", "not x5, x6";
    "neg rd, rs" => "sub rd, x0, rs", "", "neg x5, x6";
    "li rd, value" => "addi rd, x0, value", "when `value` fits in signed 32 bits", "li x5, -7";
    "li rd, value" => "lui rd, %hi(value); addi rd, rd, %lo(value)", "otherwise", "li x5, 0x123456789";
    "la rd, symbol" => "lui rd, %hi(symbol); addi rd, rd, %lo(symbol)", "", "la x5, sym";
    "j target" => "jal x0, target", "", "j t";
    "jr rs" => "jalr x0, rs, 0", "", "jr x7";
    "call target" => "jal ra, target", "", "call t";
    "ret" => "jalr x0, ra, 0", "", "ret";
    "beqz rs, target" => "beq rs, x0, target", "", "beqz x5, t";
    "bnez rs, target" => "bne rs, x0, target", "", "bnez x5, t";
    "bgt rs1, rs2, target" => "blt rs2, rs1, target", "", "bgt x1, x2, t";
    "ble rs1, rs2, target" => "bge rs2, rs1, target", "", "ble x1, x2, t";
    "bgtu rs1, rs2, target" => "bltu rs2, rs1, target", "", "bgtu x1, x2, t";
    "bleu rs1, rs2, target" => "bgeu rs2, rs1, target", "", "bleu x1, x2, t";
}

/// The rows of the pseudo-instruction `mnemonic` (adjacent in the table; a check keeps them so),
/// or none.
pub fn pseudo_rows(mnemonic: &str) -> &'static [PseudoSpec] {
    let Some(first) = PSEUDO_INSTRUCTIONS
        .iter()
        .position(|p| p.mnemonic() == mnemonic)
    else {
        return &[];
    };
    let count = PSEUDO_INSTRUCTIONS[first..]
        .iter()
        .take_while(|p| p.mnemonic() == mnemonic)
        .count();
    &PSEUDO_INSTRUCTIONS[first..first + count]
}

/// The pseudo-instruction names, once each, in the manual's order.
pub fn pseudo_mnemonics() -> impl Iterator<Item = &'static str> {
    PSEUDO_INSTRUCTIONS
        .iter()
        .enumerate()
        .filter(|&(i, p)| i == 0 || PSEUDO_INSTRUCTIONS[i - 1].mnemonic() != p.mnemonic())
        .map(|(_, p)| p.mnemonic())
}
