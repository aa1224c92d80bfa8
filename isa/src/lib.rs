//! The ZW instruction set architecture.
//!
//! One table ([`table`]) describes every instruction once; the encoder, the total decoder, the
//! disassembler, the assembler's operand syntax ([`text::lookup`], [`Instruction::build`]) and the
//! reference manual (`docs/isa.md`, [`manual::generate`]) are all derived from it.

pub mod abi;
pub mod check;
pub mod csr;
pub mod dtype;
pub mod format;
pub mod fuzz;
pub mod instruction;
pub mod manual;
pub mod memory_map;
pub mod operand;
pub mod pseudo;
pub mod spec;
pub mod table;
pub mod text;
pub mod trap;

pub use csr::Csr;
pub use dtype::DType;
pub use instruction::Instruction;
pub use operand::{Context, OperandError, OperandKind, Reg, Value};
pub use spec::{DecodeError, DecodeReason, InstrSpec, TimingClass};
pub use table::{INSTRUCTIONS, Opcode, Operation, spec_of};
pub use text::{OperandText, disassemble, lookup};
pub use trap::Cause;
