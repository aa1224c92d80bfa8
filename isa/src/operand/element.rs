//! Element-type operands, each restricted to the set of types its instruction accepts.

use super::*;
use crate::dtype::DType;

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
