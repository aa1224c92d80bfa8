//! The engines' side of the run loop: what happens at an event. An operation completing applies
//! its effect and signals; a tile whose queues or semaphores changed starts whatever its queues
//! can start (an operation, a `q.signal`, a satisfied `q.take`) and wakes its core when what it
//! waits for has come.

use isa::Cause;

use crate::control::{Block, Stall, State};
use crate::dma::transfer;
use crate::engine::event::{EventKind, EventQueue};
use crate::env::Env;
use crate::machine::Machine;
use crate::program::{ALL_QUEUES, Program};
use crate::queue::{EngineOp, Entry, Item, Running};
use crate::tile::Tile;
use crate::time::Cycle;
use crate::trace::{TraceSink, Track};
use crate::trap::Trap;
use crate::vector::exec;

/// The trace track names of the four queues.
pub const QUEUE_UNITS: [&str; 4] = ["dma-in", "dma-out", "matrix", "vector"];

/// A trap raised by an engine on behalf of the instruction at `pc`.
pub(crate) fn engine_trap(
    program: &Program,
    tile: &Tile,
    pc: u64,
    cause: Cause,
    detail: String,
    t: u64,
) -> Trap {
    Trap {
        chip: tile.chip,
        tile: tile.id,
        pc,
        instruction: program.disassemble(pc),
        cause,
        detail,
        cycle: Cycle(t),
    }
}

fn mark(dirty: &mut Vec<usize>, i: usize) {
    if !dirty.contains(&i) {
        dirty.push(i);
    }
}

/// Processes one event at cycle `t`.
pub(crate) fn process(m: &mut Machine, t: u64, ev: EventKind, trace: &mut dyn TraceSink) {
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
                let detail = format!("arriving at chip {chip} tile {tile}: {e}");
                let trap =
                    engine_trap(&m.program, sender, from.2, Cause::SemaphoreFault, detail, t);
                Trap::record(&mut m.trap, trap);
            }
            mark(&mut m.dirty, i);
        }
    }
}

fn complete(m: &mut Machine, chip: u32, tile: u32, q: u8, t: u64, trace: &mut dyn TraceSink) {
    let i = m.flat(chip, tile);
    mark(&mut m.dirty, i);
    let tl = &mut m.chips[chip as usize].tiles[tile as usize];
    let queue = &mut tl.queues[q as usize];
    let Some(Running { op, pc, start, end }) = queue.running.take() else {
        return;
    };
    queue.counters.busy_cycles += end - start;
    queue.counters.operations += 1;
    if trace.enabled() {
        let name = m.program.disassemble(pc);
        let mnemonic = name.split(' ').next().unwrap_or("op").to_string();
        trace.busy(
            Track::tile(chip, tile, QUEUE_UNITS[q as usize]),
            &mnemonic,
            Cycle(start),
            Cycle(end),
            &[("instruction", name.as_str().into()), ("pc", pc.into())],
        );
    }
    let (result, cause) = match &op {
        EngineOp::Dma(tr) => {
            let c = &mut tl.queues[q as usize].counters;
            c.bytes_read += tr.bytes_read();
            c.bytes_written += tr.bytes_written();
            c.work += tr.elements;
            let r = transfer::apply(tr, &mut m.chips[..]);
            let (sc, st, sem) = tr.signal;
            let r = r.and_then(|()| {
                let target = &mut m.chips[sc as usize].tiles[st as usize];
                target.sems.add(sem, 1).map(|_| ())
            });
            let j = m.flat(sc, st);
            mark(&mut m.dirty, j);
            (r, Cause::DmaFault)
        }
        EngineOp::Vector(v) => {
            let c = &mut tl.queues[q as usize].counters;
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
            (exec::apply(v, &mut tl.local()), Cause::VectorFault)
        }
        EngineOp::Matrix(mop) => {
            let (read, written, work) = mop.traffic();
            let c = &mut tl.queues[q as usize].counters;
            c.bytes_read += read;
            c.bytes_written += written;
            c.work += work;
            let (slot, mut local) = tl.split_matrix();
            let r = slot.apply(mop, &mut local);
            (r, Cause::MatrixFault)
        }
    };
    if let Err(detail) = result {
        let tl = &m.chips[chip as usize].tiles[tile as usize];
        let trap = engine_trap(&m.program, tl, pc, cause, detail, t);
        Trap::record(&mut m.trap, trap);
    }
}

/// Starts what queue `q` of `tile` can start at cycle `t`. Returns whether anything left the
/// queue.
fn advance(
    tile: &mut Tile,
    q: usize,
    t: u64,
    env: &Env,
    events: &mut EventQueue,
) -> Result<bool, (u64, Cause, String)> {
    let queue = &mut tile.queues[q];
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
            tile.sems
                .add(sem, n.wrapping_neg())
                .map_err(|e| (pc, Cause::SemaphoreFault, e))?;
            let queue = &mut tile.queues[q];
            if let Some(since) = queue.take_since.take() {
                queue.counters.stalled_cycles += t - since;
            }
            queue.counters.semaphore_items += 1;
            queue.items.pop_front();
        }
        Item::Signal { sem, amount } => {
            let (sem, amount) = (*sem, *amount);
            tile.sems
                .add(sem, amount)
                .map_err(|e| (pc, Cause::SemaphoreFault, e))?;
            let queue = &mut tile.queues[q];
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
            let end = t + d.get().max(1);
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
                    queue: q as u8,
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
        Block::Drain(ALL_QUEUES) => (Stall::Fence, "drain"),
        Block::Drain(_) => (Stall::Fence, "fence"),
    }
}

/// Starts queued work and wakes the core of every tile marked dirty, at cycle `t`.
pub(crate) fn settle(m: &mut Machine, t: u64, trace: &mut dyn TraceSink) {
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
            for q in 0..4 {
                match advance(tl, q, t, env, events) {
                    Ok(p) => progress |= p,
                    Err((pc, cause, detail)) => {
                        let tr = engine_trap(program, tl, pc, cause, detail, t);
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
fn wake(tile: &mut Tile, t: u64, env: &Env, trace: &mut dyn TraceSink) {
    let State::Blocked { on, since } = tile.core.state else {
        return;
    };
    let ready = match on {
        Block::Semaphore { sem, n } => tile.sems.reaches(sem, n),
        Block::QueueFull(q) => tile.queues[q as usize].waiting() < env.queue_depth(q),
        Block::Drain(mask) => tile.drained(mask),
    };
    if !ready {
        return;
    }
    let (reason, label) = block_stall(on);
    let core = &mut tile.core;
    core.stall_until(t, reason);
    core.state = State::Running;
    core.next = core.next.max(t);
    core.at = core.next;
    if trace.enabled() && t > since {
        trace.busy(
            Track::tile(tile.chip, tile.id, "control"),
            label,
            Cycle(since),
            Cycle(t),
            &[],
        );
    }
}
