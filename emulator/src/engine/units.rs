//! The engines' side of the run loop: what happens at an event. An operation completing applies
//! its effect and signals; a tile whose queues or semaphores changed starts whatever its queues
//! can start (an operation, a `q.signal`, a satisfied `q.take`) and wakes its core when what it
//! waits for has come.

use isa::{QueueId, QueueSet};

use crate::control::{Block, Stall, State};
use crate::dma::{DmaFault, transfer};
use crate::engine::event::{EventKind, EventQueue};
use crate::env::Env;
use crate::machine::Machine;
use crate::program::Program;
use crate::queue::{EngineOp, Entry, Item, Running};
use crate::semaphore::SemaphoreFault;
use crate::tile::Tile;
use crate::time::Cycle;
use crate::trace::{TraceSink, Track};
use crate::trap::{Fault, Trap};
use crate::vector::exec;

/// A trap raised by an engine on behalf of the instruction at `pc`.
pub(crate) fn engine_trap(
    program: &Program,
    tile: &Tile,
    pc: u64,
    fault: impl Into<Fault>,
    t: Cycle,
) -> Trap {
    let fault = fault.into();
    Trap {
        chip: tile.chip,
        tile: tile.id,
        pc,
        instruction: program.disassemble(pc),
        cause: fault.cause(),
        detail: fault.to_string(),
        cycle: t,
    }
}

fn mark(dirty: &mut Vec<usize>, i: usize) {
    if !dirty.contains(&i) {
        dirty.push(i);
    }
}

/// Processes one event at cycle `t`.
pub(crate) fn process(m: &mut Machine, t: Cycle, ev: EventKind, trace: &mut dyn TraceSink) {
    match ev {
        EventKind::Done { chip, tile, queue } => complete(m, chip, tile, queue, t, trace),
        EventKind::Kick { chip, tile } => {
            let i = m.flat(chip, tile);
            mark(&mut m.dirty, i);
        }
        EventKind::Signal {
            chip,
            tile,
            sem,
            amount,
            from,
        } => {
            let i = m.flat(chip, tile);
            let target = &mut m.chips[chip as usize].tiles[tile as usize];
            if let Err(e) = target.sems.add(sem, amount) {
                let sender = &m.chips[from.0 as usize].tiles[from.1 as usize];
                let fault = SemaphoreFault::Arriving {
                    chip,
                    tile,
                    fault: Box::new(e),
                };
                let trap = engine_trap(&m.program, sender, from.2, fault, t);
                Trap::record(&mut m.trap, trap);
            }
            mark(&mut m.dirty, i);
        }
    }
}

fn complete(
    m: &mut Machine,
    chip: u32,
    tile: u32,
    q: QueueId,
    t: Cycle,
    trace: &mut dyn TraceSink,
) {
    let i = m.flat(chip, tile);
    mark(&mut m.dirty, i);
    let tl = &mut m.chips[chip as usize].tiles[tile as usize];
    let queue = &mut tl.queues[q.index()];
    let Some(Running { op, pc, start, end }) = queue.running.take() else {
        return;
    };
    queue.counters.busy_cycles += end.since(start).get();
    queue.counters.operations += 1;
    if trace.enabled() {
        let name = m.program.disassemble(pc);
        let mnemonic = name.split(' ').next().unwrap_or("op").to_string();
        trace.busy(
            Track::tile(chip, tile, q.name()),
            &mnemonic,
            start,
            end,
            &[("instruction", name.as_str().into()), ("pc", pc.into())],
        );
    }
    let result: Result<(), Fault> = match &op {
        EngineOp::Dma(tr) => {
            let c = &mut tl.queues[q.index()].counters;
            c.bytes_read += tr.bytes_read();
            c.bytes_written += tr.bytes_written();
            c.work += tr.elements;
            let r = transfer::apply(tr, &mut m.chips[..]);
            let (sc, st, sem) = tr.signal;
            let r = r.and_then(|()| {
                let target = &mut m.chips[sc as usize].tiles[st as usize];
                target.sems.add(sem, 1).map(|_| ()).map_err(DmaFault::from)
            });
            let j = m.flat(sc, st);
            mark(&mut m.dirty, j);
            r.map_err(Fault::from)
        }
        EngineOp::Vector(v) => {
            let c = &mut tl.queues[q.index()].counters;
            // An fma also reads its destination; a reduction writes one element.
            let fma = matches!(v.kind, crate::vector::Kind::Fma);
            let sources = u64::from(v.a.is_some()) + u64::from(v.b.is_some()) + u64::from(fma);
            let outputs = match v.kind {
                crate::vector::Kind::Reduce(_) => 1,
                _ => v.n,
            };
            c.bytes_read += v.n * v.dt.size() * sources;
            c.bytes_written += outputs * v.out.size();
            c.work += v.n;
            exec::apply(v, &mut tl.local()).map_err(Fault::from)
        }
        EngineOp::Matrix(mop) => {
            let (read, written, work) = mop.traffic();
            let c = &mut tl.queues[q.index()].counters;
            c.bytes_read += read;
            c.bytes_written += written;
            c.work += work;
            let (slot, mut local) = tl.split_matrix();
            slot.apply(mop, &mut local).map_err(Fault::from)
        }
    };
    if let Err(fault) = result {
        let tl = &m.chips[chip as usize].tiles[tile as usize];
        let trap = engine_trap(&m.program, tl, pc, fault, t);
        Trap::record(&mut m.trap, trap);
    }
}

