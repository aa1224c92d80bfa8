//! The resolved configuration: every time and rate converted once to integer core cycles and exact
//! bytes per cycle (rounding rules in [`crate::time`]).

use isa::DType;

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

/// The control core's latencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreTiming {
    /// Integer ALU.
    pub alu: Cycle,
    /// Integer multiply.
    pub mul: Cycle,
    /// Integer divide.
    pub div: Cycle,
    /// Scalar load.
    pub load: Cycle,
    /// Scalar store.
    pub store: Cycle,
    /// Taken-branch penalty.
    pub branch_penalty: Cycle,
    /// Control register access.
    pub csr: Cycle,
    /// Every instruction when `core.impl = "ideal"`.
    pub ideal: Cycle,
    /// Entries per matrix and vector engine queue.
    pub engine_queue_depth: usize,
    /// Instruction memory per tile, bytes.
    pub imem_bytes: u64,
}

/// The vector unit's shape and latencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VectorTiming {
    /// Bytes per vector.
    pub bytes: u32,
    /// Operations in flight.
    pub pipeline_depth: u32,
    /// Add, subtract, min, max, compare.
    pub add: Cycle,
    /// Multiply.
    pub mul: Cycle,
    /// Fused multiply-add.
    pub fma: Cycle,
    /// Type conversion.
    pub convert: Cycle,
    /// Exponential.
    pub exp: Cycle,
    /// Reciprocal.
    pub recip: Cycle,
    /// Reciprocal square root.
    pub rsqrt: Cycle,
    /// Hyperbolic tangent.
    pub tanh: Cycle,
    /// GELU.
    pub gelu: Cycle,
    /// Reduction across lanes.
    pub reduce: Cycle,
    /// Every operation when `vector.impl = "ideal"`.
    pub ideal: Cycle,
}

impl VectorTiming {
    /// Lanes of `dtype` in one vector.
    pub const fn lanes(&self, dtype: DType) -> u32 {
        self.bytes / dtype.size() as u32
    }
}

/// A tile SRAM (scratchpad or accumulator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SramTiming {
    /// Capacity, bytes.
    pub bytes: u64,
    /// Banks (1 for the accumulator).
    pub banks: u32,
    /// Capacity of one bank, bytes.
    pub bank_bytes: u64,
    /// Peak bandwidth of one bank.
    pub bank_bandwidth: Bandwidth,
    /// Access latency.
    pub latency: Cycle,
}

/// The shared L2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L2Timing {
    /// Capacity, bytes (0: no L2).
    pub bytes: u64,
    /// Slices.
    pub slices: u32,
    /// Capacity of one slice, bytes.
    pub slice_bytes: u64,
    /// Peak bandwidth of one slice.
    pub slice_bandwidth: Bandwidth,
    /// Slice access latency.
    pub latency: Cycle,
    /// Every access when `l2.impl = "ideal"`.
    pub ideal_latency: Cycle,
}

