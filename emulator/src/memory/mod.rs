//! The machine's memories: each tile's scratchpad and accumulator, each chip's L2 and HBM.
//!
//! These are *ideal* memories: they hold bytes and answer at once; the time an access takes is
//! charged by the unit that makes it (docs/timing.md). [`region`] resolves global addresses
//! against the configured sizes; [`storage`] holds the bytes.

pub mod region;
pub mod storage;
pub mod strided;

pub use region::{AddressFault, MemoryMap, Place};
pub use storage::{OutOfBounds, SharedBytes, Storage};

use isa::memory_map::Memory;

use crate::config::Resolved;

/// Every memory of the machine, found by its place. Imem holds decoded text, not bytes: it has
/// no storage.
pub trait Memories {
    /// The memory `memory` of tile `tile` (tile memories) or of the chip (`tile: None`).
    fn storage(&self, chip: u32, tile: Option<u32>, memory: Memory) -> Option<&Storage>;
    /// The same, for writing.
    fn storage_mut(&mut self, chip: u32, tile: Option<u32>, memory: Memory)
    -> Option<&mut Storage>;

    /// The memory holding `place`.
    fn at(&self, place: &Place) -> Option<&Storage> {
        self.storage(place.chip, place.tile, place.memory)
    }

    /// The memory holding `place`, for writing.
    fn at_mut(&mut self, place: &Place) -> Option<&mut Storage> {
        self.storage_mut(place.chip, place.tile, place.memory)
    }
}

impl MemoryMap {
    /// The memory map of a resolved configuration.
    pub fn of(config: &Resolved) -> MemoryMap {
        MemoryMap {
            imem_bytes: config.core.imem_bytes,
            spad_bytes: config.scratchpad.bytes,
            acc_bytes: config.accumulator.bytes,
            l2_bytes: config.l2.bytes,
            hbm_bytes: config.hbm.capacity_bytes,
            chips: config.config.topology.chips,
            tiles: config.tiles,
        }
    }
}
