//! The simulation kernel and its run loop: simulated time, wake by wake and core by core,
//! skipping idle time.
//!
//! The components are the fabric, and per chip its network, its memory system and its tiles.
//! Each owns its state and says when it next needs to run ([`wake::Wakes`] holds at most one
//! live wake per component); an idle one costs nothing. Units talk only through messages
//! ([`message::Packet`]) on latched links ([`link::Link`], latency at least 1), so a message sent
//! in cycle `t` is seen at `t + 1` or later. Within a cycle the wakes come in a fixed order that
//! makes the phases: the fabric and the networks deliver what arrives, then memory systems and
//! tiles evaluate and send. The order in which the host visits units never changes a result.
//!
//! Each turn takes the earliest thing that happens: if a wake is due no later than the earliest
//! running core's next issue, every wake of that cycle runs; otherwise that core runs until its
//! next issue would reach the next wake, or another core's time plus the lookahead (the least
//! number of cycles any core needs to affect another tile). When every core waits, time jumps to
//! the next wake, so waiting 10^9 cycles costs one turn.
//!
//! Effects of a wake at cycle `t` are seen by instructions issuing at `t`; effects of an
//! instruction issued at `t` reach engines and other tiles at `t + 1` or later.

pub(crate) mod core;
pub mod link;
pub mod message;
pub mod server;
pub(crate) mod tile;
pub mod wake;

use std::fmt;

use isa::QueueId;

use std::cmp::Reverse;

use crate::control::{Block, State};
use crate::env::Env;
use crate::machine::Machine;
use crate::memsys::MemorySystem;
use crate::network::{Network, Sent};
use crate::sim::link::Link;
use crate::sim::message::{Body, Endpoint, Packet};
use crate::sim::wake::ComponentId;
use crate::sim::wake::Wakes;
use crate::time::Cycle;
use crate::trace::{NullSink, TraceBuffer, TraceSink};
use crate::trap::Trap;

/// What a tile waits on when the machine deadlocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiter {
    /// The chip.
    pub chip: u32,
    /// The tile.
    pub tile: u32,
    /// The pc of its core.
    pub pc: u64,
    /// The instruction there.
    pub instruction: String,
    /// What it waits for, in words.
    pub waits_for: String,
}

impl fmt::Display for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tile {} (chip {}) at pc {:#x}: {} — waits for {}",
            self.tile, self.chip, self.pc, self.instruction, self.waits_for
        )
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Every tile halted.
    Halted,
    /// A tile trapped.
    Trapped(Trap),
    /// The cycle limit was reached first.
    MaxCycles,
    /// Every tile that has not halted waits on something nothing will provide.
    Deadlock(Vec<Waiter>),
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Halted => f.write_str("every tile halted"),
            Exit::Trapped(t) => write!(f, "{t}"),
            Exit::MaxCycles => f.write_str("the cycle limit was reached"),
            Exit::Deadlock(w) => {
                f.write_str(
                    "deadlock: every running tile waits on a semaphore nothing will signal",
                )?;
                for waiter in w {
                    write!(f, "\n  {waiter}")?;
                }
                Ok(())
            }
        }
    }
}