/// The HBM, its JEDEC timings in core cycles (rounded up, except `t_refi`, rounded down so that
/// refresh is never late).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HbmTiming {
    /// Stacks.
    pub stacks: u32,
    /// Capacity of one stack, bytes.
    pub stack_bytes: u64,
    /// Capacity of all stacks, bytes.
    pub capacity_bytes: u64,
    /// Pseudo-channels per stack.
    pub pseudo_channels_per_stack: u32,
    /// Banks per pseudo-channel.
    pub banks_per_pseudo_channel: u32,
    /// Bytes one burst moves on one pseudo-channel.
    pub burst_bytes: u32,
    /// Peak bandwidth of one stack.
    pub stack_bandwidth: Bandwidth,
    /// Peak bandwidth of one pseudo-channel.
    pub pseudo_channel_bandwidth: Bandwidth,
    /// Peak bandwidth of all stacks.
    pub bandwidth: Bandwidth,
    /// tRCD.
    pub t_rcd: Cycle,
    /// tRP.
    pub t_rp: Cycle,
    /// tRAS.
    pub t_ras: Cycle,
    /// tRC.
    pub t_rc: Cycle,
    /// Read latency.
    pub t_cl: Cycle,
    /// Write latency.
    pub t_cwl: Cycle,
    /// tWR.
    pub t_wr: Cycle,
    /// tRTP.
    pub t_rtp: Cycle,
    /// tRRD_S.
    pub t_rrd_s: Cycle,
    /// tRRD_L.
    pub t_rrd_l: Cycle,
    /// tFAW.
    pub t_faw: Cycle,
    /// tCCD_S.
    pub t_ccd_s: Cycle,
    /// tCCD_L.
    pub t_ccd_l: Cycle,
    /// tWTR_S.
    pub t_wtr_s: Cycle,
    /// tWTR_L.
    pub t_wtr_l: Cycle,
    /// tREFI (rounded down).
    pub t_refi: Cycle,
    /// tRFC.
    pub t_rfc: Cycle,
    /// Controller and PHY, each way.
    pub controller_latency: Cycle,
    /// Every access when `hbm.impl = "ideal"`.
    pub ideal_latency: Cycle,
    /// Bandwidth when `hbm.impl = "ideal"`; `None` is unlimited.
    pub ideal_bandwidth: Option<Bandwidth>,
}

/// The on-chip network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NocTiming {
    /// Router pipeline per hop.
    pub router: Cycle,
    /// Link traversal per hop.
    pub link: Cycle,
    /// One hop: router plus link.
    pub hop: Cycle,
    /// Bytes per flit (one flit per link per cycle).
    pub flit_bytes: u32,
    /// Peak bandwidth of one link, each way.
    pub link_bandwidth: Bandwidth,
    /// Between any two nodes when `noc.impl = "ideal"`.
    pub ideal_latency: Cycle,
}

/// One DMA engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaTiming {
    /// Peak bandwidth.
    pub bandwidth: Bandwidth,
    /// Descriptor setup.
    pub setup: Cycle,
    /// Descriptors per queue.
    pub queue_depth: usize,
    /// Every transfer when `dma.impl = "ideal"`.
    pub ideal_latency: Cycle,
}

/// The chip-to-chip links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FabricTiming {
    /// Peak bandwidth of one link, each way.
    pub link_bandwidth: Bandwidth,
    /// Latency of one link.
    pub link_latency: Cycle,
    /// Extra latency per switch traversal.
    pub switch_hop: Cycle,
    /// Between any two chips when `fabric.impl = "ideal"`.
    pub ideal_latency: Cycle,
    /// Scale-out NIC bandwidth between servers, each way.
    pub scale_out_bandwidth: Bandwidth,
}

/// The host link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostTiming {
    /// Peak bandwidth, each way.
    pub bandwidth: Bandwidth,
    /// One-way latency.
    pub latency: Cycle,
}

/// Energy per action in whole femtojoules (pJ × 1000, rounded to the nearest), so that energy
/// totals are exact integer sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnergyTable {
    /// Power envelope, milliwatts.
    pub power_envelope_mw: u64,
    /// bf16 MAC.
    pub mac_bf16_fj: u64,
    /// fp16 MAC.
    pub mac_fp16_fj: u64,
    /// fp8 MAC.
    pub mac_fp8_fj: u64,
    /// int8 MAC.
    pub mac_int8_fj: u64,
    /// fp32 vector lane operation.
    pub vector_lane_op_fj: u64,
    /// Tile SRAM byte.
    pub sram_byte_fj: u64,
    /// L2 byte.
    pub l2_byte_fj: u64,
    /// HBM byte.
    pub hbm_byte_fj: u64,
    /// NoC byte per hop.
    pub noc_hop_byte_fj: u64,
    /// Fabric byte per link.
    pub fabric_byte_fj: u64,
}

