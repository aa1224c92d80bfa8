//! The global address format: one 64-bit address names any byte of any memory of any chip.
//!
//! ```text
//!  63            50 49      44 43    40 39                                0
//! +----------------+----------+--------+----------------------------------+
//! |   chip (14)    | tile (6) | space  |           offset (40)            |
//! +----------------+----------+--------+----------------------------------+
//! ```
//!
//! The space field says which memory, and whether the tile and chip fields are used. Fields a space
//! does not use must be zero. The spaces of the issuing tile and chip have small codes, so a tile's
//! own scratchpad is at `0x100_0000_0000`, its accumulator at `0x200_0000_0000`, and so on.

use core::fmt;

/// Bits of the offset field.
pub const OFFSET_BITS: u32 = 40;
/// Bit position of the space field.
pub const SPACE_SHIFT: u32 = 40;
/// Bit position of the tile field.
pub const TILE_SHIFT: u32 = 44;
/// Bit position of the chip field.
pub const CHIP_SHIFT: u32 = 50;
/// Largest tile number an address can name.
pub const MAX_TILE: u32 = (1 << 6) - 1;
/// Largest chip number an address can name.
pub const MAX_CHIP: u32 = (1 << 14) - 1;

/// The kinds of memory on a chip.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Memory {
    /// A tile's instruction memory (holds `.text`; fetched by the control core only).
    Imem,
    /// A tile's scratchpad (SRAM: data, operand tiles, vectors).
    Spad,
    /// A tile's accumulator (fp32/int32 results of the matrix unit).
    Acc,
    /// The chip's shared L2.
    L2,
    /// The chip's HBM.
    Hbm,
}

impl Memory {
    /// The name used in docs and messages.
    pub const fn name(self) -> &'static str {
        match self {
            Memory::Imem => "imem",
            Memory::Spad => "spad",
            Memory::Acc => "acc",
            Memory::L2 => "l2",
            Memory::Hbm => "hbm",
        }
    }

    /// True for memories that belong to one tile.
    pub const fn is_tile_local(self) -> bool {
        matches!(self, Memory::Imem | Memory::Spad | Memory::Acc)
    }
}

/// Which tile of the chip an address reaches.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TileSel {
    /// The tile that issues the access.
    Own,
    /// The tile with this number on the addressed chip.
    Id(u32),
}

/// Which chip an address reaches.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ChipSel {
    /// The chip of the issuing tile.
    Own,
    /// The chip with this number in the system (reached over the fabric).
    Id(u32),
}

/// A decoded global address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Location {
    pub chip: ChipSel,
    /// `Own` for chip-wide memories (L2, HBM), where no tile is named.
    pub tile: TileSel,
    pub memory: Memory,
    pub offset: u64,
}

/// The space codes, in one table: (code, memory, names a tile, names a chip).
const SPACES: [(u64, Memory, bool, bool); 11] = [
    (0, Memory::Imem, false, false),
    (1, Memory::Spad, false, false),
    (2, Memory::Acc, false, false),
    (3, Memory::L2, false, false),
    (4, Memory::Hbm, false, false),
    (5, Memory::Spad, true, false),
    (6, Memory::Acc, true, false),
    (11, Memory::L2, false, true),
    (12, Memory::Hbm, false, true),
    (13, Memory::Spad, true, true),
    (14, Memory::Acc, true, true),
];

/// Why a 64-bit value is not a valid global address.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum AddressError {
    #[error("space code {0} is reserved")]
    ReservedSpace(u64),
    #[error("the {0} field must be zero for this space")]
    UnusedFieldSet(&'static str),
    #[error("tile {0} is beyond the address format's 6-bit tile field")]
    TileOutOfRange(u32),
    #[error("chip {0} is beyond the address format's 14-bit chip field")]
    ChipOutOfRange(u32),
    #[error("offset {0:#x} is beyond the address format's 40-bit offset field")]
    OffsetOutOfRange(u64),
}

impl Location {
    /// A location in the issuing tile's own memory.
    pub const fn own(memory: Memory, offset: u64) -> Location {
        Location {
            chip: ChipSel::Own,
            tile: TileSel::Own,
            memory,
            offset,
        }
    }

    /// Decodes a global address.
    pub fn decode(addr: u64) -> Result<Location, AddressError> {
        let space = (addr >> SPACE_SHIFT) & 0xf;
        let tile = ((addr >> TILE_SHIFT) & MAX_TILE as u64) as u32;
        let chip = (addr >> CHIP_SHIFT) as u32;
        let offset = addr & ((1 << OFFSET_BITS) - 1);
        let &(_, memory, names_tile, names_chip) = SPACES
            .iter()
            .find(|s| s.0 == space)
            .ok_or(AddressError::ReservedSpace(space))?;
        if !names_tile && tile != 0 {
            return Err(AddressError::UnusedFieldSet("tile"));
        }
        if !names_chip && chip != 0 {
            return Err(AddressError::UnusedFieldSet("chip"));
        }
        Ok(Location {
            chip: if names_chip {
                ChipSel::Id(chip)
            } else {
                ChipSel::Own
            },
            tile: if names_tile {
                TileSel::Id(tile)
            } else {
                TileSel::Own
            },
            memory,
            offset,
        })
    }

