//! `[noc]`: the on-chip network: its keys, rows and timing.

use serde::{Deserialize, Serialize};

use super::resolve::{bytes_per_cycle, cycles};
use super::validate::{Allowed, KeySpec, inconsistent, int, other};
use super::{Config, ConfigError, Unmodelled};
use crate::time::{Bandwidth, Cycle};

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
    /// Virtual networks: one for requests, one for responses, each with its own channels.
    pub virtual_networks: u32,
    /// Virtual channels per virtual network at every input port.
    pub vcs_per_vnet: u32,
    /// Flits each virtual channel's buffer holds (the credits of the link feeding it).
    pub vc_buffer_flits: u32,
    /// Routing: `"xy"` or `"yx"`.
    pub routing: Routing,
    /// Latency between any two nodes when `impl = "ideal"`, cycles.
    pub ideal_latency_cycles: u32,
    /// Bandwidth the whole network shares when `impl = "ideal"`, bytes per cycle (0: unlimited).
    pub ideal_bytes_per_cycle: u32,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    other!("noc.impl", Allowed::Choice(&["mesh", "ideal"]),
        "design: an ideal implementation per unit kind"),
    int!("noc.cols", "routers", 4, 10, |c| c.noc.cols,
        "ZW-1: 6x6 2D mesh, 4x4–10x10; tiles inside, HBM, L2 and fabric ports on the rim"),
    int!("noc.rows", "routers", 4, 10, |c| c.noc.rows,
        "ZW-1: as noc.cols"),
    int!("noc.link_bytes_per_cycle", "B/cycle", 32, 256, |c| c.noc.link_bytes_per_cycle,
        "ZW-1: 128 B/cycle each way, 32–256; one 64-wide bf16 row per cycle; the flit size"),
    int!("noc.router_latency_cycles", "cycles", 1, 16, |c| c.noc.router_latency_cycles,
        "ZW-1: 2-cycle router (pipeline stages)"),
    int!("noc.link_latency_cycles", "cycles", 1, 16, |c| c.noc.link_latency_cycles,
        "ZW-1: 1-cycle link; at least 1 (latched links, booksim2 channel)"),
    int!("noc.virtual_networks", "networks", 2, 2, |c| c.noc.virtual_networks,
        "ZW-1: request/response virtual networks (no protocol deadlock); the two message classes"),
    int!("noc.vcs_per_vnet", "VCs", 1, 8, |c| c.noc.vcs_per_vnet,
        "estimate: 2 VCs per message class, so a blocked packet can be passed; 1 is plain wormhole"),
    int!("noc.vc_buffer_flits", "flits", 1, 64, |c| c.noc.vc_buffer_flits,
        "estimate: 4 covers the credit round trip (router + 2 × link) of ZW-1 at full rate"),
    other!("noc.routing", Allowed::Choice(&["xy", "yx"]),
        "ZW-1: XY routing"),
    int!("noc.ideal_latency_cycles", "cycles", 1, 1000, |c| c.noc.ideal_latency_cycles,
        "ideal implementation"),
    int!("noc.ideal_bytes_per_cycle", "B/cycle", 0, 1_000_000, |c| c.noc.ideal_bytes_per_cycle,
        "ideal implementation, shared by every message carrying data; 0 = unlimited"),
];

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
    /// Shared by every message when `noc.impl = "ideal"` (None: unlimited).
    pub ideal_bandwidth: Option<Bandwidth>,
}

/// Converts this table's values.
pub(super) fn resolve(c: &Config) -> Result<NocTiming, ConfigError> {
    let n = &c.noc;
    Ok(NocTiming {
        router: cycles(n.router_latency_cycles),
        link: cycles(n.link_latency_cycles),
        hop: cycles(n.router_latency_cycles) + cycles(n.link_latency_cycles),
        flit_bytes: n.link_bytes_per_cycle,
        link_bandwidth: bytes_per_cycle(n.link_bytes_per_cycle, "noc.link_bytes_per_cycle")?,
        ideal_latency: cycles(n.ideal_latency_cycles),
        ideal_bandwidth: Bandwidth::per_cycle(u64::from(n.ideal_bytes_per_cycle)),
    })
}

impl NocConfig {
    /// `impl`, if it names a model not built yet: every one is built.
    pub(super) fn unmodelled(&self) -> Option<Unmodelled> {
        None
    }
}

/// The mesh must hold the tiles inside its rim and the HBM controllers and L2 slices on it.
pub(super) fn check(c: &Config, out: &mut Vec<ConfigError>) {
    if c.noc.implementation != NocImpl::Mesh {
        return;
    }
    let fits = crate::noc::floorplan::Floorplan::new(
        c.noc.cols,
        c.noc.rows,
        (c.chip.tiles_x, c.chip.tiles_y),
        c.hbm.stacks,
        c.l2.slices,
    );
    if let Err((key, reason)) = fits {
        let value = if key == "noc.cols" {
            c.noc.cols
        } else {
            c.noc.rows
        };
        inconsistent(out, key, value, reason);
    }
}
