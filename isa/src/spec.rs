//! The shapes of the table's rows: formats, fields, instructions, timing classes, decode errors.

use crate::operand::{OperandKind, Queue};
use core::fmt;

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

/// What the decoder tests for one opcode before it builds the instruction, without branching.
///
/// The field plan (see [`crate::format`]) puts every field that has undefined values at bit 28 or
/// bit 32, so two 6-bit windows there cover them all: a word is accepted when it has no bit of
/// `zero` set and each window's value is in that window's `defined` set. Bits of a tested field
/// above its window go into `zero` (a CSR number's high bits: every CSR number is below 64).
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecodeRow {
    /// Bits that must be zero: the reserved bits, and tested fields' bits above their window.
    pub zero: u64,
    /// For each window, bit `v` set when the window value `v` holds a defined field value.
    pub defined: [u64; 2],
}

impl DecodeRow {
    /// Where the two windows start.
    pub const WINDOWS: [u32; 2] = [28, 32];

    /// The row of an opcode no instruction has: it accepts no word.
    pub const UNKNOWN: DecodeRow = DecodeRow {
        zero: u64::MAX,
        defined: [0; 2],
    };

    /// The row of a format using the bits `used`, before any field is tested.
    pub const fn new(used: u64) -> DecodeRow {
        DecodeRow {
            zero: !used,
            defined: [u64::MAX; 2],
        }
    }

    /// The row that also tests the field at bits `lo..lo + width` against the set `defined`
    /// (over 0..64, as [`crate::operand::FieldBits::DEFINED`]). Fails to compile when the field
    /// does not start a window, or a window already tests another field.
    pub const fn testing(mut self, lo: u32, width: u32, defined: u64) -> DecodeRow {
        let w = if lo == Self::WINDOWS[0] {
            0
        } else if lo == Self::WINDOWS[1] {
            1
        } else {
            panic!("a field with undefined values must start at bit 28 or 32")
        };
        assert!(
            self.defined[w] == u64::MAX,
            "one field with undefined values per window"
        );
        let inside = if width < 6 { width } else { 6 };
        if width > 6 {
            self.zero |= (u64::MAX >> (64 - (width - 6))) << (lo + 6);
        }
        let mut set = 0;
        let mut v = 0;
        while v < 64 {
            if (defined >> (v & ((1 << inside) - 1))) & 1 == 1 {
                set |= 1 << v;
            }
            v += 1;
        }
        self.defined[w] = set;
        self
    }

    /// True when `word` passes the row's tests.
    #[inline(always)]
    pub fn accepts(&self, word: u64) -> bool {
        let a = self.defined[0] >> ((word >> Self::WINDOWS[0]) & 63);
        let b = self.defined[1] >> ((word >> Self::WINDOWS[1]) & 63);
        (word & self.zero == 0) & (a & b & 1 == 1)
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

/// One of a tile's four engine queues, each run in order by its engine.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum QueueId {
    DmaIn,
    DmaOut,
    Matrix,
    Vector,
}

impl QueueId {
    /// Every queue, in index order.
    pub const ALL: [QueueId; 4] = [
        QueueId::DmaIn,
        QueueId::DmaOut,
        QueueId::Matrix,
        QueueId::Vector,
    ];

    /// The queue's position in [`QueueId::ALL`] (and in a tile's array of queues).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The queue's name in traces, messages and the manual (`dma-in`).
    pub const fn name(self) -> &'static str {
        match self {
            QueueId::DmaIn => "dma-in",
            QueueId::DmaOut => "dma-out",
            QueueId::Matrix => "matrix",
            QueueId::Vector => "vector",
        }
    }
}

impl From<Queue> for QueueId {
    fn from(q: Queue) -> QueueId {
        match q {
            Queue::DmaIn => QueueId::DmaIn,
            Queue::DmaOut => QueueId::DmaOut,
            Queue::Mx => QueueId::Matrix,
            Queue::Vec => QueueId::Vector,
        }
    }
}

/// A set of engine queues.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct QueueSet(u8);

impl QueueSet {
    /// No queue.
    pub const NONE: QueueSet = QueueSet(0);
    /// Every queue.
    pub const ALL: QueueSet = QueueSet(0b1111);
    /// Both DMA queues.
    pub const DMA: QueueSet = QueueSet::of(QueueId::DmaIn).with(QueueId::DmaOut);

    /// The set of one queue.
    pub const fn of(q: QueueId) -> QueueSet {
        QueueSet(1 << q.index())
    }

    /// This set and `q`.
    pub const fn with(self, q: QueueId) -> QueueSet {
        QueueSet(self.0 | 1 << q.index())
    }