impl EnergyTable {
    /// Energy of one multiply-accumulate with inputs of `dtype`, or `None` if the matrix unit does
    /// not take that type.
    pub const fn mac_fj(&self, dtype: DType) -> Option<u64> {
        match dtype {
            DType::Bf16 => Some(self.mac_bf16_fj),
            DType::Fp16 => Some(self.mac_fp16_fj),
            DType::E4M3 | DType::E5M2 => Some(self.mac_fp8_fj),
            DType::I8 | DType::U8 => Some(self.mac_int8_fj),
            DType::I32 | DType::Fp32 => None,
        }
    }
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

fn cycles(n: u32) -> Cycle {
    Cycle(u64::from(n))
}

fn time_error(key: &str) -> impl Fn(TimeError) -> ConfigError + '_ {
    move |e| ConfigError::BadValue {
        message: format!("{key}: {e}"),
    }
}

fn bytes_per_cycle(n: u32, key: &str) -> Result<Bandwidth, ConfigError> {
    Bandwidth::per_cycle(u64::from(n)).ok_or_else(|| ConfigError::BadValue {
        message: format!("{key}: a bandwidth must be greater than zero"),
    })
}

/// Picojoules to whole femtojoules (and watts to milliwatts), to the nearest.
fn thousandths(value: f64, key: &str) -> Result<u64, ConfigError> {
    // Same rounding as ns → ps: × 1000, to the nearest integer.
    crate::time::ns_to_ps(value).map_err(time_error(key))
}

