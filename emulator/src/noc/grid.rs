//! The routers of a mesh, the links between them (flits one way, credits the other, each a
//! latched [`Link`]), and at every node an injector that cuts packets into flits.
//!
//! A cycle runs in fixed phases, so the order routers are visited in never matters: packets
//! sent the cycle before join their source queues, flits that reached their node leave, the
//! injectors write flits into their routers' local buffers, then every router that holds or
//! awaits flits receives its links' arrivals and allocates. Only routers with flits buffered or
//! on their way are visited (an active set); an idle mesh asks for no wake.

use std::collections::VecDeque;

use super::flit::Flit;
use super::router::{LOCAL, Move, PORTS, Router, opposite};
use crate::config::Routing;
use crate::sim::link::Link;
use crate::time::Cycle;

/// The shape and timing of a mesh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Routers per row.
    pub cols: u32,
    /// Rows.
    pub rows: u32,
    /// Virtual networks (message classes).
    pub vnets: u32,
    /// Virtual channels per virtual network.
    pub vcs_per_vnet: u32,
    /// Flits per virtual-channel buffer.
    pub buffer_flits: u32,
    /// Router pipeline stages (cycles a flit spends in a router at least).
    pub stages: u32,
    /// Link traversal, cycles (at least 1).
    pub link_latency: u32,
    /// Dimension order.
    pub routing: Routing,
}

impl Params {
    /// Routers.
    pub fn nodes(&self) -> u32 {
        self.cols * self.rows
    }

    /// The (x, y) of router `node`.
    pub fn position(&self, node: u32) -> (u32, u32) {
        (node % self.cols, node / self.cols)
    }

    /// Links between `a` and `b` on a minimal path.
    pub fn hops(&self, a: u32, b: u32) -> u32 {
        let ((ax, ay), (bx, by)) = (self.position(a), self.position(b));
        ax.abs_diff(bx) + ay.abs_diff(by)
    }

    /// Cycles from sending a packet of `flits` flits at zero load until its tail leaves at its
    /// destination: docs/network.md, "Zero-load latency".
    pub fn zero_load_latency(&self, hops: u32, flits: u32, lag: u64) -> u64 {
        let per_hop = u64::from(self.stages + self.link_latency);
        u64::from(hops) * per_hop
            + u64::from(self.stages)
            + 1
            + u64::from(flits.max(1) - 1).max(lag)
    }

    /// The router `node` is linked to through `port`, if any.
    pub fn neighbour(&self, node: u32, port: usize) -> Option<u32> {
        let (x, y) = self.position(node);
        match port {
            super::router::EAST if x + 1 < self.cols => Some(node + 1),
            super::router::WEST if x > 0 => Some(node - 1),
            super::router::NORTH if y > 0 => Some(node - self.cols),
            super::router::SOUTH if y + 1 < self.rows => Some(node + self.cols),
            _ => None,
        }
    }
}

/// A packet waiting at its source, or being cut into flits.
#[derive(Clone, Copy, Debug)]
struct Pending {
    packet: u32,
    dst: u32,
    vnet: u8,
    flits: u32,
    /// Flits written into the router so far.
    sent: u32,
    /// The first cycle its head may enter.
    start: Cycle,
    /// Cycles its tail trails its head at the source (flits enter no faster).
    lag: u64,
}

impl Pending {
    /// The first cycle its next flit may enter the router.
    fn next_ready(&self) -> Cycle {
        if self.sent == 0 || self.flits <= 1 {
            return self.start;
        }
        let spread = self.lag * u64::from(self.sent) / u64::from(self.flits - 1);
        self.start + spread
    }
}

/// A node's injector: a queue per virtual network and the credits of its router's local input.
#[derive(Clone, Debug)]
struct Injector {
    queues: Vec<VecDeque<Pending>>,
    /// Per virtual network: the packet being cut, and the VC it holds.
    current: Vec<Option<(usize, Pending)>>,
    credits: Vec<u32>,
    held: Vec<bool>,
    next_vnet: usize,
}