/// Runs `m` until every tile halts, one traps, it deadlocks, or cycle `max_cycles` is reached.
pub(crate) fn run(m: &mut Machine, max_cycles: u64, trace: &mut dyn TraceSink) -> Exit {
    let mut max_cycles = Cycle(max_cycles);
    // The first trap, once one happened: the run then finishes that cycle, so that the traps of
    // other tiles in it are counted, and ends there.
    let mut ending: Option<Trap> = None;
    let safe = lookahead(m);
    let lookahead = match m.schedule.lookahead {
        Some(cap) => cap.clamp(1, safe),
        None => safe,
    };
    let run_ahead = Cycle(m.schedule.run_ahead);
    let lookahead = Cycle(lookahead);
    let tiles = m.env.map.tiles as usize;
    // Wake every tile once: a blocked core may be ready (a rerun after changes by the host).
    m.cores.clear();
    m.chip_wakes.clear();
    for run in &mut m.runs {
        run.trace.keep(trace.enabled());
    }
    for chip in 0..m.chips.len() as u32 {
        for tile in 0..tiles as u32 {
            schedule(m, Component::Tile { chip, tile }, Cycle::ZERO);
            let i = chip as usize * tiles + tile as usize;
            let core = &m.chips[chip as usize].tiles[tile as usize].core;
            if core.state == State::Running {
                let at = Cycle(core.at);
                m.cores.push(Reverse((at, i)));
            }
        }
        if let Some(next) = m.runs[chip as usize].wakes.next_time() {
            m.chip_wakes.push(Reverse((next, chip)));
        }
    }
    let mut out = Vec::new();
    loop {
        // The earliest of the chips' traps (then the lowest chip and tile), the others of its
        // cycle counted.
        if std::mem::take(&mut m.trapped) {
            for run in &mut m.runs {
                if let Some(t) = run.trap.take() {
                    Trap::record(&mut ending, t);
                }
            }
            if let Some(first) = &ending {
                max_cycles = max_cycles.min(first.cycle + 1);
            }
        }
        let exit = turn(m, max_cycles, lookahead, run_ahead, &mut out, trace);
        let Some(exit) = exit else {
            continue;
        };
        return match ending.take() {
            // The run ends at the trap; tiles that had run ahead through register-only
            // instructions keep their state (stats count their cycles up to the trap).
            Some(trap) => {
                m.end = trap.cycle.get();
                Exit::Trapped(trap)
            }
            None => exit,
        };
    }
}

/// One turn of the run loop: the earliest wakes, or the earliest core's run; `Some` when the
/// run has ended.
fn turn(
    m: &mut Machine,
    max_cycles: Cycle,
    lookahead: Cycle,
    run_ahead: Cycle,
    out: &mut Vec<Packet>,
    trace: &mut dyn TraceSink,
) -> Option<Exit> {
    let tiles = m.env.map.tiles as usize;
    // The earliest running core, and the next one (by time, then flat index).
    let (mut best, mut t_best) = (usize::MAX, Cycle::MAX);
    let (mut second, mut t_second) = (usize::MAX, Cycle::MAX);
    if let Some((at, i)) = next_core(m) {
        (best, t_best) = (i, at);
        m.cores.pop();
        if let Some((at2, i2)) = next_core(m) {
            (second, t_second) = (i2, at2);
        }
        m.cores.push(Reverse((at, i)));
    }
    // Whether any core waits matters only once none runs.
    let waiting = best == usize::MAX
        && m.tiles()
            .any(|t| matches!(t.core.state, State::Blocked { .. }));
    let t_event = next_wake(m);
    let all_done = best == usize::MAX && !waiting;
    if let Some(te) = t_event
        && (te <= t_best || all_done)
    {
        if te >= max_cycles && !all_done {
            m.end = max_cycles.get();
            return Some(Exit::MaxCycles);
        }
        run_cycle(m, te, out, trace);
        return None;
    }
    if best == usize::MAX {
        m.end = last_end(m).get();
        if !waiting {
            return Some(Exit::Halted);
        }
        return Some(Exit::Deadlock(deadlock_waiters(m)));
    }
    if t_best >= max_cycles {
        m.end = max_cycles.get();
        return Some(Exit::MaxCycles);
    }
    let limit = t_event
        .unwrap_or(Cycle::MAX)
        .min(t_second.saturating_add(lookahead))
        .min(max_cycles);
    let horizon = limit.saturating_add(run_ahead).min(max_cycles);
    let chip = best / tiles;
    let mut buffer = std::mem::take(&mut m.runs[chip].trace);
    core::run(
        m,
        chip as u32,
        (best % tiles) as u32,
        limit,
        horizon,
        (t_second, second),
        &mut buffer,
    );
    buffer.flush(trace);
    m.runs[chip].trace = buffer;
    let core = &m.chips[best / tiles].tiles[best % tiles].core;
    if core.state == State::Running {
        let at = Cycle(core.at);
        m.cores.push(Reverse((at, best)));
    }
    for (at, p) in std::mem::take(&mut m.mail) {
        deliver(m, at, p);
    }
    None
}

/// The fewest cycles in which a core can change what another tile sees: a semaphore increment
/// crossing the quickest network, or the 2 cycles of the fastest DMA (enqueued at `t`, started
/// at `t + 1`, completing at `t + 2` at the earliest).
fn lookahead(m: &Machine) -> u64 {
    let network = m.runs.iter().map(|r| r.network.min_latency().get()).min();
    network.unwrap_or(1).clamp(1, 2)
}

