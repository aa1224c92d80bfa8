//! The chip's configuration: TOML, named presets, overrides, validation and the resolved form.
//!
//! A [`Config`] is plain data read from TOML (every table `deny_unknown_fields`, every key named
//! with its unit). It comes from a built-in preset ([`Config::preset`], ZW-1 is `zw1`), from a
//! file ([`Config::from_file`]) that may itself start from a preset, and from `key=value`
//! overrides ([`Config::set`]). [`Config::validate`] checks every value against its allowed range
//! and the cross-checks between values; [`Config::resolve`] validates and converts every time and
//! rate into integer cycles and bytes per cycle once ([`Resolved`]). docs/config.md lists every key.
//!
//! A file either names a preset and overrides some of its keys, or is complete:
//!
//! ```toml
//! preset = "zw1"        # start from the built-in ZW-1
//! [systolic]
//! rows = 128            # then change what differs
//! cols = 128
//! ```

mod error;
mod overlay;
mod resolve;
mod validate;

#[cfg(test)]
mod tests;

use std::path::Path;

use isa::DType;
use serde::{Deserialize, Serialize};

pub use error::ConfigError;
pub use resolve::{
    CoreTiming, DmaTiming, EnergyTable, FabricTiming, HbmTiming, HostTiming, L2Timing, NocTiming,
    Resolved, SramTiming, VectorTiming,
};
pub use validate::{Allowed, KEYS, KeySpec, Step, key_specs};

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

/// Which scalar core model runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoreImpl {
    /// In-order issue with the per-class latencies below.
    InOrder,
    /// Every instruction takes `ideal_latency_cycles`.
    Ideal,
}

/// `[core]`: the scalar control core (in-order RISC, 32 general registers fixed by the ISA).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoreConfig {
    /// Implementation: `"in-order"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: CoreImpl,
    /// Integer add, logic, shift, compare: cycles from issue to result.
    pub alu_latency_cycles: u32,
    /// Integer multiply, cycles.
    pub mul_latency_cycles: u32,
    /// Integer divide and remainder, cycles.
    pub div_latency_cycles: u32,
    /// Scalar load from the tile's scratchpad into a register, cycles.
    pub load_latency_cycles: u32,
    /// Scalar store, cycles until the core may issue again.
    pub store_latency_cycles: u32,
    /// Extra cycles lost on a taken branch or jump.
    pub branch_penalty_cycles: u32,
    /// Control/status register read or write (tile id, cycle counter...), cycles.
    pub csr_latency_cycles: u32,
    /// Entries in each matrix and vector engine command queue; a full queue stalls issue.
    pub engine_queue_depth: u32,
    /// Instruction memory per tile, KiB.
    pub imem_size_kib: u32,
    /// Latency of every instruction when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// Which matrix unit implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SystolicImpl {
    /// A systolic array of `rows` × `cols` processing elements.
    Systolic,
    /// Exact results after `ideal_latency_cycles`, whatever the shape.
    Ideal,
}

// The config names the systolic models' own types, so a value read from a file is the one the
// array runs with.
pub use crate::systolic::{Dataflow, Model as SystolicModel};

/// `[systolic]`: the matrix unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystolicConfig {
    /// Implementation: `"systolic"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: SystolicImpl,
    /// Simulation model: `"fast"` or `"register"`.
    pub model: SystolicModel,
    /// Processing-element rows.
    pub rows: u32,
    /// Processing-element columns.
    pub cols: u32,
    /// Default dataflow: `"ws"`, `"os"` or `"is"`.
    pub dataflow: Dataflow,
    /// Overlap loading the next stationary operand with the current computation (double buffer).
    pub overlap: bool,
    /// bf16 multiply-accumulates per processing element per cycle.
    pub bf16_macs_per_pe_cycle: u32,
    /// fp16 multiply-accumulates per processing element per cycle.
    pub fp16_macs_per_pe_cycle: u32,
    /// fp8 (E4M3 and E5M2) multiply-accumulates per processing element per cycle.
    pub fp8_macs_per_pe_cycle: u32,
    /// int8 multiply-accumulates per processing element per cycle.
    pub int8_macs_per_pe_cycle: u32,
    /// Latency of every matrix operation when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// Which vector unit implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VectorImpl {
    /// A pipelined SIMD unit with the per-operation latencies below.
    Simd,
    /// Every operation takes `ideal_latency_cycles`.
    Ideal,
}

