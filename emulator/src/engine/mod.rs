//! The run loop: simulated time, event by event and core by core, skipping idle time.
//!
//! Each turn takes the earliest thing that happens: if an event is due no later than the
//! earliest running core's next issue, every event of that cycle is processed (engines start and
//! finish work, signals arrive, blocked cores wake); otherwise that core runs until its next
//! issue would reach the next event, or another core's time plus the lookahead (the least number
//! of cycles any core needs to affect another tile). Nothing ever ticks an idle unit: when every
//! core waits, time jumps to the next event, so waiting 10^9 cycles costs one turn.
//!
//! Effects of an event at cycle `t` are seen by instructions issuing at `t`; effects of an
//! instruction issued at `t` reach engines and other tiles at `t + 1` or later. Within a cycle,
//! events are taken in a fixed order, so a run is deterministic.

pub(crate) mod core;
pub mod event;
pub(crate) mod units;

use std::fmt;

use isa::QueueId;

use crate::control::{Block, State};
use crate::machine::Machine;
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
    let lookahead = match m.schedule.lookahead {
        Some(cap) => cap.clamp(1, m.env.lookahead()),
        None => m.env.lookahead(),
    };
    let run_ahead = Cycle(m.schedule.run_ahead);
    let lookahead = Cycle(lookahead);
    let tiles = m.env.map.tiles as usize;
    let count = m.chips.len() * tiles;
    // Wake every tile once: a blocked core may be ready (a rerun after changes by the host).
    m.dirty.extend(0..count);
    units::settle(m, Cycle::ZERO, trace);
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
        let t_event = m.events.next_time();
        let all_done = best == usize::MAX && !waiting;
        if let Some(te) = t_event
            && (te <= t_best || all_done)
        {
            if te >= max_cycles && !all_done {
                m.end = max_cycles.get();
                return Exit::MaxCycles;
            }
            while let Some((t, ev)) = m.events.pop_until(te) {
                units::process(m, t, ev, trace);
            }
            units::settle(m, te, trace);
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
