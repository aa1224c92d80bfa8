//! The table of every key (unit, allowed values, source) and the checks built on it.
//!
//! [`KEYS`] has one row per key. [`Config::validate`] checks each numeric row's range, then the
//! cross-checks between keys below; docs/config.md's key table is generated from the same rows
//! (a test fails when it is stale).

use core::fmt;

use super::{Config, ConfigError, TopologyKind};
use crate::systolic::ArrayConfig;

/// Which multiples an integer range allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Every integer in the range.
    One,
    /// Multiples of this number.
    MultipleOf(u64),
    /// Powers of two.
    PowerOfTwo,
}

/// What values a key accepts.
#[derive(Clone, Copy)]
pub enum Allowed {
    /// An integer in `min..=max`, on `step`.
    Int {
        /// The key's value.
        get: fn(&Config) -> u64,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
        /// Allowed multiples.
        step: Step,
    },
    /// A float in `min..=max` (NaN and infinities are rejected).
    Float {
        /// The key's value.
        get: fn(&Config) -> f64,
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// One of these strings (checked when the TOML is read).
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// Any string.
    Text,
    /// An array, checked by the cross-checks with the keys it depends on.
    List(&'static str),
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Allowed::Int { min, max, step, .. } => {
                write!(f, "{min}..={max}")?;
                match step {
                    Step::One => Ok(()),
                    Step::MultipleOf(m) => write!(f, ", a multiple of {m}"),
                    Step::PowerOfTwo => f.write_str(", a power of two"),
                }
            }
            Allowed::Float { min, max, .. } => write!(f, "{min:?}..={max:?}"),
            Allowed::Choice(names) => {
                let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                f.write_str(&quoted.join(" | "))
            }
            Allowed::Bool => f.write_str("true | false"),
            Allowed::Text => f.write_str("any string"),
            Allowed::List(what) => f.write_str(what),
        }
    }
}

/// One key: its unit, allowed values and where its default comes from.
#[derive(Clone, Copy)]
pub struct KeySpec {
    /// Dotted key.
    pub key: &'static str,
    /// Unit of the value ("" for counts, names and switches).
    pub unit: &'static str,
    /// Allowed values.
    pub allowed: Allowed,
    /// Where the default and the range come from.
    pub source: &'static str,
}

impl KeySpec {
    /// The range error for this key's value in `config`, if it is out of range.
    fn check(&self, config: &Config) -> Option<ConfigError> {
        let (ok, value) = match self.allowed {
            Allowed::Int {
                get,
                min,
                max,
                step,
            } => {
                let v = get(config);
                let on_step = match step {
                    Step::One => true,
                    Step::MultipleOf(m) => v.is_multiple_of(m),
                    Step::PowerOfTwo => v.is_power_of_two(),
                };
                ((min..=max).contains(&v) && on_step, v.to_string())
            }
            Allowed::Float { get, min, max } => {
                let v = get(config);
                ((min..=max).contains(&v), format!("{v:?}"))
            }
            _ => return None,
        };
        (!ok).then(|| ConfigError::OutOfRange {
            key: self.key.to_string(),
            value,
            allowed: self.allowed.to_string(),
        })
    }
}

macro_rules! int {
    ($key:literal, $unit:literal, $min:expr, $max:expr, |$c:ident| $get:expr, $src:literal) => {
        int!($key, $unit, $min, $max, Step::One, |$c| $get, $src)
    };
    ($key:literal, $unit:literal, $min:expr, $max:expr, $step:expr, |$c:ident| $get:expr, $src:literal) => {
        KeySpec {
            key: $key,
            unit: $unit,
            allowed: Allowed::Int {
                get: |$c: &Config| u64::from($get),
                min: $min,
                max: $max,
                step: $step,
            },
            source: $src,
        }
    };
}

macro_rules! float {
    ($key:literal, $unit:literal, $min:expr, $max:expr, |$c:ident| $get:expr, $src:literal) => {
        KeySpec {
            key: $key,
            unit: $unit,
            allowed: Allowed::Float {
                get: |$c: &Config| $get,
                min: $min,
                max: $max,
            },
            source: $src,
        }
    };
}

