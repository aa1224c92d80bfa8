//! A tile's DMA engine as a unit: it walks a transfer into requests of `dma.request_bytes`,
//! issues them at `dma.bytes_per_cycle` with at most `dma.max_outstanding` in flight, and the
//! transfer completes when its last request is done (docs/timing.md, "DMA transfer"). Once a
//! transfer has issued its last request, the next one of the queue may start: transfers overlap,
//! and complete in order.
//!
//! A request reads its source, then writes its destination. The engine's own SRAM it reaches
//! directly; anything else (L2, HBM, another tile, another chip) through messages to that
//! chip's memory system. Requests stream: a request's write starts when its read data starts
//! arriving, and its tail trails its head by its `lag`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use isa::memory_map::Memory;

use super::{Descriptor, DmaTimer, Transfer};
use crate::memory::Place;
use crate::sim::link::Link;
use crate::sim::message::{Access, Body, Commit, Endpoint, Packet, Reply, Target};
use crate::sim::server::Server;
use crate::time::Cycle;

/// How the engine reaches one end of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Its own tile's SRAM, after this many cycles.
    Local(u64),
    /// Through messages to the unit that owns it: a chip's memory system, or another tile.
    Remote {
        to: Endpoint,
        target: Target,
        /// Header hops of a round trip: 1 on the chip, 2 across chips.
        hops: u64,
    },
}

/// A request whose read data (`n` elements, its tail `lag` cycles behind) is at the engine, to
/// be written to a destination outside the tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Write {
    lag: u64,
    n: u64,
}

/// A transfer being walked.
#[derive(Clone, Debug)]
struct Walk {
    /// Its number among the engine's transfers (replies name it).
    id: u32,
    src: End,
    dst: End,
    /// Elements per request.
    per_request: u64,
    /// Elements not yet requested.
    left: u64,
    src_size: u64,
    dst_size: u64,
    /// The first cycle a request may issue (start + setup).
    earliest: Cycle,
    requests: u64,
    issued: u64,
    /// Writes sent to a remote destination.
    writes: u64,
    /// Requests whose done cycle is known.
    done: u64,
    /// The latest of those.
    last_done: Cycle,
    /// Writes to send, each at its cycle.
    writes_due: BinaryHeap<Reverse<(Cycle, Write)>>,
    /// The last write, held until every transfer before this one has taken effect.
    held: Option<(Cycle, Write)>,
    /// For a destination outside the tile: the transfer its last write carries.
    commit: Option<Box<Commit>>,
    /// The descriptor and the offsets of both ends, for the address of each request.
    desc: Descriptor,
    src_base: u64,
    dst_base: u64,
}

/// One DMA engine.
#[derive(Debug, Default)]
pub struct DmaEngine {
    /// Transfers in flight, oldest first; only the newest may still have requests to issue.
    walks: VecDeque<Walk>,
    /// The engine's own bandwidth.
    server: Option<Server>,
    /// Requests issued whose done cycle is not known yet.
    unknown: u64,
    /// The done cycles of requests in flight (a slot frees at each), earliest first.
    releases: BinaryHeap<Reverse<Cycle>>,
    next_id: u32,
    /// The cycle the last transfer completed (transfers complete in order).
    last_end: Cycle,
    /// Requests issued, over the engine's life.
    pub requests: u64,
    /// Replies on their way to the engine.
    pub inbox: Link<Packet>,
    /// Set when a transfer starts, until the engine's wake is asked for.
    pub started: bool,
    /// True while replies need not wake the engine: it will run again to issue before any of
    /// them matters (each only frees a slot, which it counts from the reply's own cycle).
    pub lazy: bool,
}

/// What the engine needs of its surroundings.
pub struct Ctx<'a> {
    /// The timing rule's parameters.
    pub timer: &'a DmaTimer,
    /// This engine: its chip, tile and queue.
    pub me: Reply,
    /// Its tile's component number.
    pub source: u32,
    /// Messages it sends now.
    pub out: &'a mut Vec<Packet>,
}

impl DmaTimer {
    fn end(&self, p: &Place, me: Reply) -> End {
        let own = p.chip == me.chip && p.tile == Some(me.tile);
        let sram = |memory| match memory {
            Memory::Acc => self.acc_latency.get(),
            _ => self.spad_latency.get(),
        };
        if own {
            return End::Local(sram(p.memory));
        }
        let target = match p.memory {
            Memory::L2 => Target::L2,
            Memory::Hbm => Target::Hbm,
            m => Target::Sram { latency: sram(m) },
        };
        let to = match (target, p.tile) {
            (Target::Sram { .. }, Some(tile)) => Endpoint::Tile { chip: p.chip, tile },
            _ => Endpoint::Memory { chip: p.chip },
        };
        End::Remote {
            to,
            target,
            hops: if p.chip == me.chip { 1 } else { 2 },
        }
    }
}

