//! The on-chip network and the chip-to-chip fabric, each behind its own seam: a message is sent,
//! and comes out at its destination when the model says so.
//!
//! The ideal models charge a fixed latency and share one bandwidth among every message carrying
//! data: the network per chip (`noc.ideal_bytes_per_cycle`), the fabric per sending chip
//! (`fabric.ideal_gb_per_s`). A header (a read request, an acknowledgement) crosses either in one
//! cycle: a DMA round trip then costs each end's latency once, as docs/timing.md says.

use crate::config::Resolved;
use crate::sim::link::Link;
use crate::sim::message::Packet;
use crate::sim::server::Server;
use crate::stats::NocStats;
use crate::time::{Bandwidth, Cycle};
use crate::trace::TraceSink;

/// What became of a packet handed to the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    /// The network keeps it and hands it over from [`Network::evaluate`].
    Held,
    /// Its arrival is known already: it reaches its destination (on this chip) at this cycle,
    /// as given (its `lag` updated), and the network need not run for it.
    Arrives(Cycle, Packet),
}

/// A chip's on-chip network.
pub trait Network: std::fmt::Debug + Send {
    /// Takes `packet`, leaving its sender at `now`.
    fn send(&mut self, now: Cycle, packet: Packet) -> Sent;
    /// The fewest cycles a semaphore increment takes to cross it (bounds how far tiles may
    /// run apart).
    fn min_latency(&self) -> Cycle;
    /// Hands over the packets that arrive at `now` (at their destination, or at the fabric).
    fn evaluate(&mut self, now: Cycle, out: &mut Vec<Packet>);
    /// When it next needs to run.
    fn next_wake(&self) -> Option<Cycle>;
    /// What each of its links carried in the cycles before `now`, if it has links.
    fn link_stats(&self, _now: Cycle) -> Option<NocStats> {
        None
    }
    /// Reports to `sink` its links' use in the cycles before `now`, before it runs cycle `now`
    /// (called only while tracing).
    fn trace(&mut self, _now: Cycle, _sink: &mut dyn TraceSink) {}
    /// Reports its links' use up to `end`, where the run ended (called only while tracing).
    fn trace_end(&mut self, _end: Cycle, _sink: &mut dyn TraceSink) {}
}

/// The links between chips.
pub trait Fabric: std::fmt::Debug + Send {
    /// Takes `packet`, handed over by the network of its sending chip at `now`.
    fn send(&mut self, now: Cycle, packet: Packet);
    /// Hands over the packets that arrive at their destination at `now`.
    fn evaluate(&mut self, now: Cycle, out: &mut Vec<Packet>);
    /// When it next needs to run.
    fn next_wake(&self) -> Option<Cycle>;
    /// True when what it hands over still crosses the destination chip's network (the link
    /// fabric stops at the chip's fabric port); false when its latency already covers that
    /// (the ideal fabric's fixed latency is end to end).
    fn ends_at_port(&self) -> bool {
        false
    }
}

/// A fixed latency and shared bandwidths: the ideal network and the ideal fabric.
#[derive(Debug)]
pub struct Ideal {
    latency: Cycle,
    /// One server per sharing domain (the network: one; the fabric: one per sending chip).
    servers: Vec<Server>,
    in_flight: Link<Packet>,
}

impl Ideal {
    fn new(latency: Cycle, bandwidth: Option<Bandwidth>, domains: usize) -> Ideal {
        Ideal {
            latency: latency.max(Cycle(1)),
            servers: vec![Server::new(bandwidth); domains],
            in_flight: Link::default(),
        }
    }

    /// The ideal network of a chip (`noc.impl = "ideal"`).
    pub fn network(c: &Resolved) -> Ideal {
        Ideal::new(c.noc.ideal_latency, c.noc.ideal_bandwidth, 1)
    }

    /// The ideal fabric (`fabric.impl = "ideal"`).
    pub fn fabric(c: &Resolved) -> Ideal {
        let chips = c.config.topology.chips as usize;
        Ideal::new(c.fabric.ideal_latency, c.fabric.ideal_bandwidth, chips)
    }

    /// When `p`, sent at `now`, arrives (passing the shared bandwidth of `domain`).
    fn route(&mut self, now: Cycle, p: &mut Packet, domain: usize) -> Cycle {
        if p.header {
            now + 1
        } else {
            let (head, lag) = match self.servers.get_mut(domain) {
                Some(s) if p.bytes > 0 => s.pass(now, p.lag, p.bytes),
                _ => (now, p.lag),
            };
            p.lag = lag;
            head + self.latency
        }
    }

    fn take(&mut self, now: Cycle, mut p: Packet, domain: usize) {
        let arrives = self.route(now, &mut p, domain);
        self.in_flight.send(arrives, u64::from(p.source), p);
    }

    fn give(&mut self, now: Cycle, out: &mut Vec<Packet>) {
        while let Some((_, p)) = self.in_flight.receive(now) {
            out.push(p);
        }
    }
}

impl Network for Ideal {
    fn send(&mut self, now: Cycle, mut packet: Packet) -> Sent {
        // On the chip, the arrival is known now; a packet for another chip waits for the fabric.
        if packet.to.chip() == packet.from_chip {
            let at = self.route(now, &mut packet, 0);
            return Sent::Arrives(at, packet);
        }
        self.take(now, packet, 0);
        Sent::Held
    }
    fn min_latency(&self) -> Cycle {
        self.latency
    }
    fn evaluate(&mut self, now: Cycle, out: &mut Vec<Packet>) {
        self.give(now, out);
    }
    fn next_wake(&self) -> Option<Cycle> {
        self.in_flight.next_arrival()
    }
}

impl Fabric for Ideal {
    fn send(&mut self, now: Cycle, packet: Packet) {
        let domain = packet.from_chip as usize;
        self.take(now, packet, domain);
    }
    fn evaluate(&mut self, now: Cycle, out: &mut Vec<Packet>) {
        self.give(now, out);
    }
    fn next_wake(&self) -> Option<Cycle> {
        self.in_flight.next_arrival()
    }
}