macro_rules! other {
    ($key:literal, $allowed:expr, $src:literal) => {
        KeySpec {
            key: $key,
            unit: "",
            allowed: $allowed,
            source: $src,
        }
    };
}

const PJ_MAX: f64 = 10_000.0;

/// Every key, in docs order.
#[rustfmt::skip]
pub const KEYS: &[KeySpec] = &[
    other!("name", Allowed::Text, "shown in reports"),
    // [chip]
    float!("chip.clock_ghz", "GHz", 0.5, 2.0, |c| c.chip.clock_ghz,
        "CHIP.md: TPU v4 1.05 GHz, Tenstorrent 1 GHz; 0.5–2.0 GHz"),
    int!("chip.tiles_x", "tiles", 1, 8, |c| c.chip.tiles_x,
        "CHIP.md: 16 tiles as a 4x4 block inside the mesh, 1–64 tiles; at most noc.cols − 2"),
    int!("chip.tiles_y", "tiles", 1, 8, |c| c.chip.tiles_y,
        "CHIP.md: as chip.tiles_x; at most noc.rows − 2"),
    // [core]
    other!("core.impl", Allowed::Choice(&["in-order", "ideal"]),
        "ARCHITECTURE.md: an ideal implementation per unit kind"),
    int!("core.alu_latency_cycles", "cycles", 1, 64, |c| c.core.alu_latency_cycles,
        "CHIP.md: in-order RISC control core (Ascend scalar unit, Tensix RISC-V); single-cycle ALU"),
    int!("core.mul_latency_cycles", "cycles", 1, 64, |c| c.core.mul_latency_cycles,
        "pipelined multiplier of a small in-order core"),
    int!("core.div_latency_cycles", "cycles", 1, 256, |c| c.core.div_latency_cycles,
        "iterative divider, about one cycle per quotient bit pair"),
    int!("core.load_latency_cycles", "cycles", 1, 64, |c| c.core.load_latency_cycles,
        "scratchpad access (scratchpad.latency_cycles) plus writeback"),
    int!("core.store_latency_cycles", "cycles", 1, 64, |c| c.core.store_latency_cycles,
        "stores are posted"),
    int!("core.branch_penalty_cycles", "cycles", 0, 64, |c| c.core.branch_penalty_cycles,
        "short in-order pipeline, no predictor"),
    int!("core.csr_latency_cycles", "cycles", 1, 64, |c| c.core.csr_latency_cycles,
        "ARCHITECTURE.md: control registers give tile id, chip id, cycle counter"),
    int!("core.engine_queue_depth", "entries", 1, 256, |c| c.core.engine_queue_depth,
        "ARCHITECTURE.md: decoupled engines with in-order queues; a full queue stalls issue"),
    int!("core.imem_size_kib", "KiB", 4, 1024, |c| c.core.imem_size_kib,
        "ARCHITECTURE.md: per-tile instruction memory; tile-level instructions keep programs small"),
    int!("core.ideal_latency_cycles", "cycles", 1, 1024, |c| c.core.ideal_latency_cycles,
        "ideal implementation"),
    // [systolic]
    other!("systolic.impl", Allowed::Choice(&["systolic", "ideal"]),
        "ARCHITECTURE.md: an ideal implementation per unit kind"),
    other!("systolic.model", Allowed::Choice(&["fast", "register"]),
        "ARCHITECTURE.md: two fidelities proven equal in results and cycles"),
    int!("systolic.rows", "PEs", 8, 256, |c| c.systolic.rows,
        "CHIP.md: 64x64 per tile, 8x8 … 256x256 (TPU v4 128x128 MXU, Gemmini)"),
    int!("systolic.cols", "PEs", 8, 256, |c| c.systolic.cols,
        "CHIP.md: as systolic.rows"),
    other!("systolic.dataflow", Allowed::Choice(&["ws", "os", "is"]),
        "CHIP.md: weight-stationary default, output- and input-stationary selectable (Gemmini)"),
    other!("systolic.overlap", Allowed::Bool,
        "double-buffered stationary operand: the next one loads while the current one computes"),
    int!("systolic.bf16_macs_per_pe_cycle", "MAC/PE/cycle", 1, ArrayConfig::MAX_MACS_PER_PE_CYCLE as u64, |c| c.systolic.bf16_macs_per_pe_cycle,
        "CHIP.md: 16 × 4096 MAC × 2 × 1 GHz = 131 TFLOPS bf16"),
    int!("systolic.fp16_macs_per_pe_cycle", "MAC/PE/cycle", 1, ArrayConfig::MAX_MACS_PER_PE_CYCLE as u64, |c| c.systolic.fp16_macs_per_pe_cycle,
        "CHIP.md: bf16/fp16 in, fp32 accumulate"),
    int!("systolic.fp8_macs_per_pe_cycle", "MAC/PE/cycle", 1, ArrayConfig::MAX_MACS_PER_PE_CYCLE as u64, |c| c.systolic.fp8_macs_per_pe_cycle,
        "CHIP.md: fp8 (E4M3/E5M2) at 2x rate"),
    int!("systolic.int8_macs_per_pe_cycle", "MAC/PE/cycle", 1, ArrayConfig::MAX_MACS_PER_PE_CYCLE as u64, |c| c.systolic.int8_macs_per_pe_cycle,
        "CHIP.md: int8 at 2x rate"),
    int!("systolic.ideal_latency_cycles", "cycles", 1, 1_000_000, |c| c.systolic.ideal_latency_cycles,
        "ideal implementation"),
    // [vector]
    other!("vector.impl", Allowed::Choice(&["simd", "ideal"]),
        "ARCHITECTURE.md: an ideal implementation per unit kind"),
    int!("vector.width_bits", "bits", 512, 4096, Step::MultipleOf(128), |c| c.vector.width_bits,
        "CHIP.md: 2048-bit (128 bf16 / 64 fp32 lanes), 512–4096 bit"),
    int!("vector.pipeline_depth", "operations", 1, 64, |c| c.vector.pipeline_depth,
        "enough operations in flight to cover the longest latency at one issue per cycle"),
    int!("vector.add_latency_cycles", "cycles", 1, 256, |c| c.vector.add_latency_cycles,
        "fp32 adder pipeline"),
    int!("vector.mul_latency_cycles", "cycles", 1, 256, |c| c.vector.mul_latency_cycles,
        "fp32 multiplier pipeline"),
    int!("vector.fma_latency_cycles", "cycles", 1, 256, |c| c.vector.fma_latency_cycles,
        "CHIP.md: FMA; fused multiply-add pipeline"),
    int!("vector.convert_latency_cycles", "cycles", 1, 256, |c| c.vector.convert_latency_cycles,
        "type conversion with rounding"),
    int!("vector.exp_latency_cycles", "cycles", 1, 256, |c| c.vector.exp_latency_cycles,
        "CHIP.md: exp; range reduction plus polynomial"),
    int!("vector.recip_latency_cycles", "cycles", 1, 256, |c| c.vector.recip_latency_cycles,
        "CHIP.md: recip; table plus Newton steps"),
    int!("vector.rsqrt_latency_cycles", "cycles", 1, 256, |c| c.vector.rsqrt_latency_cycles,
        "CHIP.md: rsqrt; table plus Newton steps"),
    int!("vector.tanh_latency_cycles", "cycles", 1, 256, |c| c.vector.tanh_latency_cycles,
        "CHIP.md: tanh; built on exp and recip"),
    int!("vector.gelu_latency_cycles", "cycles", 1, 256, |c| c.vector.gelu_latency_cycles,
        "CHIP.md: gelu; built on tanh"),
    int!("vector.reduce_latency_cycles", "cycles", 1, 256, |c| c.vector.reduce_latency_cycles,
        "adder tree over the lanes (log2 128 = 7 levels)"),
    int!("vector.ideal_latency_cycles", "cycles", 1, 1024, |c| c.vector.ideal_latency_cycles,
        "ideal implementation"),
    // [scratchpad]
    int!("scratchpad.size_kib", "KiB", 1024, 32 * 1024, |c| c.scratchpad.size_kib,
        "CHIP.md: 4 MiB per tile, 1–32 MiB; double-buffers large tiles"),
    int!("scratchpad.banks", "banks", 1, 64, Step::PowerOfTwo, |c| c.scratchpad.banks,
        "CHIP.md: 16 banks"),
    int!("scratchpad.bank_bytes_per_cycle", "B/cycle", 4, 1024, Step::PowerOfTwo, |c| c.scratchpad.bank_bytes_per_cycle,
        "16 banks × 64 B = 1 KiB/cycle: systolic operands, DMA and vector unit together"),
    int!("scratchpad.latency_cycles", "cycles", 1, 64, |c| c.scratchpad.latency_cycles,
        "SRAM read plus bank crossbar"),
    // [accumulator]
    int!("accumulator.size_kib", "KiB", 128, 2048, |c| c.accumulator.size_kib,
        "CHIP.md: 512 KiB fp32, 128 KiB–2 MiB (Ascend L0C, Trainium PSUM, Gemmini accumulator)"),
    int!("accumulator.bytes_per_cycle", "B/cycle", 16, 4096, |c| c.accumulator.bytes_per_cycle,
        "one 64-wide fp32 row per cycle out of the systolic array"),
    int!("accumulator.latency_cycles", "cycles", 1, 64, |c| c.accumulator.latency_cycles,
        "SRAM read-modify-write"),
    // [l2]
    other!("l2.impl", Allowed::Choice(&["sliced", "ideal"]),
        "ARCHITECTURE.md: an ideal implementation per unit kind"),
    int!("l2.size_kib", "KiB", 0, 128 * 1024, |c| c.l2.size_kib,
        "CHIP.md: 32 MiB, 0–128 MiB (TPU v4 CMEM, Ascend L2)"),
    int!("l2.slices", "slices", 1, 64, |c| c.l2.slices,
        "CHIP.md: 8 slices on the NoC; must divide l2.size_kib"),
    int!("l2.slice_bytes_per_cycle", "B/cycle", 16, 1024, |c| c.l2.slice_bytes_per_cycle,
        "one NoC link per slice"),
    int!("l2.latency_cycles", "cycles", 1, 1024, |c| c.l2.latency_cycles,
        "large SRAM array access, excluding the NoC"),
    int!("l2.ideal_latency_cycles", "cycles", 1, 100_000, |c| c.l2.ideal_latency_cycles,
        "ideal implementation"),
    // [hbm]
    other!("hbm.impl", Allowed::Choice(&["hbm2e", "hbm3", "ideal"]),
        "CHIP.md: HBM2E; HBM3 preset (M890-like)"),
    int!("hbm.stacks", "stacks", 4, 8, |c| c.hbm.stacks,
        "CHIP.md: 6 stacks × 16 GB = 96 GB (Zhenwu 96 GB HBM2e), 4–8 stacks"),
    int!("hbm.stack_capacity_gib", "GiB", 1, 64, |c| c.hbm.stack_capacity_gib,
        "CHIP.md: 16 GB per stack (8-high of 16 Gb dies)"),
    float!("hbm.pin_gbit_per_s", "Gb/s", 1.0, 16.0, |c| c.hbm.pin_gbit_per_s,
        "CHIP.md: 3.2 Gb/s/pin → 409.6 GB/s per stack, 2.46 TB/s total"),
    int!("hbm.bus_bits_per_stack", "bits", 512, 2048, Step::PowerOfTwo, |c| c.hbm.bus_bits_per_stack,
        "JESD235: 1024 data pins per stack"),
    int!("hbm.channels_per_stack", "channels", 1, 32, Step::PowerOfTwo, |c| c.hbm.channels_per_stack,
        "CHIP.md: 8 channels (16 pseudo-channels) per stack"),
    int!("hbm.pseudo_channels_per_channel", "pseudo-channels", 1, 2, |c| c.hbm.pseudo_channels_per_channel,
        "CHIP.md: 16 pseudo-channels per stack (JESD235 pseudo-channel mode)"),
    int!("hbm.bank_groups", "bank groups", 1, 8, Step::PowerOfTwo, |c| c.hbm.bank_groups,
        "JESD235: 4 bank groups per pseudo-channel"),
    int!("hbm.banks_per_group", "banks", 1, 16, Step::PowerOfTwo, |c| c.hbm.banks_per_group,
        "JESD235: 4 banks per bank group (16 per pseudo-channel)"),
    int!("hbm.row_bytes", "B", 256, 8192, Step::PowerOfTwo, |c| c.hbm.row_bytes,
        "JESD235: 1 KB page per pseudo-channel"),
    int!("hbm.burst_length", "beats", 2, 16, Step::PowerOfTwo, |c| c.hbm.burst_length,
        "JESD235: BL4 in pseudo-channel mode (32 B per access); HBM3 BL8"),
    float!("hbm.t_rcd_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_rcd_ns,
        "JESD235 tRCD; HBM2E datasheet class"),
    float!("hbm.t_rp_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_rp_ns,
        "JESD235 tRP"),
    float!("hbm.t_ras_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_ras_ns,
        "JESD235 tRAS"),
    float!("hbm.t_rc_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_rc_ns,
        "JESD235 tRC; at least t_ras_ns + t_rp_ns"),
    float!("hbm.t_cl_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_cl_ns,
        "JESD235 RL (tCL)"),
    float!("hbm.t_cwl_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_cwl_ns,
        "JESD235 WL (tCWL)"),
    float!("hbm.t_wr_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_wr_ns,
        "JESD235 tWR"),
    float!("hbm.t_rtp_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_rtp_ns,
        "JESD235 tRTP"),
    float!("hbm.t_rrd_s_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_rrd_s_ns,
        "JESD235 tRRD_S"),
    float!("hbm.t_rrd_l_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_rrd_l_ns,
        "JESD235 tRRD_L; at least t_rrd_s_ns"),
    float!("hbm.t_faw_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_faw_ns,
        "JESD235 tFAW"),
    float!("hbm.t_ccd_s_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_ccd_s_ns,
        "JESD235 tCCD_S: 2 tCK at 1.6 GHz"),
    float!("hbm.t_ccd_l_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_ccd_l_ns,
        "JESD235 tCCD_L: 4 tCK at 1.6 GHz; at least t_ccd_s_ns"),
    float!("hbm.t_wtr_s_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_wtr_s_ns,
        "JESD235 tWTR_S"),
    float!("hbm.t_wtr_l_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_wtr_l_ns,
        "JESD235 tWTR_L; at least t_wtr_s_ns"),
    float!("hbm.t_refi_ns", "ns", 100.0, 100_000.0, |c| c.hbm.t_refi_ns,
        "JESD235 tREFI: 3.9 µs"),
    float!("hbm.t_rfc_ns", "ns", 0.0, 10_000.0, |c| c.hbm.t_rfc_ns,
        "JESD235 tRFC; less than t_refi_ns"),
    int!("hbm.controller_latency_cycles", "cycles", 1, 1000, |c| c.hbm.controller_latency_cycles,
        "memory controller queue and PHY, each way"),
    int!("hbm.ideal_latency_cycles", "cycles", 1, 100_000, |c| c.hbm.ideal_latency_cycles,
        "ideal implementation: about an unloaded HBM access"),
    int!("hbm.ideal_bytes_per_cycle", "B/cycle", 0, 1_000_000, |c| c.hbm.ideal_bytes_per_cycle,
        "ideal implementation; 0 = unlimited"),
    // [noc]
    other!("noc.impl", Allowed::Choice(&["mesh", "ideal"]),
        "ARCHITECTURE.md: an ideal implementation per unit kind"),
    int!("noc.cols", "routers", 4, 10, |c| c.noc.cols,
        "CHIP.md: 6x6 2D mesh, 4x4–10x10; tiles inside, HBM, L2 and fabric ports on the rim"),
    int!("noc.rows", "routers", 4, 10, |c| c.noc.rows,
        "CHIP.md: as noc.cols"),
    int!("noc.link_bytes_per_cycle", "B/cycle", 32, 256, |c| c.noc.link_bytes_per_cycle,
        "CHIP.md: 128 B/cycle each way, 32–256; one 64-wide bf16 row per cycle"),
    int!("noc.router_latency_cycles", "cycles", 1, 16, |c| c.noc.router_latency_cycles,
        "CHIP.md: 2-cycle router"),
    int!("noc.link_latency_cycles", "cycles", 1, 16, |c| c.noc.link_latency_cycles,
        "CHIP.md: 1-cycle link; at least 1 (latched links, booksim2 channel)"),
    int!("noc.virtual_networks", "networks", 2, 4, |c| c.noc.virtual_networks,
        "CHIP.md: request/response virtual networks (no protocol deadlock)"),
    int!("noc.credits_per_vnet", "flits", 1, 64, |c| c.noc.credits_per_vnet,
        "CHIP.md: credit flow control; 8 covers the 2 × (router + link) credit round trip"),
    other!("noc.routing", Allowed::Choice(&["xy", "yx"]),
        "CHIP.md: XY routing"),
    int!("noc.ideal_latency_cycles", "cycles", 1, 1000, |c| c.noc.ideal_latency_cycles,
        "ideal implementation"),
    // [dma]
    other!("dma.impl", Allowed::Choice(&["engine", "ideal"]),
        "ARCHITECTURE.md: an ideal implementation per unit kind"),
    int!("dma.queue_depth", "descriptors", 1, 256, |c| c.dma.queue_depth,
        "CHIP.md: per-tile in/out engines (Ascend MTE, Gemmini mvin); a full queue stalls issue"),
    int!("dma.bytes_per_cycle", "B/cycle", 8, 1024, |c| c.dma.bytes_per_cycle,
        "one NoC link (noc.link_bytes_per_cycle)"),
    int!("dma.setup_latency_cycles", "cycles", 0, 1000, |c| c.dma.setup_latency_cycles,
        "descriptor decode and address generation"),
    int!("dma.ideal_latency_cycles", "cycles", 1, 100_000, |c| c.dma.ideal_latency_cycles,
        "ideal implementation"),
    // [semaphore]
    int!("semaphore.count", "semaphores", 1, 32, |c| c.semaphore.count,
        "CHIP.md: 32 hardware semaphores per tile"),
    // [fabric]
    other!("fabric.impl", Allowed::Choice(&["link", "ideal"]),
        "ARCHITECTURE.md: an ideal implementation per unit kind"),
    int!("fabric.links", "links", 1, 16, |c| c.fabric.links,
        "CHIP.md: 7 links per chip (Zhenwu's 7 ICN links), 1–16"),
    float!("fabric.link_gb_per_s", "GB/s", 25.0, 200.0, |c| c.fabric.link_gb_per_s,
        "CHIP.md: 50 GB/s each way (700 GB/s in all), 25–200"),
    float!("fabric.link_latency_ns", "ns", 1.0, 1_000_000.0, |c| c.fabric.link_latency_ns,
        "CHIP.md: 500 ns per link"),
    float!("fabric.switch_hop_ns", "ns", 0.0, 1_000_000.0, |c| c.fabric.switch_hop_ns,
        "CHIP.md: optional switch hop 150 ns"),
    float!("fabric.ideal_latency_ns", "ns", 1.0, 1_000_000.0, |c| c.fabric.ideal_latency_ns,
        "ideal implementation: one link's latency"),
    // [topology]
    other!("topology.kind", Allowed::Choice(&["server", "all-to-all", "ring", "torus", "switch", "graph"]),
        "CHIP.md: 8-chip all-to-all groups, 16 per server; ring, 2D/3D torus, switch, graph"),
    int!("topology.chips", "chips", 1, 16384, |c| c.topology.chips,
        "one chip by default; the global address names up to 16,384 chips"),
    int!("topology.group_size", "chips", 1, 17, |c| c.topology.group_size,
        "CHIP.md: 7 links is exactly an 8-clique; at most fabric.links + 1"),
    int!("topology.chips_per_server", "chips", 1, 64, |c| c.topology.chips_per_server,
        "CHIP.md: 16 per server (16,384 cards in 1,024 servers); a multiple of topology.group_size"),
    float!("topology.scale_out_gbit_per_s", "Gb/s", 1.0, 3200.0, |c| c.topology.scale_out_gbit_per_s,
        "CHIP.md: groups bridged by a 400 Gb/s scale-out NIC"),
    other!("topology.dims", Allowed::List("2 or 3 sizes ≥ 2 whose product is topology.chips"),
        "CHIP.md: 2D/3D torus (TPU v4)"),
    other!("topology.edges", Allowed::List("pairs of chip numbers < topology.chips"),
        "CHIP.md: arbitrary graph"),
    // [host]
    float!("host.gb_per_s", "GB/s", 1.0, 512.0, |c| c.host.gb_per_s,
        "CHIP.md: PCIe 5.0 x16, ~64 GB/s each way (Zhenwu 810E)"),
    float!("host.latency_ns", "ns", 1.0, 1_000_000.0, |c| c.host.latency_ns,
        "PCIe round trips are about 1–2 µs"),
    // [energy]
    float!("energy.power_envelope_w", "W", 1.0, 2000.0, |c| c.energy.power_envelope_w,
        "CHIP.md: 400 W envelope (Zhenwu 810E)"),
    float!("energy.mac_bf16_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.mac_bf16_pj,
        "Horowitz, ISSCC 2014 (45 nm): fp16 mult 1.1 + fp32 add 0.9"),
    float!("energy.mac_fp16_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.mac_fp16_pj,
        "Horowitz, ISSCC 2014: fp16 mult 1.1 + fp32 add 0.9"),
    float!("energy.mac_fp8_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.mac_fp8_pj,
        "estimate from Horowitz, ISSCC 2014: 8b mult 0.2 + fp32 add 0.9"),
    float!("energy.mac_int8_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.mac_int8_pj,
        "Horowitz, ISSCC 2014: 8b mult 0.2 + 32b add 0.1"),
    float!("energy.vector_lane_op_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.vector_lane_op_pj,
        "Horowitz, ISSCC 2014: fp32 mult 3.7"),
    float!("energy.sram_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.sram_byte_pj,
        "Horowitz, ISSCC 2014: 8 KB SRAM, 64-bit access 10 pJ"),
    float!("energy.l2_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.l2_byte_pj,
        "Horowitz, ISSCC 2014: 1 MB SRAM, 64-bit access 100 pJ"),
    float!("energy.hbm_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.hbm_byte_pj,
        "O'Connor et al., MICRO 2017: HBM2 3.9 pJ/bit"),
    float!("energy.noc_hop_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.noc_hop_byte_pj,
        "estimate: ~1 mm of on-chip wire plus a router per hop"),
    float!("energy.fabric_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.fabric_byte_pj,
        "estimate: ~5 pJ/bit for a chip-to-chip SerDes link"),
    // [numerics]
    other!("numerics.rounding", Allowed::Choice(&["rne", "stochastic"]),
        "CHIP.md: round-to-nearest-even, optional stochastic rounding"),
    int!("numerics.stochastic_seed", "", 0, u32::MAX as u64, |c| c.numerics.stochastic_seed,
        "any seed; runs are reproducible for one seed"),
];

