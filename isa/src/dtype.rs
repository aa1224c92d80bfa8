//! Element data types, as named in mnemonics (`vadd.bf16`) and encoded in 4-bit fields.

use core::fmt;

/// An element type the chip's engines understand. The discriminant is the 4-bit field encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[repr(u8)]
pub enum DType {
    /// Signed 8-bit integer.
    I8 = 0,
    /// Unsigned 8-bit integer (raw bytes).
    U8 = 1,
    /// Signed 32-bit integer.
    I32 = 2,
    /// OCP FP8 E4M3 (bias 7, no infinities, one NaN pattern per sign, max 448).
    E4M3 = 3,
    /// OCP FP8 E5M2 (bias 15, IEEE-like infinities and NaNs, max 57344).
    E5M2 = 4,
    /// bfloat16 (8-bit exponent, 7-bit mantissa).
    Bf16 = 5,
    /// IEEE 754 binary16.
    Fp16 = 6,
    /// IEEE 754 binary32.
    Fp32 = 7,
}

impl DType {
    /// Every type, in encoding order.
    pub const ALL: [DType; 8] = [
        DType::I8,
        DType::U8,
        DType::I32,
        DType::E4M3,
        DType::E5M2,
        DType::Bf16,
        DType::Fp16,
        DType::Fp32,
    ];

    /// The type with this 4-bit encoding, if any.
    pub const fn from_code(code: u64) -> Option<DType> {
        if code < 8 {
            Some(Self::ALL[code as usize])
        } else {
            None
        }
    }

    /// The 4-bit encoding.
    pub const fn code(self) -> u64 {
        self as u64
    }

    /// The name used in assembly (`bf16`).
    pub const fn name(self) -> &'static str {
        match self {
            DType::I8 => "i8",
            DType::U8 => "u8",
            DType::I32 => "i32",
            DType::E4M3 => "e4m3",
            DType::E5M2 => "e5m2",
            DType::Bf16 => "bf16",
            DType::Fp16 => "fp16",
            DType::Fp32 => "fp32",
        }
    }

    /// The type named `name` in assembly.
    pub fn from_name(name: &str) -> Option<DType> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Size of one element in bytes.
    pub const fn size(self) -> u64 {
        match self {
            DType::I8 | DType::U8 | DType::E4M3 | DType::E5M2 => 1,
            DType::Bf16 | DType::Fp16 => 2,
            DType::I32 | DType::Fp32 => 4,
        }
    }

    /// True for the floating-point types.
    pub const fn is_float(self) -> bool {
        matches!(
            self,
            DType::E4M3 | DType::E5M2 | DType::Bf16 | DType::Fp16 | DType::Fp32
        )
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
