//! The command-level HBM (`hbm.impl = "hbm2" | "hbm2e" | "hbm3"`), behind the memory-system seam.
//!
//! A request to HBM is split into bursts of the HBM's access size (a pseudo-channel's width ×
//! the burst length, [`HbmTiming::burst_bytes`](crate::config::HbmTiming)); the address
//! mapping ([`mapping`]) sends each to its channel, pseudo-channel, bank, row and column, and
//! the channel's controller ([`controller`]) issues the ACT, PRE, RD, WR and REF commands the
//! timing table ([`timing`]) allows. The memory clock is its own domain: the controllers count
//! tCK, converted exactly to and from core cycles ([`ClockRatio`]).
//!
//! A request reaches the controllers `hbm.controller_latency_cycles` after it arrives (a write
//! once its last byte has arrived); its reply leaves `hbm.controller_latency_cycles` after the
//! last beat of its last burst is on the bus: for a read when its data is read, for a write when
//! its data is written (the acknowledgement says the data is in the DRAM). Requests to L2 and to
//! SRAM go to the ideal memory system as before.
//!
//! The controllers run lazily: a request arriving at core cycle `t` cannot reach them before
//! `t + controller latency`, so when the memory system runs at `t` every memory cycle before
//! that of `t + controller latency` can be decided, whatever else arrives in cycle `t`. It runs
//! again when its next reply leaves.

pub mod bank;
pub mod checker;
pub mod controller;
pub mod mapping;
pub mod timing;
pub mod traffic;

#[cfg(test)]
mod tests;

use crate::config::Resolved;
use crate::memsys::{IdealMemory, MemorySystem, commit_packet};
use crate::sim::link::Link;
use crate::sim::message::{Access, Commit, Endpoint, Packet, Reply, Target};
use crate::stats::{HbmChannelStats, HbmStats};
use crate::time::{ClockRatio, Cycle};

use controller::{Burst, Controller, Counters, Done, Issued, RowResult};
use mapping::Mapping;

/// A request in flight.
#[derive(Debug)]
struct Request {
    /// Bursts not yet done.
    left: u32,
    /// The memory cycle the last done burst's data finished.
    last: u64,
    reply_to: Reply,
    write: bool,
    bytes: u64,
    hops: u64,
    commit: Option<Box<Commit>>,
}

/// The command-level HBM of one chip, with the ideal L2 beside it.
pub struct Hbm {
    chip: u32,
    source: u32,
    /// L2 and SRAM requests.
    ideal: IdealMemory,
    mapping: Mapping,
    ratio: ClockRatio,
    /// The memory clock, hertz.
    memory_hz: u64,
    /// Controller and PHY, each way, core cycles.
    latency: u64,
    /// The fewest tCK from a column command to its last beat.
    first_data: u64,
    burst_bytes: u64,
    channels: Vec<Controller>,
    /// The earliest cycle any channel next needs to run.
    earliest: u64,
    requests: Vec<Request>,
    free: Vec<u32>,
    /// Requests in flight.
    in_flight: usize,
    seq: u64,
    /// Every memory cycle before this one is decided in every channel.
    decided: u64,
    done: Vec<Done>,
    replies: Link<Packet>,
    checker: Option<Box<checker::Checker>>,
}

impl std::fmt::Debug for Hbm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hbm")
            .field("chip", &self.chip)
            .field("channels", &self.channels.len())
            .field("in_flight", &self.in_flight)
            .field("decided", &self.decided)
            .finish()
    }
}

