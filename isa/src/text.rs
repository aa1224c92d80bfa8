//! Instructions as assembly text: the disassembler, and the mnemonic lookup the assembler uses.
//! Both follow the syntax templates of the formats, so what one writes the other reads.

use crate::instruction::Instruction;
use crate::operand::Context;
use crate::spec::{FieldSpec, InstrSpec, Piece};
use crate::table::{INSTRUCTIONS, Operation};
use core::fmt;
use std::collections::HashMap;
use std::sync::OnceLock;

impl Operation {
    /// Writes the instruction as assembly: `vadd.bf16 x1, x2, x3, x4`.
    pub fn write(&self, out: &mut dyn fmt::Write, ctx: &Context<'_>) -> fmt::Result {
        let spec = self.spec();
        out.write_str(spec.mnemonic)?;
        for piece in spec.format.pieces() {
            match piece {
                Piece::Text(t) => out.write_str(t)?,
                Piece::Field(i) => self.write_field(i, out, ctx)?,
            }
        }
        Ok(())
    }

    /// The instruction as assembly, for one at address `pc` (code targets become addresses).
    pub fn to_text_at(&self, pc: u64) -> String {
        let mut s = String::new();
        let ctx = Context {
            pc: Some(pc),
            symbol: None,
        };
        self.write(&mut s, &ctx)
            .expect("writing to a String cannot fail");
        s
    }
}

/// One operand of an instruction: its encoding field, the field's bits, and the operand as
/// assembly text. What `objdump --explain` shows for each field.
#[derive(Clone, Debug)]
pub struct OperandText {
    pub field: &'static FieldSpec,
    pub bits: u64,
    pub text: String,
}

impl Instruction {
    /// Writes the instruction as assembly: `vadd.bf16 x1, x2, x3, x4`.
    pub fn write(&self, out: &mut dyn fmt::Write, ctx: &Context<'_>) -> fmt::Result {
        self.operation().write(out, ctx)
    }

    /// The instruction as assembly, for one at address `pc` (code targets become addresses).
    pub fn to_text_at(&self, pc: u64) -> String {
        self.operation().to_text_at(pc)
    }

    /// Each operand in the format's order (the syntax order), written as at `ctx`.
    pub fn operands(&self, ctx: &Context<'_>) -> Vec<OperandText> {
        let operation = self.operation();
        let word = self.encode();
        self.spec()
            .format
            .fields
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let mut text = String::new();
                operation
                    .write_field(i, &mut text, ctx)
                    .expect("writing to a String cannot fail");
                OperandText {
                    field,
                    bits: (word & field.mask()) >> field.lo,
                    text,
                }
            })
            .collect()
    }
}

/// Without a pc, code targets print relative to the instruction (`.+16`).
impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, &Context::default())
    }
}

/// Without a pc, code targets print relative to the instruction (`.+16`).
impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.operation().fmt(f)
    }
}

/// Disassembles one word at `ctx.pc`; a word that does not decode becomes the data directive
/// that assembles back to it (`.dword 0x…`: a ZW word is 64 bits; `.word` is 32 as in GNU as).
pub fn disassemble(word: u64, ctx: &Context<'_>) -> String {
    match Instruction::decode(word) {
        Ok(inst) => {
            let mut s = String::new();
            inst.write(&mut s, ctx)
                .expect("writing to a String cannot fail");
            s
        }
        Err(_) => format!(".dword {word:#018x}"),
    }
}

fn by_mnemonic() -> &'static HashMap<&'static str, &'static InstrSpec> {
    static MAP: OnceLock<HashMap<&'static str, &'static InstrSpec>> = OnceLock::new();
    MAP.get_or_init(|| INSTRUCTIONS.iter().map(|s| (s.mnemonic, s)).collect())
}

/// The instruction a written mnemonic names, and its suffixes: `vcvt.bf16.fp32` gives the `vcvt`
/// row and `["bf16", "fp32"]`. The suffix count must match the format's.
pub fn lookup(text: &str) -> Option<(&'static InstrSpec, Vec<&str>)> {
    let map = by_mnemonic();
    let mut end = text.len();
    loop {
        let (base, rest) = text.split_at(end);
        if let Some(spec) = map.get(base) {
            let suffixes: Vec<&str> = if rest.is_empty() {
                Vec::new()
            } else {
                rest[1..].split('.').collect()
            };
            if suffixes.len() == spec.format.suffix_count() {
                return Some((spec, suffixes));
            }
        }
        end = text[..end].rfind('.')?;
    }
}

/// Every mnemonic, for "did you mean" suggestions.
pub fn mnemonics() -> impl Iterator<Item = &'static str> {
    INSTRUCTIONS.iter().map(|s| s.mnemonic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DType;
    use crate::format::*;
    use crate::operand::*;

    fn r(n: u8) -> Reg {
        Reg::new(n).unwrap()
    }

    #[test]
    fn instructions_print_in_their_template() {
        let add = Operation::Add(Reg3 {
            rd: r(1),
            rs1: r(2),
            rs2: r(3),
        });
        assert_eq!(add.to_string(), "add x1, x2, x3");
        let ld = Operation::Ld(Load {
            rd: r(5),
            imm: Imm32::new(-8).unwrap(),
            rs1: r(2),
        });
        assert_eq!(ld.to_string(), "ld x5, -8(x2)");
        let v = Operation::Vcvt(VConvert {
            from: AnyType::new(DType::Bf16).unwrap(),
            to: AnyType::new(DType::Fp32).unwrap(),
            vd: r(1),
            va: r(2),
            rlen: r(3),
        });
        assert_eq!(v.to_string(), "vcvt.bf16.fp32 x1, x2, x3");
        let b = Operation::Beq(Branch {
            rs1: r(1),
            rs2: r(0),
            target: Target::from_words(-2),
        });
        assert_eq!(b.to_string(), "beq x1, x0, .-16");
        assert_eq!(b.to_text_at(0x100), "beq x1, x0, 0xf0");
        assert_eq!(Operation::Halt(NoOperands {}).to_string(), "halt");
    }

    #[test]
    fn operands_give_each_fields_bits_and_text() {
        let ld = Instruction::from(Operation::Ld(Load {
            rd: r(5),
            imm: Imm32::new(-8).unwrap(),
            rs1: r(2),
        }));
        let ops = ld.operands(&Context::default());
        let got: Vec<(&str, u64, &str)> = ops
            .iter()
            .map(|o| (o.field.name, o.bits, o.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("rd", 5, "x5"),
                ("imm", 0xffff_fff8, "-8"),
                ("rs1", 2, "x2")
            ]
        );
    }

    #[test]
    fn lookup_splits_suffixes_by_the_format() {
        let (spec, sfx) = lookup("vcvt.bf16.fp32").unwrap();
        assert_eq!((spec.mnemonic, sfx), ("vcvt", vec!["bf16", "fp32"]));
        let (spec, sfx) = lookup("fence.dma").unwrap();
        assert_eq!((spec.mnemonic, sfx.len()), ("fence.dma", 0));
        let (spec, sfx) = lookup("vadd.bf16").unwrap();
        assert_eq!((spec.mnemonic, sfx), ("vadd", vec!["bf16"]));
        assert!(lookup("vadd").is_none(), "the type suffix is required");
        assert!(lookup("add.bf16").is_none());
        assert!(lookup("sem.frob").is_none());
    }

    #[test]
    fn undecodable_words_print_as_data() {
        assert_eq!(
            disassemble(0, &Context::default()),
            ".dword 0x0000000000000000"
        );
    }
}
