//! Operand types. Each can only hold a value its encoding field can represent and the ISA defines,
//! so encoding never fails and decoding either yields one or names the field at fault.

use core::fmt;

/// Implements `arbitrary::Arbitrary` by drawing field bits until they decode (bounded), so fuzzers
/// only ever build valid operands. Defined above the submodules that use it: a `macro_rules!`
/// macro is in scope only below its definition.
macro_rules! arbitrary_from_bits {
    ($ty:ty, $fallback:expr) => {
        impl<'a> arbitrary::Arbitrary<'a> for $ty {
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                let max = u64::MAX >> (64 - <$ty as Field>::WIDTH);
                for _ in 0..4 {
                    if let Some(v) = <$ty>::from_bits(u.int_in_range(0..=max)?) {
                        return Ok(v);
                    }
                }
                Ok($fallback)
            }
        }
    };
}

mod element;
mod integer;
mod keyword;
#[cfg(test)]
mod tests;

pub use element::{AnyType, FloatType, MatType, OutType, TypeSet, VecType};
pub use integer::{Code, Dim, DmaFlags, Imm32, Sem, Shamt, Target};
pub use keyword::{Activation, Dataflow, Queue};

/// What an operand looks like in assembly, and what it holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OperandKind {
    /// A general register `x0`..`x31` (aliases `zero`, `ra`, `sp`).
    Reg,
    /// A signed 32-bit immediate.
    Imm32,
    /// An unsigned 16-bit code.
    Code,
    /// A shift amount 0..=63.
    Shamt,
    /// A control/status register name.
    Csr,
    /// A semaphore `s0`..`s31` (or a constant expression 0..=31).
    Sem,
    /// An element type name, from the given set.
    Type(TypeSet),
    /// A systolic dataflow: `ws`, `os` or `is`.
    Dataflow,
    /// A post-processing activation: `none`, `relu`, `gelu`, `tanh`.
    Activation,
    /// An engine queue: `dmain`, `dmaout`, `mx`, `vec`.
    Queue,
    /// A DMA descriptor dimension 0..=3.
    Dim,
    /// DMA option bits (see [`DmaFlags`]).
    DmaFlags,
    /// A code address; the field holds the distance from the instruction in 8-byte words.
    Target,
}

impl OperandKind {
    /// True when the operand is written as a name rather than a constant expression.
    pub const fn is_name(self) -> bool {
        matches!(
            self,
            OperandKind::Reg
                | OperandKind::Csr
                | OperandKind::Type(_)
                | OperandKind::Dataflow
                | OperandKind::Activation
                | OperandKind::Queue
        )
    }

    /// A short description for the manual and for error messages.
    pub fn describe(self) -> String {
        match self {
            OperandKind::Reg => "register x0..x31".into(),
            OperandKind::Imm32 => format!("signed 32-bit immediate {}..={}", i32::MIN, i32::MAX),
            OperandKind::Code => "unsigned 16-bit code 0..=65535".into(),
            OperandKind::Shamt => "shift amount 0..=63".into(),
            OperandKind::Csr => "control/status register name".into(),
            OperandKind::Sem => "semaphore s0..s31".into(),
            OperandKind::Type(set) => format!("element type ({})", set.names().join(", ")),
            OperandKind::Dataflow => "dataflow (ws, os, is)".into(),
            OperandKind::Activation => "activation (none, relu, gelu, tanh)".into(),
            OperandKind::Queue => "engine queue (dmain, dmaout, mx, vec)".into(),
            OperandKind::Dim => "DMA dimension 0..=3".into(),
            OperandKind::DmaFlags => {
                "DMA flags 0..=7 (1 transpose, 2 accumulate, 4 signal at destination)".into()
            }
            OperandKind::Target => "code address within ±2^31 instructions".into(),
        }
    }
}

/// A value the assembler supplies for one operand: a constant it has evaluated, or a name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Value<'a> {
    Int(i64),
    Name(&'a str),
}

/// Why a value does not fit an operand.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum OperandError {
    #[error("expected {expected}, found `{found}`")]
    BadName { expected: String, found: String },
    #[error("expected {expected}, found the number {found}")]
    NumberForName { expected: String, found: i64 },
    #[error("{value} does not fit: allowed {min}..={max}")]
    OutOfRange { value: i64, min: i64, max: i64 },
    #[error("target {target:#x} is not a whole number of 8-byte instructions away from {pc:#x}")]
    MisalignedTarget { target: i64, pc: u64 },
    #[error("expected {expected} operands, found {found}")]
    Count { expected: usize, found: usize },
}

