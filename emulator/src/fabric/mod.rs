//! The chip-to-chip fabric behind the [`Fabric`] seam: the ideal one (a fixed latency,
//! [`crate::network::Ideal::fabric`]) or links (`fabric.impl = "link"`, [`LinkFabric`]): the
//! topology as data ([`topology`]), its deadlock-free routes ([`route`]) and the link model
//! ([`link`]). docs/fabric.md describes them.

pub mod graph;
pub mod link;
pub mod route;
pub mod topology;

pub use self::link::{LinkCounters, LinkFabric, Params};
use self::topology::{Topology, Wire};
use crate::config::{Config, ConfigError, FabricImpl, Resolved, TopologyKind};
use crate::network::{Fabric, Ideal};
use crate::time::{Bandwidth, Clock, Cycle};

/// The fabric `fabric.impl` names.
pub(crate) fn fabric(c: &Resolved) -> Box<dyn Fabric> {
    match c.config.fabric.implementation {
        FabricImpl::Ideal => Box::new(Ideal::fabric(c)),
        FabricImpl::Link => Box::new(LinkFabric::new(c.fabric.topology.clone(), params(c))),
    }
}

/// The link model's sizes in a configuration.
pub fn params(c: &Resolved) -> Params {
    let f = &c.config.fabric;
    Params {
        max_message: u64::from(f.max_message_bytes),
        overhead: u64::from(f.message_overhead_bytes),
        buffer: u64::from(f.buffer_bytes),
    }
}

/// The wires a topology is built of: chip links, the scale-out NIC's, and a switch's hop.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wires {
    pub(crate) link: Wire,
    pub(crate) scale_out: Bandwidth,
    pub(crate) switch_hop: Cycle,
}

/// The topology `[topology]` describes (a validated configuration: shapes and degrees fit).
/// A graph file is read here; its faults are reported with their line.
pub(crate) fn build(c: &Config, clock: Clock, w: Wires) -> Result<Topology, ConfigError> {
    let t = &c.topology;
    let chips = t.chips;
    let topology = match t.kind {
        TopologyKind::Ring => Topology::ring(chips, t.bidirectional, w.link),
        TopologyKind::Torus => Topology::torus(&t.dims, t.bidirectional, w.link),
        TopologyKind::AllToAll => Topology::all_to_all(chips, w.link),
        TopologyKind::Server => {
            let scale_out = Wire {
                bandwidth: w.scale_out,
                latency: w.link.latency,
            };
            Topology::server(chips, t.group_size, w.link, scale_out, w.switch_hop)
        }
        TopologyKind::Switch => Topology::switch(chips, w.link, w.switch_hop),
        TopologyKind::Graph if t.graph_file.is_empty() => {
            let edges: Vec<_> = t.edges.iter().map(|&[a, b]| (a, b, w.link)).collect();
            Topology::graph(chips, &edges)
        }
        TopologyKind::Graph => {
            let path = &t.graph_file;
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let edges = graph::parse(&text, chips, c.fabric.links, w.link, clock).map_err(|e| {
                ConfigError::GraphLine {
                    path: path.clone(),
                    line: e.line,
                    reason: e.reason,
                }
            })?;
            let edges: Vec<_> = edges.iter().map(|e| (e.a, e.b, e.wire)).collect();
            Topology::graph(chips, &edges)
        }
    };
    if let Some(chip) = topology.unreachable() {
        let key = match t.kind {
            TopologyKind::Graph if !t.graph_file.is_empty() => "topology.graph_file",
            _ => "topology.edges",
        };
        return Err(ConfigError::Inconsistent {
            key: key.into(),
            value: if t.graph_file.is_empty() {
                format!("{:?}", t.edges)
            } else {
                t.graph_file.clone()
            },
            reason: format!("the graph is not connected: chip {chip} cannot reach chip 0"),
        });
    }
    Ok(topology)
}

#[cfg(test)]
mod tests;
