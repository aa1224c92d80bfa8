//! The machine: chips of tiles with their memories, a loaded program, and the pending events of
//! a run. This is the library's front door: build one from a config and a program, preload
//! memory, [`Machine::run`] it (cycle-accurate) or [`Machine::run_reference`] (untimed), read
//! memory and registers back, and collect [`crate::stats`].
//!
//! Host accesses use global addresses. An address of the issuing tile's or chip's own memory
//! (spaces 1–4) means what a program section at that address means: a write goes to every tile
//! (scratchpad, accumulator) or every chip (L2, HBM); a read comes from tile 0 of chip 0. Spaces
//! that name a tile or chip reach exactly that one.

use std::path::Path;
use std::sync::Arc;

use isa::memory_map::{ChipSel, Location, TileSel};
use thiserror::Error;

use crate::chip::Chip;
use crate::config::{Config, ConfigError};
use crate::env::Env;
use crate::loader::{self, LoadError};
use crate::memory::{AddressFault, Memories, Place, SharedBytes};
use crate::memsys::{IdealMemory, MemorySystem};
use crate::network::Fabric;
use crate::program::{ImageData, Program};
use crate::sim::ChipRun;
use crate::sim::message::Packet;
use crate::tile::Tile;

/// Why a machine could not be built or reached.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum MachineError {
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The program cannot be loaded.
    #[error("{0}")]
    Load(#[from] LoadError),
    /// A host access names no memory, or leaves it.
    #[error("{0}")]
    Address(#[from] AddressFault),
    /// A host access reaches the instruction memory, which holds decoded text.
    #[error("address {0:#x} is in imem, which the host cannot read or write")]
    Imem(u64),
    /// No such tile or chip.
    #[error("chip {chip} tile {tile} does not exist")]
    NoSuchTile {
        /// The chip asked for.
        chip: u32,
        /// The tile asked for.
        tile: u32,
    },
}

/// A whole simulated system.
pub struct Machine {
    pub(crate) env: Env,
    pub(crate) program: Program,
    pub(crate) chips: Vec<Chip>,
    /// Each chip's part of a run: its components' wakes, memory system, network, trap slot.
    pub(crate) runs: Vec<ChipRun>,
    /// Running cores by their next issue, then flat index (`chip × tiles + tile`); an entry
    /// whose core has moved on or stopped is skipped when it comes up.
    pub(crate) cores: std::collections::BinaryHeap<std::cmp::Reverse<(crate::time::Cycle, usize)>>,
    /// Set when any chip records a trap (the run loop then looks at every chip's slot).
    pub(crate) trapped: bool,
    /// Each chip's next wake, earliest first; stale entries are skipped when they come up.
    pub(crate) chip_wakes:
        std::collections::BinaryHeap<std::cmp::Reverse<(crate::time::Cycle, u32)>>,
    /// The links between chips.
    pub(crate) fabric: Box<dyn Fabric>,
    /// Packets whose arrival is known, sent by a running core or an ideal engine, to deliver
    /// when it stops.
    pub(crate) mail: Vec<(crate::time::Cycle, Packet)>,
    /// The cycle a run ended at (0 before any run).
    pub(crate) end: u64,
    /// How the run loop interleaves tiles (never changes a result).
    pub(crate) schedule: Schedule,
    /// The race checker, when on ([`Machine::check_races`]).
    pub(crate) races: Option<Box<crate::races::RaceChecker>>,
}

/// How far the run loop lets tiles run apart. Any values give the same results, stats and
/// traces (tests check this); they only change how often the loop switches between tiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Cycles a core may run ahead of the others through register-only instructions.
    pub run_ahead: u64,
    /// Caps the lookahead (the machine's own is the most that is safe); `None` for the machine's.
    pub lookahead: Option<u64>,
    /// The order in which components that wake in the same cycle run.
    pub order: ComponentOrder,
}

/// The order in which the components of one cycle run (any order gives the same results).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ComponentOrder {
    /// The fabric, then per chip its network, memory system and tiles.
    #[default]
    Phases,
    /// The reverse: tiles first, the fabric last.
    Reversed,
    /// A permutation drawn from this seed.
    Shuffled(u64),
}

impl ComponentOrder {
    /// The rank of each of the `n` components of chip `chip`.
    fn ranks(self, n: usize, chip: u64) -> Vec<u32> {
        let mut rank: Vec<u32> = (0..n as u32).collect();
        match self {
            ComponentOrder::Phases => {}
            ComponentOrder::Reversed => rank.reverse(),
            ComponentOrder::Shuffled(seed) => {
                // Fisher–Yates with a splitmix64 stream: fixed for a seed on every host.
                let mut s = seed ^ chip.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                for i in (1..n).rev() {
                    s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
                    let mut z = s;
                    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                    z ^= z >> 31;
                    rank.swap(i, (z % (i as u64 + 1)) as usize);
                }
            }
        }
        rank
    }
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            run_ahead: 4096,
            lookahead: None,
            order: ComponentOrder::Phases,
        }
    }
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine")
            .field("chips", &self.chips.len())
            .field("tiles", &self.env.map.tiles)
            .field("end", &self.end)
            .finish()
    }
}

