//! A bandwidth shared by everyone who uses it: requests take their turn in the order they reach
//! it, each occupying `bytes / bandwidth` cycles (kept exactly, as a fraction of a cycle).
//!
//! A message streams through: its head may leave as soon as its turn starts, and its tail leaves
//! when both its turn has ended and its tail has arrived (`lag` is how many cycles the tail
//! trails the head). Passing a stream through two servers in a row therefore costs
//! `ceil(bytes / min(bandwidths))`, as one server of the slower bandwidth would.

use crate::time::{Bandwidth, Cycle};

/// One shared bandwidth (or an unlimited one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Server {
    /// `(bytes, cycles)` of the bandwidth: a byte costs `cycles` ticks, a cycle is `bytes` ticks.
    rate: Option<(u128, u128)>,
    /// When the server is next free, in ticks.
    free: u128,
}

impl Server {
    /// A server of `bandwidth` (`None`: unlimited, it never delays anything).
    pub fn new(bandwidth: Option<Bandwidth>) -> Server {
        Server {
            rate: bandwidth.map(|b| (u128::from(b.bytes()), u128::from(b.cycles()))),
            free: 0,
        }
    }

    /// The first cycle a message reaching the server could start its turn.
    pub fn next_start(&self) -> Cycle {
        match self.rate {
            Some((per_cycle, _)) => cycle(self.free / per_cycle),
            None => Cycle::ZERO,
        }
    }

    /// Passes `bytes` whose head reaches the server at `now` with its tail `lag` cycles behind:
    /// returns when the head leaves and how far its tail trails it then.
    pub fn pass(&mut self, now: Cycle, lag: u64, bytes: u64) -> (Cycle, u64) {
        let Some((per_cycle, per_byte)) = self.rate else {
            return (now, lag);
        };
        let start = self.free.max(u128::from(now.get()) * per_cycle);
        self.free = start + u128::from(bytes) * per_byte;
        let head = cycle(start / per_cycle);
        let end = cycle(self.free.div_ceil(per_cycle));
        let tail = end.max(now + lag);
        (head, tail.since(head).get())
    }
}

fn cycle(ticks: u128) -> Cycle {
    Cycle(u64::try_from(ticks).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bw(bytes: u64, cycles: u64) -> Option<Bandwidth> {
        Bandwidth::new(bytes, cycles)
    }

    /// Streams `n` requests of `size` bytes through servers in a row, the first request at 0;
    /// returns the cycle the last tail leaves the last server.
    fn stream(servers: &mut [Server], n: u64, size: u64) -> Cycle {
        let mut last = Cycle::ZERO;
        let mut at = Cycle::ZERO;
        for _ in 0..n {
            let (mut head, mut lag) = (at, 0);
            for s in servers.iter_mut() {
                (head, lag) = s.pass(head, lag, size);
            }
            last = last.max(head + lag);
            // The next request reaches the first server when this one's turn there ends.
            at = servers[0].next_start();
        }
        last
    }

    #[test]
    fn an_unlimited_server_delays_nothing() {
        let mut s = Server::new(None);
        assert_eq!(s.pass(Cycle(7), 3, 1 << 40), (Cycle(7), 3));
    }

    #[test]
    fn servers_in_a_row_cost_the_slower_bandwidth_exactly() {
        for (a, b) in [
            ((128, 1), (48, 1)),
            ((48, 1), (128, 1)),
            ((7, 3), (5, 2)),
            ((64, 1), (64, 1)),
        ] {
            for (n, size) in [(1, 256), (10, 256), (33, 100), (5, 1)] {
                let mut servers = [Server::new(bw(a.0, a.1)), Server::new(bw(b.0, b.1))];
                let slow = if a.0 * b.1 <= b.0 * a.1 { a } else { b };
                let expected = bw(slow.0, slow.1).unwrap().cycles_for(n * size);
                assert_eq!(
                    stream(&mut servers, n, size),
                    expected,
                    "{a:?} {b:?} {n}×{size}"
                );
            }
        }
    }

    #[test]
    fn two_streams_share_a_server() {
        let mut s = Server::new(bw(100, 1));
        // Two requesters each send 1000 bytes at cycle 0: the second waits for the first.
        assert_eq!(s.pass(Cycle(0), 0, 1000), (Cycle(0), 10));
        assert_eq!(s.pass(Cycle(0), 0, 1000), (Cycle(10), 10));
        // Arriving after it is free, a request starts at once.
        assert_eq!(s.pass(Cycle(50), 0, 50), (Cycle(50), 1));
    }
}
