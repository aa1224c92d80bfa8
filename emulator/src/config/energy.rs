//! `[energy]`: energy per action: its keys, rows and the table in whole femtojoules.

use isa::DType;
use serde::{Deserialize, Serialize};

use super::resolve::time_error;
use super::validate::{KeySpec, float, unread};
use super::{Config, ConfigError};

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

const PJ_MAX: f64 = 10_000.0;

/// Why nothing reads the energy keys.
const NO_ENERGY: &str = "no energy is computed yet";

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    unread(float!("energy.power_envelope_w", "W", 1.0, 2000.0, |c| c.energy.power_envelope_w,
        "ZW-1: 400 W envelope (Zhenwu 810E)"), NO_ENERGY),
    unread(float!("energy.mac_bf16_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.mac_bf16_pj,
        "Horowitz, ISSCC 2014 (45 nm): fp16 mult 1.1 + fp32 add 0.9"), NO_ENERGY),
    unread(float!("energy.mac_fp16_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.mac_fp16_pj,
        "Horowitz, ISSCC 2014: fp16 mult 1.1 + fp32 add 0.9"), NO_ENERGY),
    unread(float!("energy.mac_fp8_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.mac_fp8_pj,
        "estimate from Horowitz, ISSCC 2014: 8b mult 0.2 + fp32 add 0.9"), NO_ENERGY),
    unread(float!("energy.mac_int8_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.mac_int8_pj,
        "Horowitz, ISSCC 2014: 8b mult 0.2 + 32b add 0.1"), NO_ENERGY),
    unread(float!("energy.vector_lane_op_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.vector_lane_op_pj,
        "Horowitz, ISSCC 2014: fp32 mult 3.7"), NO_ENERGY),
    unread(float!("energy.sram_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.sram_byte_pj,
        "Horowitz, ISSCC 2014: 8 KB SRAM, 64-bit access 10 pJ"), NO_ENERGY),
    unread(float!("energy.l2_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.l2_byte_pj,
        "Horowitz, ISSCC 2014: 1 MB SRAM, 64-bit access 100 pJ"), NO_ENERGY),
    unread(float!("energy.hbm_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.hbm_byte_pj,
        "O'Connor et al., MICRO 2017: HBM2 3.9 pJ/bit"), NO_ENERGY),
    unread(float!("energy.noc_hop_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.noc_hop_byte_pj,
        "estimate: ~1 mm of on-chip wire plus a router per hop"), NO_ENERGY),
    unread(float!("energy.fabric_byte_pj", "pJ", 0.0, PJ_MAX, |c| c.energy.fabric_byte_pj,
        "estimate: ~5 pJ/bit for a chip-to-chip SerDes link"), NO_ENERGY),
];

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

/// Picojoules to whole femtojoules (and watts to milliwatts), to the nearest.
fn thousandths(value: f64, key: &str) -> Result<u64, ConfigError> {
    // Same rounding as ns → ps: × 1000, to the nearest integer.
    crate::time::ns_to_ps(value).map_err(time_error(key))
}

/// Converts this table's values.
pub(super) fn resolve(c: &Config) -> Result<EnergyTable, ConfigError> {
    let e = &c.energy;
    Ok(EnergyTable {
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
    })
}
