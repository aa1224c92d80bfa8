//! `[fabric]` and `[topology]`: the chip-to-chip links and how chips are connected: their
//! keys, rows, the checks that the topology fits the links, and timing.

use serde::{Deserialize, Serialize};

use super::resolve::Units;
use super::validate::{Allowed, KeySpec, Step, float, inconsistent, int, other};
use super::{Config, ConfigError};
use crate::fabric::topology::{Topology, Wire};
use crate::time::{Bandwidth, Cycle};
use std::sync::Arc;

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
    /// Bandwidth out of each chip when `impl = "ideal"`, GB/s (0: unlimited).
    pub ideal_gb_per_s: f64,
    /// Data bytes one message carries at most; larger packets are cut into messages.
    pub max_message_bytes: u32,
    /// Bytes each message adds on every link (header, CRC, framing).
    pub message_overhead_bytes: u32,
    /// Bytes of buffer for each virtual channel at the far end of each link (its credits).
    pub buffer_bytes: u32,
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
    /// Rings and tori linked both ways (`kind = "ring"` or `"torus"`); false: one way.
    pub bidirectional: bool,
    /// Torus dimensions, their product equal to `chips` (`kind = "torus"`).
    pub dims: Vec<u32>,
    /// Undirected links as pairs of chip numbers (`kind = "graph"`).
    pub edges: Vec<[u32; 2]>,
    /// An edge-list file of the graph's links, with their own bandwidth and latency (`kind =
    /// "graph"`; empty: use `edges`).
    pub graph_file: String,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    other!("fabric.impl", Allowed::Choice(&["link", "ideal"]),
        "design: links and topology (docs/fabric.md), or an ideal fixed latency"),
    int!("fabric.links", "links", 1, 16, |c| c.fabric.links,
        "ZW-1: 7 links per chip (Zhenwu's 7 ICN links), 1–16"),
    float!("fabric.link_gb_per_s", "GB/s", 25.0, 200.0, |c| c.fabric.link_gb_per_s,
        "ZW-1: 50 GB/s each way (700 GB/s in all), 25–200"),
    float!("fabric.link_latency_ns", "ns", 1.0, 1_000_000.0, |c| c.fabric.link_latency_ns,
        "ZW-1: 500 ns per link"),
    float!("fabric.switch_hop_ns", "ns", 0.0, 1_000_000.0, |c| c.fabric.switch_hop_ns,
        "ZW-1: optional switch hop 150 ns; also each scale-out NIC and switch (kind = \"server\")"),
    float!("fabric.ideal_latency_ns", "ns", 1.0, 1_000_000.0, |c| c.fabric.ideal_latency_ns,
        "ideal implementation: one link's latency"),
    float!("fabric.ideal_gb_per_s", "GB/s", 0.0, 100_000.0, |c| c.fabric.ideal_gb_per_s,
        "ideal implementation: each chip's outgoing bandwidth; 0 = unlimited"),
    int!("fabric.max_message_bytes", "B", 64, 65536, Step::PowerOfTwo, |c| c.fabric.max_message_bytes,
        "ZW-1: 4096 B, PCIe's largest Max_Payload_Size (PCI Express Base Specification); 64–65536"),
    int!("fabric.message_overhead_bytes", "B", 0, 256, |c| c.fabric.message_overhead_bytes,
        "ZW-1: 24 B, a PCIe TLP's 16 B 4-DW header, 4 B LCRC, 2 B sequence number, 2 B framing"),
    int!("fabric.buffer_bytes", "B", 64, 1 << 24, |c| c.fabric.buffer_bytes,
        "ZW-1: 64 KiB per VC per link, above 50 GB/s × a 1 µs credit round trip (2 × 500 ns); at least max_message_bytes + message_overhead_bytes"),
    // [topology]
    other!("topology.kind", Allowed::Choice(&["server", "all-to-all", "ring", "torus", "switch", "graph"]),
        "ZW-1: 8-chip all-to-all groups, 16 per server; ring, 2D/3D torus, switch, graph"),
    int!("topology.chips", "chips", 1, 16384, |c| c.topology.chips,
        "one chip by default; the global address names up to 16,384 chips"),
    int!("topology.group_size", "chips", 1, 17, |c| c.topology.group_size,
        "ZW-1: 7 links is exactly an 8-clique; at most fabric.links + 1"),
    int!("topology.chips_per_server", "chips", 1, 64, |c| c.topology.chips_per_server,
        "ZW-1: 16 per server (16,384 cards in 1,024 servers); a multiple of topology.group_size"),
    float!("topology.scale_out_gbit_per_s", "Gb/s", 1.0, 3200.0, |c| c.topology.scale_out_gbit_per_s,
        "ZW-1: groups bridged by a 400 Gb/s scale-out NIC"),
    other!("topology.bidirectional", Allowed::Bool,
        "ZW-1: true; false links rings and tori one way only"),
    other!("topology.dims", Allowed::List("2 or 3 sizes ≥ 2 whose product is topology.chips"),
        "ZW-1: 2D/3D torus (TPU v4)"),
    other!("topology.edges", Allowed::List("pairs of chip numbers < topology.chips, connected"),
        "ZW-1: arbitrary graph"),
    other!("topology.graph_file", Allowed::Text,
        "an edge list, `chip chip [GB/s [ns]]` per line (docs/fabric.md); \"\" = topology.edges"),
];

