//! The race checker (`zw run --check races`, [`crate::Machine::check_races`]): reports every
//! pair of accesses to the same bytes, at least one a write, that the program's synchronization
//! does not order (docs/races.md).
//!
//! Order is happens-before, kept with vector clocks in the manner of ThreadSanitizer, not the
//! run's timing: a race is found even when this run's timing kept it harmless. The threads are
//! each tile's control core and its four engine queues, on every chip. The run loop calls the
//! hooks below where the machine synchronizes (enqueue, a queue item starting, an operation
//! completing, semaphore changes, fences, signals arriving, transfers committing) and where it
//! touches memory (core loads and stores; engine operations, whose bytes are checked when they
//! start, with the clock they start with). With the checker off the run loop skips the hooks.

mod clock;
mod footprint;
mod report;
mod shadow;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use isa::memory_map::{ACC_BASE, Memory, SPACE_SHIFT, SPAD_BASE};
use isa::{Operation, QueueId};

use crate::control::Step;
use crate::env::Env;
use crate::program::{IssueRule, Program, Slot};
use crate::queue::{EngineOp, Item};
use crate::sim::message::Commit;
use crate::time::Cycle;
use clock::{Clock, Epoch, join, tick};
use shadow::{Access, Conflict, Shadow};

pub use report::{Agent, Race, RaceAccess};

/// A scalar load or store, worked out before the instruction runs (a load may overwrite its
/// address register).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scalar {
    memory: Memory,
    offset: u64,
    size: u64,
    write: bool,
}

/// The access `slot` makes with registers `x`, if it is a load or a store of the tile's own
/// scratchpad or accumulator (any other address traps, and is not checked).
pub(crate) fn scalar_access(slot: &Slot, x: &[u64; 32]) -> Option<Scalar> {
    use Operation as I;
    let (f, size, write) = match slot.decoded.as_ref().ok()? {
        I::Lb(f) | I::Lbu(f) => (f, 1, false),
        I::Lh(f) | I::Lhu(f) => (f, 2, false),
        I::Lw(f) | I::Lwu(f) => (f, 4, false),
        I::Ld(f) => (f, 8, false),
        I::Sb(f) => return store(f, 1, x),
        I::Sh(f) => return store(f, 2, x),
        I::Sw(f) => return store(f, 4, x),
        I::Sd(f) => return store(f, 8, x),
        _ => return None,
    };
    let addr = x[f.rs1.index() & 31].wrapping_add(i64::from(f.imm.get()) as u64);
    place(addr, size, write)
}

fn store(f: &isa::format::Store, size: u64, x: &[u64; 32]) -> Option<Scalar> {
    let addr = x[f.rs1.index() & 31].wrapping_add(i64::from(f.imm.get()) as u64);
    place(addr, size, true)
}

fn place(addr: u64, size: u64, write: bool) -> Option<Scalar> {
    let (memory, base) = match addr >> SPACE_SHIFT {
        s if s == SPAD_BASE >> SPACE_SHIFT => (Memory::Spad, SPAD_BASE),
        s if s == ACC_BASE >> SPACE_SHIFT => (Memory::Acc, ACC_BASE),
        _ => return None,
    };
    Some(Scalar {
        memory,
        offset: addr - base,
        size,
        write,
    })
}

/// Who made an access, for the report.
#[derive(Clone, Copy, Debug)]
struct Record {
    chip: u32,
    tile: u32,
    /// 0: the core; `1 + q`: engine queue `q`.
    unit: u8,
    pc: u64,
    write: bool,
    start: Cycle,
    /// An engine operation's completion, once known.
    end: Option<Cycle>,
}

/// An engine operation that has started and not completed.
struct Running {
    /// Its clock, for the semaphore its completion increments (DMA only).
    clock: Option<Arc<Clock>>,
    /// Its accesses (their numbers), to record their end.
    accesses: std::ops::Range<u32>,
}

/// Which shadow: chip, tile (`u32::MAX` for chip memories), memory.
type MemoryKey = (u32, u32, Memory);

