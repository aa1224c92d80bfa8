//! Synthetic traffic for a memory system: a closed loop that keeps up to `outstanding` requests
//! in flight, each of `request_bytes`, issuing the next as soon as a slot frees (one cycle after
//! the reply leaves). Used by `zw bench hbm` and by the tests.

use isa::QueueId;
use isa::fuzz::SplitMix64;

use crate::memsys::MemorySystem;
use crate::sim::message::{Access, Body, Packet, Reply, Target};
use crate::time::Cycle;

/// Which addresses the requests go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// One after the other.
    Sequential,
    /// Uniformly at random, aligned to the request size.
    Random,
    /// This many bytes apart.
    Strided(u64),
}

/// A traffic pattern.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Traffic {
    /// Where the requests go.
    pub pattern: Pattern,
    /// The share of reads, 0 to 1 (each request is a read with this probability).
    pub read_ratio: f64,
    /// Requests in all.
    pub requests: u64,
    /// Bytes per request.
    pub request_bytes: u64,
    /// Requests in flight at most.
    pub outstanding: usize,
    /// The seed of the random choices.
    pub seed: u64,
    /// Bytes of memory the addresses cover (from 0).
    pub span: u64,
}

/// What a run of traffic measured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Requests served.
    pub requests: u64,
    /// Bytes moved.
    pub bytes: u64,
    /// The core cycle the last reply left.
    pub last: Cycle,
    /// Each request's latency from its arrival to its reply leaving, core cycles, in the order
    /// the requests were issued.
    pub latencies: Vec<u64>,
}

impl Traffic {
    /// The address of request `i`, and whether it reads.
    fn request(&self, i: u64, rng: &mut SplitMix64) -> (u64, bool) {
        let span = self.span.max(self.request_bytes);
        let addr = match self.pattern {
            Pattern::Sequential => i.wrapping_mul(self.request_bytes) % span,
            Pattern::Random => (rng.next_u64() % (span / self.request_bytes)) * self.request_bytes,
            Pattern::Strided(stride) => i.wrapping_mul(stride) % span,
        };
        let read = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= self.read_ratio
            && self.read_ratio > 0.0;
        (addr.min(span - self.request_bytes), read)
    }
}

#[cfg(test)]
impl Traffic {
    /// Request `i`'s address and whether it reads, as [`drive`] makes them.
    pub(crate) fn request_for_tests(&self, i: u64, rng: &mut SplitMix64) -> (u64, bool) {
        self.request(i, rng)
    }
}

/// Runs `t` on `mem` from cycle 0 until every request is answered.
pub fn drive(mem: &mut dyn MemorySystem, t: &Traffic) -> Outcome {
    let mut rng = SplitMix64(t.seed);
    let mut started: Vec<(u64, Cycle)> = Vec::with_capacity(t.outstanding);
    let mut free: Vec<u32> = (0..t.outstanding.max(1) as u32).rev().collect();
    started.resize(t.outstanding.max(1), (0, Cycle::ZERO));
    let mut latencies = vec![0; t.requests as usize];
    let mut out: Vec<Packet> = Vec::new();
    let (mut issued, mut done) = (0u64, 0u64);
    let mut now = Cycle::ZERO;
    let mut last = Cycle::ZERO;
    while done < t.requests {
        while issued < t.requests
            && let Some(slot) = free.pop()
        {
            let (addr, read) = t.request(issued, &mut rng);
            started[slot as usize] = (issued, now);
            mem.accept(
                now,
                Access {
                    write: !read,
                    target: Target::Hbm,
                    bytes: t.request_bytes,
                    addr,
                    hops: 1,
                    reply_to: Reply {
                        chip: 0,
                        tile: 0,
                        queue: QueueId::DmaIn,
                        transfer: slot,
                    },
                    commit: None,
                },
                0,
            );
            issued += 1;
        }
        out.clear();
        mem.evaluate(now, &mut out);
        for p in &out {
            if let Body::Done { to, .. } = p.body {
                let (i, at) = started[to.transfer as usize];
                latencies[i as usize] = now.since(at).get();
                free.push(to.transfer);
                done += 1;
                last = now;
            }
        }
        now = if issued < t.requests && !free.is_empty() {
            now + 1
        } else {
            mem.next_wake().unwrap_or(now + 1).max(now + 1)
        };
    }
    Outcome {
        requests: t.requests,
        bytes: t.requests * t.request_bytes,
        last,
        latencies,
    }
}
