//! Global addresses resolved against the configured machine: which memory of which tile or chip,
//! and whether a whole span of bytes fits in it (docs/isa.md, "Memory map").

use core::fmt;

use isa::memory_map::{AddressError, ChipSel, Location, Memory, TileSel};
use thiserror::Error;

/// The sizes of every memory and the shape of the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryMap {
    /// Instruction memory per tile, bytes.
    pub imem_bytes: u64,
    /// Scratchpad per tile, bytes.
    pub spad_bytes: u64,
    /// Accumulator per tile, bytes.
    pub acc_bytes: u64,
    /// L2 per chip, bytes.
    pub l2_bytes: u64,
    /// HBM per chip, bytes.
    pub hbm_bytes: u64,
    /// Chips in the system.
    pub chips: u32,
    /// Tiles per chip.
    pub tiles: u32,
}

/// One byte's home: a memory of a tile (`tile: Some`) or of a chip, and the offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Place {
    /// The chip.
    pub chip: u32,
    /// The tile, for tile memories (imem, spad, acc).
    pub tile: Option<u32>,
    /// Which memory.
    pub memory: Memory,
    /// Byte offset in that memory.
    pub offset: u64,
}

impl Place {
    /// The same memory, `delta` bytes further on.
    pub fn at(self, offset: u64) -> Place {
        Place { offset, ..self }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "chip {} ", self.chip)?;
        if let Some(t) = self.tile {
            write!(f, "tile {t} ")?;
        }
        write!(f, "{}+{:#x}", self.memory.name(), self.offset)
    }
}

/// Why an address or span names no memory of this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum AddressFault {
    /// Not a valid global address.
    #[error("address {addr:#x} is invalid: {error}")]
    Invalid {
        /// The address.
        addr: u64,
        /// Why.
        error: AddressError,
    },
    /// A tile number the chip does not have.
    #[error("address {addr:#x} names tile {tile}, but a chip has {tiles} tiles")]
    NoSuchTile {
        /// The address.
        addr: u64,
        /// The tile named.
        tile: u32,
        /// Tiles per chip.
        tiles: u32,
    },
    /// A chip number the system does not have.
    #[error("address {addr:#x} names chip {chip}, but the system has {chips} chips")]
    NoSuchChip {
        /// The address.
        addr: u64,
        /// The chip named.
        chip: u32,
        /// Chips in the system.
        chips: u32,
    },
    /// Bytes beyond the end (or before the start) of the memory.
    #[error(
        "{len} bytes from address {addr:#x} (offset {first}) leave {memory}, which holds {size:#x} bytes",
        memory = .memory.name()
    )]
    OutOfRange {
        /// The address.
        addr: u64,
        /// Offset of the first byte, relative to the memory's start (negative: before it).
        first: i128,
        /// Bytes spanned.
        len: u128,
        /// The memory.
        memory: Memory,
        /// Its configured size.
        size: u64,
    },
}

impl MemoryMap {
    /// The configured size of `memory`, bytes.
    pub const fn size(&self, memory: Memory) -> u64 {
        match memory {
            Memory::Imem => self.imem_bytes,
            Memory::Spad => self.spad_bytes,
            Memory::Acc => self.acc_bytes,
            Memory::L2 => self.l2_bytes,
            Memory::Hbm => self.hbm_bytes,
        }
    }

    /// The memory `addr` names, seen from tile `tile` of chip `chip` (which "own" means).
    pub fn resolve(&self, addr: u64, chip: u32, tile: u32) -> Result<Place, AddressFault> {
        let loc = Location::decode(addr).map_err(|error| AddressFault::Invalid { addr, error })?;
        let chip = match loc.chip {
            ChipSel::Own => chip,
            ChipSel::Id(c) if c < self.chips => c,
            ChipSel::Id(c) => {
                return Err(AddressFault::NoSuchChip {
                    addr,
                    chip: c,
                    chips: self.chips,
                });
            }
        };
        let tile = if loc.memory.is_tile_local() {
            Some(match loc.tile {
                TileSel::Own => tile,
                TileSel::Id(t) if t < self.tiles => t,
                TileSel::Id(t) => {
                    return Err(AddressFault::NoSuchTile {
                        addr,
                        tile: t,
                        tiles: self.tiles,
                    });
                }
            })
        } else {
            None
        };
        Ok(Place {
            chip,
            tile,
            memory: loc.memory,
            offset: loc.offset,
        })
    }

    /// Resolves `addr` and checks that the bytes from `addr + lo` up to (not including)
    /// `addr + hi` all lie in the memory it names. Returns the place of `addr` itself.
    pub fn resolve_span(
        &self,
        addr: u64,
        lo: i128,
        hi: i128,
        chip: u32,
        tile: u32,
    ) -> Result<Place, AddressFault> {
        let place = self.resolve(addr, chip, tile)?;
        let size = self.size(place.memory);
        let first = place.offset as i128 + lo;
        let end = place.offset as i128 + hi;
        if first < 0 || end > size as i128 || end < first {
            return Err(AddressFault::OutOfRange {
                addr,
                first,
                len: (hi - lo).max(0) as u128,
                memory: place.memory,
                size,
            });
        }
        Ok(place)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use isa::memory_map::{HBM_BASE, SPAD_BASE};

    fn map() -> MemoryMap {
        MemoryMap {
            imem_bytes: 1024,
            spad_bytes: 4096,
            acc_bytes: 512,
            l2_bytes: 1 << 20,
            hbm_bytes: 1 << 30,
            chips: 2,
            tiles: 4,
        }
    }

    #[test]
    fn own_addresses_resolve_to_the_issuing_tile() {
        let p = map().resolve(SPAD_BASE + 16, 1, 3).unwrap();
        assert_eq!(
            p,
            Place {
                chip: 1,
                tile: Some(3),
                memory: Memory::Spad,
                offset: 16
            }
        );
        let h = map().resolve(HBM_BASE + 8, 1, 3).unwrap();
        assert_eq!(h.tile, None);
    }

    #[test]
    fn remote_tiles_and_chips_must_exist() {
        let remote = Location {
            chip: ChipSel::Id(1),
            tile: TileSel::Id(2),
            memory: Memory::Spad,
            offset: 0,
        }
        .encode()
        .unwrap();
        assert_eq!(map().resolve(remote, 0, 0).unwrap().tile, Some(2));
        let missing = Location {
            chip: ChipSel::Own,
            tile: TileSel::Id(9),
            memory: Memory::Spad,
            offset: 0,
        }
        .encode()
        .unwrap();
        assert!(matches!(
            map().resolve(missing, 0, 0),
            Err(AddressFault::NoSuchTile { tile: 9, .. })
        ));
    }

    #[test]
    fn spans_must_stay_inside_one_memory() {
        let m = map();
        assert!(m.resolve_span(SPAD_BASE, 0, 4096, 0, 0).is_ok());
        assert!(m.resolve_span(SPAD_BASE, 0, 4097, 0, 0).is_err());
        assert!(m.resolve_span(SPAD_BASE + 8, -8, 8, 0, 0).is_ok());
        assert!(m.resolve_span(SPAD_BASE + 8, -9, 8, 0, 0).is_err());
    }
}