impl Machine {
    /// A machine of `config` with `program` loaded; every tile starts at the entry point.
    pub fn new(config: &Config, program: Program) -> Result<Machine, MachineError> {
        Ok(Machine::with_env(Env::from_config(config)?, program))
    }

    /// A machine with resolved constants `env` and `program` loaded.
    pub fn with_env(env: Env, program: Program) -> Machine {
        let chips = (0..env.map.chips)
            .map(|c| Chip::new(&env, c, program.entry))
            .collect();
        let c = &env.config;
        let runs = (0..env.map.chips)
            .map(|i| {
                let id = crate::sim::component(&env, crate::sim::Component::Memory(i));
                let memory: Box<dyn MemorySystem> = match c.config.hbm.implementation {
                    crate::config::HbmImpl::Ideal => Box::new(IdealMemory::new(c, i, id)),
                    _ => Box::new(crate::hbm::Hbm::new(c, i, id)),
                };
                let network = crate::noc::network(c, i);
                ChipRun::new(&env, memory, network)
            })
            .collect();
        let mut m = Machine {
            runs,
            cores: Default::default(),
            trapped: false,
            chip_wakes: Default::default(),
            fabric: crate::fabric::fabric(c),
            mail: Vec::new(),
            env,
            program,
            chips,
            end: 0,
            schedule: Schedule::default(),
            races: None,
        };
        m.place_images();
        m
    }

    /// A machine of `config` running the ELF executable `elf` (its bytes are shared, not copied).
    pub fn from_elf(config: &Config, elf: SharedBytes) -> Result<Machine, MachineError> {
        let env = Env::from_config(config)?;
        let program = loader::load(elf, &env.map)?;
        Ok(Machine::with_env(env, program))
    }

    /// A machine of `config` running the ELF executable at `path` (mapped, not copied).
    pub fn from_elf_file(config: &Config, path: &Path) -> Result<Machine, MachineError> {
        Machine::from_elf(config, loader::map_file(path)?)
    }

    fn place_images(&mut self) {
        let images = self.program.images.clone();
        for image in images {
            let ImageData::Bytes(bytes) = &image.data else {
                continue;
            };
            for place in self.replicas(&Place {
                chip: 0,
                tile: image.memory.is_tile_local().then_some(0),
                memory: image.memory,
                offset: image.offset,
            }) {
                if let Some(s) = self.chips.as_mut_slice().at_mut(&place) {
                    // The loader checked that every image fits.
                    let _ = s.overlay(place.offset, bytes.clone());
                }
            }
        }
    }

    /// Every copy of an own-address place: all tiles, or all chips.
    fn replicas(&self, p: &Place) -> Vec<Place> {
        let mut out = Vec::new();
        for chip in 0..self.env.map.chips {
            match p.tile {
                Some(_) => {
                    for tile in 0..self.env.map.tiles {
                        out.push(Place {
                            chip,
                            tile: Some(tile),
                            ..*p
                        });
                    }
                }
                None => out.push(Place { chip, ..*p }),
            }
        }
        out
    }

    /// The places a host access of `len` bytes at `addr` reaches (see the module docs).
    fn host_places(&self, addr: u64, len: u64, all: bool) -> Result<Vec<Place>, MachineError> {
        let place = self.env.map.resolve_span(addr, 0, len.into(), 0, 0)?;
        if place.memory == isa::memory_map::Memory::Imem {
            return Err(MachineError::Imem(addr));
        }
        let own = Location::decode(addr)
            .map(|l| l.chip == ChipSel::Own && l.tile == TileSel::Own)
            .unwrap_or(false);
        Ok(if own && all {
            self.replicas(&place)
        } else {
            vec![place]
        })
    }

    /// Writes `data` at global address `addr` (own addresses: every tile or chip).
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MachineError> {
        for p in self.host_places(addr, data.len() as u64, true)? {
            if let Some(s) = self.chips.as_mut_slice().at_mut(&p) {
                s.write(p.offset, data).map_err(|e| {
                    MachineError::Address(AddressFault::OutOfRange {
                        addr,
                        first: i128::from(e.offset),
                        len: u128::from(e.len),
                        memory: p.memory,
                        size: e.size,
                    })
                })?;
            }
        }
        Ok(())
    }