    /// Encodes this location as a global address.
    pub fn encode(self) -> Result<u64, AddressError> {
        let names_tile = matches!(self.tile, TileSel::Id(_));
        let names_chip = matches!(self.chip, ChipSel::Id(_));
        let &(space, ..) = SPACES
            .iter()
            .find(|s| s.1 == self.memory && s.2 == names_tile && s.3 == names_chip)
            .ok_or(AddressError::UnusedFieldSet(if names_tile {
                "tile"
            } else {
                "chip"
            }))?;
        if self.offset >> OFFSET_BITS != 0 {
            return Err(AddressError::OffsetOutOfRange(self.offset));
        }
        let tile = match self.tile {
            TileSel::Own => 0,
            TileSel::Id(t) if t <= MAX_TILE => t,
            TileSel::Id(t) => return Err(AddressError::TileOutOfRange(t)),
        };
        let chip = match self.chip {
            ChipSel::Own => 0,
            ChipSel::Id(c) if c <= MAX_CHIP => c,
            ChipSel::Id(c) => return Err(AddressError::ChipOutOfRange(c)),
        };
        Ok((chip as u64) << CHIP_SHIFT
            | (tile as u64) << TILE_SHIFT
            | space << SPACE_SHIFT
            | self.offset)
    }

    /// The table of space codes, for the manual: (code, memory, names a tile, names a chip).
    pub fn spaces() -> impl Iterator<Item = (u64, Memory, bool, bool)> {
        let mut all = SPACES;
        all.sort_by_key(|s| s.0);
        all.into_iter()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let ChipSel::Id(c) = self.chip {
            write!(f, "chip {c} ")?;
        }
        if let TileSel::Id(t) = self.tile {
            write!(f, "tile {t} ")?;
        }
        write!(f, "{}+{:#x}", self.memory.name(), self.offset)
    }
}

/// Base address of the issuing tile's instruction memory (where `.text` is placed).
pub const IMEM_BASE: u64 = 0;
/// Base address of the issuing tile's scratchpad (where `.data`, `.rodata`, `.bss` are placed).
pub const SPAD_BASE: u64 = 1 << SPACE_SHIFT;
/// Base address of the issuing tile's accumulator.
pub const ACC_BASE: u64 = 2 << SPACE_SHIFT;
/// Base address of the issuing chip's L2 (where `.l2*` sections are placed).
pub const L2_BASE: u64 = 3 << SPACE_SHIFT;
/// Base address of the issuing chip's HBM (where `.hbm*` sections are placed).
pub const HBM_BASE: u64 = 4 << SPACE_SHIFT;

/// The base address of a memory of the issuing tile or chip.
pub const fn own_base(memory: Memory) -> u64 {
    match memory {
        Memory::Imem => IMEM_BASE,
        Memory::Spad => SPAD_BASE,
        Memory::Acc => ACC_BASE,
        Memory::L2 => L2_BASE,
        Memory::Hbm => HBM_BASE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_location_round_trips_through_its_address() {
        for (_, memory, names_tile, names_chip) in Location::spaces() {
            let loc = Location {
                chip: if names_chip {
                    ChipSel::Id(9000)
                } else {
                    ChipSel::Own
                },
                tile: if names_tile {
                    TileSel::Id(63)
                } else {
                    TileSel::Own
                },
                memory,
                offset: 0x12_3456_789a,
            };
            let addr = loc.encode().unwrap();
            assert_eq!(Location::decode(addr), Ok(loc));
        }
    }

    #[test]
    fn own_bases_decode_to_their_memories() {
        for m in [
            Memory::Imem,
            Memory::Spad,
            Memory::Acc,
            Memory::L2,
            Memory::Hbm,
        ] {
            assert_eq!(Location::decode(own_base(m) + 8), Ok(Location::own(m, 8)));
        }
        assert_eq!(SPAD_BASE, 0x100_0000_0000);
    }

    #[test]
    fn unused_fields_and_reserved_spaces_are_rejected() {
        assert_eq!(
            Location::decode(SPAD_BASE | 1 << TILE_SHIFT),
            Err(AddressError::UnusedFieldSet("tile"))
        );
        assert_eq!(
            Location::decode(HBM_BASE | 1 << CHIP_SHIFT),
            Err(AddressError::UnusedFieldSet("chip"))
        );
        assert_eq!(
            Location::decode(15 << SPACE_SHIFT),
            Err(AddressError::ReservedSpace(15))
        );
    }
}
