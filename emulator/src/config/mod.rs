//! The chip's configuration: TOML, named presets, overrides, validation and the resolved form.
//!
//! A [`Config`] is plain data read from TOML (every table `deny_unknown_fields`, every key named
//! with its unit). It comes from a built-in preset ([`Config::preset`], ZW-1 is `zw1`), from a
//! file ([`Config::from_file`]) that may itself start from a preset, and from `key=value`
//! overrides ([`Config::set`]). [`Config::validate`] checks every value against its allowed range
//! and the cross-checks between values; [`Config::resolve`] validates and converts every time and
//! rate into integer cycles and bytes per cycle once ([`Resolved`]). docs/config.md lists every key.
//!
//! Each table has its own module holding its struct, its key rows (unit, range, source), its
//! cross-checks and its resolved timing: `chip`, `core`, `systolic`, `vector`, `sram`
//! (scratchpad and accumulator), `l2`, `hbm`, `noc`, `dma`, `semaphore`, `fabric` (with the
//! topology), `host`, `energy`, `numerics`.
//! `modelled` says what the emulator does not model: implementations not built yet (they run as
//! `"ideal"`, with a warning), keys only those read, and keys nothing reads (refused).
//!
//! A file either names a preset and overrides some of its keys, or is complete:
//!
//! ```toml
//! preset = "zw1"        # start from the built-in ZW-1
//! [systolic]
//! rows = 128            # then change what differs
//! cols = 128
//! ```

mod chip;
mod core;
mod dma;
mod energy;
mod error;
mod fabric;
mod hbm;
mod host;
mod l2;
mod modelled;
mod noc;
mod numerics;
mod overlay;
mod resolve;
mod semaphore;
mod sram;
mod systolic;
mod validate;
mod vector;

#[cfg(test)]
mod tests;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use self::core::{CoreConfig, CoreImpl, CoreTiming};
pub use chip::ChipConfig;
pub use dma::{DmaConfig, DmaImpl, DmaTiming};
pub use energy::{EnergyConfig, EnergyTable};
pub use error::ConfigError;
pub use fabric::{FabricConfig, FabricImpl, FabricTiming, TopologyConfig, TopologyKind};
pub use hbm::{HbmConfig, HbmImpl, HbmTiming, PagePolicyConfig, RefreshConfig, SPEED_BINS};
pub use host::{HostConfig, HostTiming};
pub use l2::{L2Config, L2Impl, L2Timing};
pub use modelled::Unmodelled;
pub use noc::{NocConfig, NocImpl, NocTiming, Routing};
pub use numerics::{NumericsConfig, Rounding};
pub use resolve::Resolved;
pub use semaphore::SemaphoreConfig;
pub use sram::{AccumulatorConfig, ScratchpadConfig, SramTiming};
pub use systolic::{Dataflow, SystolicConfig, SystolicImpl, SystolicModel};
pub use validate::{Allowed, KEYS, KeySpec, Reader, Step, key_specs};
pub use vector::{VectorConfig, VectorImpl, VectorTiming};

/// The longest configuration file read, bytes (a complete one with every comment is a few KiB).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The names of the built-in presets, default first.
pub const PRESETS: [&str; 2] = ["zw1", "zw1-hbm3"];

/// The built-in presets' TOML sources, in the order of [`PRESETS`].
const PRESET_SOURCES: [&str; 2] = [
    include_str!("preset/zw1.toml"),
    include_str!("preset/zw1-hbm3.toml"),
];

/// A whole chip (and system) configuration. Field docs give each key's unit; docs/config.md gives
/// defaults, ranges and sources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// A name for this configuration, shown in reports (the preset's name unless changed).
    pub name: String,
    /// Clock and tile count.
    pub chip: ChipConfig,
    /// The scalar control core of each tile.
    pub core: CoreConfig,
    /// The systolic matrix unit of each tile.
    pub systolic: SystolicConfig,
    /// The vector unit of each tile.
    pub vector: VectorConfig,
    /// Each tile's scratchpad SRAM.
    pub scratchpad: ScratchpadConfig,
    /// Each tile's accumulator SRAM.
    pub accumulator: AccumulatorConfig,
    /// The chip's shared L2.
    pub l2: L2Config,
    /// The chip's HBM.
    pub hbm: HbmConfig,
    /// The on-chip network.
    pub noc: NocConfig,
    /// Each tile's DMA engines.
    pub dma: DmaConfig,
    /// Each tile's hardware semaphores.
    pub semaphore: SemaphoreConfig,
    /// The chip-to-chip links.
    pub fabric: FabricConfig,
    /// How chips are connected, and how many are simulated.
    pub topology: TopologyConfig,
    /// The host link.
    pub host: HostConfig,
    /// Energy per action.
    pub energy: EnergyConfig,
    /// Rounding of arithmetic results.
    pub numerics: NumericsConfig,
}