/// Every key's row.
pub fn key_specs() -> &'static [KeySpec] {
    KEYS
}

/// Every problem with `config`: range errors in key order, then cross-checks.
pub(crate) fn problems(config: &Config) -> Vec<ConfigError> {
    let mut out: Vec<ConfigError> = KEYS.iter().filter_map(|k| k.check(config)).collect();
    cross_checks(config, &mut out);
    out
}

fn inconsistent(out: &mut Vec<ConfigError>, key: &str, value: impl fmt::Display, reason: String) {
    out.push(ConfigError::Inconsistent {
        key: key.to_string(),
        value: value.to_string(),
        reason,
    });
}

fn cross_checks(c: &Config, out: &mut Vec<ConfigError>) {
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

    if c.l2.slices > 0 && !c.l2.size_kib.is_multiple_of(c.l2.slices) {
        inconsistent(
            out,
            "l2.slices",
            c.l2.slices,
            format!("must divide l2.size_kib = {}", c.l2.size_kib),
        );
    }

    let h = &c.hbm;
    let pcs = h.channels_per_stack * h.pseudo_channels_per_channel;
    if pcs > 0 && (!h.bus_bits_per_stack.is_multiple_of(pcs) || h.bus_bits_per_stack / pcs < 16) {
        inconsistent(
            out,
            "hbm.bus_bits_per_stack",
            h.bus_bits_per_stack,
            format!(
                "must split into hbm.channels_per_stack × hbm.pseudo_channels_per_channel = {pcs} \
                 pseudo-channels of at least 16 bits"
            ),
        );
    }
    let ns_pairs: [(&str, f64, &str, f64); 4] = [
        (
            "hbm.t_rc_ns",
            h.t_rc_ns,
            "hbm.t_ras_ns + hbm.t_rp_ns",
            h.t_ras_ns + h.t_rp_ns,
        ),
        (
            "hbm.t_rrd_l_ns",
            h.t_rrd_l_ns,
            "hbm.t_rrd_s_ns",
            h.t_rrd_s_ns,
        ),
        (
            "hbm.t_ccd_l_ns",
            h.t_ccd_l_ns,
            "hbm.t_ccd_s_ns",
            h.t_ccd_s_ns,
        ),
        (
            "hbm.t_wtr_l_ns",
            h.t_wtr_l_ns,
            "hbm.t_wtr_s_ns",
            h.t_wtr_s_ns,
        ),
    ];
    for (key, value, what, least) in ns_pairs {
        if value < least {
            inconsistent(
                out,
                key,
                format!("{value:?}"),
                format!("must be at least {what} = {least:?}"),
            );
        }
    }
    if h.t_rfc_ns >= h.t_refi_ns {
        inconsistent(
            out,
            "hbm.t_rfc_ns",
            format!("{:?}", h.t_rfc_ns),
            format!("must be less than hbm.t_refi_ns = {:?}", h.t_refi_ns),
        );
    }

    topology_checks(c, out);
}

