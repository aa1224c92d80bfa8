//! A tile and its DMA engines as components of the run loop. When a tile wakes it takes the
//! messages that have arrived (semaphore increments, requests for its SRAM port, commits),
//! completes the operations whose end has come (applying their effects), starts what its queues
//! can start (an operation, a `q.signal`, a satisfied `q.take`), wakes its core when what it
//! waits for has come, and says when it next needs to run. An engine wakes on its own: it takes
//! its replies, sends and issues requests, and hands its tile each transfer's end.

use isa::QueueId;

use crate::control::{Block, Stall, State};
use crate::dma::engine::Ctx;
use crate::dma::{DmaFault, transfer};
use crate::env::Env;
use crate::machine::Machine;
use crate::memsys::commit_packet;
use crate::program::Program;
use crate::queue::{EngineOp, Entry, Item, Running};
use crate::races::RaceChecker;
use crate::semaphore::SemaphoreFault;
use crate::sim::message::{Body, Commit, Endpoint, Packet, Reply, Target};
use crate::sim::{Component, component, record, schedule};
use crate::tile::Tile;
use crate::time::Cycle;
use crate::trace::{Arg, TraceSink, Track};
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
        others: 0,
    }
}

/// Runs tile `tile` of chip `chip` at cycle `t`; sends what it sends and asks for its next wake.
pub(crate) fn evaluate(
    m: &mut Machine,
    chip: u32,
    tile: u32,
    t: Cycle,
    out: &mut Vec<Packet>,
    trace: &mut dyn TraceSink,
) {
    deliver(m, chip, tile, t, out);
    loop {
        let mut progress = false;
        for q in QueueId::ALL {
            let queue = &m.chips[chip as usize].tiles[tile as usize].queues[q.index()];
            if queue.running.front().is_some_and(|r| r.end <= t) {
                complete(m, chip, tile, q, t, trace);
                progress = true;
            }
        }
        let Machine {
            env,
            program,
            chips,
            runs,
            mail,
            trapped,
            races,
            ..
        } = m;
        let tl = &mut chips[chip as usize].tiles[tile as usize];
        for q in QueueId::ALL {
            match advance(tl, q, t, env, mail, trace, races.as_deref_mut()) {
                Ok(p) => progress |= p,
                Err((pc, fault)) => {
                    let tr = engine_trap(program, tl, pc, fault, t);
                    Trap::record(&mut runs[chip as usize].trap, tr);
                    *trapped = true;
                }
            }
        }
        if !progress {
            break;
        }
    }
    let tl = &mut m.chips[chip as usize].tiles[tile as usize];
    if wake(tl, t, &m.env, trace) {
        let at = Cycle(tl.core.at);
        let i = chip as usize * m.env.map.tiles as usize + tile as usize;
        m.cores.push(std::cmp::Reverse((at, i)));
    }
    // Its engines run on their own wakes; one that took a transfer runs now.
    for q in [QueueId::DmaIn, QueueId::DmaOut] {
        let tl = &mut m.chips[chip as usize].tiles[tile as usize];
        if std::mem::take(&mut tl.engines[q.index()].started) {
            let c = Component::Engine {
                chip,
                tile,
                queue: q,
            };
            schedule(m, c, t);
        }
    }
    let tl = &m.chips[chip as usize].tiles[tile as usize];
    if let Some(next) = next_wake(tl) {
        schedule(m, Component::Tile { chip, tile }, next);
    }
}

/// Takes the messages that have arrived at the tile by `t`, and hands over what its SRAM port
/// answers now.
fn deliver(m: &mut Machine, chip: u32, tile: u32, t: Cycle, out: &mut Vec<Packet>) {
    let mut commits = Vec::new();
    deliver_inbox(m, chip, tile, t, &mut commits);
    let tl = &mut m.chips[chip as usize].tiles[tile as usize];
    while let Some((_, p)) = tl.port.receive(t) {
        match p.body {
            Body::Commit(c) => commits.push(*c),
            _ => out.push(p),
        }
    }
    for c in commits {
        commit(m, t, &c);
    }
}

