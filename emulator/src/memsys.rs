//! A chip's memory system behind one seam: requests arrive, replies leave when it says so.
//! [`IdealMemory`] answers after a fixed latency, its L2 and its HBM each through a bandwidth
//! that every requester shares (reads and writes alike).

use crate::config::Resolved;
use crate::sim::link::Link;
use crate::sim::message::{Access, Body, Commit, Endpoint, Packet, Target};
use crate::sim::server::Server;
use crate::time::Cycle;

/// A packet that commits a transfer at `to` (the unit that sends it to itself).
pub(crate) fn commit_packet(to: Endpoint, source: u32, commit: Box<Commit>) -> Packet {
    Packet {
        to,
        from_chip: to.chip(),
        source,
        bytes: 0,
        header: true,
        lag: 0,
        body: Body::Commit(commit),
    }
}

/// A chip's memory system (L2 and HBM).
pub trait MemorySystem: std::fmt::Debug + Send {
    /// Takes `access`, whose head arrives at `now` with its tail `lag` cycles behind.
    fn accept(&mut self, now: Cycle, access: Access, lag: u64);
    /// Hands over the replies that leave at `now`.
    fn evaluate(&mut self, now: Cycle, out: &mut Vec<Packet>);
    /// When it next needs to run.
    fn next_wake(&self) -> Option<Cycle>;
    /// The stats of its command-level HBM, if it has one.
    fn hbm_stats(&self) -> Option<crate::stats::HbmStats> {
        None
    }
}

/// Fixed latencies and shared bandwidths (`l2.impl = "ideal"`, `hbm.impl = "ideal"`).
#[derive(Debug)]
pub struct IdealMemory {
    chip: u32,
    source: u32,
    l2_latency: u64,
    hbm_latency: u64,
    l2: Server,
    hbm: Server,
    replies: Link<Packet>,
}

impl IdealMemory {
    /// The ideal memory system of chip `chip`.
    pub fn new(c: &Resolved, chip: u32, source: u32) -> IdealMemory {
        IdealMemory {
            chip,
            source,
            l2_latency: c.l2.ideal_latency.get(),
            hbm_latency: c.hbm.ideal_latency.get(),
            l2: Server::new(c.l2.ideal_bandwidth),
            hbm: Server::new(c.hbm.ideal_bandwidth),
            replies: Link::default(),
        }
    }
}

impl MemorySystem for IdealMemory {
    fn accept(&mut self, now: Cycle, access: Access, lag: u64) {
        let (server, latency) = match access.target {
            Target::L2 => (Some(&mut self.l2), self.l2_latency),
            Target::Hbm => (Some(&mut self.hbm), self.hbm_latency),
            Target::Sram { latency } => (None, latency),
        };
        let (head, lag) = match server {
            Some(s) => s.pass(now, lag, access.bytes),
            None => (now, lag),
        };
        let leaves = head + latency.saturating_sub(access.hops);
        let to = access.reply_to;
        // A transfer's last write commits it when its engine learns it is done.
        if let Some(commit) = access.commit {
            let packet = commit_packet(Endpoint::Memory { chip: self.chip }, self.source, commit);
            self.replies.send(leaves + access.hops + lag, 0, packet);
        }
        // Replies leaving together go in the order their requests came.
        let reply = Packet::done(self.chip, self.source, to, access.write, access.bytes, lag);
        self.replies.send(leaves, 0, reply);
    }

    fn evaluate(&mut self, now: Cycle, out: &mut Vec<Packet>) {
        while let Some((_, p)) = self.replies.receive(now) {
            out.push(p);
        }
    }

    fn next_wake(&self) -> Option<Cycle> {
        self.replies.next_arrival()
    }
}
