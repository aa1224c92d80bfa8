//! One input-queued router: a buffer per virtual channel at each input port, dimension-order
//! route computation, a separable virtual-channel allocator and a separable switch allocator,
//! both input-first with round-robin priority.
//!
//! Timing (docs/network.md): a flit written into an input buffer at cycle `a` may cross the switch
//! at `a + stages - 1` at the earliest (the router's `stages` cycles), then spends the link's
//! latency on the wire. A head allocates an output virtual channel before it crosses; body
//! flits follow it; the tail frees it.

use std::collections::VecDeque;

use super::flit::Flit;
use crate::config::Routing;
use crate::time::Cycle;

/// The ports of a router: its four neighbours, then the node attached to it.
pub const PORTS: usize = 5;
/// Towards larger x.
pub const EAST: usize = 0;
/// Towards smaller x.
pub const WEST: usize = 1;
/// Towards smaller y.
pub const NORTH: usize = 2;
/// Towards larger y.
pub const SOUTH: usize = 3;
/// The node's injection (input) and ejection (output) port.
pub const LOCAL: usize = 4;

/// No output chosen yet.
const NONE: u8 = u8::MAX;

/// The port on the other end of a link leaving through `port`.
pub fn opposite(port: usize) -> usize {
    match port {
        EAST => WEST,
        WEST => EAST,
        NORTH => SOUTH,
        SOUTH => NORTH,
        _ => LOCAL,
    }
}

/// The output port a packet at `(x, y)` bound for `(dx, dy)` takes.
#[inline]
pub fn route(routing: Routing, (x, y): (u16, u16), (dx, dy): (u16, u16)) -> usize {
    let along_x = || {
        if dx > x {
            Some(EAST)
        } else if dx < x {
            Some(WEST)
        } else {
            None
        }
    };
    let along_y = || {
        if dy > y {
            Some(SOUTH)
        } else if dy < y {
            Some(NORTH)
        } else {
            None
        }
    };
    let first = match routing {
        Routing::Xy => along_x().or_else(along_y),
        Routing::Yx => along_y().or_else(along_x),
    };
    first.unwrap_or(LOCAL)
}

/// A flit crossing the switch this cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Move {
    /// The input port and virtual channel it leaves.
    pub input: (usize, usize),
    /// The output port and the virtual channel it takes downstream.
    pub output: (usize, usize),
    /// The flit.
    pub flit: Flit,
}

/// A router's buffers, allocations, credits and arbiter priorities.
#[derive(Clone, Debug)]
pub struct Router {
    /// Virtual channels per port (virtual networks × channels per network).
    vcs: usize,
    /// Channels per virtual network.
    per_vnet: usize,
    /// Input buffers, port-major.
    buffers: Vec<VecDeque<Flit>>,
    /// Per input VC: the output port of the packet at its front (NONE until routed).
    out_port: Vec<u8>,
    /// Per input VC: the output VC it holds (NONE until allocated).
    out_vc: Vec<u8>,
    /// Per output VC: held by a packet whose tail has not crossed yet.
    held: Vec<bool>,
    /// Per output VC: free slots in the downstream buffer.
    pub(super) credits: Vec<u32>,
    /// Per output VC: the input VC with the highest priority in the VC allocator.
    va_next: Vec<u16>,
    /// Per input port: the VC with the highest priority in the switch allocator's first stage.
    sa_in_next: [u8; PORTS],
    /// Per output port: the input port with the highest priority in its second stage.
    sa_out_next: [u8; PORTS],
    /// Flits in the input buffers.
    pub(super) buffered: u32,
    /// Per input port: its VCs holding flits, as bits.
    occupied: [u32; PORTS],
    /// Per input port: its VCs holding an output VC, as bits.
    allocated: [u32; PORTS],
    /// Per output port: its output VCs held by a packet.
    held_vcs: [u16; PORTS],
    /// Per output port: the cycle its held VCs went from none to some.
    held_since: [Cycle; PORTS],
    /// Per output port: cycles some packet held one of its VCs, up to the last release.
    reserved: [u64; PORTS],
    /// Per output port: cycles no flit crossed it while a ready flit waited for a credit.
    credit_stalls: [u64; PORTS],
}

impl Router {
    /// The most VCs a port may have (each is a bit of a `u32`).
    pub const MAX_VCS: usize = 32;

    /// A router with `vnets × per_vnet` VCs per port (at most [`Router::MAX_VCS`]) and `depth`
    /// flits per VC buffer.
    pub fn new(vnets: usize, per_vnet: usize, depth: u32) -> Router {
        let vcs = (vnets * per_vnet).clamp(1, Router::MAX_VCS);
        Router {
            vcs,
            per_vnet,
            buffers: (0..PORTS * vcs)
                .map(|_| VecDeque::with_capacity(depth as usize))
                .collect(),
            out_port: vec![NONE; PORTS * vcs],
            out_vc: vec![NONE; PORTS * vcs],
            held: vec![false; PORTS * vcs],
            credits: vec![depth; PORTS * vcs],
            va_next: vec![0; PORTS * vcs],
            sa_in_next: [0; PORTS],
            sa_out_next: [0; PORTS],
            buffered: 0,
            occupied: [0; PORTS],
            allocated: [0; PORTS],
            held_vcs: [0; PORTS],
            held_since: [Cycle::ZERO; PORTS],
            reserved: [0; PORTS],
            credit_stalls: [0; PORTS],
        }
    }

