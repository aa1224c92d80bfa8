//! The mesh on-chip network (`noc.impl = "mesh"`): input-queued routers with virtual channels,
//! wormhole switching and credit flow control, behind the [`Network`] seam. docs/network.md
//! gives the router, its timing and the floorplan.
//!
//! A packet becomes a head flit and `ceil(bytes / flit bytes)` body flits. Requests (memory
//! accesses, semaphore increments, commits) and responses (a memory's replies) travel on
//! separate virtual networks, so a reply never waits behind a request: no protocol deadlock.
//! The packet is handed over when its tail flit leaves the mesh at its destination.

pub mod check;
pub mod flit;
pub mod floorplan;
pub mod grid;
pub mod router;
pub mod traffic;
pub mod usage;

use std::collections::HashMap;

use crate::config::{ConfigError, NocImpl, Resolved};
use crate::network::{Ideal, Network, Sent};
use crate::sim::message::{Body, Endpoint, Packet, Reply, Target};
use crate::sim::{Component, component_from};
use crate::stats::NocStats;
use crate::time::Cycle;
use crate::trace::TraceSink;

use self::floorplan::Floorplan;
use self::grid::{Blind, Grid, Params};

/// The virtual network of requests.
pub const REQUESTS: u8 = 0;
/// The virtual network of responses.
pub const RESPONSES: u8 = 1;

/// The mesh parameters of a configuration.
pub fn params(c: &Resolved) -> Params {
    let n = &c.config.noc;
    Params {
        cols: n.cols,
        rows: n.rows,
        vnets: n.virtual_networks,
        vcs_per_vnet: n.vcs_per_vnet,
        buffer_flits: n.vc_buffer_flits,
        stages: n.router_latency_cycles,
        link_latency: n.link_latency_cycles,
        routing: n.routing,
    }
}

/// The network of chip `chip`, as `noc.impl` says.
pub(crate) fn network(c: &Resolved, chip: u32) -> Box<dyn Network> {
    match c.config.noc.implementation {
        NocImpl::Ideal => Box::new(Ideal::network(c)),
        // A validated configuration's floorplan fits (config::noc checks it).
        NocImpl::Mesh => {
            Box::new(Mesh::new(c, chip).unwrap_or_else(|e| unreachable!("validated mesh: {e}")))
        }
    }
}

/// A reply's engine, and whether it answers a write.
type ReplyKey = (u32, u32, usize, u32, bool);

/// A chip's mesh network.
#[derive(Debug)]
pub struct Mesh {
    chip: u32,
    tiles: u32,
    flit_bytes: u32,
    grid: Grid,
    plan: Floorplan,
    /// Packets in the mesh, by number.
    packets: Vec<Option<Packet>>,
    free: Vec<u32>,
    /// The memory router each engine's requests went to, and how many await a reply.
    replies_from: HashMap<ReplyKey, (u32, u32)>,
    /// The last cycle it ran.
    now: Cycle,
    ejected: Vec<u32>,
    /// Samples link utilization for the trace (made when first traced).
    sampler: Option<usage::Sampler>,
}

impl Mesh {
    /// The mesh of chip `chip`.
    pub fn new(c: &Resolved, chip: u32) -> Result<Mesh, ConfigError> {
        let plan = Floorplan::of(c).map_err(|(key, reason)| ConfigError::Inconsistent {
            key: key.to_string(),
            value: u64::from(if key == "noc.cols" {
                c.config.noc.cols
            } else {
                c.config.noc.rows
            })
            .to_string(),
            reason,
        })?;
        Ok(Mesh {
            chip,
            tiles: c.tiles,
            flit_bytes: c.config.noc.link_bytes_per_cycle,
            grid: Grid::new(params(c)),
            plan,
            packets: Vec::new(),
            free: Vec::new(),
            replies_from: HashMap::new(),
            now: Cycle::ZERO,
            ejected: Vec::new(),
            sampler: None,
        })
    }

    /// Its floorplan.
    pub fn floorplan(&self) -> &Floorplan {
        &self.plan
    }

    /// Router-cycles simulated so far.
    pub fn router_visits(&self) -> u64 {
        self.grid.router_visits
    }

    /// The memory router for the requests of `reply`'s transfer to `target`: transfers take
    /// the controllers (or slices) in turn, each tile starting at its own.
    fn memory_node(&self, target: Target, reply: &Reply) -> u32 {
        let nodes = match target {
            Target::L2 if !self.plan.l2.is_empty() => &self.plan.l2,
            Target::Hbm | Target::L2 if !self.plan.hbm.is_empty() => &self.plan.hbm,
            _ => &self.plan.fabric,
        };
        nodes[((reply.tile + reply.transfer) as usize) % nodes.len()]
    }

