//! Future events, in time order: an engine operation completing, a tile's queues to look at
//! again, a semaphore signal arriving. Events of one cycle are taken in the order they were
//! scheduled, which the deterministic run loop fixes.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use isa::QueueId;

use crate::time::Cycle;

/// What happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The running operation of queue `queue` of the tile completes.
    Done {
        /// Chip.
        chip: u32,
        /// Tile.
        tile: u32,
        /// The queue.
        queue: QueueId,
    },
    /// The tile's queues may start work (after an enqueue or a semaphore change by its core).
    Kick {
        /// Chip.
        chip: u32,
        /// Tile.
        tile: u32,
    },
    /// `amount` arrives at semaphore `sem` of a tile, sent by `from`.
    Signal {
        /// Destination chip.
        chip: u32,
        /// Destination tile.
        tile: u32,
        /// The semaphore.
        sem: u8,
        /// The amount.
        amount: i64,
        /// The sender: chip, tile, and the pc of its `sem.signal`.
        from: (u32, u32, u64),
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Event {
    time: Cycle,
    seq: u64,
    kind: EventKind,
}

impl Ord for Event {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The pending events.
#[derive(Clone, Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Reverse<Event>>,
    seq: u64,
}

impl EventQueue {
    /// Schedules `kind` at cycle `time`.
    pub fn push(&mut self, time: Cycle, kind: EventKind) {
        self.seq += 1;
        self.heap.push(Reverse(Event {
            time,
            seq: self.seq,
            kind,
        }));
    }

    /// The cycle of the earliest event, if any.
    #[inline]
    pub fn next_time(&self) -> Option<Cycle> {
        self.heap.peek().map(|e| e.0.time)
    }

    /// Removes and returns the earliest event if it happens at or before `time`.
    pub fn pop_until(&mut self, time: Cycle) -> Option<(Cycle, EventKind)> {
        if self.next_time()? <= time {
            self.heap.pop().map(|e| (e.0.time, e.0.kind))
        } else {
            None
        }
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Events pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_in_time_then_scheduling_order() {
        let mut q = EventQueue::default();
        let kick = |tile| EventKind::Kick { chip: 0, tile };
        q.push(Cycle(5), kick(1));
        q.push(Cycle(3), kick(2));
        q.push(Cycle(5), kick(3));
        assert_eq!(q.next_time(), Some(Cycle(3)));
        assert_eq!(q.pop_until(Cycle(2)), None);
        assert_eq!(q.pop_until(Cycle(10)), Some((Cycle(3), kick(2))));
        assert_eq!(q.pop_until(Cycle(10)), Some((Cycle(5), kick(1))));
        assert_eq!(q.pop_until(Cycle(10)), Some((Cycle(5), kick(3))));
        assert!(q.is_empty());
    }
}