impl DmaEngine {
    /// True while a transfer is in flight.
    pub fn busy(&self) -> bool {
        !self.walks.is_empty()
    }

    /// True when a new transfer may start: every earlier one has issued all its requests.
    pub fn accepts(&self) -> bool {
        self.walks.back().is_none_or(|w| w.left == 0)
    }

    /// Starts walking `t`, enqueued by the instruction at `pc`, at cycle `now`.
    pub fn start(&mut self, now: Cycle, t: &Transfer, pc: u64, timer: &DmaTimer, me: Reply) {
        let (src_size, dst_size) = (t.desc.src_type.size(), t.desc.dst_type.size());
        let per_request = (timer.request_bytes / src_size.max(dst_size)).max(1);
        let me = Reply {
            transfer: self.next_id,
            ..me
        };
        self.server
            .get_or_insert_with(|| Server::new(Some(timer.bandwidth)));
        let dst = timer.end(&t.dst, me);
        let commit = matches!(dst, End::Remote { .. }).then(|| {
            Box::new(Commit {
                transfer: Box::new(t.clone()),
                by: (me.chip, me.tile, pc),
            })
        });
        self.walks.push_back(Walk {
            id: self.next_id,
            src: timer.end(&t.src, me),
            dst,
            writes: 0,
            commit,
            per_request,
            left: t.elements,
            src_size,
            dst_size,
            earliest: now + timer.setup,
            requests: t.elements.div_ceil(per_request),
            issued: 0,
            done: 0,
            last_done: now,
            writes_due: BinaryHeap::new(),
            held: None,
            desc: t.desc,
            src_base: t.src.offset,
            dst_base: t.dst.offset,
        });
        self.next_id = self.next_id.wrapping_add(1);
        self.started = true;
    }

    /// A reply for transfer `id` arrived at `now`: read data (`bytes` of it), or a write's
    /// acknowledgement.
    pub fn receive(&mut self, now: Cycle, id: u32, write: bool, lag: u64, bytes: u64) {
        let Some(w) = self.walks.iter_mut().find(|w| w.id == id) else {
            return;
        };
        let done = if write {
            Some(now + lag)
        } else {
            w.read_done(now, lag, bytes / w.src_size)
        };
        if let Some(at) = done {
            w.record_done(at);
            self.unknown -= 1;
            self.releases.push(Reverse(at));
        }
    }

    /// Requests in flight at `now` (their slots taken).
    fn in_flight(&mut self, now: Cycle) -> u64 {
        while self.releases.peek().is_some_and(|r| r.0 <= now) {
            self.releases.pop();
        }
        self.unknown + self.releases.len() as u64
    }

    /// Runs at `now`: sends the writes whose data is here, issues what it may. Pushes to `ends`
    /// the completion cycle of each transfer whose last request's done cycle is now known,
    /// oldest first (transfers complete in order; an end may lie ahead).
    pub fn evaluate(&mut self, now: Cycle, cx: &mut Ctx<'_>, ends: &mut Vec<Cycle>) {
        let last_end = self.last_end;
        for (i, w) in self.walks.iter_mut().enumerate() {
            // A transfer's last write commits it at its destination: it waits until every
            // transfer before it has taken effect, so a queue's transfers take effect in order.
            let older_done = i == 0 && last_end <= now;
            if let Some((at, write)) = w.held
                && older_done
            {
                w.held = None;
                w.send_write(at, write, now, cx);
            }
            while let Some(&Reverse((at, write))) = w.writes_due.peek() {
                if at > now {
                    break;
                }
                w.writes_due.pop();
                if w.writes + 1 == w.requests && !older_done {
                    w.held = Some((at, write));
                } else {
                    w.send_write(at, write, now, cx);
                }
            }
        }
        let max = cx.timer.max_outstanding as u64;
        let mut in_flight = self.in_flight(now);
        if let (Some(w), Some(server)) = (self.walks.back_mut(), &mut self.server) {
            while w.left > 0 && in_flight < max && w.earliest.max(server.next_start()) <= now {
                match w.issue(now, server, cx) {
                    Some(at) => {
                        w.record_done(at);
                        self.releases.push(Reverse(at));
                    }
                    None => self.unknown += 1,
                }
                in_flight += 1;
                self.requests += 1;
            }
        }
        while self.walks.front().is_some_and(|w| w.done == w.requests) {
            if let Some(w) = self.walks.pop_front() {
                self.last_end = self.last_end.max(w.last_done);
                ends.push(self.last_end);
            }
        }
        // Replies matter at once if one may send a write, end a transfer, or free the slot the
        // next request waits for.
        self.lazy = self.walks.back().is_some_and(|w| w.left > 0)
            && in_flight + 1 < max
            && self.walks.iter().all(|w| matches!(w.dst, End::Local(_)));
    }

