//! `[hbm]`: the chip's HBM: its keys, rows, JEDEC checks and timing in cycles.

use serde::{Deserialize, Serialize};

use super::resolve::{Units, cycles, time_error};
use super::validate::{Allowed, KeySpec, Step, float, inconsistent, int, other};
use super::{Config, ConfigError};
use crate::hbm::controller::{PagePolicy, Settings};
use crate::hbm::mapping::{Geometry, Mapping};
use crate::hbm::timing::Params;
use crate::time::{Bandwidth, Clock, Cycle};

/// Which HBM implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HbmImpl {
    /// HBM2 (JESD235): the command-level model, two data beats per tCK.
    Hbm2,
    /// HBM2E (JESD235 family): the command-level model, two data beats per tCK.
    Hbm2e,
    /// HBM3 (JESD238): the command-level model, four data beats per tCK.
    Hbm3,
    /// Fixed latency and a fixed (or unlimited) bandwidth.
    Ideal,
}

impl HbmImpl {
    /// Data beats per memory clock cycle (tCK): HBM2 and HBM2E transfer on both clock edges;
    /// HBM3's data strobes run at twice its clock, so four beats fall in one tCK (JESD238).
    /// `None` for the ideal memory, which has no clock.
    pub const fn beats_per_clock(self) -> Option<u32> {
        match self {
            HbmImpl::Hbm2 | HbmImpl::Hbm2e => Some(2),
            HbmImpl::Hbm3 => Some(4),
            HbmImpl::Ideal => None,
        }
    }
}

/// What a bank does with its open row once nothing queued needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PagePolicyConfig {
    /// Keep it open.
    Open,
    /// Precharge it.
    Closed,
}

/// How the HBM refreshes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefreshConfig {
    /// An all-bank REF per pseudo-channel every tREFI.
    AllBank,
    /// No refresh (for measurements only: real DRAM loses its data).
    Off,
}