/// One chip's part of a run: when each of its components next runs, its memory system and
/// network, the requests on their way to its memory system, its trap slot and its trace
/// buffer. A chip reaches
/// another only through the fabric, so chips can later run on threads of their own.
pub(crate) struct ChipRun {
    /// When each of the chip's components next runs (numbered by [`local`]).
    pub(crate) wakes: Wakes,
    /// The memory system.
    pub(crate) memory: Box<dyn MemorySystem>,
    /// Requests on their way to it.
    pub(crate) requests: Link<Packet>,
    /// The network.
    pub(crate) network: Box<dyn Network>,
    /// The earliest trap raised on the chip.
    pub(crate) trap: Option<Trap>,
    /// Its units' trace events, handed to the run's sink at the end of the chip's turn.
    pub(crate) trace: TraceBuffer,
}

impl ChipRun {
    /// The run state of a chip of `env` with these models.
    pub(crate) fn new(
        env: &Env,
        memory: Box<dyn MemorySystem>,
        network: Box<dyn Network>,
    ) -> ChipRun {
        ChipRun {
            wakes: Wakes::new(per_chip(env)),
            memory,
            requests: Link::default(),
            network,
            trap: None,
            trace: TraceBuffer::default(),
        }
    }
}

/// Records `trap` in the slot of the chip it happened on.
pub(crate) fn record(m: &mut Machine, trap: Trap) {
    let chip = trap.chip as usize;
    Trap::record(&mut m.runs[chip].trap, trap);
    m.trapped = true;
}

/// Components per chip: its network, its memory system, and each tile with its two engines.
pub(crate) fn per_chip(env: &Env) -> usize {
    2 + 3 * env.map.tiles as usize
}

/// The chip of component `c` and its number there (the wake order within the chip's cycle:
/// network, memory system, then each tile followed by its DMA-in and DMA-out engines). `None`
/// for the fabric, which belongs to no chip.
pub(crate) fn local(c: Component) -> Option<(u32, ComponentId)> {
    Some(match c {
        Component::Fabric => return None,
        Component::Network(chip) => (chip, 0),
        Component::Memory(chip) => (chip, 1),
        Component::Tile { chip, tile } => (chip, 2 + 3 * tile),
        Component::Engine { chip, tile, queue } => (chip, 3 + 3 * tile + queue.index() as u32),
    })
}

/// Asks for component `c` to run at `t` (the fabric says when it runs itself).
#[inline]
pub(crate) fn schedule(m: &mut Machine, c: Component, t: Cycle) {
    if let Some((chip, id)) = local(c)
        && m.runs[chip as usize].wakes.schedule(id, t)
    {
        m.chip_wakes.push(Reverse((t, chip)));
    }
}

/// A component of the run loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    /// The links between chips.
    Fabric,
    /// A chip's network.
    Network(u32),
    /// A chip's memory system.
    Memory(u32),
    /// A tile (its core's waits, its queues, its SRAM port).
    Tile {
        /// The chip.
        chip: u32,
        /// The tile.
        tile: u32,
    },
    /// One of a tile's DMA engines.
    Engine {
        /// The chip.
        chip: u32,
        /// The tile.
        tile: u32,
        /// Its queue.
        queue: QueueId,
    },
}

/// A number for component `c` unique in the machine (the order arrivals of one cycle come out
/// in, by sender).
pub(crate) fn component(env: &Env, c: Component) -> ComponentId {
    match local(c) {
        None => 0,
        Some((chip, id)) => 1 + chip * per_chip(env) as u32 + id,
    }
}

/// The component [`component`] numbers `id`, on a machine of `tiles` tiles per chip.
pub(crate) fn component_from(tiles: u32, id: ComponentId) -> Component {
    let per_chip = 2 + 3 * tiles;
    match id.checked_sub(1) {
        None => Component::Fabric,
        Some(k) => component_of(k / per_chip, k % per_chip),
    }
}

fn component_of(chip: u32, id: ComponentId) -> Component {
    match id {
        0 => Component::Network(chip),
        1 => Component::Memory(chip),
        k => {
            let tile = (k - 2) / 3;
            match (k - 2) % 3 {
                0 => Component::Tile { chip, tile },
                1 => Component::Engine {
                    chip,
                    tile,
                    queue: QueueId::DmaIn,
                },
                _ => Component::Engine {
                    chip,
                    tile,
                    queue: QueueId::DmaOut,
                },
            }
        }
    }
}