/// Commits transfer `c` at its destination, which the caller owns: reads its source, writes its
/// destination and, with flag 4, increments the destination tile's semaphore.
pub(crate) fn commit(m: &mut Machine, t: Cycle, c: &Commit) {
    let tr = &c.transfer;
    let r = transfer::apply(tr, &mut m.chips[..]).and_then(|()| {
        let (sc, st, sem) = tr.signal;
        if tr.dst.tile == Some(st) && tr.dst.chip == sc {
            let target = &mut m.chips[sc as usize].tiles[st as usize];
            target.sems.add(sem, 1).map_err(DmaFault::from)?;
            if let Some(r) = m.races.as_deref_mut() {
                r.committed(c);
            }
            schedule(m, Component::Tile { chip: sc, tile: st }, t);
        }
        Ok(())
    });
    if let Err(fault) = r {
        let (chip, tile, pc) = c.by;
        let issuer = &m.chips[chip as usize].tiles[tile as usize];
        let trap = engine_trap(&m.program, issuer, pc, fault, t);
        record(m, trap);
    }
}

fn deliver_inbox(m: &mut Machine, chip: u32, tile: u32, t: Cycle, commits: &mut Vec<Commit>) {
    let tl = &mut m.chips[chip as usize].tiles[tile as usize];
    while let Some((_, p)) = tl.inbox.receive(t) {
        match p.body {
            Body::Done { to, write } => {
                let engine = &mut tl.engines[to.queue.index()];
                engine.receive(t, to.transfer, write, p.lag, p.bytes);
            }
            Body::Signal { sem, amount, from } => {
                if let Err(e) = tl.sems.add(sem, amount) {
                    let fault = SemaphoreFault::Arriving {
                        chip,
                        tile,
                        fault: Box::new(e),
                    };
                    let sender = &m.chips[from.0 as usize].tiles[from.1 as usize];
                    let trap = engine_trap(&m.program, sender, from.2, fault, t);
                    record(m, trap);
                    return;
                }
                if let Some(r) = m.races.as_deref_mut() {
                    r.signal_arrived(chip, tile, sem, from);
                }
            }
            // The SRAM port answers after the SRAM's latency, less the header's hops.
            Body::Access(access) => {
                let Target::Sram { latency } = access.target else {
                    continue;
                };
                let source = component(&m.env, Component::Tile { chip, tile });
                let leaves = t + latency.saturating_sub(access.hops);
                if let Some(commit) = access.commit {
                    let to = Endpoint::Tile { chip, tile };
                    let at = leaves + access.hops + p.lag;
                    tl.port.send(at, 0, commit_packet(to, source, commit));
                }
                let to = access.reply_to;
                let reply = Packet::done(chip, source, to, access.write, access.bytes, p.lag);
                tl.port.send(leaves, 0, reply);
            }
            Body::Commit(c) => commits.push(*c),
        }
    }
}

/// Runs DMA engine `q` of tile `tile` of chip `chip` at cycle `t`: takes its replies, sends
/// and issues what it may; a transfer whose last request's done cycle is known gets its end.
pub(crate) fn evaluate_engine(
    m: &mut Machine,
    chip: u32,
    tile: u32,
    q: QueueId,
    t: Cycle,
    out: &mut Vec<Packet>,
) {
    let timer = &m.env.dma;
    let me = Component::Engine {
        chip,
        tile,
        queue: q,
    };
    let source = component(&m.env, me);
    let tl = &mut m.chips[chip as usize].tiles[tile as usize];
    let engine = &mut tl.engines[q.index()];
    // Replies count from the cycle they arrived (a lazy engine takes them later).
    while let Some((at, p)) = engine.inbox.receive(t) {
        if let Body::Done { to, write } = p.body {
            engine.receive(at, to.transfer, write, p.lag, p.bytes);
        }
    }
    let mut cx = Ctx {
        timer,
        me: Reply {
            chip,
            tile,
            queue: q,
            transfer: 0,
        },
        source,
        out,
    };
    let mut ends = Vec::new();
    let accepted = engine.accepts();
    engine.evaluate(t, &mut cx, &mut ends);
    // A wake asked for while an earlier one was pending was dropped: the inbox counts too.
    let replies = engine.inbox.next_arrival().filter(|_| !engine.lazy);
    let next = engine
        .next_wake(timer.max_outstanding)
        .into_iter()
        .chain(replies)
        .min();
    // The engine takes a new transfer, or its tile completes one: the tile runs then.
    let queue = &mut tl.queues[q.index()];
    let mut tile_at = (!accepted && engine.accepts() && !queue.items.is_empty()).then_some(t);
    // Transfers complete in order: each end goes to the oldest running one without one.
    let mut waiting = queue.running.iter_mut().filter(|r| r.end == Cycle::MAX);
    for &end in &ends {
        if let Some(r) = waiting.next() {
            r.end = end.max(r.start + 1);
            tile_at = Some(tile_at.map_or(r.end, |a| a.min(r.end)));
        }
    }
    if let Some(at) = tile_at {
        schedule(m, Component::Tile { chip, tile }, at.max(t));
    }
    if let Some(next) = next {
        schedule(m, me, next.max(t));
    }
}

