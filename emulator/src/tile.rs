//! A tile: the control core, four engine queues (DMA-in, DMA-out, matrix, vector) with the
//! matrix slot, the scratchpad and accumulator, the semaphores, and the architectural engine
//! state that instructions configure (`D`, `V`, `X`).

use isa::QueueSet;
use isa::memory_map::Memory;

use crate::control::Core;
use crate::dma::Descriptor;
use crate::dma::engine::DmaEngine;
use crate::env::Env;
use crate::matrix::{MatrixSlot, MatrixState};
use crate::memory::{Memories, Storage};
use crate::queue::Queue;
use crate::semaphore::Semaphores;
use crate::sim::link::Link;
use crate::sim::message::Packet;
use crate::vector::Strides;

/// One tile.
pub struct Tile {
    /// The chip it belongs to.
    pub chip: u32,
    /// Its number on the chip.
    pub id: u32,
    /// The control core.
    pub core: Core,
    /// Scratchpad.
    pub spad: Storage,
    /// Accumulator.
    pub acc: Storage,
    /// Semaphores.
    pub sems: Semaphores,
    /// The DMA descriptor `D`.
    pub dma: Descriptor,
    /// The vector strides `V`.
    pub strides: Strides,
    /// The matrix state `X`.
    pub mx: MatrixState,
    /// The engine queues, indexed by [`isa::QueueId::index`].
    pub queues: [Queue; 4],
    /// The matrix unit.
    pub matrix: MatrixSlot,
    /// The DMA-in and DMA-out engines (indexed like their queues).
    pub engines: [DmaEngine; 2],
    /// Messages on their way to the tile: replies for its engines, semaphore increments,
    /// requests for its SRAM port, commits of transfers into its SRAM.
    pub inbox: Link<Packet>,
    /// What its SRAM port answers, each at the cycle it leaves (replies), or happens (commits).
    pub port: Link<Packet>,
}

impl std::fmt::Debug for Tile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tile")
            .field("chip", &self.chip)
            .field("id", &self.id)
            .field("pc", &self.core.pc)
            .finish()
    }
}

impl Tile {
    /// A tile at reset, starting at `entry`.
    pub fn new(env: &Env, chip: u32, id: u32, entry: u64) -> Tile {
        Tile {
            chip,
            id,
            core: Core::new(entry),
            spad: Storage::sram(env.map.spad_bytes),
            acc: Storage::sram(env.map.acc_bytes),
            sems: Semaphores::new(env.semaphores),
            dma: Descriptor::default(),
            strides: Strides::default(),
            mx: MatrixState::reset(env.dataflow),
            queues: Default::default(),
            matrix: MatrixSlot::new(env.array, env.model),
            engines: Default::default(),
            inbox: Link::default(),
            port: Link::default(),
        }
    }

    /// The tile's column and row in the grid.
    pub fn position(&self, env: &Env) -> (u32, u32) {
        (self.id % env.grid_x.max(1), self.id / env.grid_x.max(1))
    }

    /// True when every queue in `mask` is empty and its engine idle.
    #[inline]
    pub fn drained(&self, set: QueueSet) -> bool {
        set.iter().all(|q| self.queues[q.index()].is_idle())
    }

    /// Splits the tile into its matrix slot and a view of its own memories.
    pub fn split_matrix(&mut self) -> (&mut MatrixSlot, Local<'_>) {
        (
            &mut self.matrix,
            Local {
                chip: self.chip,
                tile: self.id,
                spad: &mut self.spad,
                acc: &mut self.acc,
            },
        )
    }

    /// A view of the tile's own memories.
    pub fn local(&mut self) -> Local<'_> {
        Local {
            chip: self.chip,
            tile: self.id,
            spad: &mut self.spad,
            acc: &mut self.acc,
        }
    }
}

/// A tile's own scratchpad and accumulator, as [`Memories`] (what vector and matrix operations
/// may touch).
pub struct Local<'a> {
    chip: u32,
    tile: u32,
    spad: &'a mut Storage,
    acc: &'a mut Storage,
}

impl Memories for Local<'_> {
    fn storage(&self, chip: u32, tile: Option<u32>, memory: Memory) -> Option<&Storage> {
        if chip != self.chip || tile != Some(self.tile) {
            return None;
        }
        match memory {
            Memory::Spad => Some(self.spad),
            Memory::Acc => Some(self.acc),
            _ => None,
        }
    }

    fn storage_mut(
        &mut self,
        chip: u32,
        tile: Option<u32>,
        memory: Memory,
    ) -> Option<&mut Storage> {
        if chip != self.chip || tile != Some(self.tile) {
            return None;
        }
        match memory {
            Memory::Spad => Some(self.spad),
            Memory::Acc => Some(self.acc),
            _ => None,
        }
    }
}