/// What the mesh did in one cycle, for a checker.
pub trait Observer {
    /// A flit left router `node` through `port` at `now` on virtual channel `vc`.
    fn flit(&mut self, now: Cycle, node: u32, port: usize, vc: usize, flit: &Flit);
}

/// An observer that sees nothing.
pub struct Blind;

impl Observer for Blind {
    #[inline]
    fn flit(&mut self, _: Cycle, _: u32, _: usize, _: usize, _: &Flit) {}
}

/// The mesh: routers, links, injectors.
#[derive(Debug)]
pub struct Grid {
    params: Params,
    routers: Vec<Router>,
    injectors: Vec<Injector>,
    /// Flits into router `n`'s input port `p`: index `n × PORTS + p` (local unused).
    flit_links: Vec<Link<(u8, Flit)>>,
    /// Credits into router `n`'s output port `p` (from the router downstream of it).
    credit_links: Vec<Link<u8>>,
    /// Credits from router `n`'s local input back to its injector.
    injector_credits: Vec<Link<u8>>,
    /// Packets sent, on their way into their source queues: (source node, pending).
    arriving: Link<(u32, Pending)>,
    /// Flits leaving at their destination: the packet, when it is a tail.
    ejecting: Link<Option<u32>>,
    /// Per router: flits buffered there or on their way to it.
    load: Vec<u32>,
    /// Per router: which of its incoming links hold something (bit `p`: flits into port `p`;
    /// bit `PORTS + p`: credits into output `p`).
    inbox: Vec<u16>,
    /// The routers or injectors to visit this cycle.
    visiting: Vec<u32>,
    /// Routers with load, as bits.
    active: Vec<u64>,
    /// Injectors with packets, as bits.
    sources: Vec<u64>,
    /// Packets sent and not yet out.
    in_flight: u64,
    /// Router-cycles simulated (routers visited, one per cycle each).
    pub router_visits: u64,
    moves: Vec<Move>,
    /// Flits that left router `n` through port `p` (index `n × PORTS + p`).
    link_flits: Vec<u64>,
}

fn set(bits: &mut [u64], i: u32) {
    bits[(i / 64) as usize] |= 1 << (i % 64);
}

fn clear(bits: &mut [u64], i: u32) {
    bits[(i / 64) as usize] &= !(1 << (i % 64));
}

/// The set bits of `bits`, in order.
fn members(bits: &[u64], out: &mut Vec<u32>) {
    out.clear();
    for (w, &word) in bits.iter().enumerate() {
        let mut word = word;
        while word != 0 {
            let b = word.trailing_zeros();
            out.push(w as u32 * 64 + b);
            word &= word - 1;
        }
    }
}

impl Grid {
    /// An empty mesh.
    pub fn new(params: Params) -> Grid {
        let nodes = params.nodes() as usize;
        let vnets = params.vnets as usize;
        let vcs = vnets * params.vcs_per_vnet as usize;
        let depth = params.buffer_flits;
        let words = nodes.div_ceil(64);
        Grid {
            params,
            routers: (0..nodes)
                .map(|_| Router::new(vnets, params.vcs_per_vnet as usize, depth))
                .collect(),
            injectors: (0..nodes)
                .map(|_| Injector {
                    queues: vec![VecDeque::new(); vnets],
                    current: vec![None; vnets],
                    credits: vec![depth; vcs],
                    held: vec![false; vcs],
                    next_vnet: 0,
                })
                .collect(),
            flit_links: (0..nodes * PORTS).map(|_| Link::default()).collect(),
            credit_links: (0..nodes * PORTS).map(|_| Link::default()).collect(),
            injector_credits: (0..nodes).map(|_| Link::default()).collect(),
            arriving: Link::default(),
            ejecting: Link::default(),
            load: vec![0; nodes],
            inbox: vec![0; nodes],
            visiting: Vec::new(),
            active: vec![0; words],
            sources: vec![0; words],
            in_flight: 0,
            router_visits: 0,
            moves: Vec::new(),
            link_flits: vec![0; nodes * PORTS],
        }
    }