    /// Cycles before `now` in which a packet held a VC of output `port` (its link reserved
    /// from a head's VC allocation up to its tail's crossing).
    pub fn reserved_cycles(&self, port: usize, now: Cycle) -> u64 {
        let open = if self.held_vcs[port] > 0 {
            now.get().saturating_sub(self.held_since[port].get())
        } else {
            0
        };
        self.reserved[port] + open
    }

    /// Cycles in which output `port` carried no flit while a flit ready to cross it waited for
    /// a credit.
    pub fn credit_stall_cycles(&self, port: usize) -> u64 {
        self.credit_stalls[port]
    }

    /// A VC of output `port` is taken at `now`.
    fn hold(&mut self, port: usize, now: Cycle) {
        if self.held_vcs[port] == 0 {
            self.held_since[port] = now;
        }
        self.held_vcs[port] += 1;
    }

    /// A VC of output `port` is freed by a tail crossing at `now`.
    fn release(&mut self, port: usize, now: Cycle) {
        self.held_vcs[port] -= 1;
        if self.held_vcs[port] == 0 {
            self.reserved[port] += (now + 1).since(self.held_since[port]).get();
        }
    }

    /// Writes `flit` into input VC `vc` of `port`.
    #[inline]
    pub fn accept(&mut self, port: usize, vc: usize, flit: Flit) {
        let i = port * self.vcs + vc;
        self.buffers[i].push_back(flit);
        self.occupied[port] |= 1 << vc;
        self.buffered += 1;
    }

    /// Flits buffered at input VC `vc` of `port`.
    pub fn occupancy(&self, port: usize, vc: usize) -> usize {
        self.buffers[port * self.vcs + vc].len()
    }

    /// The credits of output VC `vc` of `port`.
    pub fn credit(&self, port: usize, vc: usize) -> u32 {
        self.credits[port * self.vcs + vc]
    }

    /// One cycle of allocation at `now` for the router at `at`: routes and allocates VCs for
    /// the heads at the front of their buffers, then picks at most one flit per input port and
    /// per output port to cross the switch, and takes them out of their buffers (into `moves`).
    pub fn allocate(
        &mut self,
        now: Cycle,
        at: (u16, u16),
        routing: Routing,
        moves: &mut Vec<Move>,
    ) {
        let waiting = (0..PORTS).any(|p| self.occupied[p] & !self.allocated[p] != 0);
        if waiting {
            self.allocate_vcs(now, at, routing);
        }
        self.allocate_switch(now, moves);
    }

    /// Route computation and VC allocation for the input VCs in `waiting` (a head at the
    /// front, no output VC yet).
    fn allocate_vcs(&mut self, now: Cycle, at: (u16, u16), routing: Routing) {
        let vcs = self.vcs;
        let per_vnet = self.per_vnet;
        let n = PORTS * vcs;
        // Stage 1: each waiting head picks a free output VC of its virtual network, the first
        // from a start that differs by input VC.
        let mut requests = [(0u16, 0u16); PORTS * Router::MAX_VCS];
        let mut count = 0;
        for port in 0..PORTS {
            let mut bits = self.occupied[port] & !self.allocated[port];
            while bits != 0 {
                let vc = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let i = port * vcs + vc;
                let Some(front) = self.buffers[i].front() else {
                    continue;
                };
                let out = route(routing, at, front.dst);
                self.out_port[i] = out as u8;
                if out == LOCAL {
                    // Ejection takes every flit offered: no channel to hold.
                    self.out_vc[i] = vc as u8;
                    self.allocated[port] |= 1 << vc;
                    continue;
                }
                let base = out * vcs + usize::from(front.vnet) * per_vnet;
                let mut k = vc % per_vnet;
                for _ in 0..per_vnet {
                    if !self.held[base + k] {
                        requests[count] = ((base + k) as u16, i as u16);
                        count += 1;
                        break;
                    }
                    k = if k + 1 == per_vnet { 0 } else { k + 1 };
                }
            }
        }
        // Stage 2: each requested output VC grants the requester nearest after its pointer.
        for r in 0..count {
            let o = usize::from(requests[r].0);
            if self.held[o] {
                continue;
            }
            let next = usize::from(self.va_next[o]);
            let rank = |i: usize| if i >= next { i - next } else { i + n - next };
            let mut winner = usize::from(requests[r].1);
            for &(oo, ii) in &requests[r + 1..count] {
                if usize::from(oo) == o && rank(usize::from(ii)) < rank(winner) {
                    winner = usize::from(ii);
                }
            }
            self.held[o] = true;
            self.hold(o / vcs, now);
            self.out_vc[winner] = (o % vcs) as u8;
            self.allocated[winner / vcs] |= 1 << (winner % vcs);
            self.va_next[o] = if winner + 1 == n {
                0
            } else {
                winner as u16 + 1
            };
        }
    }