/// When the tile next needs to run: an operation's end, a message, its SRAM port.
fn next_wake(tl: &Tile) -> Option<Cycle> {
    let ends = tl
        .queues
        .iter()
        .flat_map(|q| q.running.iter())
        .map(|r| r.end);
    ends.chain(tl.inbox.next_arrival())
        .chain(tl.port.next_arrival())
        .filter(|&c| c != Cycle::MAX)
        .min()
}

fn complete(
    m: &mut Machine,
    chip: u32,
    tile: u32,
    q: QueueId,
    t: Cycle,
    trace: &mut dyn TraceSink,
) {
    let tl = &mut m.chips[chip as usize].tiles[tile as usize];
    let queue = &mut tl.queues[q.index()];
    let Some(Running { op, pc, start, end }) = queue.running.pop_front() else {
        return;
    };
    if let Some(r) = m.races.as_deref_mut() {
        r.op_completed(chip, tile, q, &op, t);
    }
    // Overlapping transfers count their shared cycles once.
    let start = start.max(queue.busy_until).min(end);
    queue.busy_until = end;
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
            // A destination outside the tile is written by the unit that owns it (a commit);
            // the tile writes its own SRAM, and increments its own semaphore.
            let own = tr.dst.chip == chip && tr.dst.tile == Some(tile);
            let r = if own {
                transfer::apply(tr, &mut m.chips[..])
            } else {
                Ok(())
            };
            let (sc, st, sem) = tr.signal;
            let r = r.and_then(|()| {
                if (sc, st) != (chip, tile) {
                    return Ok(());
                }
                let tl = &mut m.chips[chip as usize].tiles[tile as usize];
                tl.sems.add(sem, 1).map(|_| ()).map_err(DmaFault::from)
            });
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
        record(m, trap);
    }
}