/// What the disassembler knows about where an instruction sits.
#[derive(Clone, Copy, Default)]
pub struct Context<'a> {
    /// The instruction's address, when known: code targets print as absolute addresses.
    pub pc: Option<u64>,
    /// Names an address exactly, when a symbol is there: code targets print as that name.
    pub symbol: Option<&'a dyn Fn(u64) -> Option<String>>,
}

/// An operand: a newtype over the bits of one encoding field.
pub trait Field: Copy + Eq + fmt::Debug {
    const KIND: OperandKind;
    /// Width of the encoding field in bits.
    const WIDTH: u32;
    /// The field's bits.
    fn to_bits(self) -> u64;
    /// The operand these bits encode, or `None` when the ISA leaves them undefined.
    fn from_bits(bits: u64) -> Option<Self>;
    /// The operand an assembler value denotes, for an instruction at `pc`.
    fn from_value(value: Value<'_>, pc: u64) -> Result<Self, OperandError>;
    /// Writes the operand as assembly text.
    fn write(self, out: &mut dyn fmt::Write, ctx: &Context<'_>) -> fmt::Result;
}

/// The decoder's view of an operand: which field values the ISA defines, and the operand a defined
/// value encodes. Both are branch-free, so a decoder can test every field of a word at once and
/// build the operands without testing them again.
pub(crate) trait FieldBits: Field {
    /// The defined field values as a set over 0..64 (bit `v` set when `v` is defined), or `None`
    /// when every value of the field is defined.
    const DEFINED: Option<u64>;

    /// The operand that the field bits `bits` encode, when they are defined; some fixed valid
    /// operand otherwise, never an invalid one.
    fn from_defined_bits(bits: u64) -> Self;

    /// True when the ISA defines the field value `bits`: exactly when `from_bits` gives an operand.
    #[inline(always)]
    fn is_defined(bits: u64) -> bool {
        match Self::DEFINED {
            None => true,
            Some(set) => (bits < 64) & ((set >> (bits & 63)) & 1 == 1),
        }
    }
}

fn expect_int(kind: OperandKind, value: Value<'_>) -> Result<i64, OperandError> {
    match value {
        Value::Int(v) => Ok(v),
        Value::Name(n) => Err(OperandError::BadName {
            expected: kind.describe(),
            found: n.into(),
        }),
    }
}

fn expect_name(kind: OperandKind, value: Value<'_>) -> Result<&str, OperandError> {
    match value {
        Value::Name(n) => Ok(n),
        Value::Int(v) => Err(OperandError::NumberForName {
            expected: kind.describe(),
            found: v,
        }),
    }
}

fn in_range(value: i64, min: i64, max: i64) -> Result<i64, OperandError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(OperandError::OutOfRange { value, min, max })
    }
}

/// A general register, `x0`..`x31`. `x0` reads as zero and ignores writes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Reg(u8);

impl Reg {
    pub const ZERO: Reg = Reg(0);
    /// The return-address register by convention (`ra`).
    pub const RA: Reg = Reg(1);
    /// The stack pointer by convention (`sp`).
    pub const SP: Reg = Reg(2);

    /// Register `n`, if `n < 32`.
    pub const fn new(n: u8) -> Option<Reg> {
        if n < 32 { Some(Reg(n)) } else { None }
    }

    /// The register's number, 0..=31.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The register named `name` (`x7`, `zero`, `ra`, `sp`).
    pub fn from_name(name: &str) -> Option<Reg> {
        match name {
            "zero" => Some(Reg::ZERO),
            "ra" => Some(Reg::RA),
            "sp" => Some(Reg::SP),
            _ => {
                let digits = name.strip_prefix('x')?;
                if digits.len() > 1 && digits.starts_with('0') {
                    return None;
                }
                Reg::new(digits.parse().ok()?)
            }
        }
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "x{}", self.0)
    }
}

impl Field for Reg {
    const KIND: OperandKind = OperandKind::Reg;
    const WIDTH: u32 = 5;
    fn to_bits(self) -> u64 {
        self.0 as u64
    }
    fn from_bits(bits: u64) -> Option<Self> {
        Reg::new(bits as u8)
    }
    fn from_value(value: Value<'_>, _pc: u64) -> Result<Self, OperandError> {
        let name = expect_name(Self::KIND, value)?;
        Reg::from_name(name).ok_or_else(|| OperandError::BadName {
            expected: Self::KIND.describe(),
            found: name.into(),
        })
    }
    fn write(self, out: &mut dyn fmt::Write, _: &Context<'_>) -> fmt::Result {
        write!(out, "{self}")
    }
}
arbitrary_from_bits!(Reg, Reg::ZERO);

impl FieldBits for Reg {
    const DEFINED: Option<u64> = None;
    #[inline(always)]
    fn from_defined_bits(bits: u64) -> Self {
        Reg((bits & 31) as u8)
    }
}