    /// Makes the file at `path` the contents of memory at `addr` without copying it (for large
    /// tensors in L2 or HBM; tile memories copy). Own addresses reach every tile or chip.
    pub fn map_file(&mut self, addr: u64, path: &Path) -> Result<(), MachineError> {
        self.write_shared(addr, loader::map_file(path)?)
    }

    /// Makes `bytes` the contents of memory at `addr`, sharing rather than copying them in L2
    /// and HBM. Own addresses reach every tile or chip.
    pub fn write_shared(&mut self, addr: u64, bytes: SharedBytes) -> Result<(), MachineError> {
        let len = (*bytes).as_ref().len() as u64;
        for p in self.host_places(addr, len, true)? {
            if let Some(s) = self.chips.as_mut_slice().at_mut(&p) {
                let _ = s.overlay(p.offset, bytes.clone());
            }
        }
        Ok(())
    }

    /// Reads `len` bytes at global address `addr` (own addresses: tile 0 of chip 0).
    pub fn read(&self, addr: u64, len: u64) -> Result<Vec<u8>, MachineError> {
        let places = self.host_places(addr, len, false)?;
        let p = places[0];
        let mut out = vec![0u8; len as usize];
        if let Some(s) = self.chips.as_slice().at(&p) {
            s.read(p.offset, &mut out).map_err(|_| {
                MachineError::Address(AddressFault::OutOfRange {
                    addr,
                    first: i128::from(p.offset),
                    len: u128::from(len),
                    memory: p.memory,
                    size: s.size(),
                })
            })?;
        }
        Ok(out)
    }

    /// The `len` bytes at global address `addr`, as [`Machine::read`] sees them, in pieces of
    /// at most [`PIECE_BYTES`]: a caller that writes each piece out (a dump of a whole HBM) holds
    /// one piece at a time, and stretches never written come as [`Piece::Zeros`] without being
    /// read. The range is checked before the first piece.
    pub fn read_pieces(
        &self,
        addr: u64,
        len: u64,
    ) -> Result<impl Iterator<Item = Piece> + '_, MachineError> {
        let p = self.host_places(addr, len, false)?[0];
        let s = self
            .chips
            .as_slice()
            .at(&p)
            .ok_or(MachineError::Imem(addr))?;
        let end = p.offset + len;
        // Pieces end on multiples of PIECE_BYTES, which are whole pages of every memory.
        let mut at = p.offset;
        Ok(std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let next = ((at / PIECE_BYTES + 1) * PIECE_BYTES).min(end);
            let n = next - at;
            let piece = if s.untouched(at, n).unwrap_or(false) {
                Piece::Zeros(n)
            } else {
                let mut bytes = vec![0u8; n as usize];
                // The span was checked against the memory's size above.
                let _ = s.read(at, &mut bytes);
                Piece::Bytes(bytes)
            };
            at = next;
            Some(piece)
        }))
    }

    /// Reads `len` bytes at `addr` as tile `tile` of chip `chip` sees it.
    pub fn read_as(
        &self,
        chip: u32,
        tile: u32,
        addr: u64,
        len: u64,
    ) -> Result<Vec<u8>, MachineError> {
        self.tile(chip, tile)?;
        let p = self.env.map.resolve_span(addr, 0, len.into(), chip, tile)?;
        let mut out = vec![0u8; len as usize];
        match self.chips.as_slice().at(&p) {
            Some(s) => s
                .read(p.offset, &mut out)
                .map_err(|_| MachineError::Imem(addr))?,
            None => return Err(MachineError::Imem(addr)),
        }
        Ok(out)
    }

    /// Tile `tile` of chip `chip`.
    pub fn tile(&self, chip: u32, tile: u32) -> Result<&Tile, MachineError> {
        self.chips
            .get(chip as usize)
            .and_then(|c| c.tiles.get(tile as usize))
            .ok_or(MachineError::NoSuchTile { chip, tile })
    }

    /// Every tile, chip by chip.
    pub fn tiles(&self) -> impl Iterator<Item = &Tile> {
        self.chips.iter().flat_map(|c| c.tiles.iter())
    }

    /// The chips.
    pub fn chips(&self) -> &[Chip] {
        &self.chips
    }

    /// The machine's constants.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The loaded program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Sets how the run loop interleaves tiles (see [`Schedule`]).
    pub fn set_schedule(&mut self, schedule: Schedule) {
        self.schedule = schedule;
        let n = crate::sim::per_chip(&self.env);
        for (chip, run) in self.runs.iter_mut().enumerate() {
            run.wakes.rerank(schedule.order.ranks(n, chip as u64));
        }
    }

    /// The cycle the last run ended at.
    pub fn cycles(&self) -> u64 {
        self.end
    }

    /// Checks the next cycle-accurate run for data races (docs/races.md): pairs of accesses to
    /// the same bytes, at least one a write, that the program's synchronization does not order.
    /// Call before [`Machine::run`]; [`Machine::races`] gives what it found. The untimed
    /// reference interpreter is not checked.
    pub fn check_races(&mut self) {
        self.races = Some(Box::new(crate::races::RaceChecker::new(&self.env)));
    }

    /// The races found so far, in the order found (`None` unless [`Machine::check_races`] was
    /// called): one per pair of instructions, with how often they raced.
    pub fn races(&self) -> Option<Vec<crate::races::Race>> {
        self.races.as_ref().map(|r| r.races(&self.program))
    }
}

