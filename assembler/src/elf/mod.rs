//! ZW executables as ELF64 little-endian files, written with `object`'s low-level ELF writer
//! (which takes any machine number). They are read back by [`isa::elf`], the reader the
//! disassembler shares with the emulator's loader.
//!
//! The format: `e_machine` = [`isa::abi::EM_ZW`], `e_flags` = the ISA version in the low byte
//! ([`isa::abi::ISA_VERSION`]), `e_type` = `ET_EXEC`, entry = `_start`; one `PT_LOAD` program
//! header per memory that holds sections (imem, spad, l2, hbm); section headers for every
//! section, `.symtab`, `.strtab` and `.shstrtab`.

pub mod write;