    /// True when `q` is in the set.
    pub const fn contains(self, q: QueueId) -> bool {
        self.0 & (1 << q.index()) != 0
    }

    /// The queues of the set, in index order.
    pub fn iter(self) -> impl Iterator<Item = QueueId> {
        QueueId::ALL.into_iter().filter(move |&q| self.contains(q))
    }
}

/// How an instruction uses its tile's engine queues (docs/timing.md, "Control core").
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QueueUse {
    /// It does not.
    None,
    /// It puts an item on this queue (and waits while the queue is full).
    Enqueue(QueueId),
    /// It puts an item on the queue its `queue` operand names (`q.signal`, `q.take`).
    EnqueueNamed,
    /// It waits until these queues are empty and their engines idle (fences, `halt`).
    Drain(QueueSet),
}

/// One row of the instruction table.
#[derive(Debug)]
pub struct InstrSpec {
    pub mnemonic: &'static str,
    pub opcode: u8,
    pub format: &'static FormatSpec,
    pub class: TimingClass,
    /// The engine queue it enqueues on, or those it drains.
    pub queues: QueueUse,
    /// True when it touches only its core's registers and private configuration (ALU, branches,
    /// CSR reads, engine configuration): no memory, semaphore or queue, and it cannot trap, so
    /// nothing another unit does can change its result.
    pub local: bool,
    /// One line: what the instruction does.
    pub summary: &'static str,
    /// Pseudocode, one statement per line (`;`-separated).
    pub semantics: &'static str,
    /// The causes it may trap with, besides illegal instruction.
    pub traps: &'static str,
}

/// Why a word is not an instruction. It keeps only the word, and works out the reason and the
/// names when asked, so that decoding stays cheap: with 4-byte alignment and 8 bytes, a
/// `Result<Instruction, DecodeError>` keeps the error beside the instruction's tag and is no
/// larger than an [`Instruction`](crate::Instruction) (12 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DecodeError {
    /// The word, low half first.
    halves: [u32; 2],
}

/// What is wrong with a word that does not decode.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DecodeReason {
    /// No instruction has the opcode (bits 7..0).
    UnknownOpcode,
    /// Bits that no field uses are set; `bits` holds them in place.
    ReservedBits { bits: u64 },
    /// The field with index `field` in the format's [`FormatSpec::fields`] holds a value the ISA
    /// leaves undefined.
    InvalidField { field: usize, value: u64 },
}

impl DecodeError {
    /// The error for `word`, which the decoder has rejected.
    #[inline(always)]
    pub(crate) const fn new(word: u64) -> DecodeError {
        DecodeError {
            halves: [word as u32, (word >> 32) as u32],
        }
    }

    /// The word that does not decode.
    pub const fn word(&self) -> u64 {
        self.halves[0] as u64 | (self.halves[1] as u64) << 32
    }

    /// The word's opcode (bits 7..0).
    pub const fn opcode(&self) -> u8 {
        self.halves[0] as u8
    }

    /// What is wrong with the word: its opcode, else its reserved bits, else its first field
    /// that holds an undefined value.
    pub fn reason(&self) -> DecodeReason {
        // Only the decoder makes a `DecodeError`, for a word it rejects, and the decoder and the
        // field-by-field path test the same sets (a test checks that), so there is a reason.
        crate::instruction::Instruction::decode_field_by_field(self.word())
            .err()
            .unwrap_or(DecodeReason::UnknownOpcode)
    }

    /// The mnemonic of the opcode's instruction, if the opcode has one.
    pub fn mnemonic(&self) -> Option<&'static str> {
        crate::table::spec_of(self.opcode()).map(|s| s.mnemonic)
    }

    /// The name of the field at fault, when the reason is an undefined field value.
    pub fn field_name(&self) -> Option<&'static str> {
        match self.reason() {
            DecodeReason::InvalidField { field, .. } => {
                let spec = crate::table::spec_of(self.opcode())?;
                spec.format.fields.get(field).map(|f| f.name)
            }
            _ => None,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mnemonic = self.mnemonic().unwrap_or("?");
        match self.reason() {
            DecodeReason::UnknownOpcode => write!(f, "unknown opcode {:#04x}", self.opcode()),
            DecodeReason::ReservedBits { bits } => {
                write!(f, "`{mnemonic}` has reserved bits set: {bits:#018x}")
            }
            DecodeReason::InvalidField { value, .. } => write!(
                f,
                "`{mnemonic}` field `{}` holds undefined value {value:#x}",
                self.field_name().unwrap_or("?")
            ),
        }
    }
}

impl std::error::Error for DecodeError {}