/// Starts what queue `q` of `tile` can start at cycle `t`. Returns whether anything left the
/// queue.
fn advance(
    tile: &mut Tile,
    q: QueueId,
    t: Cycle,
    env: &Env,
    mail: &mut Vec<(Cycle, Packet)>,
    trace: &mut dyn TraceSink,
    races: Option<&mut RaceChecker>,
) -> Result<bool, (u64, SemaphoreFault)> {
    let queue = &mut tile.queues[q.index()];
    let Some(Entry { item, pc }) = queue.items.front() else {
        return Ok(false);
    };
    // While an operation runs, only a DMA transfer may start, once its engine accepts one.
    let engine = env.dma.ideal.is_none() && matches!(q, QueueId::DmaIn | QueueId::DmaOut);
    let overlaps = engine && matches!(item, Item::Op(_)) && tile.engines[q.index()].accepts();
    if !queue.running.is_empty() && !overlaps {
        return Ok(false);
    }
    let pc = *pc;
    match item {
        Item::Take { sem, n } => {
            let (sem, n) = (*sem, *n);
            if !tile.sems.reaches(sem, n) {
                queue.take_since.get_or_insert(t);
                return Ok(false);
            }
            tile.sems.add(sem, n.wrapping_neg()).map_err(|e| (pc, e))?;
            if let Some(r) = races {
                r.item_started(tile.chip, tile.id, q, &Item::Take { sem, n }, pc, t);
            }
            let queue = &mut tile.queues[q.index()];
            if let Some(since) = queue.take_since.take() {
                queue.counters.stalled_cycles += t.since(since).get();
                // The engine's wait, drawn on its track as the core's waits are on its own.
                if trace.enabled() && t > since {
                    let until = format!("s{sem} >= {n}");
                    trace.busy(
                        Track::tile(tile.chip, tile.id, q.name()),
                        "q.take",
                        since,
                        t,
                        &[("until", Arg::Str(&until))],
                    );
                }
            }
            queue.counters.semaphore_items += 1;
            queue.items.pop_front();
        }
        Item::Signal { sem, amount } => {
            let (sem, amount) = (*sem, *amount);
            tile.sems.add(sem, amount).map_err(|e| (pc, e))?;
            if let Some(r) = races {
                r.item_started(tile.chip, tile.id, q, &Item::Signal { sem, amount }, pc, t);
            }
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
            // A DMA transfer on the engine ends when its last request is done: not known yet.
            let end = match &op {
                EngineOp::Dma(tr) if env.dma.ideal.is_none() => {
                    let me = Reply {
                        chip: tile.chip,
                        tile: tile.id,
                        queue: q,
                        transfer: 0,
                    };
                    tile.engines[q.index()].start(t, tr, pc, &env.dma, me);
                    Cycle::MAX
                }
                EngineOp::Dma(tr) => {
                    let end = t + env.dma.duration(tr, (tile.chip, tile.id)).max(Cycle(1));
                    // The ideal engine's commit reaches the destination's owner at the end.
                    if tr.dst.chip != tile.chip || tr.dst.tile != Some(tile.id) {
                        let to = match tr.dst.tile {
                            Some(t) => Endpoint::Tile {
                                chip: tr.dst.chip,
                                tile: t,
                            },
                            None => Endpoint::Memory { chip: tr.dst.chip },
                        };
                        let c = Commit {
                            transfer: tr.clone(),
                            by: (tile.chip, tile.id, pc),
                        };
                        let me = crate::sim::component(
                            env,
                            Component::Tile {
                                chip: tile.chip,
                                tile: tile.id,
                            },
                        );
                        mail.push((end, commit_packet(to, me, Box::new(c))));
                    }
                    end
                }
                EngineOp::Vector(v) => t + env.vector.duration(v).max(Cycle(1)),
                EngineOp::Matrix(mop) => t + env.matrix.duration(mop).max(Cycle(1)),
            };
            if let Some(r) = races {
                r.item_started(tile.chip, tile.id, q, &Item::Op(op.clone()), pc, t);
            }
            let queue = &mut tile.queues[q.index()];
            queue.running.push_back(Running {
                op,
                pc,
                start: t,
                end,
            });
        }
    }
    Ok(true)
}

/// The stall a wait counts as; its trace name is the stall's, as the stats name it
/// (`semaphore_cycles`, `queue_full_cycles`, `fence_cycles`).
fn block_stall(on: Block) -> (Stall, &'static str) {
    match on {
        Block::Semaphore { .. } => (Stall::Semaphore, "semaphore"),
        Block::QueueFull(_) => (Stall::QueueFull, "queue full"),
        Block::Drain(_) => (Stall::Fence, "fence"),
    }
}

/// What a wait is for, as trace arguments: the semaphore and the value it waits for, the full
/// queue, or the queues being drained.
fn block_args(on: Block) -> Vec<(&'static str, String)> {
    match on {
        Block::Semaphore { sem, n } => vec![("until", format!("s{sem} >= {n}"))],
        Block::QueueFull(q) => vec![("queue", q.name().to_string())],
        Block::Drain(set) => {
            let names: Vec<&str> = set.iter().map(|q| q.name()).collect();
            vec![("queues", names.join(" "))]
        }
    }
}

/// Wakes the core of `tile` if what it waits for holds at cycle `t`.
fn wake(tile: &mut Tile, t: Cycle, env: &Env, trace: &mut dyn TraceSink) -> bool {
    let State::Blocked { on, since } = tile.core.state else {
        return false;
    };
    let ready = match on {
        Block::Semaphore { sem, n } => tile.sems.reaches(sem, n),
        Block::QueueFull(q) => tile.queues[q.index()].waiting() < env.queue_depth(q),
        Block::Drain(set) => tile.drained(set),
    };
    if !ready {
        return false;
    }
    let (reason, label) = block_stall(on);
    let core = &mut tile.core;
    // The core's pipeline keeps its times as plain counts (control::Core).
    core.stall_until(t.get(), reason);
    core.state = State::Running;
    core.next = core.next.max(t.get());
    core.at = core.next;
    if trace.enabled() && t > Cycle(since) {
        let args = block_args(on);
        let args: Vec<(&str, Arg<'_>)> = args.iter().map(|(k, v)| (*k, Arg::Str(v))).collect();
        trace.busy(
            Track::tile(tile.chip, tile.id, "control"),
            label,
            Cycle(since),
            t,
            &args,
        );
    }
    true
}
