//! Control/status registers, read with `csrr`. All are read-only to programs.

/// Defines the CSR list once: variant, number, name, description.
macro_rules! csrs {
    ($($variant:ident = $number:literal $name:literal $doc:literal;)*) => {
        /// A control/status register.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum Csr { $(#[doc = $doc] $variant),* }

        impl Csr {
            /// Every CSR, in number order.
            pub const ALL: &'static [Csr] = &[$(Csr::$variant),*];

            /// The 12-bit CSR number.
            pub const fn number(self) -> u16 {
                match self { $(Csr::$variant => $number),* }
            }

            /// The CSR with this number, if defined.
            pub const fn from_number(number: u16) -> Option<Csr> {
                match number { $($number => Some(Csr::$variant),)* _ => None }
            }

            /// The name used in assembly.
            pub const fn name(self) -> &'static str {
                match self { $(Csr::$variant => $name),* }
            }

            /// What the CSR holds.
            pub const fn description(self) -> &'static str {
                match self { $(Csr::$variant => $doc),* }
            }

            /// The CSR named `name`.
            pub fn from_name(name: &str) -> Option<Csr> {
                match name { $($name => Some(Csr::$variant),)* _ => None }
            }
        }
    };
}

csrs! {
    TileId = 0x000 "tile_id" "This tile's number on its chip, 0..num_tiles-1 (row-major over the tile grid).";
    ChipId = 0x001 "chip_id" "This chip's number in the system, 0..num_chips-1.";
    NumTiles = 0x002 "num_tiles" "Tiles per chip.";
    NumChips = 0x003 "num_chips" "Chips in the system.";
    TileX = 0x004 "tile_x" "This tile's column in the tile grid.";
    TileY = 0x005 "tile_y" "This tile's row in the tile grid.";
    GridX = 0x006 "grid_x" "Columns of the tile grid.";
    GridY = 0x007 "grid_y" "Rows of the tile grid.";
    Cycle = 0x010 "cycle" "Core clock cycles since reset (the tile's view of time).";
    Instret = 0x011 "instret" "Instructions this tile's control core has retired.";
    SpadBytes = 0x020 "spad_bytes" "Size of this tile's scratchpad in bytes.";
    AccBytes = 0x021 "acc_bytes" "Size of this tile's accumulator in bytes.";
    MxRows = 0x022 "mx_rows" "Rows of the systolic array (the K extent of one weight tile).";
    MxCols = 0x023 "mx_cols" "Columns of the systolic array (the N extent of one weight tile).";
    VecLanes = 0x024 "vec_lanes" "fp32 lanes of the vector unit.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_numbers_and_names_are_unique_and_round_trip() {
        for (i, a) in Csr::ALL.iter().enumerate() {
            assert_eq!(Csr::from_number(a.number()), Some(*a));
            assert_eq!(Csr::from_name(a.name()), Some(*a));
            assert!(a.number() < 1 << 12);
            for b in &Csr::ALL[i + 1..] {
                assert_ne!(a.number(), b.number());
                assert_ne!(a.name(), b.name());
            }
        }
    }
}
