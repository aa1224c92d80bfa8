//! Instruction formats: which operands an instruction has, where each sits in the 64-bit word,
//! and how it is written. Bits 7..0 always hold the opcode.
//!
//! Field positions follow one plan so the manual's diagrams line up: registers in 12..8, 17..13,
//! 22..18 and 27..23; a 4-bit type or small field in 31..28; a 32-bit immediate, target, CSR number,
//! code or second type from bit 32 up.

use crate::csr::Csr;
use crate::operand::*;
use crate::spec::{DecodeReason, DecodeRow, FieldSpec, FormatSpec};
use core::fmt;

const fn mask(width: u32) -> u64 {
    u64::MAX >> (64 - width)
}

macro_rules! formats {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident $syntax:literal { $($field:ident : $ty:ty = $lo:literal),* $(,)? }
    )*) => {$(
        $(#[doc = $doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, arbitrary::Arbitrary)]
        pub struct $name { $(pub $field: $ty),* }

        impl $name {
            pub const SPEC: FormatSpec = FormatSpec {
                name: stringify!($name),
                syntax: $syntax,
                fields: &[$(FieldSpec {
                    name: stringify!($field),
                    kind: <$ty as Field>::KIND,
                    lo: $lo,
                    width: <$ty as Field>::WIDTH,
                }),*],
            };

            /// Bits the opcode and the fields occupy.
            pub(crate) const USED: u64 = 0xff $(| (mask(<$ty as Field>::WIDTH) << $lo))*;

            #[inline(always)]
            pub(crate) fn encode(self) -> u64 {
                0 $(| (self.$field.to_bits() << $lo))*
            }

            /// The decoder's row for this format.
            #[allow(unused_mut)]
            pub(crate) const ROW: DecodeRow = {
                let mut row = DecodeRow::new(Self::USED);
                $(if let Some(defined) = <$ty as FieldBits>::DEFINED {
                    row = row.testing($lo, <$ty as Field>::WIDTH, defined);
                })*
                row
            };

            /// The fields of a word the decoder's table accepts.
            #[inline(always)]
            #[allow(unused_variables)]
            pub(crate) fn from_accepted(word: u64) -> Self {
                Self { $($field: <$ty as FieldBits>::from_defined_bits(
                    (word >> $lo) & mask(<$ty as Field>::WIDTH),
                )),* }
            }

            /// The fields of `word`, or why it has none: its reserved bits, else the index and
            /// value of the first undefined field. The decoder's exact path for rejected words.
            #[allow(unused_variables, unused_mut, unused_assignments)]
            pub(crate) fn decode_exactly(word: u64) -> Result<Self, DecodeReason> {
                let bits = word & !Self::USED;
                if bits != 0 {
                    return Err(DecodeReason::ReservedBits { bits });
                }
                let mut field = 0;
                $(
                    let value = (word >> $lo) & mask(<$ty as Field>::WIDTH);
                    if !<$ty as FieldBits>::is_defined(value) {
                        return Err(DecodeReason::InvalidField { field, value });
                    }
                    field += 1;
                )*
                Ok(Self::from_accepted(word))
            }

            /// Builds the format from assembler values given in syntax order.
            #[allow(unused_variables, unused_mut, unused_assignments)]
            pub(crate) fn from_values(values: &[Value<'_>], pc: u64) -> Result<Self, (usize, OperandError)> {
                let expected = Self::SPEC.fields.len();
                if values.len() != expected {
                    return Err((values.len().min(expected), OperandError::Count { expected, found: values.len() }));
                }
                let mut i = 0usize;
                Ok(Self { $($field: {
                    let v = <$ty as Field>::from_value(values[i], pc).map_err(|e| (i, e))?;
                    i += 1;
                    v
                }),* })
            }

            /// Writes the field with this index.
            #[allow(unused_variables, unused_mut, unused_assignments)]
            pub(crate) fn write_field(&self, index: usize, out: &mut dyn fmt::Write, ctx: &Context<'_>) -> fmt::Result {
                let mut i = 0usize;
                $(
                    if index == i {
                        return self.$field.write(out, ctx);
                    }
                    i += 1;
                )*
                Ok(())
            }
        }
    )*};
}

formats! {
    /// No operands.
    NoOperands "" {}
    /// A 16-bit code.
    TrapCode " {code}" { code: Code = 32 }
    /// Three registers.
    Reg3 " {rd}, {rs1}, {rs2}" { rd: Reg = 8, rs1: Reg = 13, rs2: Reg = 18 }
    /// Two registers and a sign-extended 32-bit immediate.
    RegImm " {rd}, {rs1}, {imm}" { rd: Reg = 8, rs1: Reg = 13, imm: Imm32 = 32 }
    /// Two registers and a shift amount.
    Shift " {rd}, {rs1}, {shamt}" { rd: Reg = 8, rs1: Reg = 13, shamt: Shamt = 32 }
    /// A register and the upper half of a 64-bit value.
    Upper " {rd}, {imm}" { rd: Reg = 8, imm: Imm32 = 32 }
    /// A load: destination, offset and base.
    Load " {rd}, {imm}({rs1})" { rd: Reg = 8, imm: Imm32 = 32, rs1: Reg = 13 }
    /// A store: source, offset and base.
    Store " {rs2}, {imm}({rs1})" { rs2: Reg = 18, imm: Imm32 = 32, rs1: Reg = 13 }
    /// A conditional branch: two registers compared and a code target.
    Branch " {rs1}, {rs2}, {target}" { rs1: Reg = 13, rs2: Reg = 18, target: Target = 32 }
    /// A jump that links: the return-address register and a code target.
    Jump " {rd}, {target}" { rd: Reg = 8, target: Target = 32 }
    /// A register and a control/status register.
    CsrRead " {rd}, {csr}" { rd: Reg = 8, csr: Csr = 32 }
    /// A semaphore and an amount `x[rs1] + imm`.
    SemOp " {sem}, {rs1}, {imm}" { sem: Sem = 8, rs1: Reg = 13, imm: Imm32 = 32 }
    /// A register and a semaphore.
    SemRead " {rd}, {sem}" { rd: Reg = 8, sem: Sem = 13 }
    /// A chip, a tile, a semaphore there, and an amount.
    SemSignal " {rchip}, {rtile}, {sem}, {imm}" { rchip: Reg = 13, rtile: Reg = 18, sem: Sem = 8, imm: Imm32 = 32 }
    /// An engine queue, a semaphore and an amount.
    QueueSem " {queue}, {sem}, {imm}" { queue: Queue = 28, sem: Sem = 8, imm: Imm32 = 32 }
    /// One dimension of the DMA descriptor: count and byte strides from registers.
    DmaDim " {dim}, {rcount}, {rsrc_stride}, {rdst_stride}" {
        dim: Dim = 28, rcount: Reg = 13, rsrc_stride: Reg = 18, rdst_stride: Reg = 23
    }
    /// The DMA descriptor's element types and options.
    DmaCfg " {src}, {dst}, {flags}" { src: AnyType = 28, dst: AnyType = 32, flags: DmaFlags = 36 }
    /// A DMA transfer: destination and source addresses, and the semaphore completion signals.
    DmaXfer " {rdst}, {rsrc}, {sem}" { rdst: Reg = 8, rsrc: Reg = 13, sem: Sem = 18 }
    /// The matrix unit's dataflow and input type.
    MxCfg " {dataflow}, {dtype}" { dataflow: Dataflow = 28, dtype: MatType = 32 }
    /// The stationary operand: its address and K×N extent.
    MxLoad " {rsrc}, {rk}, {rn}" { rsrc: Reg = 8, rk: Reg = 13, rn: Reg = 18 }
    /// A multiply: accumulator address, streamed operand address, and M.
    MxMul " {racc}, {rsrc}, {rm}" { racc: Reg = 8, rsrc: Reg = 13, rm: Reg = 18 }
    /// The output stage: activation, output type, scale and bias registers.
    MxPost " {act}, {odt}, {rscale}, {rbias}" { act: Activation = 28, odt: OutType = 32, rscale: Reg = 13, rbias: Reg = 18 }
    /// Accumulators out: destination, accumulator address, M and N.
    MxOut " {rdst}, {racc}, {rm}, {rn}" { rdst: Reg = 8, racc: Reg = 13, rm: Reg = 18, rn: Reg = 23 }
    /// The vector unit's element strides for the destination and both sources.
    VStride " {rsd}, {rsa}, {rsb}" { rsd: Reg = 8, rsa: Reg = 13, rsb: Reg = 18 }
    /// A binary vector operation over `x[rlen]` elements.
    VBinary ".{dt} {vd}, {va}, {vb}, {rlen}" { dt: VecType = 28, vd: Reg = 8, va: Reg = 13, vb: Reg = 18, rlen: Reg = 23 }
    /// A unary vector operation or reduction over `x[rlen]` elements.
    VUnary ".{dt} {vd}, {va}, {rlen}" { dt: VecType = 28, vd: Reg = 8, va: Reg = 13, rlen: Reg = 23 }
    /// A vector function-unit operation over `x[rlen]` floating-point elements.
    VFloat ".{dt} {vd}, {va}, {rlen}" { dt: FloatType = 28, vd: Reg = 8, va: Reg = 13, rlen: Reg = 23 }
    /// A vector type conversion over `x[rlen]` elements.
    VConvert ".{from}.{to} {vd}, {va}, {rlen}" { from: AnyType = 28, to: AnyType = 32, vd: Reg = 8, va: Reg = 13, rlen: Reg = 23 }
    /// A vector fill from a register's low bits.
    VFill ".{dt} {vd}, {rs}, {rlen}" { dt: VecType = 28, vd: Reg = 8, rs: Reg = 13, rlen: Reg = 23 }
}

/// Every format, for the table's self-checks and the manual.
pub const FORMATS: &[&FormatSpec] = &[
    &NoOperands::SPEC,
    &TrapCode::SPEC,
    &Reg3::SPEC,
    &RegImm::SPEC,
    &Shift::SPEC,
    &Upper::SPEC,
    &Load::SPEC,
    &Store::SPEC,
    &Branch::SPEC,
    &Jump::SPEC,
    &CsrRead::SPEC,
    &SemOp::SPEC,
    &SemRead::SPEC,
    &SemSignal::SPEC,
    &QueueSem::SPEC,
    &DmaDim::SPEC,
    &DmaCfg::SPEC,
    &DmaXfer::SPEC,
    &MxCfg::SPEC,
    &MxLoad::SPEC,
    &MxMul::SPEC,
    &MxPost::SPEC,
    &MxOut::SPEC,
    &VStride::SPEC,
    &VBinary::SPEC,
    &VUnary::SPEC,
    &VFloat::SPEC,
    &VConvert::SPEC,
    &VFill::SPEC,
];