/// `[hbm]`: the chip's high-bandwidth memory. Timing names follow JEDEC (JESD235/JESD238).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HbmConfig {
    /// Implementation: `"hbm2"`, `"hbm2e"`, `"hbm3"` or `"ideal"`.
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
    /// Which address bits select stack, channel, pseudo-channel, bank group, bank, row and
    /// column: `"channel-interleaved"`, `"row-bank-column"`, or the fields most significant first
    /// (`"ro-ba-co-bg-st-ch-pc"`).
    pub address_mapping: String,
    /// `"open"` or `"closed"`.
    pub page_policy: PagePolicyConfig,
    /// `"all-bank"` or `"off"`.
    pub refresh: RefreshConfig,
    /// Bursts each pseudo-channel's read queue holds.
    pub read_queue_depth: u32,
    /// Bursts each pseudo-channel's write queue holds.
    pub write_queue_depth: u32,
    /// Queued writes at which a pseudo-channel starts draining them, bursts.
    pub write_high_watermark: u32,
    /// Queued writes at which it goes back to reads, bursts.
    pub write_low_watermark: u32,
    /// Latency of every access when `impl = "ideal"`, core cycles.
    pub ideal_latency_cycles: u32,
    /// Bandwidth of the whole HBM when `impl = "ideal"`, bytes per core cycle (0: unlimited).
    pub ideal_bytes_per_cycle: u32,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    other!("hbm.impl", Allowed::Choice(&["hbm2", "hbm2e", "hbm3", "ideal"]),
        "ZW-1: HBM2E (run as \"ideal\" until it is the default); HBM3 preset (M890-like)"),
    int!("hbm.stacks", "stacks", 1, 8, |c| c.hbm.stacks,
        "ZW-1: 6 stacks × 16 GB = 96 GB (Zhenwu 96 GB HBM2e), 1–8 stacks"),
    int!("hbm.stack_capacity_gib", "GiB", 1, 64, |c| c.hbm.stack_capacity_gib,
        "ZW-1: 16 GB per stack (8-high of 16 Gb dies)"),
    float!("hbm.pin_gbit_per_s", "Gb/s", 1.0, 16.0, |c| c.hbm.pin_gbit_per_s,
        "ZW-1: 3.2 Gb/s/pin → 409.6 GB/s per stack, 2.46 TB/s total; HBM2 2.0, HBM3 6.4"),
    int!("hbm.bus_bits_per_stack", "bits", 32, 2048, Step::PowerOfTwo, |c| c.hbm.bus_bits_per_stack,
        "JESD235/JESD238: 1024 data pins per stack (fewer: a stack with fewer channels)"),
    int!("hbm.channels_per_stack", "channels", 1, 32, Step::PowerOfTwo, |c| c.hbm.channels_per_stack,
        "ZW-1: 8 channels (16 pseudo-channels) per stack (JESD235); JESD238: 16"),
    int!("hbm.pseudo_channels_per_channel", "pseudo-channels", 1, 2, |c| c.hbm.pseudo_channels_per_channel,
        "JESD235 pseudo-channel mode and JESD238: 2 per channel"),
    int!("hbm.bank_groups", "bank groups", 1, 8, Step::PowerOfTwo, |c| c.hbm.bank_groups,
        "JESD235: 4 bank groups per pseudo-channel"),
    int!("hbm.banks_per_group", "banks", 1, 16, Step::PowerOfTwo, |c| c.hbm.banks_per_group,
        "JESD235: 4 banks per bank group (16 per pseudo-channel)"),
    int!("hbm.row_bytes", "B", 256, 8192, Step::PowerOfTwo, |c| c.hbm.row_bytes,
        "JESD235: 1 KB page per pseudo-channel"),
    int!("hbm.burst_length", "beats", 2, 16, Step::PowerOfTwo, |c| c.hbm.burst_length,
        "JESD235: BL4 in pseudo-channel mode (32 B per access); JESD238: BL8"),
    float!("hbm.t_rcd_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_rcd_ns,
        "JESD235 tRCDRD/tRCDWR (one value); HBM2E parts ~14 ns"),
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
        "JESD235 tRRDS"),
    float!("hbm.t_rrd_l_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_rrd_l_ns,
        "JESD235 tRRDL; at least t_rrd_s_ns"),
    float!("hbm.t_faw_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_faw_ns,
        "JESD235 tFAW"),
    float!("hbm.t_ccd_s_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_ccd_s_ns,
        "JESD235 tCCDS: 2 tCK at 1.6 GHz"),
    float!("hbm.t_ccd_l_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_ccd_l_ns,
        "JESD235 tCCDL: 4 tCK at 1.6 GHz; at least t_ccd_s_ns"),
    float!("hbm.t_wtr_s_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_wtr_s_ns,
        "JESD235 tWTRS"),
    float!("hbm.t_wtr_l_ns", "ns", 0.0, 1000.0, |c| c.hbm.t_wtr_l_ns,
        "JESD235 tWTRL; at least t_wtr_s_ns"),
    float!("hbm.t_refi_ns", "ns", 100.0, 100_000.0, |c| c.hbm.t_refi_ns,
        "JESD235 tREFI: 3.9 µs"),
    float!("hbm.t_rfc_ns", "ns", 0.0, 10_000.0, |c| c.hbm.t_rfc_ns,
        "JESD235 tRFC; less than t_refi_ns"),
    int!("hbm.controller_latency_cycles", "cycles", 1, 1000, |c| c.hbm.controller_latency_cycles,
        "memory controller queue and PHY, each way"),
    other!("hbm.address_mapping", Allowed::Form(
        "\"channel-interleaved\" | \"row-bank-column\" | fields st, ch, pc, bg, ba, ro, co most \
         significant first, joined by -, a split field's parts with bit counts (co2)"),
        "design: consecutive bursts over every pseudo-channel, then bank groups (docs/memory.md)"),
    other!("hbm.page_policy", Allowed::Choice(&["open", "closed"]),
        "design: open page suits streaming DMA"),
    other!("hbm.refresh", Allowed::Choice(&["all-bank", "off"]),
        "JESD235/JESD238 all-bank refresh every tREFI; \"off\" for measurements only"),
    int!("hbm.read_queue_depth", "bursts", 1, 1024, |c| c.hbm.read_queue_depth,
        "design: 32 per pseudo-channel (FR-FCFS window)"),
    int!("hbm.write_queue_depth", "bursts", 1, 1024, |c| c.hbm.write_queue_depth,
        "design: 32 per pseudo-channel"),
    int!("hbm.write_high_watermark", "bursts", 1, 1024, |c| c.hbm.write_high_watermark,
        "design: drain writes from 3/4 full; at most hbm.write_queue_depth"),
    int!("hbm.write_low_watermark", "bursts", 0, 1024, |c| c.hbm.write_low_watermark,
        "design: back to reads at 1/4 full; less than hbm.write_high_watermark"),
    int!("hbm.ideal_latency_cycles", "cycles", 1, 100_000, |c| c.hbm.ideal_latency_cycles,
        "ideal implementation: about an unloaded HBM access"),
    int!("hbm.ideal_bytes_per_cycle", "B/cycle", 0, 1_000_000, |c| c.hbm.ideal_bytes_per_cycle,
        "ideal implementation; 0 = unlimited"),
];