    /// When the engine next needs to run (`None`: only a reply can move it on).
    pub fn next_wake(&self, max_outstanding: usize) -> Option<Cycle> {
        let writes = self
            .walks
            .iter()
            .filter_map(|w| w.writes_due.peek().map(|s| s.0.0));
        // A held last write is sent when the transfer before it has taken effect.
        let held = self
            .walks
            .front()
            .filter(|w| w.held.is_some())
            .map(|_| self.last_end);
        let issue = match (self.walks.back(), &self.server) {
            (Some(w), Some(server)) if w.left > 0 => {
                let slots = self.unknown + self.releases.len() as u64 >= max_outstanding as u64;
                // Out of slots: the first release, unless only replies can free one.
                let free = if slots {
                    self.releases.peek().map(|r| r.0)
                } else {
                    Some(Cycle::ZERO)
                };
                free.map(|f| f.max(w.earliest).max(server.next_start()))
            }
            _ => None,
        };
        writes.chain(held).chain(issue).min()
    }
}

impl Walk {
    /// Counts a request done at `at`.
    fn record_done(&mut self, at: Cycle) {
        self.done += 1;
        self.last_done = self.last_done.max(at);
    }

    /// Issues the next request at `now`; returns its done cycle when that is known already.
    fn issue(&mut self, now: Cycle, server: &mut Server, cx: &mut Ctx<'_>) -> Option<Cycle> {
        let n = self.per_request.min(self.left);
        let first = self.issued * self.per_request;
        self.left -= n;
        self.issued += 1;
        let (head, lag) = server.pass(now, 0, n * self.src_size.max(self.dst_size));
        match self.src {
            End::Local(latency) => self.read_done(head + latency, lag, n),
            End::Remote { to, target, hops } => {
                let access = Access {
                    write: false,
                    target,
                    bytes: n * self.src_size,
                    addr: self.desc.src_offset(self.src_base, first),
                    hops,
                    reply_to: Reply {
                        transfer: self.id,
                        ..cx.me
                    },
                    commit: None,
                };
                cx.out.push(Packet {
                    to,
                    from_chip: cx.me.chip,
                    source: cx.source,
                    bytes: 0,
                    header: true,
                    lag,
                    body: Body::Access(access),
                });
                None
            }
        }
    }

    /// The read data of `n` elements arrives at `at`, its tail `lag` behind. A write to the
    /// engine's own SRAM is done `latency` after the tail: returns when. A write elsewhere is
    /// sent at `at`, and done when its acknowledgement comes back.
    fn read_done(&mut self, at: Cycle, lag: u64, n: u64) -> Option<Cycle> {
        match self.dst {
            End::Local(latency) => Some(at + lag + latency),
            End::Remote { .. } => {
                self.writes_due.push(Reverse((at, Write { lag, n })));
                None
            }
        }
    }

    /// Sends `write`, whose data arrived at `at`, at `now` (later if it was held).
    fn send_write(&mut self, at: Cycle, write: Write, now: Cycle, cx: &mut Ctx<'_>) {
        let End::Remote { to, target, hops } = self.dst else {
            return;
        };
        let bytes = write.n * self.dst_size;
        // Writes go out in the order their data comes: the k-th covers the k-th request's
        // elements (the same bytes in all, whatever order the reads came back in).
        let addr = self
            .desc
            .dst_offset(self.dst_base, self.writes * self.per_request);
        self.writes += 1;
        // The last write carries the transfer, for its destination to commit.
        let commit = if self.writes == self.requests {
            self.commit.take()
        } else {
            None
        };
        // Its tail trails less if it waited.
        let lag = (at + write.lag).since(now).get();
        let access = Access {
            write: true,
            target,
            bytes,
            addr,
            hops,
            reply_to: Reply {
                transfer: self.id,
                ..cx.me
            },
            commit,
        };
        cx.out.push(Packet {
            to,
            from_chip: cx.me.chip,
            source: cx.source,
            bytes,
            header: false,
            lag,
            body: Body::Access(access),
        });
    }
}
