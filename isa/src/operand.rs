//! Operand types. Each can only hold a value its encoding field can represent and the ISA defines,
//! so encoding never fails and decoding either yields one or names the field at fault.

use crate::csr::Csr;
use crate::dtype::DType;
use core::fmt;

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

/// Implements `arbitrary::Arbitrary` by drawing field bits until they decode (bounded), so fuzzers
/// only ever build valid operands.
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

/// Defines an integer operand: a newtype over a primitive, its field width, its range and text.
macro_rules! int_operand {
    ($(#[$doc:meta])* $name:ident($prim:ty), $kind:expr, $width:expr, $min:expr, $max:expr, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        pub struct $name($prim);

        impl $name {
            pub const MIN: i64 = $min;
            pub const MAX: i64 = $max;

            /// The operand holding `value`, if it is in range.
            pub fn new(value: i64) -> Option<Self> {
                (Self::MIN..=Self::MAX).contains(&value).then(|| Self(value as $prim))
            }

            /// The operand's value.
            pub const fn get(self) -> $prim {
                self.0
            }
        }

        impl Field for $name {
            const KIND: OperandKind = $kind;
            const WIDTH: u32 = $width;
            fn to_bits(self) -> u64 {
                (self.0 as i64 as u64) & (u64::MAX >> (64 - $width))
            }
            fn from_bits(bits: u64) -> Option<Self> {
                // Sign-extend from the field width when the range is signed.
                let v = if Self::MIN < 0 {
                    ((bits << (64 - $width)) as i64) >> (64 - $width)
                } else {
                    bits as i64
                };
                Self::new(v)
            }
            fn from_value(value: Value<'_>, _pc: u64) -> Result<Self, OperandError> {
                let v = match value {
                    Value::Name(n) if !$prefix.is_empty() => n
                        .strip_prefix($prefix)
                        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                        .and_then(|d| d.parse::<i64>().ok())
                        .ok_or_else(|| OperandError::BadName {
                            expected: Self::KIND.describe(),
                            found: n.into(),
                        })?,
                    other => expect_int(Self::KIND, other)?,
                };
                Ok(Self(in_range(v, Self::MIN, Self::MAX)? as $prim))
            }
            fn write(self, out: &mut dyn fmt::Write, _: &Context<'_>) -> fmt::Result {
                write!(out, concat!($prefix, "{}"), self.0)
            }
        }
        arbitrary_from_bits!($name, $name(0));

        // Every value of the field is defined, so decoding this operand never fails.
        const _: () = assert!(
            if $min < 0 {
                $min == -(1i64 << ($width - 1)) && $max == (1i64 << ($width - 1)) - 1
            } else {
                $min == 0 && $max == (1i64 << $width) - 1
            },
            "an integer operand's range must be its whole field"
        );

        impl FieldBits for $name {
            const DEFINED: Option<u64> = None;
            #[inline(always)]
            fn from_defined_bits(bits: u64) -> Self {
                let v = if Self::MIN < 0 {
                    ((bits << (64 - $width)) as i64) >> (64 - $width)
                } else {
                    (bits & (u64::MAX >> (64 - $width))) as i64
                };
                Self(v as $prim)
            }
        }
    };
}

int_operand!(
    /// A signed 32-bit immediate, sign-extended to 64 bits where used.
    Imm32(i32), OperandKind::Imm32, 32, i32::MIN as i64, i32::MAX as i64, ""
);
int_operand!(
    /// An unsigned 16-bit code (the cause reported by `trap`).
    Code(u16), OperandKind::Code, 16, 0, u16::MAX as i64, ""
);
int_operand!(
    /// A shift amount, 0..=63.
    Shamt(u8), OperandKind::Shamt, 6, 0, 63, ""
);
int_operand!(
    /// One of the tile's 32 hardware semaphores, written `s0`..`s31`.
    Sem(u8), OperandKind::Sem, 5, 0, 31, "s"
);
int_operand!(
    /// A DMA descriptor dimension: 0 is innermost (contiguous elements), 3 outermost.
    Dim(u8), OperandKind::Dim, 2, 0, 3, ""
);
int_operand!(
    /// DMA options: bit 0 transposes the innermost two dimensions at the destination; bit 1 adds
    /// into the destination (fp32/int32 accumulate-on-write) instead of overwriting; bit 2 signals
    /// the semaphore of the tile that owns the destination instead of the issuing tile.
    DmaFlags(u8), OperandKind::DmaFlags, 3, 0, 7, ""
);

impl DmaFlags {
    pub const TRANSPOSE: u8 = 1;
    pub const ACCUMULATE: u8 = 2;
    pub const SIGNAL_DESTINATION: u8 = 4;

    pub const fn transpose(self) -> bool {
        self.0 & Self::TRANSPOSE != 0
    }
    pub const fn accumulate(self) -> bool {
        self.0 & Self::ACCUMULATE != 0
    }
    pub const fn signal_destination(self) -> bool {
        self.0 & Self::SIGNAL_DESTINATION != 0
    }
}

/// A code address, held as the signed distance in 8-byte instructions from the instruction that
/// names it. Assembly names it as an absolute address (a label, or `.+16`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Target(i32);

impl Target {
    /// The target `words` instructions away.
    pub const fn from_words(words: i32) -> Target {
        Target(words)
    }
    /// The distance in instructions.
    pub const fn words(self) -> i32 {
        self.0
    }
    /// The distance in bytes.
    pub const fn bytes(self) -> i64 {
        self.0 as i64 * 8
    }
    /// The absolute address, for an instruction at `pc`.
    pub const fn resolve(self, pc: u64) -> u64 {
        pc.wrapping_add(self.bytes() as u64)
    }
}

impl Field for Target {
    const KIND: OperandKind = OperandKind::Target;
    const WIDTH: u32 = 32;
    fn to_bits(self) -> u64 {
        self.0 as u32 as u64
    }
    fn from_bits(bits: u64) -> Option<Self> {
        Some(Target(bits as u32 as i32))
    }
    fn from_value(value: Value<'_>, pc: u64) -> Result<Self, OperandError> {
        let target = expect_int(Self::KIND, value)?;
        let distance = target.wrapping_sub(pc as i64);
        if distance % 8 != 0 {
            return Err(OperandError::MisalignedTarget { target, pc });
        }
        let words = distance / 8;
        let min = pc as i64 + i32::MIN as i64 * 8;
        let max = pc as i64 + i32::MAX as i64 * 8;
        i32::try_from(words)
            .map(Target)
            .map_err(|_| OperandError::OutOfRange {
                value: target,
                min,
                max,
            })
    }
    fn write(self, out: &mut dyn fmt::Write, ctx: &Context<'_>) -> fmt::Result {
        match ctx.pc {
            Some(pc) => {
                let target = self.resolve(pc);
                match ctx.symbol.and_then(|name| name(target)) {
                    Some(name) => out.write_str(&name),
                    None => write!(out, "{target:#x}"),
                }
            }
            None if self.0 >= 0 => write!(out, ".+{}", self.bytes()),
            None => write!(out, ".-{}", -self.bytes()),
        }
    }
}
arbitrary_from_bits!(Target, Target(0));

impl FieldBits for Target {
    const DEFINED: Option<u64> = None;
    #[inline(always)]
    fn from_defined_bits(bits: u64) -> Self {
        Target(bits as u32 as i32)
    }
}

/// Which element types an instruction accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TypeSet {
    /// Every type (conversions, DMA).
    Any,
    /// Types the vector unit does arithmetic on.
    Vector,
    /// Floating-point types the vector unit's function units take.
    Float,
    /// Types the matrix unit multiplies.
    Matrix,
    /// Types the matrix unit's output stage writes.
    Output,
}

