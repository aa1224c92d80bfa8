//! The control core's timing rules (docs/timing.md, "Control core"): an in-order, single-issue
//! pipeline. An instruction issues at the first cycle at which
//!
//! 1. the previous instruction has issued (`next`: one issue per cycle, plus the branch penalty
//!    after a taken branch or jump and the store occupancy after a store),
//! 2. every register it reads is ready (`ready[r]`: issue cycle of the writer + its class's
//!    latency; the scoreboard),
//! 3. for a divide, the divider is free (`div_free`: the previous divide's issue + its latency),
//!
//! and, for the instructions that wait on the machine (checked by the run loop), its engine
//! queue has a free slot, the fenced queues have drained, or its semaphore has the value.

use isa::TimingClass;

use crate::config::{CoreImpl, Resolved};

/// Why the core did not issue in a cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stall {
    /// Waiting for a register operand (scoreboard).
    Dependency,
    /// The penalty after a taken branch or jump.
    Branch,
    /// The divider is busy.
    Divider,
    /// A store occupies the pipeline (`store_latency_cycles > 1`), or the ideal core's interval.
    Structural,
    /// The target engine queue is full.
    QueueFull,
    /// A fence or `halt` waits for engine queues to drain.
    Fence,
    /// `sem.wait`/`sem.take` waits for a semaphore.
    Semaphore,
}

impl Stall {
    /// Every reason, in report order.
    pub const ALL: [Stall; 7] = [
        Stall::Dependency,
        Stall::Branch,
        Stall::Divider,
        Stall::Structural,
        Stall::QueueFull,
        Stall::Fence,
        Stall::Semaphore,
    ];

    /// Index into per-reason counters.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Index of a timing class into per-class tables.
pub const fn class_index(c: TimingClass) -> usize {
    match c {
        TimingClass::Alu => 0,
        TimingClass::Mul => 1,
        TimingClass::Div => 2,
        TimingClass::Load => 3,
        TimingClass::Store => 4,
        TimingClass::Branch => 5,
        TimingClass::Jump => 6,
        TimingClass::Csr => 7,
        TimingClass::Sem => 8,
        TimingClass::Fence => 9,
        TimingClass::System => 10,
        TimingClass::Dma => 11,
        TimingClass::Matrix => 12,
        TimingClass::Vector => 13,
    }
}

/// The core's latencies, in cycles, resolved from `[control]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latencies {
    /// Cycles from issue until a result written by an instruction of each class is ready,
    /// indexed by [`class_index`].
    pub result: [u64; 14],
    /// Cycles between consecutive issues: 1, or `ideal_latency_cycles` for the ideal core.
    pub interval: u64,
    /// Extra cycles after a taken branch or jump (`branch_penalty_cycles`).
    pub branch_penalty: u64,
    /// Cycles a store occupies issue (`store_latency_cycles`).
    pub store: u64,
    /// Cycles a divide occupies the divider (`div_latency_cycles`).
    pub divide: u64,
}

impl Latencies {
    /// The latencies of a resolved configuration.
    pub fn of(c: &Resolved) -> Latencies {
        let t = &c.core;
        if c.config.core.implementation == CoreImpl::Ideal {
            let ideal = t.ideal.get().max(1);
            return Latencies {
                result: [ideal; 14],
                interval: ideal,
                branch_penalty: 0,
                store: ideal,
                divide: 0,
            };
        }
        let (alu, mul, div, load, csr) = (
            t.alu.get(),
            t.mul.get(),
            t.div.get(),
            t.load.get(),
            t.csr.get(),
        );
        let mut result = [1u64; 14];
        result[class_index(TimingClass::Alu)] = alu;
        result[class_index(TimingClass::Mul)] = mul;
        result[class_index(TimingClass::Div)] = div;
        result[class_index(TimingClass::Load)] = load;
        result[class_index(TimingClass::Csr)] = csr;
        // The link register of a jump comes from the ALU.
        result[class_index(TimingClass::Jump)] = alu;
        Latencies {
            result: result.map(|l| l.max(1)),
            interval: 1,
            branch_penalty: t.branch_penalty.get(),
            store: t.store.get().max(1),
            divide: div.max(1),
        }
    }
}