impl Config {
    /// The built-in preset `name` (see [`PRESETS`]).
    pub fn preset(name: &str) -> Result<Config, ConfigError> {
        overlay::preset(name, 0)
    }

    /// The ZW-1 chip (`zw1`), the built-in default.
    pub fn zw1() -> Config {
        // The built-in preset is tested to parse and validate.
        Config::preset("zw1").unwrap_or_else(|e| unreachable!("built-in preset zw1: {e}"))
    }

    /// A configuration from TOML text: a complete configuration, or a top-level
    /// `preset = "name"` whose other keys override that preset. Unknown keys, missing keys (in a
    /// complete file) and values of the wrong type are errors; ranges are checked by
    /// [`Config::validate`].
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        overlay::from_toml_str(text, 0)
    }

    /// A configuration from a TOML file (see [`Config::from_toml_str`]) of at most
    /// [`MAX_FILE_BYTES`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        use std::io::Read;
        let path = path.as_ref();
        let io = |message: String| ConfigError::Io {
            path: path.display().to_string(),
            message,
        };
        // Read no further than the limit: the input may be a stream that never ends.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| io(e.to_string()))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(io(format!(
                "it is longer than {MAX_FILE_BYTES} bytes, the most a configuration file may be"
            )));
        }
        let text = String::from_utf8(bytes).map_err(|_| io("it is not UTF-8 text".to_string()))?;
        Config::from_toml_str(&text).map_err(|e| e.in_file(path))
    }

    /// Sets one key, as `--set key=value` does: `key` is a dotted path (`systolic.rows`) and
    /// `value` is a TOML value (`128`, `"ideal"`, `[4, 4]`); a value that is not valid TOML is
    /// taken as a string, so `hbm.impl=ideal` works without quotes. Ranges are checked by
    /// [`Config::validate`], after all overrides (one override may make room for another).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        *self = overlay::set(self, key, value)?;
        Ok(())
    }

    /// Applies one `key=value` assignment (see [`Config::set`]).
    pub fn set_assignment(&mut self, assignment: &str) -> Result<(), ConfigError> {
        let (key, value) =
            assignment
                .split_once('=')
                .ok_or_else(|| ConfigError::BadAssignment {
                    text: assignment.to_string(),
                })?;
        self.set(key.trim(), value.trim())
    }

    /// The complete configuration as TOML (for `zw config show`); it parses back to an equal
    /// configuration.
    pub fn to_toml_string(&self) -> String {
        // Every field is a string, number, bool, array or table: serialization cannot fail.
        toml::to_string(self).unwrap_or_else(|e| unreachable!("config serializes: {e}"))
    }

    /// Every valid key, as dotted paths, in alphabetical order.
    pub fn keys() -> Vec<String> {
        overlay::leaf_keys(&overlay::reference_table())
    }

    /// Checks every value against its allowed range and the cross-checks between values; the
    /// first problem found is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match validate::problems(self).into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every problem [`Config::validate`] finds, in key order.
    pub fn problems(&self) -> Vec<ConfigError> {
        validate::problems(self)
    }

    /// Validates, then converts every time and rate into integer cycles and bytes per cycle.
    pub fn resolve(&self) -> Result<Resolved, ConfigError> {
        self.validate()?;
        resolve::resolve(self)
    }

    /// Tiles on the chip.
    pub fn tiles(&self) -> u32 {
        self.chip.tiles_x * self.chip.tiles_y
    }
}

impl Default for Config {
    /// The ZW-1 chip.
    fn default() -> Config {
        Config::zw1()
    }
}
