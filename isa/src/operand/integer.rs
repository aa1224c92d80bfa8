//! Integer operands (immediates, codes, shift amounts, semaphores, DMA dimensions and options)
//! and code targets: every value of their field is defined.

use super::*;

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
