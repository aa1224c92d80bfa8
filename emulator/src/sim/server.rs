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
    rate: Option<(u64, u64)>,
    /// When the server is next free: this cycle, plus `rem` ticks (`rem < bytes`).
    free: Cycle,
    rem: u64,
    /// The last size passed and its cost in whole cycles and ticks left over, so that a stream
    /// of equal requests costs no division.
    last: (u64, u64, u64),
}

impl Server {
    /// A server of `bandwidth` (`None`: unlimited, it never delays anything).
    pub fn new(bandwidth: Option<Bandwidth>) -> Server {
        Server {
            rate: bandwidth.map(|b| (b.bytes(), b.cycles())),
            ..Server::default()
        }
    }

    /// The first cycle a message reaching the server could start its turn.
    #[inline]
    pub fn next_start(&self) -> Cycle {
        match self.rate {
            Some(_) => self.free,
            None => Cycle::ZERO,
        }
    }

    /// Passes `bytes` whose head reaches the server at `now` with its tail `lag` cycles behind:
    /// returns when the head leaves and how far its tail trails it then.
    #[inline]
    pub fn pass(&mut self, now: Cycle, lag: u64, bytes: u64) -> (Cycle, u64) {
        let Some((per_cycle, per_byte)) = self.rate else {
            return (now, lag);
        };
        // The turn starts when both the server and the head are there.
        if now > self.free {
            (self.free, self.rem) = (now, 0);
        }
        let head = self.free;
        if self.last.0 != bytes {
            let ticks = u128::from(bytes) * u128::from(per_byte);
            let whole = u64::try_from(ticks / u128::from(per_cycle)).unwrap_or(u64::MAX);
            self.last = (bytes, whole, (ticks % u128::from(per_cycle)) as u64);
        }
        let (_, whole, part) = self.last;
        self.rem += part;
        let carry = u64::from(self.rem >= per_cycle);
        self.rem -= carry * per_cycle;
        self.free = Cycle(self.free.get().saturating_add(whole).saturating_add(carry));
        let end = Cycle(self.free.get().saturating_add(u64::from(self.rem > 0)));
        let tail = end.max(now + lag);
        (head, tail.since(head).get())
    }
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

    /// The server's rule in whole ticks, by division: the obviously right version.
    struct Reference {
        per_cycle: u128,
        per_byte: u128,
        free: u128,
    }

    impl Reference {
        fn pass(&mut self, now: Cycle, lag: u64, bytes: u64) -> (Cycle, u64) {
            let start = self.free.max(u128::from(now.get()) * self.per_cycle);
            self.free = start + u128::from(bytes) * self.per_byte;
            let head = (start / self.per_cycle) as u64;
            let end = self.free.div_ceil(self.per_cycle) as u64;
            let tail = end.max(now.get() + lag);
            (Cycle(head), tail - head)
        }
    }

    #[test]
    fn the_server_keeps_the_exact_rule_of_whole_ticks() {
        let mut rng = isa::fuzz::SplitMix64(7);
        for (bytes, cycles) in [(128, 1), (7, 3), (2457, 1000), (1, 64), (4096, 4096 - 1)] {
            let b = bw(bytes, cycles).unwrap();
            let mut fast = Server::new(Some(b));
            let mut slow = Reference {
                per_cycle: u128::from(b.bytes()),
                per_byte: u128::from(b.cycles()),
                free: 0,
            };
            let mut now = 0;
            for _ in 0..2000 {
                now += rng.next_u64() % 6;
                let lag = rng.next_u64() % 5;
                let size = [256, 256, 256, 1, 100, 4096][(rng.next_u64() % 6) as usize];
                let at = Cycle(now);
                assert_eq!(fast.pass(at, lag, size), slow.pass(at, lag, size));
                let next = slow.free / slow.per_cycle;
                assert_eq!(fast.next_start(), Cycle(next as u64));
            }
        }
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
