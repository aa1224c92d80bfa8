//! A latched link: what is sent at cycle `t` arrives at `t + latency` or later, never in the
//! cycle it was sent, so the order in which the host visits units within a cycle cannot change
//! what any unit sees. Arrivals of one cycle come out by their sender's key, then in the order
//! each sender sent them, so they do not depend on the order senders ran in.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::time::Cycle;

struct Timed<T> {
    at: Cycle,
    key: u64,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Timed<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.key, self.seq) == (other.at, other.key, other.seq)
    }
}
impl<T> Eq for Timed<T> {}
impl<T> PartialOrd for Timed<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Timed<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.key, self.seq).cmp(&(other.at, other.key, other.seq))
    }
}

/// Items in flight, each with the cycle it arrives.
pub struct Link<T> {
    heap: BinaryHeap<Reverse<Timed<T>>>,
    seq: u64,
}

impl<T> Default for Link<T> {
    fn default() -> Link<T> {
        Link {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<T> std::fmt::Debug for Link<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("in_flight", &self.heap.len())
            .field("next", &self.next_arrival())
            .finish()
    }
}

impl<T> Link<T> {
    /// Sends `item` from the sender with key `key`, arriving at cycle `at`.
    pub fn send(&mut self, at: Cycle, key: u64, item: T) {
        self.seq += 1;
        self.heap.push(Reverse(Timed {
            at,
            key,
            seq: self.seq,
            item,
        }));
    }

    /// The cycle of the next arrival, if anything is in flight.
    #[inline]
    pub fn next_arrival(&self) -> Option<Cycle> {
        self.heap.peek().map(|t| t.0.at)
    }

    /// Takes the next item that has arrived by cycle `now`.
    #[inline]
    pub fn receive(&mut self, now: Cycle) -> Option<(Cycle, T)> {
        if self.next_arrival()? <= now {
            self.heap.pop().map(|t| (t.0.at, t.0.item))
        } else {
            None
        }
    }

    /// True when nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_come_out_by_cycle_then_sender_then_sending_order() {
        let mut l = Link::default();
        l.send(Cycle(5), 1, 'a');
        l.send(Cycle(3), 1, 'b');
        l.send(Cycle(5), 0, 'c');
        l.send(Cycle(5), 1, 'd');
        assert_eq!(l.next_arrival(), Some(Cycle(3)));
        assert_eq!(l.receive(Cycle(2)), None);
        assert_eq!(l.receive(Cycle(9)), Some((Cycle(3), 'b')));
        assert_eq!(l.receive(Cycle(9)), Some((Cycle(5), 'c')));
        assert_eq!(l.receive(Cycle(9)), Some((Cycle(5), 'a')));
        assert_eq!(l.receive(Cycle(9)), Some((Cycle(5), 'd')));
        assert!(l.is_empty());
    }
}
