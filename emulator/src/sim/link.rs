//! A latched link: what is sent at cycle `t` arrives at `t + latency` or later, never in the
//! cycle it was sent, so the order in which the host visits units within a cycle cannot change
//! what any unit sees. Arrivals of one cycle come out by their sender's key, then in the order
//! each sender sent them, so they do not depend on the order senders ran in.

use std::collections::VecDeque;

use crate::time::Cycle;

/// Items in flight, each with the cycle it arrives, kept in arrival order. Traffic is nearly
/// always sent in arrival order, so an item usually goes straight to the back.
pub struct Link<T> {
    items: VecDeque<((Cycle, u64, u64), T)>,
    seq: u64,
}

impl<T> Default for Link<T> {
    fn default() -> Link<T> {
        Link {
            items: VecDeque::new(),
            seq: 0,
        }
    }
}

impl<T> std::fmt::Debug for Link<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("in_flight", &self.items.len())
            .field("next", &self.next_arrival())
            .finish()
    }
}

impl<T> Link<T> {
    /// Sends `item` from the sender with key `key`, arriving at cycle `at`.
    #[inline]
    pub fn send(&mut self, at: Cycle, key: u64, item: T) {
        self.seq += 1;
        let order = (at, key, self.seq);
        // The place after every item that comes first, searched from the back.
        let mut i = self.items.len();
        while i > 0 && self.items[i - 1].0 > order {
            i -= 1;
        }
        if i == self.items.len() {
            self.items.push_back((order, item));
        } else {
            self.items.insert(i, (order, item));
        }
    }

    /// The cycle of the next arrival, if anything is in flight.
    #[inline]
    pub fn next_arrival(&self) -> Option<Cycle> {
        self.items.front().map(|(o, _)| o.0)
    }

    /// Takes the next item that has arrived by cycle `now`.
    #[inline]
    pub fn receive(&mut self, now: Cycle) -> Option<(Cycle, T)> {
        if self.next_arrival()? <= now {
            self.items.pop_front().map(|(o, item)| (o.0, item))
        } else {
            None
        }
    }

    /// True when nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
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