/// The `[hbm]` keys of each speed bin, to apply with [`Config::set`] (`zw bench hbm --preset`):
/// `hbm.impl`, the organisation and every timing. HBM2 and HBM3 are the timings of Ramulator 2.1's
/// `HBM2_2000Mbps` and `HBM3_6400Mbps` presets (JESD235/JESD238 devices; one tRCD, the read one);
/// HBM2E is ZW-1's (docs/memory.md, "Parameters").
pub const SPEED_BINS: [(&str, &[(&str, &str)]); 3] = [
    (
        "hbm2",
        &[
            ("hbm.impl", "hbm2"),
            ("hbm.stack_capacity_gib", "8"),
            ("hbm.pin_gbit_per_s", "2.0"),
            ("hbm.channels_per_stack", "8"),
            ("hbm.burst_length", "4"),
            ("hbm.t_rcd_ns", "14.0"),
            ("hbm.t_rp_ns", "14.0"),
            ("hbm.t_ras_ns", "34.0"),
            ("hbm.t_rc_ns", "48.0"),
            ("hbm.t_cl_ns", "14.0"),
            ("hbm.t_cwl_ns", "5.0"),
            ("hbm.t_wr_ns", "16.0"),
            ("hbm.t_rtp_ns", "5.0"),
            ("hbm.t_rrd_s_ns", "4.0"),
            ("hbm.t_rrd_l_ns", "4.0"),
            ("hbm.t_faw_ns", "15.0"),
            ("hbm.t_ccd_s_ns", "2.0"),
            ("hbm.t_ccd_l_ns", "4.0"),
            ("hbm.t_wtr_s_ns", "6.0"),
            ("hbm.t_wtr_l_ns", "8.0"),
            ("hbm.t_refi_ns", "3900.0"),
            ("hbm.t_rfc_ns", "350.0"),
        ],
    ),
    (
        "hbm2e",
        &[
            ("hbm.impl", "hbm2e"),
            ("hbm.stack_capacity_gib", "16"),
            ("hbm.pin_gbit_per_s", "3.2"),
            ("hbm.channels_per_stack", "8"),
            ("hbm.burst_length", "4"),
            ("hbm.t_rcd_ns", "14.0"),
            ("hbm.t_rp_ns", "14.0"),
            ("hbm.t_ras_ns", "33.0"),
            ("hbm.t_rc_ns", "47.0"),
            ("hbm.t_cl_ns", "14.0"),
            ("hbm.t_cwl_ns", "2.5"),
            ("hbm.t_wr_ns", "16.0"),
            ("hbm.t_rtp_ns", "5.0"),
            ("hbm.t_rrd_s_ns", "2.5"),
            ("hbm.t_rrd_l_ns", "3.75"),
            ("hbm.t_faw_ns", "15.0"),
            ("hbm.t_ccd_s_ns", "1.25"),
            ("hbm.t_ccd_l_ns", "2.5"),
            ("hbm.t_wtr_s_ns", "2.5"),
            ("hbm.t_wtr_l_ns", "7.5"),
            ("hbm.t_refi_ns", "3900.0"),
            ("hbm.t_rfc_ns", "450.0"),
        ],
    ),
    (
        "hbm3",
        &[
            ("hbm.impl", "hbm3"),
            ("hbm.stack_capacity_gib", "24"),
            ("hbm.pin_gbit_per_s", "6.4"),
            ("hbm.channels_per_stack", "16"),
            ("hbm.burst_length", "8"),
            ("hbm.t_rcd_ns", "19.375"),
            ("hbm.t_rp_ns", "16.25"),
            ("hbm.t_ras_ns", "28.125"),
            ("hbm.t_rc_ns", "45.0"),
            ("hbm.t_cl_ns", "12.5"),
            ("hbm.t_cwl_ns", "6.25"),
            ("hbm.t_wr_ns", "20.625"),
            ("hbm.t_rtp_ns", "5.625"),
            ("hbm.t_rrd_s_ns", "2.5"),
            ("hbm.t_rrd_l_ns", "3.125"),
            ("hbm.t_faw_ns", "15.0"),
            ("hbm.t_ccd_s_ns", "1.25"),
            ("hbm.t_ccd_l_ns", "2.5"),
            ("hbm.t_wtr_s_ns", "4.375"),
            ("hbm.t_wtr_l_ns", "6.25"),
            ("hbm.t_refi_ns", "3900.0"),
            ("hbm.t_rfc_ns", "350.0"),
        ],
    ),
];

