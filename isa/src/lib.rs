//! The ZW instruction set architecture.
//!
//! One table ([`table`]) describes every instruction once; the encoder, the total decoder, the
//! disassembler, the assembler's operand syntax ([`text::lookup`], [`Instruction::build`]) and the
//! reference manual (`docs/isa.md`, [`manual::generate`]) are all derived from it.
//!
//! The decoder's contract: [`Instruction::decode`] takes any 64-bit word and gives an
//! [`Instruction`] or a [`DecodeError`] that names what is wrong, never a panic. A word that
//! decodes encodes back to itself, and an instruction encodes to a word that decodes back to it.
//! An [`Instruction`] is its [`Opcode`] and its fields, so decoding costs the same for every
//! opcode; [`Instruction::operation`] gives the typed [`Operation`] to match on.
//!
//! ```
//! use isa::format::RegImm;
//! use isa::operand::Imm32;
//! use isa::{DecodeReason, Instruction, Opcode, Operation, Reg};
//!
//! // addi x5, x0, 5
//! let inst = Instruction::decode(0x0000_0005_0000_0528).unwrap();
//! assert_eq!(inst.opcode(), Opcode::Addi);
//! assert_eq!(inst.to_string(), "addi x5, x0, 5");
//! match inst.operation() {
//!     Operation::Addi(RegImm { rd, rs1, imm }) => {
//!         assert_eq!((rd.index(), rs1, imm.get()), (5, Reg::ZERO, 5));
//!     }
//!     other => panic!("decoded {other}"),
//! }
//!
//! // Built from typed operands, it encodes to the same word.
//! let built = Instruction::from(Operation::Addi(RegImm {
//!     rd: Reg::new(5).unwrap(),
//!     rs1: Reg::ZERO,
//!     imm: Imm32::new(5).unwrap(),
//! }));
//! assert_eq!(built, inst);
//! assert_eq!(built.encode(), 0x0000_0005_0000_0528);
//!
//! // Reserved bits must be zero; the error says which are set.
//! let err = Instruction::decode(0x0000_0005_0000_0528 | 1 << 27).unwrap_err();
//! assert_eq!(err.reason(), DecodeReason::ReservedBits { bits: 1 << 27 });
//! assert_eq!(isa::disassemble(err.word(), &Default::default()), ".dword 0x0000000508000528");
//! ```

pub mod abi;
pub mod check;
pub mod csr;
pub mod dtype;
pub mod elf;
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
pub use spec::{DecodeError, DecodeReason, InstrSpec, QueueId, QueueSet, QueueUse, TimingClass};
pub use table::{INSTRUCTIONS, Opcode, Operation, spec_of};
pub use text::{OperandText, disassemble, lookup};
pub use trap::Cause;