/// `[vector]`: the vector unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorConfig {
    /// Implementation: `"simd"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: VectorImpl,
    /// Width of one vector, bits (2048 = 128 bf16 or 64 fp32 lanes).
    pub width_bits: u32,
    /// Vector operations in flight at once (one may issue per cycle up to this many).
    pub pipeline_depth: u32,
    /// Add, subtract, min, max, compare: cycles from issue to result.
    pub add_latency_cycles: u32,
    /// Multiply, cycles.
    pub mul_latency_cycles: u32,
    /// Fused multiply-add, cycles.
    pub fma_latency_cycles: u32,
    /// Type conversion, cycles.
    pub convert_latency_cycles: u32,
    /// Exponential, cycles.
    pub exp_latency_cycles: u32,
    /// Reciprocal, cycles.
    pub recip_latency_cycles: u32,
    /// Reciprocal square root, cycles.
    pub rsqrt_latency_cycles: u32,
    /// Hyperbolic tangent, cycles.
    pub tanh_latency_cycles: u32,
    /// GELU, cycles.
    pub gelu_latency_cycles: u32,
    /// Reduction across the lanes of one vector (sum, max), cycles.
    pub reduce_latency_cycles: u32,
    /// Latency of every operation when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// `[scratchpad]`: each tile's scratchpad.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScratchpadConfig {
    /// Capacity per tile, KiB.
    pub size_kib: u32,
    /// Independent banks.
    pub banks: u32,
    /// Bytes each bank reads or writes per cycle.
    pub bank_bytes_per_cycle: u32,
    /// Access latency, cycles.
    pub latency_cycles: u32,
}

/// `[accumulator]`: each tile's accumulator (fp32/int32 results of the matrix unit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccumulatorConfig {
    /// Capacity per tile, KiB.
    pub size_kib: u32,
    /// Bytes read or written per cycle.
    pub bytes_per_cycle: u32,
    /// Access latency, cycles.
    pub latency_cycles: u32,
}

/// Which L2 implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum L2Impl {
    /// Slices on the NoC rim, each with its own latency and port bandwidth.
    Sliced,
    /// Fixed latency, unlimited bandwidth.
    Ideal,
}

/// `[l2]`: the chip's shared on-chip memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L2Config {
    /// Implementation: `"sliced"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: L2Impl,
    /// Capacity of the whole L2, KiB (0: no L2).
    pub size_kib: u32,
    /// Slices, each a NoC endpoint on the mesh rim.
    pub slices: u32,
    /// Bytes per cycle each slice reads or writes.
    pub slice_bytes_per_cycle: u32,
    /// Slice access latency (excluding the NoC), cycles.
    pub latency_cycles: u32,
    /// Latency of every access when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// Which HBM implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HbmImpl {
    /// HBM2E timing rules (JESD235 family) with the parameters below.
    Hbm2e,
    /// HBM3 timing rules (JESD238) with the parameters below.
    Hbm3,
    /// Fixed latency and a fixed (or unlimited) bandwidth.
    Ideal,
}

