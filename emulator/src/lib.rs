//! A cycle-accurate model of the ZW chip.
//!
//! A run starts from a [`Config`] (a preset such as [`Config::zw1`], a TOML file, `key=value`
//! overrides), builds a [`Machine`] from it and a program ([`Machine::from_elf`],
//! [`Machine::from_elf_file`], or [`Machine::new`] with a [`Program`] from [`loader`]), and runs
//! it: [`Machine::run`] returns a [`RunReport`] whose [`Exit`] says how the run ended (halted,
//! [`Trap`], deadlock with its [`Waiter`]s, cycle limit). After the run:
//!
//! - [`Machine::stats`] collects the [`stats::MachineStats`] that `zw run --stats` writes;
//! - [`Machine::run_traced`] reports every unit's activity to a [`trace::TraceSink`], such as
//!   [`trace::ChromeTraceWriter`];
//! - [`Machine::read`] and [`Machine::read_as`] read memory back, [`npy`] reads and writes
//!   `.npy` tensors;
//! - [`Machine::tile`] ([`Tile`]: its [`Core`] registers, its [`Semaphores`]), [`Machine::chips`]
//!   ([`Chip`]), [`Machine::env`] ([`Env`], the resolved configuration) and
//!   [`Machine::architectural_state`] ([`ArchState`]) expose state for inspection;
//! - [`Machine::run_reference`] runs the untimed reference interpreter on the same program, and
//!   [`reference_matches_cycle_accurate`] checks the two agree on a random program.
//!
//! Simulated time is counted in [`Cycle`]s of a [`Clock`]; rates are [`Bandwidth`]s.
//! [`numerics`] holds the chip's element formats and arithmetic, [`systolic`] the matrix unit's
//! array models and their benchmark, [`hbm`] the command-level HBM model, [`bench`](mod@bench)
//! the emulator's own speed benchmarks.

pub mod bench;
pub(crate) mod chip;
pub mod config;
pub(crate) mod control;
pub(crate) mod dma;
pub(crate) mod env;
pub mod fabric;
pub mod fuzz;
pub mod hbm;
pub mod loader;
pub(crate) mod machine;
pub(crate) mod matrix;
pub(crate) mod memory;
pub(crate) mod memsys;
pub(crate) mod network;
pub mod noc;
pub mod npy;
pub mod numerics;
pub(crate) mod program;
pub(crate) mod property;
pub(crate) mod queue;
pub(crate) mod races;
pub(crate) mod reference;
pub(crate) mod semaphore;
pub(crate) mod sim;
pub mod stats;
pub mod systolic;
pub(crate) mod tile;
pub(crate) mod time;
pub mod trace;
pub(crate) mod trap;
pub(crate) mod vector;

pub use chip::Chip;
pub use config::{Config, ConfigError};
pub use control::Core;
pub use env::Env;
pub use machine::{
    ArchState, ComponentOrder, Machine, MachineError, PIECE_BYTES, Piece, RunReport, Schedule,
    TileState, shared,
};
pub use memory::{MemoryMap, SharedBytes};
pub use program::{Image, ImageData, Program};
pub use property::reference_matches_cycle_accurate;
pub use races::{Agent, Race, RaceAccess};
pub use semaphore::Semaphores;
pub use sim::{Exit, Waiter};
pub use tile::Tile;
pub use time::{Bandwidth, Clock, ClockRatio, Cycle, TimeError};
pub use trap::Trap;
