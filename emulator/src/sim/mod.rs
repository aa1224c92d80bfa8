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

use crate::control::{Block, State};
use crate::env::Env;
use crate::machine::Machine;
use crate::network::Sent;
use crate::sim::message::{Body, Endpoint, Packet};
use crate::sim::wake::ComponentId;
use crate::time::Cycle;
use crate::trace::TraceSink;
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
    let max_cycles = Cycle(max_cycles);
    let safe = lookahead(m);
    let lookahead = match m.schedule.lookahead {
        Some(cap) => cap.clamp(1, safe),
        None => safe,
    };
    let run_ahead = Cycle(m.schedule.run_ahead);
    let lookahead = Cycle(lookahead);
    let tiles = m.env.map.tiles as usize;
    // Wake every tile once: a blocked core may be ready (a rerun after changes by the host).
    for chip in 0..m.chips.len() as u32 {
        for tile in 0..tiles as u32 {
            let c = component(&m.env, Component::Tile { chip, tile });
            m.wakes.schedule(c, Cycle::ZERO);
        }
    }
    let mut out = Vec::new();
    loop {
        if let Some(trap) = m.trap.take() {
            // The run ends at the trap; tiles that had run ahead through register-only
            // instructions keep their state (stats count their cycles up to the trap).
            m.end = trap.cycle.get();
            return Exit::Trapped(trap);
        }
        // The earliest running core, and the next one (by time, then flat index).
        let (mut best, mut t_best) = (usize::MAX, Cycle::MAX);
        let (mut second, mut t_second) = (usize::MAX, Cycle::MAX);
        let mut waiting = false;
        for (i, tile) in m.chips.iter().flat_map(|c| c.tiles.iter()).enumerate() {
            match tile.core.state {
                State::Running => {
                    let at = Cycle(tile.core.at);
                    if at < t_best {
                        (second, t_second) = (best, t_best);
                        (best, t_best) = (i, at);
                    } else if at < t_second {
                        (second, t_second) = (i, at);
                    }
                }
                State::Blocked { .. } => waiting = true,
                State::Halted { .. } | State::Trapped => {}
            }
        }
        let t_event = m.wakes.next_time();
        let all_done = best == usize::MAX && !waiting;
        if let Some(te) = t_event
            && (te <= t_best || all_done)
        {
            if te >= max_cycles && !all_done {
                m.end = max_cycles.get();
                return Exit::MaxCycles;
            }
            while let Some((t, c)) = m.wakes.pop_until(te) {
                step(m, t, c, &mut out, trace);
            }
            continue;
        }
        if best == usize::MAX {
            m.end = last_end(m).get();
            if !waiting {
                return Exit::Halted;
            }
            return Exit::Deadlock(deadlock_waiters(m));
        }
        if t_best >= max_cycles {
            m.end = max_cycles.get();
            return Exit::MaxCycles;
        }
        let limit = t_event
            .unwrap_or(Cycle::MAX)
            .min(t_second.saturating_add(lookahead))
            .min(max_cycles);
        let horizon = limit.saturating_add(run_ahead).min(max_cycles);
        core::run(
            m,
            (best / tiles) as u32,
            (best % tiles) as u32,
            limit,
            horizon,
            (t_second, second),
            trace,
        );
        for (at, p) in std::mem::take(&mut m.mail) {
            deliver(m, at, p);
        }
    }
}