/// The bus splits into pseudo-channels; the JEDEC orderings hold.
pub(super) fn check(c: &Config, out: &mut Vec<ConfigError>) {
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
    if let Some(beats) = h.implementation.beats_per_clock()
        && !h.burst_length.is_multiple_of(beats)
    {
        inconsistent(
            out,
            "hbm.burst_length",
            h.burst_length,
            format!("must be a multiple of the {beats} data beats per tCK of this hbm.impl"),
        );
    }
    check_geometry(c, out);
    if h.write_high_watermark > h.write_queue_depth {
        inconsistent(
            out,
            "hbm.write_high_watermark",
            h.write_high_watermark,
            format!(
                "must be at most hbm.write_queue_depth = {}",
                h.write_queue_depth
            ),
        );
    }
    if h.write_low_watermark >= h.write_high_watermark {
        inconsistent(
            out,
            "hbm.write_low_watermark",
            h.write_low_watermark,
            format!(
                "must be less than hbm.write_high_watermark = {}",
                h.write_high_watermark
            ),
        );
    }
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
}

/// Bytes one burst moves on one pseudo-channel (0 if the bus does not split).
fn burst_bytes(h: &HbmConfig) -> u64 {
    let pcs = h.channels_per_stack * h.pseudo_channels_per_channel;
    u64::from(h.bus_bits_per_stack / pcs.max(1) / 8) * u64::from(h.burst_length)
}

/// The banks, rows and columns of `h`, if its sizes divide evenly.
fn geometry(h: &HbmConfig) -> Option<Geometry> {
    let burst = burst_bytes(h);
    let row_set = u64::from(h.channels_per_stack)
        * u64::from(h.pseudo_channels_per_channel)
        * u64::from(h.bank_groups)
        * u64::from(h.banks_per_group)
        * u64::from(h.row_bytes);
    let stack = u64::from(h.stack_capacity_gib) << 30;
    let fits = burst > 0
        && burst <= u64::from(h.row_bytes)
        && row_set > 0
        && stack.is_multiple_of(row_set)
        && stack / row_set <= 1 << 32;
    fits.then(|| Geometry {
        stacks: u64::from(h.stacks),
        channels: u64::from(h.channels_per_stack),
        pseudo_channels: u64::from(h.pseudo_channels_per_channel),
        bank_groups: u64::from(h.bank_groups),
        banks: u64::from(h.banks_per_group),
        rows: stack / row_set,
        columns: u64::from(h.row_bytes) / burst,
        burst_bytes: burst,
    })
}