/// The most bytes one [`Piece`] of [`Machine::read_pieces`] holds.
pub const PIECE_BYTES: u64 = 1 << 20;

/// A piece of memory read by [`Machine::read_pieces`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// These bytes.
    Bytes(Vec<u8>),
    /// This many zero bytes, never written.
    Zeros(u64),
}

/// A shared reference to bytes the caller owns.
pub fn shared(bytes: Vec<u8>) -> SharedBytes {
    Arc::new(bytes)
}

/// What a run did, for reports (the simulated figures are in [`crate::stats`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// How it ended.
    pub exit: crate::sim::Exit,
    /// Simulated cycles, from reset to the end of the run.
    pub cycles: crate::time::Cycle,
    /// Instructions retired by every control core.
    pub retired_instructions: u64,
    /// Host time the run took, seconds (for host speed only; never part of stats).
    pub host_seconds: f64,
}

impl RunReport {
    /// Simulated cycles per host second.
    pub fn cycles_per_second(&self) -> f64 {
        self.cycles.get() as f64 / self.host_seconds.max(1e-9)
    }

    /// Retired instructions per host second.
    pub fn instructions_per_second(&self) -> f64 {
        self.retired_instructions as f64 / self.host_seconds.max(1e-9)
    }
}

impl Machine {
    /// Runs cycle by cycle until every tile halts, one traps, the machine deadlocks, or
    /// `max_cycles` (if given) is reached.
    pub fn run(&mut self, max_cycles: Option<u64>) -> RunReport {
        self.run_traced(max_cycles, &mut crate::trace::NullSink)
    }

    /// [`Machine::run`], reporting every engine operation and core wait to `trace`.
    pub fn run_traced(
        &mut self,
        max_cycles: Option<u64>,
        trace: &mut dyn crate::trace::TraceSink,
    ) -> RunReport {
        let start = std::time::Instant::now();
        let exit = crate::sim::run(self, max_cycles.unwrap_or(u64::MAX), trace);
        if trace.enabled() {
            // The networks' last samples, cut short where the run ended.
            for run in &mut self.runs {
                run.network.trace_end(crate::time::Cycle(self.end), trace);
            }
        }
        RunReport {
            exit,
            cycles: crate::time::Cycle(self.end),
            retired_instructions: self.tiles().map(|t| t.core.instret).sum(),
            host_seconds: start.elapsed().as_secs_f64(),
        }
    }

    /// Runs the untimed reference interpreter instead (see `reference.rs`), executing at
    /// most `max_instructions` instructions in all.
    pub fn run_reference(&mut self, max_instructions: u64) -> crate::sim::Exit {
        crate::reference::run(self, max_instructions)
    }

    /// The stats of the last run, which ended with `exit`.
    pub fn stats(&self, exit: &crate::sim::Exit) -> crate::stats::MachineStats {
        crate::stats::collect(self, exit)
    }
}

/// The architectural state of one tile: what programs can observe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileState {
    /// Chip and tile.
    pub id: (u32, u32),
    /// Registers.
    pub x: [u64; 32],
    /// The pc.
    pub pc: u64,
    /// Instructions retired.
    pub instret: u64,
    /// Semaphores.
    pub sems: Vec<u32>,
    /// Digest of the scratchpad.
    pub spad: u64,
    /// Digest of the accumulator.
    pub acc: u64,
}

/// The architectural state of a machine: every tile's, and digests of each chip's L2 and HBM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchState {
    /// Every tile, chip by chip.
    pub tiles: Vec<TileState>,
    /// Per chip: (L2 digest, HBM digest).
    pub chips: Vec<(u64, u64)>,
}

impl Machine {
    /// The state a program can observe, for comparing runs (reference against cycle-accurate,
    /// one run against another).
    pub fn architectural_state(&self) -> ArchState {
        ArchState {
            tiles: self
                .tiles()
                .map(|t| TileState {
                    id: (t.chip, t.id),
                    x: t.core.x,
                    pc: t.core.pc,
                    instret: t.core.instret,
                    sems: t.sems.values().to_vec(),
                    spad: t.spad.digest(),
                    acc: t.acc.digest(),
                })
                .collect(),
            chips: self
                .chips
                .iter()
                .map(|c| (c.l2.digest(), c.hbm.digest()))
                .collect(),
        }
    }
}