    /// Its parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Router `node`.
    pub fn router(&self, node: u32) -> &Router {
        &self.routers[node as usize]
    }

    /// Flits that have left router `node` through `port` (its link to a neighbour, or its
    /// ejection port).
    pub fn link_flits(&self, node: u32, port: usize) -> u64 {
        self.link_flits[node as usize * PORTS + port]
    }

    /// Packets sent and not yet out.
    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    /// Sends packet `packet` of `flits` flits from router `src` to router `dst` on virtual
    /// network `vnet` at `now`, its tail `lag` cycles behind its head; `key` orders packets sent
    /// in one cycle (the sender's number). Its head may enter `src`'s router at `now + 1`.
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &mut self,
        now: Cycle,
        key: u64,
        packet: u32,
        src: u32,
        dst: u32,
        vnet: u8,
        flits: u32,
        lag: u64,
    ) {
        let pending = Pending {
            packet,
            dst,
            vnet,
            flits: flits.max(1),
            sent: 0,
            start: now + 1,
            lag,
        };
        self.arriving.send(now + 1, key, (src, pending));
        self.in_flight += 1;
    }

    /// When it next needs to run: every cycle while flits move, else when the next packet
    /// arrives at its source or its tail leaves; `None` when nothing is in flight.
    pub fn next_wake(&self, now: Cycle) -> Option<Cycle> {
        if self.in_flight == 0 {
            return None;
        }
        let busy = self.active.iter().chain(&self.sources).any(|&w| w != 0);
        if busy {
            return Some(now + 1);
        }
        [self.arriving.next_arrival(), self.ejecting.next_arrival()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Runs cycle `now`: the packets whose tail leaves at their destination now go to `out`.
    pub fn step(&mut self, now: Cycle, out: &mut Vec<u32>, observer: &mut impl Observer) {
        // Packets sent last cycle join their source queues.
        while let Some((_, (src, p))) = self.arriving.receive(now) {
            self.injectors[src as usize].queues[usize::from(p.vnet)].push_back(p);
            set(&mut self.sources, src);
        }
        // Flits that crossed their last switch last cycle leave.
        while let Some((_, tail)) = self.ejecting.receive(now) {
            if let Some(packet) = tail {
                self.in_flight -= 1;
                out.push(packet);
            }
        }
        let mut nodes = std::mem::take(&mut self.visiting);
        members(&self.sources, &mut nodes);
        for &n in &nodes {
            self.inject(now, n);
        }
        members(&self.active, &mut nodes);
        for &n in &nodes {
            self.visit(now, n, observer);
        }
        self.visiting = nodes;
    }

    /// Injector `n` writes at most one flit into its router's local input.
    fn inject(&mut self, now: Cycle, n: u32) {
        let stages = u64::from(self.params.stages);
        let per_vnet = self.params.vcs_per_vnet as usize;
        let cols = self.params.cols;
        let inj = &mut self.injectors[n as usize];
        while let Some((_, vc)) = self.injector_credits[n as usize].receive(now) {
            inj.credits[usize::from(vc)] += 1;
        }
        let vnets = inj.queues.len();
        for k in 0..vnets {
            let vnet = (inj.next_vnet + k) % vnets;
            if inj.current[vnet].is_none() {
                let Some(front) = inj.queues[vnet].front() else {
                    continue;
                };
                if front.start > now {
                    continue;
                }
                let free = (0..per_vnet)
                    .map(|j| vnet * per_vnet + j)
                    .find(|&vc| !inj.held[vc] && inj.credits[vc] > 0);
                let Some(vc) = free else {
                    continue;
                };
                let Some(p) = inj.queues[vnet].pop_front() else {
                    continue;
                };
                inj.held[vc] = true;
                inj.current[vnet] = Some((vc, p));
            }
            let Some((vc, mut p)) = inj.current[vnet] else {
                continue;
            };
            if inj.credits[vc] == 0 || p.next_ready() > now {
                continue;
            }
            let (x, y) = (p.dst % cols, p.dst / cols);
            let dst = (x as u16, y as u16);
            let flit = Flit {
                packet: p.packet,
                dst,
                vnet: vnet as u8,
                head: p.sent == 0,
                tail: p.sent + 1 == p.flits,
                ready: now + (stages - 1),
            };
            p.sent += 1;
            inj.credits[vc] -= 1;
            inj.current[vnet] = if flit.tail {
                inj.held[vc] = false;
                None
            } else {
                Some((vc, p))
            };
            inj.next_vnet = (vnet + 1) % vnets;
            self.routers[n as usize].accept(LOCAL, vc, flit);
            self.load[n as usize] += 1;
            set(&mut self.active, n);
            break;
        }
        let inj = &self.injectors[n as usize];
        if inj.current.iter().all(Option::is_none) && inj.queues.iter().all(VecDeque::is_empty) {
            clear(&mut self.sources, n);
        }
    }

    /// Router `n` takes its links' arrivals and allocates; winners go out on their links.
    fn visit(&mut self, now: Cycle, n: u32, observer: &mut impl Observer) {
        self.router_visits += 1;
        let base = n as usize * PORTS;
        let stages = u64::from(self.params.stages);
        let router = &mut self.routers[n as usize];
        let vcs = router_vcs(&self.params);
        let mut inbox = self.inbox[n as usize];
        let mut bits = inbox;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let empty = if b < PORTS {
                let link = &mut self.flit_links[base + b];
                while let Some((_, (vc, mut flit))) = link.receive(now) {
                    flit.ready = now + (stages - 1);
                    router.accept(b, usize::from(vc), flit);
                }
                link.is_empty()
            } else {
                let port = b - PORTS;
                let link = &mut self.credit_links[base + port];
                while let Some((_, vc)) = link.receive(now) {
                    router.credits[port * vcs + usize::from(vc)] += 1;
                }
                link.is_empty()
            };
            if empty {
                inbox &= !(1 << b);
            }
        }
        self.inbox[n as usize] = inbox;
        let params = self.params;
        let mut moves = std::mem::take(&mut self.moves);
        moves.clear();
        let (x, y) = params.position(n);
        router.allocate(now, (x as u16, y as u16), params.routing, &mut moves);
        let link = u64::from(params.link_latency);
        for m in &moves {
            let (in_port, in_vc) = m.input;
            let (out, ovc) = m.output;
            observer.flit(now, n, out, ovc, &m.flit);
            self.link_flits[base + out] += 1;
            self.load[n as usize] -= 1;
            // The freed slot's credit goes back upstream.
            if in_port == LOCAL {
                self.injector_credits[n as usize].send(now + 1, 0, in_vc as u8);
            } else if let Some(up) = params.neighbour(n, in_port) {
                let out = opposite(in_port);
                self.credit_links[up as usize * PORTS + out].send(now + link, 0, in_vc as u8);
                self.inbox[up as usize] |= 1 << (PORTS + out);
            }
            if out == LOCAL {
                let tail = m.flit.tail.then_some(m.flit.packet);
                self.ejecting.send(now + 1, u64::from(n), tail);
            } else if let Some(down) = params.neighbour(n, out) {
                let port = opposite(out);
                self.flit_links[down as usize * PORTS + port].send(
                    now + 1 + link,
                    0,
                    (ovc as u8, m.flit),
                );
                self.inbox[down as usize] |= 1 << port;
                self.load[down as usize] += 1;
                set(&mut self.active, down);
            }
        }
        self.moves = moves;
        if self.load[n as usize] == 0 {
            clear(&mut self.active, n);
        }
    }
}

fn router_vcs(p: &Params) -> usize {
    (p.vnets * p.vcs_per_vnet) as usize
}