fn topology_checks(c: &Config, out: &mut Vec<ConfigError>) {
    let t = &c.topology;
    let links = c.fabric.links;
    match t.kind {
        TopologyKind::Server => {
            if t.group_size > links + 1 {
                inconsistent(
                    out,
                    "topology.group_size",
                    t.group_size,
                    format!(
                        "an all-to-all group of n chips needs n - 1 links, and fabric.links = {links}"
                    ),
                );
            }
            if t.group_size > 0 && !t.chips_per_server.is_multiple_of(t.group_size) {
                inconsistent(
                    out,
                    "topology.chips_per_server",
                    t.chips_per_server,
                    format!(
                        "must be a multiple of topology.group_size = {}",
                        t.group_size
                    ),
                );
            }
        }
        TopologyKind::AllToAll => {
            if t.chips > links + 1 {
                inconsistent(
                    out,
                    "topology.chips",
                    t.chips,
                    format!(
                        "all-to-all needs chips - 1 links per chip, and fabric.links = {links}"
                    ),
                );
            }
        }
        TopologyKind::Ring => {
            let need = if t.chips >= 3 { 2 } else { 1 };
            if t.chips > 1 && links < need {
                inconsistent(
                    out,
                    "fabric.links",
                    links,
                    format!("a ring of {} chips needs {need} links per chip", t.chips),
                );
            }
        }
        TopologyKind::Torus => {
            let dims = format!("{:?}", t.dims);
            let product: u64 = t.dims.iter().map(|&d| u64::from(d)).product();
            if !(2..=3).contains(&t.dims.len()) || t.dims.iter().any(|&d| d < 2) {
                inconsistent(
                    out,
                    "topology.dims",
                    dims,
                    "a torus has 2 or 3 dimensions, each of size at least 2".to_string(),
                );
            } else if product != u64::from(t.chips) {
                inconsistent(
                    out,
                    "topology.dims",
                    dims,
                    format!("their product must equal topology.chips = {}", t.chips),
                );
            } else {
                let need: u32 = t.dims.iter().map(|&d| if d == 2 { 1 } else { 2 }).sum();
                if links < need {
                    inconsistent(
                        out,
                        "fabric.links",
                        links,
                        format!("a torus of {dims} needs {need} links per chip"),
                    );
                }
            }
        }
        TopologyKind::Switch => {}
        TopologyKind::Graph => {
            let mut degree = vec![0u32; t.chips as usize];
            for &[a, b] in &t.edges {
                if a >= t.chips || b >= t.chips || a == b {
                    inconsistent(
                        out,
                        "topology.edges",
                        format!("[{a}, {b}]"),
                        format!(
                            "edges join two different chips below topology.chips = {}",
                            t.chips
                        ),
                    );
                    return;
                }
                degree[a as usize] += 1;
                degree[b as usize] += 1;
            }
            if let Some((chip, &d)) = degree.iter().enumerate().find(|(_, d)| **d > links) {
                inconsistent(
                    out,
                    "topology.edges",
                    format!("chip {chip} with {d} links"),
                    format!("each chip has fabric.links = {links}"),
                );
            }
        }
    }
}
