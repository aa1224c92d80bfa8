//! The ZW instruction set architecture.
//!
//! One table ([`table`]) describes every instruction once; the encoder, decoder, disassembler, the
//! assembler's operand syntax and the reference manual (`docs/isa.md`) are all derived from it.

pub mod dtype;
pub mod memory_map;

pub use dtype::DType;