/// The earliest chip wake and its chip, dropping entries that no longer hold. A chip's
/// earliest wake is always in the heap: pushed when a wake lowers it, and after its cycle runs.
fn next_chip(m: &mut Machine) -> Option<(Cycle, u32)> {
    while let Some(&Reverse((at, chip))) = m.chip_wakes.peek() {
        if m.runs[chip as usize].wakes.next_time() == Some(at) {
            return Some((at, chip));
        }
        m.chip_wakes.pop();
    }
    None
}

/// The cycle of the earliest wake: the fabric's, or any chip's.
fn next_wake(m: &mut Machine) -> Option<Cycle> {
    let chip = next_chip(m).map(|(at, _)| at);
    chip.into_iter().chain(m.fabric.next_wake()).min()
}

/// Runs every wake of cycle `t`: the fabric's, then each chip's (in chip order) in its order.
/// Each chip's trace events go to `trace` at the end of its turn.
fn run_cycle(m: &mut Machine, t: Cycle, out: &mut Vec<Packet>, trace: &mut dyn TraceSink) {
    if m.fabric.next_wake().is_some_and(|f| f <= t) {
        step(m, t, Component::Fabric, out, &mut NullSink);
    }
    while let Some((at, chip)) = next_chip(m) {
        if at > t {
            break;
        }
        m.chip_wakes.pop();
        let mut buffer = std::mem::take(&mut m.runs[chip as usize].trace);
        while let Some((at, id)) = m.runs[chip as usize].wakes.pop_until(t) {
            step(m, at, component_of(chip, id), out, &mut buffer);
        }
        buffer.flush(trace);
        m.runs[chip as usize].trace = buffer;
        if let Some(next) = m.runs[chip as usize].wakes.next_time() {
            m.chip_wakes.push(Reverse((next, chip)));
        }
    }
}

/// The earliest running core (time, flat index), dropping entries that no longer hold.
fn next_core(m: &mut Machine) -> Option<(Cycle, usize)> {
    let tiles = m.env.map.tiles as usize;
    while let Some(&Reverse((at, i))) = m.cores.peek() {
        let core = &m.chips[i / tiles].tiles[i % tiles].core;
        if core.state == State::Running && Cycle(core.at) == at {
            return Some((at, i));
        }
        m.cores.pop();
    }
    None
}

/// Runs component `c` at cycle `t`.
fn step(m: &mut Machine, t: Cycle, c: Component, out: &mut Vec<Packet>, trace: &mut dyn TraceSink) {
    out.clear();
    match c {
        Component::Fabric => {
            m.fabric.evaluate(t, out);
            let through_network = m.fabric.ends_at_port();
            let mut one = Vec::with_capacity(1);
            for p in out.drain(..) {
                if through_network {
                    let chip = p.to.chip();
                    one.push(p);
                    send(m, t, chip, &mut one);
                } else {
                    deliver(m, t, p);
                }
            }
        }
        Component::Network(chip) => {
            let run = &mut m.runs[chip as usize];
            if run.trace.enabled() {
                run.network.trace(t, &mut run.trace);
            }
            let net = &mut run.network;
            net.evaluate(t, out);
            if let Some(next) = net.next_wake() {
                schedule(m, c, next);
            }
            for p in out.drain(..) {
                if p.to.chip() == chip {
                    deliver(m, t, p);
                } else {
                    m.fabric.send(t, p);
                }
            }
        }
        Component::Memory(chip) => {
            let run = &mut m.runs[chip as usize];
            let mem = &mut run.memory;
            let mut commits = Vec::new();
            // Requests are taken in the cycle they arrive, in arrival order.
            while let Some((_, p)) = run.requests.receive(t) {
                match p.body {
                    Body::Access(access) => mem.accept(t, access, p.lag),
                    Body::Commit(c) => commits.push(*c),
                    _ => {}
                }
            }
            mem.evaluate(t, out);
            reschedule(m, Component::Memory(chip));
            // Its commits happen here; its replies go out on the network.
            let mut i = 0;
            while i < out.len() {
                if matches!(out[i].body, Body::Commit(_)) {
                    if let Body::Commit(c) = out.remove(i).body {
                        commits.push(*c);
                    }
                } else {
                    i += 1;
                }
            }
            for c in commits {
                tile::commit(m, t, &c);
            }
            send(m, t, chip, out);
        }
        Component::Engine { chip, tile, queue } => {
            tile::evaluate_engine(m, chip, tile, queue, t, out);
            send(m, t, chip, out);
        }
        Component::Tile { chip, tile } => {
            tile::evaluate(m, chip, tile, t, out, trace);
            send(m, t, chip, out);
            for (at, p) in std::mem::take(&mut m.mail) {
                deliver(m, at, p);
            }
        }
    }
}