/// `[hbm]`: the chip's high-bandwidth memory. Timing names follow JEDEC (JESD235/JESD238).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HbmConfig {
    /// Implementation: `"hbm2e"`, `"hbm3"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: HbmImpl,
    /// Stacks on the package.
    pub stacks: u32,
    /// Capacity of one stack, GiB.
    pub stack_capacity_gib: u32,
    /// Data rate per pin, Gb/s.
    pub pin_gbit_per_s: f64,
    /// Data pins per stack (the stack's bus width), bits.
    pub bus_bits_per_stack: u32,
    /// Independent channels per stack.
    pub channels_per_stack: u32,
    /// Pseudo-channels per channel.
    pub pseudo_channels_per_channel: u32,
    /// Bank groups per pseudo-channel.
    pub bank_groups: u32,
    /// Banks per bank group.
    pub banks_per_group: u32,
    /// Row (page) size per pseudo-channel, bytes.
    pub row_bytes: u32,
    /// Burst length, beats.
    pub burst_length: u32,
    /// ACT to RD/WR, same bank (tRCD), ns.
    pub t_rcd_ns: f64,
    /// PRE to ACT, same bank (tRP), ns.
    pub t_rp_ns: f64,
    /// ACT to PRE, same bank (tRAS), ns.
    pub t_ras_ns: f64,
    /// ACT to ACT, same bank (tRC), ns.
    pub t_rc_ns: f64,
    /// RD to first data (read latency, tCL/RL), ns.
    pub t_cl_ns: f64,
    /// WR to first data (write latency, tCWL/WL), ns.
    pub t_cwl_ns: f64,
    /// End of write data to PRE (write recovery, tWR), ns.
    pub t_wr_ns: f64,
    /// RD to PRE (tRTP), ns.
    pub t_rtp_ns: f64,
    /// ACT to ACT, different bank groups (tRRD_S), ns.
    pub t_rrd_s_ns: f64,
    /// ACT to ACT, same bank group (tRRD_L), ns.
    pub t_rrd_l_ns: f64,
    /// Window in which at most four ACTs may issue (tFAW), ns.
    pub t_faw_ns: f64,
    /// RD to RD or WR to WR, different bank groups (tCCD_S), ns.
    pub t_ccd_s_ns: f64,
    /// RD to RD or WR to WR, same bank group (tCCD_L), ns.
    pub t_ccd_l_ns: f64,
    /// End of write data to RD, different bank groups (tWTR_S), ns.
    pub t_wtr_s_ns: f64,
    /// End of write data to RD, same bank group (tWTR_L), ns.
    pub t_wtr_l_ns: f64,
    /// Average refresh interval (tREFI), ns.
    pub t_refi_ns: f64,
    /// All-bank refresh cycle time (tRFC), ns.
    pub t_rfc_ns: f64,
    /// Memory controller and PHY pipeline, each way, core cycles.
    pub controller_latency_cycles: u32,
    /// Latency of every access when `impl = "ideal"`, core cycles.
    pub ideal_latency_cycles: u32,
    /// Bandwidth of the whole HBM when `impl = "ideal"`, bytes per core cycle (0: unlimited).
    pub ideal_bytes_per_cycle: u32,
}

/// Which on-chip network implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NocImpl {
    /// A 2D mesh of routers with credit flow control.
    Mesh,
    /// Fixed latency between any two nodes, unlimited bandwidth.
    Ideal,
}

/// Dimension-order routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Routing {
    /// X first, then Y.
    Xy,
    /// Y first, then X.
    Yx,
}

/// `[noc]`: the on-chip network. Tiles sit inside the mesh; HBM controllers, L2 slices and fabric
/// ports sit on its rim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NocConfig {
    /// Implementation: `"mesh"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: NocImpl,
    /// Mesh columns (routers per row).
    pub cols: u32,
    /// Mesh rows.
    pub rows: u32,
    /// Link width, each way, bytes per cycle (one flit per cycle).
    pub link_bytes_per_cycle: u32,
    /// Router pipeline, cycles per hop.
    pub router_latency_cycles: u32,
    /// Link traversal, cycles per hop (at least 1).
    pub link_latency_cycles: u32,
    /// Virtual networks (at least request and response), each with its own buffers.
    pub virtual_networks: u32,
    /// Flit buffers per input port per virtual network (credits).
    pub credits_per_vnet: u32,
    /// Routing: `"xy"` or `"yx"`.
    pub routing: Routing,
    /// Latency between any two nodes when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// Which DMA engine implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DmaImpl {
    /// Descriptor-driven engines moving `bytes_per_cycle` through the NoC.
    Engine,
    /// Every transfer completes after `ideal_latency_cycles`.
    Ideal,
}

/// `[dma]`: each tile's two DMA engines (one moving data in, one out; fixed by the ISA).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DmaConfig {
    /// Implementation: `"engine"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: DmaImpl,
    /// Descriptors each engine's queue holds; a full queue stalls issue.
    pub queue_depth: u32,
    /// Peak bytes each engine moves per cycle.
    pub bytes_per_cycle: u32,
    /// Cycles from dequeuing a descriptor to the first request.
    pub setup_latency_cycles: u32,
    /// Latency of every transfer when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
}

/// `[semaphore]`: each tile's hardware semaphores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SemaphoreConfig {
    /// Semaphores per tile.
    pub count: u32,
}

/// Which fabric implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FabricImpl {
    /// Point-to-point links with latency and bandwidth.
    Link,
    /// Fixed latency between any two chips, unlimited bandwidth.
    Ideal,
}

