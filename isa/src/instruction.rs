//! A decoded instruction: its opcode, and its operand fields unpacked into byte-aligned slots.
//!
//! Why slots and not an enum with a format per variant ([`Operation`]): building such an enum
//! branches on the opcode, and on a stream of mixed instructions that branch is mispredicted
//! about once per word. Here a word is checked against one row of a table and unpacked with the
//! same shifts whatever its opcode, so decoding never branches on it. [`Instruction::operation`]
//! gives the typed view for code that matches on the instruction.

use crate::spec::{DecodeError, InstrSpec};
use crate::table::{DECODE_ROWS, Opcode, Operation, spec_of};
use core::fmt;

/// A valid ZW instruction. Two are equal exactly when their words are.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instruction {
    opcode: Opcode,
    /// Bits 12..8, 17..13, 22..18 and 27..23: where every register field sits.
    regs: [u8; 4],
    /// Bits 31..28: a type, dataflow, activation, queue or dimension.
    small: u8,
    /// Bits 63..32: an immediate, target, code, CSR number, or a second type and options.
    wide: u32,
}

impl Instruction {
    /// The instruction a word encodes, or why it encodes none. Total: never panics.
    ///
    /// The opcode's row of a table says which bits must be zero and which field values are
    /// defined; the word is tested against it without branching (see `DecodeRow`). A rejected
    /// word keeps only the word: [`DecodeError::reason`] works out why when asked.
    #[inline(always)]
    pub fn decode(word: u64) -> Result<Self, DecodeError> {
        let (row, opcode) = &DECODE_ROWS[word as u8 as usize];
        if row.accepts(word) {
            Ok(Self::from_accepted(*opcode, word))
        } else {
            Err(DecodeError::new(word))
        }
    }

    /// The instruction of a word the decoder accepts, whose opcode is `opcode`.
    #[inline(always)]
    pub(crate) const fn from_accepted(opcode: Opcode, word: u64) -> Self {
        Self {
            opcode,
            regs: [
                (word >> 8) as u8 & 31,
                (word >> 13) as u8 & 31,
                (word >> 18) as u8 & 31,
                (word >> 23) as u8 & 31,
            ],
            small: (word >> 28) as u8 & 15,
            wide: (word >> 32) as u32,
        }
    }

    /// The 64-bit word. The slots hold every bit of it, so this is exact.
    #[inline]
    pub const fn encode(&self) -> u64 {
        self.opcode as u64
            | (self.regs[0] as u64) << 8
            | (self.regs[1] as u64) << 13
            | (self.regs[2] as u64) << 18
            | (self.regs[3] as u64) << 23
            | (self.small as u64) << 28
            | (self.wide as u64) << 32
    }

    /// The opcode.
    pub const fn opcode(&self) -> Opcode {
        self.opcode
    }

    /// This instruction's row of the table.
    pub fn spec(&self) -> &'static InstrSpec {
        self.opcode.spec()
    }

    /// The mnemonic without suffixes (`vadd`).
    pub fn mnemonic(&self) -> &'static str {
        self.spec().mnemonic
    }
}

impl Opcode {
    /// The opcode byte (bits 7..0 of the word).
    pub const fn byte(self) -> u8 {
        self as u8
    }

    /// The opcode's row of the table.
    pub fn spec(self) -> &'static InstrSpec {
        spec_of(self.byte()).expect("every opcode has a row")
    }
}

impl From<Operation> for Instruction {
    fn from(operation: Operation) -> Self {
        Self::from_accepted(operation.opcode(), operation.encode())
    }
}

impl From<Instruction> for Operation {
    fn from(inst: Instruction) -> Self {
        inst.operation()
    }
}

impl Operation {
    /// This instruction's row of the table.
    pub fn spec(&self) -> &'static InstrSpec {
        self.opcode().spec()
    }
}

/// Shown as its typed operation: `Add(Reg3 { rd: Reg(1), .. })`.
impl fmt::Debug for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.operation(), f)
    }
}

/// Valid instructions only, drawn as typed operations.
impl<'a> arbitrary::Arbitrary<'a> for Instruction {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Operation::arbitrary(u).map(Self::from)
    }

    fn size_hint(depth: usize) -> (usize, Option<usize>) {
        Operation::size_hint(depth)
    }
}