/// The rows divide a stack evenly and hold whole bursts; the mapping covers the address.
fn check_geometry(c: &Config, out: &mut Vec<ConfigError>) {
    let h = &c.hbm;
    let Some(g) = geometry(h) else {
        inconsistent(
            out,
            "hbm.row_bytes",
            h.row_bytes,
            format!(
                "must hold whole bursts of {} bytes, and hbm.stack_capacity_gib must be a whole \
                 number (at most 2^32) of rows in every bank of every pseudo-channel",
                burst_bytes(h)
            ),
        );
        return;
    };
    if let Err(e) = Mapping::new(&h.address_mapping, g) {
        inconsistent(
            out,
            "hbm.address_mapping",
            format!("{:?}", h.address_mapping),
            e.to_string(),
        );
    }
}

/// The HBM, its JEDEC timings in core cycles (rounded up, except `t_refi`, rounded down so that
/// refresh is never late).
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The memory clock (one tCK): the pin rate over the data beats per tCK.
    pub memory_clock: Clock,
    /// The controllers' settings, timings in tCK.
    pub controller: Settings,
    /// The address mapping.
    pub mapping: Mapping,
}

/// Converts this table's values.
pub(super) fn resolve(c: &Config, u: &Units) -> Result<HbmTiming, ConfigError> {
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
        Bandwidth::new(stack_bytes_per_s, u.clock.hz()).ok_or_else(hbm_rate_error)?;
    let stack_bytes = u64::from(h.stack_capacity_gib) << 30;
    let beats = h.implementation.beats_per_clock().unwrap_or(2);
    let memory_clock =
        Clock::from_hz(pin_bits_per_s / u64::from(beats)).ok_or_else(hbm_rate_error)?;
    let mapping_error = |message: String| ConfigError::Inconsistent {
        key: "hbm.address_mapping".to_string(),
        value: format!("{:?}", h.address_mapping),
        reason: message,
    };
    let g = geometry(h).ok_or_else(|| mapping_error("the sizes do not divide".into()))?;
    let mapping = Mapping::new(&h.address_mapping, g).map_err(|e| mapping_error(e.0))?;
    Ok(HbmTiming {
        stacks: h.stacks,
        stack_bytes,
        capacity_bytes: stack_bytes * u64::from(h.stacks),
        pseudo_channels_per_stack: pcs,
        banks_per_pseudo_channel: h.bank_groups * h.banks_per_group,
        burst_bytes: h.bus_bits_per_stack / pcs.max(1) / 8 * h.burst_length,
        stack_bandwidth,
        pseudo_channel_bandwidth: Bandwidth::new(
            stack_bytes_per_s / u64::from(pcs.max(1)),
            u.clock.hz(),
        )
        .ok_or_else(hbm_rate_error)?,
        bandwidth: stack_bandwidth
            .times(u64::from(h.stacks))
            .ok_or_else(hbm_rate_error)?,
        t_rcd: u.ns(h.t_rcd_ns, "hbm.t_rcd_ns")?,
        t_rp: u.ns(h.t_rp_ns, "hbm.t_rp_ns")?,
        t_ras: u.ns(h.t_ras_ns, "hbm.t_ras_ns")?,
        t_rc: u.ns(h.t_rc_ns, "hbm.t_rc_ns")?,
        t_cl: u.ns(h.t_cl_ns, "hbm.t_cl_ns")?,
        t_cwl: u.ns(h.t_cwl_ns, "hbm.t_cwl_ns")?,
        t_wr: u.ns(h.t_wr_ns, "hbm.t_wr_ns")?,
        t_rtp: u.ns(h.t_rtp_ns, "hbm.t_rtp_ns")?,
        t_rrd_s: u.ns(h.t_rrd_s_ns, "hbm.t_rrd_s_ns")?,
        t_rrd_l: u.ns(h.t_rrd_l_ns, "hbm.t_rrd_l_ns")?,
        t_faw: u.ns(h.t_faw_ns, "hbm.t_faw_ns")?,
        t_ccd_s: u.ns(h.t_ccd_s_ns, "hbm.t_ccd_s_ns")?,
        t_ccd_l: u.ns(h.t_ccd_l_ns, "hbm.t_ccd_l_ns")?,
        t_wtr_s: u.ns(h.t_wtr_s_ns, "hbm.t_wtr_s_ns")?,
        t_wtr_l: u.ns(h.t_wtr_l_ns, "hbm.t_wtr_l_ns")?,
        t_refi: {
            // A deadline, not a latency: round down so refresh is never later than required.
            let ps = crate::time::ns_to_ps(h.t_refi_ns).map_err(time_error("hbm.t_refi_ns"))?;
            u.clock.cycles_floor_ps(ps)
        },
        t_rfc: u.ns(h.t_rfc_ns, "hbm.t_rfc_ns")?,
        controller_latency: cycles(h.controller_latency_cycles),
        ideal_latency: cycles(h.ideal_latency_cycles),
        ideal_bandwidth: Bandwidth::per_cycle(u64::from(h.ideal_bytes_per_cycle)),
        memory_clock,
        controller: Settings {
            params: params(h, memory_clock)?,
            page: match h.page_policy {
                PagePolicyConfig::Open => PagePolicy::Open,
                PagePolicyConfig::Closed => PagePolicy::Closed,
            },
            read_depth: h.read_queue_depth as usize,
            write_depth: h.write_queue_depth as usize,
            high_watermark: h.write_high_watermark as usize,
            low_watermark: h.write_low_watermark as usize,
            refresh: h.refresh == RefreshConfig::AllBank,
            pseudo_channels: h.pseudo_channels_per_channel,
            bank_groups: h.bank_groups,
            banks_per_group: h.banks_per_group,
        },
        mapping,
    })
}