/// Starts what queue `q` of `tile` can start at cycle `t`. Returns whether anything left the
/// queue.
fn advance(
    tile: &mut Tile,
    q: QueueId,
    t: Cycle,
    env: &Env,
    events: &mut EventQueue,
) -> Result<bool, (u64, SemaphoreFault)> {
    let queue = &mut tile.queues[q.index()];
    if queue.running.is_some() {
        return Ok(false);
    }
    let Some(Entry { item, pc }) = queue.items.front() else {
        return Ok(false);
    };
    let pc = *pc;
    match item {
        Item::Take { sem, n } => {
            let (sem, n) = (*sem, *n);
            if !tile.sems.reaches(sem, n) {
                queue.take_since.get_or_insert(t);
                return Ok(false);
            }
            tile.sems.add(sem, n.wrapping_neg()).map_err(|e| (pc, e))?;
            let queue = &mut tile.queues[q.index()];
            if let Some(since) = queue.take_since.take() {
                queue.counters.stalled_cycles += t.since(since).get();
            }
            queue.counters.semaphore_items += 1;
            queue.items.pop_front();
        }
        Item::Signal { sem, amount } => {
            let (sem, amount) = (*sem, *amount);
            tile.sems.add(sem, amount).map_err(|e| (pc, e))?;
            let queue = &mut tile.queues[q.index()];
            queue.counters.semaphore_items += 1;
            queue.items.pop_front();
        }
        Item::Op(_) => {
            let Some(Entry {
                item: Item::Op(op), ..
            }) = queue.items.pop_front()
            else {
                return Ok(false);
            };
            let d = match &op {
                EngineOp::Dma(tr) => env.dma.duration(tr, (tile.chip, tile.id)),
                EngineOp::Vector(v) => env.vector.duration(v),
                EngineOp::Matrix(mop) => env.matrix.duration(mop),
            };
            let end = t + d.max(Cycle(1));
            queue.running = Some(Running {
                op,
                pc,
                start: t,
                end,
            });
            events.push(
                end,
                EventKind::Done {
                    chip: tile.chip,
                    tile: tile.id,
                    queue: q,
                },
            );
        }
    }
    Ok(true)
}

fn block_stall(on: Block) -> (Stall, &'static str) {
    match on {
        Block::Semaphore { .. } => (Stall::Semaphore, "sem wait"),
        Block::QueueFull(_) => (Stall::QueueFull, "queue full"),
        Block::Drain(QueueSet::ALL) => (Stall::Fence, "drain"),
        Block::Drain(_) => (Stall::Fence, "fence"),
    }
}

/// Starts queued work and wakes the core of every tile marked dirty, at cycle `t`.
pub(crate) fn settle(m: &mut Machine, t: Cycle, trace: &mut dyn TraceSink) {
    while let Some(i) = m.dirty.pop() {
        let tiles = m.env.map.tiles as usize;
        let (chip, tile) = (i / tiles, i % tiles);
        let Machine {
            env,
            program,
            chips,
            events,
            trap,
            ..
        } = m;
        let tl = &mut chips[chip].tiles[tile];
        loop {
            let mut progress = false;
            for q in QueueId::ALL {
                match advance(tl, q, t, env, events) {
                    Ok(p) => progress |= p,
                    Err((pc, fault)) => {
                        let tr = engine_trap(program, tl, pc, fault, t);
                        Trap::record(trap, tr);
                    }
                }
            }
            if !progress {
                break;
            }
        }
        wake(tl, t, env, trace);
    }
}

/// Wakes the core of `tile` if what it waits for holds at cycle `t`.
fn wake(tile: &mut Tile, t: Cycle, env: &Env, trace: &mut dyn TraceSink) {
    let State::Blocked { on, since } = tile.core.state else {
        return;
    };
    let ready = match on {
        Block::Semaphore { sem, n } => tile.sems.reaches(sem, n),
        Block::QueueFull(q) => tile.queues[q.index()].waiting() < env.queue_depth(q),
        Block::Drain(set) => tile.drained(set),
    };
    if !ready {
        return;
    }
    let (reason, label) = block_stall(on);
    let core = &mut tile.core;
    // The core's pipeline keeps its times as plain counts (control::Core).
    core.stall_until(t.get(), reason);
    core.state = State::Running;
    core.next = core.next.max(t.get());
    core.at = core.next;
    if trace.enabled() && t > Cycle(since) {
        trace.busy(
            Track::tile(tile.chip, tile.id, "control"),
            label,
            Cycle(since),
            t,
            &[],
        );
    }
}
