//! The control core's side of the run loop: issue instructions in order, each at the cycle the
//! pipeline rules allow (docs/timing.md, "Control core"), until the next one would issue at or
//! after `limit`, or the core blocks, halts or traps.
//!
//! Running a core ahead of the others is safe up to `limit`: the run loop sets it no later than
//! the next pending event and no later than another core's time plus the machine's lookahead,
//! so every state a core reads is final for the cycle it reads it in. Instructions that touch
//! only the core's registers ([`crate::program::Slot::local`]) read no such state, so they may
//! run further, up to `horizon`.

use isa::Cause;

use crate::control::pipeline::class_index;
use crate::control::{Block, Stall, State, Step, execute};
use crate::machine::Machine;
use crate::network::Sent;
use crate::program::IssueRule;
use crate::queue::Entry;
use crate::sim::message::{Body, Endpoint, Packet};
use crate::sim::{Component, component, local};
use crate::time::Cycle;
use crate::trace::{TraceSink, Track};
use crate::trap::Trap;

/// Why a core stopped issuing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CoreExit {
    /// Its next instruction issues at or after the limit (`core.at`).
    Yield,
    /// It waits on the machine.
    Blocked,
    /// It executed `halt`.
    Halted,
    /// It trapped (`machine.trap` says why).
    Trapped,
}