/// A `sem.signal` on its way: destination chip, tile and semaphore, sender chip and tile.
type SignalKey = (u32, u32, u8, u32, u32);

/// Units per tile: the core and four queues.
const UNITS: u32 = 5;

/// The checker's state for one machine.
pub(crate) struct RaceChecker {
    tiles: u32,
    /// Each thread's clock (thread `(chip · tiles + tile) · 5 + unit`).
    clocks: Vec<Clock>,
    /// Per queue thread: the core's clock at each enqueue of an item not yet started.
    enqueued: Vec<VecDeque<Arc<Clock>>>,
    /// Per queue thread: its operations running, oldest first.
    running: Vec<VecDeque<Running>>,
    /// Per semaphore (chip, tile, number): the join of the clocks of its increments since it was
    /// last set (a wait that reaches its count is ordered after all of them).
    sems: HashMap<(u32, u32, u8), Clock>,
    /// `sem.signal`s on their way: by destination semaphore and sender, oldest first.
    signals: HashMap<SignalKey, VecDeque<Arc<Clock>>>,
    /// Transfers whose destination tile's semaphore is incremented where they commit: by
    /// issuer (chip, tile, pc), oldest first (a queue's transfers commit in order).
    commits: HashMap<(u32, u32, u64), VecDeque<Arc<Clock>>>,
    shadows: HashMap<MemoryKey, Shadow>,
    /// Every access recorded, by number: who, and when.
    records: Vec<Record>,
    epochs: Vec<Epoch>,
    /// A core's accesses of one epoch at one pc share a number (a loop's stores merge).
    interned: HashMap<(u32, u32, u64), u32>,
    found: report::Found,
    conflicts: Vec<Conflict>,
}

impl std::fmt::Debug for RaceChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaceChecker")
            .field("accesses", &self.records.len())
            .finish()
    }
}

impl RaceChecker {
    /// A checker for a machine of `env`, before its first run.
    pub(crate) fn new(env: &Env) -> RaceChecker {
        let threads = env.map.chips * env.map.tiles * UNITS;
        // Clocks start empty and grow with what they hear of: a machine of many idle tiles
        // costs little. A thread's own entry is set before its first access.
        let clocks = vec![Clock::new(); threads as usize];
        RaceChecker {
            tiles: env.map.tiles,
            clocks,
            enqueued: (0..threads).map(|_| VecDeque::new()).collect(),
            running: (0..threads).map(|_| VecDeque::new()).collect(),
            sems: HashMap::new(),
            signals: HashMap::new(),
            commits: HashMap::new(),
            shadows: HashMap::new(),
            records: Vec::new(),
            epochs: Vec::new(),
            interned: HashMap::new(),
            found: report::Found::default(),
            conflicts: Vec::new(),
        }
    }

    fn thread(&self, chip: u32, tile: u32, unit: u32) -> u32 {
        (chip * self.tiles + tile) * UNITS + unit
    }

    fn queue(&self, chip: u32, tile: u32, q: QueueId) -> u32 {
        self.thread(chip, tile, 1 + q.index() as u32)
    }

    /// Thread `from` releases into semaphore `key`.
    fn release(&mut self, key: (u32, u32, u8), clock: &[u32]) {
        join(self.sems.entry(key).or_default(), clock);
    }

    /// Thread `to` acquires semaphore `key`: it is ordered after every increment so far.
    fn acquire(&mut self, to: u32, key: (u32, u32, u8)) {
        if let Some(s) = self.sems.get(&key) {
            join(&mut self.clocks[to as usize], s);
        }
    }

    /// Checks and records access `id` by `thread` to `ranges` of memory `key`.
    fn check(&mut self, key: MemoryKey, ranges: &[(u64, u64)], id: u32, thread: u32) {
        let write = self.records[id as usize].write;
        let shadow = self.shadows.entry(key).or_default();
        let now = &self.clocks[thread as usize];
        self.conflicts.clear();
        let a = Access { id, now, write };
        for &(lo, hi) in ranges {
            shadow.access(lo, hi, &a, &self.epochs, &mut self.conflicts);
        }
        if !self.conflicts.is_empty() {
            self.found.add(key, id, &self.conflicts, &self.records);
        }
    }

