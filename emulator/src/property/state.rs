//! The generator's state: the instructions so far, what each engine queue may still be doing to
//! which buffer, what the semaphores hold, and the engine configuration the program has set.
//!
//! Every engine operation names the buffers it reads and writes. Before one is emitted, any
//! unordered operation of another queue that conflicts with it (one of the two writes a buffer
//! the other touches) is ordered first: by a fence, or by a `q.signal`/`q.take` handoff between
//! the queues. Before the core reads or writes a buffer, every queue that conflicts is fenced.
//! So no two unordered agents ever touch the same bytes, one of them writing (docs/isa.md,
//! "Ordering model"), and the untimed interpreter must agree with the timed run exactly.

use isa::Operation;
use isa::format::*;
use isa::fuzz::SplitMix64;
use isa::operand::*;
use isa::{Csr, DType, Reg};

/// A buffer the generator tracks accesses to: parts of this tile's scratchpad and accumulator,
/// of its own regions of L2 and HBM, and the inbox other tiles' DMAs write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Res {
    Spad(u8),
    Acc(u8),
    L2(u8),
    Hbm(u8),
    Inbox,
}

/// The queues, in the ISA's order (`q.signal` operand codes).
pub(super) const QUEUES: [Queue; 4] = [Queue::DmaIn, Queue::DmaOut, Queue::Mx, Queue::Vec];
pub(super) const DMA_IN: usize = 0;
pub(super) const DMA_OUT: usize = 1;
pub(super) const MX: usize = 2;
pub(super) const VEC: usize = 3;

/// Semaphores only the core touches, with values the generator knows.
pub(super) const CORE_SEMS: u8 = 4;
/// Semaphores DMA transfers signal on completion: s4..s7.
pub(super) const DMA_SEM0: u8 = 4;
pub(super) const DMA_SEMS: u8 = 4;
/// `q.signal p` / `q.take q` handoffs: one semaphore per ordered pair of queues, s8..s19.
const HANDOFF_SEM0: u8 = 8;
/// A queue's `q.signal` the core takes (an ordering by semaphore instead of a fence): s20..s23.
const QUEUE_TO_CORE_SEM0: u8 = 20;

/// One engine operation that may still be running.
struct Access {
    seq: u64,
    reads: Vec<Res>,
    writes: Vec<Res>,
    /// A DMA completion semaphore of this tile.
    signal: Option<u8>,
}

impl Access {
    fn conflicts(&self, reads: &[Res], writes: &[Res]) -> bool {
        self.writes
            .iter()
            .any(|w| reads.contains(w) || writes.contains(w))
            || self.reads.iter().any(|r| writes.contains(r))
    }
}

/// A DMA completion semaphore: `base` once every pending transfer that signals it has arrived.
#[derive(Clone, Copy, Default)]
struct DmaSem {
    base: u32,
    pending: u32,
}

/// The DMA descriptor as set so far (`None`: unknown, as at the top of a loop body).
pub(super) type DmaCfgState = Option<(DType, DType, u8)>;
pub(super) type DmaDimState = Option<(u64, i64, i64)>;

/// The generator.
pub(super) struct Gen<'a> {
    pub(super) rng: &'a mut SplitMix64,
    pub(super) text: Vec<Operation>,
    queues: [Vec<Access>; 4],
    next_seq: [u64; 4],
    /// `after[q][p]`: later operations of queue `q` are ordered after those of `p` with a
    /// smaller sequence number.
    after: [[u64; 4]; 4],
    pub(super) core_sems: [u32; CORE_SEMS as usize],
    dma_sems: [DmaSem; DMA_SEMS as usize],
    pub(super) dma_cfg: DmaCfgState,
    pub(super) dma_dims: [DmaDimState; 4],
    pub(super) strides: Option<(i64, i64, i64)>,
    /// `mx.cfg` (dataflow, type), the last weights (K, N, type) and `mx.post` (output type,
    /// bias buffer and offset).
    pub(super) mx_cfg: Option<(Dataflow, DType)>,
    pub(super) weights: Option<(u64, u64, DType)>,
    pub(super) post: Option<(DType, Option<(Res, u64)>)>,
    /// Transfers sent to the next tile's inbox.
    pub(super) sends: u32,
    /// Inside a loop body: blocks that need known values across iterations are left out.
    pub(super) in_loop: bool,
}