/// Puts `p` in its destination's inbox, arriving at `t`, and wakes the destination then.
fn deliver(m: &mut Machine, t: Cycle, p: Packet) {
    let key = u64::from(p.source);
    let c = match p.to {
        Endpoint::Memory { chip } => {
            m.runs[chip as usize].requests.send(t, key, p);
            Component::Memory(chip)
        }
        Endpoint::Tile { chip, tile } => {
            m.chips[chip as usize].tiles[tile as usize]
                .inbox
                .send(t, key, p);
            Component::Tile { chip, tile }
        }
        Endpoint::Engine { chip, tile, queue } => {
            let engine = &mut m.chips[chip as usize].tiles[tile as usize].engines[queue.index()];
            engine.inbox.send(t, key, p);
            if engine.lazy {
                return;
            }
            Component::Engine { chip, tile, queue }
        }
    };
    schedule(m, c, t);
}

/// Sends the packets of chip `chip` in `out` into its network at `t`.
pub(crate) fn send(m: &mut Machine, t: Cycle, chip: u32, out: &mut Vec<Packet>) {
    let mut held = false;
    for p in out.drain(..) {
        match m.runs[chip as usize].network.send(t, p) {
            Sent::Arrives(at, p) => deliver(m, at, p),
            Sent::Held => held = true,
        }
    }
    if held {
        reschedule(m, Component::Network(chip));
    }
}

/// Asks for `c`'s next wake, as it says.
fn reschedule(m: &mut Machine, c: Component) {
    let next = match c {
        Component::Network(chip) => m.runs[chip as usize].network.next_wake(),
        Component::Memory(chip) => {
            let run = &m.runs[chip as usize];
            let inbox = run.requests.next_arrival();
            inbox.into_iter().chain(run.memory.next_wake()).min()
        }
        Component::Fabric | Component::Tile { .. } | Component::Engine { .. } => None,
    };
    if let Some(next) = next {
        schedule(m, c, next);
    }
}

/// The latest cycle any core has accounted for (halted tiles: the cycle after `halt`).
fn last_end(m: &Machine) -> Cycle {
    m.tiles()
        .map(|t| match t.core.state {
            State::Halted { at } => Cycle(at),
            _ => Cycle(t.core.last_end),
        })
        .max()
        .unwrap_or(Cycle::ZERO)
}

/// What every tile that has not halted waits for.
pub(crate) fn deadlock_waiters(m: &Machine) -> Vec<Waiter> {
    let mut out = Vec::new();
    for tile in m.tiles() {
        let State::Blocked { on, .. } = tile.core.state else {
            continue;
        };
        let sem_text = |s: u8, n: i64| {
            format!(
                "s{s} >= {n} (s{s} = {})",
                tile.sems.get(s).map_or("?".to_string(), |v| v.to_string())
            )
        };
        let mut what = match on {
            Block::Semaphore { sem, n } => sem_text(sem, n),
            Block::QueueFull(q) => {
                format!("a slot in the {} queue", q.name())
            }
            Block::Drain(_) => "its engine queues to drain".to_string(),
        };
        for q in QueueId::ALL {
            if let Some((s, n)) = tile.queues[q.index()].blocked_on() {
                what.push_str(&format!(
                    "; its {} queue waits for {}",
                    q.name(),
                    sem_text(s, n)
                ));
            }
        }
        out.push(Waiter {
            chip: tile.chip,
            tile: tile.id,
            pc: tile.core.pc,
            instruction: m.program.disassemble(tile.core.pc),
            waits_for: what,
        });
    }
    out
}