    /// The core of `(chip, tile)` retired (or not: `step`) the instruction in `slot` at `pc`,
    /// issued at `t`; `scalar` is its load or store.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn core_step(
        &mut self,
        chip: u32,
        tile: u32,
        pc: u64,
        slot: &Slot,
        scalar: Option<Scalar>,
        step: &Step,
        t: Cycle,
    ) {
        if matches!(step, Step::Trap { .. } | Step::Blocked { .. }) {
            return;
        }
        let me = self.thread(chip, tile, 0);
        if let Some(s) = scalar {
            let clock = &mut self.clocks[me as usize];
            if clock.get(me as usize).is_none_or(|&t| t == 0) {
                tick(clock, me);
            }
            let time = clock[me as usize];
            let next = self.records.len() as u32;
            let id = *self.interned.entry((me, time, pc)).or_insert(next);
            if id == next {
                self.records.push(Record {
                    chip,
                    tile,
                    unit: 0,
                    pc,
                    write: s.write,
                    start: t,
                    end: None,
                });
                self.epochs.push(Epoch { thread: me, time });
            }
            let range = [(s.offset, s.offset + s.size)];
            self.check((chip, tile, s.memory), &range, id, me);
        }
        match step {
            Step::Enqueue(_) => {
                if let IssueRule::Enqueue(q) = slot.rule {
                    let snapshot = Arc::new(self.clocks[me as usize].clone());
                    let queue = self.queue(chip, tile, q);
                    self.enqueued[queue as usize].push_back(snapshot);
                    tick(&mut self.clocks[me as usize], me);
                }
                return;
            }
            Step::Signal {
                chip: to_chip,
                tile: to_tile,
                sem,
                ..
            } => {
                let snapshot = Arc::new(self.clocks[me as usize].clone());
                self.signals
                    .entry((*to_chip, *to_tile, *sem, chip, tile))
                    .or_default()
                    .push_back(snapshot);
                tick(&mut self.clocks[me as usize], me);
                return;
            }
            _ => {}
        }
        if let IssueRule::Drain(set) = slot.rule {
            for q in set.iter() {
                let queue = self.queue(chip, tile, q) as usize;
                let (core, queue) = two(&mut self.clocks, me as usize, queue);
                join(core, queue);
            }
            return;
        }
        let Ok(op) = slot.decoded.as_ref() else {
            return;
        };
        use Operation as I;
        match op {
            I::SemSet(f) => {
                let key = (chip, tile, f.sem.get());
                self.sems.insert(key, self.clocks[me as usize].clone());
                tick(&mut self.clocks[me as usize], me);
            }
            I::SemAdd(f) => {
                let clock = std::mem::take(&mut self.clocks[me as usize]);
                self.release((chip, tile, f.sem.get()), &clock);
                self.clocks[me as usize] = clock;
                tick(&mut self.clocks[me as usize], me);
            }
            I::SemWait(f) | I::SemTake(f) => self.acquire(me, (chip, tile, f.sem.get())),
            _ => {}
        }
    }

    /// The head item of queue `q` of `(chip, tile)`, enqueued at `pc`, left the queue at `t`:
    /// a `q.take` that took its count, a `q.signal` that added its amount, or an operation
    /// that started.
    pub(crate) fn item_started(
        &mut self,
        chip: u32,
        tile: u32,
        q: QueueId,
        item: &Item,
        pc: u64,
        t: Cycle,
    ) {
        let me = self.queue(chip, tile, q);
        let i = me as usize;
        if let Some(at_enqueue) = self.enqueued[i].pop_front() {
            join(&mut self.clocks[i], &at_enqueue);
        }
        match item {
            Item::Take { sem, .. } => self.acquire(me, (chip, tile, *sem)),
            Item::Signal { sem, .. } => {
                let clock = std::mem::take(&mut self.clocks[i]);
                self.release((chip, tile, *sem), &clock);
                self.clocks[i] = clock;
                tick(&mut self.clocks[i], me);
            }
            Item::Op(op) => self.op_started(chip, tile, q, op, pc, t),
        }
    }

    fn op_started(&mut self, chip: u32, tile: u32, q: QueueId, op: &EngineOp, pc: u64, t: Cycle) {
        let me = self.queue(chip, tile, q);
        let i = me as usize;
        tick(&mut self.clocks[i], me);
        let time = self.clocks[i][i];
        let first = self.records.len() as u32;
        for f in footprint::of(op) {
            let id = self.records.len() as u32;
            self.records.push(Record {
                chip,
                tile,
                unit: 1 + q.index() as u8,
                pc,
                write: f.write,
                start: t,
                end: None,
            });
            self.epochs.push(Epoch { thread: me, time });
            let key = (
                f.place.chip,
                f.place.tile.unwrap_or(u32::MAX),
                f.place.memory,
            );
            self.check(key, &f.ranges, id, me);
        }
        let accesses = first..self.records.len() as u32;
        let clock = match op {
            EngineOp::Dma(tr) => {
                let clock = Arc::new(self.clocks[i].clone());
                let (sc, st, _) = tr.signal;
                let own = tr.dst.chip == chip && tr.dst.tile == Some(tile);
                // The destination's owner increments its semaphore where the transfer commits.
                if !own && tr.dst.chip == sc && tr.dst.tile == Some(st) {
                    self.commits
                        .entry((chip, tile, pc))
                        .or_default()
                        .push_back(clock.clone());
                }
                Some(clock)
            }
            _ => None,
        };
        self.running[i].push_back(Running { clock, accesses });
    }

    /// The oldest running operation of queue `q` of `(chip, tile)` completed at `t`.
    pub(crate) fn op_completed(
        &mut self,
        chip: u32,
        tile: u32,
        q: QueueId,
        op: &EngineOp,
        t: Cycle,
    ) {
        let me = self.queue(chip, tile, q) as usize;
        let Some(done) = self.running[me].pop_front() else {
            return;
        };
        for id in done.accesses {
            self.records[id as usize].end = Some(t);
        }
        // A transfer increments its semaphore here unless its destination tile does.
        if let (EngineOp::Dma(tr), Some(clock)) = (op, done.clock) {
            let (sc, st, sem) = tr.signal;
            if (sc, st) == (chip, tile) {
                self.release((sc, st, sem), &clock);
            }
        }
    }

    /// Transfer `c` committed at its destination, which incremented its tile's semaphore.
    pub(crate) fn committed(&mut self, c: &Commit) {
        let (sc, st, sem) = c.transfer.signal;
        let Some(clock) = self.commits.get_mut(&c.by).and_then(VecDeque::pop_front) else {
            return;
        };
        self.release((sc, st, sem), &clock);
    }

    /// A `sem.signal` from `from` (chip, tile, pc) added to semaphore `sem` of `(chip, tile)`.
    pub(crate) fn signal_arrived(&mut self, chip: u32, tile: u32, sem: u8, from: (u32, u32, u64)) {
        let key = (chip, tile, sem, from.0, from.1);
        if let Some(clock) = self.signals.get_mut(&key).and_then(VecDeque::pop_front) {
            self.release((chip, tile, sem), &clock);
        }
    }

    /// Accesses recorded so far.
    #[cfg(test)]
    pub(crate) fn accesses(&self) -> usize {
        self.records.len()
    }

    /// The races found so far, in the order they were found.
    pub(crate) fn races(&self, program: &Program) -> Vec<Race> {
        self.found.races(&self.records, program)
    }
}

/// Two distinct elements of `v`, mutably.
fn two<T>(v: &mut [T], a: usize, b: usize) -> (&mut T, &mut T) {
    debug_assert_ne!(a, b);
    if a < b {
        let (x, y) = v.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = v.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}

#[cfg(test)]
mod tests;
