//! Deadlock-free routes, fixed when the fabric is built: a route is the list of links a message
//! takes and the virtual channel (VC) it holds on each. Each VC of a link has its own buffer
//! and credits, so a message waiting on one VC never blocks another.
//!
//! - **Rings and tori**: dimension order (lowest dimension first), the shorter way round each
//!   ring (ties: towards higher coordinates). A message starts each dimension on VC 0 and moves
//!   to VC 1 when it crosses that ring's dateline (the wrap-around link between the highest and
//!   the lowest coordinate), so no ring of buffers waits on itself.
//! - **All-to-all groups, server, switch**: one link, or up to a NIC or switch and down again.
//!   Every route climbs before it descends, so one VC suffices.
//! - **Graph**: a shortest path (fewest links; ties: the lowest link number first), holding VC
//!   `k` on its `k`-th link. Dependencies only go from VC `k` to VC `k + 1`, so no cycle can
//!   form; the fabric has as many VCs as the longest route has links.

use std::collections::VecDeque;

use super::topology::{LinkId, NodeId, Shape, Topology};

/// One link of a route and the virtual channel held on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hop {
    /// The link.
    pub link: LinkId,
    /// Its virtual channel.
    pub vc: u16,
}

/// The routing of a topology: for a graph, the next link from every chip to every chip.
#[derive(Clone, Debug)]
pub struct Routes {
    /// For a graph: `next[src × chips + dst]`, the first link of the route.
    next: Vec<LinkId>,
    vcs: u16,
}

impl Routes {
    /// The routing of `t`. A graph must be connected ([`Topology::unreachable`]).
    pub fn new(t: &Topology) -> Routes {
        match &t.shape {
            Shape::Torus { .. } => Routes {
                next: Vec::new(),
                vcs: 2,
            },
            Shape::Groups { .. } | Shape::Switch => Routes {
                next: Vec::new(),
                vcs: 1,
            },
            Shape::Graph => shortest_paths(t),
        }
    }

    /// Virtual channels per link.
    pub fn vcs(&self) -> u16 {
        self.vcs
    }

    /// The route from chip `src` to chip `dst` (empty when they are the same chip).
    pub fn route(&self, t: &Topology, src: NodeId, dst: NodeId) -> Vec<Hop> {
        let mut hops = Vec::new();
        if src == dst {
            return hops;
        }
        let mut go = |from: NodeId, to: NodeId, vc: u16| {
            // Every shape's builder made the links its routes take.
            let link = t
                .link(from, to)
                .unwrap_or_else(|| unreachable!("{from}->{to}"));
            hops.push(Hop { link, vc });
        };
        match &t.shape {
            Shape::Torus {
                dims,
                bidirectional,
            } => {
                let mut at = src;
                let mut stride = 1;
                for &size in dims {
                    let (mut c, goal) = (at / stride % size, dst / stride % size);
                    let up = (goal + size - c) % size;
                    let forward = !bidirectional || up <= size - up;
                    let mut vc = 0;
                    while c != goal {
                        let next = if forward {
                            (c + 1) % size
                        } else {
                            (c + size - 1) % size
                        };
                        // The dateline: the wrap-around link of this ring.
                        if (forward && next == 0) || (!forward && c == 0) {
                            vc = 1;
                        }
                        let to = at - c * stride + next * stride;
                        go(at, to, vc);
                        (at, c) = (to, next);
                    }
                    stride *= size;
                }
            }
            Shape::Groups { group } => {
                let (gs, gd) = (src / group, dst / group);
                if gs == gd {
                    go(src, dst, 0);
                } else {
                    let groups = t.chips.div_ceil(*group);
                    let (nic_s, nic_d, switch) = (t.chips + gs, t.chips + gd, t.chips + groups);
                    go(src, nic_s, 0);
                    go(nic_s, switch, 0);
                    go(switch, nic_d, 0);
                    go(nic_d, dst, 0);
                }
            }
            Shape::Switch => {
                go(src, t.chips, 0);
                go(t.chips, dst, 0);
            }
            Shape::Graph => {
                let chips = t.chips as usize;
                let mut at = src;
                let mut vc = 0;
                while at != dst {
                    let link = self.next[at as usize * chips + dst as usize];
                    hops.push(Hop { link, vc });
                    at = t.links[link as usize].to;
                    vc += 1;
                }
            }
        }
        hops
    }
}

/// The first link of a shortest path between every two chips of a connected graph: a
/// breadth-first search back from each destination, visiting links in link order.
fn shortest_paths(t: &Topology) -> Routes {
    let n = t.chips as usize;
    let mut next = vec![LinkId::MAX; n * n];
    let mut longest = 0;
    // A graph's links come in pairs: the links into a node are the reverses of those out.
    for dst in 0..n {
        let mut dist = vec![u32::MAX; n];
        dist[dst] = 0;
        let mut queue = VecDeque::from([dst as NodeId]);
        while let Some(v) = queue.pop_front() {
            for l in t.links_from(v) {
                let u = t.links[l as usize].to;
                if dist[u as usize] == u32::MAX {
                    dist[u as usize] = dist[v as usize] + 1;
                    longest = longest.max(dist[u as usize]);
                    next[u as usize * n + dst] = t
                        .link(u, v)
                        .unwrap_or_else(|| unreachable!("a graph link's reverse"));
                    queue.push_back(u);
                }
            }
        }
    }
    Routes {
        next,
        vcs: longest.max(1) as u16,
    }
}

/// A cycle in the channel dependency graph of the routes between every two chips, if there
/// is one: channel `(link, vc)` depends on the next channel of any route that holds it. No
/// cycle means no set of full buffers can wait on each other forever (Dally and Seitz, 1987).
pub fn dependency_cycle(t: &Topology, r: &Routes) -> Option<Vec<Hop>> {
    let all = (0..t.chips).flat_map(|s| (0..t.chips).map(move |d| (s, d)));
    cycle_among(all.map(|(s, d)| r.route(t, s, d)))
}

/// A cycle in the channel dependency graph of `routes`, if there is one.
pub fn cycle_among(routes: impl Iterator<Item = Vec<Hop>>) -> Option<Vec<Hop>> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut edges: BTreeMap<Hop, BTreeSet<Hop>> = BTreeMap::new();
    for route in routes {
        for w in route.windows(2) {
            edges.entry(w[0]).or_default().insert(w[1]);
        }
    }
    // Depth-first search, with the path kept to report the cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut mark: BTreeMap<Hop, Mark> = BTreeMap::new();
    for &start in edges.keys() {
        if mark.contains_key(&start) {
            continue;
        }
        let mut stack: Vec<(Hop, Vec<Hop>)> = Vec::new();
        let children = |h: &Hop| {
            edges
                .get(h)
                .map_or(Vec::new(), |s| s.iter().copied().collect())
        };
        mark.insert(start, Mark::Open);
        stack.push((start, children(&start)));
        while let Some((node, rest)) = stack.last_mut() {
            let node = *node;
            match rest.pop() {
                Some(c) => match mark.get(&c) {
                    Some(Mark::Open) => {
                        let from = stack.iter().position(|(h, _)| *h == c).unwrap_or(0);
                        return Some(stack[from..].iter().map(|(h, _)| *h).collect());
                    }
                    Some(Mark::Done) => {}
                    None => {
                        mark.insert(c, Mark::Open);
                        stack.push((c, children(&c)));
                    }
                },
                None => {
                    mark.insert(node, Mark::Done);
                    stack.pop();
                }
            }
        }
    }
    None
}
