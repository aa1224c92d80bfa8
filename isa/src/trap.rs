//! Trap causes: why a tile stopped abnormally. The code is what a trap reports.

use core::fmt;

/// Defines the causes once: variant, code, name, description.
macro_rules! causes {
    ($($variant:ident = $code:literal $name:literal $doc:literal;)*) => {
        /// Why a tile trapped.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum Cause { $(#[doc = $doc] $variant),* }

        impl Cause {
            pub const ALL: &'static [Cause] = &[$(Cause::$variant),*];
            /// The cause code.
            pub const fn code(self) -> u16 {
                match self { $(Cause::$variant => $code),* }
            }
            /// A short name.
            pub const fn name(self) -> &'static str {
                match self { $(Cause::$variant => $name),* }
            }
            /// What raises it.
            pub const fn description(self) -> &'static str {
                match self { $(Cause::$variant => $doc),* }
            }
        }
    };
}

causes! {
    IllegalInstruction = 1 "illegal instruction" "The fetched word does not decode (unknown opcode, reserved bits set, or an undefined field value).";
    FetchFault = 2 "fetch fault" "The pc is outside the loaded text or not a multiple of 8.";
    MisalignedAccess = 3 "misaligned access" "A load or store address is not a multiple of its size.";
    AccessFault = 4 "access fault" "A load or store address is not in this tile's scratchpad or accumulator, or beyond its end.";
    DmaFault = 5 "DMA fault" "A DMA descriptor names an invalid address, a region beyond a memory's end, a count of zero, or a conversion the engine lacks.";
    MatrixFault = 6 "matrix fault" "A matrix instruction's shape or operand region is invalid (zero or oversized extents, a region outside the scratchpad or accumulator).";
    VectorFault = 7 "vector fault" "A vector instruction's region is outside the scratchpad or accumulator, or misaligned for its element type.";
    SemaphoreFault = 8 "semaphore fault" "A semaphore would exceed 2^32-1 or fall below zero, or a remote signal names a tile or chip that does not exist.";
    SoftwareTrap = 9 "software trap" "The program executed `trap`; its code is reported with the cause.";
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