/// Runs the core of tile `tile` of chip `chip` until its next instruction that reaches beyond
/// the core would issue at or after `limit`, or any instruction at or after `horizon`.
/// `next_core` is the time and flat index of the earliest other running core: a trap of this
/// one at a later time, or at the same time with a higher index, waits for it to catch up,
/// since that core may trap first (the report names the earliest trap, then the lowest chip and
/// tile).
pub(crate) fn run(
    m: &mut Machine,
    chip: u32,
    tile: u32,
    mut limit: Cycle,
    horizon: Cycle,
    next_core: (Cycle, usize),
    trace: &mut dyn TraceSink,
) -> CoreExit {
    let Machine {
        env,
        program,
        chips,
        runs,
        mail,
        chip_wakes,
        trapped,
        races,
        ..
    } = m;
    let checking = races.is_some();
    let me_component = component(env, Component::Tile { chip, tile });
    let (_, me_local) = local(Component::Tile { chip, tile }).unwrap_or_default();
    let run = &mut runs[chip as usize];
    let tl = &mut chips[chip as usize].tiles[tile as usize];
    let slots = program.slots();
    let text_end = program.text_bytes();
    let lat = env.core;
    let me = chip as usize * env.map.tiles as usize + tile as usize;
    let trap_waits = |t: Cycle| (t, me) > next_core;
    // The pipeline's timing state lives in locals while the core runs, and goes back on exit
    // (`control::Core` keeps its times as plain counts).
    let mut next = Cycle(tl.core.next);
    let mut next_reason = tl.core.next_reason;
    let mut last_end = Cycle(tl.core.last_end);
    let mut div_free = Cycle(tl.core.div_free);
    macro_rules! leave {
        ($at:expr, $exit:expr) => {{
            let at: Cycle = $at;
            let core = &mut tl.core;
            core.next = next.get();
            core.next_reason = next_reason;
            core.last_end = last_end.get();
            core.div_free = div_free.get();
            core.at = at.get();
            return $exit;
        }};
    }
    loop {
        let pc = tl.core.pc;
        let slot = match slots.get((pc >> 3) as usize) {
            Some(s) if pc & 7 == 0 => s,
            _ if trap_waits(next) => leave!(next, CoreExit::Yield),
            _ => {
                *trapped = true;
                Trap::record(
                    &mut run.trap,
                    Trap {
                        chip,
                        tile,
                        pc,
                        instruction: "(no instruction)".to_string(),
                        cause: Cause::FetchFault,
                        detail: format!("pc {pc:#x} is outside the text (0..{text_end:#x})"),
                        cycle: next,
                        others: 0,
                    },
                );
                tl.core.state = State::Trapped;
                leave!(next, CoreExit::Trapped);
            }
        };

        // Issue cycle: structural rules, scoreboard, divider.
        let ready = &tl.core.ready;
        let s = slot.srcs;
        let dep = Cycle(
            ready[s[0] as usize & 31]
                .max(ready[s[1] as usize & 31])
                .max(ready[s[2] as usize & 31])
                .max(ready[s[3] as usize & 31]),
        );
        let mut t = next;
        let mut reason = next_reason;
        if dep > t {
            t = dep;
            reason = Stall::Dependency;
        }
        if slot.divides && div_free > t {
            t = div_free;
            reason = Stall::Divider;
        }
        if t >= horizon || (!slot.local && t >= limit) {
            leave!(t, CoreExit::Yield);
        }

        // Cycles until t are stalls, for the reason that bound t.
        if t > last_end {
            tl.core.stalled[reason.index()] += t.since(last_end).get();
            last_end = t;
        }

        // Waits on the machine, whose state is final for cycle t.
        if slot.waits {
            let block = match slot.rule {
                IssueRule::Enqueue(q) if tl.queues[q.index()].waiting() >= env.queue_depth(q) => {
                    Some(Block::QueueFull(q))
                }
                IssueRule::Drain(set) if !tl.drained(set) => Some(Block::Drain(set)),
                _ => None,
            };
            if let Some(on) = block {
                tl.core.state = State::Blocked { on, since: t.get() };
                leave!(t, CoreExit::Blocked);
            }
        }

        // Retires the instruction issued at t: one issue per cycle, its result's latency, the
        // divider and store rules.
        macro_rules! retire {
            () => {{
                let class = class_index(slot.class);
                let core = &mut tl.core;
                core.instret += 1;
                core.issued[class] += 1;
                last_end = t + 1;
                next = t + lat.interval;
                next_reason = Stall::Structural;
                if slot.dst != 0 {
                    core.ready[slot.dst as usize & 31] = (t + lat.result[class]).get();
                }
                if slot.divides {
                    div_free = t + lat.divide;
                } else if slot.stores {
                    next = next.max(t + lat.store);
                }
            }};
        }
        let scalar = if checking {
            crate::races::scalar_access(slot, &tl.core.x)
        } else {
            None
        };
        let step = execute(tl, slot, env, t.get(), text_end);
        if checking && let Some(r) = races.as_deref_mut() {
            r.core_step(chip, tile, pc, slot, scalar, &step, t);
        }
        match step {
            Step::Next => retire!(),
            Step::Taken => {
                retire!();
                let after = t + 1 + lat.branch_penalty;
                if after > next {
                    next = after;
                    next_reason = Stall::Branch;
                }
            }
            Step::Blocked { sem, n } => {
                tl.core.state = State::Blocked {
                    on: Block::Semaphore { sem, n },
                    since: t.get(),
                };
                leave!(t, CoreExit::Blocked);
            }
            // A trap ahead of the other tiles waits until they have caught up: one of them may
            // trap earlier, or in the same cycle with a lower index.
            Step::Trap { .. } if t >= limit || trap_waits(t) => leave!(t, CoreExit::Yield),
            Step::Trap { cause, detail } => {
                *trapped = true;
                Trap::record(
                    &mut run.trap,
                    Trap {
                        chip,
                        tile,
                        pc,
                        instruction: program.disassemble(pc),
                        cause,
                        detail,
                        cycle: t,
                        others: 0,
                    },
                );
                tl.core.state = State::Trapped;
                leave!(t, CoreExit::Trapped);
            }
            Step::Enqueue(item) => {
                retire!();
                let IssueRule::Enqueue(q) = slot.rule else {
                    unreachable!("only an instruction with a queue enqueues")
                };
                let queue = &mut tl.queues[q.index()];
                let was_idle = queue.is_idle();
                queue.items.push_back(Entry { item, pc });
                if was_idle {
                    if run.wakes.schedule(me_local, t + 1) {
                        chip_wakes.push(std::cmp::Reverse((t + 1, chip)));
                    }
                    limit = limit.min(t + 1);
                }
            }
            Step::SemChanged => {
                retire!();
                if tl.queues.iter().any(|q| q.take_since.is_some()) {
                    if run.wakes.schedule(me_local, t + 1) {
                        chip_wakes.push(std::cmp::Reverse((t + 1, chip)));
                    }
                    limit = limit.min(t + 1);
                }
            }
            Step::Signal {
                chip: to_chip,
                tile: to_tile,
                sem,
                amount,
            } => {
                retire!();
                // A semaphore increment crosses the network (and the fabric) like data.
                let at = t + env.signal_delay(chip, to_chip);
                let sent = run.network.send(
                    t,
                    Packet {
                        to: Endpoint::Tile {
                            chip: to_chip,
                            tile: to_tile,
                        },
                        from_chip: chip,
                        source: me_component,
                        bytes: 0,
                        header: false,
                        lag: 0,
                        body: Body::Signal {
                            sem,
                            amount,
                            from: (chip, tile, pc),
                        },
                    },
                );
                match sent {
                    // Delivered when the core stops, before it arrives (`limit` below).
                    Sent::Arrives(at, p) => mail.push((at, p)),
                    Sent::Held => {
                        if let (Some(next), Some((_, id))) =
                            (run.network.next_wake(), local(Component::Network(chip)))
                            && run.wakes.schedule(id, next)
                        {
                            chip_wakes.push(std::cmp::Reverse((next, chip)));
                        }
                    }
                }
                limit = limit.min(at);
            }
            Step::Halt => {
                retire!();
                tl.core.state = State::Halted { at: (t + 1).get() };
                if trace.enabled() {
                    trace.instant(Track::tile(chip, tile, "control"), "halt", t, &[]);
                }
                leave!(t + 1, CoreExit::Halted);
            }
        }
    }
}
