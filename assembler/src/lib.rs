//! ZW assembly text to ELF64 executables.