/// The topology fits the links.
pub(super) fn check(c: &Config, out: &mut Vec<ConfigError>) {
    let t = &c.topology;
    let links = c.fabric.links;
    let f = &c.fabric;
    let least = u64::from(f.max_message_bytes) + u64::from(f.message_overhead_bytes);
    if u64::from(f.buffer_bytes) < least {
        inconsistent(
            out,
            "fabric.buffer_bytes",
            f.buffer_bytes,
            format!(
                "a buffer holds at least one message: fabric.max_message_bytes + \
                 fabric.message_overhead_bytes = {least}"
            ),
        );
    }
    if t.kind == TopologyKind::Graph && !t.graph_file.is_empty() && !t.edges.is_empty() {
        inconsistent(
            out,
            "topology.graph_file",
            format!("{:?}", t.graph_file),
            "give topology.edges or topology.graph_file, not both".to_string(),
        );
    }
    match t.kind {
        TopologyKind::Server => {
            // Fewer chips than a group make one smaller group: only the chips there are need links.
            let group = t.group_size.min(t.chips);
            if group > links + 1 {
                let (key, value) = if group < t.group_size {
                    ("topology.chips", t.chips)
                } else {
                    ("topology.group_size", t.group_size)
                };
                inconsistent(
                    out,
                    key,
                    value,
                    format!(
                        "an all-to-all group of {group} chips needs {} links, and fabric.links = {links}",
                        group - 1
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
            // Checked: three 32-bit sizes can pass 2^64, and a wrapped product could match.
            let product = t
                .dims
                .iter()
                .try_fold(1u64, |p, &d| p.checked_mul(u64::from(d)));
            if !(2..=3).contains(&t.dims.len()) || t.dims.iter().any(|&d| d < 2) {
                inconsistent(
                    out,
                    "topology.dims",
                    dims,
                    "a torus has 2 or 3 dimensions, each of size at least 2".to_string(),
                );
            } else if product != Some(u64::from(t.chips)) {
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

/// The chip-to-chip links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FabricTiming {
    /// Peak bandwidth of one link, each way.
    pub link_bandwidth: Bandwidth,
    /// Latency of one link.
    pub link_latency: Cycle,
    /// Extra latency per switch traversal.
    pub switch_hop: Cycle,
    /// Between any two chips when `fabric.impl = "ideal"`.
    pub ideal_latency: Cycle,
    /// Out of each chip when `fabric.impl = "ideal"` (None: unlimited).
    pub ideal_bandwidth: Option<Bandwidth>,
    /// Scale-out NIC bandwidth between servers, each way.
    pub scale_out_bandwidth: Bandwidth,
    /// The chips, switches and links `[topology]` describes.
    pub topology: Arc<Topology>,
}

/// Converts this table's values.
pub(super) fn resolve(c: &Config, u: &Units) -> Result<FabricTiming, ConfigError> {
    let f = &c.fabric;
    let link_bandwidth = u.gb(f.link_gb_per_s, "fabric.link_gb_per_s")?;
    let link_latency = u.ns(f.link_latency_ns, "fabric.link_latency_ns")?;
    let switch_hop = u.ns(f.switch_hop_ns, "fabric.switch_hop_ns")?;
    let scale_out_bandwidth = u.gb(
        c.topology.scale_out_gbit_per_s / 8.0,
        "topology.scale_out_gbit_per_s",
    )?;
    let wires = crate::fabric::Wires {
        link: Wire {
            bandwidth: link_bandwidth,
            latency: link_latency,
        },
        scale_out: scale_out_bandwidth,
        switch_hop,
    };
    let topology = Arc::new(crate::fabric::build(c, u.clock, wires)?);
    Ok(FabricTiming {
        link_bandwidth,
        link_latency,
        switch_hop,
        ideal_latency: u.ns(f.ideal_latency_ns, "fabric.ideal_latency_ns")?,
        ideal_bandwidth: if f.ideal_gb_per_s > 0.0 {
            Some(u.gb(f.ideal_gb_per_s, "fabric.ideal_gb_per_s")?)
        } else {
            None
        },
        scale_out_bandwidth,
        topology,
    })
}
