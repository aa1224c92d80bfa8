//! A cycle-accurate model of the ZW chip.
pub mod numerics;
pub mod config;
pub mod time;
pub mod trace;
pub mod systolic;