/// The fewest cycles in which a core can change what another tile sees: a semaphore increment
/// crossing the quickest network, or the 2 cycles of the fastest DMA (enqueued at `t`, started
/// at `t + 1`, completing at `t + 2` at the earliest).
fn lookahead(m: &Machine) -> u64 {
    let network = m.networks.iter().map(|n| n.min_latency().get()).min();
    network.unwrap_or(1).clamp(1, 2)
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

/// How many components a machine of `env` has.
pub(crate) fn components(env: &Env) -> usize {
    1 + env.map.chips as usize * (2 + 3 * env.map.tiles as usize)
}

/// The number of component `c`: the wake order within a cycle (fabric, then per chip its
/// network, its memory system, and each tile followed by its DMA-in and DMA-out engines).
pub(crate) fn component(env: &Env, c: Component) -> ComponentId {
    let per_chip = 2 + 3 * env.map.tiles;
    match c {
        Component::Fabric => 0,
        Component::Network(chip) => 1 + chip * per_chip,
        Component::Memory(chip) => 2 + chip * per_chip,
        Component::Tile { chip, tile } => 3 + chip * per_chip + 3 * tile,
        Component::Engine { chip, tile, queue } => {
            3 + chip * per_chip + 3 * tile + 1 + queue.index() as u32
        }
    }
}

fn component_of(env: &Env, id: ComponentId) -> Component {
    if id == 0 {
        return Component::Fabric;
    }
    let per_chip = 2 + 3 * env.map.tiles;
    let (chip, k) = ((id - 1) / per_chip, (id - 1) % per_chip);
    match k {
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

/// Runs component `id` at cycle `t`.
fn step(
    m: &mut Machine,
    t: Cycle,
    id: ComponentId,
    out: &mut Vec<Packet>,
    trace: &mut dyn TraceSink,
) {
    out.clear();
    match component_of(&m.env, id) {
        Component::Fabric => {
            m.fabric.evaluate(t, out);
            if let Some(next) = m.fabric.next_wake() {
                m.wakes.schedule(id, next);
            }
            for p in out.drain(..) {
                deliver(m, t, p);
            }
        }
        Component::Network(chip) => {
            let net = &mut m.networks[chip as usize];
            net.evaluate(t, out);
            if let Some(next) = net.next_wake() {
                m.wakes.schedule(id, next);
            }
            for p in out.drain(..) {
                if p.to.chip() == chip {
                    deliver(m, t, p);
                } else {
                    m.fabric.send(t, p);
                    reschedule(m, Component::Fabric);
                }
            }
        }
        Component::Memory(chip) => {
            let mem = &mut m.memories[chip as usize];
            let mut commits = Vec::new();
            // Requests are taken in the cycle they arrive, in arrival order.
            while let Some((_, p)) = m.memory_inboxes[chip as usize].receive(t) {
                match p.body {
                    Body::Access(access) => mem.accept(t, access, p.lag),
                    Body::Commit(c) => commits.push(*c),
                    _ => {}
                }
            }
            mem.evaluate(t, out);
            reschedule(m, Component::Memory(chip));
            // Its commits happen here; its replies go out on the network.
            out.retain(|p| match &p.body {
                Body::Commit(c) => {
                    commits.push((**c).clone());
                    false
                }
                _ => true,
            });
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
            m.memory_inboxes[chip as usize].send(t, key, p);
            Component::Memory(chip)
        }
        Endpoint::Tile { chip, tile } => {
            m.chips[chip as usize].tiles[tile as usize]
                .inbox
                .send(t, key, p);
            Component::Tile { chip, tile }
        }
        Endpoint::Engine { chip, tile, queue } => {
            m.chips[chip as usize].tiles[tile as usize].engines[queue.index()]
                .inbox
                .send(t, key, p);
            Component::Engine { chip, tile, queue }
        }
    };
    m.wakes.schedule(component(&m.env, c), t);
}

/// Sends the packets of chip `chip` in `out` into its network at `t`.
pub(crate) fn send(m: &mut Machine, t: Cycle, chip: u32, out: &mut Vec<Packet>) {
    let mut held = false;
    for p in out.drain(..) {
        match m.networks[chip as usize].send(t, p) {
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
        Component::Fabric => m.fabric.next_wake(),
        Component::Network(chip) => m.networks[chip as usize].next_wake(),
        Component::Memory(chip) => {
            let inbox = m.memory_inboxes[chip as usize].next_arrival();
            let own = m.memories[chip as usize].next_wake();
            inbox.into_iter().chain(own).min()
        }
        Component::Tile { .. } | Component::Engine { .. } => None,
    };
    if let Some(next) = next {
        m.wakes.schedule(component(&m.env, c), next);
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