    /// Switch allocation: each input port offers one VC (round-robin) whose front flit is ready
    /// and has a credit downstream; each output port grants one offering input port
    /// (round-robin). The winners cross.
    fn allocate_switch(&mut self, now: Cycle, moves: &mut Vec<Move>) {
        let vcs = self.vcs;
        let mut offer = [0u8; PORTS];
        let mut wanted = [0u8; PORTS];
        // Outputs a ready flit wanted but had no credit for.
        let mut starved = 0u8;
        for (port, slot) in offer.iter_mut().enumerate() {
            let mine = self.occupied[port] & self.allocated[port];
            if mine == 0 {
                continue;
            }
            let before = (1u32 << self.sa_in_next[port]) - 1;
            // The candidates from the pointer on, then those before it; every one is looked
            // at, to see the outputs starved of credits.
            let order = [mine & !before, mine & before];
            for mut m in order {
                while m != 0 {
                    let vc = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let i = port * vcs + vc;
                    if self.buffers[i].front().is_none_or(|f| f.ready > now) {
                        continue;
                    }
                    let out = usize::from(self.out_port[i]);
                    let credit =
                        out == LOCAL || self.credits[out * vcs + usize::from(self.out_vc[i])] > 0;
                    if !credit {
                        starved |= 1 << out;
                    } else if *slot == 0 {
                        *slot = vc as u8 + 1;
                        wanted[out] |= 1 << port;
                    }
                }
            }
        }
        for (out, &want) in wanted.iter().enumerate() {
            if want == 0 {
                continue;
            }
            let start = self.sa_out_next[out];
            let after = want & !((1u8 << start) - 1);
            let port = if after != 0 { after } else { want }.trailing_zeros() as usize;
            let vc = usize::from(offer[port] - 1);
            let i = port * vcs + vc;
            let Some(flit) = self.buffers[i].pop_front() else {
                continue;
            };
            self.buffered -= 1;
            if self.buffers[i].is_empty() {
                self.occupied[port] &= !(1 << vc);
            }
            let ovc = usize::from(self.out_vc[i]);
            if out != LOCAL {
                self.credits[out * vcs + ovc] -= 1;
                if flit.tail {
                    self.held[out * vcs + ovc] = false;
                    self.release(out, now);
                }
            }
            if flit.tail {
                self.out_port[i] = NONE;
                self.out_vc[i] = NONE;
                self.allocated[port] &= !(1 << vc);
            }
            self.sa_in_next[port] = if vc + 1 == vcs { 0 } else { vc as u8 + 1 };
            self.sa_out_next[out] = if port + 1 == PORTS { 0 } else { port as u8 + 1 };
            moves.push(Move {
                input: (port, vc),
                output: (out, ovc),
                flit,
            });
        }
        let mut idle = starved;
        for (out, &want) in wanted.iter().enumerate() {
            if want != 0 {
                idle &= !(1 << out);
            }
        }
        while idle != 0 {
            let out = idle.trailing_zeros() as usize;
            idle &= idle - 1;
            self.credit_stalls[out] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xy_routes_along_x_first_and_yx_along_y_first() {
        assert_eq!(route(Routing::Xy, (1, 1), (3, 0)), EAST);
        assert_eq!(route(Routing::Yx, (1, 1), (3, 0)), NORTH);
        assert_eq!(route(Routing::Xy, (1, 1), (1, 3)), SOUTH);
        assert_eq!(route(Routing::Yx, (2, 1), (0, 1)), WEST);
        assert_eq!(route(Routing::Xy, (2, 2), (2, 2)), LOCAL);
    }

    fn flit(dst: (u16, u16), head: bool, tail: bool) -> Flit {
        Flit {
            packet: 0,
            dst,
            vnet: 0,
            head,
            tail,
            ready: Cycle(0),
        }
    }

    #[test]
    fn two_inputs_for_one_output_alternate_by_round_robin() {
        // Router at (1, 0) of a 3x1 row; both West and Local inputs send east to (2, 0).
        let mut r = Router::new(1, 2, 4);
        for _ in 0..2 {
            r.accept(WEST, 0, flit((2, 0), true, true));
            r.accept(LOCAL, 0, flit((2, 0), true, true));
        }
        let mut order = Vec::new();
        for c in 0..4 {
            let mut moves = Vec::new();
            r.allocate(Cycle(c), (1, 0), Routing::Xy, &mut moves);
            assert!(moves.len() <= 1, "one flit per output port per cycle");
            order.extend(moves.iter().map(|m| m.input.0));
        }
        assert_eq!(order.len(), 4);
        assert_ne!(order[0], order[1]);
        assert_ne!(order[1], order[2]);
    }
}
