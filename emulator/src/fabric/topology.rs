//! The chip-to-chip network as data: nodes (the chips, then any switches) and directed links,
//! each with its own bandwidth and latency. Every shape is built here from a few numbers; the
//! routing ([`super::route`]) reads the shape back to choose its paths.

use std::collections::{BTreeMap, VecDeque};

use crate::time::{Bandwidth, Cycle};

/// A node: chips are `0..chips`, switches follow.
pub type NodeId = u32;
/// A directed link, by its place in [`Topology::links`].
pub type LinkId = u32;

/// One direction of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkSpec {
    /// The node it leaves.
    pub from: NodeId,
    /// The node it reaches.
    pub to: NodeId,
    /// Its bandwidth.
    pub bandwidth: Bandwidth,
    /// Its latency: from a byte leaving `from` to its arriving at `to`.
    pub latency: Cycle,
}

/// The bandwidth and latency of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wire {
    /// Bandwidth, each way.
    pub bandwidth: Bandwidth,
    /// Latency.
    pub latency: Cycle,
}

/// The shape a topology was built as: what routing needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A torus of these dimensions (a ring is a torus of one); chip `x + d0 × (y + d1 × z)`.
    Torus {
        /// Sizes of the dimensions.
        dims: Vec<u32>,
        /// Links both ways around each ring, or only towards higher coordinates.
        bidirectional: bool,
    },
    /// All-to-all groups of `group` consecutive chips; the groups reach each other through one
    /// NIC each (node `chips + g`) and a scale-out switch (node `chips + groups`). One group is
    /// a fully connected topology.
    Groups {
        /// Chips per group.
        group: u32,
    },
    /// Every chip linked to one switch (node `chips`).
    Switch,
    /// Any connected graph of chips, routed by the shortest paths.
    Graph,
}

/// Chips, switches and the links between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    /// How it was built.
    pub shape: Shape,
    /// Chips (nodes `0..chips`).
    pub chips: u32,
    /// The latency of passing each switch, node `chips + i` at `i`.
    pub switches: Vec<Cycle>,
    /// The directed links.
    pub links: Vec<LinkSpec>,
    /// Each link by its two ends.
    index: BTreeMap<(NodeId, NodeId), LinkId>,
}

impl Topology {
    fn empty(shape: Shape, chips: u32, switches: Vec<Cycle>) -> Topology {
        Topology {
            shape,
            chips,
            switches,
            links: Vec::new(),
            index: BTreeMap::new(),
        }
    }

    /// Links `a` and `b` both ways (once: a second request for the same pair is ignored).
    fn join(&mut self, a: NodeId, b: NodeId, w: Wire) {
        self.one_way(a, b, w);
        self.one_way(b, a, w);
    }

    fn one_way(&mut self, from: NodeId, to: NodeId, w: Wire) {
        if from == to || self.index.contains_key(&(from, to)) {
            return;
        }
        self.index.insert((from, to), self.links.len() as LinkId);
        self.links.push(LinkSpec {
            from,
            to,
            bandwidth: w.bandwidth,
            latency: w.latency,
        });
    }

    /// A ring of `chips`, linked both ways or only from each chip to the next.
    pub fn ring(chips: u32, bidirectional: bool, w: Wire) -> Topology {
        Topology::torus(&[chips], bidirectional, w)
    }

    /// A torus of `dims` (1 to 3 dimensions), every ring linked both ways or one way.
    pub fn torus(dims: &[u32], bidirectional: bool, w: Wire) -> Topology {
        let chips = dims.iter().product();
        let shape = Shape::Torus {
            dims: dims.to_vec(),
            bidirectional,
        };
        let mut t = Topology::empty(shape, chips, Vec::new());
        let mut stride = 1;
        for &size in dims {
            for chip in 0..chips {
                let coord = chip / stride % size;
                let next = chip - coord * stride + (coord + 1) % size * stride;
                if bidirectional {
                    t.join(chip, next, w);
                } else {
                    t.one_way(chip, next, w);
                }
            }
            stride *= size;
        }
        t
    }

    /// Every chip linked to every other.
    pub fn all_to_all(chips: u32, w: Wire) -> Topology {
        Topology::server(chips, chips.max(1), w, w, Cycle::ZERO)
    }

    /// ZW-1's server shape: all-to-all groups of `group` chips (the last may be smaller),
    /// bridged by scale-out NICs. Each chip also reaches its group's NIC over `w` (its host
    /// link, not a fabric port), and every NIC reaches one scale-out switch over `scale_out`.
    /// NIC and switch each add `hop` when passed.
    pub fn server(chips: u32, group: u32, w: Wire, scale_out: Wire, hop: Cycle) -> Topology {
        let group = group.clamp(1, chips.max(1));
        let count = chips.div_ceil(group);
        let switches = if count > 1 {
            vec![hop; count as usize + 1]
        } else {
            Vec::new()
        };
        let mut t = Topology::empty(Shape::Groups { group }, chips, switches);
        for a in 0..chips {
            for b in a + 1..chips.min((a / group + 1) * group) {
                t.join(a, b, w);
            }
        }
        if count > 1 {
            let switch = chips + count;
            for a in 0..chips {
                t.join(a, chips + a / group, w);
            }
            for g in 0..count {
                t.join(chips + g, switch, scale_out);
            }
        }
        t
    }

    /// Every chip linked to one switch, which adds `hop` when passed.
    pub fn switch(chips: u32, w: Wire, hop: Cycle) -> Topology {
        let mut t = Topology::empty(Shape::Switch, chips, vec![hop]);
        for a in 0..chips {
            t.join(a, chips, w);
        }
        t
    }

    /// The undirected links `edges`, each with its own wire.
    pub fn graph(chips: u32, edges: &[(u32, u32, Wire)]) -> Topology {
        let mut t = Topology::empty(Shape::Graph, chips, Vec::new());
        for &(a, b, w) in edges {
            t.join(a, b, w);
        }
        t
    }

    /// Nodes: chips and switches.
    pub fn nodes(&self) -> u32 {
        self.chips + self.switches.len() as u32
    }

    /// The link from `a` to `b`, if there is one.
    pub fn link(&self, a: NodeId, b: NodeId) -> Option<LinkId> {
        self.index.get(&(a, b)).copied()
    }

    /// The links leaving `node`, in link order.
    pub fn links_from(&self, node: NodeId) -> impl Iterator<Item = LinkId> + '_ {
        self.index
            .range((node, 0)..=(node, NodeId::MAX))
            .map(|(_, &l)| l)
    }

    /// The latency a message's head takes to pass `node` (0 for a chip).
    pub fn hop_latency(&self, node: NodeId) -> Cycle {
        node.checked_sub(self.chips)
            .and_then(|s| self.switches.get(s as usize).copied())
            .unwrap_or(Cycle::ZERO)
    }

    /// A chip no message from chip 0 can reach, if any (every link here has its reverse, or
    /// the topology is a ring or torus, where following links reaches everything).
    pub fn unreachable(&self) -> Option<NodeId> {
        if self.chips == 0 {
            return None;
        }
        let mut seen = vec![false; self.nodes() as usize];
        let mut queue = VecDeque::from([0]);
        seen[0] = true;
        while let Some(n) = queue.pop_front() {
            for l in self.links_from(n) {
                let to = self.links[l as usize].to;
                if !std::mem::replace(&mut seen[to as usize], true) {
                    queue.push_back(to);
                }
            }
        }
        (0..self.chips).find(|&c| !seen[c as usize])
    }
}
