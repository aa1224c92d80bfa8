//! The ISA's properties, each written once: `cargo test` runs them over seeded inputs for about a
//! second, and the fuzz targets in `fuzz/` call the same functions for hours.

use crate::instruction::Instruction;
use crate::operand::Context;
use crate::text::{disassemble, lookup};

/// Any word decodes or is refused with a typed error; a word that decodes re-encodes to itself,
/// as does its typed operation, and disassembles to text whose mnemonic looks up to the same row.
pub fn decode_does_not_panic(word: u64) {
    match Instruction::decode(word) {
        Ok(inst) => {
            assert_eq!(
                inst.encode(),
                word,
                "decoded {inst} from {word:#018x} but it encodes differently"
            );
            let operation = inst.operation();
            assert_eq!(operation.opcode(), inst.opcode());
            assert_eq!(operation.encode(), word, "{operation:?} from {word:#018x}");
            assert_eq!(Instruction::from(operation), inst);
            let text = disassemble(
                word,
                &Context {
                    pc: Some(0x1000),
                    symbol: None,
                },
            );
            let mnemonic = text.split(' ').next().unwrap_or_default();
            let (spec, _) = lookup(mnemonic).unwrap_or_else(|| panic!("`{text}` does not look up"));
            assert_eq!(spec.opcode, inst.opcode().byte());
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(disassemble(word, &Context::default()).starts_with(".dword "));
        }
    }
}

/// Every instruction encodes to a word that decodes back to it.
pub fn decode_encode_roundtrip(inst: Instruction) {
    let word = inst.encode();
    assert_eq!(
        Instruction::decode(word),
        Ok(inst),
        "{inst} encoded as {word:#018x}"
    );
}

/// A small deterministic generator (SplitMix64), so the seeded runs need no dependency.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Words that exercise the decoder: uniformly random ones, and valid opcodes with random fields
/// (mostly rejected for reserved bits) and with the reserved bits cleared (mostly valid).
pub fn interesting_word(rng: &mut SplitMix64) -> u64 {
    let w = rng.next_u64();
    match w % 3 {
        0 => w,
        _ => {
            let spec =
                &crate::table::INSTRUCTIONS[(w >> 8) as usize % crate::table::INSTRUCTIONS.len()];
            let word = (rng.next_u64() & !0xff) | spec.opcode as u64;
            if w % 3 == 1 {
                word
            } else {
                word & spec.format.used_mask()
            }
        }
    }
}
