//! A cycle-accurate model of the ZW chip.

pub mod bench;
pub mod chip;
pub mod config;
pub mod control;
pub mod dma;
pub mod env;
pub mod loader;
pub mod machine;
pub mod matrix;
pub mod memory;
pub mod memsys;
pub mod network;
pub mod npy;
pub mod numerics;
pub mod program;
pub mod property;
pub mod queue;
pub mod reference;
pub mod semaphore;
pub mod sim;
pub mod stats;
pub mod systolic;
pub mod tile;
pub mod time;
pub mod trace;
pub mod trap;
pub mod vector;

pub use machine::{Machine, RunReport};
pub use sim::{Exit, Waiter};