impl Hbm {
    /// The HBM of chip `chip` of configuration `c`, sending as component `source`.
    pub fn new(c: &Resolved, chip: u32, source: u32) -> Hbm {
        let h = &c.hbm;
        let s = h.controller;
        let g = h.mapping.geometry();
        let per_stack = (g.channels * g.pseudo_channels).max(1);
        let channels: Vec<Controller> = (0..g.stacks * g.channels)
            .map(|ch| {
                // A stack's pseudo-channels refresh evenly spread over one tREFI, in bit-reversed
                // order: neighbours in the address space refresh half a tREFI apart, so a stream
                // walking the channels does not march in step with the refreshes.
                let stagger: Vec<u64> = (0..g.pseudo_channels)
                    .map(|pc| {
                        let i = (ch % g.channels) * g.pseudo_channels + pc;
                        let bits = per_stack.trailing_zeros();
                        let slot = if bits == 0 {
                            0
                        } else {
                            i.reverse_bits() >> (64 - bits)
                        };
                        s.params.refi * (slot + 1) / per_stack
                    })
                    .collect();
                Controller::new(ch as u32, s, &stagger)
            })
            .collect();
        let earliest = channels
            .iter()
            .map(Controller::resume)
            .min()
            .unwrap_or(u64::MAX);
        Hbm {
            chip,
            source,
            ideal: IdealMemory::new(c, chip, source),
            mapping: h.mapping.clone(),
            ratio: ClockRatio::new(c.clock, h.memory_clock),
            memory_hz: h.memory_clock.hz(),
            latency: h.controller_latency.get(),
            first_data: s.params.read_data().min(s.params.write_data()),
            burst_bytes: g.burst_bytes,
            channels,
            earliest,
            requests: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            seq: 0,
            decided: 0,
            done: Vec::new(),
            replies: Link::default(),
            checker: None,
        }
    }

    /// Checks every command from now on against the timing table.
    pub fn check_with(&mut self, c: checker::Checker) {
        self.checker = Some(Box::new(c));
    }

    /// The checker, if one runs, after it has checked the refresh rate up to every cycle decided.
    pub fn checker(&mut self) -> Option<&checker::Checker> {
        let (channels, decided) = (self.channels.len() as u32, self.decided);
        let c = self.checker.as_deref_mut()?;
        c.finish(channels, decided);
        Some(c)
    }

    /// The address mapping.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The counters of pseudo-channel `pc` of channel `channel`.
    pub fn counters(&self, channel: usize, pc: usize) -> Counters {
        self.channels[channel].counters(pc)
    }

    /// Channels (over every stack).
    pub fn channels(&self) -> usize {
        self.channels.len()
    }

    /// Memory cycles decided so far.
    pub fn decided(&self) -> u64 {
        self.decided
    }

    /// Takes an HBM request (the others go to the ideal memory).
    fn take(&mut self, now: Cycle, access: Access, lag: u64) {
        let first = self.mapping.burst(access.addr);
        let last = self
            .mapping
            .burst(access.addr.saturating_add(access.bytes.max(1) - 1));
        let bursts = last - first + 1;
        // A write's bursts wait for its last byte.
        let arrives = now + self.latency + if access.write { lag } else { 0 };
        let entry = self.ratio.to_other(arrives).max(self.decided);
        let request = Request {
            left: u32::try_from(bursts).unwrap_or(u32::MAX),
            last: 0,
            reply_to: access.reply_to,
            write: access.write,
            bytes: access.bytes,
            hops: access.hops,
            commit: access.commit,
        };
        let tag = match self.free.pop() {
            Some(t) => {
                self.requests[t as usize] = request;
                t
            }
            None => {
                self.requests.push(request);
                (self.requests.len() - 1) as u32
            }
        };
        self.in_flight += 1;
        for n in first..=last {
            let l = self.mapping.locate(n);
            let ch = &mut self.channels[l.channel as usize];
            ch.push(Burst {
                seq: self.seq,
                entry,
                tag,
                pseudo_channel: l.pseudo_channel,
                bank: l.bank_group * self.mapping.geometry().banks as u32 + l.bank,
                row: l.row,
                column: l.column,
                write: access.write,
                result: RowResult::Pending,
            });
            self.seq += 1;
            self.earliest = self.earliest.min(ch.resume());
        }
    }

