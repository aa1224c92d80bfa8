//! ZW executables as ELF64 little-endian files: the writer (`object`'s low-level ELF writer,
//! which takes any machine number) and a reader with typed errors (over `goblin`), which the
//! disassembler and the emulator's loader share.
//!
//! The format: `e_machine` = [`isa::abi::EM_ZW`], `e_flags` = the ISA version in the low byte
//! ([`isa::abi::ISA_VERSION`]), `e_type` = `ET_EXEC`, entry = `_start`; one `PT_LOAD` program
//! header per memory that holds sections (imem, spad, l2, hbm); section headers for every
//! section, `.symtab`, `.strtab` and `.shstrtab`.

pub mod read;
pub mod write;
