//! An engine's queue: operations and semaphore items (`q.signal`, `q.take`) in program order,
//! the operations running, and the counters of how the engine spent its time.
//!
//! The queue holds items that have not started; running operations have left it, so a queue
//! of depth `d` holds `d` waiting items besides those running (a full queue stalls issue). One
//! operation runs at a time, except on a DMA engine, where a transfer may start once the one
//! before has issued all its requests; they complete in order.

use std::collections::VecDeque;

use crate::dma::Transfer;
use crate::matrix::MatrixOp;
use crate::time::Cycle;
use crate::vector::VectorOp;

/// An engine operation, captured and checked at enqueue.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineOp {
    /// A DMA transfer.
    Dma(Box<Transfer>),
    /// A matrix operation.
    Matrix(MatrixOp),
    /// A vector operation.
    Vector(VectorOp),
}

/// What a queue holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// An operation for the engine.
    Op(EngineOp),
    /// `q.signal`: once every earlier item has completed, `S[sem] += amount`.
    Signal {
        /// The semaphore.
        sem: u8,
        /// The amount.
        amount: i64,
    },
    /// `q.take`: later items wait until `S[sem] >= n`, then `S[sem] -= n`.
    Take {
        /// The semaphore.
        sem: u8,
        /// The amount.
        n: i64,
    },
}

/// An item with the address of the instruction that enqueued it (for trap messages).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The item.
    pub item: Item,
    /// The enqueuing instruction's address.
    pub pc: u64,
}

/// The operation an engine is running.
#[derive(Clone, Debug, PartialEq)]
pub struct Running {
    /// The operation.
    pub op: EngineOp,
    /// The enqueuing instruction's address.
    pub pc: u64,
    /// First busy cycle.
    pub start: Cycle,
    /// First cycle after it (its effects are visible from here).
    pub end: Cycle,
}

/// How an engine spent its time, in cycles, plus what it did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineCounters {
    /// Cycles running an operation.
    pub busy_cycles: u64,
    /// Cycles waiting in a `q.take` for its semaphore.
    pub stalled_cycles: u64,
    /// Operations completed.
    pub operations: u64,
    /// Semaphore items (`q.signal`, `q.take`) passed.
    pub semaphore_items: u64,
    /// Bytes read (DMA: source bytes; vector and matrix: operand bytes).
    pub bytes_read: u64,
    /// Bytes written.
    pub bytes_written: u64,
    /// Elements processed (vector) or multiply-accumulates (matrix).
    pub work: u64,
}

/// One engine queue.
#[derive(Clone, Debug, Default)]
pub struct Queue {
    /// Items not yet started, oldest first.
    pub items: VecDeque<Entry>,
    /// The operations running, oldest first (their ends in order; `Cycle::MAX` until known).
    pub running: VecDeque<Running>,
    /// The end of the last operation completed (busy cycles count overlapping operations once).
    pub busy_until: Cycle,
    /// Since when the head `q.take` has waited, if it is waiting.
    pub take_since: Option<Cycle>,
    /// Counters.
    pub counters: EngineCounters,
}

impl Queue {
    /// True when nothing is queued or running.
    #[inline]
    pub fn is_idle(&self) -> bool {
        self.running.is_empty() && self.items.is_empty()
    }

    /// Items waiting (not counting the running operation).
    #[inline]
    pub fn waiting(&self) -> usize {
        self.items.len()
    }

    /// The semaphore and count the head `q.take` waits for, if it waits.
    pub fn blocked_on(&self) -> Option<(u8, i64)> {
        if !self.running.is_empty() {
            return None;
        }
        match self.items.front() {
            Some(Entry {
                item: Item::Take { sem, n },
                ..
            }) if self.take_since.is_some() => Some((*sem, *n)),
            _ => None,
        }
    }
}
