//! A cycle-accurate model of the ZW chip.