/// `[fabric]`: each chip's chip-to-chip links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FabricConfig {
    /// Implementation: `"link"` or `"ideal"`.
    #[serde(rename = "impl")]
    pub implementation: FabricImpl,
    /// Links per chip.
    pub links: u32,
    /// Bandwidth of one link, each way, GB/s.
    pub link_gb_per_s: f64,
    /// Latency of one link, ns.
    pub link_latency_ns: f64,
    /// Extra latency per switch traversal (`topology.kind = "switch"`), ns.
    pub switch_hop_ns: f64,
    /// Latency between any two chips when `impl = "ideal"`, ns.
    pub ideal_latency_ns: f64,
}

/// The shape of the chip-to-chip network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TopologyKind {
    /// All-to-all groups of `group_size`, `chips_per_server` chips per server, servers joined by
    /// a scale-out NIC of `scale_out_gbit_per_s`.
    Server,
    /// Every chip linked to every other.
    AllToAll,
    /// A ring.
    Ring,
    /// A torus of `dims` (2 or 3 dimensions).
    Torus,
    /// Every chip linked to one switch.
    Switch,
    /// The undirected links in `edges`.
    Graph,
}

/// `[topology]`: how the simulated chips are connected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologyConfig {
    /// Shape: `"server"`, `"all-to-all"`, `"ring"`, `"torus"`, `"switch"` or `"graph"`.
    pub kind: TopologyKind,
    /// Chips simulated.
    pub chips: u32,
    /// Chips per all-to-all group (`kind = "server"`).
    pub group_size: u32,
    /// Chips per server (`kind = "server"`).
    pub chips_per_server: u32,
    /// Scale-out NIC bandwidth between servers, each way, Gb/s (`kind = "server"`).
    pub scale_out_gbit_per_s: f64,
    /// Torus dimensions, their product equal to `chips` (`kind = "torus"`).
    pub dims: Vec<u32>,
    /// Undirected links as pairs of chip numbers (`kind = "graph"`).
    pub edges: Vec<[u32; 2]>,
}

/// `[host]`: the link to the host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// Bandwidth each way, GB/s.
    pub gb_per_s: f64,
    /// One-way latency, ns.
    pub latency_ns: f64,
}

/// `[energy]`: energy per action, picojoules, and the power envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnergyConfig {
    /// Board power envelope, W.
    pub power_envelope_w: f64,
    /// One bf16 multiply-accumulate into fp32, pJ.
    pub mac_bf16_pj: f64,
    /// One fp16 multiply-accumulate into fp32, pJ.
    pub mac_fp16_pj: f64,
    /// One fp8 multiply-accumulate into fp32, pJ.
    pub mac_fp8_pj: f64,
    /// One int8 multiply-accumulate into int32, pJ.
    pub mac_int8_pj: f64,
    /// One fp32 vector lane operation, pJ.
    pub vector_lane_op_pj: f64,
    /// One byte read or written in a tile SRAM (scratchpad, accumulator), pJ.
    pub sram_byte_pj: f64,
    /// One byte read or written in an L2 slice, pJ.
    pub l2_byte_pj: f64,
    /// One byte read or written in HBM, pJ.
    pub hbm_byte_pj: f64,
    /// One byte moved one NoC hop (router and link), pJ.
    pub noc_hop_byte_pj: f64,
    /// One byte sent over one fabric link, pJ.
    pub fabric_byte_pj: f64,
}

/// How arithmetic results are rounded to narrower types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// Round to nearest, ties to even.
    Rne,
    /// Stochastic rounding from a seeded generator.
    Stochastic,
}

/// `[numerics]`: rounding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumericsConfig {
    /// Rounding of results to narrower types: `"rne"` or `"stochastic"`.
    pub rounding: Rounding,
    /// Seed of the stochastic rounding generator (runs are reproducible for one seed).
    pub stochastic_seed: u32,
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

    /// A configuration from a TOML file (see [`Config::from_toml_str`]).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
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

    /// Multiply-accumulates per processing element per cycle for input type `dtype`, or `None`
    /// if the matrix unit does not take that type as input.
    pub fn macs_per_pe_cycle(&self, dtype: DType) -> Option<u32> {
        let s = &self.systolic;
        match dtype {
            DType::Bf16 => Some(s.bf16_macs_per_pe_cycle),
            DType::Fp16 => Some(s.fp16_macs_per_pe_cycle),
            DType::E4M3 | DType::E5M2 => Some(s.fp8_macs_per_pe_cycle),
            DType::I8 | DType::U8 => Some(s.int8_macs_per_pe_cycle),
            DType::I32 | DType::Fp32 => None,
        }
    }
}

impl Default for Config {
    /// The ZW-1 chip.
    fn default() -> Config {
        Config::zw1()
    }
}
