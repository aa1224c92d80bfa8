//! The shapes of the table's rows: formats, fields, instructions, timing classes, decode errors.

use crate::operand::OperandKind;

/// One operand's encoding field.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    /// The operand's name, as in the syntax template and the manual.
    pub name: &'static str,
    pub kind: OperandKind,
    /// Lowest bit of the field in the instruction word.
    pub lo: u32,
    /// Width in bits.
    pub width: u32,
}

impl FieldSpec {
    /// The field's bits within the word.
    pub const fn mask(&self) -> u64 {
        (u64::MAX >> (64 - self.width)) << self.lo
    }
}

/// One test of the decoder's table: the field `(word >> shift) & mask` must be a value in the
/// set `defined` (bit `v` set when `v` is defined; values from 64 up are never defined).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FieldCheck {
    pub shift: u32,
    pub mask: u64,
    pub defined: u64,
}

impl FieldCheck {
    /// A test every word passes.
    pub const ANY: FieldCheck = FieldCheck {
        shift: 0,
        mask: 0,
        defined: 1,
    };
    /// A test no word passes.
    pub const NONE: FieldCheck = FieldCheck {
        shift: 0,
        mask: 0,
        defined: 0,
    };

    /// True when `word`'s field holds a defined value. Branch-free.
    #[inline(always)]
    pub fn accepts(&self, word: u64) -> bool {
        let bits = (word >> self.shift) & self.mask;
        (bits < 64) & ((self.defined >> (bits & 63)) & 1 == 1)
    }
}

/// What the decoder tests for one opcode before it builds the instruction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecodeRow {
    /// Bits the opcode and fields use; every other bit must be zero.
    pub used: u64,
    pub checks: [FieldCheck; 2],
}

impl DecodeRow {
    /// The row of an opcode no instruction has: it accepts no word.
    pub const UNKNOWN: DecodeRow = DecodeRow {
        used: u64::MAX,
        checks: [FieldCheck::NONE, FieldCheck::ANY],
    };

    /// True when `word` has no reserved bit set and the row's fields hold defined values.
    #[inline(always)]
    pub fn accepts(&self, word: u64) -> bool {
        (word & !self.used == 0) & self.checks[0].accepts(word) & self.checks[1].accepts(word)
    }
}

/// A piece of a syntax template.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Piece<'a> {
    /// Literal text (punctuation and spaces).
    Text(&'a str),
    /// The operand with this index in [`FormatSpec::fields`].
    Field(usize),
}

/// An instruction format: its operands, where they sit in the word, and how they are written.
#[derive(Debug)]
pub struct FormatSpec {
    pub name: &'static str,
    /// What follows the mnemonic, with `{field}` placeholders: `.{dt} {vd}, {va}, {vb}, {rlen}`.
    /// Placeholders before the first space are mnemonic suffixes (`vadd.bf16`).
    pub syntax: &'static str,
    /// Fields in the order the syntax names them.
    pub fields: &'static [FieldSpec],
}

impl FormatSpec {
    /// Bits the opcode and fields use; every other bit is reserved and must be zero.
    pub fn used_mask(&self) -> u64 {
        self.fields.iter().fold(0xff, |m, f| m | f.mask())
    }

    /// The syntax template split into literal text and field references.
    pub fn pieces(&self) -> Vec<Piece<'static>> {
        let mut pieces = Vec::new();
        let mut rest = self.syntax;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(&rest[..open]));
            }
            let close = open
                + rest[open..]
                    .find('}')
                    .expect("syntax placeholders are closed");
            let name = &rest[open + 1..close];
            let index = self.fields.iter().position(|f| f.name == name);
            pieces.push(Piece::Field(
                index.expect("syntax placeholders name fields"),
            ));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest));
        }
        pieces
    }

    /// How many fields are written as mnemonic suffixes (`.bf16`).
    pub fn suffix_count(&self) -> usize {
        let head = self.syntax.split(' ').next().unwrap_or("");
        head.matches('{').count()
    }
}

/// Which timing rule governs an instruction in the control core (docs/timing.md gives the cycles).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TimingClass {
    Alu,
    Mul,
    Div,
    Load,
    Store,
    Branch,
    Jump,
    Csr,
    Sem,
    Fence,
    System,
    Dma,
    Matrix,
    Vector,
}

impl TimingClass {
    pub const ALL: [TimingClass; 14] = [
        TimingClass::Alu,
        TimingClass::Mul,
        TimingClass::Div,
        TimingClass::Load,
        TimingClass::Store,
        TimingClass::Branch,
        TimingClass::Jump,
        TimingClass::Csr,
        TimingClass::Sem,
        TimingClass::Fence,
        TimingClass::System,
        TimingClass::Dma,
        TimingClass::Matrix,
        TimingClass::Vector,
    ];

