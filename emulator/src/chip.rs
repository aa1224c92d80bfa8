//! A chip: its tiles, its L2 and its HBM (ideal memories here; the NoC between them is the ideal
//! fixed-latency network the DMA timing rule charges).

use isa::memory_map::Memory;

use crate::env::Env;
use crate::memory::{Memories, Storage};
use crate::tile::Tile;

/// One chip.
#[derive(Debug)]
pub struct Chip {
    /// Its number in the system.
    pub id: u32,
    /// Its tiles, by number.
    pub tiles: Vec<Tile>,
    /// The shared L2.
    pub l2: Storage,
    /// The HBM.
    pub hbm: Storage,
}

impl Chip {
    /// A chip at reset whose tiles start at `entry`.
    pub fn new(env: &Env, id: u32, entry: u64) -> Chip {
        Chip {
            id,
            tiles: (0..env.map.tiles)
                .map(|t| Tile::new(env, id, t, entry))
                .collect(),
            l2: Storage::paged(env.map.l2_bytes),
            hbm: Storage::paged(env.map.hbm_bytes),
        }
    }
}

impl Memories for [Chip] {
    fn storage(&self, chip: u32, tile: Option<u32>, memory: Memory) -> Option<&Storage> {
        let c = self.get(chip as usize)?;
        match (memory, tile) {
            (Memory::L2, None) => Some(&c.l2),
            (Memory::Hbm, None) => Some(&c.hbm),
            (Memory::Spad, Some(t)) => c.tiles.get(t as usize).map(|t| &t.spad),
            (Memory::Acc, Some(t)) => c.tiles.get(t as usize).map(|t| &t.acc),
            _ => None,
        }
    }

    fn storage_mut(
        &mut self,
        chip: u32,
        tile: Option<u32>,
        memory: Memory,
    ) -> Option<&mut Storage> {
        let c = self.get_mut(chip as usize)?;
        match (memory, tile) {
            (Memory::L2, None) => Some(&mut c.l2),
            (Memory::Hbm, None) => Some(&mut c.hbm),
            (Memory::Spad, Some(t)) => c.tiles.get_mut(t as usize).map(|t| &mut t.spad),
            (Memory::Acc, Some(t)) => c.tiles.get_mut(t as usize).map(|t| &mut t.acc),
            _ => None,
        }
    }
}
