//! The resolved configuration: every time and rate converted once to integer core cycles and exact
//! bytes per cycle (rounding rules in [`crate::time`]). Each table's timing type and conversion
//! live in that table's module; this one holds the whole and the shared conversions.

use isa::DType;

use super::core::CoreTiming;
use super::dma::DmaTiming;
use super::energy::EnergyTable;
use super::fabric::FabricTiming;
use super::hbm::HbmTiming;
use super::host::HostTiming;
use super::l2::L2Timing;
use super::noc::NocTiming;
use super::sram::SramTiming;
use super::vector::VectorTiming;
use super::{Config, ConfigError};
use crate::time::{Bandwidth, Clock, Cycle, TimeError};

/// A validated configuration with every time in [`Cycle`]s and every rate a [`Bandwidth`].
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The configuration this was resolved from (for sizes, shapes and implementation choices).
    pub config: Config,
    /// The core and NoC clock.
    pub clock: Clock,
    /// Tiles on the chip (`chip.tiles_x × chip.tiles_y`).
    pub tiles: u32,
    /// The scalar control core.
    pub core: CoreTiming,
    /// Latency of every matrix operation when `systolic.impl = "ideal"`.
    pub systolic_ideal_latency: Cycle,
    /// The vector unit.
    pub vector: VectorTiming,
    /// Each tile's scratchpad.
    pub scratchpad: SramTiming,
    /// Each tile's accumulator.
    pub accumulator: SramTiming,
    /// The shared L2.
    pub l2: L2Timing,
    /// The HBM.
    pub hbm: HbmTiming,
    /// The on-chip network.
    pub noc: NocTiming,
    /// Each DMA engine.
    pub dma: DmaTiming,
    /// The chip-to-chip links.
    pub fabric: FabricTiming,
    /// The host link.
    pub host: HostTiming,
    /// Energy per action.
    pub energy: EnergyTable,
}

impl Resolved {
    /// The mesh position (column, row) of `tile`: tiles fill the block inside the mesh's rim row
    /// by row, tile 0 at (1, 1). `None` for a tile the chip does not have.
    pub fn tile_position(&self, tile: u32) -> Option<(u32, u32)> {
        let x = self.config.chip.tiles_x;
        (tile < self.tiles).then(|| (1 + tile % x, 1 + tile / x))
    }

    /// Multiply-accumulates one tile's matrix unit does per cycle with inputs of `dtype`.
    pub fn tile_macs_per_cycle(&self, dtype: DType) -> Option<u64> {
        let s = &self.config.systolic;
        let rate = self.config.macs_per_pe_cycle(dtype)?;
        Some(u64::from(s.rows) * u64::from(s.cols) * u64::from(rate))
    }
}

pub(super) fn cycles(n: u32) -> Cycle {
    Cycle(u64::from(n))
}

pub(super) fn time_error(key: &str) -> impl Fn(TimeError) -> ConfigError + '_ {
    move |e| ConfigError::BadValue {
        message: format!("{key}: {e}"),
    }
}

pub(super) fn bytes_per_cycle(n: u32, key: &str) -> Result<Bandwidth, ConfigError> {
    Bandwidth::per_cycle(u64::from(n)).ok_or_else(|| ConfigError::BadValue {
        message: format!("{key}: a bandwidth must be greater than zero"),
    })
}

/// The clock that times and rates are converted with.
pub(super) struct Units {
    /// The core and NoC clock.
    pub(super) clock: Clock,
}

impl Units {
    /// A time in ns, in cycles rounded up.
    pub(super) fn ns(&self, value: f64, key: &'static str) -> Result<Cycle, ConfigError> {
        self.clock.cycles_from_ns(value).map_err(time_error(key))
    }

    /// A rate in GB/s, in exact bytes per cycle.
    pub(super) fn gb(&self, value: f64, key: &'static str) -> Result<Bandwidth, ConfigError> {
        self.clock
            .bandwidth_from_gb_per_s(value)
            .map_err(time_error(key))
    }
}

/// Converts a validated configuration.
pub(crate) fn resolve(c: &Config) -> Result<Resolved, ConfigError> {
    let clock = Clock::from_ghz(c.chip.clock_ghz).map_err(time_error("chip.clock_ghz"))?;
    let u = Units { clock };
    Ok(Resolved {
        config: c.clone(),
        clock,
        tiles: c.tiles(),
        core: super::core::resolve(c)?,
        systolic_ideal_latency: cycles(c.systolic.ideal_latency_cycles),
        vector: super::vector::resolve(c)?,
        scratchpad: super::sram::resolve_scratchpad(c)?,
        accumulator: super::sram::resolve_accumulator(c)?,
        l2: super::l2::resolve(c)?,
        hbm: super::hbm::resolve(c, &u)?,
        noc: super::noc::resolve(c)?,
        dma: super::dma::resolve(c)?,
        fabric: super::fabric::resolve(c, &u)?,
        host: super::host::resolve(c, &u)?,
        energy: super::energy::resolve(c)?,
    })
}