    /// The class's name in the manual and the config (`alu`).
    pub const fn name(self) -> &'static str {
        match self {
            TimingClass::Alu => "alu",
            TimingClass::Mul => "mul",
            TimingClass::Div => "div",
            TimingClass::Load => "load",
            TimingClass::Store => "store",
            TimingClass::Branch => "branch",
            TimingClass::Jump => "jump",
            TimingClass::Csr => "csr",
            TimingClass::Sem => "sem",
            TimingClass::Fence => "fence",
            TimingClass::System => "system",
            TimingClass::Dma => "dma",
            TimingClass::Matrix => "matrix",
            TimingClass::Vector => "vector",
        }
    }

    /// What the class costs, in words.
    pub const fn description(self) -> &'static str {
        match self {
            TimingClass::Alu => {
                "Result ready the cycle after issue (config `core.alu_latency_cycles`)."
            }
            TimingClass::Mul => "Pipelined multiplier; result after `core.mul_latency_cycles`.",
            TimingClass::Div => {
                "Unpipelined divider; result after `core.div_latency_cycles`, blocks the next divide."
            }
            TimingClass::Load => "Scratchpad read; result after `core.load_latency_cycles`.",
            TimingClass::Store => "Scratchpad write; issues in one cycle.",
            TimingClass::Branch => {
                "Resolved at execute; a taken branch costs `core.branch_penalty_cycles` extra."
            }
            TimingClass::Jump => "Always taken; costs `core.branch_penalty_cycles` extra.",
            TimingClass::Csr => "Read in one cycle.",
            TimingClass::Sem => {
                "Local semaphore update in one cycle; a wait stalls issue until its condition holds."
            }
            TimingClass::Fence => "Stalls issue until the named engine queues drain.",
            TimingClass::System => "Stops the tile (after its queues drain, for `halt`).",
            TimingClass::Dma => {
                "Enqueued on a DMA engine in one cycle; stalls issue while the queue is full."
            }
            TimingClass::Matrix => {
                "Enqueued on the matrix engine in one cycle; stalls issue while the queue is full."
            }
            TimingClass::Vector => {
                "Enqueued on the vector engine in one cycle; stalls issue while the queue is full."
            }
        }
    }
}

/// One row of the instruction table.
#[derive(Debug)]
pub struct InstrSpec {
    pub mnemonic: &'static str,
    pub opcode: u8,
    pub format: &'static FormatSpec,
    pub class: TimingClass,
    /// One line: what the instruction does.
    pub summary: &'static str,
    /// Pseudocode, one statement per line (`;`-separated).
    pub semantics: &'static str,
    /// The causes it may trap with, besides illegal instruction.
    pub traps: &'static str,
}

/// Why a word is not an instruction. Small (16 bytes) and free of names, so a decode result stays
/// cheap to return; [`DecodeError::mnemonic`] and [`DecodeError::field_name`] look the names up.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown opcode {opcode:#04x}")]
    UnknownOpcode { opcode: u8 },
    #[error("`{}` has reserved bits set: {bits:#018x}", mnemonic_of(*.opcode))]
    ReservedBits { opcode: u8, bits: u64 },
    /// `field` indexes the format's [`FormatSpec::fields`].
    #[error(
        "`{}` field `{}` holds undefined value {value:#x}",
        mnemonic_of(*.opcode),
        field_name_of(*.opcode, *.field)
    )]
    InvalidField { opcode: u8, field: u8, value: u64 },
}

impl DecodeError {
    /// The word's opcode (bits 7..0).
    pub const fn opcode(&self) -> u8 {
        match *self {
            DecodeError::UnknownOpcode { opcode }
            | DecodeError::ReservedBits { opcode, .. }
            | DecodeError::InvalidField { opcode, .. } => opcode,
        }
    }

    /// The mnemonic of the opcode's instruction, if the opcode has one.
    pub fn mnemonic(&self) -> Option<&'static str> {
        crate::table::spec_of(self.opcode()).map(|s| s.mnemonic)
    }

    /// The name of the field at fault, for [`DecodeError::InvalidField`].
    pub fn field_name(&self) -> Option<&'static str> {
        match *self {
            DecodeError::InvalidField { opcode, field, .. } => {
                let spec = crate::table::spec_of(opcode)?;
                spec.format.fields.get(field as usize).map(|f| f.name)
            }
            _ => None,
        }
    }
}

fn mnemonic_of(opcode: u8) -> String {
    match crate::table::spec_of(opcode) {
        Some(spec) => spec.mnemonic.to_string(),
        None => format!("opcode {opcode:#04x}"),
    }
}

fn field_name_of(opcode: u8, field: u8) -> String {
    DecodeError::InvalidField {
        opcode,
        field,
        value: 0,
    }
    .field_name()
    .map_or_else(|| format!("#{field}"), str::to_string)
}