    /// The router of the fabric port towards chip `chip`.
    fn fabric_node(&self, chip: u32) -> u32 {
        self.plan.fabric[chip as usize % self.plan.fabric.len()]
    }

    fn tile_node(&self, tile: u32) -> u32 {
        self.plan.tiles[tile as usize % self.plan.tiles.len()]
    }

    /// The router `p` enters at, and the one it leaves at.
    fn ends(&mut self, p: &Packet) -> (u32, u32) {
        let dst = match (p.to, &p.body) {
            (to, _) if to.chip() != self.chip => self.fabric_node(to.chip()),
            (Endpoint::Memory { .. }, Body::Access(a)) => {
                let node = self.memory_node(a.target, &a.reply_to);
                let key = reply_key(&a.reply_to, a.write);
                self.replies_from.entry(key).or_insert((node, 0)).1 += 1;
                node
            }
            (Endpoint::Memory { .. }, _) => self.plan.hbm.first().copied().unwrap_or(0),
            (Endpoint::Tile { tile, .. } | Endpoint::Engine { tile, .. }, _) => {
                self.tile_node(tile)
            }
        };
        let src = if p.from_chip != self.chip {
            self.fabric_node(p.from_chip)
        } else {
            match component_from(self.tiles, p.source) {
                Component::Tile { tile, .. } | Component::Engine { tile, .. } => {
                    self.tile_node(tile)
                }
                Component::Memory(_) => match &p.body {
                    Body::Done { to, write } => self.reply_node(to, *write),
                    _ => self.plan.hbm.first().copied().unwrap_or(0),
                },
                Component::Network(_) | Component::Fabric => self.fabric_node(p.from_chip),
            }
        };
        (src, dst)
    }

    /// The router a memory reply leaves from: where its request went (a request that came
    /// from another chip came in through the fabric port).
    fn reply_node(&mut self, to: &Reply, write: bool) -> u32 {
        let key = reply_key(to, write);
        match self.replies_from.get_mut(&key) {
            Some((node, count)) => {
                let node = *node;
                *count -= 1;
                if *count == 0 {
                    self.replies_from.remove(&key);
                }
                node
            }
            None => self.fabric_node(to.chip),
        }
    }
}

fn reply_key(r: &Reply, write: bool) -> ReplyKey {
    (r.chip, r.tile, r.queue.index(), r.transfer, write)
}

impl Network for Mesh {
    fn send(&mut self, now: Cycle, packet: Packet) -> Sent {
        let (src, dst) = self.ends(&packet);
        let vnet = match packet.body {
            Body::Done { .. } => RESPONSES,
            _ => REQUESTS,
        };
        let flits = flit::flits_for(packet.bytes, self.flit_bytes);
        let (key, lag) = (u64::from(packet.source), packet.lag);
        let id = match self.free.pop() {
            Some(id) => {
                self.packets[id as usize] = Some(packet);
                id
            }
            None => {
                self.packets.push(Some(packet));
                (self.packets.len() - 1) as u32
            }
        };
        self.grid.send(now, key, id, src, dst, vnet, flits, lag);
        Sent::Held
    }

    fn min_latency(&self) -> Cycle {
        // A one-flit packet to its own router.
        Cycle(self.grid.params().zero_load_latency(0, 1, 0))
    }

    fn evaluate(&mut self, now: Cycle, out: &mut Vec<Packet>) {
        self.now = now;
        let mut ejected = std::mem::take(&mut self.ejected);
        ejected.clear();
        self.grid.step(now, &mut ejected, &mut Blind);
        for &id in &ejected {
            if let Some(mut p) = self.packets[id as usize].take() {
                // Its tail is in: the data has all arrived.
                p.lag = 0;
                out.push(p);
                self.free.push(id);
            }
        }
        self.ejected = ejected;
    }

    fn next_wake(&self) -> Option<Cycle> {
        self.grid.next_wake(self.now)
    }

    fn link_stats(&self, now: Cycle) -> Option<NocStats> {
        Some(usage::stats(&self.grid, now))
    }

    fn trace(&mut self, now: Cycle, sink: &mut dyn TraceSink) {
        let grid = &self.grid;
        let sampler = self
            .sampler
            .get_or_insert_with(|| usage::Sampler::new(grid));
        sampler.sample(grid, now, self.chip, sink);
    }

    fn trace_end(&mut self, end: Cycle, sink: &mut dyn TraceSink) {
        let grid = &self.grid;
        let sampler = self
            .sampler
            .get_or_insert_with(|| usage::Sampler::new(grid));
        sampler.finish(grid, end, self.chip, sink);
    }
}

#[cfg(test)]
mod tests;
