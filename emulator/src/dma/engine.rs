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

use super::{DmaTimer, Transfer};
use crate::memory::Place;
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

/// A step of a request whose time the engine knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    /// Its read data (`n` elements) is here: write it.
    Write { lag: u64, n: u64 },
    /// It is done.
    Done,
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
    done: u64,
    last_done: Cycle,
    steps: BinaryHeap<Reverse<(Cycle, Step)>>,
    /// For a destination outside the tile: the transfer its last write carries.
    commit: Option<Box<Commit>>,
}

/// One DMA engine.
#[derive(Clone, Debug, Default)]
pub struct DmaEngine {
    /// Transfers in flight, oldest first; only the newest may still have requests to issue.
    walks: VecDeque<Walk>,
    /// The engine's own bandwidth.
    server: Option<Server>,
    /// Requests issued and not yet done.
    in_flight: u64,
    next_id: u32,
    /// The cycle the last transfer completed (transfers complete in order).
    last_end: Cycle,
    /// Requests issued, over the engine's life.
    pub requests: u64,
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
            steps: BinaryHeap::new(),
        });
        self.next_id = self.next_id.wrapping_add(1);
    }

    /// A reply for transfer `id` arrived at `now`: read data (`bytes` of it), or a write's
    /// acknowledgement.
    pub fn receive(&mut self, now: Cycle, id: u32, write: bool, lag: u64, bytes: u64) {
        let Some(w) = self.walks.iter_mut().find(|w| w.id == id) else {
            return;
        };
        if write {
            w.steps.push(Reverse((now + lag, Step::Done)));
        } else {
            w.read_done(now, lag, bytes / w.src_size);
        }
    }

    /// Runs at `now`: writes what has been read, counts what is done, issues what it may.
    /// Pushes to `ends` the completion cycle of each transfer that completes, oldest first.
    pub fn evaluate(&mut self, now: Cycle, cx: &mut Ctx<'_>, ends: &mut Vec<Cycle>) {
        // Whether every transfer before this one is done: a transfer's last write, which
        // commits it at its destination, waits for that, so transfers commit in queue order.
        let mut older_done = true;
        for w in &mut self.walks {
            let mut deferred = None;
            while let Some(&Reverse((at, step))) = w.steps.peek() {
                if at > now {
                    break;
                }
                w.steps.pop();
                match step {
                    Step::Write { lag, n } if !older_done && w.writes + 1 == w.requests => {
                        // Its data has been here since `at`: its tail trails less from now on.
                        let lag = (at + lag).since(now + 1).get();
                        deferred = Some((now + 1, Step::Write { lag, n }));
                    }
                    Step::Write { lag, n } => w.write(at, lag, n, cx),
                    Step::Done => {
                        w.done += 1;
                        self.in_flight -= 1;
                        w.last_done = w.last_done.max(at);
                    }
                }
            }
            if let Some(step) = deferred {
                w.steps.push(Reverse(step));
            }
            older_done &= w.done == w.requests;
        }
        let max = cx.timer.max_outstanding as u64;
        if let (Some(w), Some(server)) = (self.walks.back_mut(), &mut self.server) {
            while w.left > 0 && self.in_flight < max && w.earliest.max(server.next_start()) <= now {
                w.issue(now, server, cx);
                self.in_flight += 1;
                self.requests += 1;
            }
        }
        while self.walks.front().is_some_and(|w| w.done == w.requests) {
            if let Some(w) = self.walks.pop_front() {
                self.last_end = self.last_end.max(w.last_done);
                ends.push(self.last_end);
            }
        }
    }

    /// When the engine next needs to run (`None`: only a reply can move it on).
    pub fn next_wake(&self, max_outstanding: usize) -> Option<Cycle> {
        let steps = self
            .walks
            .iter()
            .filter_map(|w| w.steps.peek().map(|s| s.0.0));
        let issue = match (self.walks.back(), &self.server) {
            (Some(w), Some(server)) if w.left > 0 && self.in_flight < max_outstanding as u64 => {
                Some(w.earliest.max(server.next_start()))
            }
            _ => None,
        };
        steps.chain(issue).min()
    }
}

impl Walk {
    fn issue(&mut self, now: Cycle, server: &mut Server, cx: &mut Ctx<'_>) {
        let n = self.per_request.min(self.left);
        self.left -= n;
        self.issued += 1;
        let (head, lag) = server.pass(now, 0, n * self.src_size.max(self.dst_size));
        match self.src {
            End::Local(latency) => self.read_done(head + latency, lag, n),
            End::Remote { to, target, hops } => cx.out.push(Packet {
                to,
                from_chip: cx.me.chip,
                source: cx.source,
                bytes: 0,
                header: true,
                lag,
                body: Body::Access(Access {
                    write: false,
                    target,
                    bytes: n * self.src_size,
                    hops,
                    reply_to: Reply {
                        transfer: self.id,
                        ..cx.me
                    },
                    commit: None,
                }),
            }),
        }
    }

    /// The read data of `n` elements arrives at `at`: a write to the engine's own SRAM is done
    /// `latency` after its tail; any other waits for `at` to be sent.
    fn read_done(&mut self, at: Cycle, lag: u64, n: u64) {
        let step = match self.dst {
            End::Local(latency) => (at + lag + latency, Step::Done),
            End::Remote { .. } => (at, Step::Write { lag, n }),
        };
        self.steps.push(Reverse(step));
    }

    fn write(&mut self, at: Cycle, lag: u64, n: u64, cx: &mut Ctx<'_>) {
        let bytes = n * self.dst_size;
        self.writes += 1;
        // The last write carries the transfer, for its destination to commit.
        let commit = if self.writes == self.requests {
            self.commit.take()
        } else {
            None
        };
        match self.dst {
            End::Local(latency) => self.steps.push(Reverse((at + lag + latency, Step::Done))),
            End::Remote { to, target, hops } => cx.out.push(Packet {
                to,
                from_chip: cx.me.chip,
                source: cx.source,
                bytes,
                header: false,
                lag,
                body: Body::Access(Access {
                    write: true,
                    target,
                    bytes,
                    hops,
                    reply_to: Reply {
                        transfer: self.id,
                        ..cx.me
                    },
                    commit,
                }),
            }),
        }
    }
}
