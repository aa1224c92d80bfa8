//! Every bound that keeps an assembly finite in time and memory whatever the input, in one
//! place. Each is checked before the work or the allocation it bounds, and exceeding one is an
//! error at the line that asked for it.

/// Largest source file (an input or an `.include`d file) read, in bytes.
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;
/// Largest section with file bytes.
pub const MAX_SECTION_BYTES: u64 = 256 << 20;
/// File bytes of all sections of one assembly together.
pub const MAX_OUTPUT_BYTES: u64 = 512 << 20;
/// Statements and lines read in all, counting each repetition and expansion.
pub const MAX_STATEMENTS: u64 = 100_000_000;
/// Memory for expansions: text made by macro and `.irp` substitution and the text of each
/// `.include`d file, plus
/// [`EXPANSION_RECORD_BYTES`] for each `.include`, macro invocation and repeated block.
pub const MAX_EXPANSION_BYTES: u64 = 256 << 20;
/// What each expansion record counts against [`MAX_EXPANSION_BYTES`].
pub const EXPANSION_RECORD_BYTES: u64 = 64;
/// Memory for values not known yet where they are used (fixups: a later label, an `.equ`
/// defined further on), counted as each one's approximate size.
pub const MAX_FIXUP_BYTES: u64 = 256 << 20;
/// Largest executable `zw objdump` reads.
pub const MAX_EXECUTABLE_BYTES: u64 = 1 << 30;

/// Bounds that keep a run finite whatever the input.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest section with file bytes.
    pub max_section_bytes: u64,
    /// File bytes of all sections together.
    pub max_output_bytes: u64,
    /// Statements and lines read in all, counting each repetition and expansion.
    pub max_statements: u64,
    /// `.include`s and macro invocations nested in each other.
    pub max_expansion_depth: usize,
    /// Memory for expansion text and records (see [`MAX_EXPANSION_BYTES`]).
    pub max_expansion_bytes: u64,
    /// Memory for fixups (see [`MAX_FIXUP_BYTES`]).
    pub max_fixup_bytes: u64,
    /// Largest source file read (inputs and `.include`s); `.incbin` reads at most
    /// `max_section_bytes` from a file.
    pub max_source_bytes: u64,
    /// Errors reported before giving up.
    pub max_errors: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_section_bytes: MAX_SECTION_BYTES,
            max_output_bytes: MAX_OUTPUT_BYTES,
            max_statements: MAX_STATEMENTS,
            max_expansion_depth: 100,
            max_expansion_bytes: MAX_EXPANSION_BYTES,
            max_fixup_bytes: MAX_FIXUP_BYTES,
            max_source_bytes: MAX_SOURCE_BYTES,
            max_errors: 50,
        }
    }
}

impl Limits {
    /// Small bounds for fuzzing: any input finishes quickly in little memory.
    pub fn small() -> Limits {
        Limits {
            max_section_bytes: 1 << 20,
            max_output_bytes: 4 << 20,
            max_statements: 20_000,
            max_expansion_depth: 16,
            max_expansion_bytes: 4 << 20,
            max_fixup_bytes: 4 << 20,
            max_source_bytes: 1 << 20,
            max_errors: 20,
        }
    }
}