/// Converts a validated configuration.
pub(crate) fn resolve(c: &Config) -> Result<Resolved, ConfigError> {
    let clock = Clock::from_ghz(c.chip.clock_ghz).map_err(time_error("chip.clock_ghz"))?;
    let ns = |value: f64, key: &'static str| clock.cycles_from_ns(value).map_err(time_error(key));
    let gb = |value: f64, key: &'static str| {
        clock
            .bandwidth_from_gb_per_s(value)
            .map_err(time_error(key))
    };

    let k = &c.core;
    let core = CoreTiming {
        alu: cycles(k.alu_latency_cycles),
        mul: cycles(k.mul_latency_cycles),
        div: cycles(k.div_latency_cycles),
        load: cycles(k.load_latency_cycles),
        store: cycles(k.store_latency_cycles),
        branch_penalty: cycles(k.branch_penalty_cycles),
        csr: cycles(k.csr_latency_cycles),
        ideal: cycles(k.ideal_latency_cycles),
        engine_queue_depth: k.engine_queue_depth as usize,
        imem_bytes: u64::from(k.imem_size_kib) * 1024,
    };

    let v = &c.vector;
    let vector = VectorTiming {
        bytes: v.width_bits / 8,
        pipeline_depth: v.pipeline_depth,
        add: cycles(v.add_latency_cycles),
        mul: cycles(v.mul_latency_cycles),
        fma: cycles(v.fma_latency_cycles),
        convert: cycles(v.convert_latency_cycles),
        exp: cycles(v.exp_latency_cycles),
        recip: cycles(v.recip_latency_cycles),
        rsqrt: cycles(v.rsqrt_latency_cycles),
        tanh: cycles(v.tanh_latency_cycles),
        gelu: cycles(v.gelu_latency_cycles),
        reduce: cycles(v.reduce_latency_cycles),
        ideal: cycles(v.ideal_latency_cycles),
    };

    let s = &c.scratchpad;
    let spad_bytes = u64::from(s.size_kib) * 1024;
    let scratchpad = SramTiming {
        bytes: spad_bytes,
        banks: s.banks,
        bank_bytes: spad_bytes / u64::from(s.banks.max(1)),
        bank_bandwidth: bytes_per_cycle(s.bank_bytes_per_cycle, "scratchpad.bank_bytes_per_cycle")?,
        latency: cycles(s.latency_cycles),
    };
    let a = &c.accumulator;
    let acc_bytes = u64::from(a.size_kib) * 1024;
    let accumulator = SramTiming {
        bytes: acc_bytes,
        banks: 1,
        bank_bytes: acc_bytes,
        bank_bandwidth: bytes_per_cycle(a.bytes_per_cycle, "accumulator.bytes_per_cycle")?,
        latency: cycles(a.latency_cycles),
    };
    let l = &c.l2;
    let l2_bytes = u64::from(l.size_kib) * 1024;
    let l2 = L2Timing {
        bytes: l2_bytes,
        slices: l.slices,
        slice_bytes: l2_bytes / u64::from(l.slices.max(1)),
        slice_bandwidth: bytes_per_cycle(l.slice_bytes_per_cycle, "l2.slice_bytes_per_cycle")?,
        latency: cycles(l.latency_cycles),
        ideal_latency: cycles(l.ideal_latency_cycles),
    };

    let h = &c.hbm;
    // Bytes per second of one stack: pins × bits per second per pin / 8 (the bus is a power of
    // two of at least 512 pins, so the division is exact). Gb/s → bit/s scales by 10^9 exactly
    // as GB/s → B/s does.
    let pin_bits_per_s = crate::time::gb_per_s_to_bytes_per_s(h.pin_gbit_per_s)
        .map_err(time_error("hbm.pin_gbit_per_s"))?;
    let stack_bytes_per_s = u64::from(h.bus_bits_per_stack / 8).saturating_mul(pin_bits_per_s);
    let pcs = h.channels_per_stack * h.pseudo_channels_per_channel;
    let hbm_rate_error = || ConfigError::BadValue {
        message: "hbm.pin_gbit_per_s: the HBM bandwidth must be greater than zero".to_string(),
    };
    let stack_bandwidth =
        Bandwidth::new(stack_bytes_per_s, clock.hz()).ok_or_else(hbm_rate_error)?;
    let stack_bytes = u64::from(h.stack_capacity_gib) << 30;
    let hbm = HbmTiming {
        stacks: h.stacks,
        stack_bytes,
        capacity_bytes: stack_bytes * u64::from(h.stacks),
        pseudo_channels_per_stack: pcs,
        banks_per_pseudo_channel: h.bank_groups * h.banks_per_group,
        burst_bytes: h.bus_bits_per_stack / pcs.max(1) / 8 * h.burst_length,
        stack_bandwidth,
        pseudo_channel_bandwidth: Bandwidth::new(
            stack_bytes_per_s / u64::from(pcs.max(1)),
            clock.hz(),
        )
        .ok_or_else(hbm_rate_error)?,
        bandwidth: stack_bandwidth
            .times(u64::from(h.stacks))
            .ok_or_else(hbm_rate_error)?,
        t_rcd: ns(h.t_rcd_ns, "hbm.t_rcd_ns")?,
        t_rp: ns(h.t_rp_ns, "hbm.t_rp_ns")?,
        t_ras: ns(h.t_ras_ns, "hbm.t_ras_ns")?,
        t_rc: ns(h.t_rc_ns, "hbm.t_rc_ns")?,
        t_cl: ns(h.t_cl_ns, "hbm.t_cl_ns")?,
        t_cwl: ns(h.t_cwl_ns, "hbm.t_cwl_ns")?,
        t_wr: ns(h.t_wr_ns, "hbm.t_wr_ns")?,
        t_rtp: ns(h.t_rtp_ns, "hbm.t_rtp_ns")?,
        t_rrd_s: ns(h.t_rrd_s_ns, "hbm.t_rrd_s_ns")?,
        t_rrd_l: ns(h.t_rrd_l_ns, "hbm.t_rrd_l_ns")?,
        t_faw: ns(h.t_faw_ns, "hbm.t_faw_ns")?,
        t_ccd_s: ns(h.t_ccd_s_ns, "hbm.t_ccd_s_ns")?,
        t_ccd_l: ns(h.t_ccd_l_ns, "hbm.t_ccd_l_ns")?,
        t_wtr_s: ns(h.t_wtr_s_ns, "hbm.t_wtr_s_ns")?,
        t_wtr_l: ns(h.t_wtr_l_ns, "hbm.t_wtr_l_ns")?,
        t_refi: {
            // A deadline, not a latency: round down so refresh is never later than required.
            let ps = crate::time::ns_to_ps(h.t_refi_ns).map_err(time_error("hbm.t_refi_ns"))?;
            clock.cycles_floor_ps(ps)
        },
        t_rfc: ns(h.t_rfc_ns, "hbm.t_rfc_ns")?,
        controller_latency: cycles(h.controller_latency_cycles),
        ideal_latency: cycles(h.ideal_latency_cycles),
        ideal_bandwidth: Bandwidth::per_cycle(u64::from(h.ideal_bytes_per_cycle)),
    };

    let n = &c.noc;
    let noc = NocTiming {
        router: cycles(n.router_latency_cycles),
        link: cycles(n.link_latency_cycles),
        hop: cycles(n.router_latency_cycles) + cycles(n.link_latency_cycles),
        flit_bytes: n.link_bytes_per_cycle,
        link_bandwidth: bytes_per_cycle(n.link_bytes_per_cycle, "noc.link_bytes_per_cycle")?,
        ideal_latency: cycles(n.ideal_latency_cycles),
    };

    let d = &c.dma;
    let dma = DmaTiming {
        bandwidth: bytes_per_cycle(d.bytes_per_cycle, "dma.bytes_per_cycle")?,
        setup: cycles(d.setup_latency_cycles),
        queue_depth: d.queue_depth as usize,
        ideal_latency: cycles(d.ideal_latency_cycles),
    };

    let f = &c.fabric;
    let fabric = FabricTiming {
        link_bandwidth: gb(f.link_gb_per_s, "fabric.link_gb_per_s")?,
        link_latency: ns(f.link_latency_ns, "fabric.link_latency_ns")?,
        switch_hop: ns(f.switch_hop_ns, "fabric.switch_hop_ns")?,
        ideal_latency: ns(f.ideal_latency_ns, "fabric.ideal_latency_ns")?,
        scale_out_bandwidth: gb(
            c.topology.scale_out_gbit_per_s / 8.0,
            "topology.scale_out_gbit_per_s",
        )?,
    };

    let host = HostTiming {
        bandwidth: gb(c.host.gb_per_s, "host.gb_per_s")?,
        latency: ns(c.host.latency_ns, "host.latency_ns")?,
    };

    let e = &c.energy;
    let energy = EnergyTable {
        power_envelope_mw: thousandths(e.power_envelope_w, "energy.power_envelope_w")?,
        mac_bf16_fj: thousandths(e.mac_bf16_pj, "energy.mac_bf16_pj")?,
        mac_fp16_fj: thousandths(e.mac_fp16_pj, "energy.mac_fp16_pj")?,
        mac_fp8_fj: thousandths(e.mac_fp8_pj, "energy.mac_fp8_pj")?,
        mac_int8_fj: thousandths(e.mac_int8_pj, "energy.mac_int8_pj")?,
        vector_lane_op_fj: thousandths(e.vector_lane_op_pj, "energy.vector_lane_op_pj")?,
        sram_byte_fj: thousandths(e.sram_byte_pj, "energy.sram_byte_pj")?,
        l2_byte_fj: thousandths(e.l2_byte_pj, "energy.l2_byte_pj")?,
        hbm_byte_fj: thousandths(e.hbm_byte_pj, "energy.hbm_byte_pj")?,
        noc_hop_byte_fj: thousandths(e.noc_hop_byte_pj, "energy.noc_hop_byte_pj")?,
        fabric_byte_fj: thousandths(e.fabric_byte_pj, "energy.fabric_byte_pj")?,
    };

    Ok(Resolved {
        config: c.clone(),
        clock,
        tiles: c.tiles(),
        core,
        systolic_ideal_latency: cycles(c.systolic.ideal_latency_cycles),
        vector,
        scratchpad,
        accumulator,
        l2,
        hbm,
        noc,
        dma,
        fabric,
        host,
        energy,
    })
}