pub(super) fn r(n: u8) -> Reg {
    Reg::new(n).unwrap_or(Reg::ZERO)
}

pub(super) fn imm(v: i64) -> Imm32 {
    Imm32::new(v).unwrap_or_else(|| unreachable!("{v} fits 32 bits"))
}

pub(super) fn sem(s: u8) -> Sem {
    Sem::new(i64::from(s)).unwrap_or_else(|| unreachable!("s{s} exists"))
}

pub(super) fn no_operands() -> NoOperands {
    NoOperands {}
}

impl<'a> Gen<'a> {
    pub(super) fn new(rng: &'a mut SplitMix64) -> Gen<'a> {
        Gen {
            rng,
            text: Vec::new(),
            queues: Default::default(),
            next_seq: [0; 4],
            after: [[0; 4]; 4],
            core_sems: [0; CORE_SEMS as usize],
            dma_sems: [DmaSem::default(); DMA_SEMS as usize],
            dma_cfg: Some((DType::U8, DType::U8, 0)),
            dma_dims: [Some((1, 0, 0)); 4],
            strides: Some((1, 1, 1)),
            mx_cfg: None,
            weights: None,
            post: None,
            sends: 0,
            in_loop: false,
        }
    }

    /// A random number below `n`.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    /// True with probability `num / den`.
    pub(super) fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// One of `items`.
    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    pub(super) fn emit(&mut self, op: Operation) {
        self.text.push(op);
    }

    /// `x[rd] = value`, in one instruction when it fits 32 signed bits.
    pub(super) fn li(&mut self, rd: u8, value: u64) {
        if let Ok(v) = i32::try_from(value as i64) {
            self.emit(Operation::Addi(RegImm {
                rd: r(rd),
                rs1: Reg::ZERO,
                imm: imm(i64::from(v)),
            }));
            return;
        }
        self.emit(Operation::Lui(Upper {
            rd: r(rd),
            imm: imm(i64::from(isa::abi::hi32(value) as i32)),
        }));
        self.emit(Operation::Addi(RegImm {
            rd: r(rd),
            rs1: r(rd),
            imm: imm(i64::from(value as u32 as i32)),
        }));
    }

    pub(super) fn csrr(&mut self, rd: u8, csr: Csr) {
        self.emit(Operation::Csrr(CsrRead { rd: r(rd), csr }));
    }

    pub(super) fn sem_op(&mut self, make: fn(SemOp) -> Operation, s: u8, rs1: u8, n: i64) {
        self.emit(make(SemOp {
            sem: sem(s),
            rs1: r(rs1),
            imm: imm(n),
        }));
    }

    fn queue_sem(&mut self, make: fn(QueueSem) -> Operation, q: usize, s: u8) {
        self.emit(make(QueueSem {
            queue: QUEUES[q],
            sem: sem(s),
            imm: imm(1),
        }));
    }

    /// Marks every operation of queue `q` up to sequence number `last` as done.
    fn retire(&mut self, q: usize, last: u64) {
        let done: Vec<Access> = {
            let list = &mut self.queues[q];
            let keep = list.iter().position(|a| a.seq > last).unwrap_or(list.len());
            list.drain(..keep).collect()
        };
        for a in done {
            if let Some(s) = a.signal {
                let d = &mut self.dma_sems[usize::from(s - DMA_SEM0)];
                d.pending -= 1;
                d.base += 1;
            }
        }
    }

    fn retire_all(&mut self, q: usize) {
        self.retire(q, u64::MAX);
    }

    /// Makes the core wait for everything queue `q` has been given: a fence that covers it, or
    /// a `q.signal` on it that the core takes.
    pub(super) fn fence_for(&mut self, q: usize) {
        match self.below(4) {
            0 => {
                self.emit(Operation::Fence(no_operands()));
                (0..4).for_each(|p| self.retire_all(p));
            }
            1 => {
                let s = QUEUE_TO_CORE_SEM0 + q as u8;
                self.queue_sem(Operation::QSignal, q, s);
                self.sem_op(Operation::SemTake, s, 0, 1);
                self.retire_all(q);
            }
            _ => match q {
                DMA_IN | DMA_OUT => {
                    self.emit(Operation::FenceDma(no_operands()));
                    self.retire_all(DMA_IN);
                    self.retire_all(DMA_OUT);
                }
                MX => {
                    self.emit(Operation::FenceMx(no_operands()));
                    self.retire_all(MX);
                }
                _ => {
                    self.emit(Operation::FenceVec(no_operands()));
                    self.retire_all(VEC);
                }
            },
        }
    }

    /// Waits for every engine, by fences.
    pub(super) fn quiesce(&mut self) {
        for q in 0..4 {
            if !self.queues[q].is_empty() {
                self.fence_for(q);
            }
        }
    }

    /// Orders the core after every engine operation that conflicts with it reading `reads` and
    /// writing `writes`.
    pub(super) fn core_access(&mut self, reads: &[Res], writes: &[Res]) {
        for q in 0..4 {
            if self.queues[q].iter().any(|a| a.conflicts(reads, writes)) {
                self.fence_for(q);
            }
        }
    }

    /// Emits `ops` (whose last instruction enqueues one operation on queue `q` that reads
    /// `reads`, writes `writes` and, for a DMA, signals `signal` here), first ordering it after
    /// every conflicting operation of the other queues.
    pub(super) fn engine_op(
        &mut self,
        q: usize,
        reads: Vec<Res>,
        writes: Vec<Res>,
        signal: Option<u8>,
        ops: &[Operation],
    ) {
        for p in (0..4).filter(|&p| p != q) {
            let from = self.after[q][p];
            let conflict = self.queues[p]
                .iter()
                .any(|a| a.seq >= from && a.conflicts(&reads, &writes));
            if !conflict {
                continue;
            }
            if self.chance(1, 2) {
                // Queue q's later work waits for queue p's work so far.
                let s = HANDOFF_SEM0 + (p * 3 + if q > p { q - 1 } else { q }) as u8;
                self.queue_sem(Operation::QSignal, p, s);
                self.queue_sem(Operation::QTake, q, s);
                self.after[q][p] = self.next_seq[p];
            } else {
                self.fence_for(p);
            }
        }
        ops.iter().for_each(|&op| self.emit(op));
        if let Some(s) = signal {
            self.dma_sems[usize::from(s - DMA_SEM0)].pending += 1;
        }
        let seq = self.next_seq[q];
        self.next_seq[q] += 1;
        self.queues[q].push(Access {
            seq,
            reads,
            writes,
            signal,
        });
    }

    /// The value of DMA semaphore `s` once every transfer signalling it has arrived, and how
    /// many are still pending.
    pub(super) fn dma_sem(&self, s: u8) -> (u32, u32) {
        let d = self.dma_sems[usize::from(s - DMA_SEM0)];
        (d.base + d.pending, d.pending)
    }

    /// The core waits (`sem.take`, or `sem.wait` that leaves the count) until every transfer
    /// that signals DMA semaphore `s` has completed, and with it every earlier operation of
    /// their queues.
    pub(super) fn await_dma(&mut self, s: u8, take: bool) {
        let (all, _) = self.dma_sem(s);
        let make = if take {
            Operation::SemTake
        } else {
            Operation::SemWait
        };
        self.sem_op(make, s, 0, i64::from(all));
        for q in [DMA_IN, DMA_OUT] {
            if let Some(last) = self.queues[q]
                .iter()
                .rev()
                .find(|a| a.signal == Some(s))
                .map(|a| a.seq)
            {
                self.retire(q, last);
            }
        }
        let d = &mut self.dma_sems[usize::from(s - DMA_SEM0)];
        debug_assert_eq!(d.pending, 0);
        if take {
            d.base = 0;
        }
    }

    /// Takes every DMA semaphore's count back to zero (the queues must be quiet).
    pub(super) fn zero_dma_sems(&mut self) {
        for s in DMA_SEM0..DMA_SEM0 + DMA_SEMS {
            if self.dma_sem(s).0 > 0 {
                self.await_dma(s, true);
            }
        }
    }

    /// Forgets the engine configuration, as at the top of a loop body (a later iteration starts
    /// from whatever the body set).
    pub(super) fn forget_config(&mut self) {
        self.dma_cfg = None;
        self.dma_dims = [None; 4];
        self.strides = None;
        self.mx_cfg = None;
        self.weights = None;
        self.post = None;
    }
}