    /// Decides every memory cycle before `until` and turns finished requests into replies.
    fn advance(&mut self, until: u64) {
        if until <= self.decided {
            return;
        }
        let mut check = self.checker.take();
        if self.earliest < until {
            let mut earliest = u64::MAX;
            for c in &mut self.channels {
                if c.resume() < until {
                    match check.as_deref_mut() {
                        Some(k) => {
                            c.advance(until, &mut self.done, Some(&mut |i: &Issued| k.check(i)))
                        }
                        None => c.advance(until, &mut self.done, None),
                    }
                }
                earliest = earliest.min(c.resume());
            }
            self.earliest = earliest;
        }
        self.checker = check;
        self.decided = until;
        // The list keeps its allocation from one call to the next.
        let mut done = std::mem::take(&mut self.done);
        for d in done.drain(..) {
            self.finish(d);
        }
        self.done = done;
    }

    /// A burst of a request is done.
    fn finish(&mut self, d: Done) {
        let r = &mut self.requests[d.tag as usize];
        r.last = r.last.max(d.at);
        r.left -= 1;
        if r.left > 0 {
            return;
        }
        let leaves = self.ratio.to_core(r.last) + self.latency;
        let to = r.reply_to;
        // A transfer's last write commits it when its engine learns it is done.
        if let Some(commit) = r.commit.take() {
            let packet = commit_packet(Endpoint::Memory { chip: self.chip }, self.source, commit);
            self.replies.send(leaves + r.hops, 0, packet);
        }
        let reply = Packet::done(self.chip, self.source, to, r.write, r.bytes, 0);
        self.replies.send(leaves, 0, reply);
        self.free.push(d.tag);
        self.in_flight -= 1;
    }
}

impl MemorySystem for Hbm {
    fn accept(&mut self, now: Cycle, access: Access, lag: u64) {
        match access.target {
            Target::Hbm => self.take(now, access, lag),
            _ => self.ideal.accept(now, access, lag),
        }
    }

    fn evaluate(&mut self, now: Cycle, out: &mut Vec<Packet>) {
        self.ideal.evaluate(now, out);
        // No request arriving at `now` or later reaches a controller before this (one may still
        // be taken at `now` after this runs, when the component order puts it later).
        self.advance(self.ratio.to_other(now + self.latency));
        while let Some((_, p)) = self.replies.receive(now) {
            out.push(p);
        }
    }

    fn hbm_stats(&self) -> Option<HbmStats> {
        let burst = self.burst_bytes;
        let data = self.mapping.geometry();
        let per_pc_bytes_per_tck = burst / self.channels.first().map_or(1, |c| c.burst_tck());
        let pcs = data.stacks * data.channels * data.pseudo_channels;
        Some(HbmStats {
            memory_clock_hz: self.memory_hz,
            simulated_tck: self.decided,
            peak_bytes_per_s: per_pc_bytes_per_tck * pcs * self.memory_hz,
            burst_bytes: burst,
            channels: self
                .channels
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut s = HbmChannelStats {
                        channel: i as u32,
                        ..HbmChannelStats::default()
                    };
                    for pc in 0..data.pseudo_channels as usize {
                        let k = c.counters(pc);
                        s.read_bursts += k.reads;
                        s.write_bursts += k.writes;
                        s.row_hit_bursts += k.row_hits;
                        s.row_miss_bursts += k.row_misses;
                        s.row_conflict_bursts += k.row_conflicts;
                        s.activate_commands += k.activates;
                        s.precharge_commands += k.precharges;
                        s.refresh_commands += k.refreshes;
                        s.read_queue_burst_tck += k.read_queue_burst_cycles;
                        s.write_queue_burst_tck += k.write_queue_burst_cycles;
                    }
                    s.read_bytes = s.read_bursts * burst;
                    s.written_bytes = s.write_bursts * burst;
                    s.data_bus_busy_tck = (s.read_bursts + s.write_bursts) * c.burst_tck();
                    s
                })
                .collect(),
        })
    }

    fn next_wake(&self) -> Option<Cycle> {
        // The earliest a reply not yet known could leave: after the next command any channel
        // may issue, its data, and the way back.
        let unknown = (self.in_flight > 0).then(|| {
            let next = self.earliest.max(self.decided);
            self.ratio.to_core(next + self.first_data) + self.latency
        });
        [self.ideal.next_wake(), self.replies.next_arrival(), unknown]
            .into_iter()
            .flatten()
            .min()
    }
}
