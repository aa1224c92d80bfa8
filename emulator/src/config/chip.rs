//! `[chip]`: the clock and the block of tiles, and the check that the block fits the mesh.

use serde::{Deserialize, Serialize};

use super::validate::{KeySpec, float, inconsistent, int};
use super::{Config, ConfigError};

/// `[chip]`: the clock and the block of tiles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipConfig {
    /// Core and NoC clock, GHz.
    pub clock_ghz: f64,
    /// Tiles per row of the tile block (the block sits inside the NoC mesh, off its rim).
    pub tiles_x: u32,
    /// Rows of tiles in the tile block.
    pub tiles_y: u32,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    float!("chip.clock_ghz", "GHz", 0.5, 2.0, |c| c.chip.clock_ghz,
        "ZW-1: TPU v4 1.05 GHz, Tenstorrent 1 GHz; 0.5–2.0 GHz"),
    int!("chip.tiles_x", "tiles", 1, 8, |c| c.chip.tiles_x,
        "ZW-1: 16 tiles as a 4x4 block inside the mesh, 1–64 tiles; at most noc.cols − 2"),
    int!("chip.tiles_y", "tiles", 1, 8, |c| c.chip.tiles_y,
        "ZW-1: as chip.tiles_x; at most noc.rows − 2"),
];

/// The tile block sits inside the mesh, off its rim.
pub(super) fn check(c: &Config, out: &mut Vec<ConfigError>) {
    // Tiles sit inside the mesh; its rim holds HBM controllers, L2 slices and fabric ports.
    let inner_x = c.noc.cols.saturating_sub(2);
    if c.chip.tiles_x > inner_x {
        inconsistent(
            out,
            "chip.tiles_x",
            c.chip.tiles_x,
            format!("tiles sit inside the mesh, so at most noc.cols - 2 = {inner_x}"),
        );
    }
    let inner_y = c.noc.rows.saturating_sub(2);
    if c.chip.tiles_y > inner_y {
        inconsistent(
            out,
            "chip.tiles_y",
            c.chip.tiles_y,
            format!("tiles sit inside the mesh, so at most noc.rows - 2 = {inner_y}"),
        );
    }
}
