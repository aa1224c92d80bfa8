//! The scalar control core: architectural state (registers, pc, retired count), its run state
//! (running, blocked on the machine, halted), and the timing state of its in-order pipeline
//! ([`pipeline`]). [`execute`] gives each instruction's architectural effect, shared by the
//! cycle-accurate run loop and the reference interpreter.

pub mod execute;
pub mod pipeline;

use isa::{QueueId, QueueSet};

pub use execute::{Step, execute};
pub use pipeline::Stall;

/// What a blocked core waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// `sem.wait`/`sem.take`: until semaphore `sem` holds at least `n`.
    Semaphore {
        /// The semaphore.
        sem: u8,
        /// The value awaited.
        n: i64,
    },
    /// An instruction for engine queue `q`, which is full.
    QueueFull(QueueId),
    /// A fence (or `halt`): until these queues are empty and idle.
    Drain(QueueSet),
}

/// Whether the core runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Issuing instructions.
    Running,
    /// Waiting on the machine, since `since`.
    Blocked {
        /// What for.
        on: Block,
        /// The cycle it started waiting.
        since: u64,
    },
    /// Stopped by `halt`; the tile finished at cycle `at` (the cycle after `halt` issued).
    Halted {
        /// The cycle after `halt` issued.
        at: u64,
    },
    /// Stopped by a trap.
    Trapped,
}

/// The control core of one tile.
#[derive(Clone, Debug)]
pub struct Core {
    /// General registers; `x[0]` stays 0.
    pub x: [u64; 32],
    /// Address of the next instruction.
    pub pc: u64,
    /// Instructions retired.
    pub instret: u64,
    /// Running, blocked, halted or trapped.
    pub state: State,
    /// Cycle each register's value is ready (the scoreboard).
    pub ready: [u64; 32],
    /// Earliest cycle the next instruction may issue, by the structural rules.
    pub next: u64,
    /// Why `next` is later than `last_end`, when it is.
    pub next_reason: Stall,
    /// The cycle after the last issue (every cycle before it is accounted for).
    pub last_end: u64,
    /// Cycle the divider is free.
    pub div_free: u64,
    /// The cycle at which the core next tries to issue (the run loop's schedule).
    pub at: u64,
    /// Cycles issued, per timing class (indexed by `pipeline::class_index`).
    pub issued: [u64; 14],
    /// Cycles stalled, per reason (indexed by `Stall::index`).
    pub stalled: [u64; 7],
}

impl Core {
    /// A core at reset: registers zero, about to fetch `entry` at cycle 0.
    pub fn new(entry: u64) -> Core {
        Core {
            x: [0; 32],
            pc: entry,
            instret: 0,
            state: State::Running,
            ready: [0; 32],
            next: 0,
            next_reason: Stall::Structural,
            last_end: 0,
            div_free: 0,
            at: 0,
            issued: [0; 14],
            stalled: [0; 7],
        }
    }

    /// Cycles spent issuing (one per instruction).
    pub fn busy_cycles(&self) -> u64 {
        self.issued.iter().sum()
    }

    /// Cycles spent stalled.
    pub fn stalled_cycles(&self) -> u64 {
        self.stalled.iter().sum()
    }

    /// Charges the cycles from `last_end` to `until` to `reason`.
    #[inline]
    pub fn stall_until(&mut self, until: u64, reason: Stall) {
        if until > self.last_end {
            self.stalled[reason.index()] += until - self.last_end;
            self.last_end = until;
        }
    }
}