impl TypeSet {
    /// True when `t` belongs to the set.
    pub const fn allows(self, t: DType) -> bool {
        use DType::*;
        match self {
            TypeSet::Any => true,
            TypeSet::Vector => matches!(t, I8 | I32 | Bf16 | Fp16 | Fp32),
            TypeSet::Float => matches!(t, Bf16 | Fp16 | Fp32),
            TypeSet::Matrix => matches!(t, I8 | E4M3 | E5M2 | Bf16 | Fp16 | Fp32),
            TypeSet::Output => matches!(t, I8 | I32 | E4M3 | E5M2 | Bf16 | Fp16 | Fp32),
        }
    }

    /// The names of the set's types.
    pub fn names(self) -> Vec<&'static str> {
        DType::ALL
            .into_iter()
            .filter(|&t| self.allows(t))
            .map(DType::name)
            .collect()
    }
}

/// Defines an element-type operand restricted to one [`TypeSet`].
macro_rules! type_operand {
    ($(#[$doc:meta])* $name:ident, $set:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub struct $name(DType);

        impl $name {
            pub const SET: TypeSet = $set;
            /// The operand, if the set allows `t`.
            pub const fn new(t: DType) -> Option<Self> {
                if Self::SET.allows(t) { Some(Self(t)) } else { None }
            }
            /// The element type.
            pub const fn get(self) -> DType {
                self.0
            }
        }

        impl Field for $name {
            const KIND: OperandKind = OperandKind::Type($set);
            const WIDTH: u32 = 4;
            fn to_bits(self) -> u64 {
                self.0.code()
            }
            fn from_bits(bits: u64) -> Option<Self> {
                Self::new(DType::from_code(bits)?)
            }
            fn from_value(value: Value<'_>, _pc: u64) -> Result<Self, OperandError> {
                let name = expect_name(Self::KIND, value)?;
                DType::from_name(name).and_then(Self::new).ok_or_else(|| OperandError::BadName {
                    expected: Self::KIND.describe(),
                    found: name.into(),
                })
            }
            fn write(self, out: &mut dyn fmt::Write, _: &Context<'_>) -> fmt::Result {
                out.write_str(self.0.name())
            }
        }
        arbitrary_from_bits!($name, $name(DType::Fp32));

        impl $name {
            /// The operand for each 4-bit code; the set's first type stands in for undefined codes.
            const BY_CODE: [$name; 16] = {
                let mut first = 0;
                while !Self::SET.allows(DType::ALL[first]) {
                    first += 1;
                }
                let mut by_code = [$name(DType::ALL[first]); 16];
                let mut code = 0;
                while code < 16 {
                    if let Some(t) = DType::from_code(code as u64) {
                        if Self::SET.allows(t) {
                            by_code[code] = $name(t);
                        }
                    }
                    code += 1;
                }
                by_code
            };
        }

        impl FieldBits for $name {
            const DEFINED: Option<u64> = {
                let mut set = 0;
                let mut code = 0;
                while code < 16 {
                    if let Some(t) = DType::from_code(code) {
                        if Self::SET.allows(t) {
                            set |= 1 << code;
                        }
                    }
                    code += 1;
                }
                Some(set)
            };
            #[inline(always)]
            fn from_defined_bits(bits: u64) -> Self {
                Self::BY_CODE[(bits & 15) as usize]
            }
        }
    };
}

type_operand!(
    /// Any element type.
    AnyType, TypeSet::Any
);
type_operand!(
    /// An element type the vector unit computes on.
    VecType, TypeSet::Vector
);
type_operand!(
    /// A floating-point element type for the vector unit's function units.
    FloatType, TypeSet::Float
);
type_operand!(
    /// An element type the matrix unit multiplies.
    MatType, TypeSet::Matrix
);
type_operand!(
    /// An element type the matrix unit's output stage writes.
    OutType, TypeSet::Output
);

/// Defines an operand named by a keyword from a fixed list; the discriminant is the encoding.
macro_rules! keyword_operand {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $width:expr, [$($(#[$vdoc:meta])* $variant:ident = $code:literal $text:literal),* $(,)?]) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum $name { $($(#[$vdoc])* $variant = $code),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// The keyword used in assembly.
            pub const fn name(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl Field for $name {
            const KIND: OperandKind = $kind;
            const WIDTH: u32 = $width;
            fn to_bits(self) -> u64 {
                self as u64
            }
            fn from_bits(bits: u64) -> Option<Self> {
                match bits { $($code => Some($name::$variant),)* _ => None }
            }
            fn from_value(value: Value<'_>, _pc: u64) -> Result<Self, OperandError> {
                let name = expect_name(Self::KIND, value)?;
                match name {
                    $($text => Ok($name::$variant),)*
                    _ => Err(OperandError::BadName { expected: Self::KIND.describe(), found: name.into() }),
                }
            }
            fn write(self, out: &mut dyn fmt::Write, _: &Context<'_>) -> fmt::Result {
                out.write_str(self.name())
            }
        }
        arbitrary_from_bits!($name, Self::ALL[0]);

        impl $name {
            /// The operand for each field value; the first keyword stands in for undefined ones.
            const BY_CODE: [$name; 1 << $width] = {
                let mut by_code = [Self::ALL[0]; 1 << $width];
                $(by_code[$code] = $name::$variant;)*
                by_code
            };
        }

        impl FieldBits for $name {
            const DEFINED: Option<u64> = {
                let set: u64 = 0 $(| 1 << $code)*;
                if set == (1 << (1 << $width)) - 1 { None } else { Some(set) }
            };
            #[inline(always)]
            fn from_defined_bits(bits: u64) -> Self {
                Self::BY_CODE[(bits & ((1 << $width) - 1)) as usize]
            }
        }
    };
}

keyword_operand!(
    /// How operands move through the systolic array.
    Dataflow, OperandKind::Dataflow, 2, [
        /// Weight-stationary: B stays in the PEs, A streams through, partial sums flow down.
        Ws = 0 "ws",
        /// Output-stationary: each PE keeps one output, A and B stream through.
        Os = 1 "os",
        /// Input-stationary: A stays in the PEs, B streams through.
        Is = 2 "is",
    ]
);

keyword_operand!(
    /// The activation applied by the matrix unit's output stage.
    Activation, OperandKind::Activation, 2, [
        None = 0 "none",
        Relu = 1 "relu",
        /// GELU, tanh approximation.
        Gelu = 2 "gelu",
        Tanh = 3 "tanh",
    ]
);

keyword_operand!(
    /// One of the tile's engine queues.
    Queue, OperandKind::Queue, 2, [
        /// The DMA-in engine's queue.
        DmaIn = 0 "dmain",
        /// The DMA-out engine's queue.
        DmaOut = 1 "dmaout",
        /// The matrix engine's queue.
        Mx = 2 "mx",
        /// The vector engine's queue.
        Vec = 3 "vec",
    ]
);

impl Field for Csr {
    const KIND: OperandKind = OperandKind::Csr;
    const WIDTH: u32 = 12;
    fn to_bits(self) -> u64 {
        self.number() as u64
    }
    fn from_bits(bits: u64) -> Option<Self> {
        Csr::from_number(bits as u16)
    }
    fn from_value(value: Value<'_>, _pc: u64) -> Result<Self, OperandError> {
        let name = expect_name(Self::KIND, value)?;
        Csr::from_name(name).ok_or_else(|| OperandError::BadName {
            expected: format!(
                "{} ({})",
                Self::KIND.describe(),
                Csr::ALL
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            found: name.into(),
        })
    }
    fn write(self, out: &mut dyn fmt::Write, _: &Context<'_>) -> fmt::Result {
        out.write_str(self.name())
    }
}
arbitrary_from_bits!(Csr, Csr::ALL[0]);

/// The CSR for each number below 64; the first CSR stands in for undefined numbers.
const CSR_BY_NUMBER: [Csr; 64] = {
    let mut by_number = [Csr::ALL[0]; 64];
    let mut i = 0;
    while i < Csr::ALL.len() {
        let csr = Csr::ALL[i];
        assert!(
            csr.number() < 64,
            "the decoder's CSR set covers numbers below 64"
        );
        by_number[csr.number() as usize] = csr;
        i += 1;
    }
    by_number
};

impl FieldBits for Csr {
    const DEFINED: Option<u64> = {
        let mut set = 0;
        let mut i = 0;
        while i < Csr::ALL.len() {
            set |= 1 << Csr::ALL[i].number();
            i += 1;
        }
        Some(set)
    };
    #[inline(always)]
    fn from_defined_bits(bits: u64) -> Self {
        CSR_BY_NUMBER[(bits & 63) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_names_parse_and_reject_lookalikes() {
        assert_eq!(Reg::from_name("x31"), Reg::new(31));
        assert_eq!(Reg::from_name("sp"), Reg::new(2));
        for bad in ["x32", "x01", "x", "r1", "X1", "x-1"] {
            assert_eq!(Reg::from_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn immediates_sign_extend_from_their_field() {
        assert_eq!(Imm32::from_bits(0xffff_ffff), Imm32::new(-1));
        assert_eq!(Imm32::new(-1).unwrap().to_bits(), 0xffff_ffff);
        assert_eq!(Shamt::from_bits(63), Shamt::new(63));
        assert_eq!(
            Imm32::from_value(Value::Int(1 << 31), 0),
            Err(OperandError::OutOfRange {
                value: 1 << 31,
                min: i32::MIN as i64,
                max: i32::MAX as i64
            })
        );
    }

    #[test]
    fn semaphores_take_names_or_numbers() {
        assert_eq!(Sem::from_value(Value::Name("s7"), 0), Ok(Sem(7)));
        assert_eq!(Sem::from_value(Value::Int(7), 0), Ok(Sem(7)));
        assert!(Sem::from_value(Value::Name("s32"), 0).is_err());
        assert!(Sem::from_value(Value::Name("sx"), 0).is_err());
    }

    #[test]
    fn targets_are_whole_instructions_from_pc() {
        assert_eq!(Target::from_value(Value::Int(0x40), 0x10), Ok(Target(6)));
        assert_eq!(Target::from_value(Value::Int(0), 0x10), Ok(Target(-2)));
        assert!(matches!(
            Target::from_value(Value::Int(0x44), 0x10),
            Err(OperandError::MisalignedTarget { .. })
        ));
    }

    /// The decoder's set and extraction agree with `from_bits` on every value of a field up to
    /// 16 bits wide, and on the edges and a spread of values of wider ones.
    fn decoding_agrees_with_from_bits<T: FieldBits>() {
        let max = u64::MAX >> (64 - T::WIDTH);
        let mut values: Vec<u64> = (0..=max.min(0xffff)).collect();
        values.extend([max, max >> 1, (max >> 1) + 1, max - 1]);
        values.extend((0..4096u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) & max));
        let mut defined = 0;
        for bits in values {
            let expected = T::from_bits(bits);
            let decoded = T::is_defined(bits).then(|| T::from_defined_bits(bits));
            assert_eq!(decoded, expected, "{:?} bits {bits:#x}", T::KIND);
            defined += expected.is_some() as u32;
        }
        assert!(defined > 0, "{:?} defines some value", T::KIND);
    }

    #[test]
    fn the_decoders_field_sets_agree_with_from_bits() {
        decoding_agrees_with_from_bits::<Reg>();
        decoding_agrees_with_from_bits::<Imm32>();
        decoding_agrees_with_from_bits::<Code>();
        decoding_agrees_with_from_bits::<Shamt>();
        decoding_agrees_with_from_bits::<Sem>();
        decoding_agrees_with_from_bits::<Dim>();
        decoding_agrees_with_from_bits::<DmaFlags>();
        decoding_agrees_with_from_bits::<Target>();
        decoding_agrees_with_from_bits::<AnyType>();
        decoding_agrees_with_from_bits::<VecType>();
        decoding_agrees_with_from_bits::<FloatType>();
        decoding_agrees_with_from_bits::<MatType>();
        decoding_agrees_with_from_bits::<OutType>();
        decoding_agrees_with_from_bits::<Dataflow>();
        decoding_agrees_with_from_bits::<Activation>();
        decoding_agrees_with_from_bits::<Csr>();
    }

    #[test]
    fn type_sets_reject_types_outside_them() {
        assert!(FloatType::from_bits(DType::I8.code()).is_none());
        assert!(FloatType::from_bits(DType::Bf16.code()).is_some());
        assert!(AnyType::from_bits(8).is_none());
        assert!(MatType::from_value(Value::Name("i32"), 0).is_err());
    }
}
