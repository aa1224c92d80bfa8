//! Operands named by keywords: dataflows, activations, engine queues and CSRs.

use super::*;
use crate::csr::Csr;

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
