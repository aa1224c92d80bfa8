//! A cycle-accurate model of the ZW chip.
pub mod numerics;