/// The timing parameters in tCK of `clock`: rounded up, tREFI rounded down.
fn params(h: &HbmConfig, clock: Clock) -> Result<Params, ConfigError> {
    let ck = |ns: f64, key: &'static str| -> Result<u64, ConfigError> {
        Ok(clock.cycles_from_ns(ns).map_err(time_error(key))?.get())
    };
    let beats = h.implementation.beats_per_clock().unwrap_or(2);
    Ok(Params {
        burst: u64::from((h.burst_length / beats).max(1)),
        rcd: ck(h.t_rcd_ns, "hbm.t_rcd_ns")?,
        rp: ck(h.t_rp_ns, "hbm.t_rp_ns")?,
        ras: ck(h.t_ras_ns, "hbm.t_ras_ns")?,
        rc: ck(h.t_rc_ns, "hbm.t_rc_ns")?,
        cl: ck(h.t_cl_ns, "hbm.t_cl_ns")?,
        cwl: ck(h.t_cwl_ns, "hbm.t_cwl_ns")?,
        wr: ck(h.t_wr_ns, "hbm.t_wr_ns")?,
        rtp: ck(h.t_rtp_ns, "hbm.t_rtp_ns")?,
        rrd_s: ck(h.t_rrd_s_ns, "hbm.t_rrd_s_ns")?,
        rrd_l: ck(h.t_rrd_l_ns, "hbm.t_rrd_l_ns")?,
        faw: ck(h.t_faw_ns, "hbm.t_faw_ns")?,
        ccd_s: ck(h.t_ccd_s_ns, "hbm.t_ccd_s_ns")?,
        ccd_l: ck(h.t_ccd_l_ns, "hbm.t_ccd_l_ns")?,
        wtr_s: ck(h.t_wtr_s_ns, "hbm.t_wtr_s_ns")?,
        wtr_l: ck(h.t_wtr_l_ns, "hbm.t_wtr_l_ns")?,
        rfc: ck(h.t_rfc_ns, "hbm.t_rfc_ns")?,
        refi: {
            let ps = crate::time::ns_to_ps(h.t_refi_ns).map_err(time_error("hbm.t_refi_ns"))?;
            clock.cycles_floor_ps(ps).get().max(1)
        },
    })
}
